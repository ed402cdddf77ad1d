"""Checkpoints through Ray Train, and the final export as an HF directory.

A checkpoint is the strategy's own files (DeepSpeed's ZeRO shards or a DDP state dict) plus
trainer_state.json (step, loss curve, tokens). It is reported with `ray.train.report`, which
stores it under RunConfig(storage_path, name); a restarted run with the same name gets it back
from `ray.train.get_checkpoint()` and continues from that step.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ray.train

from mediphi.runs import strict_json

STATE_FILE = "trainer_state.json"


@dataclass
class TrainerState:
    step: int = 0  # optimizer steps done
    tokens: int = 0  # tokens trained on, all workers
    loss_curve: list[float] = field(default_factory=list)  # mean loss of each optimizer step
    lr_curve: list[float] = field(default_factory=list)  # learning rate of each step
    grad_norm_curve: list[float | None] = field(default_factory=list)  # gradient norm before clipping
    val_curve: list[list[float]] = field(default_factory=list)  # [optimizer step, validation loss]

    def write(self, directory: Path) -> None:
        # Strict JSON: a diverged step's NaN loss is written as null, readable everywhere.
        (Path(directory) / STATE_FILE).write_text(strict_json(asdict(self)))

    @classmethod
    def read(cls, directory: Path) -> "TrainerState":
        return cls(**json.loads((Path(directory) / STATE_FILE).read_text()))


def restore(strategy) -> TrainerState:
    """Load the run's latest checkpoint into `strategy`; a fresh state when there is none."""
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is None:
        return TrainerState()
    with checkpoint.as_directory() as d:
        strategy.load(Path(d))
        return TrainerState.read(Path(d))


def report_checkpoint(strategy, state: TrainerState, metrics: dict[str, Any], rank: int) -> None:
    """Save and report a checkpoint: a barrier every worker must reach."""
    with tempfile.TemporaryDirectory(prefix="mediphi-ckpt-", ignore_cleanup_errors=True) as d:
        strategy.save(Path(d))
        if rank == 0:
            state.write(Path(d))
        checkpoint = ray.train.Checkpoint.from_directory(d) if strategy.reports_checkpoint(rank) else None
        ray.train.report(metrics, checkpoint=checkpoint)


def export_model(strategy, rank: int, model_path: str, out_dir: str, card: dict[str, Any]) -> None:
    """Rank 0 writes the trained model as an HF directory (every rank must call: ZeRO-3 gathers)."""
    from mediphi.models import load_tokenizer, save_model

    with strategy.full_model() as module:
        if rank == 0:
            save_model(module, load_tokenizer(model_path), out_dir, card)
