"""tracking: the MLflow config, the shared metrics schema and best-effort logging (no Ray cluster)."""
from __future__ import annotations

import logging

import pytest

from mediphi.config import ConfigError, RunConfig
from mediphi.runs import RunDir
from mediphi.training import tracking

EXPERT_METRICS = {"steps": 3, "tokens": 384, "first_loss": 5.0, "final_loss": 4.0, "loss_curve": [5.0, 4.5, 4.0],
                  "lr_curve": [1e-3, 5e-4, 1e-4], "grad_norm_curve": [2.0, None, 1.0], "tokens_per_s": 12.5,
                  "setup_s": 1.5, "train_s": 30.7, "strategy": "ddp", "val_curve": [[0, 5.2], [2, 4.8], [3, 4.6]],
                  "val_loss": 4.6}
ALIGN_METRICS = {"loss_first": 2.0, "loss_last": 1.5, "losses": [2.0, 1.5], "log_steps": [1, 2],
                 "lr_curve": [5e-5, 2e-5], "grad_norm_curve": [3.0, 2.5], "train_runtime_s": 4.0, "steps": 2}


def test_tracking_config_is_validated_and_kept_out_of_the_training_fingerprints(tmp_path):
    from mediphi.align import STAGE as ALIGN
    from mediphi.experts import STAGE as EXPERTS

    for bad in ("mlruns", "/data/mlruns", "ftp://host/x", ""):
        with pytest.raises(ConfigError, match=r"tracking\.uri: expected a tracking URI"):
            RunConfig.from_dict({"tracking": {"uri": bad}})
    with pytest.raises(ConfigError, match=r"tracking\.mlfow: unknown field"):
        RunConfig.from_dict({"tracking": {"mlfow": False}})
    for good in ("file:/data/mlruns", "http://127.0.0.1:5000", "https://mlflow.example.org", "databricks",
                 "sqlite:///mlflow.db", "postgresql+psycopg2://u@h/db"):
        assert RunConfig.from_dict({"tracking": {"uri": good}}).tracking.uri == good

    cfg = RunConfig.from_dict({"run": {"run_dir": str(tmp_path / "run")}})
    assert tracking.tracking_uri(cfg, RunDir(cfg.run.run_dir)) == (tmp_path / "run" / "mlruns").as_uri()
    elsewhere = RunConfig.from_dict({"run": {"run_dir": str(tmp_path / "run")},
                                     "tracking": {"uri": "http://127.0.0.1:5000"}})
    off = RunConfig.from_dict({"tracking": {"mlflow": False}})
    assert tracking.tracking_uri(off, RunDir(tmp_path)) is None
    for stage in (EXPERTS, ALIGN):  # another store never retrains a model
        assert cfg.section_hash(*stage.sections) == elsewhere.section_hash(*stage.sections)


def test_both_stages_metrics_map_to_one_schema():
    expert, align = tracking.step_series(EXPERT_METRICS), tracking.step_series(ALIGN_METRICS)
    assert expert["loss"] == [(1, 5.0), (2, 4.5), (3, 4.0)]
    assert expert["grad_norm"] == [(1, 2.0), (3, 1.0)]  # a step without a norm is left out
    assert expert["val_loss"] == [(0, 5.2), (2, 4.8), (3, 4.6)] and align["val_loss"] == []  # measured steps only
    assert align["loss"] == [(1, 2.0), (2, 1.5)] and align["lr"] == [(1, 5e-5), (2, 2e-5)]
    assert tracking.summary(EXPERT_METRICS) == {"first_loss": 5.0, "final_loss": 4.0, "steps": 3.0, "tokens": 384.0,
                                                "tokens_per_s": 12.5, "setup_s": 1.5, "train_s": 30.7,
                                                "final_val_loss": 4.6}
    assert tracking.summary(ALIGN_METRICS) == {"first_loss": 2.0, "final_loss": 1.5, "steps": 2.0, "train_s": 4.0}
    assert tracking.flatten({"lr": 1e-3, "lora": {"r": 4, "target_modules": ["q", "v"]}, "ds": None}) == \
        {"lr": "0.001", "lora.r": "4", "lora.target_modules": '["q", "v"]', "ds": "None"}


def test_a_phase_is_logged_once_to_the_file_store(tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    kwargs = dict(params={"learning_rate": 1e-3}, tags={"stage": "experts", "corpus": "pubmed", "phase": "phase1"},
                  metrics=EXPERT_METRICS, attempt="a1")
    run_id = tracking.log_phase(uri, "demo", "experts/pubmed/phase1", **kwargs)
    assert run_id and tracking.log_phase(uri, "demo", "experts/pubmed/phase1", **kwargs) == run_id
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("demo").experiment_id])
    assert run.info.run_name == "experts/pubmed/phase1" and run.info.status == "FINISHED"
    assert run.data.tags["corpus"] == "pubmed" and run.data.params["learning_rate"] == "0.001"
    assert run.data.metrics["tokens_per_s"] == 12.5
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")] == [(1, 5.0), (2, 4.5), (3, 4.0)]
    assert sorted((m.step, m.value) for m in client.get_metric_history(run_id, "val_loss")) == \
        [(0, 5.2), (2, 4.8), (3, 4.6)]
    assert run.data.metrics["final_val_loss"] == 4.6


def test_a_failure_to_log_is_a_warning(tmp_path, monkeypatch, caplog):
    (tmp_path / "not-a-dir").write_text("x")  # a store that cannot be created
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with caplog.at_level(logging.WARNING, logger="mediphi.tracking"):
        for uri in ((tmp_path / "not-a-dir" / "mlruns").as_uri(), "http://127.0.0.1:9"):  # port 9: nobody
            assert tracking.log_phase(uri, "demo", "align/sft", params={}, tags={}, metrics=ALIGN_METRICS,
                                      attempt="a1") is None
        # The next phase does not wait for the unreachable server again.
        assert tracking.log_phase("http://127.0.0.1:9", "demo", "align/dpo", params={}, tags={}, metrics={},
                                  attempt="a2") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and all(w.startswith("MLflow: could not log align/") for w in warnings)
    assert "failed earlier in this process (MlflowException: API request to http://127.0.0.1:9" in warnings[2]
    assert tracking.log_phase(None, "demo", "align/sft", params={}, tags={}, metrics={}, attempt="a1") is None
