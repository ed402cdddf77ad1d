"""Exact dedup and doc_id uniqueness, decided on a narrow ledger instead of a shuffle.

Duplicates need a global view. Rather than shuffling whole documents (a groupby moves every text
across the cluster and, in Ray Data, holds CPUs for its aggregators), the driver pulls the ledger:
a few short columns per row (row_uid, doc_id, text_hash, status, reason, split, PHI counts), tens
of bytes a document. It decides which rows lose, and one map over the documents applies that.

Near-duplicates (neardup.py) are decided on the same ledger, after exact dedup and id uniqueness:
with a threshold, each row's MinHash signature (512 bytes) is computed where the row is and rides
along in the ledger.
"""
from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data

from mediphi.prepare.clean import PHI_KINDS, excerpt
from mediphi.prepare.neardup import Doc, add_signatures, examples, resolve

LEDGER_COLUMNS = ["row_uid", "doc_id", "text_hash", "status", "reason", "split", "blank_lines",
                  *(f"phi_{k}" for k in PHI_KINDS)]
_COUNT_COLUMNS = ("blank_lines", *(f"phi_{k}" for k in PHI_KINDS))


def pull_ledger(rows: ray.data.Dataset, with_signatures: bool = False) -> pa.Table:
    """The ledger of every row; with_signatures adds `minhash` (bytes for kept rows, else null)."""
    if with_signatures:
        narrow = rows.map_batches(add_signatures, batch_format="pyarrow", fn_kwargs={"columns": LEDGER_COLUMNS})
    else:
        narrow = rows.select_columns(LEDGER_COLUMNS)
    tables = [t for t in ray.get(narrow.to_arrow_refs()) if t.num_rows]
    if tables:
        return pa.concat_tables(tables, promote_options="permissive")
    fields = [(c, pa.int64() if c in _COUNT_COLUMNS else pa.string()) for c in LEDGER_COLUMNS]
    return pa.schema(fields + ([("minhash", pa.binary())] if with_signatures else [])).empty_table()


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


def near_duplicate_verdicts(ledger: pa.Table, decided: dict[str, tuple[str, str]], corpus: str,
                           threshold: float) -> tuple[dict[str, tuple[str, str]], list[dict[str, object]]]:
    """row_uid -> ("filtered", reason) for the kept rows that near-duplicate another kept row of
    the corpus (see neardup.resolve for who stays), and a few of the pairs for the manifest."""
    kept = ledger.filter(pc.equal(ledger["status"], "kept"))
    docs = [Doc(r["row_uid"], r["doc_id"], corpus, r["split"], r["text_hash"], r["minhash"])
            for r in kept.select(["row_uid", "doc_id", "split", "text_hash", "minhash"]).to_pylist()
            if r["row_uid"] not in decided]
    found = resolve(docs, threshold, drop_copies=True, across_corpora=False)
    by_key = {d.key: d for d in docs}
    return ({uid: ("filtered", v.text()) for uid, v in found.items()},
            examples((by_key[uid], v) for uid, v in found.items()))


def apply_verdict(row: dict[str, Any], verdicts: dict[str, tuple[str, str]]) -> dict[str, Any]:
    verdict = verdicts.get(row["row_uid"])
    if verdict is None:
        return row
    status, reason = verdict
    record = row["record"]
    if status == "quarantined":
        # This record was read fine (so no raw copy was kept) until its id collided: keep an excerpt of
        # the document, already de-identified by clean_record where its corpus asks for it.
        record = excerpt(json.dumps({"title": row["title"], "text": row["text"], "meta": json.loads(row["meta"])},
                                    ensure_ascii=False), None)
    return {**row, "status": status, "reason": reason, "record": record}


def final_ledger(ledger: pa.Table, verdicts: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The ledger as rows with the verdicts applied: what the counts and metrics are made of."""
    rows = ledger.to_pylist()
    for row in rows:
        if row["row_uid"] in verdicts:
            row["status"], row["reason"] = verdicts[row["row_uid"]]
    return rows
