"""The merge recipe: per-expert SLERP into the base, a Ray Tune search over the multi-expert
merge, the best merge written by mergekit, everything scored by the same objective.

    setup      the objective (merge.objective): validation documents (val split only) tokenized
               once, evaluation tasks' validation items; the base model
    experts    each expert merged into the base on disk        -> per_expert/<corpus>
               (with a grid of expert_t: every point merged in memory and scored, the best written)
    search     Tune trials merge in memory and score           -> tune/, trials.json
    merged     the best parameters merged again on disk        -> merged/
    report     base, per-expert, merged scores; trials chart   -> trials.png
"""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from mediphi.cluster import connect
from mediphi.config import ConfigError, InputError
from mediphi.merge.compat import check_compatible
from mediphi.merge.methods import (
    EXPERT_METHODS,
    MULTI_METHODS,
    MultiMethod,
    check_model_count,
    expert_config,
    expert_in_memory,
    mergekit_config,
)
from mediphi.merge.report import plot_kept, plot_trials, write_history
from mediphi.merge.objective import Objective, TaskTerm, reference_scores, score_model
from mediphi.merge.scoring import count_scored_tokens, read_state_dict, read_val_docs, tokenize_batches
from mediphi.merge.search import ModelInputs, best_trial, load_into, run_search
from mediphi.models import base_model, is_local_model, load_causal_lm, load_tokenizer, write_model_card
from mediphi.runs import StageContext, write_json_atomic

SCORE_RTOL = 1e-4  # in-memory (Tune worker) vs on-disk (driver) scores: thread counts change sums
# ...and the cached-vector TIES differs from mergekit's by float rounding (<= 1e-5 a weight). A score
# near 0 (min_kept divides by a small validation gain) needs an absolute floor: a different
# model moves the score by hundredths, not by this.
SCORE_ATOL = 1e-3


def body(ctx: StageContext) -> dict[str, Any]:
    cfg = ctx.config.merge
    connect(ctx.config)
    base = base_model(ctx.config)
    if not is_local_model(base):
        raise ConfigError(f"model.base: merge reads weights from disk: model.base must be a local HF dir, got {base}")
    experts: dict[str, str] = ctx.input("experts", "experts")
    corpora: dict[str, dict[str, str]] = ctx.input("prepare", "corpora")
    method = MULTI_METHODS[cfg.multi_method]
    try:
        check_model_count(method, len(experts))
    except ValueError as e:
        raise ConfigError(str(e)) from None
    check_compatible(base, experts)  # before any merge: a mismatch is refused with what differs

    # -- setup: the documents every model is judged on
    docs = read_val_docs({c: splits["val"] for c, splits in corpora.items()}, cfg.val_docs)
    batches = tokenize_batches(load_tokenizer(base), docs.texts, cfg.val_max_tokens)
    if count_scored_tokens(batches) == 0:
        raise InputError("the validation documents are too short to score (fewer than 2 tokens each)")
    ctx.log.info("validation: %d documents, %d scored tokens", len(docs.texts), count_scored_tokens(batches))
    objective = build_objective(ctx, batches)
    ctx.log.info("merges are judged by %s", objective.describe())

    # -- experts: each one merged back into the base
    per_expert, expert_t = {}, {}
    with ctx.timed("per_expert"):
        for corpus in sorted(experts):
            per_expert[corpus], expert_t[corpus] = merge_expert(
                ctx, corpus, base, experts[corpus], objective.for_domain(corpus_domains(ctx).get(corpus)))
    objective = add_references(ctx, objective, base, per_expert)

    # -- search: Tune picks the multi-expert parameters
    with ctx.timed("search"):
        rows, best = search(ctx, method, base, per_expert, objective)

    # -- merged: the winner, written by mergekit like any other merge
    merged = ctx.out / "merged"
    with ctx.timed("merged"):
        if not ctx.is_done("merged"):
            run_mergekit(
                mergekit_config(method, base, per_expert, best["params"], cfg.dtype), merged,
                card={"title": "mediphi merged experts", "role": "merged",
                      "description": f"{method.name} merge of the per-expert models "
                                     f"({', '.join(sorted(per_expert))}) chosen by a Ray Tune search on "
                                     "the validation split; mergekit_config.yml has the exact recipe.",
                      "base": base, "method": method.name, "params": json.dumps(best["params"]),
                      "experts": json.dumps(per_expert)},
                seed=ctx.config.run.seed,
            )
            ctx.mark_done("merged", {"params": best["params"]})

    # -- report: every model on the same documents
    with ctx.timed("scoring"):
        base_score, base_parts = score_dir(base, objective, cfg.dtype)
        expert_scored = {c: score_dir(p, objective, cfg.dtype) for c, p in per_expert.items()}
        expert_scores = {c: s for c, (s, _) in expert_scored.items()}
        on_disk, merged_parts = score_dir(str(merged), objective, cfg.dtype)
    in_memory = best["score"]
    match = math.isclose(on_disk, in_memory, rel_tol=SCORE_RTOL, abs_tol=SCORE_ATOL)
    if not match:
        msg = (f"the on-disk merge scores {on_disk:.6f} but its trial scored {in_memory:.6f}: "
               "the written model is not the one Tune chose")
        if not method.stochastic:
            raise RuntimeError(msg)
        ctx.log.warning("%s (expected for %s: its random pruning draws differ)", msg, method.name)
    references = {"base": base_score,
                  **{f"expert {c} ({cfg.expert_method})": s for c, s in expert_scores.items()}}
    plot = plot_trials(rows, best, references, method.name, ctx.out / "trials.png",
                       metric="objective" if objective.tasks else "validation score: -(mean token NLL)")
    history = write_history(rows, ctx.out / "trials.parquet")
    kept_plot = plot_kept(rows, best, ctx.out / "kept.png") if objective.combine == "min_kept" else None

    failed = sum(r["score"] is None for r in rows)
    return {
        "counts": {
            "val_docs": {"in": docs.available, "kept": len(docs.texts),
                         "filtered": docs.available - len(docs.texts)},
            "experts": len(per_expert),
            "trials": len(rows),
            "trials_failed": failed,
        },
        "outputs": {"per_expert": per_expert, "merged": str(merged), "best_params": best["params"],
                    "trials": str(ctx.out / "trials.json"), "history": str(history), "plot": str(plot),
                    **({"kept_plot": str(kept_plot)} if kept_plot else {})},
        "metrics": {
            "method": method.name,
            "val_docs": len(docs.texts),
            "val_doc_ids": docs.doc_ids,
            "val_tokens": count_scored_tokens(batches),
            "best_trial": best["trial"],
            "expert_t": expert_t,
            "objective": objective.describe(),
            "objective_items": {t.name: [it["id"] for it in t.items] for t in objective.tasks},
            "scores": {"base": base_score, "per_expert": expert_scores,
                       "merged_in_memory": in_memory, "merged_on_disk": on_disk},
            "components": {"base": base_parts, "per_expert": {c: p for c, (_, p) in expert_scored.items()},
                           "merged": merged_parts},
            "score_abs_diff": abs(on_disk - in_memory),
            "scores_match": match,
        },
    }


# ----------------------------------------------------------------------------- steps
def merge_expert(ctx: StageContext, corpus: str, base: str, expert: str, objective: Objective) -> tuple[str, dict]:
    """The per-expert model on disk, and how its t was chosen ({"t", "grid": {t: score}})."""
    cfg = ctx.config.merge
    out = ctx.out / "per_expert" / corpus
    key = f"expert-{corpus}"
    if ctx.is_done(key):
        info = ctx.done_info(key)
        return str(out), {"t": info["t"], "grid": info.get("grid", {})}
    method = EXPERT_METHODS[cfg.expert_method]
    grid = score_expert_grid(ctx, corpus, base, expert, objective) if len(cfg.expert_grid) > 1 else {}
    t = max(cfg.expert_grid, key=lambda v: grid[str(v)]) if grid else cfg.expert_grid[0]
    ctx.log.info("merging the %s expert into the base (%s, t=%.2f)", corpus, cfg.expert_method, t)
    chosen = (f"t={t} chosen from {cfg.expert_grid} by the merge objective ("
              + ", ".join(f"{k}: {v:.4f}" for k, v in grid.items()) + ")") if grid else f"t={t}"
    run_mergekit(
        expert_config(method, base, expert, t, cfg.dtype), out,
        card={"title": f"mediphi {corpus} expert, merged into the base", "role": "per-expert merge",
              "description": f"The {corpus} expert merged back into the base with {cfg.expert_method} "
                             f"({chosen}); mergekit_config.yml has the exact recipe.",
              "base": base, "expert": expert, "method": cfg.expert_method, "t": t},
        seed=ctx.config.run.seed,
    )
    if grid:
        on_disk, _ = score_dir(str(out), objective, cfg.dtype)
        if not math.isclose(on_disk, grid[str(t)], rel_tol=SCORE_RTOL, abs_tol=SCORE_ATOL):
            raise RuntimeError(f"the {corpus} per-expert merge on disk scores {on_disk:.6f} but t={t} scored "
                               f"{grid[str(t)]:.6f} in memory: the written model is not the one chosen")
    ctx.mark_done(key, {"dir": str(out), "method": cfg.expert_method, "t": t, "grid": grid})
    return str(out), {"t": t, "grid": grid}


def score_expert_grid(ctx: StageContext, corpus: str, base: str, expert: str, objective: Objective) -> dict[str, float]:
    """Every grid point merged in memory (base and expert read once) and scored: {str(t): score}."""
    from mergekit.merge_methods.api import merge_state_dicts

    from mediphi.models.sources import DTYPES

    cfg = ctx.config.merge
    method = EXPERT_METHODS[cfg.expert_method]
    inputs = ModelInputs((), {"base": read_state_dict(base), "expert": read_state_dict(expert)})
    tokenizer = load_tokenizer(base)
    scores = {}
    for t in cfg.expert_grid:
        name, params = expert_in_memory(method, t)
        with torch.no_grad():
            merged = merge_state_dicts(inputs.state_dicts, name, parameters=params,
                                       base="base" if method.t_as == "t" else None,
                                       dtype=DTYPES[cfg.dtype], out_dtype=DTYPES[cfg.dtype])
        scores[str(t)], parts = score_model(load_into(inputs, base, merged, cfg.dtype), tokenizer, objective)
        ctx.log.info("  %s expert at t=%s: score %.4f %s", corpus, t, scores[str(t)], parts)
    return scores


def search(ctx: StageContext, method: MultiMethod, base: str, per_expert: dict[str, str],
           objective: Objective) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Tune's trials and the best one; a finished search is read back from its done marker."""
    if ctx.is_done("search"):
        info = ctx.done_info("search")
        return info["trials"], info["best"]
    cfg = ctx.config.merge
    storage = ctx.out / "tune"  # a search that died here is resumed: its finished trials are kept
    ctx.log.info("searching %s parameters %s over %d trials", method.name, list(method.searched),
                 cfg.tune_samples)
    ranges = cfg.search_ranges()
    rows = run_search(method, base, per_expert, objective, ranges=ranges, samples=cfg.tune_samples,
                      max_concurrent=cfg.tune_max_concurrent, dtype=cfg.dtype, seed=ctx.config.run.seed,
                      storage=storage, kind=cfg.searcher, rungs=cfg.fidelity_rungs)
    for row in rows:  # relative, so the run dir can move
        row["path"] = os.path.relpath(row["path"], ctx.out) if row["path"] else None
    best = best_trial(rows)
    write_json_atomic(ctx.out / "trials.json", {
        "method": method.name, "metric": objective.describe(),
        "searched": list(method.searched), "searcher": cfg.searcher, "fidelity_rungs": cfg.fidelity_rungs,
        "ranges": {k: list(v) for k, v in ranges.items()},
        "best_trial": best["trial"], "best_params": best["params"], "trials": rows,
    })
    ctx.mark_done("search", {"trials": rows, "best": best})
    return rows, best


# ----------------------------------------------------------------------------- helpers
def run_mergekit(config: dict[str, Any], out: Path, card: dict[str, Any], seed: int) -> Path:
    """mergekit's on-disk merge into a scratch dir, completed and checked, then moved into place."""
    from mergekit.config import MergeConfiguration
    from mergekit.merge import MergeOptions, run_merge

    tmp = out.parent / f".{out.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    run_merge(MergeConfiguration.model_validate(config), str(tmp),
              options=MergeOptions(device="cpu", copy_tokenizer=True, lazy_unpickle=False,
                                   random_seed=seed, quiet=True))
    write_model_card(tmp, card)  # our card; mergekit's recipe stays in mergekit_config.yml
    check_hf_dir(tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out


def check_hf_dir(path: Path) -> None:
    """Weights, config, tokenizer with a chat template, model card: what downstream stages load."""
    problems = [f"no {name}" for name in ("config.json", "README.md", "mergekit_config.yml")
                if not (path / name).is_file()]
    if not list(path.glob("*.safetensors")):
        problems.append("no safetensors weights")
    if not load_tokenizer(str(path)).chat_template:
        problems.append("no chat template (the base model's tokenizer has none)")
    if problems:
        raise RuntimeError(f"merge output {path} is incomplete: {'; '.join(problems)}")


def score_dir(path: str, objective: Objective, dtype: str) -> tuple[float, dict[str, Any]]:
    return score_model(load_causal_lm(path, dtype), load_tokenizer(path), objective)


def build_objective(ctx: StageContext, batches: list) -> Objective:
    """merge.objective with its tasks' validation items (never the test items evaluate reports)."""
    from mediphi.evaluate import read_task_items
    from mediphi.evaluate.tasks import get_task

    spec = ctx.config.merge.objective
    terms = []
    for name, weight in spec.tasks.items():
        if weight <= 0:
            continue
        task = get_task(name)
        items = read_task_items(ctx, task, split="validation", max_items=spec.task_items)
        ctx.log.info("objective: %s, %d validation items, weight %g", name, len(items), weight)
        terms.append(TaskTerm(name, weight, items, task.domain))
    return Objective(batches, spec.val_nll, terms, spec.mc_metric, spec.gen_metric, spec.combine)


def corpus_domains(ctx: StageContext) -> dict[str, str]:
    from mediphi.evaluate import corpus_domain

    return {c.name: corpus_domain(c.kind) for c in ctx.config.prepare.corpora}


def add_references(ctx: StageContext, objective: Objective, base: str, per_expert: dict[str, str]) -> Objective:
    """min_kept: every task item scored once on the base and on the per-expert models of the task's
    domain (the best of them, if several corpora share it); a task no expert tests is refused."""
    if objective.combine != "min_kept":
        return objective
    if ctx.is_done("references"):
        return objective.with_references(ctx.done_info("references")["tasks"])
    cfg = ctx.config.merge
    domains = corpus_domains(ctx)

    def scores(path: str) -> dict[str, list[float]]:
        values = reference_scores(load_causal_lm(path, cfg.dtype), load_tokenizer(path), objective)
        return {t.name: v for t, v in zip(objective.tasks, values)}

    base_scores = scores(base)
    expert_scores = {c: scores(p) for c, p in per_expert.items()}
    refs = {}
    for term in objective.tasks:
        owners = [c for c in per_expert if domains.get(c) == term.domain]
        if not owners:
            raise ConfigError(f"merge.objective.combine: min_kept: no expert is trained on the "
                              f"{term.domain} domain that {term.name} tests (experts: {', '.join(per_expert)})")
        best = max(owners, key=lambda c: sum(expert_scores[c][term.name]))
        refs[term.name] = {"base": base_scores[term.name], "expert": expert_scores[best][term.name],
                           "expert_name": best}
        n = len(term.items)
        b, e = sum(refs[term.name]["base"]) / n, sum(refs[term.name]["expert"]) / n
        ctx.log.info("objective: %s: base %.4f, expert %s %.4f (gain %+.4f)%s", term.name, b, best, e, e - b,
                     "" if e > b else ": no gain to keep, left out of min_kept")
    ctx.mark_done("references", {"tasks": refs})
    return objective.with_references(refs)
