"""Merge methods as data: which mergekit method, which parameters it takes and searches, how to call it.

Pure Python (no torch, no mergekit) so config validation can check names and ranges cheaply. The
names and parameter names are mergekit's; tests/test_merge.py checks each spec against mergekit's
own (`get(name).spec`: parameter names, per-model or shared scope, base policy) and that the
in-memory merge and mergekit's on-disk merge of the same spec agree tensor for tensor.

One spec drives everything a method needs, so adding one is one entry in MULTI_METHODS:
    the Tune search space     `search_space`: a `global_` parameter is one value, a `per_model`
                              one a value per expert;
    the in-memory merge       `in_memory_parameters` (mergekit's `merge_state_dicts`);
    the exported YAML         `mergekit_config` (what `mergekit-yaml` reproduces);
    the config's ranges       `ranges_for`: the spec's defaults, replaced by merge.density,
                              merge.weight or merge.ranges; `check_ranges` validates them.

Parameters have one shape everywhere: {"density": 0.6, "weight": {<corpus>: 0.8}}.
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
class Param:
    """A searched parameter and its default search range [low, high]."""

    name: str
    low: float
    high: float
    per_model: bool = False  # one value per expert (mergekit's per-model `parameters`), else one shared


@dataclass(frozen=True)
class MultiMethod:
    """Merges every per-expert model at once; Ray Tune searches `params`."""

    name: str
    params: tuple[Param, ...] = ()
    uses_base: bool = True  # task-vector methods merge deltas over the base; linear/karcher average models
    stochastic: bool = False  # random pruning (DARE, DELLA): two merges agree only with the same RNG stream
    models: tuple[int, int | None] = (1, None)  # how many experts it merges: (at least, at most)
    # Ranges that must hold together, checked on the config: della's drop probabilities
    # density +/- epsilon must stay inside (0, 1).
    joint: Literal["della"] | None = None

    @property
    def searched(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


EXPERT_METHODS: dict[str, ExpertMethod] = {m.name: m for m in (
    ExpertMethod("slerp", t_as="t"),
    ExpertMethod("linear", t_as="weights"),
)}

_DENSITY = Param("density", 0.3, 1.0)  # share of each delta kept (magnitude or random pruning)
_WEIGHT = Param("weight", 0.3, 1.0, per_model=True)
_GAMMA = Param("gamma", 0.0, 0.05)  # breadcrumbs: share of the largest-magnitude deltas dropped as outliers
_DELLA_DENSITY = Param("density", 0.3, 0.8)
_EPSILON = Param("epsilon", 0.01, 0.15)  # della: drop probability spread by magnitude rank

MULTI_METHODS: dict[str, MultiMethod] = {m.name: m for m in (
    MultiMethod("ties", (_DENSITY, _WEIGHT)),
    MultiMethod("breadcrumbs", (_DENSITY, _GAMMA, _WEIGHT)),
    MultiMethod("breadcrumbs_ties", (_DENSITY, _GAMMA, _WEIGHT)),
    MultiMethod("dare_ties", (_DENSITY, _WEIGHT), stochastic=True),
    MultiMethod("dare_linear", (_DENSITY, _WEIGHT), stochastic=True),
    MultiMethod("della", (_DELLA_DENSITY, _EPSILON, _WEIGHT), stochastic=True, joint="della"),
    MultiMethod("della_linear", (_DELLA_DENSITY, _EPSILON, _WEIGHT), stochastic=True, joint="della"),
    MultiMethod("task_arithmetic", (_WEIGHT,)),
    MultiMethod("sce", (Param("select_topk", 0.1, 1.0),)),
    MultiMethod("linear", (_WEIGHT,), uses_base=False),
    MultiMethod("nuslerp", (_WEIGHT,), models=(2, 2)),  # with a base: the two task vectors slerped
    MultiMethod("model_stock", (), models=(2, None)),
    MultiMethod("karcher", (), uses_base=False),
)}


# The config validates names against mediphi.catalog; the two lists must agree.
if tuple(EXPERT_METHODS) != MERGE_EXPERT_METHODS or tuple(MULTI_METHODS) != MERGE_MULTI_METHODS:
    raise RuntimeError("merge methods differ from mediphi.catalog: update both")


# ----------------------------------------------------------------------------- ranges
def ranges_for(method: MultiMethod, density: tuple[float, float] | None, weight: tuple[float, float] | None,
               ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The search range of each of the method's parameters: the spec's, replaced by the config's."""
    given = {**({"density": density} if density else {}), **({"weight": weight} if weight else {}), **ranges}
    return {p.name: tuple(given.get(p.name, (p.low, p.high))) for p in method.params}


def check_ranges(method: MultiMethod, ranges: dict[str, tuple[float, float]]) -> None:
    """ValueError naming the parameter when a range cannot be merged with."""
    for name, (lo, hi) in ranges.items():
        if lo > hi:
            raise ValueError(f"{name}: the range [{lo}, {hi}] has low > high")
    if method.joint == "della":
        (d_lo, d_hi), (_, e_hi) = ranges["density"], ranges["epsilon"]
        if d_lo - e_hi <= 0 or d_hi + e_hi >= 1:
            raise ValueError(f"{method.name} drops with probability density +/- epsilon, which must stay in (0, 1): "
                             f"density [{d_lo}, {d_hi}] with epsilon up to {e_hi} leaves it; narrow either range")


def check_model_count(method: MultiMethod, n: int) -> None:
    least, most = method.models
    if n < least or (most is not None and n > most):
        want = f"exactly {least}" if least == most else f"at least {least}"
        raise ValueError(f"merge.multi_method {method.name} merges {want} experts, got {n}: "
                         "choose another method or change experts.corpora")


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


def expert_in_memory(method: ExpertMethod, t: float) -> tuple[str, dict[str, Any]]:
    """(`merge_state_dicts` method, parameters) for the same merge, inputs keyed "base" and "expert"."""
    if method.t_as == "t":
        return method.name, {"t": t}
    return method.name, {"weight": {"base": 1.0 - t, "expert": t}}


# ----------------------------------------------------------------------------- multi-expert merges
def in_memory_parameters(method: MultiMethod, params: dict[str, Any]) -> dict[str, Any]:
    """`merge_state_dicts` parameters: per-expert values keyed by the input id (the corpus)."""
    return {k: params[k] for k in method.searched}


def mergekit_config(method: MultiMethod, base: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str) -> dict[str, Any]:
    """mergekit config for the same merge: `models` maps each corpus to its per-expert model dir."""
    per_model = [p.name for p in method.params if p.per_model]
    shared = {p.name: params[p.name] for p in method.params if not p.per_model}
    entries = [{"model": path, "parameters": {k: params[k][corpus] for k in per_model}}
               for corpus, path in models.items()]
    cfg: dict[str, Any] = {"merge_method": method.name, "models": entries, "dtype": dtype, "out_dtype": dtype}
    if shared:
        cfg["parameters"] = shared
    if method.uses_base:
        cfg["base_model"] = base
    return cfg
