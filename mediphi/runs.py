"""Run directory, stage manifests, skip and resume.

A stage writes only under `run_dir/<stage>/` and ends by writing `manifest.json` there. The
manifest's fingerprint is the hash of the config sections the stage reads plus the hashes of the
upstream manifests it consumed, so editing an upstream stage's config invalidates everything
downstream, and nothing else. A stage that died leaves a manifest with status "running": the next
run with the same fingerprint resumes, and the stage body skips sub-units it marked done.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from mediphi.config import RunConfig, UserError

log = logging.getLogger("mediphi")

MANIFEST = "manifest.json"
TRACKED_PACKAGES = ("mediphi", "ray", "torch", "transformers", "trl", "peft", "deepspeed", "mergekit", "vllm")


class MissingInputError(UserError, RuntimeError):
    """An upstream stage's output is missing; str() says which command produces it."""


class CountMismatchError(RuntimeError):
    """Records were lost: in != kept + filtered + quarantined."""


def package_versions() -> dict[str, str]:
    out = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def finite(obj: Any) -> Any:
    """obj with every NaN or infinite float as None: JSON has no NaN, and strict parsers (JavaScript,
    jq, Go, Java) reject the `NaN` Python writes by default. A mean over nothing is "no value"."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if hasattr(obj, "item") and hasattr(obj, "dtype") and getattr(obj, "ndim", 1) == 0:  # numpy scalars
        return finite(obj.item())
    return obj


def strict_json(obj: Any, **kwargs: Any) -> str:
    """JSON any parser reads: non-finite floats become null (allow_nan=False proves none is left)."""
    return json.dumps(finite(obj), allow_nan=False, default=str, **kwargs)


def write_json_atomic(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(strict_json(obj, indent=2, sort_keys=False))
    os.replace(tmp, path)


class RunDir:
    """The root of one run: one folder per stage, each with its manifest."""

    def __init__(self, root: str | Path):
        if "://" in str(root):
            # Models are HF directories written by save_pretrained, which needs a POSIX path;
            # on a multi-node cluster mount shared storage (NFS, FUSE) and give its path.
            raise UserError(f"run_dir '{root}': give a local or mounted shared path, not a URI")
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"RunDir({str(self.root)!r})"

    def stage_dir(self, stage: str) -> Path:
        return self.root / stage

    def read_manifest(self, stage: str) -> dict[str, Any] | None:
        p = self.stage_dir(stage) / MANIFEST
        if not p.is_file():
            return None
        return json.loads(p.read_text())

    def require(self, stage: str) -> dict[str, Any]:
        """The complete manifest of an upstream stage, or a MissingInputError naming the fix."""
        m = self.read_manifest(stage)
        if m is None or m.get("status") != "complete":
            state = "has not run" if m is None else f"is {m.get('status')}"
            raise MissingInputError(
                f"stage '{stage}' {state} in {self.root}: run `mediphi {stage} --run-dir {self.root}` "
                f"(or `mediphi pipeline`) first"
            )
        return m

    def output(self, stage: str, key: str) -> Any:
        """An output recorded in an upstream manifest; paths are made absolute."""
        m = self.require(stage)
        if key not in m["outputs"]:
            raise MissingInputError(f"stage '{stage}' manifest has no output '{key}'")
        return _absolutize(m["outputs"][key], self.stage_dir(stage))


def _absolutize(value: Any, base: Path) -> Any:
    if isinstance(value, str) and value.startswith("./"):
        return str(base / value[2:])
    if isinstance(value, dict):
        return {k: _absolutize(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_absolutize(v, base) for v in value]
    return value


def _relativize(value: Any, base: Path) -> Any:
    """Paths under the stage dir are stored as './...' so a run dir can be moved."""
    if isinstance(value, (str, Path)):
        s = str(value)
        if s.startswith("/"):
            try:
                return "./" + str(Path(s).relative_to(base))
            except ValueError:
                return s
        return s
    if isinstance(value, dict):
        return {k: _relativize(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_relativize(v, base) for v in value]
    return value


@dataclass
class StageDef:
    """What the runner needs to know about a stage to decide skip / resume / rerun."""

    name: str
    sections: tuple[str, ...]  # config sections whose values change the stage's output
    inputs: tuple[str, ...] = ()  # upstream stages whose manifests it reads
    # Upstream stages it reads where they completed, and does without otherwise (serve: whichever
    # models the run has); a completed one is part of the fingerprint like a required input.
    optional_inputs: tuple[str, ...] = ()
    always_run: bool = False  # live state (a Serve app) cannot be skipped from a file


@dataclass
class StageContext:
    """Handed to a stage body: where to write, what came from upstream, how to resume."""

    stage: StageDef
    config: RunConfig
    run_dir: RunDir
    out: Path
    inputs: dict[str, dict[str, Any]]
    resumed: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"mediphi.{self.stage.name}")

    def input(self, stage: str, key: str) -> Any:
        return self.run_dir.output(stage, key)

    # -- sub-unit resume: a stage marks each finished unit (a corpus, an expert, a model) done.
    def _marker(self, key: str) -> Path:
        return self.out / ".done" / f"{key}.json"

    def is_done(self, key: str) -> bool:
        return self._marker(key).is_file()

    def done_info(self, key: str) -> dict[str, Any]:
        return json.loads(self._marker(key).read_text())

    def mark_done(self, key: str, info: dict[str, Any] | None = None) -> None:
        write_json_atomic(self._marker(key), info or {})

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)


StageBody = Callable[[StageContext], dict[str, Any]]


def fingerprint(stage: StageDef, config: RunConfig, run_dir: RunDir) -> tuple[str, dict[str, str]]:
    inputs = {s: run_dir.require(s)["hash"] for s in stage.inputs}
    for s in stage.optional_inputs:
        m = run_dir.read_manifest(s)
        if m and m.get("status") == "complete":
            inputs[s] = m["hash"]
    config_hash = config.section_hash(*stage.sections)
    return _hash({"stage": stage.name, "config": config_hash, "inputs": inputs}), inputs


def execute(stage: StageDef, config: RunConfig, run_dir: RunDir | str, body: StageBody,
            force: bool = False) -> dict[str, Any]:
    """Run `body` as stage `stage` unless an up-to-date manifest says it already ran."""
    rd = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    fp, input_hashes = fingerprint(stage, config, rd)
    old = rd.read_manifest(stage.name)
    if old and old.get("fingerprint") == fp and old.get("status") == "complete" and not (
        force or stage.always_run
    ):
        log.info("[%s] up to date (fingerprint %s): skipped", stage.name, fp)
        return old
    with run_dir_lock(rd, stage.name):
        # Read again under the lock: the manifest is what the last holder left.
        return _execute_locked(stage, config, rd, body, force, fp, input_hashes, rd.read_manifest(stage.name))


def _execute_locked(stage: StageDef, config: RunConfig, rd: RunDir, body: StageBody, force: bool, fp: str,
                    input_hashes: dict[str, str], old: dict[str, Any] | None) -> dict[str, Any]:
    out = rd.stage_dir(stage.name)
    resumed = bool(old and old.get("fingerprint") == fp and old.get("status") != "complete") and not force
    if out.exists() and (force or (old and not resumed and old.get("fingerprint") != fp)):
        # --force recomputes everything: done-markers and Ray Train checkpoints would skip or
        # resume the units of the previous attempt.
        log.info("[%s] %s: clearing the old output", stage.name,
                 "--force" if force else "config or inputs changed")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    write_json_atomic(out / MANIFEST, {"stage": stage.name, "status": "running", "fingerprint": fp,
                                       "started_at": started})
    log.info("[%s] %s", stage.name, "resuming" if resumed else "running")
    ctx = StageContext(stage, config, rd, out, {s: rd.require(s) for s in input_hashes}, resumed)
    t0 = time.perf_counter()
    try:
        result = body(ctx) or {}
    except BaseException:
        m = rd.read_manifest(stage.name) or {}
        m.update(status="failed", failed_at=time.time())
        write_json_atomic(out / MANIFEST, m)
        raise
    counts = result.get("counts", {})
    check_counts(stage.name, counts)
    outputs = _relativize(result.get("outputs", {}), out)
    manifest = {
        "stage": stage.name,
        "status": "complete",
        "fingerprint": fp,
        "config_hash": config.section_hash(*stage.sections),
        "config": {s: getattr(config, s).model_dump(mode="json") for s in stage.sections},
        "inputs": input_hashes,
        "counts": counts,
        "metrics": result.get("metrics", {}),
        "outputs": outputs,
        "timings": {"total_s": round(time.perf_counter() - t0, 3), **ctx.timings},
        "started_at": started,
        "finished_at": time.time(),
        "resumed": resumed,
        "versions": package_versions(),
    }
    manifest["hash"] = pinned_hash(manifest)
    write_json_atomic(out / MANIFEST, manifest)
    log.info("[%s] complete in %.1fs %s", stage.name, manifest["timings"]["total_s"],
             _counts_line(counts))
    return manifest


class RunDirBusyError(UserError, RuntimeError):
    """Another process runs a stage in this run directory."""


_LOCK_FILE = ".lock"
_held: set[Path] = set()  # run dirs this process holds: the lock is re-entrant within one process


@contextmanager
def run_dir_lock(rd: RunDir, stage: str) -> Iterator[None]:
    """An exclusive lock on the run directory while a stage runs, so that two runs on one directory
    cannot interleave their writes. Re-entrant in one process (a stage that runs another); released
    by the OS when the process dies, so a crash never leaves a stale lock."""
    import fcntl
    import socket

    if rd.root in _held:  # the outermost holder releases it
        yield
        return
    rd.root.mkdir(parents=True, exist_ok=True)
    fh = open(rd.root / _LOCK_FILE, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise RunDirBusyError(f"run_dir {rd.root} is in use: {holder}. Wait for that run to finish, or give "
                              f"this one another run.run_dir (--run-dir)") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"stage '{stage}' run by pid {os.getpid()} on {socket.gethostname()} since "
             f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    fh.flush()
    _held.add(rd.root)
    try:
        yield
    finally:
        _held.discard(rd.root)
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _counts_line(counts: dict[str, Any]) -> str:
    flat = {k: v for k, v in counts.items() if isinstance(v, (int, float))}
    return " ".join(f"{k}={v}" for k, v in flat.items())


def check_counts(stage: str, counts: dict[str, Any]) -> None:
    """records in = kept + filtered + quarantined, for the stage and for each nested group."""
    groups = [("", counts)] + [(f"{k}.", v) for k, v in counts.items() if isinstance(v, dict)]
    for prefix, c in groups:
        if "in" in c:
            total = c.get("kept", 0) + c.get("filtered", 0) + c.get("quarantined", 0)
            if c["in"] != total:
                raise CountMismatchError(
                    f"[{stage}] {prefix}in={c['in']} but kept+filtered+quarantined={total}: records lost"
                )


def write_manifest(run_dir: RunDir | str, stage: str, outputs: dict[str, Any],
                   counts: dict[str, Any] | None = None, note: str = "registered") -> dict[str, Any]:
    """Register existing artifacts as a complete stage (bring your own merged model, say).

    Downstream stages then read them exactly as if the stage had run; tests use this to give a
    stage its inputs without running everything upstream.
    """
    rd = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    out = rd.stage_dir(stage)
    out.mkdir(parents=True, exist_ok=True)
    outputs = _relativize(outputs, out)
    manifest = {"stage": stage, "status": "complete", "fingerprint": f"{note}:{_hash(outputs)}",
                "counts": counts or {}, "metrics": {}, "outputs": outputs, "timings": {},
                "versions": package_versions(), "note": note}
    manifest["hash"] = pinned_hash(manifest)
    write_json_atomic(out / MANIFEST, manifest)
    return manifest


# Outputs that record where a stage reported, not what it produced (MLflow run ids differ on every
# training): downstream stages do not rerun because of them.
UNPINNED_OUTPUTS = ("tracking",)


def pinned_hash(manifest: dict[str, Any]) -> str:
    """The hash downstream stages pin: what this stage produced and from what, not when."""
    outputs = {k: v for k, v in manifest["outputs"].items() if k not in UNPINNED_OUTPUTS}
    return _hash({"fingerprint": manifest["fingerprint"], "counts": manifest["counts"], "outputs": outputs})
