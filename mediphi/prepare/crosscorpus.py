"""Across corpora: near-duplicates between corpora and eval leakage, once every corpus is prepared.

Each corpus is prepared, deduplicated and marked done on its own (resume works per corpus), so
what one corpus shares with another is settled afterwards, from small files rather than texts:
when a corpus is done it leaves `<out>/.minhash/<corpus>.parquet`, one row per kept document
(doc_id, split, text_hash, minhash). This pass reads them all and decides with neardup.resolve
(pairs inside one corpus are not compared again):
  eval_leak       a train or val document near-copying an eval document of another corpus goes:
                  no eval document keeps a near-duplicate in any train or val split
  near_duplicate  otherwise the copy in the later corpus (prepare.corpora order) goes
  duplicate       the same, for an exact copy, also when near_dup_threshold is None
With near_dup_threshold None, eval leaks and copies are found by exact text (text_hash) only;
with dedup off as well, only eval leaks go.
The documents that go are removed from their corpus's split files, each file rewritten whole and
swapped in by rename; the stage's counts move them from kept to filtered, with these reasons.

Resume: the pass runs on every attempt and keeps no state. Its decision depends only on the
signature files, which never change once a corpus is done, and removing a document that is
already gone changes nothing: after a crash anywhere, the next attempt reaches the same result
and the same counts, and a finished run's files are not touched again.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mediphi.config import PrepareSection
from mediphi.prepare.neardup import Doc, Verdict, examples, resolve

SIGNATURES_DIR = ".minhash"  # hidden: corpus names cannot start with a dot, readers skip it
SIGNATURE_SCHEMA = pa.schema([("doc_id", pa.string()), ("split", pa.string()), ("text_hash", pa.string()),
                              ("minhash", pa.binary())])


def signatures_path(out: Path, corpus: str) -> Path:
    return out / SIGNATURES_DIR / f"{corpus}.parquet"


def _replace_file(table: pa.Table, path: Path) -> None:
    # A dot name: Ray and pyarrow skip it when they read the folder, should a crash leave it.
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_signatures(out: Path, corpus: str, kept_rows: list[dict[str, Any]]) -> None:
    """The kept documents' signatures, for this pass (written before the corpus is marked done)."""
    path = signatures_path(out, corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(
        [{"doc_id": r["doc_id"], "split": r["split"], "text_hash": r["text_hash"], "minhash": r.get("minhash")}
         for r in kept_rows], schema=SIGNATURE_SCHEMA)
    _replace_file(table, path)


def remove_documents(split_dir: Path, doc_ids: set[str]) -> int:
    """Rewrite the split's files that hold any of doc_ids without them; how many rows went."""
    for stale in split_dir.glob(".*.tmp"):
        stale.unlink()
    value_set = pa.array(sorted(doc_ids), pa.string())
    removed = 0
    for path in sorted(split_dir.glob("*.parquet")):
        table = pq.read_table(path)
        hit = pc.is_in(table["doc_id"], value_set=value_set)
        n = pc.sum(hit).as_py() or 0
        if n:
            _replace_file(table.filter(pc.invert(hit)), path)
            removed += n
    return removed


def cross_corpus(out: Path, cfg: PrepareSection, log: logging.Logger) -> dict[str, Any]:
    """Decide and apply; returns {"removed": {corpus: {split: {reason: n}}}, "examples": [...]}."""
    docs: list[Doc] = []
    for corpus in cfg.corpora:
        for r in pq.read_table(signatures_path(out, corpus.name)).to_pylist():
            docs.append(Doc(r["doc_id"], r["doc_id"], corpus.name, r["split"], r["text_hash"], r["minhash"]))
    threshold = cfg.near_dup_threshold
    verdicts: dict[str, Verdict] = {}
    if len(cfg.corpora) > 1:
        verdicts = resolve(docs, threshold, drop_copies=cfg.dedup or threshold is not None, across_corpora=True,
                           corpus_rank={c.name: i for i, c in enumerate(cfg.corpora)})
    by_id = {d.doc_id: d for d in docs}
    removed: dict[str, dict[str, Counter[str]]] = {}
    for doc_id, verdict in verdicts.items():
        doc = by_id[doc_id]
        removed.setdefault(doc.corpus, {}).setdefault(doc.split, Counter())[verdict.reason] += 1
    for corpus, by_split in removed.items():
        for split in by_split:
            ids = {d for d in verdicts if by_id[d].corpus == corpus and by_id[d].split == split}
            n = remove_documents(out / corpus / split, ids)
            if n:
                log.info("%s/%s: %d documents removed across corpora", corpus, split, n)
    return {"removed": {c: {s: dict(r) for s, r in sorted(by_split.items())}
                        for c, by_split in sorted(removed.items())},
            "examples": examples(((by_id[d], v) for d, v in verdicts.items()), limit=50)}


def apply_to_summary(summary: dict[str, Any], removed: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A corpus summary (counts and metrics, as marked done) with the cross-corpus removals: the
    documents move from kept to filtered, with their reasons, out of their splits."""
    counts = dict(summary["counts"])
    metrics = {**summary["metrics"], "filter_reasons": dict(summary["metrics"]["filter_reasons"]),
               "split_sizes": dict(summary["metrics"]["split_sizes"])}
    for split, reasons in removed.items():
        n = sum(reasons.values())
        counts["kept"] -= n
        counts["filtered"] += n
        metrics["split_sizes"][split] -= n
        for reason, k in reasons.items():
            metrics["filter_reasons"][reason] = metrics["filter_reasons"].get(reason, 0) + k
    return {**summary, "counts": counts, "metrics": metrics}
