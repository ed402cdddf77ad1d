"""What the experts and align stages share: the Ray Train loop, DeepSpeed setup, checkpoints.

train_causal_lm() runs a Ray Train TorchTrainer whose workers train with DeepSpeed ZeRO
(configs/deepspeed/*.json, "auto" values filled from the TrainingConfig) or plain torch DDP,
checkpoint through ray.train.report (a restarted run resumes), and export an HF directory.
"""
from mediphi.training.causal_lm import plan_steps, train_causal_lm
from mediphi.training.deepspeed_config import (
    deepspeed_config,
    fill_deepspeed_config,
    load_deepspeed_config,
    resolve_deepspeed_path,
)

__all__ = ["deepspeed_config", "fill_deepspeed_config", "load_deepspeed_config", "plan_steps",
           "resolve_deepspeed_path", "train_causal_lm"]
