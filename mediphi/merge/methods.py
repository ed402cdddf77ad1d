"""Merge methods as data: which mergekit method, which parameters it takes, how to call it.

Pure Python (no torch, no mergekit) so config validation can check method names cheaply. The
names are mergekit's registered names; tests/test_merge.py checks they exist there and that each
searched parameter is one the mergekit method declares.

Parameters have one shape for both ways of merging:
    {"t": 0.5}                                    expert merges (slerp): shared by the pair
    {"density": 0.6, "weight": {<corpus>: 0.8}}   multi-expert merges: one density, a weight per expert
`in_memory_parameters` hands them to `merge_state_dicts`; `mergekit_config` writes the same
values into a mergekit YAML-equivalent dict for `run_merge`, so both merges compute the same model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mediphi.catalog import MERGE_EXPERT_METHODS, MERGE_MULTI_METHODS


@dataclass(frozen=True)
class ExpertMethod:
    """Merges one expert back into the base; `t` (merge.expert_t) moves toward the expert."""

    name: str
    t_as: Literal["t", "weights"]  # slerp takes t itself; linear takes weights (1 - t, t)


@dataclass(frozen=True)
class MultiMethod:
    """Merges every per-expert model at once; Ray Tune searches the `searched` parameters."""

    name: str
    searched: tuple[str, ...]  # "density": one value shared by the experts; "weight": one per expert
    uses_base: bool = True  # task-vector methods merge deltas over the base; linear averages models
    stochastic: bool = False  # random pruning (DARE): two merges agree only with the same RNG stream


EXPERT_METHODS: dict[str, ExpertMethod] = {m.name: m for m in (
    ExpertMethod("slerp", t_as="t"),
    ExpertMethod("linear", t_as="weights"),
)}

MULTI_METHODS: dict[str, MultiMethod] = {m.name: m for m in (
    MultiMethod("ties", ("density", "weight")),
    MultiMethod("breadcrumbs_ties", ("density", "weight")),
    MultiMethod("dare_ties", ("density", "weight"), stochastic=True),
    MultiMethod("task_arithmetic", ("weight",)),
    MultiMethod("linear", ("weight",), uses_base=False),
)}


# The config validates names against mediphi.catalog; the two lists must agree.
if tuple(EXPERT_METHODS) != MERGE_EXPERT_METHODS or tuple(MULTI_METHODS) != MERGE_MULTI_METHODS:
    raise RuntimeError("merge methods differ from mediphi.catalog: update both")


# ----------------------------------------------------------------------------- expert merges
def expert_config(method: ExpertMethod, base: str, expert: str, t: float, dtype: str) -> dict[str, Any]:
    """mergekit config merging `expert` into `base`."""
    if method.t_as == "t":
        models = [{"model": base}, {"model": expert}]
        parameters = {"t": t}
    else:
        models = [{"model": base, "parameters": {"weight": 1.0 - t}},
                  {"model": expert, "parameters": {"weight": t}}]
        parameters = None
    cfg: dict[str, Any] = {"merge_method": method.name, "base_model": base, "models": models,
                           "dtype": dtype, "out_dtype": dtype}
    if parameters:
        cfg["parameters"] = parameters
    return cfg


# ----------------------------------------------------------------------------- multi-expert merges
def in_memory_parameters(method: MultiMethod, params: dict[str, Any]) -> dict[str, Any]:
    """`merge_state_dicts` parameters: per-expert values keyed by the input id (the corpus)."""
    return {k: params[k] for k in method.searched}


def mergekit_config(method: MultiMethod, base: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str) -> dict[str, Any]:
    """mergekit config for the same merge: `models` maps each corpus to its per-expert model dir."""
    entries = []
    for corpus, path in models.items():
        p = {}
        if "density" in method.searched:
            p["density"] = params["density"]
        if "weight" in method.searched:
            p["weight"] = params["weight"][corpus]
        entries.append({"model": path, "parameters": p})
    cfg: dict[str, Any] = {"merge_method": method.name, "models": entries, "dtype": dtype,
                           "out_dtype": dtype}
    if method.uses_base:
        cfg["base_model"] = base
    return cfg
