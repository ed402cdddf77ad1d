"""Manifests: skip when up to date, rerun on change, resume after a crash, no lost records."""
import json

import pytest

from mediphi.config import RunConfig
from mediphi.runs import (CountMismatchError, MissingInputError, RunDir, StageDef, execute,
                          write_manifest)

UP = StageDef("up", sections=("prepare",))
DOWN = StageDef("down", sections=("pit",), inputs=("up",))


def _cfg(**over):
    return RunConfig.from_dict({"prepare": {"min_chars": over.get("min_chars", 40)},
                                "pit": {"seq_len": over.get("seq_len", 64)}})


def _writer(calls, name="data.txt", counts=None):
    def body(ctx):
        calls.append(ctx.stage.name)
        (ctx.out / name).write_text("x")
        return {"counts": counts or {"in": 3, "kept": 2, "filtered": 1, "quarantined": 0},
                "outputs": {"file": ctx.out / name}}
    return body


def test_skip_rerun_and_downstream_invalidation(tmp_path):
    rd, calls = RunDir(tmp_path), []
    m1 = execute(UP, _cfg(), rd, _writer(calls))
    assert m1["status"] == "complete" and m1["outputs"]["file"] == "./data.txt"
    assert rd.output("up", "file") == str(tmp_path / "up" / "data.txt")
    execute(DOWN, _cfg(), rd, _writer(calls))
    assert calls == ["up", "down"]
    # Same config: both skipped.
    assert execute(UP, _cfg(), rd, _writer(calls))["hash"] == m1["hash"]
    execute(DOWN, _cfg(), rd, _writer(calls))
    assert calls == ["up", "down"]
    # A change to a section DOWN does not read leaves everything skipped...
    execute(DOWN, _cfg(min_chars=40, seq_len=64), rd, _writer(calls))
    assert calls == ["up", "down"]
    # ...a change upstream reruns UP, and DOWN sees a new input hash and reruns too.
    execute(UP, _cfg(min_chars=10), rd, _writer(calls, counts={"in": 3, "kept": 3, "filtered": 0}))
    execute(DOWN, _cfg(min_chars=10), rd, _writer(calls))
    assert calls == ["up", "down", "up", "down"]


def test_an_optional_input_is_read_where_it_completed_and_pins_the_stage(tmp_path):
    # serve's shape: it runs without the upstream stage, and once that stage completes (or changes)
    # it is stale, its manifest naming the hash it read
    rd, calls = RunDir(tmp_path), []
    maybe = StageDef("maybe", sections=("pit",), optional_inputs=("up",))
    alone = execute(maybe, _cfg(), rd, _writer(calls))
    assert alone["inputs"] == {} and calls == ["maybe"]
    up = execute(UP, _cfg(), rd, _writer(calls))
    with_up = execute(maybe, _cfg(), rd, _writer(calls))
    assert calls == ["maybe", "up", "maybe"] and with_up["inputs"] == {"up": up["hash"]}
    execute(maybe, _cfg(), rd, _writer(calls))
    assert calls == ["maybe", "up", "maybe"]  # up to date
    execute(UP, _cfg(min_chars=10), rd, _writer(calls, counts={"in": 3, "kept": 3, "filtered": 0}))
    assert execute(maybe, _cfg(), rd, _writer(calls))["inputs"] == {"up": rd.read_manifest("up")["hash"]}
    assert calls == ["maybe", "up", "maybe", "up", "maybe"]


def test_crashed_stage_resumes_its_finished_units(tmp_path):
    rd, units_run = RunDir(tmp_path), []

    def body(ctx, crash_on=None):
        for unit in ("a", "b", "c"):
            if ctx.is_done(unit):
                continue
            if unit == crash_on:
                raise RuntimeError("boom")
            units_run.append(unit)
            ctx.mark_done(unit, {"n": 1})
        return {"outputs": {}}

    with pytest.raises(RuntimeError):
        execute(UP, _cfg(), rd, lambda ctx: body(ctx, crash_on="c"))
    assert rd.read_manifest("up")["status"] == "failed"
    m = execute(UP, _cfg(), rd, body)
    assert units_run == ["a", "b", "c"] and m["resumed"] is True


def test_changed_config_clears_stale_output(tmp_path):
    rd = RunDir(tmp_path)
    execute(UP, _cfg(), rd, _writer([], name="old.txt"))
    execute(UP, _cfg(min_chars=1), rd, _writer([], name="new.txt"))
    assert not (tmp_path / "up" / "old.txt").exists() and (tmp_path / "up" / "new.txt").exists()


def test_lost_records_fail_the_stage(tmp_path):
    with pytest.raises(CountMismatchError, match="records lost"):
        execute(UP, _cfg(), RunDir(tmp_path), _writer([], counts={"c": {"in": 5, "kept": 4}}))


def test_missing_input_names_the_command(tmp_path):
    with pytest.raises(MissingInputError, match="mediphi up"):
        execute(DOWN, _cfg(), RunDir(tmp_path), _writer([]))


def test_registered_artifacts_feed_downstream(tmp_path):
    (tmp_path / "model").mkdir()
    write_manifest(tmp_path, "up", {"model": str(tmp_path / "up" / "m")})
    m = execute(DOWN, _cfg(), RunDir(tmp_path), _writer([]))
    assert json.loads((tmp_path / "down" / "manifest.json").read_text())["inputs"]["up"] == \
        RunDir(tmp_path).read_manifest("up")["hash"] == m["inputs"]["up"]
    assert RunDir(tmp_path).output("up", "model") == str(tmp_path / "up" / "m")


def test_force_recomputes_every_unit(tmp_path):
    """--force: the finished units of the last run are not skipped (their done-markers go)."""
    rd, units_run = RunDir(tmp_path), []

    def body(ctx):
        for unit in ("a", "b"):
            if not ctx.is_done(unit):
                units_run.append(unit)
                ctx.mark_done(unit)
        return {"outputs": {}}

    first = execute(UP, _cfg(), rd, body)
    assert execute(UP, _cfg(), rd, body)["finished_at"] == first["finished_at"] and units_run == ["a", "b"]
    forced = execute(UP, _cfg(), rd, body, force=True)
    assert units_run == ["a", "b", "a", "b"] and forced["resumed"] is False
    # a failed attempt, then --force: nothing of the failed attempt is resumed either
    (tmp_path / "up" / "manifest.json").write_text(json.dumps({**forced, "status": "failed"}))
    execute(UP, _cfg(), rd, body, force=True)
    assert units_run == ["a", "b", "a", "b", "a", "b"]


def test_a_second_process_on_the_same_run_dir_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    from mediphi.runs import RunDirBusyError, run_dir_lock

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from mediphi.runs import RunDir, run_dir_lock\n"
        f"with run_dir_lock(RunDir({str(tmp_path)!r}), 'experts'):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirBusyError, match=rf"in use: stage 'experts' run by pid {holder.pid}"):
            execute(UP, _cfg(), RunDir(tmp_path), _writer([]))
        assert RunDir(tmp_path).read_manifest("up") is None  # nothing was written
    finally:
        holder.kill()
        holder.wait()
    # the OS released the dead holder's lock: the run goes on, and the lock is re-entrant in-process
    rd = RunDir(tmp_path)
    with run_dir_lock(rd, "pipeline"):
        assert execute(UP, _cfg(), rd, _writer([]))["status"] == "complete"


def test_manifests_are_strict_json_even_with_nan_metrics(tmp_path):
    """A mean over no rows is NaN in Python; the manifest says null, so strict parsers read it."""
    import math

    import numpy as np

    def body(ctx):
        return {"outputs": {}, "metrics": {"judge_mean": float("nan"), "best": np.float32("inf"),
                                           "curve": [1.0, math.nan], "ok": np.float64(0.5)}}

    execute(UP, _cfg(), RunDir(tmp_path), body)
    text = (tmp_path / "up" / "manifest.json").read_text()
    m = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the manifest"))
    assert m["metrics"] == {"judge_mean": None, "best": None, "curve": [1.0, None], "ok": 0.5}
