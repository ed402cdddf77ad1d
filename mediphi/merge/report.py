"""The trials chart: validation score per trial, the best one marked, the inputs as references."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_trials(rows: list[dict[str, Any]], best: dict[str, Any], references: dict[str, float],
                method: str, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    scored = [r for r in rows if r["score"] is not None]
    ax.plot([r["trial"] for r in scored], [r["score"] for r in scored], "o-", color="tab:blue",
            label=f"{method} trial")
    ax.plot([best["trial"]], [best["score"]], "*", markersize=16, color="tab:red",
            label=f"best (trial {best['trial']})")
    styles = ["--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1))]
    for i, (name, score) in enumerate(references.items()):
        ax.axhline(score, linestyle=styles[i % len(styles)], color=f"C{(i + 2) % 10}", label=name)
    ax.set_xlabel("trial")
    ax.set_ylabel("validation score: -(mean token NLL)")
    ax.set_title("Multi-expert merge search")
    ax.set_xticks([r["trial"] for r in rows])
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
