"""Ray Tune search over the multi-expert merge parameters, scored by the merge objective.

Each trial merges in memory with mergekit's `merge_state_dicts` (the same method code that
`run_merge` runs on disk), loads the result into a model and reports its objective score
(merge.objective: validation documents' NLL, evaluation tasks' validation items, or a mix).

Tune reuses each trial actor (`reuse_actors`), and `_cached` keeps, per actor process, the input
state dicts and one model instance of the base architecture. A trial then costs one merge, one
`load_state_dict` and the scoring, not a process start, three safetensors reads and a model
construction. That saves little at this size: mergekit's TIES arithmetic is most of a trial
(benchmarks/merge_search.py: 1.1x against write-then-reload). With `fidelity_rungs` > 1 a trial
scores growing shares of the documents and items, reporting after each, and ASHA stops the trials
that trail at a rung (multi-fidelity).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mediphi.merge.fast import FAST_METHODS, TaskVectors, fast_merge, task_vectors
from mediphi.merge.methods import MultiMethod, in_memory_parameters
from mediphi.merge.objective import Objective, Tally, score_part
from mediphi.merge.scoring import model_from_state_dict, read_state_dict
from mediphi.models import load_tokenizer
from mediphi.models.sources import DTYPES

BASE_ID = "base"  # input id of the base model; the per-expert models are keyed by corpus


# ----------------------------------------------------------------------------- inputs, once per process
@dataclass
class ModelInputs:
    key: tuple
    state_dicts: dict[str, dict[str, torch.Tensor]]
    model: Any | None = None  # one instance of the base architecture, refilled by every trial
    tokenizer: Any | None = None  # the base's (task items are rendered with its chat template)
    vectors: TaskVectors | None = None  # task vectors (and sorted magnitudes) for mediphi.merge.fast
    uses: int = 0  # trials served from this process's copy (1: read for this trial)


_cached: ModelInputs | None = None  # this process's inputs (one search per trial actor)


def _fingerprint(paths: dict[str, str]) -> tuple:
    """Paths with their weights' mtimes and sizes: a model rewritten in place is read again."""
    out = []
    for name, path in sorted(paths.items()):
        files = sorted(Path(path).glob("*.safetensors"))
        out.append((name, path, tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)))
    return tuple(out)


def cached_inputs(paths: dict[str, str]) -> ModelInputs:
    """The state dicts of `paths` ({input id: HF dir}), read once per process and kept."""
    global _cached
    key = _fingerprint(paths)
    if _cached is None or _cached.key != key:
        _cached = ModelInputs(key, {name: read_state_dict(p) for name, p in paths.items()})
    _cached.uses += 1
    return _cached


def merge_inputs(method: MultiMethod, base_dir: str, models: dict[str, str]) -> dict[str, str]:
    return ({BASE_ID: base_dir} if method.uses_base else {}) | models


def merge_state(method: MultiMethod, inputs: dict[str, dict[str, torch.Tensor]], params: dict[str, Any],
                dtype: str, seed: int) -> dict[str, torch.Tensor]:
    from mergekit.merge_methods.api import merge_state_dicts

    torch.manual_seed(seed)  # random pruning (DARE, DELLA) draws from torch's global generator
    with torch.no_grad():
        return merge_state_dicts(inputs, method.name, parameters=in_memory_parameters(method, params),
                                 base=BASE_ID if method.uses_base else None,
                                 dtype=DTYPES[dtype], out_dtype=DTYPES[dtype])


def merge_cached(method: MultiMethod, inputs: ModelInputs, params: dict[str, Any], dtype: str,
                 seed: int) -> dict[str, torch.Tensor]:
    """The merge of `inputs`: from task vectors kept in this process where mediphi.merge.fast has
    the method (float32), else by mergekit."""
    if method.name not in FAST_METHODS or dtype != "float32":
        return merge_state(method, inputs.state_dicts, params, dtype, seed)
    needs_sort = method.name == "ties"
    if inputs.vectors is None or (needs_sort and not inputs.vectors.sorted):
        inputs.vectors = task_vectors(inputs.state_dicts, BASE_ID, sort=needs_sort)
    with torch.no_grad():
        return fast_merge(method.name, inputs.vectors, params, DTYPES[dtype])


def merge_in_memory(method: MultiMethod, base_dir: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str, seed: int) -> dict[str, torch.Tensor]:
    return merge_cached(method, cached_inputs(merge_inputs(method, base_dir, models)), params, dtype, seed)


def load_into(inputs: ModelInputs, base_dir: str, state: dict[str, torch.Tensor], dtype: str):
    """The cached model holding `state` (built on first use; its tensors are overwritten in place)."""
    if inputs.model is None:
        inputs.model = model_from_state_dict(base_dir, state, dtype)
        return inputs.model
    with torch.no_grad():
        inputs.model.load_state_dict(state, strict=False)
        inputs.model.tie_weights()
    return inputs.model.eval()


# ----------------------------------------------------------------------------- the trial
def merge_trial(params: dict[str, Any], *, method: MultiMethod, base_dir: str, models: dict[str, str],
                objective: Objective, dtype: str, seed: int, rungs: int) -> None:
    """A Tune function trainable: one merge, scored part by part (ASHA may stop it between parts)."""
    from ray import tune

    t0 = time.perf_counter()
    inputs = cached_inputs(merge_inputs(method, base_dir, models))
    if inputs.tokenizer is None:
        inputs.tokenizer = load_tokenizer(base_dir)
    t_read = time.perf_counter()
    merged = merge_cached(method, inputs, params, dtype, seed)
    t_merge = time.perf_counter()
    model = load_into(inputs, base_dir, merged, dtype)
    del merged
    t_load = time.perf_counter()
    tally = Tally()
    for part in objective.parts(rungs):
        score_part(model, inputs.tokenizer, objective, part, tally)
        c = tally.components()
        tune.report({"score": tally.score(objective), "val_nll": c["val_nll"],
                     **{f"task/{k}": v for k, v in c["tasks"].items()},
                     **{f"kept/{k}": v for k, v in c.get("kept", {}).items()}, "inputs_reused": inputs.uses > 1,
                     "read_s": t_read - t0, "merge_s": t_merge - t_read, "load_s": t_load - t_merge,
                     "score_s": time.perf_counter() - t_load})


def search_space(method: MultiMethod, corpora: list[str], ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    from ray import tune

    space: dict[str, Any] = {}
    for p in method.params:
        lo, hi = ranges.get(p.name, (p.low, p.high))
        value = lo if lo == hi else tune.uniform(lo, hi)  # a range of one point fixes the parameter
        space[p.name] = {c: value for c in corpora} if p.per_model else value
    return space


def searcher(kind: str, seed: int):
    from ray.tune.search.basic_variant import BasicVariantGenerator
    from ray.tune.search.optuna import OptunaSearch

    if kind == "random":
        return BasicVariantGenerator(random_state=seed)
    import optuna

    sampler = optuna.samplers.CmaEsSampler(seed=seed) if kind == "cmaes" else optuna.samplers.TPESampler(seed=seed)
    return OptunaSearch(sampler=sampler)


def run_search(method: MultiMethod, base_dir: str, models: dict[str, str], objective: Objective, *,
               ranges: dict[str, tuple[float, float]], samples: int, max_concurrent: int, dtype: str, seed: int,
               storage: Path, kind: str = "tpe", rungs: int = 1) -> list[dict[str, Any]]:
    """Search the merge parameters; one row per trial in creation order."""
    from ray import tune

    trainable = tune.with_parameters(merge_trial, method=method, base_dir=base_dir, models=models,
                                     objective=objective, dtype=dtype, seed=seed, rungs=rungs)
    n_rungs = len(objective.parts(rungs))
    signature = json.dumps({"method": method.name, "models": models, "base": base_dir, "ranges": ranges,
                            "samples": samples, "kind": kind, "seed": seed, "rungs": n_rungs, "dtype": dtype,
                            "objective": objective.digest()}, sort_keys=True, default=list)
    return tune_search(trainable, search_space(method, sorted(models), ranges), samples=samples,
                       max_concurrent=max_concurrent, kind=kind, seed=seed, n_rungs=n_rungs, storage=storage,
                       signature=signature)


def tune_search(trainable, space: dict[str, Any], *, samples: int, max_concurrent: int, kind: str, seed: int,
                n_rungs: int, storage: Path, name: str = "search", signature: str = "") -> list[dict[str, Any]]:
    """Maximize the `score` a function trainable reports (once per rung) over `space`; a trial is
    `complete` when it reported `n_rungs` times (ASHA stops the others early).

    An interrupted search under `storage` with the same `signature` (what was searched, how) is
    resumed: finished trials are kept, unfinished and errored ones run again. Any other is removed."""
    import shutil

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from ray.tune.search.sample import Domain

    searched = any(isinstance(v, Domain) for v in _leaves(space))
    path, stamp = Path(storage) / name, Path(storage) / f"{name}.signature"
    trainable = tune.with_resources(trainable, {"cpu": 1})
    if path.is_dir() and stamp.is_file() and stamp.read_text() == signature and tune.Tuner.can_restore(str(path)):
        tuner = tune.Tuner.restore(str(path), trainable, resume_unfinished=True, resume_errored=False,
                                   restart_errored=True, param_space=space)
    else:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(signature)
        scheduler = (ASHAScheduler(time_attr="training_iteration", max_t=n_rungs, grace_period=1,
                                   reduction_factor=2) if n_rungs > 1 else None)
        tuner = tune.Tuner(
            trainable,
            param_space=space,
            tune_config=tune.TuneConfig(
                metric="score", mode="max", num_samples=samples if searched else 1,  # nothing to search: one merge
                max_concurrent_trials=max_concurrent, reuse_actors=True, scheduler=scheduler,
                search_alg=searcher(kind, seed) if searched else None,
            ),
            run_config=tune.RunConfig(name=name, storage_path=str(storage), verbose=1),
        )
    rows = []
    for i, result in enumerate(tuner.fit()):
        metrics = result.metrics or {}  # a trial that failed before reporting has none
        rows.append({
            "trial": i,
            "trial_id": metrics.get("trial_id"),
            "params": _plain(result.config),
            "score": metrics.get("score"),
            "rungs": metrics.get("training_iteration"),
            "complete": metrics.get("training_iteration") == n_rungs,
            "inputs_reused": metrics.get("inputs_reused"),  # read by an earlier trial in the same actor
            "components": {"val_nll": metrics.get("val_nll"),
                           "tasks": {k.removeprefix("task/"): v for k, v in metrics.items() if k.startswith("task/")},
                           **({"kept": kept} if (kept := {k.removeprefix("kept/"): v for k, v in metrics.items()
                                                         if k.startswith("kept/")}) else {})},
            "seconds": {k: metrics[k] for k in ("read_s", "merge_s", "load_s", "score_s") if k in metrics},
            "error": None if result.error is None else f"{type(result.error).__name__}: {result.error}",
            "path": result.path,
        })
    return rows


def best_trial(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The best trial scored on everything (a partial score is not comparable to a complete one)."""
    scored = [r for r in rows if r["score"] is not None and r.get("complete", True)]
    if not scored:
        errors = "; ".join(sorted({r["error"] or "no score reported" for r in rows}))
        raise RuntimeError(f"every merge trial failed: {errors}")
    return max(scored, key=lambda r: r["score"])


def _leaves(space: dict[str, Any]) -> list[Any]:
    return [x for v in space.values() for x in (_leaves(v) if isinstance(v, dict) else [v])]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return float(value) if isinstance(value, (int, float)) else value
