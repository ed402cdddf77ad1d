"""evaluate: score the run's served models on CLUE+ and offline clinical tasks over HTTP; report.

Recipe: pick the models (evaluate.models groups among those the serve stage serves) -> load each
task's items (CLUE+ tasks from the files named in evaluate.data, offline tasks from the prepare
EVAL split, package data, or, for knowledge tests, the train documents PIT taught) and save them -> for each (model, task) not already done: query the
endpoint concurrently, score every item, save the per-item records, mark it done -> report.json,
report.md, report.png: per task mean, bootstrap interval and n; per model the paired-bootstrap
interval of its difference to the base; relative gains; an Average row.
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from mediphi.config import InputError, RunConfig
from mediphi.runs import MissingInputError, StageContext, StageDef, execute

STAGE = StageDef(name="evaluate", sections=("evaluate", "run", "prepare"), inputs=("prepare", "serve"))
# A task's domain is a corpus kind; a kind that holds another's documents counts as that one (PMC
# articles are the PubMed expert's: pubmed_title reads their titles and abstracts as MEDLINE's).
DOMAIN_OF_KIND = {"pmc": "pubmed"}


def corpus_domain(kind: str) -> str:
    return DOMAIN_OF_KIND.get(kind, kind)


def run(config: RunConfig, run_dir, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    from mediphi.evaluate.effect import write_effect
    from mediphi.evaluate.report import build_report, write_report
    from mediphi.evaluate.tasks import ModelClient, get_task
    from mediphi.serve.discovery import select_groups

    ev = ctx.config.evaluate
    tasks = [get_task(name) for name in ev.tasks]
    endpoint = ev.endpoint or ctx.input("serve", "endpoint")
    models = select_groups(ctx.input("serve", "models"), ev.models)
    if not models:
        raise MissingInputError(f"none of the model groups {ev.models} is served by the serve stage "
                                f"(served: {', '.join(ctx.input('serve', 'models'))})")
    from mediphi.serve import client_key

    api_key = client_key(ctx.config)
    check_endpoint(endpoint, list(models), api_key)

    items = {t.name: load_items(ctx, t) for t in tasks}
    kinds = {c.name: corpus_domain(c.kind) for c in ctx.config.prepare.corpora}
    records: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for model, model_dir in models.items():
        client = ModelClient(endpoint, model, model_dir, ev.concurrency, api_key)
        for task in tasks_for(model, tasks, ev.expert_tasks, kinds):
            records.setdefault(model, {})[task.name] = evaluate_one(ctx, client, task, items[task.name])

    report = build_report(records, tasks, models, endpoint, ev, kinds)
    title = f"CLUE+ evaluation, run '{ctx.config.run.name}'"
    paths = write_report(report, ctx.out, title)
    if report["effect"]:
        paths.update(write_effect(report["effect"], ctx.out, f"Effect of the recipe, run '{ctx.config.run.name}'"))
    return {
        "counts": {t.name: {"items": len(items[t.name])} for t in tasks},
        "outputs": {**paths, "items": str(ctx.out / "items"), "predictions": str(ctx.out / "predictions")},
        "metrics": {m: {t: r["score"]["mean"] for t, r in per_task.items()}
                    for m, per_task in report["results"].items()},
    }


def tasks_for(model: str, tasks: list, expert_tasks: str, kinds: dict[str, str]) -> list:
    """The tasks a model answers: all, or for an expert with `own_domain` those of its corpus's kind
    (every task when none is: an expert is never left with nothing to answer)."""
    from mediphi.serve.discovery import expert_corpus

    corpus = expert_corpus(model)
    if expert_tasks == "all" or corpus is None:
        return tasks
    own = [t for t in tasks if t.domain == kinds.get(corpus, corpus)]
    return own or tasks


def load_items(ctx: StageContext, task) -> list[dict[str, Any]]:
    """The task's items for this run, written to items/<task>.jsonl (what every model is asked)."""
    ev = ctx.config.evaluate
    items = read_task_items(ctx, task, split=ev.split, max_items=ev.items.get(task.name, ev.max_items),
                            few_shot=ev.few_shot.get(task.name), data_path=ev.data.get(task.name))
    path = ctx.out / "items" / f"{task.name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(it) + "\n" for it in items))
    ctx.log.info("%s: %d items (%s, split %s)", task.name, len(items), task.suite, ev.split)
    return items


def read_task_items(ctx: StageContext, task, *, split: str, max_items: int, few_shot: int | None = None,
                    data_path: str | None = None) -> list[dict[str, Any]]:
    """A task's items of one split, from the run's prepared corpora (and, for knowledge tests, what
    the pit stage taught). Any stage may ask: merge scores its candidates on the validation items."""
    from mediphi.evaluate.tasks import LoadContext

    corpora = ctx.input("prepare", "corpora")

    @cache
    def docs(kind: str) -> list[dict[str, Any]]:
        return read_eval_docs(corpora, corpus_names(ctx.config, kind, corpora, task.name))

    @cache
    def studied(kind: str) -> list[dict[str, Any]]:
        return read_studied_docs(ctx, corpora, corpus_names(ctx.config, kind, corpora, task.name), task.name)

    lctx = LoadContext(task=task.name, max_items=max_items, seed=ctx.config.run.seed, split=split,
                       few_shot=few_shot, data_path=data_path, docs=docs, studied=studied)
    items = task.load(lctx)
    if not items:
        raise InputError(f"evaluate task {task.name}: no usable item (split {split}); see its data source")
    ids = [it["id"] for it in items]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"task {task.name}: item ids repeat; the paired bootstrap needs unique ids")
    return items


def check_endpoint(endpoint: str, models: list[str], api_key: str | None = None) -> None:
    """Fail before any work, with the fix, when the endpoint is down or lacks a model."""
    import httpx

    from mediphi.serve import auth_headers

    try:
        served = [m["id"] for m in httpx.get(f"{endpoint}/models", timeout=30, headers=auth_headers(api_key))
                  .raise_for_status().json()["data"]]
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
    names = [c.name for c in config.prepare.corpora if corpus_domain(c.kind) == kind and c.name in corpora]
    names = names or ([kind] if kind in corpora else [])
    if not names:
        raise MissingInputError(f"task {task} needs a '{kind}' corpus from the prepare stage; it has: "
                                f"{', '.join(corpora) or 'none'} (add one to prepare.corpora or drop the task)")
    return names


def read_eval_docs(corpora: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """The eval split's documents of these corpora (a row not marked eval is dropped)."""
    import pyarrow.parquet as pq

    docs = []
    for name in names:
        rows = pq.read_table(corpora[name]["eval"], columns=["doc_id", "title", "text", "meta", "split"]).to_pylist()
        docs += [r for r in rows if r["split"] == "eval"]
    return docs


def read_studied_docs(ctx: StageContext, corpora: dict[str, Any], names: list[str], task: str) -> list[dict[str, Any]]:
    """The train documents of these corpora that the pit stage turned into task data."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        task_data = ctx.input("pit", "task_data")
    except MissingInputError as e:
        raise MissingInputError(f"task {task} asks about what the experts studied, which the pit stage "
                                f"records: {e}") from None
    docs = []
    for name in names:
        if name not in task_data:
            continue  # no PIT data for this corpus: nothing of it was studied
        ids = pq.read_table(task_data[name], columns=["doc_id"]).column("doc_id").unique()
        rows = pq.read_table(corpora[name]["train"], columns=["doc_id", "title", "text", "meta", "split"],
                             filters=pc.field("doc_id").isin(ids)).to_pylist()
        docs += [r for r in rows if r["split"] == "train"]
    return docs


def evaluate_one(ctx: StageContext, client, task, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One model on one task, resumable: predictions/<model>/<task>.jsonl and a done marker."""
    from mediphi.evaluate.tasks import generation_params, score_items

    ev = ctx.config.evaluate
    key = f"{client.name}.{task.name}"
    pred_path = ctx.out / "predictions" / client.name / f"{task.name}.jsonl"
    if ctx.is_done(key) and pred_path.is_file():
        ctx.log.info("%s: done before, reusing", key)
        return [json.loads(line) for line in pred_path.read_text().splitlines()]
    with ctx.timed(key):
        records = score_items(task, client.engine, client.render, items, ev.mc_scoring,
                              generation_params(task, ev.generation))
    pred_path.parent.mkdir(parents=True, exist_ok=True)
    pred_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    metric = task.primary(ev.mc_scoring)
    mean = sum(r[metric] for r in records) / len(records)
    ctx.log.info("%s: %s=%.4f over %d items (%.1fs)", key, metric, mean, len(records), ctx.timings[key])
    ctx.mark_done(key, {"n": len(records), metric: mean})
    return records
