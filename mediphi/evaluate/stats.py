"""Intervals for evaluation scores: percentile bootstrap of a mean, and the paired bootstrap of a
difference between two models scored on the same items.

A gain is called significant only when its paired interval excludes zero; pairing (resampling items,
not the two models separately) removes the item-difficulty variance both models share, so it is
the interval that tells a real difference from noise on a fixed item set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": round(self.mean, 6), "low": round(self.low, 6), "high": round(self.high, 6),
                "n": self.n}


def _resample_means(values: np.ndarray, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Chunks bound memory at ~8 MB whatever n and samples are.
    chunk = max(1, 1_000_000 // max(1, len(values)))
    out = []
    for start in range(0, samples, chunk):
        k = min(chunk, samples - start)
        idx = rng.integers(0, len(values), size=(k, len(values)))
        out.append(values[idx].mean(axis=1))
    return np.concatenate(out)


def bootstrap_mean(values, samples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of per-item values and its percentile-bootstrap interval."""
    v = np.asarray(list(values), dtype=float)
    if v.size == 0:
        raise ValueError("no values: a score needs at least one item")
    means = _resample_means(v, samples, seed)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(v.mean()), float(low), float(high), int(v.size))


def paired_difference(a: dict[str, float], b: dict[str, float], samples: int = 2000,
                      confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of (a - b) over the items both scored, with its paired-bootstrap interval.

    a, b: item id -> per-item value. Items only one side has are left out (n says how many paired).
    """
    return bootstrap_mean(paired_arrays(a, b), samples, confidence, seed)


def stratified_mean(groups: list, samples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean over groups of each group's mean (the report's Average row: every task counts once),
    with a bootstrap that resamples items within each group. n: the items in all groups."""
    arrays = [np.asarray(list(g), dtype=float) for g in groups]
    if not arrays or any(a.size == 0 for a in arrays):
        raise ValueError("every group needs at least one value")
    means = np.mean([_resample_means(a, samples, seed + i) for i, a in enumerate(arrays)], axis=0)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(np.mean([a.mean() for a in arrays])), float(low), float(high),
                    int(sum(a.size for a in arrays)))


def paired_arrays(a: dict[str, float], b: dict[str, float]) -> np.ndarray:
    """a - b over the item ids both have, in id order."""
    common = sorted(set(a) & set(b))
    if not common:
        raise ValueError("the two models share no scored item: nothing to pair")
    return np.array([a[k] - b[k] for k in common], dtype=float)
