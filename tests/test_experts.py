"""experts: Ray Train TorchTrainer workers training with DeepSpeed ZeRO, resume, HF export."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from mediphi.config import ConfigError, TrainingConfig
from mediphi.runs import RunDir, write_manifest
from mediphi.training import fill_deepspeed_config, load_deepspeed_config, plan_steps

SEQ = 32


def packed_rows(path, n_rows: int, seed: int = 0, vocab: int = 200):
    """Packed training rows: a short repeated pattern, so a few steps visibly lower the loss."""
    rng = np.random.default_rng(seed)
    pattern = rng.integers(5, vocab, size=8)
    rows = [np.roll(np.tile(pattern, SEQ // 8), i).astype(np.int32) for i in range(n_rows)]
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"input_ids": pa.array(list(rows), type=pa.list_(pa.int32()))}), path / "part.parquet")
    return path


def mean_loss(model_dir: str, data) -> float:
    """The model's mean next-token loss over every packed row of `data`, by a plain HF forward."""
    from mediphi.models import load_causal_lm

    ids = torch.tensor(pq.read_table(data).column("input_ids").to_pylist(), dtype=torch.int64)
    with torch.no_grad():
        return float(load_causal_lm(model_dir).eval()(input_ids=ids, labels=ids).loss)


def weights(model_dir: str) -> dict[str, torch.Tensor]:
    from mediphi.models import load_causal_lm

    return {k: v.clone() for k, v in load_causal_lm(model_dir).state_dict().items()}


# ----------------------------------------------------------------------------- DeepSpeed JSON
def test_deepspeed_auto_values_come_from_the_training_config():
    cfg = TrainingConfig(micro_batch_size=3, grad_accum=2, learning_rate=1e-4, max_grad_norm=0.5, dtype="bfloat16")
    for name in ("zero2_cpu", "zero2", "zero3"):
        ds = fill_deepspeed_config(load_deepspeed_config(f"configs/deepspeed/{name}.json"), cfg, world_size=4)
        assert ds["train_micro_batch_size_per_gpu"] == 3
        assert ds["gradient_accumulation_steps"] == 2
        assert ds["train_batch_size"] == 3 * 2 * 4
        assert ds["gradient_clipping"] == 0.5
        assert ds["optimizer"]["params"]["lr"] == 1e-4
        assert ds["bf16"]["enabled"] is True and ds["fp16"]["enabled"] is False
        assert "auto" not in json.dumps(ds)
    assert fill_deepspeed_config(load_deepspeed_config("configs/deepspeed/zero3.json"), cfg, 1)[
        "zero_optimization"]["stage"] == 3


def test_deepspeed_json_that_contradicts_the_run_is_an_error():
    cfg = TrainingConfig(micro_batch_size=2)
    with pytest.raises(ConfigError, match="train_micro_batch_size_per_gpu=8.*auto"):
        fill_deepspeed_config({"train_micro_batch_size_per_gpu": 8}, cfg, 1, "experts.phase1.deepspeed")
    with pytest.raises(ConfigError, match="experts.phase1.deepspeed.*not found"):
        load_deepspeed_config("configs/deepspeed/nope.json", "experts.phase1.deepspeed")


@pytest.mark.parametrize("schedule", ["cosine", "linear", "constant"])
def test_lr_schedule_decays_as_transformers_does(schedule):
    """After warmup the experts' schedule is transformers' (what align's TRL trainers run)."""
    from transformers.optimization import get_scheduler

    from mediphi.align.train import lr_scheduler_args
    from mediphi.training.strategies import lr_factor

    cfg = TrainingConfig(warmup_steps=3, lr_schedule=schedule, min_lr_ratio=0.1)
    ours = [lr_factor(cfg, 20)(s) for s in range(20)]
    args = lr_scheduler_args(cfg)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = get_scheduler(args["lr_scheduler_type"], opt, num_warmup_steps=3, num_training_steps=20,
                          scheduler_specific_kwargs=args.get("lr_scheduler_kwargs"))
    theirs = []
    for _ in range(20):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert ours[3:] == pytest.approx(theirs[3:], abs=1e-9)
    assert 0 < ours[0] < ours[1] < ours[2] < ours[3] == 1.0  # warmup from above 0, never a wasted step
    if schedule == "cosine":
        assert ours[-1] > 0.1 and ours[-1] == pytest.approx(0.1, abs=0.01)


def test_plan_steps_and_too_little_data():
    assert plan_steps(40, TrainingConfig(num_workers=2, micro_batch_size=4, epochs=2.0)) == 10
    assert plan_steps(40, TrainingConfig(num_workers=2, micro_batch_size=4, max_steps=3)) == 3
    with pytest.raises(ConfigError, match="experts.phase1: 3 training rows are fewer"):
        plan_steps(3, TrainingConfig(num_workers=2, micro_batch_size=2), "experts.phase1")


# ----------------------------------------------------------------------------- Ray Train + DeepSpeed
def test_deepspeed_zero2_on_two_workers_trains_and_exports(ray_session, tiny_llama, tmp_path):
    from mediphi.training import train_causal_lm

    data, val = packed_rows(tmp_path / "data", 16), packed_rows(tmp_path / "val", 6, seed=0)
    cfg = TrainingConfig(num_workers=2, micro_batch_size=2, max_steps=4, seq_len=SEQ, learning_rate=3e-3,
                         deepspeed="configs/deepspeed/zero2_cpu.json", eval_every=3, eval_rows=4)
    result = train_causal_lm(tiny_llama, data, tmp_path / "model", cfg, name="ds", storage_path=tmp_path / "ray",
                             card={"corpus": "unit"}, val_dir=val)
    m = result["metrics"]
    # validation at step 0, every eval_every steps and at the end, on the first eval_rows rows: the
    # losses the starting and the exported model have on them, computed here by a plain forward
    assert [step for step, _ in m["val_curve"]] == [0, 3, 4]
    first4 = tmp_path / "val4"
    first4.mkdir()
    pq.write_table(pq.read_table(val).slice(0, 4), first4 / "part.parquet")
    assert m["val_curve"][0][1] == pytest.approx(mean_loss(tiny_llama, first4), rel=1e-4)
    assert m["val_loss"] == m["val_curve"][-1][1] == pytest.approx(mean_loss(result["model_dir"], first4), rel=1e-4)
    assert m["val_loss"] < m["val_curve"][0][1]
    assert m["strategy"] == "deepspeed" and m["world_size"] == 2
    assert m["steps"] == 4 and len(m["loss_curve"]) == 4
    assert m["tokens"] == 4 * 2 * 2 * SEQ  # steps x micro batch x workers x seq_len
    assert m["loss_curve"][-1] < m["loss_curve"][0]
    # MFU: PaLM's model FLOPs of the tokens trained, over the training time without the validation
    # passes, against both workers' measured matmul peak
    from transformers import AutoConfig

    from mediphi.training.flops import model_flops_per_token
    assert m["model_flops_per_token"] == model_flops_per_token(AutoConfig.from_pretrained(tiny_llama), SEQ)
    assert 0 < m["val_s"] < m["train_s"]
    assert m["model_flops_per_s"] == pytest.approx(m["tokens"] * m["model_flops_per_token"] / (m["train_s"] - m["val_s"]),
                                                   rel=1e-2)
    assert m["peak_flops"] > 1e8 and 0 < m["mfu"] == pytest.approx(m["model_flops_per_s"] / m["peak_flops"], abs=1e-4)
    assert m["tokens_per_s"] < m["model_flops_per_s"] / m["model_flops_per_token"]  # validation time left out
    # one metrics schema: the learning rate (cosine from 3e-3 to 3e-4 over 4 steps) and gradient norm per step
    assert len(m["lr_curve"]) == len(m["grad_norm_curve"]) == 4
    assert m["lr_curve"][0] == pytest.approx(3e-3) and m["lr_curve"][0] > m["lr_curve"][-1] >= 3e-4
    assert all(g is not None and g > 0 for g in m["grad_norm_curve"])
    card = json.loads((tmp_path / "model" / "mediphi.json").read_text())
    assert card["corpus"] == "unit" and card["steps"] == 4 and card["strategy"] == "deepspeed"
    before, after = weights(tiny_llama), weights(result["model_dir"])
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_a_killed_worker_is_replaced_and_training_continues_the_same_curve(ray_session, tiny_llama, tmp_path):
    """SIGKILL of the training worker at step 3 (checkpoints every 2 steps): Ray Train restarts the
    group, the new worker resumes from the step-2 checkpoint with the same data order, and the
    loss curve is the uninterrupted run's, step for step."""
    from mediphi.training import train_causal_lm

    data, val = packed_rows(tmp_path / "data", 12, seed=2), packed_rows(tmp_path / "val", 2, seed=2)
    cfg = TrainingConfig(num_workers=1, micro_batch_size=2, seq_len=SEQ, learning_rate=3e-3, max_steps=6,
                         checkpoint_every=2, max_failures=1, deepspeed="configs/deepspeed/zero2_cpu.json",
                         eval_every=2)
    reference = train_causal_lm(tiny_llama, data, tmp_path / "ref", cfg, name="ref",
                                storage_path=tmp_path / "ray", val_dir=val)["metrics"]
    drilled = train_causal_lm(tiny_llama, data, tmp_path / "drill", cfg, name="drill",
                              storage_path=tmp_path / "ray", kill_at_step=3, val_dir=val)["metrics"]
    assert (tmp_path / "ray" / "drill" / ".fault-drill-done").exists()  # the worker was killed
    assert drilled["steps"] == 6 and drilled["steps_this_run"] == 4  # the new worker started at step 2
    assert drilled["loss_curve"] == pytest.approx(reference["loss_curve"], rel=1e-5, abs=1e-6)
    assert drilled["lr_curve"] == pytest.approx(reference["lr_curve"])  # the scheduler resumed too
    # the validation points measured before the kill came back with the checkpoint, none twice
    assert [s for s, _ in drilled["val_curve"]] == [s for s, _ in reference["val_curve"]] == [0, 2, 4, 6]
    assert [v for _, v in drilled["val_curve"]] == pytest.approx([v for _, v in reference["val_curve"]], rel=1e-5)

    # A stage rerun on the same name and storage (a killed stage, started again) continues from the
    # last checkpoint instead of step 0: here two more steps on top of the finished six.
    more = train_causal_lm(tiny_llama, data, tmp_path / "more", cfg.model_copy(update={"max_steps": 8}),
                           name="drill", storage_path=tmp_path / "ray")["metrics"]
    assert more["steps"] == 8 and more["steps_this_run"] == 2
    assert more["loss_curve"][:6] == drilled["loss_curve"]


def test_wrong_seq_len_names_the_field(ray_session, tiny_llama, tmp_path):
    from mediphi.training import train_causal_lm

    data = packed_rows(tmp_path / "data", 4)
    with pytest.raises(ConfigError, match=r"experts.phase2.seq_len: 64, but the rows .* have 32 tokens"):
        train_causal_lm(tiny_llama, data, tmp_path / "m", TrainingConfig(seq_len=64), name="x",
                        storage_path=tmp_path / "ray", field="experts.phase2")


# ----------------------------------------------------------------------------- the stage
def test_experts_stage_trains_one_expert_per_corpus_then_skips(ray_session, tiny_config, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    from mediphi import experts
    from mediphi.models import base_model

    rd = RunDir(tiny_config.run.run_dir)
    phases = {p: {c: str(packed_rows(tmp_path / p / c, 8, seed=i)) for i, c in enumerate(("icd10cm", "pubmed"))}
              for p in ("phase1", "phase2")}
    # The teacher left one corpus without task data: its expert learns from phase 2 alone.
    empty = tmp_path / "phase1" / "empty"
    empty.mkdir()
    pq.write_table(pa.table({"input_ids": pa.array([], type=pa.list_(pa.int32()))}), empty / "empty.parquet")
    phases["phase1"]["icd10cm"] = str(empty)
    # pit packed val documents for pubmed only: its phases measure a validation loss, icd10cm's do not
    write_manifest(rd, "pit", {**phases, "val": {"pubmed": str(packed_rows(tmp_path / "val" / "pubmed", 4, seed=1))}})
    cfg = tiny_config.model_copy(deep=True)
    for phase in ("phase1", "phase2"):
        setattr(cfg.experts, phase, getattr(cfg.experts, phase).model_copy(update={"seq_len": SEQ}))

    m = experts.run(cfg, rd)
    out = rd.output("experts", "experts")
    assert sorted(out) == ["icd10cm", "pubmed"]
    for corpus, path in out.items():
        card = json.loads((rd.root / "experts" / corpus / "expert" / "mediphi.json").read_text())
        assert card["corpus"] == corpus and card["phase"] == "phase2"
        assert m["metrics"][corpus]["phase2"]["steps"] == cfg.experts.phase2.max_steps
    # phase 2 starts from the phase-1 model where there is one, else from the base
    phase1 = rd.output("experts", "phase1")
    assert sorted(phase1) == ["pubmed"]
    assert json.loads((rd.root / "experts/pubmed/expert/mediphi.json").read_text())["init"] == phase1["pubmed"]
    assert json.loads((rd.root / "experts/icd10cm/expert/mediphi.json").read_text())["init"] == \
        base_model(cfg)
    assert m["metrics"]["icd10cm"]["phase1"] == {"skipped": "no task data"}
    steps = cfg.experts.phase2.max_steps
    assert [s for s, _ in m["metrics"]["pubmed"]["phase2"]["val_curve"]] == [0, steps]
    assert "val_curve" not in m["metrics"]["icd10cm"]["phase2"] or not m["metrics"]["icd10cm"]["phase2"]["val_curve"]
    assert (rd.root / "experts" / "loss_curves.png").stat().st_size > 0

    # Each phase that trained is one MLflow run in the run dir's file store, its loss curve per step.
    record = m["outputs"]["tracking"]
    assert record["mlflow_uri"] == (rd.root / "mlruns").as_uri() and record["experiment"] == cfg.run.name
    assert sorted(record["runs"]) == ["icd10cm/phase2", "pubmed/phase1", "pubmed/phase2"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 reads a file store only with this
    client = MlflowClient(record["mlflow_uri"])
    experiment = client.get_experiment_by_name(cfg.run.name).experiment_id
    for key, run_id in record["runs"].items():
        corpus, phase = key.split("/")
        run = client.get_run(run_id)
        assert run.info.run_name == f"experts/{key}" and run.info.status == "FINISHED"
        assert {k: run.data.tags[k] for k in ("stage", "corpus", "phase", "model_path")} == {
            "stage": "experts", "corpus": corpus, "phase": phase,
            "model_path": str(rd.root / "experts" / corpus / experts.MODEL_DIRS[phase])}
        assert run.data.params["max_steps"] == str(getattr(cfg.experts, phase).max_steps)
        curve = m["metrics"][corpus][phase]["loss_curve"]
        history = sorted(client.get_metric_history(run_id, "loss"), key=lambda h: h.step)
        assert [(h.step, h.value) for h in history] == list(enumerate(curve, start=1))
        assert len(client.get_metric_history(run_id, "lr")) == len(curve)
        assert run.data.metrics["final_loss"] == curve[-1] and run.data.metrics["tokens_per_s"] > 0
        assert run.data.metrics["mfu"] == m["metrics"][corpus][phase]["mfu"] > 0
        val = m["metrics"][corpus][phase].get("val_curve") or []
        assert sorted((h.step, h.value) for h in client.get_metric_history(run_id, "val_loss")) == \
            [tuple(point) for point in val]

    again = experts.run(cfg, rd)
    assert again["finished_at"] == m["finished_at"]  # up to date: nothing retrained
    assert len(client.search_runs([experiment])) == 3  # and nothing logged again

    cfg.experts.corpora = ["pubmed", "notes"]
    with pytest.raises(ConfigError, match="experts.corpora: no PIT data for notes"):
        experts.run(cfg, rd)


def test_arch_specific_cuda_names_are_made_plain_for_deepspeed_jit(monkeypatch):
    from mediphi.training.strategies import plain_cuda_archs

    monkeypatch.setenv("TORCH_CUDA_ARCH_LIST", "8.0 9.0a;9.0 10.0f 12.0+PTX")
    plain_cuda_archs()
    import os

    assert os.environ["TORCH_CUDA_ARCH_LIST"] == "8.0;9.0;10.0;12.0+PTX"
