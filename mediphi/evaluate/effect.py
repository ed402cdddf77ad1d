"""The recipe's effect, in the paper's three claims, each with a paired interval:

1. each expert beats the base on its own domain's tasks (expert-<corpus> against base, over the
   tasks whose `domain` is that corpus's kind: every task counts once; the raw PIT expert too,
   where it was evaluated);
2. the merged model keeps that gain (merged against base on the same tasks; kept = merged gain /
   expert gain, and the paired interval of merged against the expert);
3. alignment adds to the merged model (aligned against merged, over every task).

A claim holds only where its interval says so; a gain whose interval contains zero is noise.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mediphi.evaluate.stats import paired_arrays, stratified_mean
from mediphi.runs import write_json_atomic


def summarize_effect(values: dict[str, dict[str, dict[str, float]]], tasks: dict[str, dict[str, Any]],
                     corpus_kinds: dict[str, str], bs: dict[str, Any]) -> dict[str, Any] | None:
    """values: model -> task -> item id -> primary metric value; tasks: the report's task info.
    None where there is no base to compare with."""
    if "base" not in values:
        return None

    def diff(a: str, b: str, names: list[str]) -> dict[str, Any]:
        iv = stratified_mean([paired_arrays(values[a][t], values[b][t]) for t in names], **bs)
        return {**iv.as_dict(), "significant": iv.excludes_zero()}

    experts: dict[str, Any] = {}
    for model in values:
        if not model.startswith("expert-") or model.endswith("-raw"):
            continue
        corpus = model.removeprefix("expert-")
        kind = corpus_kinds.get(corpus, corpus)
        own = [t for t, info in tasks.items() if info["domain"] == kind]
        if not own:
            experts[corpus] = {"tasks": [], "note": f"no evaluation task tests the '{kind}' domain"}
            continue
        entry: dict[str, Any] = {"tasks": own, "gain": diff(model, "base", own),
                                 "goal_beats_base": None,
                                 "per_task": {t: {"tests": tasks[t].get("tests"), "gain": diff(model, "base", [t])}
                                              for t in own}}
        entry["goal_beats_base"] = entry["gain"]["significant"] and entry["gain"]["mean"] > 0
        if f"{model}-raw" in values:  # the PIT expert as trained, before its SLERP back into the base
            entry["raw_gain"] = diff(f"{model}-raw", "base", own)
        if "merged" in values:
            merged_gain = diff("merged", "base", own)
            g = entry["gain"]["mean"]
            entry["merged_gain"] = merged_gain
            for t in own:
                entry["per_task"][t]["merged_gain"] = diff("merged", "base", [t])
            entry["merged_vs_expert"] = diff("merged", model, own)
            entry["merged_kept"] = round(merged_gain["mean"] / g, 4) if g > 0 else None
            entry["goal_merged_keeps_80pct"] = entry["merged_kept"] is not None and entry["merged_kept"] >= 0.8
        experts[corpus] = entry
    summary: dict[str, Any] = {"experts": experts}
    if "aligned" in values and "merged" in values:
        aligned = diff("aligned", "merged", list(tasks))
        summary["aligned_vs_merged"] = aligned
        # "At least as good": the interval's upper end is not below zero (no significant loss).
        summary["goal_aligned_not_worse"] = aligned["high"] >= 0
    return summary


def write_effect(effect: dict[str, Any], out: Path, title: str) -> dict[str, str]:
    paths = {"effect_json": out / "effect.json", "effect_png": out / "effect.png"}
    write_json_atomic(paths["effect_json"], effect)
    _chart(effect, paths["effect_png"], title)
    return {k: str(v) for k, v in paths.items()}


def _chart(effect: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars: list[tuple[str, dict[str, Any]]] = []
    for corpus, e in effect["experts"].items():
        if "gain" in e:
            bars.append((f"expert-{corpus}\nvs base ({corpus} tasks)", e["gain"]))
            if "merged_gain" in e:
                bars.append((f"merged\nvs base ({corpus} tasks)", e["merged_gain"]))
    if "aligned_vs_merged" in effect:
        bars.append(("aligned\nvs merged (all tasks)", effect["aligned_vs_merged"]))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(bars)), 4.2))
    for i, (_, iv) in enumerate(bars):
        colour = "tab:green" if iv["significant"] and iv["mean"] > 0 else (
            "tab:red" if iv["significant"] else "tab:grey")
        ax.bar(i, iv["mean"], color=colour, yerr=[[iv["mean"] - iv["low"]], [iv["high"] - iv["mean"]]], capsize=4)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_ylabel("score difference (paired interval)")
    ax.set_title(f"{title}\ngreen: gain, red: loss, grey: noise (interval contains 0)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
