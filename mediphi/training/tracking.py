"""One metrics schema for every training phase (experts, align), logged to MLflow from the driver.

Each phase that trains becomes one MLflow run, logged by the driver once the phase has finished
(never from the Ray workers), in the experiment named after the run (`run.name`):

  run name   experts/<corpus>/<phase> | align/<phase>
  params     the phase's TrainingConfig, flattened (plus what the stage adds: dpo_beta, lora.*)
  tags       stage, phase, corpus (experts), model_path, start_model, and mediphi.* bookkeeping
  per step   loss, lr, grad_norm                          step = the optimizer step
             val_loss                                     at the steps it was measured (experts:
                                                          step 0, every eval_every, the last)
  summary    first_loss, final_loss, steps, tokens, tokens_per_s, setup_s, train_s,
             final_val_loss (where a phase measures one). MFU is not measured.

The store is `tracking.uri`, by default a file store under the run directory (file:<run_dir>/mlruns).
Logging is best effort: a failure (no mlflow installed, an unreachable server) is a warning and
the stage goes on; that URI is not tried again in the same process. A phase skipped on a rerun is not logged again (it did not run), and logging
the same finished phase twice finds the first run (tag mediphi.attempt) instead of adding one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("mediphi.tracking")

PER_STEP = ("loss", "lr", "grad_norm", "val_loss")
SUMMARY = ("first_loss", "final_loss", "steps", "tokens", "tokens_per_s", "setup_s", "train_s", "final_val_loss")

# The experts' names (mediphi.training.loop.summary) first, then align's (mediphi.align.train.summarize).
_SUMMARY_SOURCES = {
    "first_loss": ("first_loss", "loss_first"),
    "final_loss": ("final_loss", "loss_last"),
    "steps": ("steps",),
    "tokens": ("tokens",),
    "tokens_per_s": ("tokens_per_s",),
    "setup_s": ("setup_s",),
    "train_s": ("train_s", "train_runtime_s"),
    "final_val_loss": ("val_loss", "eval_loss"),
    "mfu": ("mfu",),
}
_CURVES = {"loss": ("loss_curve", "losses"), "lr": ("lr_curve",), "grad_norm": ("grad_norm_curve",)}

_lock = threading.Lock()  # experts log from one thread per expert: one experiment, created once
# URIs that failed in this process: an unreachable server costs MLflow's HTTP retries (minutes with
# its defaults, MLFLOW_HTTP_REQUEST_MAX_RETRIES / _TIMEOUT) once, not once per phase.
_failed: dict[str, str] = {}


def tracking_uri(config, run_dir) -> str | None:
    """The MLflow tracking URI of a run, or None when tracking is off."""
    t = config.tracking
    if not t.mlflow:
        return None
    return t.uri if t.uri is not None else (Path(run_dir.root) / "mlruns").as_uri()


def step_series(metrics: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """loss, lr, grad_norm and val_loss as (optimizer step, value), from either stage's phase metrics.

    Experts log every optimizer step (step i+1 is curve[i]); align carries the trainer's logged
    steps in log_steps. Steps without a value (no gradient norm measured) are left out."""
    out: dict[str, list[tuple[int, float]]] = {}
    for name, sources in _CURVES.items():
        curve = next((metrics[s] for s in sources if metrics.get(s) is not None), None) or []
        steps = metrics.get("log_steps") or range(1, len(curve) + 1)
        out[name] = [(int(step), float(v)) for step, v in zip(steps, curve) if v is not None]
    # Measured at chosen steps only: [step, loss] pairs.
    out["val_loss"] = [(int(step), float(v)) for step, v in metrics.get("val_curve") or [] if v is not None]
    return out


def summary(metrics: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, sources in _SUMMARY_SOURCES.items():
        value = next((metrics[s] for s in sources if metrics.get(s) is not None), None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def flatten(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"lora": {"r": 4}} -> {"lora.r": "4"}: MLflow params are flat strings."""
    out: dict[str, str] = {}
    for k, v in params.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = json.dumps(v) if isinstance(v, (list, tuple)) else str(v)
    return out


def log_phase(uri: str | None, experiment: str, run_name: str, *, params: dict[str, Any], tags: dict[str, Any],
              metrics: dict[str, Any], attempt: str) -> str | None:
    """Log one finished training phase as an MLflow run; returns its run id.

    None when tracking is off or logging failed (a warning: the trained model is what counts).
    `attempt` identifies this training of the phase: a finished run with the same one is reused."""
    if uri is None:
        return None
    t0 = time.perf_counter()
    try:
        with _lock:
            if uri in _failed:
                raise RuntimeError(f"it failed earlier in this process ({_failed[uri]}), not tried again")
            run_id, new = _log(uri, experiment, run_name, params, tags, metrics, attempt)
    except Exception as e:  # noqa: BLE001 - any failure to log must not fail the training stage
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        hint = " (pip install mlflow-skinny)" if isinstance(e, ImportError) else ""
        _failed.setdefault(uri, reason)
        log.warning("MLflow: could not log %s to %s after %.0fs: %s%s; the phase's metrics stay in the stage's "
                    "manifest", run_name, uri, time.perf_counter() - t0, reason, hint)
        return None
    log.info("MLflow: %s %s run %s in %s (%.2fs)", run_name, "logged as" if new else "was already logged as",
             run_id, uri, time.perf_counter() - t0)
    return run_id


def _log(uri: str, experiment: str, run_name: str, params: dict[str, Any], tags: dict[str, Any],
         metrics: dict[str, Any], attempt: str) -> tuple[str, bool]:
    """(run id, whether it is new): a finished run of the same attempt is not logged twice."""
    if uri.startswith("file:"):
        # MLflow 3.x keeps the file store (what a run directory holds: plain files, no server, no
        # database) but raises unless this opt-out is set; its default, sqlite, needs SQLAlchemy
        # and builds its schema on first use (5 s here), which mlflow-skinny does not promise.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is not None:
        experiment_id = exp.experiment_id
    else:
        try:
            experiment_id = client.create_experiment(experiment)
        except MlflowException:  # another process created it meanwhile
            experiment_id = client.get_experiment_by_name(experiment).experiment_id
    done = client.search_runs([experiment_id], max_results=1, filter_string=(
        f"tags.`mediphi.attempt` = '{attempt}' and attributes.status = 'FINISHED'"))
    if done:
        return done[0].info.run_id, False

    run = client.create_run(experiment_id, run_name=run_name,
                            tags={**{k: str(v) for k, v in tags.items() if v is not None},
                                  "mediphi.attempt": attempt})
    run_id = run.info.run_id
    try:
        now = int(time.time() * 1000)
        points = [Metric(name, v, now, step) for name, series in step_series(metrics).items() for step, v in series]
        points += [Metric(name, v, now, 0) for name, v in summary(metrics).items()]
        values = [Param(k, v[:6000]) for k, v in flatten(params).items()]
        for chunk in _chunks(points, 1000):  # MLflow's log_batch limits
            client.log_batch(run_id, metrics=chunk)
        for chunk in _chunks(values, 100):
            client.log_batch(run_id, params=chunk)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        try:
            client.set_terminated(run_id, "FAILED")
        except Exception:  # noqa: BLE001 - the first error is the one reported
            pass
        raise
    return run_id, True


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ----------------------------------------------------------------------------- stage helpers
def log_stage_phase(ctx, run_name: str, *, training, metrics: dict[str, Any], tags: dict[str, Any],
                    extra_params: dict[str, Any] | None = None) -> str | None:
    """log_phase for a phase a stage (ctx: mediphi.runs.StageContext) has just trained."""
    uri = tracking_uri(ctx.config, ctx.run_dir)
    if uri is None:
        return None
    manifest = ctx.run_dir.read_manifest(ctx.stage.name) or {}
    attempt = hashlib.sha256(json.dumps(
        {"run": run_name, "fingerprint": manifest.get("fingerprint"), "metrics": metrics},
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    params = {**training.model_dump(mode="json"), **(extra_params or {})}
    tags = {"stage": ctx.stage.name, **tags, "mediphi.fingerprint": manifest.get("fingerprint"),
            "mediphi.run_dir": str(ctx.run_dir.root)}
    return log_phase(uri, ctx.config.run.name, run_name, params=params, tags=tags, metrics=metrics,
                     attempt=attempt)


def stage_record(ctx, runs: dict[str, str | None]) -> dict[str, Any] | None:
    """What a stage's manifest outputs record under "tracking": where its phases' runs are."""
    uri = tracking_uri(ctx.config, ctx.run_dir)
    if uri is None:
        return None
    return {"mlflow_uri": uri, "experiment": ctx.config.run.name, "runs": runs}

