"""Train / val / eval assignment by a stable hash of doc_id.

A document's split depends only on its doc_id and the two fractions: it never moves when other
settings change (limit, filters, other corpora), so the eval split stays a clean hold-out across
runs. eval is taken first, so changing val_fraction leaves eval untouched too.
"""
from __future__ import annotations

import hashlib

SPLITS = ("train", "val", "eval")


def split_point(doc_id: str) -> float:
    """doc_id -> a uniform number in [0, 1), the same in every process and Python version."""
    return int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big") / 2**64


def assign_split(doc_id: str, eval_fraction: float, val_fraction: float) -> str:
    u = split_point(doc_id)
    if u < eval_fraction:
        return "eval"
    if u < eval_fraction + val_fraction:
        return "val"
    return "train"
