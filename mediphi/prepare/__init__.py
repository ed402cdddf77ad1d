"""prepare: corpora -> clean, de-identified, deduplicated documents, split train / val / eval.

Data flow, one streaming Ray Data pipeline per corpus (each corpus resumes on its own):

    read    sources.py  PubMed MEDLINE XML, the ICD-10-CM list, JSONL / Parquet / text files
                        -> raw rows (one read task per file; malformed records flagged, not fatal)
    limit               the first `limit` records, in file order
    clean   clean.py    NFKC + whitespace normalization, PHI scrubbing (counted per kind),
                        min/max length filter -> each row gets status kept | filtered | quarantined
    dedup   dedup.py    exact duplicates (normalized, lowercased text) keep the smallest doc_id;
                        a doc_id held by two different texts is quarantined
    split   split.py    train / val / eval from a hash of doc_id: stable across runs and limits
    write               <out>/<corpus>/{train,val,eval}/   doc_id, corpus, title, text, meta, split
                        <out>/quarantine/<corpus>/         corpus, source_id, reason, record

Every record read is counted once: in = kept + filtered + quarantined, per corpus and in total.
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
from mediphi.prepare.dedup import apply_verdict, duplicate_verdicts, final_ledger, pull_ledger
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
        if ctx.is_done(corpus.name):
            ctx.log.info("%s: prepared by an earlier attempt, skipped", corpus.name)
        else:
            with ctx.timed(f"corpus_{corpus.name}"):
                ctx.mark_done(corpus.name, prepare_corpus(corpus, cfg, ctx.out, ctx.log))
        summaries[corpus.name] = ctx.done_info(corpus.name)
    quarantine = ctx.out / QUARANTINE_DIR
    ensure_readable(quarantine, QUARANTINE_SCHEMA)
    outputs = {"corpora": {name: {s: str(ctx.out / name / s) for s in SPLITS} for name in summaries},
               "quarantine": str(quarantine)}
    return {"counts": total_counts(summaries), "metrics": collect_metrics(summaries), "outputs": outputs}


# ----------------------------------------------------------------------------- one corpus
def prepare_corpus(corpus: CorpusConfig, cfg: PrepareSection, out: Path, log: logging.Logger) -> dict[str, Any]:
    docs_dir, quarantine_dir = out / corpus.name, out / QUARANTINE_DIR / corpus.name
    for d in (docs_dir, quarantine_dir):
        shutil.rmtree(d, ignore_errors=True)  # whatever a crashed attempt half-wrote

    rows = read_source(corpus)
    if corpus.limit:
        rows = rows.limit(corpus.limit)
    rows = rows.map(clean_record, fn_kwargs=dict(
        corpus=corpus.name, deid=corpus.deidentify, min_chars=cfg.min_chars, max_chars=cfg.max_chars,
        eval_fraction=cfg.eval_fraction, val_fraction=cfg.val_fraction)).materialize()

    ledger = pull_ledger(rows)
    verdicts = duplicate_verdicts(ledger, exact_dedup=cfg.dedup)
    if verdicts:
        rows = rows.map(apply_verdict, fn_kwargs={"verdicts": verdicts}).materialize()
    summary = summarize(final_ledger(ledger, verdicts))

    write_documents(rows, docs_dir, summary["metrics"]["split_sizes"])
    if summary["counts"]["quarantined"]:
        (rows.filter(expr=col("status") == "quarantined").select_columns(QUARANTINE_SCHEMA.names)
         .write_parquet(str(quarantine_dir)))
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
    totals = {key: {k: sum(v.get(k, 0) for v in by_corpus.values())
                    for k in sorted({k for v in by_corpus.values() for k in v})}
              for key, by_corpus in per_corpus.items()}
    return {"docs_per_corpus": {name: s["counts"]["kept"] for name, s in summaries.items()},
            **per_corpus, "totals": totals}
