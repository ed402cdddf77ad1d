"""What the experts and align stages share: the Ray Train loop, DeepSpeed setup, checkpoints.

train_causal_lm() runs a Ray Train TorchTrainer whose workers train with DeepSpeed ZeRO
(configs/deepspeed/*.json, "auto" values filled from the TrainingConfig) or plain torch DDP,
checkpoint through ray.train.report (a restarted run resumes), and export an HF directory.
Names load on first use, so the strategies and DeepSpeed helpers import without Ray.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "plan_steps": "mediphi.training.causal_lm",
    "train_causal_lm": "mediphi.training.causal_lm",
    "deepspeed_config": "mediphi.training.deepspeed_config",
    "fill_deepspeed_config": "mediphi.training.deepspeed_config",
    "model_flops_per_token": "mediphi.training.flops",
    "load_deepspeed_config": "mediphi.training.deepspeed_config",
    "resolve_deepspeed_path": "mediphi.training.deepspeed_config",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mediphi.training' has no attribute '{name}'")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
