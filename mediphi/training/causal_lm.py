"""Train a causal LM on packed token rows with Ray Train (DeepSpeed ZeRO or DDP); export HF.

    result = train_causal_lm(model_path, train_dir, out_dir, cfg, name="pubmed-phase1",
                             storage_path=run_dir / "experts" / "ray_train")

`name` and `storage_path` identify the Ray Train run: call again with the same pair after a
crash and training continues from the last checkpoint instead of from step 0.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import ray
import ray.train
from ray.data import ExecutionOptions
from ray.train.torch import TorchTrainer

from mediphi.config import ConfigError, InputError, TrainingConfig
from mediphi.datasets import read_parquet
from mediphi.training.deepspeed_config import deepspeed_config
from mediphi.training.loop import train_loop_per_worker

log = logging.getLogger("mediphi.training")


def train_causal_lm(model_path: str, train_dir: str | Path, out_dir: str | Path, cfg: TrainingConfig,
                    name: str, storage_path: str | Path, card: dict[str, Any] | None = None,
                    field: str = "training", kill_at_step: int | None = None,
                    val_dir: str | Path | None = None) -> dict[str, Any]:
    """Train `model_path` on `train_dir` (Parquet, input_ids list<int32> of cfg.seq_len tokens, and
    labels and position_ids where the packer wrote them).

    Returns {"metrics": {steps, tokens, first_loss, final_loss, loss_curve, tokens_per_s, ...},
    "model_dir": out_dir}. `field` names the config section in error messages.
    `val_dir`: packed rows like train_dir's, never trained on: the validation loss is measured on the
    first cfg.eval_rows of them at step 0, every cfg.eval_every steps and at the last step
    (metrics val_curve [[step, loss]...] and val_loss, the last one).
    `kill_at_step`: a fault drill. The rank-0 worker SIGKILLs itself once, on reaching that step
    (a lost node, as Ray sees it); Ray Train restarts the group (cfg.max_failures) and training
    resumes from the last checkpoint.
    """
    train_dir, out_dir = Path(train_dir).resolve(), Path(out_dir).resolve()
    check_row_length(train_dir, cfg.seq_len, field)
    if val_dir is not None and cfg.eval_rows:
        val_dir = Path(val_dir).resolve()
        if any(val_dir.rglob("*.parquet")):
            check_row_length(val_dir, cfg.seq_len, field)
        else:
            log.warning("[%s] no validation rows in %s: no validation loss", name, val_dir)
            val_dir = None
    # Read before training starts: the workers may hold every CPU of a small cluster, and a
    # streaming read would then wait forever for one. A materialized dataset splits without tasks.
    dataset = read_parquet(train_dir).materialize()
    total_steps = plan_steps(dataset.count(), cfg, field)
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config={
            "name": name,
            "model_path": str(model_path),
            "training": cfg.model_dump(mode="json"),
            # Filled here, not on the workers: they run in Ray's trial dir, not the cwd.
            "deepspeed": deepspeed_config(cfg, cfg.num_workers, f"{field}.deepspeed"),
            "total_steps": total_steps,
            "out_dir": str(out_dir),
            "val_dir": str(val_dir) if val_dir is not None and cfg.eval_rows else None,
            "kill_at_step": kill_at_step,
            "fault_marker": str(Path(storage_path).resolve() / name / ".fault-drill-done"),
            "card": {"title": name, "init": str(model_path), "train_data": str(train_dir),
                     "learning_rate": cfg.learning_rate, **(card or {})},
        },
        scaling_config=ray.train.ScalingConfig(num_workers=cfg.num_workers, use_gpu=cfg.use_gpu,
                                               resources_per_worker={"CPU": cfg.cpus_per_worker}),
        run_config=ray.train.RunConfig(
            name=name, storage_path=str(Path(storage_path).resolve()),
            # Only the latest checkpoint matters for resuming; optimizer state is 3x the model.
            checkpoint_config=ray.train.CheckpointConfig(num_to_keep=1),
            failure_config=ray.train.FailureConfig(max_failures=cfg.max_failures),
        ),
        datasets={"train": dataset},
        # Rows reach each worker in the same order on every attempt: a resumed run skips exactly
        # the micro batches it already trained on and sees the ones after them.
        dataset_config=ray.train.DataConfig(execution_options=ExecutionOptions(preserve_order=True)),
    )
    log.info("[%s] training %d steps on %s (%s)", name, total_steps, train_dir.name,
             "DeepSpeed" if cfg.deepspeed else "DDP")
    result = trainer.fit()
    return {"metrics": dict(result.metrics), "model_dir": str(out_dir)}


def plan_steps(rows: int, cfg: TrainingConfig, field: str = "training") -> int:
    """Optimizer steps to run: max_steps when set, else the epochs over each worker's equal shard."""
    micro_per_epoch = rows // cfg.num_workers // cfg.micro_batch_size
    if micro_per_epoch == 0:
        raise ConfigError(
            f"{field}: {rows} training rows are fewer than num_workers x micro_batch_size "
            f"({cfg.num_workers} x {cfg.micro_batch_size}): lower them or produce more data")
    if cfg.max_steps > 0:
        return cfg.max_steps
    return max(1, math.ceil(cfg.epochs * micro_per_epoch / cfg.grad_accum))


def check_row_length(train_dir: Path, seq_len: int, field: str = "training") -> None:
    """Packed rows must be exactly seq_len tokens: checked on the first row found."""
    files = sorted(train_dir.rglob("*.parquet"))
    if not files:
        raise InputError(f"{train_dir}: no Parquet files to train on")
    for f in files:
        parquet = pq.ParquetFile(f)
        if parquet.metadata.num_rows:
            length = len(parquet.read_row_group(0, columns=["input_ids"]).column(0)[0])
            if length != seq_len:
                raise ConfigError(f"{field}.seq_len: {seq_len}, but the rows in {train_dir} have "
                                  f"{length} tokens (set it to the packing length)")
            return
