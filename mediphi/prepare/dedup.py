"""Exact dedup and doc_id uniqueness, decided on a narrow ledger instead of a shuffle.

Duplicates need a global view. Rather than shuffling whole documents (a groupby moves every text
across the cluster and, in Ray Data, holds CPUs for its aggregators), the driver pulls the ledger:
a few short columns per row (row_uid, doc_id, text_hash, status, reason, split, PHI counts), tens
of bytes a document. It decides which rows lose, and one map over the documents applies that.
"""
from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data

from mediphi.prepare.clean import PHI_KINDS

LEDGER_COLUMNS = ["row_uid", "doc_id", "text_hash", "status", "reason", "split", *(f"phi_{k}" for k in PHI_KINDS)]


def pull_ledger(rows: ray.data.Dataset) -> pa.Table:
    refs = rows.select_columns(LEDGER_COLUMNS).to_arrow_refs()
    tables = [t for t in ray.get(refs) if t.num_rows]
    return pa.concat_tables(tables) if tables else pa.table({c: pa.array([], pa.string()) for c in LEDGER_COLUMNS})


def _repeats(table: pa.Table, key: str, tiebreak: str) -> list[str]:
    """row_uids of rows whose `key` equals an earlier row's, ordered by (key, tiebreak)."""
    ordered = table.sort_by([(key, "ascending"), (tiebreak, "ascending")])
    keys, uids = ordered[key].to_pylist(), ordered["row_uid"].to_pylist()
    return [uids[i] for i in range(1, len(keys)) if keys[i] == keys[i - 1]]


def duplicate_verdicts(ledger: pa.Table, exact_dedup: bool) -> dict[str, tuple[str, str]]:
    """row_uid -> (status, reason) for the kept rows that must go.

    Exact duplicates (same text_hash) keep the smallest doc_id; the others are filtered as
    "duplicate". Then a doc_id still held by two rows (same id, different texts) keeps the row
    with the smallest text_hash and quarantines the rest: doc_id must be unique downstream.
    """
    kept = ledger.filter(pc.equal(ledger["status"], "kept"))
    verdicts: dict[str, tuple[str, str]] = {}
    if exact_dedup:
        verdicts.update((uid, ("filtered", "duplicate")) for uid in _repeats(kept, "text_hash", "doc_id"))
        kept = kept.filter(pc.invert(pc.is_in(kept["row_uid"], pa.array(list(verdicts), pa.string()))))
    verdicts.update((uid, ("quarantined", "duplicate_id: another record has this id"))
                    for uid in _repeats(kept, "doc_id", "text_hash"))
    return verdicts


def apply_verdict(row: dict[str, Any], verdicts: dict[str, tuple[str, str]]) -> dict[str, Any]:
    verdict = verdicts.get(row["row_uid"])
    if verdict is None:
        return row
    status, reason = verdict
    record = row["record"]
    if status == "quarantined":
        # This record was read fine (so no raw copy was kept) until its id collided: keep the document.
        record = json.dumps({"title": row["title"], "text": row["text"], "meta": json.loads(row["meta"])},
                            ensure_ascii=False)
    return {**row, "status": status, "reason": reason, "record": record}


def final_ledger(ledger: pa.Table, verdicts: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The ledger as rows with the verdicts applied: what the counts and metrics are made of."""
    rows = ledger.to_pylist()
    for row in rows:
        if row["row_uid"] in verdicts:
            row["status"], row["reason"] = verdicts[row["row_uid"]]
    return rows
