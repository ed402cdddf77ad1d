"""Merge methods as data: which mergekit method, which parameters it takes and searches, how to call it.

The specs are in mediphi.catalog (pure Python, so config validation checks names and ranges
without importing this package); this module calls mergekit with them. The names and parameter
names are mergekit's; tests/test_merge.py checks each spec against mergekit's
own (`get(name).spec`: parameter names, per-model or shared scope, base policy) and that the
in-memory merge and mergekit's on-disk merge of the same spec agree tensor for tensor.

One spec drives everything a method needs, so adding one is one entry in catalog.MULTI_METHODS:
    the Tune search space     search.search_space: a shared parameter is one value, a `per_model`
                              one a value per expert;
    the in-memory merge       `in_memory_parameters` (mergekit's `merge_state_dicts`);
    the exported YAML         `mergekit_config` (what `mergekit-yaml` reproduces);
    the config's ranges       `ranges_for`: the spec's defaults, replaced by merge.density,
                              merge.weight or merge.ranges; `check_ranges` validates them.

Parameters have one shape everywhere: {"density": 0.6, "weight": {<corpus>: 0.8}}.
"""
from __future__ import annotations

from typing import Any

from mediphi.catalog import (  # noqa: F401  (re-exported: the specs live in the catalog)
    EXPERT_METHODS,
    MULTI_METHODS,
    ExpertMethod,
    MultiMethod,
    Param,
    check_model_count,
    check_ranges,
    ranges_for,
)


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
    return {k: params[k] for k in method.searched if k in params}  # one not given: mergekit's default


def mergekit_config(method: MultiMethod, base: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str) -> dict[str, Any]:
    """mergekit config for the same merge: `models` maps each corpus to its per-expert model dir."""
    per_model = [p.name for p in method.params if p.per_model and p.name in params]
    shared = {p.name: params[p.name] for p in method.params if not p.per_model and p.name in params}
    entries = [{"model": path, "parameters": {k: params[k][corpus] for k in per_model}}
               for corpus, path in models.items()]
    cfg: dict[str, Any] = {"merge_method": method.name, "models": entries, "dtype": dtype, "out_dtype": dtype}
    if shared:
        cfg["parameters"] = shared
    if method.uses_base:
        cfg["base_model"] = base
    return cfg
