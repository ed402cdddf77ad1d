"""`mediphi pipeline` runs the recipe; `mediphi <stage>` runs one stage. Thin: calls the library."""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import click
import typer

from mediphi.config import STAGES, RunConfig, UserError

app = typer.Typer(
    help="MediPhi on Ray: corpora -> PIT experts -> merge -> MediFlow -> SFT/DPO -> serve -> evaluate.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)

STAGE_HELP = {
    "prepare": "Read, clean, de-identify, deduplicate and split the corpora (Ray Data).",
    "pit": "Write PIT task data per document with the teacher engine; pack both phases (Ray Data).",
    "experts": "Train one expert per corpus, phase 1 then phase 2 (Ray Train + DeepSpeed).",
    "merge": "Merge each expert into the base, then all experts; Ray Tune picks the parameters.",
    "synthesize": "Generate MediFlow instructions, judge scores and DPO pairs (Ray Data + engine).",
    "align": "SFT then DPO on MediFlow (TRL inside Ray Train).",
    "serve": "Host the run's models behind an OpenAI-compatible API (Ray Serve).",
    "evaluate": "Score the run's models on CLUE+ tasks over HTTP; write the report.",
}

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="Run config YAML.")]
RunDirOpt = Annotated[Optional[str], typer.Option("--run-dir", help="Overrides run.run_dir.")]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", help="Override a field, e.g. --set experts.phase1.max_steps=4 (repeatable).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Rerun even when the manifest is up to date.")]
LogOpt = Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING.")]

DEFAULT_CONFIG = Path("configs/demo.yaml")


def _setup(config_path: Path, run_dir: str | None, overrides: list[str] | None, log_level: str) -> RunConfig:
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request otherwise
    # Compiled DeepSpeed ops are cached across runs (setup.sh builds the CPU comm op ahead of time).
    from mediphi.training.ops import use_extension_cache
    use_extension_cache()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    cfg = RunConfig.load(config_path, overrides)
    if run_dir:
        cfg.run.run_dir = run_dir
    return cfg


def _stage_command(name: str):
    def command(config: ConfigOpt = DEFAULT_CONFIG, run_dir: RunDirOpt = None, set_: SetOpt = None,
                force: ForceOpt = False, log_level: LogOpt = "INFO",
                block: Annotated[bool, typer.Option(help="serve only: keep serving until Ctrl-C.")] = False,
                list_tasks: Annotated[bool, typer.Option(
                    "--list-tasks", help="evaluate only: list the evaluation tasks and exit.")] = False):
        from mediphi.cluster import connect
        from mediphi.pipeline import run_dir_of, run_stage, stage_module

        if list_tasks:
            _print_tasks()
            return
        cfg = _setup(config, run_dir, set_, log_level)
        rd = run_dir_of(cfg)
        for upstream in stage_module(name).STAGE.inputs:  # fail in a second, before Ray starts
            rd.require(upstream)
        connect(cfg)
        manifest = run_stage(name, cfg, force=force)
        _print_manifest(manifest)
        if name == "serve" and block:
            _block_serving(manifest)

    command.__name__ = name
    command.__doc__ = STAGE_HELP[name]
    return app.command(name, help=STAGE_HELP[name])(command)


for _name in STAGES:
    _stage_command(_name)


@app.command()
def pipeline(config: ConfigOpt = DEFAULT_CONFIG, run_dir: RunDirOpt = None, set_: SetOpt = None,
             force: ForceOpt = False, log_level: LogOpt = "INFO",
             start: Annotated[Optional[str], typer.Option("--from", help="First stage to run.")] = None,
             end: Annotated[Optional[str], typer.Option("--to", help="Last stage to run.")] = None,
             keep_serving: Annotated[bool, typer.Option(help="Leave the Serve app up at the end.")] = False):
    """Run every stage in order (finished stages are skipped), then print a summary."""
    from mediphi.cluster import connect
    from mediphi.pipeline import run_pipeline

    cfg = _setup(config, run_dir, set_, log_level)
    connect(cfg)
    results = run_pipeline(cfg, start=start, end=end, force=force, keep_serving=keep_serving)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"mediphi pipeline: {cfg.run.run_dir}")
    for col in ("stage", "status", "wall s"):
        table.add_column(col)
    for r in results:
        table.add_row(r.stage, r.status, f"{r.seconds:.1f}")
    console = Console()
    console.print(table)
    report = Path(cfg.run.run_dir) / "evaluate" / "report.md"
    if report.is_file():
        console.print(report.read_text())
    if keep_serving and any(r.stage == "serve" and r.manifest for r in results):
        _block_serving(next(r.manifest for r in results if r.stage == "serve"))


@app.command()
def status(config: ConfigOpt = DEFAULT_CONFIG, run_dir: RunDirOpt = None, set_: SetOpt = None):
    """Show each stage's state in the run directory."""
    from rich.console import Console
    from rich.table import Table

    from mediphi.pipeline import is_up_to_date, run_dir_of

    cfg = _setup(config, run_dir, set_, "WARNING")
    rd = run_dir_of(cfg)
    table = Table(title=str(rd.root))
    for col in ("stage", "status", "up to date", "seconds", "counts"):
        table.add_column(col)
    for name in STAGES:
        m = rd.read_manifest(name)
        if not m:
            table.add_row(name, "-", "-", "-", "")
            continue
        counts = {k: v for k, v in m.get("counts", {}).items() if not isinstance(v, dict)}
        table.add_row(name, m["status"], "yes" if is_up_to_date(name, cfg, rd) else "no",
                      str(m.get("timings", {}).get("total_s", "")), json.dumps(counts))
    Console().print(table)


@app.command("config")
def show_config(config: ConfigOpt = DEFAULT_CONFIG, set_: SetOpt = None):
    """Validate a config and print it with every default filled in."""
    cfg = _setup(config, None, set_, "WARNING")
    typer.echo(cfg.to_yaml())


def _print_tasks() -> None:
    from rich.console import Console
    from rich.table import Table

    from mediphi.evaluate.tasks import all_tasks

    table = Table(title="evaluation tasks (evaluate.tasks; CLUE/CLUE+ data files: evaluate.data.<task>)")
    for col in ("task", "suite", "metric", "tests", "description"):
        table.add_column(col)
    for t in all_tasks().values():
        table.add_row(t.name, t.suite, t.metric, t.tests, t.description)
    Console(width=160).print(table)


def _print_manifest(m: dict) -> None:
    keep = {k: m.get(k) for k in ("stage", "status", "counts", "metrics", "outputs", "timings")}
    typer.echo(json.dumps(keep, indent=2, default=str)[:6000])


def _block_serving(manifest: dict) -> None:
    import time

    typer.echo(f"serving {', '.join(manifest['outputs']['models'])} at {manifest['outputs']['endpoint']} "
               "(Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, standalone_mode=False)
    except click.exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        sys.exit(130)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except UserError as e:
        # One clear line per problem, no traceback: these are the user's to fix.
        for line in str(e).splitlines() or [type(e).__name__]:
            print(f"error: {line}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
