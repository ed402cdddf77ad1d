"""The per-worker causal-LM training loop run by Ray Train: setup, resume, train, export."""
from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ray.train
import torch
import torch.distributed as dist
from transformers import AutoConfig

from mediphi.config import TrainingConfig
from mediphi.training.checkpoint import TrainerState, export_model, report_checkpoint, restore
from mediphi.training.flops import measure_peak_flops, model_flops_per_token
from mediphi.training.strategies import build_strategy

log = logging.getLogger("mediphi.training")

# What a packed row may carry for training (mediphi.pit.packing writes all three).
TRAIN_COLUMNS = ("input_ids", "labels", "position_ids")


def train_loop_per_worker(config: dict[str, Any]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    cfg = TrainingConfig.model_validate(config["training"])
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    total_steps = config["total_steps"]

    # -- setup: model, optimizer, and where an interrupted run left off
    t_setup = time.perf_counter()
    torch.manual_seed(cfg.seed)
    strategy = build_strategy(config["model_path"], cfg, config["deepspeed"], total_steps)
    state = restore(strategy)
    setup_s = time.perf_counter() - t_setup
    if rank == 0:
        log.info("[%s] %s on %d worker(s): step %d of %d (setup %.1fs)", config["name"], strategy.name,
                 world, state.step, total_steps, setup_s)

    # -- train: optimizer steps until total_steps, epoch after epoch over this worker's shard
    batches = micro_batches(ray.train.get_dataset_shard("train"), cfg.micro_batch_size, strategy.device,
                            skip=state.step * cfg.grad_accum)
    start_step, start_tokens, window = state.step, state.tokens, []
    val = validation_batches(config.get("val_dir"), cfg.eval_rows, cfg.micro_batch_size, strategy.device)

    val_s = 0.0  # validation passes are not training: MFU leaves their time out

    def validate() -> None:
        nonlocal val_s
        t0 = time.perf_counter()
        state.val_curve.append([state.step, validation_loss(strategy, val)])
        val_s += time.perf_counter() - t0
        if rank == 0:
            log.info("[%s] step %d/%d validation loss %.4f (%d rows)", config["name"], state.step, total_steps,
                     state.val_curve[-1][1], sum(len(b["input_ids"]) for b in val))

    if val and state.step == 0:
        validate()  # where the curve starts: the model before this phase
    t_train = time.perf_counter()
    val_s = 0.0  # from here on: the validation time inside the training window

    def metrics(peak_flops: float | None = None) -> dict[str, Any]:
        return summary(state, strategy.name, world, setup_s, time.perf_counter() - t_train,
                       state.step - start_step, state.tokens - start_tokens, val_s=val_s,
                       flops_per_token=flops_per_token, peak_flops=peak_flops)

    flops_per_token = model_flops_per_token(AutoConfig.from_pretrained(config["model_path"]), cfg.seq_len)

    while state.step < total_steps:
        batch = next(batches)
        loss, boundary = strategy.micro_step(batch)
        window.append(loss)
        if not boundary:
            continue
        state.step += 1
        state.tokens += batch["input_ids"].numel() * cfg.grad_accum * world
        state.loss_curve.append(mean_over_workers(torch.stack(window).mean(), world))
        stats = strategy.step_stats()
        state.lr_curve.append(stats["lr"])
        state.grad_norm_curve.append(None if stats["grad_norm"] is None else round(stats["grad_norm"], 6))
        window = []
        if rank == 0:
            log.info("[%s] step %d/%d loss %.4f lr %.3g grad norm %s tokens/s %.0f", config["name"], state.step,
                     total_steps, state.loss_curve[-1], stats["lr"],
                     "-" if stats["grad_norm"] is None else f"{stats['grad_norm']:.3f}",
                     (state.tokens - start_tokens) / max(time.perf_counter() - t_train, 1e-9))
        if val and (state.step == total_steps or (cfg.eval_every and state.step % cfg.eval_every == 0)):
            validate()  # before the checkpoint: a resumed run keeps the points it measured
        if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and state.step < total_steps:
            report_checkpoint(strategy, state, metrics(), rank)
        if state.step == config.get("kill_at_step") and rank == 0:
            fault_drill(Path(config["fault_marker"]))

    # -- save: the HF model first, then the final checkpoint whose metrics the driver returns
    final = metrics(peak_flops=cluster_peak_flops(cfg, strategy.device, world))
    card = {**config["card"], "steps": state.step, "final_loss": final["final_loss"],
            "strategy": strategy.name, "world_size": world}
    export_model(strategy, rank, config["model_path"], config["out_dir"], card)
    report_checkpoint(strategy, state, final, rank)


def fault_drill(marker: Path) -> None:
    """SIGKILL this worker, once per run (the marker says it happened): what a lost node looks like.

    It dies a few seconds after its step, not at once: Ray Train's controller learns of a reported
    checkpoint when it next polls the workers (RAY_TRAIN_HEALTH_CHECK_INTERVAL_S, 2 s), so a
    worker that dies within that window resumes from the checkpoint before (as a real one would)."""
    if marker.exists():
        return
    time.sleep(2.5 * float(os.environ.get("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", "2.0")))
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("killed\n")
    log.warning("fault drill: SIGKILL of this training worker (pid %d)", os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)


def micro_batches(shard, batch_size: int, device: torch.device, skip: int = 0) -> Iterator[dict[str, torch.Tensor]]:
    """Endless micro batches of [batch, seq_len] tensors (input_ids, and labels and position_ids
    where the packed rows carry them), one epoch after another; `skip` resumes mid-run."""
    seen = 0
    columns = None
    while True:
        yielded = 0
        # Packed rows all have seq_len tokens: plain [batch, seq_len] tensors.
        for batch in shard.iter_torch_batches(batch_size=batch_size, dtypes=torch.int64, device=device,
                                              drop_last=True):
            yielded += 1
            seen += 1
            columns = columns or [c for c in TRAIN_COLUMNS if c in batch]
            if seen > skip:
                yield {c: batch[c] for c in columns}
        if yielded == 0:
            raise ValueError(f"a worker's data shard has fewer than micro_batch_size={batch_size} rows: "
                             f"use fewer workers, a smaller micro batch, or more data")


def validation_batches(val_dir: str | None, rows: int, batch_size: int,
                       device: torch.device) -> list[dict[str, torch.Tensor]]:
    """The first `rows` packed validation rows as micro batches, the same on every worker and at every
    measurement (read with pyarrow: a few dozen rows, not a dataset to shard). [] without any."""
    import pyarrow.parquet as pq

    if not val_dir or not rows or not any(Path(val_dir).rglob("*.parquet")):
        return []
    table = pq.read_table(val_dir)
    columns = [c for c in TRAIN_COLUMNS if c in table.column_names]
    table = table.select(columns).slice(0, rows)
    tensors = {c: torch.tensor(table.column(c).to_pylist(), dtype=torch.int64) for c in columns}
    return [{c: t[i:i + batch_size].to(device) for c, t in tensors.items()}
            for i in range(0, table.num_rows, batch_size)]


def validation_loss(strategy, batches: list[dict[str, torch.Tensor]]) -> float:
    """Mean loss per label token over the validation rows (as the training loss, without a step)."""
    total, tokens = 0.0, 0
    for batch in batches:
        loss_sum, n = strategy.eval_loss(batch)
        total, tokens = total + loss_sum, tokens + n
    return round(total / max(tokens, 1), 6)


def mean_over_workers(value: torch.Tensor, world: int) -> float:
    if world > 1 and dist.is_initialized():
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= world
    return round(float(value), 6)


def cluster_peak_flops(cfg: TrainingConfig, device: torch.device, world: int) -> float:
    """The workers' matmul peak in the training dtype, summed: each measures at the same moment
    (workers on one node share its cores, as they did while training)."""
    size = 4096 if device.type == "cuda" else 1024
    peak = torch.tensor(measure_peak_flops(getattr(torch, cfg.dtype), seconds=1.0, size=size, device=device),
                        dtype=torch.float64, device=device)
    if world > 1 and dist.is_initialized():
        dist.all_reduce(peak, op=dist.ReduceOp.SUM)
    return float(peak)


def summary(state: TrainerState, strategy: str, world: int, setup_s: float, train_s: float,
            steps_this_run: int, tokens_this_run: int, val_s: float = 0.0, flops_per_token: float | None = None,
            peak_flops: float | None = None) -> dict[str, Any]:
    """The phase's metrics. MFU (PaLM's model FLOPs utilization, mediphi.training.flops) counts the
    training time only (validation passes left out) against the workers' measured matmul peak;
    None until that peak is measured, at the end of the phase."""
    curve = state.loss_curve
    step_s = train_s - val_s
    model_flops_per_s = (tokens_this_run * flops_per_token / step_s
                         if steps_this_run and flops_per_token and step_s > 0 else None)
    return {
        "steps": state.step,
        "tokens": state.tokens,
        "first_loss": curve[0] if curve else None,
        "final_loss": curve[-1] if curve else None,
        "loss_curve": curve,
        "lr_curve": state.lr_curve,
        "grad_norm_curve": state.grad_norm_curve,
        "val_curve": state.val_curve,
        "val_loss": state.val_curve[-1][1] if state.val_curve else None,
        "steps_this_run": steps_this_run,
        "setup_s": round(setup_s, 3),
        "train_s": round(train_s, 3),
        "tokens_per_s": round(tokens_this_run / train_s, 1) if steps_this_run else None,
        "val_s": round(val_s, 3),
        "model_flops_per_token": flops_per_token,
        "model_flops_per_s": model_flops_per_s,
        "peak_flops": peak_flops,
        "mfu": round(model_flops_per_s / peak_flops, 4) if model_flops_per_s and peak_flops else None,
        "strategy": strategy,
        "world_size": world,
    }
