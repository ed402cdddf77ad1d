"""Ray Tune search over the multi-expert merge parameters, scored on the validation documents.

Each trial merges in memory with mergekit's `merge_state_dicts` (the same method code that
`run_merge` runs on disk), loads the result into a model and reports its validation score.

Tune reuses each trial actor (`reuse_actors`), and `_cached` keeps, per actor process, the input
state dicts and one model instance of the base architecture. A trial then costs one merge, one
`load_state_dict` and the scoring, not a process start, three safetensors reads and a model
construction. That saves little at this size: mergekit's TIES arithmetic is most of a trial
(benchmarks/merge_search.py: 1.1x against write-then-reload). With `fidelity_rungs` > 1 a trial scores growing shares of the validation
batches, reporting after each, and ASHA stops the trials that trail at a rung (multi-fidelity).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mediphi.merge.methods import MultiMethod, in_memory_parameters
from mediphi.merge.scoring import model_from_state_dict, nll_sums, read_state_dict
from mediphi.models.sources import DTYPES

BASE_ID = "base"  # input id of the base model; the per-expert models are keyed by corpus


# ----------------------------------------------------------------------------- inputs, once per process
@dataclass
class ModelInputs:
    key: tuple
    state_dicts: dict[str, dict[str, torch.Tensor]]
    model: Any | None = None  # one instance of the base architecture, refilled by every trial
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


def merge_in_memory(method: MultiMethod, base_dir: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str, seed: int) -> dict[str, torch.Tensor]:
    return merge_state(method, cached_inputs(merge_inputs(method, base_dir, models)).state_dicts,
                       params, dtype, seed)


def load_into(inputs: ModelInputs, base_dir: str, state: dict[str, torch.Tensor], dtype: str):
    """The cached model holding `state` (built on first use; its tensors are overwritten in place)."""
    if inputs.model is None:
        inputs.model = model_from_state_dict(base_dir, state, dtype)
        return inputs.model
    with torch.no_grad():
        inputs.model.load_state_dict(state, strict=False)
        inputs.model.tie_weights()
    return inputs.model.eval()


def rung_ends(n_batches: int, rungs: int) -> list[int]:
    """Batch counts after which a trial reports: growing shares, the last one all of them."""
    rungs = max(1, min(rungs, n_batches))
    return sorted({max(1, round(n_batches * (r + 1) / rungs)) for r in range(rungs)})


# ----------------------------------------------------------------------------- the trial
def merge_trial(params: dict[str, Any], *, method: MultiMethod, base_dir: str, models: dict[str, str],
                batches: list, dtype: str, seed: int, rungs: int) -> None:
    """A Tune function trainable: one merge, scored rung by rung (ASHA may stop it between rungs)."""
    from ray import tune

    t0 = time.perf_counter()
    inputs = cached_inputs(merge_inputs(method, base_dir, models))
    t_read = time.perf_counter()
    merged = merge_state(method, inputs.state_dicts, params, dtype, seed)
    t_merge = time.perf_counter()
    model = load_into(inputs, base_dir, merged, dtype)
    del merged
    t_load = time.perf_counter()
    ends = rung_ends(len(batches), rungs)
    total = tokens = 0.0
    done = 0
    for end in ends:
        s, n = nll_sums(model, batches[done:end])
        total, tokens, done = total + s, tokens + n, end
        tune.report({"score": -total / tokens, "batches": done, "inputs_reused": inputs.uses > 1,
                     "read_s": t_read - t0, "merge_s": t_merge - t_read, "load_s": t_load - t_merge,
                     "score_s": time.perf_counter() - t_load})


def search_space(method: MultiMethod, corpora: list[str], ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    from ray import tune

    space: dict[str, Any] = {}
    for p in method.params:
        lo, hi = ranges[p.name]
        space[p.name] = {c: tune.uniform(lo, hi) for c in corpora} if p.per_model else tune.uniform(lo, hi)
    return space


def searcher(kind: str, seed: int):
    from ray.tune.search.basic_variant import BasicVariantGenerator
    from ray.tune.search.optuna import OptunaSearch

    if kind == "random":
        return BasicVariantGenerator(random_state=seed)
    import optuna

    sampler = optuna.samplers.CmaEsSampler(seed=seed) if kind == "cmaes" else optuna.samplers.TPESampler(seed=seed)
    return OptunaSearch(sampler=sampler)


def run_search(method: MultiMethod, base_dir: str, models: dict[str, str], batches: list, *,
               ranges: dict[str, tuple[float, float]], samples: int, max_concurrent: int, dtype: str, seed: int,
               storage: Path, kind: str = "tpe", rungs: int = 1) -> list[dict[str, Any]]:
    """Search the merge parameters; one row per trial in creation order."""
    from ray import tune

    trainable = tune.with_parameters(merge_trial, method=method, base_dir=base_dir, models=models,
                                     batches=batches, dtype=dtype, seed=seed, rungs=rungs)
    n_rungs = len(rung_ends(len(batches), rungs))
    signature = json.dumps({"method": method.name, "models": models, "base": base_dir, "ranges": ranges,
                            "samples": samples, "kind": kind, "seed": seed, "rungs": n_rungs, "dtype": dtype,
                            "batches": _batches_digest(batches)}, sort_keys=True, default=list)
    return tune_search(trainable, search_space(method, sorted(models), ranges), samples=samples,
                       max_concurrent=max_concurrent, kind=kind, seed=seed, n_rungs=n_rungs, storage=storage,
                       signature=signature)


def _batches_digest(batches: list) -> str:
    import hashlib

    h = hashlib.sha256()
    for ids, mask in batches:
        h.update(ids.numpy().tobytes())
        h.update(mask.numpy().tobytes())
    return h.hexdigest()[:16]


def tune_search(trainable, space: dict[str, Any], *, samples: int, max_concurrent: int, kind: str, seed: int,
                n_rungs: int, storage: Path, name: str = "search", signature: str = "") -> list[dict[str, Any]]:
    """Maximize the `score` a function trainable reports (once per rung) over `space`; a trial is
    `complete` when it reported `n_rungs` times (ASHA stops the others early).

    An interrupted search under `storage` with the same `signature` (what was searched, how) is
    resumed: finished trials are kept, unfinished and errored ones run again. Any other is removed."""
    import shutil

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

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
                metric="score", mode="max", num_samples=samples if space else 1,  # nothing to search: one merge
                max_concurrent_trials=max_concurrent, reuse_actors=True, scheduler=scheduler,
                search_alg=searcher(kind, seed) if space else None,
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
            "seconds": {k: metrics[k] for k in ("read_s", "merge_s", "load_s", "score_s") if k in metrics},
            "error": None if result.error is None else f"{type(result.error).__name__}: {result.error}",
            "path": result.path,
        })
    return rows


def best_trial(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The best trial scored on all the validation batches (partial scores are not comparable)."""
    scored = [r for r in rows if r["score"] is not None and r.get("complete", True)]
    if not scored:
        errors = "; ".join(sorted({r["error"] or "no score reported" for r in rows}))
        raise RuntimeError(f"every merge trial failed: {errors}")
    return max(scored, key=lambda r: r["score"])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return float(value) if isinstance(value, (int, float)) else value
