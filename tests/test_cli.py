"""The CLI: one clear line per user error, no traceback; help and status work."""
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def mediphi(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "mediphi.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_help_lists_every_stage():
    r = mediphi("--help")
    assert r.returncode == 0
    for stage in ("prepare", "pit", "experts", "merge", "synthesize", "align", "serve", "evaluate",
                  "pipeline", "status"):
        assert stage in r.stdout


def test_bad_config_is_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"merge": {"tune_samples": 0}}))
    r = mediphi("pipeline", "-c", str(bad))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines == [f"error: {bad}: merge.tune_samples: Input should be greater than or equal to 1 (got 0)"]


def test_missing_input_is_one_line_naming_the_fix(tmp_path):
    r = mediphi("experts", "-c", "configs/test.yaml", "--run-dir", str(tmp_path / "run"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("error: stage 'pit' has not run") and "mediphi pit" in line


def test_unknown_stage_range_is_reported(tmp_path):
    r = mediphi("pipeline", "-c", "configs/test.yaml", "--run-dir", str(tmp_path), "--from", "train")
    assert r.returncode == 2 and "error: --from train: unknown stage" in r.stderr


def test_config_command_fills_defaults():
    r = mediphi("config", "-c", "configs/test.yaml", "--set", "serve.port=9001")
    assert r.returncode == 0
    cfg = yaml.safe_load(r.stdout)
    assert cfg["serve"]["port"] == 9001 and cfg["model"]["base"] == "tiny:llama"
    assert cfg["experts"]["phase1"]["deepspeed"] == "configs/deepspeed/zero2_cpu.json"


def test_status_on_an_empty_run(tmp_path):
    r = mediphi("status", "-c", "configs/test.yaml", "--run-dir", str(tmp_path))
    assert r.returncode == 0 and "prepare" in r.stdout


def test_cluster_yaml_is_accepted_by_the_ray_launcher_schema():
    from ray.autoscaler._private.util import prepare_config, validate_config

    cfg = prepare_config(yaml.safe_load((REPO / "cluster.yaml").read_text()))
    validate_config(cfg)
    assert any("gpu" in name for name in cfg["available_node_types"])
    assert all(t.get("min_workers", 0) == 0 for n, t in cfg["available_node_types"].items() if n != "head")


def test_evaluate_lists_every_task():
    from mediphi.catalog import EVAL_TASKS

    r = mediphi("evaluate", "--list-tasks")
    assert r.returncode == 0, r.stderr
    listed = {line.split("│")[1].strip() for line in r.stdout.splitlines() if line.count("│") > 2}
    assert listed == set(EVAL_TASKS)
    assert sum(1 for t, (suite, _) in EVAL_TASKS.items() if suite in ("CLUE", "CLUE+")) == 12
