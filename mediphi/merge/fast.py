"""TIES and task arithmetic over task vectors computed once per process, for the Tune trials.

mergekit recomputes every expert's delta from the weights on each merge and, for TIES, finds the
`density` share of largest magnitudes with a full argsort of every tensor: most of a trial's time
(benchmarks/merge_search.py). A search merges the same inputs hundreds of times with different
parameters, so this keeps, per process, each expert's delta and its magnitudes sorted once; a trial
then trims by threshold (one comparison per weight) and does mergekit's sign election, weighting,
normalization and lambda with the same formulas (mergekit.merge_methods.generalized_task_arithmetic).

It is mergekit's result up to ties at the trim threshold: mergekit keeps exactly k weights, this
keeps every weight whose magnitude reaches the k-th largest, which differs only where magnitudes are
equal there (zeros, which add nothing, or exact float repeats). tests/test_merge.py checks it against
mergekit tensor for tensor, and the merge stage scores the model mergekit writes against the trial.
Other methods (random pruning, breadcrumbs' outliers, ...) go through mergekit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

FAST_METHODS = ("ties", "task_arithmetic")
NORMALIZE = {"ties": True, "task_arithmetic": False}  # mergekit's defaults (registry.py)


@dataclass
class TaskVectors:
    base: dict[str, torch.Tensor]
    deltas: dict[str, dict[str, torch.Tensor]]  # expert id -> tensor name -> expert - base (float32)
    sorted_abs: dict[str, dict[str, torch.Tensor]]  # expert id -> name -> |delta| flattened, descending
    sorted: bool  # sorted_abs filled (TIES trims by it; task arithmetic does not need it)


def task_vectors(state_dicts: dict[str, dict[str, torch.Tensor]], base_id: str, sort: bool) -> TaskVectors:
    base = state_dicts[base_id]
    experts = [k for k in state_dicts if k != base_id]
    deltas: dict[str, dict[str, torch.Tensor]] = {e: {} for e in experts}
    sorted_abs: dict[str, dict[str, torch.Tensor]] = {e: {} for e in experts}
    for name, b in base.items():
        if not b.is_floating_point():
            continue
        for e in experts:
            d = state_dicts[e][name].float() - b.float()
            deltas[e][name] = d
            if sort:
                sorted_abs[e][name] = d.abs().reshape(-1).sort(descending=True).values
    return TaskVectors(base, deltas, sorted_abs, sort)


def fast_merge(method: str, vectors: TaskVectors, params: dict[str, Any], dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The merged state dict; `params` as the search gives them ({"density", "weight": {id: w}, "lambda"})."""
    experts = list(vectors.deltas)
    weights = [float(params["weight"][e]) for e in experts]
    lam = float(params.get("lambda", 1.0))
    out: dict[str, torch.Tensor] = {}
    for name, base in vectors.base.items():
        if not base.is_floating_point():
            out[name] = base
            continue
        rows = []
        for e, w in zip(experts, weights):
            d = vectors.deltas[e][name]
            if method == "ties":
                d = _trim(d, vectors.sorted_abs[e][name], float(params["density"]))
            rows.append(d * w)
        deltas = torch.stack(rows)
        w = torch.tensor(weights, dtype=deltas.dtype).reshape(-1, *([1] * base.dim()))
        if method == "ties":  # TIES' "sum" sign election, as mergekit's get_mask
            majority = (deltas.sum(dim=0) >= 0).to(deltas.dtype) * 2 - 1
            mask = (deltas.sign() == majority).to(deltas.dtype)
            mixed = (deltas * mask).sum(dim=0)
            divisor = (w * mask).sum(dim=0)
            divisor[divisor == 0] = 1
        else:
            mixed = deltas.sum(dim=0)
            divisor = w.sum(dim=0).expand_as(mixed).clone()
            divisor[divisor.abs() < 1e-8] = 1
        if NORMALIZE[method]:
            mixed /= divisor
        if lam != 1:
            mixed *= lam
        out[name] = (base.float() + mixed).to(dtype)
    return out


def _trim(delta: torch.Tensor, sorted_abs: torch.Tensor, density: float) -> torch.Tensor:
    """mergekit's magnitude sparsification: the `density` share of largest magnitudes, at least one."""
    if density >= 1:
        return delta
    if density <= 0 or delta.numel() == 0:
        return torch.zeros_like(delta)
    k = max(1, int(density * delta.numel()))
    return torch.where(delta.abs() >= sorted_abs[k - 1], delta, torch.zeros((), dtype=delta.dtype))
