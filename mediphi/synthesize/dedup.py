"""Near-duplicate MediFlow rows, and rows that near-copy an evaluation item.

Rows are compared by MinHash over word 3-grams with prepare's index (mediphi.prepare.neardup.resolve):
the first row in row_id order stays, a later one whose Jaccard similarity reaches
synthesize.near_dup_threshold goes (near_duplicate_instruction). A row is its instruction, input and
output together: templated instructions on sibling records ("what does this code mean" for S42.152G
and S42.152D) differ in a token of the input and in the answer, and are different examples (on
instruction + input alone, 86 of the 320 grounded rows of effect run 6 went). A row whose instruction +
input near-copies an item of a task in synthesize.decontaminate_tasks (any split) goes
(eval_item_overlap).
Seeds come from the train split only, so overlap needs a teacher that recalls an evaluation text:
the check is the guard, and its count says whether it fired.
"""
from __future__ import annotations

import hashlib
from typing import Any

import ray.data

from mediphi.prepare.neardup import Doc, resolve, signatures

REASONS = {"near_duplicate": "near_duplicate_instruction", "duplicate": "near_duplicate_instruction",
           "eval_leak": "eval_item_overlap"}


def row_text(row: dict[str, Any], with_output: bool = True) -> str:
    parts = [row["instruction"], row["input"]] + ([row["output"]] if with_output else [])
    return "\n".join(parts).strip()


def item_text(item: dict[str, Any]) -> str:
    """What a model is asked in an evaluation item: its user turns (a row that holds them near-copies
    the item; the short answer added would only dilute the similarity) and its options."""
    parts = [m["content"] for m in item.get("messages", []) if m.get("role") == "user"]
    return "\n".join(parts + list(item.get("options") or []))


def _docs(keys: list[str], texts: list[str], split: str) -> list[Doc]:
    return [Doc(key=k, doc_id=k, corpus="mediflow", split=split,
                text_hash=hashlib.sha256(t.encode()).hexdigest(), minhash=sig)
            for k, t, sig in zip(keys, texts, signatures(texts))]


def verdicts(rows: list[dict[str, Any]], eval_items: list[dict[str, Any]], threshold: float) -> dict[int, str]:
    """row_id -> reason, for every kept row that goes."""
    rows = sorted(rows, key=lambda r: r["row_id"])
    keys = [f"row:{r['row_id']:012d}" for r in rows]
    decided = resolve(_docs(keys, [row_text(r) for r in rows], "train"), threshold, drop_copies=True,
                      across_corpora=False)
    gone = {key: REASONS[v.reason] for key, v in decided.items()}
    if eval_items:  # what a row asks against what an item asks: only overlaps go (drop_copies off)
        asked = _docs(keys, [row_text(r, with_output=False) for r in rows], "train")
        asked += _docs([f"item:{it['task']}:{it['id']}" for it in eval_items],
                       [item_text(it) for it in eval_items], "eval")
        gone.update({key: REASONS[v.reason] for key, v in resolve(asked, threshold, drop_copies=False,
                                                                   across_corpora=False).items()
                     if key.startswith("row:")})
    return {int(key.removeprefix("row:")): reason for key, reason in gone.items()}


def drop_near_duplicates(rows: ray.data.Dataset, eval_items: list[dict[str, Any]], threshold: float | None,
                         kept: str, filtered: str) -> tuple[ray.data.Dataset, dict[str, int]]:
    """The rows with each near-duplicate (and evaluation overlap) filtered with its reason."""
    if threshold is None:
        return rows, {}
    todo = [r for r in rows.filter(lambda r: r["status"] == kept)
            .select_columns(["row_id", "instruction", "input", "output"]).iter_rows()]
    gone = verdicts(todo, eval_items, threshold)
    counts = {reason: sum(1 for v in gone.values() if v == reason) for reason in sorted(set(REASONS.values()))}
    if not gone:
        return rows, counts

    def mark(row: dict[str, Any]) -> dict[str, Any]:
        reason = gone.get(int(row["row_id"]))
        return {**row, "status": filtered, "reason": reason} if reason and row["status"] == kept else row
    return rows.map(mark).materialize(), counts
