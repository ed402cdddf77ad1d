"""synthesize: MediFlow, synthetic clinical instructions with judge scores and DPO pairs
(MediPhi, ACL 2025).

Recipe (resumable: the generated rows and the judged rows are Parquet checkpoints, so a crash
while judging or writing never regenerates; each teacher pass writes its rows block by block as
they are finished, so a crash while generating redoes only the unfinished blocks):
  1. specs     synthesize.num_instructions draws (seed run.seed) over the taxonomy (taxonomy.py):
               task type and document type each about equally often (a task that takes one
               kind of input, note generation's dialogue, gets it), difficulty by
               synthesize.difficulty_weights (the three hardest levels twice as often), output format
               json for a json_fraction share; each paired with a seed document from the prepare
               *train* splits of every corpus (never val or eval), cut to doc_max_chars
  2. teacher   three passes of synthesize.teacher over Ray Data (prompts.py): the instruction,
               the input (the seed document written as the document type), the output (the
               answer to instruction + input). A json row's answer must be a JSON object valid
               under its task's schema (schemas.py): near-valid JSON is repaired and the row kept
               (json_repaired, counted in the metrics), unreadable JSON is filtered (invalid_json),
               an object the schema rejects too (schema_invalid). Empty, degenerate or invalid
               replies are filtered with the reason.
  2b. dedup    rows (instruction + input) that near-copy an earlier row or an evaluation item are
               filtered (dedup.py: MinHash, synthesize.near_dup_threshold, decontaminate_tasks)
  3. judge     synthesize.judge scores every row on quality, alignment, coherence, realism and
               difficulty: the expected value of its distribution over "1".."5", always in [1, 5],
               averaged over synthesize.judge_samples prompt framings (judge_spread: the largest
               range of a criterion's scores). quality < min_quality -> filtered; spread above
               max_judge_spread -> filtered; scores that are not finite -> quarantined.
  4. rejected  each kept output rewritten with one error: by the teacher, told which named error to
               make (rejected.py; synthesize.rejected_by: teacher, the default for an LLM teacher),
               or by rule (errors.py; the grounded teacher, rejected_by: rule, and any teacher reply
               that does not make its error as far as text can show, labelled rule_fallback); the
               DPO pairs are the top synthesize.dpo_top_fraction of the kept rows by judge quality.
With `synthesize.teacher.kind: grounded`, steps 1-2 are grounded.py instead (rows built from
train-split ICD-10-CM and PubMed records and trainable package records, no LLM) and step 3 sets
the scores by construction unless synthesize.judge_grounded asks the judge.
Outputs (Parquet): mediflow (the published MediFlow columns + doc_id), sft (prompt, completion,
instruction, input), dpo (prompt, chosen, rejected, instruction, input), filtered (rows + reason), quarantine (rows + reason, only when
there are any); mediflow_jsonl (the mediflow rows as JSON lines); judge_scores.png; data_card.md (which
teacher and source wrote which rows); README.md (the configs block HF `datasets` reads:
load_dataset(<this directory>, "mediflow" | "sft" | "dpo")).
Counts are per spec: in = kept + filtered + quarantined.
"""
from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import ray.data

from mediphi.cluster import connect
from mediphi.config import EngineConfig, InputError, RunConfig, SynthesizeSection
from mediphi.datasets import cut, document, read_parquet, resumable_map, write_parquet
from mediphi.engines import SamplingParams, sampling_params
from mediphi.engines.ray_data import generate_column
from mediphi.models import base_model
from mediphi.runs import RunDir, StageContext, StageDef, execute
from mediphi.synthesize import grounded, prompts, rejected, schemas
from mediphi.synthesize.dedup import drop_near_duplicates
from mediphi.synthesize.errors import inject_error
from mediphi.synthesize.taxonomy import DOCUMENT_TYPES, JUDGE_CRITERIA, SCORE_CHOICES, TASK_TYPES

STAGE = StageDef("synthesize", sections=("model", "synthesize"), inputs=("prepare",))

KEPT, FILTERED, QUARANTINED = "kept", "filtered", "quarantined"
SCORES = tuple(JUDGE_CRITERIA)  # quality, alignment, coherence, realism, difficulty
SPEC = ("row_id", "doc_id", "task_type", "input_data", "output_format", "difficulty_level")
ROW = (*SPEC, "instruction", "input", "output", "status", "reason", "json_repaired")
JUDGED = (*ROW, *SCORES, "judge_spread")
# rejected_by: teacher | rule | rule_fallback; rejected_check: why the teacher's reply was not used
FINISHED = (*JUDGED, "rejected_output", "error_type", "rejected_by", "rejected_check")
MEDIFLOW = ("instruction", "input", "output", "task_type", "input_data", "output_format", "difficulty_level",
            *SCORES, "rejected_output", "error_type", "doc_id")
# prompt: instruction and input as one user turn; align's chat_layout decides which it trains on
SFT_COLUMNS = ("prompt", "completion", "instruction", "input")
DPO_COLUMNS = ("prompt", "chosen", "rejected", "instruction", "input")
FILTERED_COLUMNS = (*SPEC[1:], "instruction", "input", "output", *SCORES, "reason")
_TYPES = {"row_id": pa.int64(), "difficulty_level": pa.int64(), "judge_spread": pa.float64(),
          "json_repaired": pa.bool_(), **{s: pa.float64() for s in SCORES}}
REJECTED_PASS = "rejected"  # the teacher's rejected answers as they are written (resumable)


def schema(columns: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(c, _TYPES.get(c, pa.string())) for c in columns])


def run(config: RunConfig, run_dir: RunDir | str, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    connect(ctx.config)
    cfg, seed = ctx.config.synthesize, ctx.config.run.seed
    base = base_model(ctx.config)
    is_grounded = cfg.teacher.kind == grounded.GROUNDED
    by_construction = is_grounded and not cfg.judge_grounded
    with ctx.timed("teacher"):
        generated = checkpoint(ctx, "generated", schema(ROW), lambda: (
            generate_grounded(ctx, cfg, seed) if is_grounded else generate(ctx, cfg, base, seed)))
        for step in TEACHER_STEPS:  # the generated checkpoint holds them all
            shutil.rmtree(ctx.out / TEACHER_PASSES / step.field, ignore_errors=True)

    def dedup_then_judge() -> ray.data.Dataset:
        # Inside the judged checkpoint: a resumed run that has the judged rows reads no item again.
        rows, overlap = drop_near_duplicates(generated, evaluation_items(ctx, cfg), cfg.near_dup_threshold,
                                             KEPT, FILTERED)
        ctx.log.info("[synthesize] filtered before judging: %s", overlap)
        return (score_by_construction(rows) if by_construction
                else judge(ctx, rows, cfg.judge, base, cfg.judge_samples))

    with ctx.timed("judge"):
        judged = checkpoint(ctx, "judged", schema(JUDGED), dedup_then_judge)
    by_teacher = cfg.rejected_by == "teacher" and not is_grounded
    with ctx.timed("rejected"):
        rows = judged.map(finish, fn_kwargs={"min_quality": cfg.min_quality, "seed": seed,
                                             "max_spread": cfg.max_judge_spread, "inject": not by_teacher})
        if by_teacher:
            rows = checkpoint(ctx, "finished", schema(FINISHED), lambda: teacher_rejected(
                rows, cfg.teacher, base, seed, store=ctx.out / TEACHER_PASSES / REJECTED_PASS))
        shutil.rmtree(ctx.out / TEACHER_PASSES, ignore_errors=True)  # the finished checkpoint holds them
        rows = rows.materialize()
    with ctx.timed("write"):
        outputs, dpo = write_outputs(ctx.out, rows, cfg)
        table = rows.drop_columns(["instruction", "input", "output", "rejected_output"]).to_pandas()
        # Ray hands Arrow-backed columns, where NaN is a value, not a missing one: dropna kept the
        # unjudged rows and every judge mean came out NaN (null in the manifest).
        table = table.astype({c: "float64" for c in (*SCORES, "judge_spread")})
        outputs["plot"] = plot_scores(table, cfg.min_quality, ctx.out / "judge_scores.png")
    counts, metrics = summarize(table, cfg.num_instructions)
    metrics.update(provenance(table, cfg), dpo=dpo)
    outputs["data_card"] = write_data_card(ctx.out / "data_card.md", table, metrics)
    outputs["hf_card"] = write_hf_card(ctx.out, counts)
    ctx.log.info("[synthesize] %d specs -> kept %d, filtered %d %s, quarantined %d", counts["in"], counts["kept"],
                 counts["filtered"], metrics["filter_reasons"], counts["quarantined"])
    if not counts["quarantined"]:
        outputs.pop("quarantine")
    return {"counts": counts, "metrics": metrics, "outputs": outputs}


def evaluation_items(ctx: StageContext, cfg: SynthesizeSection) -> list[dict[str, Any]]:
    """Every item (validation and test) of synthesize.decontaminate_tasks, tagged with its task."""
    from mediphi.evaluate import read_task_items
    from mediphi.evaluate.tasks import get_task

    items = []
    for name in cfg.decontaminate_tasks:
        for split in ("validation", "test"):
            try:
                found = read_task_items(ctx, get_task(name), split=split, max_items=cfg.decontaminate_items)
            except InputError:  # a small eval split may leave one split empty: nothing to overlap
                continue
            items += [{**it, "task": name} for it in found]
    return items


def checkpoint(ctx: StageContext, name: str, columns: pa.Schema,
               build: Callable[[], ray.data.Dataset]) -> ray.data.Dataset:
    """A step's rows as Parquet under ctx.out/name; read back when an earlier attempt wrote them."""
    path = ctx.out / name
    if ctx.is_done(name):
        ctx.log.info("[synthesize] %s: %d rows from an earlier attempt", name, ctx.done_info(name)["rows"])
    else:
        shutil.rmtree(path, ignore_errors=True)  # what a crashed attempt left half-written
        ds = build()
        write_parquet(ds, path, columns)
        ctx.mark_done(name, {"rows": ds.count()})
    return read_parquet(path)


# ----------------------------------------------------------------------------- 1. specs
def train_documents(corpora: dict[str, dict[str, str]]) -> ray.data.Dataset:
    """Every corpus's train split: eval is for evaluation only, val for merge validation only."""
    return read_parquet([corpora[c]["train"] for c in sorted(corpora)], columns=["doc_id", "title", "text"])


def _spread(rng: np.random.Generator, values: list[Any], n: int) -> list[Any]:
    """n draws, each value about equally often (a fresh shuffle per round), in random order."""
    rounds = -(-n // len(values))
    order = np.concatenate([rng.permutation(len(values)) for _ in range(rounds)])[:n]
    return [values[i] for i in order]


def _weighted_spread(rng: np.random.Generator, weights: dict[int, float], n: int) -> list[int]:
    """n draws whose counts follow `weights` as closely as integers allow (largest remainder), in
    random order: the shares hold exactly at any n, which independent draws do not."""
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:n - sum(counts.values())]:
        counts[k] += 1
    values = [k for k, c in counts.items() for _ in range(c)]
    return [values[i] for i in rng.permutation(len(values))]


def sample_specs(docs: ray.data.Dataset, cfg: SynthesizeSection, seed: int) -> list[dict[str, Any]]:
    ids = sorted(r["doc_id"] for r in docs.select_columns(["doc_id"]).iter_rows())
    if not ids:
        raise InputError("synthesize needs seed documents, but the prepare train splits are empty")
    n, rng = cfg.num_instructions, np.random.default_rng(seed)
    doc_ids = _spread(rng, ids, n)
    tasks = _spread(rng, list(TASK_TYPES), n)
    doc_types = _spread(rng, list(DOCUMENT_TYPES), n)
    levels = _weighted_spread(rng, cfg.difficulty_weights, n)
    n_json = round(n * cfg.json_fraction)
    formats = [("json" if i < n_json else "plain_text") for i in rng.permutation(n)]
    fitted = [_fit(t, d, f) for t, d, f in zip(tasks, doc_types, formats)]
    doc_types, formats = [d for d, _ in fitted], [f for _, f in fitted]
    wanted = set(doc_ids)
    seeds = {r["doc_id"]: cut(document(r), cfg.doc_max_chars)
             for r in docs.filter(lambda r: r["doc_id"] in wanted).iter_rows()}
    return [{"row_id": i, "doc_id": doc_ids[i], "task_type": tasks[i], "input_data": doc_types[i],
             "output_format": formats[i], "difficulty_level": int(levels[i]), "seed_document": seeds[doc_ids[i]],
             "instruction": "", "input": "", "output": "", "status": KEPT, "reason": "", "json_repaired": False}
            for i in range(n)]


def _fit(task_type: str, document_type: str, output_format: str) -> tuple[str, str]:
    """A drawn document type and format, changed where the task takes only some: note generation
    reads a dialogue whatever type was drawn; a format the task has no answer for becomes its first."""
    task = TASK_TYPES[task_type]
    if task.document_types and document_type not in task.document_types:
        document_type = task.document_types[0]
    return document_type, output_format if output_format in task.output_formats else task.output_formats[0]


GROUNDED_BLOCK_ROWS = 128


def generate_grounded(ctx: StageContext, cfg: SynthesizeSection, seed: int) -> ray.data.Dataset:
    """Rows built from structured train records (grounded.py): the teacher step's columns, no LLM."""
    kinds = {c.name: c.kind for c in ctx.config.prepare.corpora}
    records = grounded.load_records(ctx.input("prepare", "corpora"), kinds)
    ctx.log.info("[synthesize] grounded teacher: %s records", {k: len(v) for k, v in records.items()})
    rows = grounded.build_rows(records, cfg.num_instructions, cfg.json_fraction, seed, cfg.doc_max_chars)
    # Blocks of ~GROUNDED_BLOCK_ROWS rows: Ray Data's default cuts 400 rows into 200 blocks, and every
    # later step (filters, judge, dedup, sort, writes) then runs 200 tasks and writes 200 files.
    return ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // GROUNDED_BLOCK_ROWS)))


# ----------------------------------------------------------------------------- 2. teacher
class Reading(NamedTuple):
    value: str  # what the column gets
    reason: str = ""  # why the row is filtered; "" keeps it
    json_repaired: bool = False  # the value is a JSON object only after schemas.repair_json


@dataclass(frozen=True)
class TeacherStep:
    field: str  # the column the teacher's reply fills
    prompt: Callable[[dict[str, Any]], str]  # row -> the user turn
    read: Callable[[str, dict[str, Any]], Reading]  # (reply, row) -> what the row gets


def _read_instruction(reply: str, row: dict[str, Any]) -> Reading:
    text = prompts.clean_instruction(reply, row["output_format"], row["task_type"])
    why = prompts.degenerate(text, min_chars=20)
    return Reading(text, why and f"{why}_instruction")


def _read_input(reply: str, row: dict[str, Any]) -> Reading:
    text = prompts.clean_text(reply)
    why = prompts.degenerate(text, min_chars=40)
    return Reading(text, why and f"{why}_input")


def _read_output(reply: str, row: dict[str, Any]) -> Reading:
    if row["output_format"] == "json":
        return _read_json(reply, row["task_type"])
    text = prompts.clean_text(reply)
    if why := prompts.degenerate(text, min_chars=2):
        return Reading(text, f"{why}_output")
    if " ".join(text.lower().split()) == " ".join(row["input"].lower().split()):
        return Reading(text, "copied_input")
    return Reading(text)


def _read_json(reply: str, task_type: str) -> Reading:
    """A json answer: the object as strict JSON, repaired if it was near-valid; filtered when there is
    none (invalid_json, the reply kept as written) or when the task's schema rejects it (schema_invalid)."""
    obj, repaired = prompts.parse_json_object(reply), False
    if obj is None:
        obj = schemas.repair_json(reply)
        repaired = obj is not None
    if obj is None:
        return Reading(reply, "invalid_json")
    text = json.dumps(obj, ensure_ascii=False)
    return Reading(text, "schema_invalid" if schemas.validate(task_type, obj) else "", repaired)


TEACHER_STEPS = (
    TeacherStep("instruction", lambda r: prompts.instruction_prompt(
        r["task_type"], r["input_data"], r["output_format"], int(r["difficulty_level"])), _read_instruction),
    TeacherStep("input", lambda r: prompts.input_prompt(r["input_data"], r["instruction"], r["seed_document"],
                                                        r["task_type"]), _read_input),
    TeacherStep("output", lambda r: prompts.student_prompt(r["instruction"], r["input"]), _read_output),
)


def generate(ctx: StageContext, cfg: SynthesizeSection, base: str, seed: int) -> ray.data.Dataset:
    specs = sample_specs(train_documents(ctx.input("prepare", "corpora")), cfg, seed)
    ctx.log.info("[synthesize] %d specs over %d task types x %d document types -> teacher", len(specs),
                 len(TASK_TYPES), len(DOCUMENT_TYPES))
    rows = ray.data.from_items(specs, override_num_blocks=max(1, -(-len(specs) // cfg.teacher.batch_size)))
    params = sampling_params(cfg.teacher, seed=seed)
    for step in TEACHER_STEPS:
        rows = teacher_pass(rows, step, cfg.teacher, base, params, store=ctx.out / TEACHER_PASSES / step.field)
        ctx.log.info("[synthesize] teacher wrote the %s", step.field)
    return rows.drop_columns(["seed_document"])


TEACHER_PASSES = "teacher_passes"  # each pass's rows as they are written: what a crashed attempt keeps


def teacher_pass(rows: ray.data.Dataset, step: TeacherStep, engine: EngineConfig, base: str,
                 params: SamplingParams, store: Path | None = None,
                 on_fail: str = "filter") -> ray.data.Dataset:
    """One teacher turn for every row still in the running; filtered rows pass through. With `store`,
    the rows are written there block by block as the teacher finishes them, and a rerun after a crash
    sends only the rows missing there to the teacher (mediphi.datasets.resumable_map). A reply the
    step does not accept filters its row, or with on_fail "reason" only sets `reason`."""
    def write_turn(ds: ray.data.Dataset) -> ray.data.Dataset:
        todo = ds.filter(lambda r: r["status"] == KEPT)
        chats = todo.map(lambda r: {**r, "chat": json.dumps(prompts.user(step.prompt(r)))})
        replies = generate_column(chats, engine, base, "chat", "reply", params)
        return replies.map(_apply_reply, fn_kwargs={"step": step, "on_fail": on_fail}).union(ds.filter(lambda r: r["status"] != KEPT))

    if rows.filter(lambda r: r["status"] == KEPT).count() == 0:
        return rows
    if store is None:
        return write_turn(rows).materialize()
    return resumable_map(rows, store, write_turn).materialize()


def _apply_reply(row: dict[str, Any], step: TeacherStep, on_fail: str = "filter") -> dict[str, Any]:
    read = step.read(row["reply"], row)
    row = {k: v for k, v in row.items() if k not in ("chat", "reply")}
    row[step.field] = read.value
    row["json_repaired"] = bool(row.get("json_repaired")) or read.json_repaired
    if read.reason:
        row.update(reason=read.reason, **({"status": FILTERED} if on_fail == "filter" else {}))
    return row


# ----------------------------------------------------------------------------- 3. judge
def judge(ctx: StageContext, rows: ray.data.Dataset, engine: EngineConfig, base: str,
          samples: int = 1) -> ray.data.Dataset:
    """Five scores per row still in the running, each the mean over `samples` prompt framings;
    rows filtered earlier get NaN scores."""
    unscored = rows.filter(lambda r: r["status"] != KEPT).map(
        lambda r: {**r, **{s: math.nan for s in SCORES}, "judge_spread": math.nan})
    todo = rows.filter(lambda r: r["status"] == KEPT)
    n = todo.count()
    if n == 0:
        return unscored.materialize()
    ctx.log.info("[synthesize] judge: %d rows x %d criteria x %d framings x %d choices", n, len(SCORES), samples,
                 len(SCORE_CHOICES))
    requests = todo.flat_map(_judge_requests, fn_kwargs={"text_prompts": engine.kind == "openai", "samples": samples})
    scored = generate_column(requests, engine, base, "chat", "logliks", sampling_params(engine),
                             choices_col="choices")
    # One partition per thousand examples: the default (200) costs seconds of empty tasks at demo scale.
    per_row = scored.map(_read_score).groupby("row_id", num_partitions=max(1, -(-n // 1000))).map_groups(
        _one_row_per_example, batch_format="pandas")
    return per_row.union(unscored).materialize()


def score_by_construction(rows: ray.data.Dataset) -> ray.data.Dataset:
    """Grounded rows: scores set by construction (grounded.scores_by_construction); filtered rows get NaN."""
    def score(row: dict[str, Any]) -> dict[str, Any]:
        if row["status"] != KEPT:
            return {**row, **{s: math.nan for s in SCORES}, "judge_spread": math.nan}
        return {**row, **grounded.scores_by_construction(int(row["difficulty_level"]))}
    return rows.map(score).materialize()


def _judge_requests(row: dict[str, Any], text_prompts: bool, samples: int = 1) -> list[dict[str, Any]]:
    def prompt(criterion: str, variant: int) -> str:
        text = prompts.judge_prompt(criterion, row, variant)
        # OpenAI-compatible servers score only raw text (no chat log-likelihoods)
        return json.dumps(f"{text}\nScore: " if text_prompts else prompts.user(text))
    return [{**row, "criterion": c, "chat": prompt(c, v), "choices": json.dumps(list(SCORE_CHOICES))}
            for c in SCORES for v in range(samples)]


def _read_score(row: dict[str, Any]) -> dict[str, Any]:
    score = prompts.expected_score(json.loads(row["logliks"]))
    return {**{k: v for k, v in row.items() if k not in ("chat", "choices", "logliks")}, "score": score}


def _one_row_per_example(group: pd.DataFrame) -> pd.DataFrame:
    """A criterion's score is the mean over its framings; judge_spread is the largest range of them."""
    row = group.iloc[0].drop(["criterion", "score"]).to_dict()
    per = group.groupby("criterion")["score"].agg(["mean", "min", "max"]).astype(float).reindex(list(SCORES))
    row.update({s: float(per.at[s, "mean"]) for s in SCORES})
    row["judge_spread"] = float((per["max"] - per["min"]).max())
    # pandas' mean skips NaN: one unreadable framing, or a criterion never answered, is not a score
    if not np.isfinite(group["score"].astype(float)).all() or per["mean"].isna().any():
        row.update(status=QUARANTINED, reason="judge_scores_not_finite")
    return pd.DataFrame([row])


# ----------------------------------------------------------------------------- 4. rejected answers
def finish(row: dict[str, Any], min_quality: float, seed: int, max_spread: float = 4.0,
           inject: bool = True) -> dict[str, Any]:
    """Final status of a judged row; with `inject`, a kept row gets its rejected answer by rule
    (without, teacher_rejected writes it next)."""
    row = {**row, "rejected_output": "", "error_type": "", "rejected_by": "", "rejected_check": ""}
    if row["status"] != KEPT:
        return row
    if row["quality"] < min_quality:
        return {**row, "status": FILTERED, "reason": "low_quality"}
    if row["judge_spread"] > max_spread:
        return {**row, "status": FILTERED, "reason": "judge_inconsistent"}
    return by_rule(row, seed, "rule") if inject else row


def by_rule(row: dict[str, Any], seed: int, label: str) -> dict[str, Any]:
    """The rejected answer from the rule-based injector (errors.py); no rule applies: filtered."""
    injected = inject_error(row["output"], row["output_format"], seed)
    if injected is None:
        return {**row, "status": FILTERED, "reason": "no_injectable_error"}
    assert injected.text != row["output"], "a rejected answer must differ from the chosen one"
    return {**row, "rejected_output": injected.text, "error_type": injected.error_type, "rejected_by": label}


def teacher_rejected(rows: ray.data.Dataset, engine: EngineConfig, base: str, seed: int,
                     store: Path | None = None) -> ray.data.Dataset:
    """The teacher rewrites each kept answer with one named error (rejected.py); a reply that does not
    show that error gives way to the rule-based injector (rule_fallback, its check recorded)."""
    step = TeacherStep(
        "rejected_output",
        lambda r: rejected.prompt(r["instruction"], r["input"], r["output"], r["error_type"], r["output_format"]),
        lambda reply, r: Reading(*rejected.read(reply, r["output"], r["error_type"], r["output_format"])))

    def name_error(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "error_type": rejected.error_type(row["output"], seed)} if row["status"] == KEPT else row

    def settle(row: dict[str, Any]) -> dict[str, Any]:
        if row["status"] != KEPT or row["rejected_by"]:
            return row
        if row["reason"]:  # the reply's check failed: not a filter here, a fallback
            return by_rule({**row, "reason": "", "rejected_check": row["reason"]}, seed, "rule_fallback")
        return {**row, "rejected_by": "teacher"}

    written = teacher_pass(rows.map(name_error), step, engine, base,
                           sampling_params(engine, seed=seed), store=store, on_fail="reason")
    return written.map(settle)


# ----------------------------------------------------------------------------- outputs
def dpo_subset(kept: pd.DataFrame, top_fraction: float, min_quality: float) -> list[int]:
    """Row ids of the DPO pairs: the kept rows of at least `min_quality`, best judge quality first
    (ties by row id), the top `top_fraction` of them (at least one when any qualifies)."""
    eligible = kept[kept["quality"] >= min_quality].sort_values(["quality", "row_id"], ascending=[False, True])
    take = min(len(eligible), max(1, math.ceil(top_fraction * len(eligible)))) if len(eligible) else 0
    return sorted(int(i) for i in eligible["row_id"].iloc[:take])


def write_outputs(out: Path, rows: ray.data.Dataset, cfg: SynthesizeSection) -> tuple[dict[str, str], dict[str, Any]]:
    paths = {name: out / name for name in ("mediflow", "mediflow_jsonl", "sft", "dpo", "filtered", "quarantine")}
    for path in paths.values():
        shutil.rmtree(path, ignore_errors=True)
    kept = rows.filter(lambda r: r["status"] == KEPT).sort("row_id").materialize()
    write_parquet(kept.select_columns(list(MEDIFLOW)), paths["mediflow"], schema(MEDIFLOW))
    # JSON lines too, for tools that read no Parquet (Ray writes one file per block, no file for 0 rows)
    kept.select_columns(list(MEDIFLOW)).write_json(str(paths["mediflow_jsonl"]))
    write_parquet(kept.map(lambda r: {"prompt": prompts.student_prompt(r["instruction"], r["input"]),
                                      "completion": r["output"], "instruction": r["instruction"],
                                      "input": r["input"]}),
                  paths["sft"], schema(SFT_COLUMNS))
    scores = kept.select_columns(["row_id", "quality"]).to_pandas()
    chosen = set(dpo_subset(scores, cfg.dpo_top_fraction, cfg.dpo_min_quality))
    write_parquet(kept.filter(lambda r: r["row_id"] in chosen)
                  .map(lambda r: {"prompt": prompts.student_prompt(r["instruction"], r["input"]),
                                  "chosen": r["output"], "rejected": r["rejected_output"],
                                  "instruction": r["instruction"], "input": r["input"]}),
                  paths["dpo"], schema(DPO_COLUMNS))
    in_set = scores[scores["row_id"].isin(chosen)]["quality"]
    dpo = {"pairs": len(chosen), "of_kept": len(scores), "top_fraction": cfg.dpo_top_fraction,
           "min_quality": cfg.dpo_min_quality,
           "quality_range": [round(float(in_set.min()), 4), round(float(in_set.max()), 4)] if len(in_set) else []}
    for status, name in ((FILTERED, "filtered"), (QUARANTINED, "quarantine")):
        part = rows.filter(lambda r, s=status: r["status"] == s).materialize()
        if part.count():
            write_parquet(part.sort("row_id").select_columns(list(FILTERED_COLUMNS)), paths[name],
                          schema(FILTERED_COLUMNS))
    return {name: str(path) for name, path in paths.items()}, dpo


def summarize(table: pd.DataFrame, num_instructions: int) -> tuple[dict[str, int], dict[str, Any]]:
    status = table["status"]
    counts = {"in": num_instructions, "kept": int((status == KEPT).sum()),
              "filtered": int((status == FILTERED).sum()), "quarantined": int((status == QUARANTINED).sum())}
    kept, judged = table[status == KEPT], table.dropna(subset=list(SCORES))

    def tally(frame: pd.DataFrame, column: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in sorted(Counter(frame[column]).items())}

    metrics = {
        "filter_reasons": tally(table[status == FILTERED], "reason"),
        "quarantine_reasons": tally(table[status == QUARANTINED], "reason"),
        "judged": len(judged),
        "judge_mean": {s: round(float(judged[s].mean()), 4) for s in SCORES} if len(judged) else {},
        "kept_judge_mean": {s: round(float(kept[s].mean()), 4) for s in SCORES} if len(kept) else {},
        "judge_spread_mean": round(float(judged["judge_spread"].mean()), 4) if len(judged) else None,
        **{axis: {"in": tally(table, axis), "kept": tally(kept, axis)}
           for axis in ("task_type", "output_format", "difficulty_level")},
        "error_types": tally(kept, "error_type"),
        # who wrote the rejected answers, and why the teacher's were not used where they were not
        "rejected_by": tally(kept, "rejected_by") if "rejected_by" in kept else {},
        "rejected_checks_failed": tally(kept[kept["rejected_check"].astype(str) != ""], "rejected_check")
        if "rejected_check" in kept else {},
        # json answers that parsed only after schemas.repair_json: of all rows, of the kept ones
        "json_repaired": {"in": _count_true(table, "json_repaired"), "kept": _count_true(kept, "json_repaired")},
    }
    return counts, metrics


def _count_true(frame: pd.DataFrame, column: str) -> int:
    # a checkpoint written before the column existed has none: nothing was repaired then
    return int(frame[column].fillna(False).astype(bool).sum()) if column in frame else 0


def engine_label(engine: EngineConfig) -> str:
    return f"{engine.kind}:{engine.model or 'base model'}"


def provenance(table: pd.DataFrame, cfg: SynthesizeSection) -> dict[str, Any]:
    """Who wrote the kept rows and from what: the teacher, each corpus or package, who scored them."""
    grounded_rows = cfg.teacher.kind == grounded.GROUNDED
    teacher = grounded.GROUNDED if grounded_rows else engine_label(cfg.teacher)
    kept = table[table["status"] == KEPT]
    return {"teachers": {teacher: len(kept)},
            "sources": dict(sorted(Counter(kept["doc_id"].map(grounded.source_of)).items())),
            "scores_from": ("construction" if grounded_rows and not cfg.judge_grounded
                            else f"judge {engine_label(cfg.judge)}")}


HF_CONFIGS = {"mediflow": "mediflow/*.parquet", "sft": "sft/*.parquet", "dpo": "dpo/*.parquet"}


def write_hf_card(out: Path, counts: dict[str, int]) -> str:
    """README.md with the configs block HF `datasets` reads: `load_dataset(<stage dir>, "dpo")` loads
    a set as published (the MediFlow columns; TRL's prompt / completion and prompt / chosen / rejected)."""
    front = "\n".join(f"- config_name: {name}\n  data_files: {glob}" for name, glob in HF_CONFIGS.items())
    path = out / "README.md"
    path.write_text(
        f"---\nconfigs:\n{front}\n---\n\n# MediFlow (mediphi synthesize)\n\n"
        f"{counts['kept']} kept rows of {counts['in']} generated (see data_card.md for what was filtered and "
        "which teacher wrote what). Configs: `mediflow` (the published MediFlow columns; also as JSON lines "
        "in mediflow_jsonl/), `sft` (prompt, completion, instruction, input), `dpo` (prompt, chosen, "
        "rejected, instruction, input).\n\n```python\nfrom datasets import load_dataset\n"
        "dpo = load_dataset(\"<this directory>\", \"dpo\", split=\"train\")\n```\n", encoding="utf-8")
    return str(path)


def write_data_card(path: Path, table: pd.DataFrame, metrics: dict[str, Any]) -> str:
    """Which teacher and which source wrote the kept rows, per task type: one Markdown table."""
    kept = table[table["status"] == KEPT]
    sources = kept["doc_id"].map(grounded.source_of)
    (teacher,) = metrics["teachers"]
    lines = ["# MediFlow rows", "", f"Teacher: {teacher}. Scores: {metrics['scores_from']}.",
             "grounded: built from records' structured fields, correct by construction; otherwise an LLM "
             "engine (kind:model). Source: the corpus or package each row's record came from.", "",
             "| teacher | source | task_type | rows |", "|---|---|---|---:|"]
    for (source, task), n in sorted(Counter(zip(sources, kept["task_type"])).items()):
        lines.append(f"| {teacher} | {source} | {task} | {n} |")
    lines.append(f"| {teacher} | all | all | {len(kept)} |")
    formats, repaired = metrics["output_format"], metrics.get("json_repaired", {})
    lines += ["", f"JSON answers: {formats['kept'].get('json', 0)} kept of {formats['in'].get('json', 0)} json rows, "
                  f"each valid under its task type's JSON Schema (taxonomy.SCHEMAS); {repaired.get('kept', 0)} kept "
                  f"after repair of near-valid JSON ({repaired.get('in', 0)} repaired in all); filtered: "
                  f"{metrics['filter_reasons'].get('invalid_json', 0)} invalid_json, "
                  f"{metrics['filter_reasons'].get('schema_invalid', 0)} schema_invalid."]
    levels = metrics["difficulty_level"]
    lines += ["", "| difficulty level | specs | kept |", "|---:|---:|---:|"]
    lines += [f"| {k} | {n} | {levels['kept'].get(k, 0)} |" for k, n in levels["in"].items()]
    dpo = metrics.get("dpo")
    if dpo:
        lines += ["", f"DPO pairs: {dpo['pairs']} of {dpo['of_kept']} kept rows (the top {dpo['top_fraction']:g} "
                      f"by judge quality, quality >= {dpo['min_quality']:g}; quality in the set: "
                      f"{dpo['quality_range']}). Rejected answers: {_rejected_line(metrics)}."]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _rejected_line(metrics: dict[str, Any]) -> str:
    by = metrics.get("rejected_by") or {}
    parts = {"teacher": "written by the teacher told to make one named error (rejected.py)",
             "rule": "one error injected by rule (errors.py)",
             "rule_fallback": "by rule where the teacher's reply did not show its error"}
    line = "; ".join(f"{n} {parts.get(k, k)}" for k, n in by.items()) or "one error injected by rule (errors.py)"
    failed = metrics.get("rejected_checks_failed") or {}
    return line + (f" (checks failed: {failed})" if failed else "")


def plot_scores(table: pd.DataFrame, min_quality: float, path: Path) -> str:
    """One histogram per judge criterion over the judged rows; the quality filter's threshold marked."""
    from matplotlib.figure import Figure  # no pyplot: no global backend state, Agg canvas

    judged = table.dropna(subset=list(SCORES))
    fig = Figure(figsize=(3 * len(SCORES), 2.8))
    axes = fig.subplots(1, len(SCORES), sharey=True)
    for ax, name in zip(axes, SCORES):
        ax.hist(judged[name], bins=np.linspace(1, 5, 17), color="#4477aa", edgecolor="white")
        ax.set_title(name)
        ax.set_xlim(1, 5)
        ax.set_xlabel("score (1-5)")
    axes[0].axvline(min_quality, color="#cc3311", linestyle="--", label=f"min_quality {min_quality:g}")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel("rows")
    fig.suptitle(f"MediFlow judge scores ({len(judged)} judged rows)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return str(path)
