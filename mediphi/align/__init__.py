"""align: supervised fine-tuning, then direct preference optimization (TRL inside Ray Train).

Recipe:
  1. start from the merged model (or the base model, `align.model: base`)
  2. check synthesize's SFT and DPO rows, turn them into chat messages (bad rows quarantined)
  3. SFT (trl.SFTTrainer) on `align.sft.num_workers` Ray Train workers -> sft_model/
  4. DPO (trl.DPOTrainer) from the SFT model, the SFT model as the frozen reference -> aligned/
  5. with `align.validation_tasks`: the start, SFT and DPO models scored on those tasks' validation
     items (the merge objective's scoring), so the manifest shows what each phase did
Each phase is marked done once its model is exported, so a rerun after a crash skips it. Each phase
that trains is logged to MLflow from the driver (mediphi.training.tracking, the experts' schema).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from mediphi.align import data
from mediphi.align.train import PHASES, fit, publish
from mediphi.config import RunConfig, TrainingConfig
from mediphi.runs import StageContext, StageDef, execute
from mediphi.training import tracking

STAGE = StageDef(name="align", sections=("model", "align"), inputs=("merge", "synthesize"))

TITLES = {"sft": "SFT", "dpo": "aligned (SFT + DPO)"}
OUT_DIRS = {"sft": "sft_model", "dpo": "aligned"}


def run(config: RunConfig, run_dir, force: bool = False) -> dict:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    from mediphi.cluster import connect

    connect(ctx.config)
    storage = ctx.out / "ray"  # Ray Train's storage_path: each phase's run and its checkpoint
    start = start_model(ctx)
    with ctx.timed("data"):
        counts = {phase: data.prepare(phase, ctx.input("synthesize", phase), ctx.out / "data" / f"{phase}.parquet",
                                      ctx.out / "quarantine" / f"{phase}.parquet", ctx.config.align.chat_layout)
                  for phase in PHASES}

    sft_model = run_phase(ctx, "sft", start, ctx.config.align.sft, counts["sft"]["kept"], storage)
    aligned = run_phase(ctx, "dpo", str(sft_model), ctx.config.align.dpo, counts["dpo"]["kept"], storage,
                        extra_args=dpo_args(ctx.config.align))
    outputs = {"sft_model": sft_model, "aligned": aligned, "quarantine": ctx.out / "quarantine"}
    validation = validate(ctx, {"start": start, "sft": str(sft_model), "dpo": str(aligned)})
    record = tracking.stage_record(ctx, {phase: ctx.done_info(phase).get("mlflow_run_id") for phase in PHASES})
    if record:
        outputs["tracking"] = record
    return {
        "counts": counts,
        "outputs": outputs,
        "metrics": {**{phase: ctx.done_info(phase)["metrics"] for phase in PHASES},
                    **({"validation": validation} if validation else {})},
    }


def validate(ctx: StageContext, models: dict[str, str]) -> dict[str, Any] | None:
    """Each model's mean score per validation task ({"scores": {model: {task: mean}}, "items": {task: n}});
    resumable (a done marker)."""
    cfg = ctx.config.align
    if not cfg.validation_tasks:
        return None
    if ctx.is_done("validation"):
        return ctx.done_info("validation")
    from mediphi.evaluate import read_task_items
    from mediphi.evaluate.tasks import get_task
    from mediphi.merge.objective import item_scores
    from mediphi.models import load_causal_lm, load_tokenizer

    items = {t: read_task_items(ctx, get_task(t), split="validation", max_items=cfg.validation_items)
             for t in cfg.validation_tasks}
    scores: dict[str, dict[str, float]] = {}
    with ctx.timed("validation"):
        for name, path in models.items():
            model, tok = load_causal_lm(path, ctx.config.model.dtype), load_tokenizer(path)
            scores[name] = {}
            for t, its in items.items():
                values = item_scores(model, tok, t, its, "gold_prob", "gold_token_prob")
                scores[name][t] = sum(values) / len(values)
            ctx.log.info("validation: %s %s", name, {t: round(x, 4) for t, x in scores[name].items()})
    result = {"scores": scores, "items": {t: len(its) for t, its in items.items()},
              "metric": "multiple choice: p(gold option); generation: per-token p(reference)"}
    ctx.mark_done("validation", result)
    return result


def start_model(ctx: StageContext) -> str:
    from mediphi.models import base_model

    if ctx.config.align.model == "merged":
        return ctx.input("merge", "merged")
    return base_model(ctx.config)


def dpo_args(align) -> dict[str, Any]:
    """The DPOConfig fields the align section sets."""
    return {"beta": align.dpo_beta, "loss_type": list(align.dpo_loss_type),
            "precompute_ref_log_probs": align.dpo_precompute_ref}


def run_phase(ctx: StageContext, phase: str, start: str, train: TrainingConfig, examples: int, storage: Path,
              extra_args: dict[str, Any] | None = None) -> Path:
    """Train one phase and publish its model under ctx.out, unless an earlier attempt did."""
    out = ctx.out / OUT_DIRS[phase]
    if ctx.resumed and ctx.is_done(phase):
        ctx.log.info("%s: exported by an earlier attempt, kept (%s)", phase, out)
        return out
    ctx.log.info("%s: %d examples on %d Ray Train worker(s), starting from %s", phase, examples,
                 train.num_workers, start)
    with ctx.timed(phase):
        metrics, checkpoint = fit(
            phase, model=start, data=ctx.out / "data" / f"{phase}.parquet", train=train,
            lora=ctx.config.align.lora, model_dtype=ctx.config.model.dtype,
            card=model_card(ctx, phase, start, train, examples, extra_args), storage=storage,
            extra_args=extra_args, resume=ctx.resumed)
        publish(checkpoint, out)
    # Logged before the done marker: a resumed stage that keeps this phase logs nothing again.
    lora = ctx.config.align.lora
    run_id = tracking.log_stage_phase(
        ctx, f"align/{phase}", training=train, metrics=metrics,
        tags={"phase": phase, "model_path": out, "start_model": start},
        extra_params={**({f"dpo_{k}": ",".join(v) if isinstance(v, list) else v for k, v in extra_args.items()}
                         if extra_args else {}),
                      "examples": examples, "lora": lora.model_dump(mode="json") if lora.enabled else False})
    ctx.mark_done(phase, {"metrics": metrics, "mlflow_run_id": run_id})
    shutil.rmtree(storage / phase, ignore_errors=True)  # the published copy is the one kept
    ctx.log.info("%s: loss %.4f -> %.4f in %d steps -> %s", phase, metrics["loss_first"], metrics["loss_last"],
                 metrics["steps"], out)
    return out


def model_card(ctx: StageContext, phase: str, start: str, train: TrainingConfig, examples: int,
               extra_args: dict[str, Any] | None) -> dict[str, Any]:
    """Lineage: what this model was trained from, on what, and how."""
    import trl

    p = PHASES[phase]
    start_card = Path(start) / "mediphi.json"
    return {
        "title": f"{ctx.config.run.name} {TITLES[phase]}",
        "description": f"trl {trl.__version__} {p.trainer_cls} on {examples} synthesize/{phase} rows, "
                       f"{train.num_workers} Ray Train worker(s).",
        "role": "aligned" if phase == "dpo" else "sft",
        "stage": "align",
        "phase": phase,
        "start_model": start,
        "start_lineage": json.loads(start_card.read_text()) if start_card.is_file() else None,
        "data": str(ctx.input("synthesize", phase)),
        "examples": examples,
        "training": train.model_dump(mode="json"),
        "lora": ctx.config.align.lora.model_dump(mode="json") if ctx.config.align.lora.enabled else None,
        **(extra_args or {}),
    }
