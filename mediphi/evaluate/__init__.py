"""evaluate: score the run's served models on CLUE+-style tasks over HTTP; write the report.

Recipe: pick the models (evaluate.models groups among those the serve stage serves) -> build each
task's items from the prepare EVAL split only -> for each (model, task) not already done: query
the endpoint concurrently, score, save the predictions, mark it done -> report.json, report.md,
report.png with each model's relative gain over the base model.
"""
from __future__ import annotations

import json
from typing import Any

from mediphi.config import InputError, RunConfig
from mediphi.runs import MissingInputError, StageContext, StageDef, execute

STAGE = StageDef(name="evaluate", sections=("evaluate",), inputs=("prepare", "serve"))


def run(config: RunConfig, run_dir, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    from mediphi.evaluate.report import build_report, write_report
    from mediphi.evaluate.tasks import ModelClient, get_task, stable_order
    from mediphi.serve.discovery import select_groups

    ev = ctx.config.evaluate
    tasks = [get_task(name) for name in ev.tasks]
    endpoint = ev.endpoint or ctx.input("serve", "endpoint")
    models = select_groups(ctx.input("serve", "models"), ev.models)
    if not models:
        raise MissingInputError(f"none of the model groups {ev.models} is served by the serve stage "
                                f"(served: {', '.join(ctx.input('serve', 'models'))})")

    check_endpoint(endpoint, list(models))

    corpora = ctx.input("prepare", "corpora")
    items, counts = {}, {}
    for task in tasks:
        docs, n_in = read_eval_docs(corpora, corpus_names(ctx.config, task.corpus_kind, corpora, task.name))
        items[task.name] = task.build(stable_order(docs), ev.max_items)
        if not items[task.name]:
            raise InputError(f"evaluate task {task.name}: no usable item among {n_in} eval documents")
        counts[task.name] = {"in": n_in, "kept": len(items[task.name]), "filtered": n_in - len(items[task.name])}
        ctx.log.info("%s: %d items from %d eval documents", task.name, len(items[task.name]), n_in)

    results: dict[str, dict[str, dict[str, Any]]] = {}
    for model, model_dir in models.items():
        client = ModelClient(endpoint, model, model_dir, ev.concurrency)
        for task in tasks:
            results.setdefault(model, {})[task.name] = evaluate_one(ctx, client, task, items[task.name])

    task_info = {t.name: {"metric": t.metric, "n": len(items[t.name]), "baseline": t.baseline,
                          "description": t.description} for t in tasks}
    report = build_report(results, task_info, models, endpoint)
    paths = write_report(report, ctx.out, f"CLUE+ evaluation, run '{ctx.config.run.name}'")
    return {
        "counts": counts,
        "outputs": {**paths, "predictions": str(ctx.out / "predictions")},
        "metrics": {m: {t: r["score"] for t, r in per_task.items()} for m, per_task in results.items()},
    }


def check_endpoint(endpoint: str, models: list[str]) -> None:
    """Fail before any work, with the fix, when the endpoint is down or lacks a model."""
    import httpx

    try:
        served = [m["id"] for m in httpx.get(f"{endpoint}/models", timeout=30).raise_for_status().json()["data"]]
    except (httpx.HTTPError, ValueError, KeyError) as e:
        raise MissingInputError(f"endpoint {endpoint} does not answer GET /models ({type(e).__name__}: {e}): "
                                "start it with `mediphi serve --block` (or run `mediphi pipeline`), "
                                "or set evaluate.endpoint") from None
    missing = [m for m in models if m not in served]
    if missing:
        raise MissingInputError(f"endpoint {endpoint} does not serve {missing} (it serves {served}): "
                                "rerun `mediphi serve` for this run")


def corpus_names(config: RunConfig, kind: str, corpora: dict[str, Any], task: str) -> list[str]:
    """The prepared corpora of a kind: by the prepare config, else a corpus named like the kind."""
    names = [c.name for c in config.prepare.corpora if c.kind == kind and c.name in corpora]
    names = names or ([kind] if kind in corpora else [])
    if not names:
        raise MissingInputError(f"task {task} needs a '{kind}' corpus from the prepare stage; it has: "
                                f"{', '.join(corpora) or 'none'} (add one to prepare.corpora or drop the task)")
    return names


def read_eval_docs(corpora: dict[str, Any], names: list[str]) -> tuple[list[dict[str, Any]], int]:
    """The eval split's documents of these corpora (a row not marked eval is dropped), and how many rows."""
    import pyarrow.parquet as pq

    docs, n_in = [], 0
    for name in names:
        rows = pq.read_table(corpora[name]["eval"], columns=["doc_id", "title", "text", "meta", "split"]).to_pylist()
        n_in += len(rows)
        docs += [r for r in rows if r["split"] == "eval"]
    return docs, n_in


def evaluate_one(ctx: StageContext, client, task, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One model on one task, resumable: predictions/<model>/<task>.jsonl and a done marker."""
    key = f"{client.name}.{task.name}"
    if ctx.is_done(key):
        ctx.log.info("%s: done before, reusing", key)
        return ctx.done_info(key)
    with ctx.timed(key):
        records = task.score(client, items)
    pred_path = ctx.out / "predictions" / client.name / f"{task.name}.jsonl"
    pred_path.parent.mkdir(parents=True, exist_ok=True)
    pred_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    summary = {"score": _mean(r["score"] for r in records), "n": len(records),
               **{m: _mean(r[m] for r in records) for m in task.extra_metrics}}
    ctx.log.info("%s: %s=%.4f over %d items", key, task.metric, summary["score"], summary["n"])
    ctx.mark_done(key, summary)
    return summary


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 6) if values else 0.0

