"""Ray Tune search over the multi-expert merge parameters, scored on the validation documents.

Each trial merges in memory with mergekit's `merge_state_dicts` (the same method code that
`run_merge` runs on disk), loads the result into the base architecture and reports its
validation score. Memory per trial: the base, the per-expert models and the merge, once each.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from mediphi.merge.methods import MultiMethod, in_memory_parameters
from mediphi.merge.scoring import model_from_state_dict, read_state_dict, val_score
from mediphi.models.sources import DTYPES

BASE_ID = "base"  # input id of the base model; the per-expert models are keyed by corpus


def merge_in_memory(method: MultiMethod, base_dir: str, models: dict[str, str], params: dict[str, Any],
                    dtype: str, seed: int) -> dict[str, torch.Tensor]:
    from mergekit.merge_methods.api import merge_state_dicts

    inputs = {BASE_ID: read_state_dict(base_dir)} if method.uses_base else {}
    inputs.update({corpus: read_state_dict(path) for corpus, path in models.items()})
    torch.manual_seed(seed)  # random pruning (DARE) draws from torch's global generator
    with torch.no_grad():
        return merge_state_dicts(inputs, method.name, parameters=in_memory_parameters(method, params),
                                 base=BASE_ID if method.uses_base else None,
                                 dtype=DTYPES[dtype], out_dtype=DTYPES[dtype])


def merge_trial(params: dict[str, Any], *, method: MultiMethod, base_dir: str, models: dict[str, str],
                batches: list, dtype: str, seed: int) -> None:
    """A Tune function trainable: one merge, one score."""
    from ray import tune

    merged = merge_in_memory(method, base_dir, models, params, dtype, seed)
    model = model_from_state_dict(base_dir, merged, dtype)
    del merged
    tune.report({"score": val_score(model, batches)})


def search_space(method: MultiMethod, corpora: list[str], density: tuple[float, float],
                 weight: tuple[float, float]) -> dict[str, Any]:
    from ray import tune

    space: dict[str, Any] = {}
    if "density" in method.searched:
        space["density"] = tune.uniform(*density)
    if "weight" in method.searched:
        space["weight"] = {c: tune.uniform(*weight) for c in corpora}
    return space


def run_search(method: MultiMethod, base_dir: str, models: dict[str, str], batches: list, *,
               density: tuple[float, float], weight: tuple[float, float], samples: int,
               max_concurrent: int, dtype: str, seed: int, storage: Path) -> list[dict[str, Any]]:
    """Run the search; return one row per trial in creation order (the ResultGrid's order)."""
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    trainable = tune.with_parameters(merge_trial, method=method, base_dir=base_dir, models=models,
                                     batches=batches, dtype=dtype, seed=seed)
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space=search_space(method, sorted(models), density, weight),
        tune_config=tune.TuneConfig(
            metric="score", mode="max", num_samples=samples, max_concurrent_trials=max_concurrent,
            search_alg=OptunaSearch(seed=seed),
        ),
        run_config=tune.RunConfig(name="search", storage_path=str(storage), verbose=1),
    )
    grid = tuner.fit()
    rows = []
    for i, result in enumerate(grid):
        metrics = result.metrics or {}  # a trial that failed before reporting has none
        rows.append({
            "trial": i,
            "trial_id": metrics.get("trial_id"),
            "params": _plain(result.config),
            "score": metrics.get("score"),
            "error": None if result.error is None else f"{type(result.error).__name__}: {result.error}",
            "path": result.path,
        })
    return rows


def best_trial(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in rows if r["score"] is not None]
    if not scored:
        errors = "; ".join(sorted({r["error"] or "no score reported" for r in rows}))
        raise RuntimeError(f"every merge trial failed: {errors}")
    return max(scored, key=lambda r: r["score"])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return float(value) if isinstance(value, (int, float)) else value
