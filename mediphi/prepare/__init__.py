"""prepare: corpora -> clean, de-identified, deduplicated documents, split train / val / eval.

Data flow, one streaming Ray Data pipeline per corpus (each corpus resumes on its own):

    read    sources.py  PubMed MEDLINE XML, the ICD-10-CM list, JSONL / Parquet / text files
                        -> raw rows (one read task per file; a bad record, or a bad file as a
                        unit, becomes a quarantined row: corrupt_gzip, malformed_xml, ...)
    limit               the first `limit` records, in file order
    clean   clean.py    NFKC + whitespace normalization, PHI scrubbing (counted per kind),
                        min/max length filter -> each row gets status kept | filtered | quarantined
                        (a runaway record is filtered too_long before any of that)
    dedup   dedup.py    exact duplicates (normalized, lowercased text) keep the smallest doc_id;
                        a doc_id held by two different texts is quarantined
    near    neardup.py  MinHash LSH near-duplicates (prepare.near_dup_threshold), eval first
                        (a train/val near-copy of an eval document goes as eval_leak), then
                        the smallest doc_id; the kept documents' signatures go to .minhash/
    split   split.py    train / val / eval from a hash of doc_id: stable across runs and limits
    write               <out>/<corpus>/{train,val,eval}/   doc_id, corpus, title, text, meta, split
                        <out>/quarantine/<corpus>/         corpus, source_id, reason, record
                        then the corpus is marked done (with its counts)

After every corpus, across corpora (crosscorpus.py, rerun on every attempt, idempotent):
    cross               near-duplicates between corpora (the later corpus's copy goes) and eval
                        leakage (no eval document keeps a near-copy in any train or val split),
                        decided from the signature files, applied to the written splits

Every record read is counted once: in = kept + filtered + quarantined, per corpus and in total;
duplicates (exact, near, eval leaks) are filtered rows with reasons duplicate, near_duplicate and
eval_leak. A bad file is one quarantined row; blank lines are no records and are counted apart
(metrics.blank_lines).
eval is for evaluation only, val for merge validation only, train for pit and synthesize.
"""
from __future__ import annotations

import logging
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import ray.data
from ray.data.expressions import col

from mediphi.cluster import connect
from mediphi.config import ConfigError, CorpusConfig, PrepareSection, RunConfig
from mediphi.datasets import write_empty
from mediphi.prepare.clean import PHI_KINDS, clean_record
from mediphi.prepare.crosscorpus import apply_to_summary, cross_corpus, signatures_path, write_signatures
from mediphi.prepare.dedup import (apply_verdict, duplicate_verdicts, final_ledger, near_duplicate_verdicts,
                                   pull_ledger)
from mediphi.prepare.neardup import near_dedup_within
from mediphi.prepare.sources import read_source
from mediphi.prepare.split import SPLITS
from mediphi.runs import RunDir, StageContext, StageDef, execute

STAGE = StageDef(name="prepare", sections=("prepare",), inputs=())

DOC_SCHEMA = pa.schema([(c, pa.string()) for c in ("doc_id", "corpus", "title", "text", "meta", "split")])
QUARANTINE_SCHEMA = pa.schema([(c, pa.string()) for c in ("corpus", "source_id", "reason", "record")])
QUARANTINE_DIR = "quarantine"


def run(config: RunConfig, run_dir: RunDir | str, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    cfg = ctx.config.prepare
    if not cfg.corpora:
        raise ConfigError("prepare.corpora is empty: list at least one corpus (see configs/demo.yaml)")
    connect(ctx.config)
    summaries = {}
    for corpus in cfg.corpora:
        if ctx.is_done(corpus.name) and signatures_path(ctx.out, corpus.name).is_file():
            ctx.log.info("%s: prepared by an earlier attempt, skipped", corpus.name)
        else:
            with ctx.timed(f"corpus_{corpus.name}"):
                ctx.mark_done(corpus.name, prepare_corpus(corpus, cfg, ctx.out, ctx.log))
        summaries[corpus.name] = ctx.done_info(corpus.name)
    with ctx.timed("cross_corpus"):
        cross = cross_corpus(ctx.out, cfg, ctx.log)
    summaries = {name: apply_to_summary(s, cross["removed"].get(name, {})) for name, s in summaries.items()}
    quarantine = ctx.out / QUARANTINE_DIR
    ensure_readable(quarantine, QUARANTINE_SCHEMA)
    outputs = {"corpora": {name: {s: str(ctx.out / name / s) for s in SPLITS} for name in summaries},
               "quarantine": str(quarantine)}
    metrics = collect_metrics(summaries)
    metrics["cross_corpus"] = cross
    metrics["eval_leaks_removed"] = metrics["totals"]["filter_reasons"].get("eval_leak", 0)
    return {"counts": total_counts(summaries), "metrics": metrics, "outputs": outputs}


# ----------------------------------------------------------------------------- one corpus
def prepare_corpus(corpus: CorpusConfig, cfg: PrepareSection, out: Path, log: logging.Logger) -> dict[str, Any]:
    docs_dir, quarantine_dir = out / corpus.name, out / QUARANTINE_DIR / corpus.name
    for d in (docs_dir, quarantine_dir):
        shutil.rmtree(d, ignore_errors=True)  # whatever a crashed attempt half-wrote
    signatures_path(out, corpus.name).unlink(missing_ok=True)

    rows = read_source(corpus)
    if corpus.limit:
        rows = rows.limit(corpus.limit)
    rows = rows.map(clean_record, fn_kwargs=dict(
        corpus=corpus.name, deid=corpus.deidentify, min_chars=cfg.min_chars, max_chars=cfg.max_chars,
        eval_fraction=cfg.eval_fraction, val_fraction=cfg.val_fraction,
        deidentifier=cfg.deidentifier)).materialize()

    # Signatures serve the near-dup pass here and the cross-corpus pass (also for a corpus that
    # keeps its own near-duplicates, like icd10cm: a copy of its text in another corpus still counts).
    threshold = cfg.near_dup_threshold
    ledger = pull_ledger(rows, with_signatures=threshold is not None)
    verdicts = duplicate_verdicts(ledger, exact_dedup=cfg.dedup)
    near_examples: list[dict[str, Any]] = []
    if threshold is not None and near_dedup_within(corpus):
        near, near_examples = near_duplicate_verdicts(ledger, verdicts, corpus.name, threshold)
        verdicts.update(near)
    if verdicts:
        rows = rows.map(apply_verdict, fn_kwargs={"verdicts": verdicts}).materialize()
    ledger_rows = final_ledger(ledger, verdicts)
    summary = summarize(ledger_rows)
    summary["metrics"]["near_duplicate_examples"] = near_examples

    write_documents(rows, docs_dir, summary["metrics"]["split_sizes"])
    if summary["counts"]["quarantined"]:
        (rows.filter(expr=col("status") == "quarantined").select_columns(QUARANTINE_SCHEMA.names)
         .write_parquet(str(quarantine_dir)))
    write_signatures(out, corpus.name, [r for r in ledger_rows if r["status"] == "kept"])
    log.info("%s: %s", corpus.name, " ".join(f"{k}={v}" for k, v in summary["counts"].items()))
    if not summary["counts"]["kept"]:
        log.warning("%s: no document kept (see the reasons in the manifest metrics and %s)",
                    corpus.name, quarantine_dir)
    return summary


def summarize(ledger_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and metrics of one corpus from its final ledger (the JSON kept in its done marker)."""
    status = Counter(r["status"] for r in ledger_rows)
    kept = [r for r in ledger_rows if r["status"] == "kept"]
    splits = Counter(r["split"] for r in kept)

    def reasons(which: str) -> dict[str, int]:
        # "malformed_json: notes.jsonl line 3: ..." counts as malformed_json
        return dict(Counter(r["reason"].split(":", 1)[0] for r in ledger_rows if r["status"] == which))

    return {
        "counts": {"in": len(ledger_rows), "kept": status["kept"], "filtered": status["filtered"],
                   "quarantined": status["quarantined"]},
        "metrics": {
            "split_sizes": {s: splits[s] for s in SPLITS},
            "filter_reasons": reasons("filtered"),
            "quarantine_reasons": reasons("quarantined"),
            "phi_replacements": {k: sum(r[f"phi_{k}"] for r in ledger_rows) for k in PHI_KINDS},
            "blank_lines": sum(r["blank_lines"] for r in ledger_rows),
        },
    }


def write_documents(rows: ray.data.Dataset, docs_dir: Path, split_sizes: dict[str, int]) -> None:
    for split in SPLITS:
        path = docs_dir / split
        if split_sizes[split]:
            (rows.filter(expr=(col("status") == "kept") & (col("split") == split))
             .select_columns(DOC_SCHEMA.names).write_parquet(str(path)))
        else:
            write_empty(path, DOC_SCHEMA)


def ensure_readable(path: Path, schema: pa.Schema) -> None:
    if not any(path.rglob("*.parquet")):
        write_empty(path, schema)


# ----------------------------------------------------------------------------- the whole stage
def total_counts(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, Any] = {name: s["counts"] for name, s in summaries.items()}
    for key in ("in", "kept", "filtered", "quarantined"):
        counts[key] = sum(s["counts"][key] for s in summaries.values())
    return counts


def collect_metrics(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    per_corpus = {key: {name: s["metrics"][key] for name, s in summaries.items()}
                  for key in ("split_sizes", "filter_reasons", "quarantine_reasons", "phi_replacements")}
    totals: dict[str, Any] = {key: {k: sum(v.get(k, 0) for v in by_corpus.values())
                                    for k in sorted({k for v in by_corpus.values() for k in v})}
                              for key, by_corpus in per_corpus.items()}
    blank_lines = {name: s["metrics"].get("blank_lines", 0) for name, s in summaries.items()}
    totals["blank_lines"] = sum(blank_lines.values())
    return {"docs_per_corpus": {name: s["counts"]["kept"] for name, s in summaries.items()},
            **per_corpus, "blank_lines": blank_lines,
            "near_duplicate_examples": {name: s["metrics"].get("near_duplicate_examples", [])
                                        for name, s in summaries.items()},
            "totals": totals}
