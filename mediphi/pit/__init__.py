"""pit: pre-instruction-tuning data, per corpus (Jiang et al. 2024, "Instruction-tuned language
models are better knowledge learners": train on QA-style task data first, then on task data
mixed with the documents).

Recipe, per corpus (resumable: a finished corpus is skipped when the stage reruns):
  1. documents  the first pit.max_docs_per_corpus train documents by doc_id (never val or eval)
  2. teacher    one chat per (document, task) through pit.teacher over Ray Data; or, with
                `pit.teacher.kind: grounded`, pairs built from the fields of a structured
                corpus (icd10cm, pubmed; grounded.py), the others through pit.fallback_teacher
  3. parse      each reply -> task data | filtered | quarantined, with the reason (tasks.py)
  4. phase1     the task data as chats in the base tokenizer's template, packed to pit.seq_len
  5. phase2     the task data plus the raw documents (title + text), packed the same way
  6. val        the first pit.val_docs val-split documents, packed the same way: the experts'
                validation rows (never trained on; the merge's validation split)
Outputs, all Parquet: task_data/<corpus> (doc_id, corpus, task, prompt, response),
phase1/<corpus>, phase2/<corpus> and val/<corpus> (input_ids: list<int32> of exactly pit.seq_len
tokens; val/ only for corpora with val documents),
quarantine/<corpus> (doc_id, corpus, task, reply, reason); data_card.md (which teacher wrote
which rows).
Counts are per (document, task) pair: in = kept + filtered + quarantined; `rows` counts the
task-data rows (the grounded teacher writes up to pit.grounded_per_doc per kept pair, an LLM one).
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray.data

from mediphi.cluster import connect
from mediphi.config import EngineConfig, PitSection, RunConfig
from mediphi.datasets import cut, document, write_parquet
from mediphi.engines import sampling_params
from mediphi.engines.ray_data import generate_column
from mediphi.models import base_model, load_tokenizer
from mediphi.pit.grounded import corpus_kind, teach_grounded, teacher_for, teacher_label
from mediphi.pit.packing import PACKED_SCHEMA, order_key, pack, packing_stats, tokenize
from mediphi.pit.tasks import FILTERED, KEPT, QUARANTINED, TASKS
from mediphi.runs import RunDir, StageContext, StageDef, execute

STAGE = StageDef("pit", sections=("model", "pit"), inputs=("prepare",))

TASK_SCHEMA = pa.schema([(c, pa.string()) for c in ("doc_id", "corpus", "task", "prompt", "response")])
QUARANTINE_SCHEMA = pa.schema([(c, pa.string()) for c in ("doc_id", "corpus", "task", "reply", "reason")])
PHASES = ("phase1", "phase2")
OUTPUTS = ("task_data", *PHASES, "val", "quarantine")


def run(config: RunConfig, run_dir: RunDir | str, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    connect(ctx.config)
    corpora = ctx.input("prepare", "corpora")
    base = base_model(ctx.config)
    results = {}
    for corpus in sorted(corpora):
        if ctx.is_done(corpus):
            ctx.log.info("[pit] %s: done in an earlier run, skipped", corpus)
            results[corpus] = ctx.done_info(corpus)
            continue
        with ctx.timed(corpus):
            results[corpus] = _corpus(ctx, corpus, corpora[corpus], base)
        ctx.mark_done(corpus, results[corpus])
    return _manifest(ctx.out, results)


# ----------------------------------------------------------------------------- one corpus
def _corpus(ctx: StageContext, corpus: str, splits: dict[str, str], base: str) -> dict[str, Any]:
    cfg, seed = ctx.config.pit.for_corpus(corpus), ctx.config.run.seed
    out = _paths(ctx.out, corpus)
    for path in out.values():  # files a crashed attempt left behind
        shutil.rmtree(path, ignore_errors=True)

    docs = select_documents(splits["train"], cfg.max_docs_per_corpus)
    n_docs = docs.count()
    kind = corpus_kind(ctx.config, corpus)
    engine = teacher_for(cfg, kind)
    ctx.log.info("[pit] %s: %d train documents x %d tasks -> %s teacher", corpus, n_docs, len(cfg.tasks),
                 teacher_label(engine))
    with ctx.timed(f"{corpus}.teacher"):
        replies = (teach(docs, cfg, base, seed, engine) if engine else teach_grounded(docs, cfg, kind, seed))
        replies = replies.materialize()
    tally = Counter((r["task"], r["status"], r["reason"])
                    for r in replies.select_columns(["task", "status", "reason"]).iter_rows())

    kept = replies.filter(lambda r: r["status"] == KEPT)
    write_parquet(kept.select_columns(TASK_SCHEMA.names), out["task_data"], TASK_SCHEMA)
    write_parquet(replies.filter(lambda r: r["status"] == QUARANTINED).select_columns(QUARANTINE_SCHEMA.names),
                  out["quarantine"], QUARANTINE_SCHEMA)

    tok = load_tokenizer(base)
    task_texts = kept.map(_chat_text, fn_kwargs={"seed": seed})
    doc_texts = docs.map(_document_text, fn_kwargs={"seed": seed})
    phases = {}
    with ctx.timed(f"{corpus}.pack"):
        for phase, texts in (("phase1", task_texts), ("phase2", task_texts.union(doc_texts))):
            phases[phase] = pack_phase(texts, base, cfg.seq_len, tok.pad_token_id, out[phase])
        val = pack_validation(splits.get("val"), cfg.val_docs, base, cfg.seq_len, tok.pad_token_id, seed, out["val"])

    info = _corpus_info(n_docs, len(cfg.tasks), tally, phases, teacher_label(engine))
    if val is not None:
        info["val"] = val
    c = info["counts"]
    ctx.log.info("[pit] %s: %d pairs -> kept %d (%d task-data rows), filtered %d, quarantined %d; phase1 %d "
                 "tokens in %d rows, phase2 %d tokens in %d rows", corpus, c["in"], c["kept"], c["rows"],
                 c["filtered"], c["quarantined"], phases["phase1"]["tokens"], phases["phase1"]["sequences"],
                 phases["phase2"]["tokens"], phases["phase2"]["sequences"])
    return info


def select_documents(split_dir: str, limit: int | None) -> ray.data.Dataset:
    """The first `limit` documents of one split by doc_id: train for teaching, val for validation
    rows (never eval: eval items must never reach training or model selection).

    Read on the driver with pyarrow: the ids first, then only the chosen rows. Every document
    costs a teacher call per task, so a corpus PIT can afford fits the driver many times over
    (33k PubMed abstracts are ~50 MB), while a Ray Data read and sort of a few files costs seconds
    of task scheduling and a shuffle into hundreds of partitions.
    """
    ids = sorted(pq.read_table(split_dir, columns=["doc_id"]).column("doc_id").to_pylist())[:limit]
    table = pq.read_table(split_dir, columns=["doc_id", "corpus", "title", "text", "meta"],
                          filters=pc.field("doc_id").isin(ids)).sort_by("doc_id")
    ds = ray.data.from_arrow(table)
    # Source order all the way through: task data comes out in the same order on every run.
    ds.context.execution_options.preserve_order = True
    return ds


def pack_validation(val_dir: str | None, n_docs: int, tokenizer: str, seq_len: int, pad_id: int, seed: int,
                    out: Path) -> dict[str, int] | None:
    """The first n_docs val-split documents as packed rows with loss on every token: what the experts'
    validation loss reads. None (and no val/<corpus>) when the corpus has no val documents."""
    if not n_docs or not val_dir or not any(Path(val_dir).rglob("*.parquet")):
        return None
    docs = select_documents(val_dir, n_docs)
    if docs.count() == 0:
        return None
    return pack_phase(docs.map(_document_text, fn_kwargs={"seed": seed}), tokenizer, seq_len, pad_id, out)


def teach(docs: ray.data.Dataset, cfg: PitSection, base: str, seed: int,
          engine: EngineConfig | None = None) -> ray.data.Dataset:
    """Every (document, task) pair with the LLM teacher's reply parsed: status, reason, prompt, response.
    `engine`: pit.teacher unless given (the fallback teacher of a grounded run)."""
    engine = engine or cfg.teacher
    chats = docs.flat_map(_teacher_chats, fn_kwargs={"tasks": list(cfg.tasks), "max_chars": cfg.doc_max_chars})
    # Blocks of one engine batch each, so every engine replica gets work (a block goes to one).
    chats = chats.repartition(target_num_rows_per_block=engine.batch_size)
    replies = generate_column(chats, engine, base, "chat", "reply", sampling_params(engine, seed=seed))
    return replies.map(_parse_reply)


def pack_phase(texts: ray.data.Dataset, tokenizer: str, seq_len: int, pad_id: int, out: Path) -> dict[str, int]:
    tokens = tokenize(texts, tokenizer).materialize()
    n_tokens = sum(int(b["n_tokens"].sum()) for b in tokens.select_columns(["n_tokens"]).iter_batches(
        batch_format="numpy"))  # on the driver: a Ray Data aggregate would shuffle
    write_parquet(pack(tokens, seq_len, pad_id), out, PACKED_SCHEMA)
    # Read back on the driver (four small columns): the accounting is what was written.
    written = pq.read_table(out, columns=["labels", "n_pad", "n_dropped"])
    return {"texts": tokens.count(), "tokens": n_tokens, **packing_stats(written)}


# ----------------------------------------------------------------------------- row functions
def _teacher_chats(row: dict[str, Any], tasks: list[str], max_chars: int) -> list[dict[str, Any]]:
    doc = cut(document(row), max_chars)
    return [{"doc_id": row["doc_id"], "corpus": row["corpus"], "task": name, "doc": doc,
             "chat": json.dumps([{"role": "user", "content": TASKS[name].teacher_prompt(doc)}])}
            for name in tasks]


def _parse_reply(row: dict[str, Any]) -> dict[str, Any]:
    task = TASKS[row["task"]]
    parsed = task.parse(row["reply"], row["doc"])
    prompt, response = task.training_pair(parsed, row["doc"]) if parsed.status == KEPT else ("", "")
    return {"doc_id": row["doc_id"], "corpus": row["corpus"], "task": row["task"], "reply": row["reply"],
            "status": parsed.status, "reason": parsed.reason, "prompt": prompt, "response": response}


def _chat_text(row: dict[str, Any], seed: int) -> dict[str, Any]:
    # The prompt is part of the identity: the grounded teacher writes several pairs per (document, task).
    return {"key": order_key(seed, row["doc_id"], row["task"], row["prompt"]), "prompt": row["prompt"],
            "response": row["response"], "text": ""}


def _document_text(row: dict[str, Any], seed: int) -> dict[str, Any]:
    # The whole document: doc_max_chars only bounds teacher prompts; phase 2 learns the full text.
    return {"key": order_key(seed, row["doc_id"], "document"), "prompt": "", "response": "",
            "text": document(row)}


# ----------------------------------------------------------------------------- io and summary
def _paths(out: Path, corpus: str) -> dict[str, Path]:
    return {name: out / name / corpus for name in OUTPUTS}


def _corpus_info(n_docs: int, n_tasks: int, tally: Counter, phases: dict[str, dict[str, int]],
                 teacher: str) -> dict[str, Any]:
    """tally counts (task, status, reason) over the teacher's rows: one per filtered or quarantined
    (document, task) pair, one per task-data row (several per pair from the grounded teacher)."""
    by_status, by_task = Counter(), Counter()
    reasons = {FILTERED: Counter(), QUARANTINED: Counter()}
    for (task, status, reason), n in tally.items():
        by_status[status] += n
        if status == KEPT:
            by_task[task] += n
        else:
            reasons[status][reason] += n
    n_pairs = n_docs * n_tasks
    return {
        "counts": {"docs": n_docs, "in": n_pairs, "kept": n_pairs - by_status[FILTERED] - by_status[QUARANTINED],
                   "filtered": by_status[FILTERED], "quarantined": by_status[QUARANTINED],
                   "rows": by_status[KEPT]},
        "teacher": teacher,
        "tasks": dict(sorted(by_task.items())),
        "filter_reasons": dict(sorted(reasons[FILTERED].items())),
        "quarantine_reasons": dict(sorted(reasons[QUARANTINED].items())),
        **phases,
    }


def _manifest(out: Path, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    infos = list(results.values())

    def added(key: str) -> dict[str, int]:
        return dict(sum((Counter(info[key]) for info in infos), Counter()))

    counts: dict[str, Any] = {c: info["counts"] for c, info in results.items()}
    counts.update({k: sum(info["counts"][k] for info in infos) for k in ("docs", "in", "kept", "filtered",
                                                                          "quarantined", "rows")})
    teachers = Counter()
    for info in infos:
        teachers[info["teacher"]] += info["counts"]["rows"]
    metrics = {
        "teachers": dict(sorted(teachers.items())),  # task-data rows per teacher
        "tasks": added("tasks"),
        "tokens": {ph: sum(info[ph]["tokens"] for info in infos) for ph in PHASES},
        "sequences": {ph: sum(info[ph]["sequences"] for info in infos) for ph in PHASES},
        "quarantine_reasons": added("quarantine_reasons"),
        "filter_reasons": added("filter_reasons"),
        "per_corpus": {c: {k: v for k, v in info.items() if k != "counts"} for c, info in results.items()},
    }
    outputs: dict[str, Any] = {name: {c: str(_paths(out, c)[name]) for c in results}
                               for name in ("task_data", *PHASES)}
    outputs["val"] = {c: str(_paths(out, c)["val"]) for c, info in results.items() if "val" in info}
    outputs["quarantine"] = str(out / "quarantine")
    outputs["data_card"] = write_data_card(out / "data_card.md", results)
    return {"counts": counts, "metrics": metrics, "outputs": outputs}


def write_data_card(path: Path, results: dict[str, dict[str, Any]]) -> str:
    """Which teacher wrote which corpus's task data, and how much of it: one Markdown table."""
    lines = ["# PIT task data", "",
             "grounded: built from the records' structured fields, correct by construction (mediphi.grounded); "
             "any other teacher is an LLM engine (kind:model).", "",
             "| corpus | teacher | documents | rows | rows per task | filtered (reason: pairs) |",
             "|---|---|---:|---:|---|---|"]
    for corpus, info in sorted(results.items()):
        c = info["counts"]
        per_task = ", ".join(f"{t} {n}" for t, n in info["tasks"].items()) or "-"
        reasons = ", ".join(f"{r}: {n}" for r, n in info["filter_reasons"].items()) or "-"
        lines.append(f"| {corpus} | {info['teacher']} | {c['docs']} | {c['rows']} | {per_task} | {reasons} |")
    path.write_text("\n".join(lines) + "\n")
    return str(path)
