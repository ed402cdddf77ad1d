"""experts: one pre-instruction-tuned expert per corpus, trained with Ray Train + DeepSpeed.

Per corpus (after Jiang et al. 2024, as MediPhi applies it):
  phase1   the base model trained on the corpus's PIT task data       -> <corpus>/phase1/
  phase2   the phase-1 model trained on task data + raw documents     -> <corpus>/expert/
Each phase is one Ray Train `TorchTrainer` (mediphi.training: DeepSpeed ZeRO inside the loop,
checkpoints through ray.train.report). Up to experts.max_concurrent corpora train side by side:
each expert's trainer asks the cluster for its own workers, so on an autoscaling cluster every
expert gets its own GPU node(s) and the experts train in parallel.

Resume: a finished phase is marked done and skipped on a rerun; an unfinished one restarts from
its last Ray Train checkpoint (same run name and storage path).
Validation: where pit packed val-split documents for a corpus (pit outputs "val"), both phases
measure the loss on them at step 0, every eval_every steps and at the end (metrics val_curve).
Outputs: experts {corpus: HF dir}, phase1 {corpus: HF dir}, loss_curves.png (training loss per
step, validation loss as markers), and tracking (the MLflow run of each phase that trained:
mediphi.training.tracking).
"""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mediphi.cluster import connect
from mediphi.config import ConfigError, RunConfig, TrainingConfig
from mediphi.runs import MissingInputError, RunDir, StageContext, StageDef, execute
from mediphi.training import tracking

STAGE = StageDef("experts", sections=("model", "experts"), inputs=("pit",))

PHASES = ("phase1", "phase2")
MODEL_DIRS = {"phase1": "phase1", "phase2": "expert"}


def run(config: RunConfig, run_dir: RunDir | str, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def select_corpora(wanted: list[str] | None, available: list[str]) -> list[str]:
    """experts.corpora, checked against what pit produced; None means every corpus."""
    if wanted is None:
        return sorted(available)
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise ConfigError(f"experts.corpora: no PIT data for {', '.join(unknown)} "
                          f"(pit has: {', '.join(sorted(available)) or 'none'}); fix the name or add the corpus "
                          "to prepare.corpora")
    return sorted(dict.fromkeys(wanted))


def _body(ctx: StageContext) -> dict[str, Any]:
    from mediphi.models import base_model

    cfg = ctx.config.experts
    data = {phase: ctx.input("pit", phase) for phase in PHASES}
    try:
        val = ctx.input("pit", "val")
    except MissingInputError:  # a pit run from before validation rows: no validation loss
        val = {}
    corpora = select_corpora(cfg.corpora, list(data["phase1"]))
    if not corpora:
        raise ConfigError("experts: pit produced no corpus to train an expert on")
    base = base_model(ctx.config)
    connect(ctx.config)
    ctx.log.info("[experts] %d expert(s) (%s), %d at a time", len(corpora), ", ".join(corpora),
                 min(cfg.max_concurrent, len(corpora)))

    def one(corpus: str) -> dict[str, Any]:
        return train_expert(ctx, corpus, base, {p: data[p][corpus] for p in PHASES}, val.get(corpus))

    # Threads only wait on Ray: each trainer's workers run in their own processes on the cluster.
    with ThreadPoolExecutor(max_workers=min(cfg.max_concurrent, len(corpora)),
                            thread_name_prefix="expert") as pool:
        results = dict(zip(corpora, pool.map(one, corpora)))

    outputs: dict[str, Any] = {
        "experts": {c: r["phase2"]["model_dir"] for c, r in results.items()},
        "phase1": {c: r["phase1"]["model_dir"] for c, r in results.items() if r["phase1"]["model_dir"]},
    }
    metrics = {c: {p: _brief(r[p]["metrics"]) for p in PHASES} for c, r in results.items()}
    outputs["loss_curves"] = plot_losses(results, ctx.out / "loss_curves.png")
    record = tracking.stage_record(ctx, {f"{c}/{p}": r[p].get("mlflow_run_id") for c, r in results.items()
                                         for p in PHASES if "skipped" not in r[p]["metrics"]})
    if record:
        outputs["tracking"] = record
    return {"metrics": metrics, "outputs": outputs}


def train_expert(ctx: StageContext, corpus: str, base: str, data: dict[str, str],
                 val_dir: str | None = None) -> dict[str, Any]:
    from mediphi.training import train_causal_lm

    cfg = ctx.config.experts
    start, results = base, {}
    for phase in PHASES:
        key = f"{corpus}.{phase}"
        train: TrainingConfig = getattr(cfg, phase)
        if ctx.is_done(key):
            ctx.log.info("[experts] %s: done in an earlier attempt, kept", key)
            results[phase] = ctx.done_info(key)
        elif phase == "phase1" and count_rows(data[phase]) == 0:
            # A weak teacher can leave a corpus without usable task data; the documents of
            # phase 2 still teach the expert, so the run goes on without phase 1.
            ctx.log.warning("[experts] %s: no PIT task data (see pit's quarantine): phase 1 skipped, "
                            "phase 2 starts from the base model", corpus)
            results[phase] = {"model_dir": None, "metrics": {"skipped": "no task data"}}
            ctx.mark_done(key, results[phase])
        else:
            out_dir = ctx.out / corpus / MODEL_DIRS[phase]
            card = {"title": f"expert-{corpus} ({phase})", "role": "expert" if phase == "phase2" else "pit-phase1",
                    "corpus": corpus, "phase": phase, "base": base,
                    "description": ("PIT phase 1: task data only" if phase == "phase1" else
                                    "PIT phase 2: task data + raw documents, from the phase-1 model")}
            with ctx.timed(key):  # each thread writes its own key
                result = train_causal_lm(start, data[phase], out_dir, train, name=f"{corpus}-{phase}",
                                         storage_path=ctx.out / "ray_train", card=card,
                                         field=f"experts.{phase}", val_dir=val_dir)
            # Logged before the done marker: a phase is logged when it trained, and a rerun that
            # skips it (marked done) logs nothing.
            run_id = tracking.log_stage_phase(
                ctx, f"experts/{corpus}/{phase}", training=train, metrics=result["metrics"],
                tags={"corpus": corpus, "phase": phase, "model_path": result["model_dir"], "start_model": start})
            results[phase] = {"model_dir": result["model_dir"], "metrics": result["metrics"], "mlflow_run_id": run_id}
            ctx.mark_done(key, results[phase])
            # The exported model is what is kept; the checkpoint (optimizer state: 3x the model) is spent.
            shutil.rmtree(ctx.out / "ray_train" / f"{corpus}-{phase}", ignore_errors=True)
            m = result["metrics"]
            ctx.log.info("[experts] %s: %d steps, loss %.4f -> %.4f%s%s", key, m.get("steps", 0),
                         m.get("first_loss") or float("nan"), m.get("final_loss") or float("nan"),
                         "" if not m.get("val_curve") else
                         f", validation loss {m['val_curve'][0][1]:.4f} -> {m['val_curve'][-1][1]:.4f}",
                         "" if not m.get("mfu") else f", {m['tokens_per_s']:.0f} tokens/s, MFU {m['mfu']:.0%}")
        start = results[phase]["model_dir"] or start
    return results


def count_rows(parquet_dir: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(Path(parquet_dir).rglob("*.parquet")))


def _brief(m: dict[str, Any]) -> dict[str, Any]:
    keep = ("skipped", "steps", "tokens", "first_loss", "final_loss", "loss_curve", "val_curve", "val_loss",
            "tokens_per_s", "mfu", "train_s", "setup_s", "strategy", "world_size")
    return {k: m[k] for k in keep if k in m}


def plot_losses(results: dict[str, dict[str, Any]], path: Path) -> str:
    """Training loss per optimizer step, phase 1 then phase 2, one line per expert; the validation
    loss (val-split documents) as larger markers of the same colour where it was measured."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    for corpus, r in sorted(results.items()):
        c1 = r["phase1"]["metrics"].get("loss_curve") or []
        c2 = r["phase2"]["metrics"].get("loss_curve") or []
        line, = ax.plot(range(1, len(c1) + 1), c1, marker="o", ms=3, label=f"{corpus} phase 1")
        ax.plot(range(len(c1) + 1, len(c1) + len(c2) + 1), c2, marker="s", ms=3, linestyle="--",
                color=line.get_color(), label=f"{corpus} phase 2")
        points = [(step, v) for step, v in r["phase1"]["metrics"].get("val_curve") or []]
        points += [(len(c1) + step, v) for step, v in r["phase2"]["metrics"].get("val_curve") or []]
        if points:
            ax.plot(*zip(*points), marker="D", ms=6, linestyle=":", color=line.get_color(),
                    label=f"{corpus} validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.set_title("PIT experts: training loss")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return str(path)
