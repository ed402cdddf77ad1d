"""align: TRL SFT then DPO inside Ray Train, on the tiny Llama, with real Ray workers."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

QUESTIONS = [
    ("What does ICD-10-CM code E11.9 describe?", "Type 2 diabetes mellitus without complications."),
    ("Expand the abbreviation 'BP'.", "Blood pressure."),
    ("What does ICD-10-CM code I10 describe?", "Essential (primary) hypertension."),
    ("Name a first-line drug for type 2 diabetes.", "Metformin."),
    ("Expand the abbreviation 'MI'.", "Myocardial infarction."),
    ("What does ICD-10-CM code J45.909 describe?", "Unspecified asthma, uncomplicated."),
    ("Which organ does hepatitis affect?", "The liver."),
    ("Expand the abbreviation 'CBC'.", "Complete blood count."),
]


def write_parquet(folder: Path, rows: list[dict]) -> str:
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-00000.parquet")
    return str(folder)


def state(model_dir: str) -> dict[str, torch.Tensor]:
    from mediphi.models import load_causal_lm

    return {k: v.clone() for k, v in load_causal_lm(model_dir).state_dict().items()}


def max_change(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max((a[k] - b[k]).abs().max().item() for k in a)


INSTRUCTION = "Answer the clinical question in one sentence."


@pytest.fixture
def upstream(tiny_config, tiny_llama, tmp_path):
    """A registered 'merge' (the tiny Llama as the merged model) and 'synthesize' (8 SFT, 8 DPO rows)."""
    from mediphi.models import load_causal_lm, load_tokenizer, save_model
    from mediphi.runs import write_manifest

    up = tmp_path / "upstream"
    merged = save_model(load_causal_lm(tiny_llama), load_tokenizer(tiny_llama), up / "merged",
                        {"title": "merged (test)", "role": "merged"})
    # One bad row each, to be quarantined: nothing to learn from it.
    # synthesize's columns: the instruction (system message by default) and its input (user message)
    sft = write_parquet(up / "sft", [{"prompt": q, "completion": a, "instruction": INSTRUCTION, "input": q}
                                     for q, a in QUESTIONS]
                        + [{"prompt": "Define BMI.", "completion": "  ", "instruction": INSTRUCTION, "input": "BMI"}])
    dpo = write_parquet(up / "dpo", [{"prompt": q, "chosen": a, "rejected": "I am not sure.", "instruction": INSTRUCTION,
                                      "input": q} for q, a in QUESTIONS]
                        + [{"prompt": "Define BMI.", "chosen": "Body mass index.", "rejected": "Body mass index.",
                            "instruction": INSTRUCTION, "input": "BMI"}])
    mediflow = write_parquet(up / "mediflow", [{"instruction": q, "output": a} for q, a in QUESTIONS])
    run_dir = tiny_config.run.run_dir
    write_manifest(run_dir, "merge", {"merged": str(merged), "per_expert": {}, "best_params": {}})
    write_manifest(run_dir, "synthesize", {"sft": sft, "dpo": dpo, "mediflow": mediflow})
    # PubMed eval-split abstracts: pubmed_title's validation items score each phase's model.
    eval_docs = write_parquet(up / "pubmed_eval", [
        {"doc_id": f"pubmed:{i}", "title": f"Outcomes of {q.rstrip('?').lower()} in {i} adults", "text": a * 3,
         "meta": "{}", "split": "eval"} for i, (q, a) in enumerate(QUESTIONS * 5)])
    write_manifest(run_dir, "prepare", {"corpora": {"pubmed": {"eval": eval_docs}}})
    return {"merged": str(merged), "run_dir": run_dir}


def test_align_sft_then_dpo_on_two_workers(ray_session, tiny_config, upstream, monkeypatch):
    from mlflow.tracking import MlflowClient

    import mediphi.align as align
    from mediphi.models import load_tokenizer
    from mediphi.runs import RunDir

    run_dir = RunDir(upstream["run_dir"])
    # One epoch of 8 rows: 2 optimizer steps only if the 2 workers split the data (global batch 2x2);
    # a worker training alone would take 4.
    config = tiny_config.model_copy(deep=True)
    config.align.sft.max_steps = -1
    config.align.sft.epochs = 1.0
    config.align.validation_tasks, config.align.validation_items = ["pubmed_title"], 3
    manifest = align.run(config, upstream["run_dir"])

    assert manifest["status"] == "complete"
    assert manifest["counts"]["sft"] == {"in": 9, "kept": 8, "filtered": 0, "quarantined": 1}
    assert manifest["counts"]["dpo"] == {"in": 9, "kept": 8, "filtered": 0, "quarantined": 1}
    quarantine = pq.read_table(run_dir.output("align", "quarantine")).to_pylist()
    assert sorted(r["reason"] for r in quarantine) == ["chosen equals rejected", "empty completion"]
    sft_dir, aligned_dir = run_dir.output("align", "sft_model"), run_dir.output("align", "aligned")

    sft, dpo = manifest["metrics"]["sft"], manifest["metrics"]["dpo"]
    for m in (sft, dpo):
        assert m["world_size"] == m["ray_world_size"] == m["process_group_size"] == 2
        assert m["global_batch"] == 4
    assert sft["steps"] == 2 and sft["examples"] == 8 and sft["epochs"] == pytest.approx(1.0)
    assert dpo["steps"] == 2  # max_steps from configs/test.yaml
    assert math.isfinite(sft["loss_first"]) and math.isfinite(sft["loss_last"])
    assert math.isfinite(dpo["loss_last"])
    for key in ("rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected"):
        assert math.isfinite(dpo[key]), key

    # Both exports are complete HF dirs with the chat template, and training moved the weights.
    for d in (sft_dir, aligned_dir):
        tok = load_tokenizer(d)
        assert tok.chat_template
        assert "Metformin" in tok.apply_chat_template([{"role": "user", "content": "Q"},
                                                       {"role": "assistant", "content": "Metformin"}],
                                                      tokenize=False)
        assert (Path(d) / "README.md").is_file()
    start, after_sft, after_dpo = state(upstream["merged"]), state(sft_dir), state(aligned_dir)
    assert max_change(start, after_sft) > 1e-4
    assert max_change(after_sft, after_dpo) > 1e-5
    # Each phase's model scored on the same validation items (never test items); training moved them.
    from mediphi.evaluate.offline import eval_split

    val = manifest["metrics"]["validation"]
    assert val["items"] == {"pubmed_title": 3} and sorted(val["scores"]) == ["dpo", "sft", "start"]
    assert all(0 < val["scores"][m]["pubmed_title"] < 1 for m in val["scores"])
    assert len({val["scores"][m]["pubmed_title"] for m in val["scores"]}) == 3
    assert sum(eval_split("pubmed_title", f"pubmed:{i}") == "validation" for i in range(40)) >= 3
    card = json.loads((Path(aligned_dir) / "mediphi.json").read_text())
    assert card["start_model"] == sft_dir and card["start_lineage"]["start_model"] == upstream["merged"]

    # Each phase is one MLflow run (the experts' schema): the loss of each logged optimizer step.
    record = manifest["outputs"]["tracking"]
    assert record["mlflow_uri"] == (run_dir.root / "mlruns").as_uri() and sorted(record["runs"]) == ["dpo", "sft"]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 reads a file store only with this
    client = MlflowClient(record["mlflow_uri"])
    experiment = client.get_experiment_by_name(config.run.name).experiment_id
    for phase, m in (("sft", sft), ("dpo", dpo)):
        run = client.get_run(record["runs"][phase])
        assert run.info.run_name == f"align/{phase}" and run.info.status == "FINISHED"
        assert (run.data.tags["stage"], run.data.tags["phase"]) == ("align", phase)
        assert run.data.tags["model_path"] == (sft_dir if phase == "sft" else aligned_dir)
        history = sorted(client.get_metric_history(run.info.run_id, "loss"), key=lambda h: h.step)
        assert [(h.step, h.value) for h in history] == list(zip(m["log_steps"], m["losses"]))
        assert m["log_steps"] == [1, 2] and len(client.get_metric_history(run.info.run_id, "lr")) == 2
        assert run.data.metrics["final_loss"] == m["loss_last"] and run.data.metrics["setup_s"] > 0
        # MFU as the experts report it; DPO's step adds the reference model's forward pass (x 4/3)
        from transformers import AutoConfig

        from mediphi.training.flops import model_flops_per_token
        per_token = model_flops_per_token(AutoConfig.from_pretrained(upstream["merged"]), config.align.sft.seq_len)
        assert m["model_flops_per_token"] == pytest.approx(per_token * (4 / 3 if phase == "dpo" else 1))
        assert m["peak_flops"] > 1e8 and run.data.metrics["mfu"] == m["mfu"]
        assert m["mfu"] == pytest.approx(m["tokens_per_s"] * m["model_flops_per_token"] / m["peak_flops"], abs=1e-4)
    assert client.get_run(record["runs"]["dpo"]).data.params["dpo_beta"] == str(config.align.dpo_beta)

    # A crash after both exports: the resumed stage keeps both models and trains nothing.
    weights = Path(sft_dir) / "model.safetensors"
    mtime = weights.stat().st_mtime_ns
    crashed = {**manifest, "status": "failed"}
    (run_dir.stage_dir("align") / "manifest.json").write_text(json.dumps(crashed))
    resumed = align.run(config, upstream["run_dir"])
    assert resumed["resumed"] and resumed["status"] == "complete"
    assert resumed["metrics"] == manifest["metrics"] and weights.stat().st_mtime_ns == mtime

    again = align.run(config, upstream["run_dir"])
    assert again["finished_at"] == resumed["finished_at"]  # up to date: skipped
    assert resumed["outputs"]["tracking"] == record and resumed["hash"] == manifest["hash"]
    assert len(client.search_runs([experiment])) == 2  # neither rerun logged a phase again


def in_process_trainer(phase: str, model_dir: str, rows: list[dict], tmp_path: Path, lora: bool = False,
                       dpo: dict | None = None, **train):
    """The workers' own TRL trainer, built in this process (no Ray): for checks of the training itself."""
    from datasets import Dataset

    from mediphi.align import data
    from mediphi.align.train import PHASES, build_trainer, worker_config
    from mediphi.config import AlignLora, TrainingConfig
    from mediphi.models import load_causal_lm, load_tokenizer

    src = write_parquet(tmp_path / "src", rows)
    counts = data.prepare(phase, src, tmp_path / "data.parquet", tmp_path / "quarantine.parquet")
    assert counts["kept"] == len(rows)
    cfg = worker_config(phase, model=model_dir, data=tmp_path / "data.parquet",
                        train=TrainingConfig(num_workers=1, deepspeed=None, **train),
                        lora=AlignLora(enabled=lora, r=4, alpha=8), model_dtype="float32", card={},
                        extra_args={"beta": 0.1, **(dpo or {})} if phase == "dpo" else {})
    return build_trainer(PHASES[phase], cfg, load_causal_lm(model_dir), load_tokenizer(model_dir),
                         Dataset.from_parquet(cfg["data"]), str(tmp_path / "hf"))


def test_sft_lowers_the_loss_of_a_repeated_example(tiny_llama, tmp_path):
    from mediphi.align.train import summarize

    q, a = QUESTIONS[3]
    trainer = in_process_trainer("sft", tiny_llama, [{"prompt": q, "completion": a}] * 8, tmp_path,
                                 micro_batch_size=4, max_steps=6, seq_len=64, learning_rate=3e-3)
    # TRL rendered the rows with the model's chat template and masks the prompt out of the loss.
    tok, row = trainer.processing_class, trainer.train_dataset[0]
    prompt = tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
    assert tok.decode(row["input_ids"]).startswith(prompt)
    assert row["labels"][0] == -100 and row["labels"][-1] != -100
    trainer.train()
    metrics = summarize(trainer.state.log_history, ("mean_token_accuracy",))
    assert trainer.state.global_step == 6
    assert metrics["loss_last"] < metrics["loss_first"] - 0.5, metrics["losses"]


def test_a_killed_align_worker_resumes_from_the_last_checkpoint_on_the_same_curve(ray_session, tiny_llama, tmp_path):
    """SIGKILL of the SFT worker at step 3 (HF checkpoints every 2 steps, reported to Ray Train): Ray
    Train restarts the group, the HF Trainer resumes from step 2 (weights, optimizer, scheduler, the
    batches already seen skipped) and the loss curve is the uninterrupted run's, step for step."""
    from mediphi.align import data
    from mediphi.align.train import fit, summarize
    from mediphi.config import AlignLora, TrainingConfig

    rows = [{"prompt": q, "completion": a} for q, a in QUESTIONS]
    train = dict(micro_batch_size=1, max_steps=5, seq_len=64, learning_rate=3e-3, checkpoint_every=2)
    reference = in_process_trainer("sft", tiny_llama, rows, tmp_path / "ref", **train)
    reference.train()
    expected = summarize(reference.state.log_history, ())

    data.prepare("sft", write_parquet(tmp_path / "src", rows), tmp_path / "sft.parquet", tmp_path / "q.parquet")
    metrics, checkpoint = fit("sft", model=tiny_llama, data=tmp_path / "sft.parquet",
                              train=TrainingConfig(num_workers=1, deepspeed=None, max_failures=1, **train),
                              lora=AlignLora(), model_dtype="float32", card={}, storage=tmp_path / "ray",
                              kill_at_step=3)
    assert (tmp_path / "ray" / "sft" / ".fault-drill-done").exists()  # the worker was killed
    assert metrics["steps"] == 5 and metrics["steps_this_run"] == 3  # the new worker started at step 2
    assert metrics["log_steps"] == [1, 2, 3, 4, 5]  # the log history came back with the checkpoint
    assert metrics["losses"] == pytest.approx(expected["losses"], rel=1e-4)
    assert metrics["lr_curve"] == pytest.approx(expected["lr_curve"])  # the scheduler resumed too
    with checkpoint.as_directory() as d:
        assert sorted(p.name for p in Path(d).iterdir()) == ["model"]  # the final export, no optimizer state


def test_a_rerun_after_the_phase_crashed_resumes_from_its_checkpoint(ray_session, tiny_llama, tmp_path):
    """The stage's own rerun (`resume=ctx.resumed`): the first run dies at step 3 with no restarts
    left (max_failures 0, as a crashed driver leaves it); the rerun with resume=True starts from the
    step-2 checkpoint in the same storage and ends on the uninterrupted run's curve. Without resume
    the same storage is wiped and the phase trains from step 0."""
    from mediphi.align import data
    from mediphi.align.train import fit, summarize
    from mediphi.config import AlignLora, TrainingConfig

    rows = [{"prompt": q, "completion": a} for q, a in QUESTIONS]
    train = dict(micro_batch_size=1, max_steps=5, seq_len=64, learning_rate=3e-3, checkpoint_every=2)
    reference = in_process_trainer("sft", tiny_llama, rows, tmp_path / "ref", **train)
    reference.train()
    expected = summarize(reference.state.log_history, ())

    data.prepare("sft", write_parquet(tmp_path / "src", rows), tmp_path / "sft.parquet", tmp_path / "q.parquet")
    common = dict(model=tiny_llama, data=tmp_path / "sft.parquet", lora=AlignLora(), model_dtype="float32",
                  card={}, storage=tmp_path / "ray")
    from ray.train import TrainingFailedError

    with pytest.raises(TrainingFailedError):
        fit("sft", train=TrainingConfig(num_workers=1, deepspeed=None, max_failures=0, **train), kill_at_step=3,
            **common)
    assert (tmp_path / "ray" / "sft" / ".fault-drill-done").exists()
    metrics, _ = fit("sft", train=TrainingConfig(num_workers=1, deepspeed=None, **train), resume=True, **common)
    assert metrics["steps"] == 5 and metrics["steps_this_run"] == 3  # steps 3-5: it started from step 2
    assert metrics["log_steps"] == [1, 2, 3, 4, 5]
    assert metrics["losses"] == pytest.approx(expected["losses"], rel=1e-4)
    assert metrics["lr_curve"] == pytest.approx(expected["lr_curve"])


@pytest.mark.parametrize("phase", ["sft", "dpo"])
@pytest.mark.parametrize("recompute", [False, True])
def test_activation_checkpointing_follows_the_config_not_trls_default(tiny_llama, tmp_path, phase, recompute):
    q, a = QUESTIONS[0]
    row = {"prompt": q, "completion": a} if phase == "sft" else {"prompt": q, "chosen": a, "rejected": "No."}
    trainer = in_process_trainer(phase, tiny_llama, [row] * 2, tmp_path, micro_batch_size=2, max_steps=1,
                                 seq_len=64, activation_checkpointing=recompute)
    # TRL's configs default gradient_checkpointing to True; the model is only recomputed when asked.
    assert trainer.args.activation_checkpointing is recompute
    assert trainer.args.gradient_checkpointing is recompute
    trainer.train()
    assert trainer.model.is_activation_checkpointing is recompute


def test_precomputed_reference_log_probs_keep_one_model_and_the_same_loss(tiny_llama, tmp_path):
    """align.dpo_precompute_ref: the SFT model's log-probs of every pair are computed once before DPO, so
    no frozen copy is held, and the losses are the ones the per-step reference gives."""
    from mediphi.align.train import summarize

    rows = [{"prompt": q, "chosen": a, "rejected": "No idea."} for q, a in QUESTIONS]
    curves = {}
    for precompute in (False, True):
        trainer = in_process_trainer("dpo", tiny_llama, rows, tmp_path / str(precompute), micro_batch_size=2,
                                     max_steps=3, seq_len=64, learning_rate=1e-2,
                                     dpo={"precompute_ref_log_probs": precompute, "loss_type": ["sigmoid"]})
        assert (trainer.ref_model is None) is precompute
        trainer.train()
        curves[precompute] = summarize(trainer.state.log_history, ("rewards/margins",))
    assert curves[True]["losses"] == pytest.approx(curves[False]["losses"], rel=1e-4)
    assert curves[True]["losses"][0] != curves[True]["losses"][-1]  # training moved it


def test_dpo_loss_types_are_trls():
    from mediphi.config import AlignSection

    assert AlignSection(dpo_loss_type="ipo").dpo_loss_type == ["ipo"]
    with pytest.raises(ValueError, match="unknown DPO loss type.*choose from sigmoid"):
        AlignSection(dpo_loss_type=["sigmoid", "dpop"])


def test_dpo_with_lora_trains_only_adapters_and_merges(tiny_llama, tmp_path):
    """LoRA: the base weights stay frozen during DPO (the adapter-free model is the reference);
    merge_and_unload folds the trained adapters into a plain model with the start's parameter names."""
    trainer = in_process_trainer("dpo", tiny_llama, [{"prompt": q, "chosen": a, "rejected": "No idea."}
                                                     for q, a in QUESTIONS], tmp_path, lora=True,
                                 micro_batch_size=4, max_steps=2, seq_len=64, learning_rate=1e-2)
    from mediphi.align.train import PHASES, summarize

    assert trainer.ref_model is None
    trainable = {n for n, p in trainer.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    trainer.train()
    assert math.isfinite(summarize(trainer.state.log_history, PHASES["dpo"].logged)["rewards/margins"])
    merged = trainer.model.merge_and_unload()
    start, after = state(tiny_llama), {k: v.detach() for k, v in merged.state_dict().items()}
    assert max_change(start, after) > 1e-4


def test_chat_layout_puts_the_instruction_in_the_system_message(tmp_path, tiny_llama):
    """MediPhi-Instruct's layout: instruction = system, input = user; `user` keeps one user turn."""
    from mediphi.align import data
    from mediphi.config import InputError
    from mediphi.models import load_tokenizer

    rows = [{"prompt": "Summarize.\n\nPt with CP.", "completion": "Chest pain.", "instruction": "Summarize.",
             "input": "Pt with CP."},
            {"prompt": "What is BMI?\n\n", "completion": "Body mass index.", "instruction": "What is BMI?", "input": ""},
            {"prompt": "x", "completion": "y", "instruction": " ", "input": "z"}]
    src = write_parquet(tmp_path / "sft", rows)
    counts = data.prepare("sft", src, tmp_path / "out.parquet", tmp_path / "q.parquet", "system_user")
    assert counts == {"in": 3, "kept": 2, "filtered": 0, "quarantined": 1}
    assert pq.read_table(tmp_path / "q.parquet").column("reason").to_pylist() == ["empty instruction"]
    kept = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert kept[0]["prompt"] == [{"role": "system", "content": "Summarize."}, {"role": "user", "content": "Pt with CP."}]
    assert kept[1]["prompt"] == [{"role": "user", "content": "What is BMI?"}]  # no input: the question is the turn
    assert kept[0]["completion"] == [{"role": "assistant", "content": "Chest pain."}]
    text = load_tokenizer(tiny_llama).apply_chat_template(kept[0]["prompt"], tokenize=False, add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\nSummarize.<|im_end|>\n<|im_start|>user\nPt with CP.")

    data.prepare("sft", src, tmp_path / "u.parquet", tmp_path / "uq.parquet", "user")
    assert pq.read_table(tmp_path / "u.parquet").to_pylist()[0]["prompt"] == [
        {"role": "user", "content": "Summarize.\n\nPt with CP."}]
    # A set with a prompt column only needs the user layout, and the error says so.
    bare = write_parquet(tmp_path / "bare", [{"prompt": "Q", "completion": "A"}])
    with pytest.raises(InputError, match="no instruction / input column.*align.chat_layout: user"):
        data.prepare("sft", bare, tmp_path / "b.parquet", tmp_path / "bq.parquet", "system_user")


def test_validation_tasks_must_be_offline():
    from mediphi.config import ConfigError, RunConfig

    with pytest.raises(ConfigError, match=r"align.validation_tasks: .*mednli reads a data file"):
        RunConfig.from_dict({"align": {"validation_tasks": ["mednli"]}})
    assert RunConfig.from_dict({"align": {"validation_tasks": ["pubmed_title", "pubmed_title"]}}).align.validation_tasks == [
        "pubmed_title"]
