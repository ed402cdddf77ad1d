"""The search's record: a Parquet history and a chart of score per trial and per parameter."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def flat_params(params: dict[str, Any]) -> dict[str, float]:
    """{"density": 0.5, "weight": {"a": 0.8}} -> {"density": 0.5, "weight[a]": 0.8}."""
    out = {}
    for k, v in params.items():
        if isinstance(v, dict):
            out.update({f"{k}[{c}]": float(x) for c, x in sorted(v.items())})
        else:
            out[k] = float(v)
    return out


def write_history(rows: list[dict[str, Any]], out: Path) -> Path:
    """One row per trial: its parameters as columns, score, whether it ran every rung, seconds, error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [{"trial": r["trial"], **flat_params(r["params"]), "score": r["score"],
                "complete": r.get("complete", True), "rungs": r.get("rungs"),
                "seconds": sum((r.get("seconds") or {}).values()), "error": r["error"]} for r in rows]
    pq.write_table(pa.Table.from_pylist(records), out)
    return out


def plot_trials(rows: list[dict[str, Any]], best: dict[str, Any], references: dict[str, float],
                method: str, out: Path, metric: str = "validation score") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [r for r in rows if r["score"] is not None]
    # a parameter the search held fixed (a one-point range, lambda by default) gets no panel
    names = [n for n in (flat_params(scored[0]["params"]) if scored else {})
             if len({flat_params(r["params"])[n] for r in scored}) > 1]
    fig, axes = plt.subplots(1, 1 + len(names), figsize=(6 + 3 * len(names), 4), squeeze=False, sharey=True)
    ax = axes[0][0]
    full = [r for r in scored if r.get("complete", True)]
    early = [r for r in scored if not r.get("complete", True)]
    ax.plot([r["trial"] for r in full], [r["score"] for r in full], "o", color="tab:blue", label=f"{method} trial")
    if early:
        ax.plot([r["trial"] for r in early], [r["score"] for r in early], "x", color="tab:gray",
                label="stopped early (partial score)")
    ax.plot([best["trial"]], [best["score"]], "*", markersize=16, color="tab:red", label=f"best (trial {best['trial']})")
    styles = ["--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1))]
    for i, (name, score) in enumerate(references.items()):
        ax.axhline(score, linestyle=styles[i % len(styles)], color=f"C{(i + 2) % 10}", label=name)
    ax.set_xlabel("trial")
    ax.set_ylabel(metric, fontsize=8, wrap=True)
    ax.set_title("Multi-expert merge search")
    ax.legend(fontsize=7, loc="best")
    for ax, name in zip(axes[0][1:], names):
        ax.scatter([flat_params(r["params"])[name] for r in full], [r["score"] for r in full], color="tab:blue")
        ax.scatter([flat_params(best["params"])[name]], [best["score"]], marker="*", s=200, color="tab:red")
        ax.set_xlabel(name)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
