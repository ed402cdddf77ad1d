"""How a worker steps, saves, restores and exports a model: DeepSpeed ZeRO or plain DDP.

Both strategies share one interface so the training loop does not care which one runs:
  micro_step(batch) -> (loss, at_boundary)       forward + backward; optimizer step at the
                                                  gradient-accumulation boundary
  step_stats() -> {lr, grad_norm}                the optimizer step just taken
  eval_loss(batch) -> (loss sum, tokens)          no gradient, no step: validation
  save(dir) / load(dir)                          a resumable checkpoint (optimizer included)
  reports_checkpoint(rank)                       whether this rank's files belong to it
  full_model()                                   context yielding the HF module with full weights
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from mediphi.config import TrainingConfig
from mediphi.models.sources import DTYPES

CHECKPOINT_TAG = "state"  # DeepSpeed's sub-folder name inside a checkpoint directory

Batch = dict[str, torch.Tensor]  # input_ids, and labels and position_ids when the rows carry them

Schedule = Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler] | None


def lr_factor(cfg: TrainingConfig, total_steps: int) -> Callable[[int], float]:
    """The learning rate's multiplier at each optimizer step: linear warmup over warmup_steps, then
    cfg.lr_schedule: cosine decay to min_lr_ratio by the last step (transformers'
    cosine_with_min_lr), linear decay to 0, or constant. Warmup starts at 1/(warmup+1), not 0:
    the first step is not wasted."""
    warmup, floor = cfg.warmup_steps, cfg.min_lr_ratio
    decay_steps = max(1, total_steps - warmup)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        if cfg.lr_schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / decay_steps)
        if cfg.lr_schedule == "linear":
            return 1 - progress
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def lr_schedule(cfg: TrainingConfig, total_steps: int) -> Schedule:
    factor = lr_factor(cfg, total_steps)
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, factor)


def forward_kwargs(batch: Batch) -> dict[str, torch.Tensor | bool]:
    """Model inputs for one packed micro batch. Rows without labels train on every token (labels =
    input_ids); position ids that restart per text give transformers' block-causal packed mask,
    which it only builds without a KV cache, hence use_cache=False."""
    kwargs: dict[str, torch.Tensor | bool] = {"input_ids": batch["input_ids"],
                                              "labels": batch.get("labels", batch["input_ids"]),
                                              "use_cache": False}
    if "position_ids" in batch:
        kwargs["position_ids"] = batch["position_ids"]
    return kwargs


def loss_tokens(batch: Batch) -> int:
    """Tokens a batch's mean loss is taken over: the next-token labels that are not masked (-100)."""
    labels = batch.get("labels", batch["input_ids"])
    return int((labels[:, 1:] != -100).sum())


@contextlib.contextmanager
def evaluating(module: torch.nn.Module) -> Iterator[None]:
    """No gradient, dropout off, and the module's training mode as it was afterwards."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


def plain_cuda_archs() -> None:
    """DeepSpeed 0.19's JIT op builder cannot parse arch-specific names such as "9.0a", which some
    CUDA images export in TORCH_CUDA_ARCH_LIST (seen on an H200 image): building FusedAdam then
    fails. Build the fused ops for the plain arch instead (same kernels for DeepSpeed's ops)."""
    import os

    archs = os.environ.get("TORCH_CUDA_ARCH_LIST")
    if archs:
        os.environ["TORCH_CUDA_ARCH_LIST"] = ";".join(
            dict.fromkeys(a.rstrip("af") for a in archs.replace(" ", ";").split(";") if a))


class DeepSpeedStrategy:
    """ZeRO through `deepspeed.initialize`; save, load and export are collective (every rank)."""

    name = "deepspeed"

    def __init__(self, model, cfg: TrainingConfig, ds_config: dict[str, Any], total_steps: int):
        import deepspeed

        plain_cuda_archs()

        self.engine, _, _, _ = deepspeed.initialize(
            model=model,
            model_parameters=[p for p in model.parameters() if p.requires_grad],
            config=ds_config,
            lr_scheduler=lr_schedule(cfg, total_steps),
        )
        self.last_lr: float | None = None

    @property
    def device(self) -> torch.device:
        return self.engine.device

    def micro_step(self, batch: Batch) -> tuple[torch.Tensor, bool]:
        loss = self.engine(**forward_kwargs(batch)).loss
        self.engine.backward(loss)
        boundary = self.engine.is_gradient_accumulation_boundary()  # must be asked before step()
        if boundary:
            self.last_lr = float(self.engine.get_lr()[0])  # step() moves the scheduler on
        self.engine.step()
        return loss.detach().float(), boundary

    def step_stats(self) -> dict[str, float | None]:
        """The learning rate of the step just taken and its gradient norm (before clipping)."""
        norm = self.engine.get_global_grad_norm()
        return {"lr": self.last_lr, "grad_norm": None if norm is None else float(norm)}

    def eval_loss(self, batch: Batch) -> tuple[float, int]:
        # Through the engine, on every rank: under ZeRO-3 the forward gathers sharded weights.
        with evaluating(self.engine):
            loss = self.engine(**forward_kwargs(batch)).loss
        n = loss_tokens(batch)
        return float(loss) * n, n

    def save(self, path: Path) -> None:
        self.engine.save_checkpoint(str(path), tag=CHECKPOINT_TAG)

    def load(self, path: Path) -> None:
        self.engine.load_checkpoint(str(path), tag=CHECKPOINT_TAG)

    def reports_checkpoint(self, rank: int) -> bool:
        # Each ZeRO rank writes its own optimizer partition; Ray merges them into one directory.
        return True

    @contextlib.contextmanager
    def full_model(self) -> Iterator[torch.nn.Module]:
        if self.engine.zero_optimization_stage() == 3:
            import deepspeed

            # ZeRO-3 shards the weights themselves: gather them (a collective) for the export.
            params = list(self.engine.module.parameters())
            with deepspeed.zero.GatheredParameters(params, modifier_rank=None):
                yield self.engine.module
        else:
            yield self.engine.module


class DDPStrategy:
    """torch DDP via Ray's prepare_model, AdamW; mixed precision by autocast over fp32 weights."""

    name = "ddp"

    def __init__(self, model, cfg: TrainingConfig, total_steps: int):
        import ray.train.torch

        self.model = ray.train.torch.prepare_model(model)  # DDP-wrapped when world size > 1
        self.module = getattr(self.model, "module", self.model)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.learning_rate,
                                           weight_decay=cfg.weight_decay)
        self.scheduler = lr_schedule(cfg, total_steps)(self.optimizer)
        self.cfg = cfg
        self.micro_steps = 0
        self.last_lr: float | None = None
        self.last_grad_norm: float | None = None
        self.autocast_dtype = None if cfg.dtype == "float32" else DTYPES[cfg.dtype]

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def micro_step(self, batch: Batch) -> tuple[torch.Tensor, bool]:
        self.micro_steps += 1
        boundary = self.micro_steps % self.cfg.grad_accum == 0
        # Between boundaries gradients only accumulate locally: skip the all-reduce.
        sync = contextlib.nullcontext() if boundary or self.model is self.module else self.model.no_sync()
        with sync:
            with torch.autocast(self.device.type, dtype=self.autocast_dtype,
                                enabled=self.autocast_dtype is not None):
                loss = self.model(**forward_kwargs(batch)).loss
            (loss / self.cfg.grad_accum).backward()
        if boundary:
            # max_norm inf measures without clipping: the norm is logged either way.
            self.last_grad_norm = float(torch.nn.utils.clip_grad_norm_(
                self.model.parameters(), self.cfg.max_grad_norm if self.cfg.max_grad_norm > 0 else float("inf")))
            self.last_lr = self.optimizer.param_groups[0]["lr"]
            self.optimizer.step()
            if self.scheduler:
                self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
        return loss.detach().float(), boundary

    def step_stats(self) -> dict[str, float | None]:
        return {"lr": self.last_lr, "grad_norm": self.last_grad_norm}

    def eval_loss(self, batch: Batch) -> tuple[float, int]:
        # The bare module: a DDP forward outside backward would only set up gradient hooks.
        with evaluating(self.module), torch.autocast(self.device.type, dtype=self.autocast_dtype,
                                                     enabled=self.autocast_dtype is not None):
            loss = self.module(**forward_kwargs(batch)).loss
        n = loss_tokens(batch)
        return float(loss) * n, n

    def save(self, path: Path) -> None:
        torch.save({
            "model": self.module.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "micro_steps": self.micro_steps,
        }, Path(path) / "ddp_state.pt")

    def load(self, path: Path) -> None:
        state = torch.load(Path(path) / "ddp_state.pt", map_location=self.device, weights_only=True)
        self.module.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state["scheduler"]:
            self.scheduler.load_state_dict(state["scheduler"])
        self.micro_steps = state["micro_steps"]

    def reports_checkpoint(self, rank: int) -> bool:
        return rank == 0  # replicas are identical: one copy is the checkpoint

    @contextlib.contextmanager
    def full_model(self) -> Iterator[torch.nn.Module]:
        yield self.module


def build_strategy(model_path: str, cfg: TrainingConfig, ds_config: dict[str, Any] | None, total_steps: int):
    from mediphi.models import load_causal_lm

    # DeepSpeed keeps fp32 master weights itself for bf16/fp16: load in the training dtype.
    model = load_causal_lm(model_path, cfg.dtype if ds_config is not None else "float32")
    if cfg.activation_checkpointing:
        model.config.use_cache = False  # a cache is never read in training and conflicts with recompute
        model.activation_checkpointing_enable()
    if ds_config is not None:
        return DeepSpeedStrategy(model, cfg, ds_config, total_steps)
    return DDPStrategy(model, cfg, total_steps)
