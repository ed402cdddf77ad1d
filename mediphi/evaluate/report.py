"""The evaluation report: JSON (the record), Markdown (the tables), PNG (the chart with error bars).

Layout as in the paper: tasks as rows, models as columns (base, each expert, merged, aligned), an
Average row (every task counts once). Every score carries its n and bootstrap interval; every
model's difference to the base carries its paired-bootstrap interval, and a difference whose
interval contains zero is reported as noise, whatever its relative gain says.

Relative gain is (score - base score) / base score in %; None where the base scored 0.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mediphi.evaluate.effect import summarize_effect
from mediphi.evaluate.stats import bootstrap_mean, paired_arrays, stratified_mean
from mediphi.runs import write_json_atomic

AVERAGE = "Average"
NOT_RUN = "-"  # a task outside an expert's domain, with evaluate.expert_tasks: own_domain


def relative_gain(score: float, base: float | None) -> float | None:
    if base is None or base == 0:
        return None
    return round(100.0 * (score - base) / base, 2)


def build_report(records: dict[str, dict[str, list[dict[str, Any]]]], tasks: list, models: dict[str, str],
                 endpoint: str, ev, corpus_kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """records: model -> task -> per-item records (each with `id` and the task's metric keys);
    corpus_kinds: corpus name -> kind, to find each expert's own-domain tasks."""
    bs = dict(samples=ev.bootstrap.samples, confidence=ev.bootstrap.confidence, seed=ev.bootstrap.seed)
    primary = {t.name: t.primary(ev.mc_scoring) for t in tasks}
    task_info = {t.name: {"suite": t.suite, "metric": primary[t.name], "metrics": t.metric_names(ev.mc_scoring),
                          "n": next(len(per[t.name]) for per in records.values() if t.name in per),
                          "baseline": t.baseline,
                          "tests": t.tests, "domain": t.domain, "description": t.description, "source": t.source}
                 for t in tasks}
    values = {m: {t: {r["id"]: float(r[primary[t]]) for r in recs} for t, recs in per_task.items()}
              for m, per_task in records.items()}
    base = values.get("base")
    results: dict[str, dict[str, Any]] = {}
    for model, per_task in records.items():
        row: dict[str, Any] = {}
        for t in task_info:
            if t not in per_task:
                continue  # an expert judged on its own domain only (evaluate.expert_tasks)
            recs = per_task[t]
            cell: dict[str, Any] = {
                "score": bootstrap_mean([r[primary[t]] for r in recs], **bs).as_dict(),
                "metrics": {k: bootstrap_mean([r[k] for r in recs], **bs).as_dict()
                            for k in task_info[t]["metrics"] if all(k in r for r in recs)},
            }
            _compare(cell, model, base and base[t], values[model][t], bs)
            row[t] = cell
        if set(per_task) != set(task_info):
            results[model] = row  # no Average over a subset: it would not compare with the others'
            continue
        avg: dict[str, Any] = {"score": stratified_mean([list(values[model][t].values()) for t in task_info],
                                                        **bs).as_dict()}
        if base and model != "base":
            diff = stratified_mean([paired_arrays(values[model][t], base[t]) for t in task_info], **bs)
            avg.update(diff_vs_base=diff.as_dict(), significant=diff.excludes_zero())
        row[AVERAGE] = avg
        results[model] = row
    for model, row in results.items():
        for t, cell in row.items():
            b = results.get("base", {}).get(t, {}).get("score", {}).get("mean")
            cell["rel_gain_pct"] = 0.0 if model == "base" else relative_gain(cell["score"]["mean"], b)
    effect = summarize_effect(values, task_info, corpus_kinds or {}, bs)
    return {"endpoint": endpoint, "models": models, "tasks": task_info, "results": results, "effect": effect,
            "settings": {"split": ev.split, "mc_scoring": list(ev.mc_scoring),
                         "generation": ev.generation.model_dump(), "bootstrap": ev.bootstrap.model_dump()}}


def _compare(cell: dict[str, Any], model: str, base: dict[str, float] | None, mine: dict[str, float],
             bs: dict[str, Any]) -> None:
    if base is None or model == "base":
        return
    diff = bootstrap_mean(paired_arrays(mine, base), **bs)
    cell["diff_vs_base"] = diff.as_dict()
    cell["significant"] = diff.excludes_zero()


# ----------------------------------------------------------------------------- Markdown
def _ci(iv: dict[str, Any], signed: bool = False) -> str:
    f = "{:+.3f}" if signed else "{:.3f}"
    return f"{f.format(iv['mean'])} [{f.format(iv['low'])}, {f.format(iv['high'])}]"


def _gain(g: float | None) -> str:
    return "n/a" if g is None else f"{g:+.1f}%"


def write_markdown(report: dict[str, Any], path: Path, title: str) -> None:
    tasks, models = list(report["tasks"]), list(report["results"])
    conf = int(round(100 * report["settings"]["bootstrap"]["confidence"]))
    rows_of = tasks + [AVERAGE]
    lines = [f"# {title}", "",
             f"Scores: mean [{conf}% bootstrap interval] over n items (split: {report['settings']['split']}). "
             "Average: every task counts once.", "",
             "| task (metric) | n | " + " | ".join(models) + " |", "|---|---|" + "---|" * len(models)]
    for t in rows_of:
        label = f"{t} ({report['tasks'][t]['metric']})" if t != AVERAGE else f"**{AVERAGE}**"
        n = report["tasks"][t]["n"] if t != AVERAGE else sum(report["tasks"][x]["n"] for x in tasks)
        lines.append(f"| {label} | {n} | " + " | ".join(_ci(report["results"][m][t]["score"]) if t in report["results"][m]
                                                         else NOT_RUN for m in models) + " |")
    others = [m for m in models if m != "base"]
    if "base" in models and others:
        lines += ["", f"Difference to the base: mean [{conf}% paired-bootstrap interval] (relative gain). "
                  "`noise`: the interval contains 0.", "",
                  "| task | " + " | ".join(others) + " |", "|---|" + "---|" * len(others)]
        for t in rows_of:
            cells = []
            for m in others:
                if t not in report["results"][m]:
                    cells.append(NOT_RUN)
                    continue
                c = report["results"][m][t]
                verdict = "" if c["significant"] else " noise"
                cells.append(f"{_ci(c['diff_vs_base'], signed=True)} ({_gain(c['rel_gain_pct'])}){verdict}")
            lines.append(f"| {t if t != AVERAGE else '**' + AVERAGE + '**'} | " + " | ".join(cells) + " |")
    lines += effect_lines(report.get("effect"))
    lines += ["", "| task | suite | tests | n | chance | metrics | source |", "|---|---|---|---|---|---|---|"]
    for t in tasks:
        info = report["tasks"][t]
        chance = "-" if info["baseline"] is None else f"{info['baseline']:.2f}"
        lines.append(f"| {t} | {info['suite']} | {info['tests']} | {info['n']} | {chance} | "
                     f"{', '.join(info['metrics'])} | {info['source']} |")
    lines += ["", f"Endpoint: {report['endpoint']}", ""]
    path.write_text("\n".join(lines))


def effect_lines(effect: dict[str, Any] | None) -> list[str]:
    """The recipe's claims (see effect.py), one line each, with the verdict the intervals give."""
    if not effect:
        return []

    def verdict(iv: dict[str, Any]) -> str:
        return "gain" if iv["significant"] and iv["mean"] > 0 else ("loss" if iv["significant"] else "noise")

    lines = ["", "Effect of the recipe (paired intervals over each expert's own-domain tasks):", ""]
    for corpus, e in effect["experts"].items():
        if "gain" not in e:
            lines.append(f"- expert-{corpus}: {e['note']}")
            continue
        lines.append(f"- expert-{corpus} vs base on {', '.join(e['tasks'])}: {_ci(e['gain'], signed=True)} "
                     f"({verdict(e['gain'])})")
        if len(e["per_task"]) > 1:
            for t, pt in e["per_task"].items():
                merged = f"; merged {_ci(pt['merged_gain'], signed=True)}" if "merged_gain" in pt else ""
                lines.append(f"  - {t} ({pt['tests']}): expert {_ci(pt['gain'], signed=True)}{merged}")
        if "raw_gain" in e:
            lines.append(f"  - expert-{corpus}-raw (before SLERP) vs base: {_ci(e['raw_gain'], signed=True)} "
                         f"({verdict(e['raw_gain'])})")
        if "merged_gain" in e:
            kept = "n/a (no expert gain)" if e["merged_kept"] is None else f"{100 * e['merged_kept']:.0f}%"
            lines.append(f"  - merged vs base: {_ci(e['merged_gain'], signed=True)} ({verdict(e['merged_gain'])}); "
                         f"kept {kept} of the expert's gain; merged vs expert "
                         f"{_ci(e['merged_vs_expert'], signed=True)}")
    if "aligned_vs_merged" in effect:
        iv = effect["aligned_vs_merged"]
        lines.append(f"- aligned vs merged, all tasks: {_ci(iv, signed=True)} ({verdict(iv)})")
    claims = [e[k] for e in effect["experts"].values() for k in ("gain", "merged_gain") if k in e]
    claims += [effect["aligned_vs_merged"]] if "aligned_vs_merged" in effect else []
    if claims and not any(iv["significant"] for iv in claims):
        lines += ["", "**Every claim above is inside the noise**: this run shows neither a gain nor a loss from "
                      "the recipe (too little training or too few items to tell; see configs/effect.yaml)."]
    return lines


# ----------------------------------------------------------------------------- PNG
def write_chart(report: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks, models = list(report["tasks"]) + [AVERAGE], list(report["results"])
    width = 0.8 / max(1, len(models))
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(tasks) * max(1, len(models)) ** 0.5), 4.8))
    for m_i, model in enumerate(models):
        xs = [t_i + (m_i - (len(models) - 1) / 2) * width for t_i in range(len(tasks))]
        shown = [(x, report["results"][model][t]["score"]) for x, t in zip(xs, tasks) if t in report["results"][model]]
        ys = [iv["mean"] for _, iv in shown]
        err = [[iv["mean"] - iv["low"] for _, iv in shown], [iv["high"] - iv["mean"] for _, iv in shown]]
        ax.bar([x for x, _ in shown], ys, width, yerr=err, capsize=2, label=model, error_kw={"elinewidth": 0.8})
    labelled = False
    for t_i, t in enumerate(tasks[:-1]):
        chance = report["tasks"][t]["baseline"]
        if chance is not None:
            ax.hlines(chance, t_i - 0.45, t_i + 0.45, colors="grey", linestyles="dashed",
                      label=None if labelled else "chance")
            labelled = True
    ax.axvline(len(tasks) - 1.5, color="lightgrey", linewidth=0.8)
    ax.set_xticks(range(len(tasks)), [f"{t}\n({report['tasks'][t]['metric']})" if t in report["tasks"] else t
                                      for t in tasks], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("score (error bars: bootstrap interval)")
    ax.set_ylim(0, 1.05)
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
