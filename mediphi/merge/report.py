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
                **{f"kept[{t}]": v for t, v in sorted(((r.get("components") or {}).get("kept") or {}).items())},
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


def plot_kept(rows: list[dict[str, Any]], best: dict[str, Any], out: Path, goal: float = 0.8) -> Path | None:
    """combine: min_kept: each complete trial as the shares of two experts' validation gains it keeps
    (the first two tasks), the goal's corner shaded: what the search could reach, at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kept = [(r, r["components"]["kept"]) for r in rows
            if r["score"] is not None and r.get("complete", True) and len((r.get("components") or {}).get("kept") or {}) >= 2]
    if not kept:
        return None
    a, b = sorted(kept[0][1])[:2]
    pts = [(k[a], k[b]) for _, k in kept if a in k and b in k]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.scatter(*zip(*pts), color="tab:blue", label="trial")
    bk = (best.get("components") or {}).get("kept") or {}
    if a in bk and b in bk:
        ax.scatter([bk[a]], [bk[b]], marker="*", s=250, color="tab:red", label=f"best (trial {best['trial']})")
    ax.axvline(goal, color="gray", linestyle="--")
    ax.axhline(goal, color="gray", linestyle="--")
    hi = max(1.2, *(max(x, y) for x, y in pts))
    ax.fill_between([goal, hi], goal, hi, color="tab:green", alpha=0.12, label=f"both >= {goal:.0%}")
    ax.plot([0, 1], [0, 1], ":", color="lightgray")
    ax.set_xlabel(f"share of the {a} gain kept (validation)")
    ax.set_ylabel(f"share of the {b} gain kept (validation)")
    ax.set_title("What each merge keeps of each expert's gain", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
