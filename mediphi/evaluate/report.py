"""The evaluation report: JSON (the record), Markdown (the table), PNG (the chart).

Relative gain is (score - base score) / base score in %, per task; 0 for the base itself; None
where the base model was not evaluated or scored 0.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mediphi.runs import write_json_atomic


def relative_gain(score: float, base: float | None) -> float | None:
    if base is None or base == 0:
        return None
    return round(100.0 * (score - base) / base, 2)


def build_report(results: dict[str, dict[str, dict[str, Any]]], tasks: dict[str, dict[str, Any]],
                 models: dict[str, str], endpoint: str) -> dict[str, Any]:
    """results: model -> task -> {"score", "n", ...}; adds rel_gain_pct against "base"."""
    for model, per_task in results.items():
        for task, r in per_task.items():
            base = results.get("base", {}).get(task, {}).get("score")
            # The base is the reference: its own gain is 0 even where a ratio to 0 is undefined.
            r["rel_gain_pct"] = 0.0 if model == "base" else relative_gain(r["score"], base)
    return {"endpoint": endpoint, "models": models, "tasks": tasks, "results": results}


def _fmt_gain(g: float | None) -> str:
    return "n/a" if g is None else f"{g:+.1f}%"


def write_markdown(report: dict[str, Any], path: Path, title: str) -> None:
    tasks = list(report["tasks"])
    head = [f"{t} ({report['tasks'][t]['metric']})" for t in tasks]
    lines = [f"# {title}", "",
             "Scores per model and task; in parentheses the relative gain over the base model.", "",
             "| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(tasks)]
    for model, per_task in report["results"].items():
        cells = [f"{per_task[t]['score']:.3f} ({_fmt_gain(per_task[t]['rel_gain_pct'])})" for t in tasks]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += ["", "| task | items | random baseline | description |", "|---|---|---|---|"]
    for t in tasks:
        info = report["tasks"][t]
        base = "-" if info["baseline"] is None else f"{info['baseline']:.3f}"
        lines.append(f"| {t} | {info['n']} | {base} | {info['description']} |")
    lines += ["", f"Endpoint: {report['endpoint']}", ""]
    path.write_text("\n".join(lines))


def write_chart(report: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks, models = list(report["tasks"]), list(report["results"])
    width = 0.8 / max(1, len(models))
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * len(tasks) * max(1, len(models)) ** 0.5), 4.5))
    for m_i, model in enumerate(models):
        xs = [t_i + (m_i - (len(models) - 1) / 2) * width for t_i in range(len(tasks))]
        rs = [report["results"][model][t] for t in tasks]
        bars = ax.bar(xs, [r["score"] for r in rs], width, label=model)
        for bar, r in zip(bars, rs):
            if model != "base" and r["rel_gain_pct"] is not None:
                ax.annotate(_fmt_gain(r["rel_gain_pct"]), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    labelled = False
    for t_i, t in enumerate(tasks):
        chance = report["tasks"][t]["baseline"]
        if chance is not None:
            ax.hlines(chance, t_i - 0.45, t_i + 0.45, colors="grey", linestyles="dashed",
                      label=None if labelled else "random baseline")
            labelled = True
    ax.set_xticks(range(len(tasks)), [f"{t}\n({report['tasks'][t]['metric']})" for t in tasks])
    ax.set_ylabel("score")
    ax.set_ylim(0, max(1.0, *(r["score"] for pt in report["results"].values() for r in pt.values())) * 1.1)
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=min(4, len(models) + 1))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(report: dict[str, Any], out: Path, title: str) -> dict[str, str]:
    paths = {"report_json": out / "report.json", "report_md": out / "report.md", "report_png": out / "report.png"}
    write_json_atomic(paths["report_json"], report)
    write_markdown(report, paths["report_md"], title)
    write_chart(report, paths["report_png"], title)
    return {k: str(v) for k, v in paths.items()}
