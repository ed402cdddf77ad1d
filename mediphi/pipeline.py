"""Run stages in order: each one skips itself when its manifest is up to date."""
from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from mediphi.config import STAGES, ConfigError, RunConfig
from mediphi.runs import MissingInputError, RunDir, fingerprint, run_dir_lock, write_json_atomic

log = logging.getLogger("mediphi")


def stage_module(name: str) -> ModuleType:
    if name not in STAGES:
        raise ConfigError(f"unknown stage '{name}'; stages: {', '.join(STAGES)}")
    return importlib.import_module(f"mediphi.{name}")


def run_dir_of(config: RunConfig, run_dir: str | None = None) -> RunDir:
    return RunDir(run_dir or config.run.run_dir)


def run_stage(name: str, config: RunConfig, run_dir: str | RunDir | None = None,
              force: bool = False) -> dict[str, Any]:
    rd = run_dir if isinstance(run_dir, RunDir) else run_dir_of(config, run_dir)
    return stage_module(name).run(config, rd, force=force)


def is_up_to_date(name: str, config: RunConfig, rd: RunDir) -> bool:
    m = rd.read_manifest(name)
    if not m or m.get("status") != "complete":
        return False
    try:
        fp, _ = fingerprint(stage_module(name).STAGE, config, rd)
    except MissingInputError:
        return False
    return fp == m.get("fingerprint")


def serve_not_needed(config: RunConfig, rd: RunDir) -> bool:
    """Evaluation is up to date against a serve manifest that is itself up to date: serve's
    fingerprint covers the manifests of the models it serves (its optional inputs), so a retrained
    expert, merge or alignment makes it stale and the endpoint comes back for evaluation."""
    return is_up_to_date("evaluate", config, rd) and is_up_to_date("serve", config, rd)


@dataclass
class StageResult:
    stage: str
    status: str  # ran | skipped | failed | not needed
    seconds: float
    manifest: dict[str, Any] | None = None


def select(start: str | None, end: str | None) -> list[str]:
    names = list(STAGES)
    for label, value in (("--from", start), ("--to", end)):
        if value is not None and value not in names:
            raise ConfigError(f"{label} {value}: unknown stage; stages: {', '.join(names)}")
    i = names.index(start) if start else 0
    j = names.index(end) + 1 if end else len(names)
    if i >= j:
        raise ConfigError(f"--from {start} comes after --to {end}")
    return names[i:j]


def run_pipeline(config: RunConfig, run_dir: str | None = None, start: str | None = None,
                 end: str | None = None, force: bool = False, keep_serving: bool = False) -> list[StageResult]:
    rd = run_dir_of(config, run_dir)
    # One lock for the whole pipeline: another run on this directory cannot slip in between stages.
    with run_dir_lock(rd, "pipeline"):
        return _run_pipeline(config, rd, start, end, force, keep_serving)


def _run_pipeline(config: RunConfig, rd: RunDir, start: str | None, end: str | None, force: bool,
                  keep_serving: bool) -> list[StageResult]:
    (rd.root / "config.yaml").write_text(config.to_yaml())
    results: list[StageResult] = []
    served = False
    try:
        for name in select(start, end):
            # The endpoint only matters to evaluation: with evaluation up to date, a rerun of the
            # pipeline need not load every model into a Serve app again.
            if name == "serve" and not force and serve_not_needed(config, rd):
                results.append(StageResult(name, "not needed", 0.0, rd.read_manifest(name)))
                log.info("[serve] evaluation is up to date: not starting the endpoint")
                continue
            t0 = time.perf_counter()
            skipped = not force and is_up_to_date(name, config, rd) and not stage_module(name).STAGE.always_run
            try:
                manifest = run_stage(name, config, rd, force=force)
            except BaseException:
                results.append(StageResult(name, "failed", time.perf_counter() - t0))
                raise
            served |= name == "serve"
            results.append(StageResult(name, "skipped" if skipped else "ran", time.perf_counter() - t0, manifest))
    finally:
        if served and not keep_serving:
            from mediphi.serve import shutdown

            shutdown()
        write_json_atomic(rd.root / "pipeline.json", [
            {"stage": r.stage, "status": r.status, "seconds": round(r.seconds, 2),
             "stage_seconds": (r.manifest or {}).get("timings", {}).get("total_s")} for r in results
        ])
    return results
