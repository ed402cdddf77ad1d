"""Which models a run has: served names -> HF directories, from whichever stage manifests exist.

Served names: "base", "expert-<corpus>" (the expert SLERP-merged back into the base: the merge stage's
per-expert model, which is what the paper reports as the expert), "expert-<corpus>-raw" (the PIT
expert as trained), "merged", "aligned". A group (what evaluate.models and the app's `groups`
argument name) selects names: base, experts, raw_experts, merged, aligned.
"""
from __future__ import annotations

from typing import Any

from mediphi.runs import RunDir

GROUPS = ("base", "experts", "raw_experts", "merged", "aligned")


def _complete_output(rd: RunDir, stage: str, key: str) -> Any:
    """An output of a complete manifest with './' paths made absolute; None where there is none."""
    m = rd.read_manifest(stage)
    if not m or m.get("status") != "complete" or key not in m.get("outputs", {}):
        return None
    return rd.output(stage, key)


# The stages whose models are served: the serve stage's (optional) inputs.
MODEL_STAGES = ("experts", "merge", "align")


def discover_models(rd: RunDir, base: str | None = None) -> dict[str, str]:
    """The run's models by served name, from the complete manifests of MODEL_STAGES."""
    models: dict[str, str] = {}
    if base:
        models["base"] = base
    for corpus, path in sorted((_complete_output(rd, "merge", "per_expert") or {}).items()):
        models[f"expert-{corpus}"] = path
    for corpus, path in sorted((_complete_output(rd, "experts", "experts") or {}).items()):
        models[f"expert-{corpus}-raw"] = path
    for stage, key, name in (("merge", "merged", "merged"), ("align", "aligned", "aligned")):
        path = _complete_output(rd, stage, key)
        if path:
            models[name] = path
    return models


def expert_corpus(name: str) -> str | None:
    """The corpus of an expert's served name (expert-<corpus>, expert-<corpus>-raw); None otherwise."""
    if not name.startswith("expert-"):
        return None
    return name.removeprefix("expert-").removesuffix("-raw")


def group_of(name: str) -> str:
    if name.startswith("expert-"):
        return "raw_experts" if name.endswith("-raw") else "experts"
    return name


def select_groups(models: dict[str, str], groups: list[str] | tuple[str, ...]) -> dict[str, str]:
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown model group(s) {unknown}; groups: {', '.join(GROUPS)}")
    return {n: p for n, p in models.items() if group_of(n) in groups}
