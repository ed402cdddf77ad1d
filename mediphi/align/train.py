"""TRL trainers (SFT, DPO) run data-parallel inside Ray Train V2.

The driver builds one `TorchTrainer` per phase; every worker loads the start model, reads the
phase's conversational Parquet, and runs the TRL trainer. Ray Train has already set up the
process group and RANK / WORLD_SIZE / LOCAL_RANK, so accelerate (under the HF Trainer) joins it:
each rank sees its share of the data and gradients are all-reduced. Rank 0 then writes the
trained model as an HF directory into the run's one Ray checkpoint, reported with the phase's
metrics (Ray Train V2 keeps a run's metrics only with a checkpoint); the driver publishes it.

Every `checkpoint_every` optimizer steps the HF Trainer writes its own checkpoint (weights,
optimizer, scheduler, trainer state with the log history, each rank's RNG state) and every rank
reports its part to Ray Train. A worker group that loses a worker is restarted by Ray Train
(`max_failures`) and the HF Trainer resumes from the last of those checkpoints, skipping the
batches it already trained on; a stage rerun after a crash (same fingerprint) resumes the same
way. A finished phase is never rerun.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediphi.config import AlignLora, ConfigError, TrainingConfig



@dataclass(frozen=True)
class Phase:
    """One TRL method, as data: its config and trainer classes, and what to keep from its logs."""

    name: str
    config_cls: str  # class names in `trl`
    trainer_cls: str
    logged: tuple[str, ...]  # logged metrics whose last value is reported
    frozen_reference: bool  # the trainer compares against a frozen copy of the start model


PHASES: dict[str, Phase] = {
    "sft": Phase("sft", "SFTConfig", "SFTTrainer", ("mean_token_accuracy", "entropy"), False),
    "dpo": Phase("dpo", "DPOConfig", "DPOTrainer",
                 ("rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                  "logps/chosen", "logps/rejected"), True),
}

MODEL_DIR = "model"  # the exported HF directory inside the Ray checkpoint


# ----------------------------------------------------------------------------- driver side
def deepspeed_config(spec: str | None, field: str = "align.deepspeed") -> dict[str, Any] | None:
    """The DeepSpeed JSON as a dict (workers may run elsewhere, so no path travels); the HF
    Trainer fills its "auto" values from the training arguments."""
    if spec is None:
        return None
    from mediphi.training import load_deepspeed_config

    ds = load_deepspeed_config(spec, field)
    if ds.get("zero_optimization", {}).get("stage", 0) >= 3:
        # Rank 0 exports its own copy of the weights; under ZeRO-3 it holds only a shard.
        raise ConfigError(f"{field}: {spec}: align exports full weights from rank 0; use ZeRO stage 0-2, not 3")
    return ds


def fit(phase: str, *, model: str, data: Path, train: TrainingConfig, lora: AlignLora, model_dtype: str,
        card: dict[str, Any], storage: Path, extra_args: dict[str, Any] | None = None, resume: bool = False,
        kill_at_step: int | None = None):
    """Train one phase on `train.num_workers` Ray Train workers; returns (metrics, checkpoint).

    `resume`: continue from the last checkpoint an earlier attempt of this phase left in `storage`
    (the stage's rerun after a crash); otherwise start at step 0. `kill_at_step`: a fault drill, as
    in mediphi.training.train_causal_lm (rank 0 SIGKILLs itself once, on reaching that step)."""
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    if train.dtype == "float16" and not train.use_gpu:
        raise ConfigError(f"align.{phase}.dtype float16 needs use_gpu: true (CPU: float32 or bfloat16)")
    storage = Path(storage).resolve()
    # A fresh Ray Train run: nothing to resume from. Also when the crash came after the final report:
    # that checkpoint is the export (no optimizer state), and the phase trains again from step 0.
    if not resume or any((storage / phase).glob(f"{phase}-final")):
        shutil.rmtree(storage / phase, ignore_errors=True)
    config = worker_config(phase, model=model, data=data, train=train, lora=lora, model_dtype=model_dtype,
                           card=card, extra_args=extra_args)
    config.update(kill_at_step=kill_at_step, fault_marker=str(storage / phase / ".fault-drill-done"))
    trainer = TorchTrainer(
        train_worker,
        train_loop_config=config,
        scaling_config=ScalingConfig(num_workers=train.num_workers, use_gpu=train.use_gpu,
                                     resources_per_worker={"CPU": train.cpus_per_worker}),
        run_config=RunConfig(name=phase, storage_path=str(storage),
                             # Only the latest checkpoint matters for resuming; the final one is the model.
                             checkpoint_config=CheckpointConfig(num_to_keep=1),
                             failure_config=FailureConfig(max_failures=train.max_failures),
                             # Train V2 routes print() through its logger and tees it to stdout:
                             # step logs came out twice, and the bytecode dill captures while
                             # `datasets` fingerprints TRL's map functions leaked into the log.
                             worker_runtime_env={"env_vars": {"RAY_TRAIN_ENABLE_PRINT_PATCH": "0"}}),
    )
    result = trainer.fit()
    if result.checkpoint is None:
        raise RuntimeError(f"{phase}: the Ray Train run ended without the exported model checkpoint")
    return dict(result.metrics), result.checkpoint


def worker_config(phase: str, *, model: str, data: Path, train: TrainingConfig, lora: AlignLora,
                  model_dtype: str, card: dict[str, Any], extra_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """What every worker gets: plain data, so it pickles to any node."""
    return {
        "phase": phase,
        "model": model,
        "data": str(data),
        "train": train.model_dump(mode="json"),
        "deepspeed": deepspeed_config(train.deepspeed, f"align.{phase}.deepspeed"),
        "lora": lora.model_dump(mode="json") if lora.enabled else None,
        "model_dtype": model_dtype,
        "card": card,
        "extra_args": extra_args or {},
    }


def publish(checkpoint, dest: Path) -> Path:
    """Move the exported model out of the Ray checkpoint (a rename on the same filesystem); the last
    rename makes it appear whole or not at all. The Ray run's storage is spent afterwards."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with checkpoint.as_directory() as d:
        shutil.move(str(Path(d) / MODEL_DIR), tmp)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest


# ----------------------------------------------------------------------------- worker side
def train_worker(cfg: dict[str, Any]) -> None:
    """Runs on every Ray Train worker: load, train with TRL, rank 0 exports the model."""
    import ray.train
    import torch.distributed as dist
    from datasets import Dataset
    from ray.train import Checkpoint

    from mediphi.models import load_causal_lm, load_tokenizer, save_model

    t_setup = time.perf_counter()
    phase = PHASES[cfg["phase"]]
    context = ray.train.get_context()
    tokenizer = load_tokenizer(cfg["model"])
    model = load_causal_lm(cfg["model"], cfg["model_dtype"])
    dataset = Dataset.from_parquet(cfg["data"])
    output_dir = tempfile.mkdtemp(prefix=f"mediphi-{phase.name}-")  # HF's scratch: checkpoints on their way to Ray
    try:
        trainer = build_trainer(phase, cfg, model, tokenizer, dataset, output_dir)
        trainer.add_callback(ray_checkpoints(phase.name, context.get_world_rank(), cfg.get("kill_at_step"),
                                            cfg.get("fault_marker")))
        setup_s = time.perf_counter() - t_setup  # model, reference model and data loaded, TRL set up
        resumed_from = 0
        last = ray.train.get_checkpoint()
        if last is None:
            trainer.train()
        else:
            # The HF Trainer reads weights, optimizer, scheduler and RNG states before its first step,
            # so the directory may be replaced by the next checkpoint afterwards.
            with last.as_directory() as d:
                resumed_from = json.loads((Path(d) / "trainer_state.json").read_text())["global_step"]
                trainer.train(resume_from_checkpoint=d)

        metrics = summarize(trainer.state.log_history, phase.logged)
        metrics.update(
            steps=trainer.state.global_step,
            steps_this_run=trainer.state.global_step - resumed_from,
            setup_s=round(setup_s, 3),
            epochs=round(float(trainer.state.epoch or 0.0), 4),
            examples=len(dataset),
            # Both views of the group: Ray's, and what accelerate (so the HF Trainer) trained with.
            ray_world_size=context.get_world_size(),
            world_size=trainer.args.world_size,
            process_group_size=dist.get_world_size() if dist.is_initialized() else 1,
            global_batch=trainer.args.per_device_train_batch_size * trainer.args.gradient_accumulation_steps
            * trainer.args.world_size,
        )
        metrics.update(utilization(phase.name, cfg, model.config, metrics.get("tokens_per_s"),
                                   trainer.args.device, context.get_world_size()))
        with tempfile.TemporaryDirectory() as export_dir:
            checkpoint = None
            if context.get_world_rank() == 0:
                export = trainer.model.merge_and_unload() if cfg["lora"] else trainer.model
                save_model(export, tokenizer, Path(export_dir) / MODEL_DIR, {**cfg["card"], "metrics": metrics})
                checkpoint = Checkpoint.from_directory(export_dir)
            # Every rank reports (Ray Train's barrier); rank 0's metrics ride with the checkpoint.
            ray.train.report(metrics, checkpoint=checkpoint, checkpoint_dir_name=f"{phase.name}-final")
    finally:
        shutil.rmtree(output_dir, ignore_errors=True)


def ray_checkpoints(phase: str, rank: int, kill_at_step: int | None, fault_marker: str | None):
    """A TrainerCallback that hands each HF checkpoint to Ray Train, and runs the fault drill.
    (Defined in here: the driver imports this module without transformers.)"""
    from transformers import TrainerCallback

    class RayCheckpoints(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= state.max_steps:
                # The final model is exported and reported whole at the end; HF would also write a
                # last full checkpoint (optimizer state: 2x the weights) that nothing reads.
                control.should_save = False
            if kill_at_step is not None and state.global_step == kill_at_step and rank == 0:
                from mediphi.training.loop import fault_drill

                fault_drill(Path(fault_marker))
            return control

        def on_save(self, args, state, control, **kwargs):
            import ray.train

            # Every rank reports its part (rank 0: weights, optimizer, trainer state; each rank: its
            # RNG state); Ray Train puts them in one directory and keeps the latest.
            local = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            ray.train.report({"step": state.global_step}, checkpoint=ray.train.Checkpoint.from_directory(local),
                             checkpoint_dir_name=f"{phase}-step{state.global_step:06d}")
            shutil.rmtree(local, ignore_errors=True)  # Ray keeps its copy
            return control

    return RayCheckpoints()


def utilization(phase: str, cfg: dict[str, Any], model_config, tokens_per_s: float | None, device,
                world: int) -> dict[str, Any]:
    """MFU as the experts' loop reports it (mediphi.training.flops): the tokens TRL counted (no padding)
    at the phase's sequence-length cap, against the workers' measured matmul peak. Every rank measures."""
    import torch

    from mediphi.training.flops import dpo_flops_per_token, model_flops_per_token
    from mediphi.training.loop import cluster_peak_flops

    train = TrainingConfig.model_validate(cfg["train"])
    # DPO's reference forward runs every step unless its log-probs were computed before training
    per_step_reference = phase == "dpo" and not cfg["extra_args"].get("precompute_ref_log_probs")
    per_token = (dpo_flops_per_token if per_step_reference else model_flops_per_token)(model_config, train.seq_len)
    peak = cluster_peak_flops(train, torch.device(device), world)
    flops_per_s = tokens_per_s * per_token if tokens_per_s else None
    return {"model_flops_per_token": per_token, "model_flops_per_s": flops_per_s, "peak_flops": peak,
            "mfu": round(flops_per_s / peak, 4) if flops_per_s else None}


def build_trainer(phase: Phase, cfg: dict[str, Any], model, tokenizer, dataset, output_dir: str):
    import trl

    from mediphi.models import load_causal_lm

    t = TrainingConfig.model_validate(cfg["train"])
    args = getattr(trl, phase.config_cls)(**training_args(t, cfg["deepspeed"], output_dir), **cfg["extra_args"])
    kwargs: dict[str, Any] = {}
    if cfg["lora"]:
        kwargs["peft_config"] = lora_config(cfg["lora"])  # DPO: the adapter-free model is the reference
    elif phase.frozen_reference and not cfg["extra_args"].get("precompute_ref_log_probs"):
        kwargs["ref_model"] = load_causal_lm(cfg["model"], cfg["model_dtype"])  # the start (SFT) model
    return getattr(trl, phase.trainer_cls)(model=model, args=args, train_dataset=dataset,
                                           processing_class=tokenizer, **kwargs)


def lr_scheduler_args(t: TrainingConfig) -> dict[str, Any]:
    """The experts' schedule in transformers' names (the same curve as mediphi.training.lr_factor)."""
    if t.lr_schedule == "constant":
        return {"lr_scheduler_type": "constant_with_warmup"}
    if t.lr_schedule == "cosine":
        return {"lr_scheduler_type": "cosine_with_min_lr", "lr_scheduler_kwargs": {"min_lr_rate": t.min_lr_ratio}}
    return {"lr_scheduler_type": "linear"}


def training_args(t: TrainingConfig, deepspeed: dict[str, Any] | None, output_dir: str) -> dict[str, Any]:
    """TrainingConfig -> HF/TRL training arguments (shared by SFTConfig and DPOConfig)."""
    return dict(
        output_dir=output_dir,
        # Without use_cpu on CPU workers accelerate ignores the process group Ray Train set up
        # and every worker trains alone on the whole dataset.
        use_cpu=not t.use_gpu,
        per_device_train_batch_size=t.micro_batch_size,
        gradient_accumulation_steps=t.grad_accum,
        learning_rate=t.learning_rate,
        weight_decay=t.weight_decay,
        warmup_steps=t.warmup_steps,
        **lr_scheduler_args(t),
        max_grad_norm=t.max_grad_norm,
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        max_length=t.seq_len,
        activation_checkpointing=t.activation_checkpointing,
        # Mixed precision; TRL would default to bf16 everywhere.
        bf16=t.dtype == "bfloat16",
        fp16=t.dtype == "float16",
        deepspeed=deepspeed,
        seed=t.seed,
        data_seed=t.seed,
        # Checkpoints for resuming (RayCheckpoints reports them); the model is exported once, at the end.
        save_strategy="steps" if t.checkpoint_every else "no",
        save_steps=t.checkpoint_every or 1,
        logging_steps=1,
        logging_first_step=True,
        report_to="none",
        disable_tqdm=True,  # the printer callback logs one line per step instead of a bar per rank
        dataloader_num_workers=0,
    )


def lora_config(lora: dict[str, Any]):
    from peft import LoraConfig

    return LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
                      target_modules=lora["target_modules"], task_type="CAUSAL_LM")


def summarize(log_history: list[dict[str, Any]], logged: tuple[str, ...]) -> dict[str, Any]:
    """First/last training loss and the last value of each logged metric, from TRL's logs; the loss,
    learning rate and gradient norm of each logged optimizer step (log_steps: logging_steps=1 logs
    every one), and tokens per second where TRL counts tokens (num_tokens, all workers)."""
    steps = [h for h in log_history if "loss" in h]
    if not steps:
        raise RuntimeError("the trainer logged no loss: did it run any step?")
    losses = [h["loss"] for h in steps]
    out: dict[str, Any] = {"loss_first": losses[0], "loss_last": losses[-1], "losses": losses,
                           "log_steps": [h.get("step", i + 1) for i, h in enumerate(steps)],
                           "lr_curve": [h.get("learning_rate") for h in steps],
                           "grad_norm_curve": [h.get("grad_norm") for h in steps]}
    for h in log_history:
        out.update({k: h[k] for k in logged if k in h})
        if "num_tokens" in h:
            out["tokens"] = int(h["num_tokens"])
        if "train_loss" in h:
            out["train_loss"] = h["train_loss"]
            out["train_runtime_s"] = h.get("train_runtime")
    if out.get("tokens") and out.get("train_runtime_s"):
        out["tokens_per_s"] = round(out["tokens"] / out["train_runtime_s"], 1)
    return out
