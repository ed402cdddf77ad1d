"""The recipe's effect: run the whole pipeline on configs/effect.yaml and print its claims.

Why: the paper's result is a shape (each PIT expert beats the base on its domain, the merged
model keeps those gains, alignment adds to them). This runs every stage with enough training to
move the 135M model, then prints, from the evaluate stage's effect.json and report.json:
  - per expert: its gain over the base on its own domain's tasks, paired 95% interval;
  - how much of each gain the merged model keeps, and merged against the expert;
  - aligned against merged over every task;
  - per task (knowledge or generalization) every model's score with its interval and n;
  - the wall time of each stage.
It writes benchmarks/out/effect.json (and effect.png, the gains with their intervals); with
--reference, a copy under benchmarks/reference/ as well. A finished run is not redone (stages
resume), so `--reference` on a finished run only collects.

    python benchmarks/effect.py                         # the 60-minute run on 2 cores
    python benchmarks/effect.py --config configs/demo.yaml --run-dir runs/demo   # the demo's claims
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def verdict(iv: dict[str, Any]) -> str:
    return "gain" if iv["significant"] and iv["mean"] > 0 else ("loss" if iv["significant"] else "noise")


def ci(iv: dict[str, Any], signed: bool = True) -> str:
    f = "{:+.3f}" if signed else "{:.3f}"
    return f"{f.format(iv['mean'])} [{f.format(iv['low'])}, {f.format(iv['high'])}]"


def claims(effect: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per claim: what is compared, on which tasks, the interval, the verdict, the goal."""
    rows = []
    for corpus, e in effect["experts"].items():
        if "gain" not in e:
            rows.append({"claim": f"expert-{corpus} vs base", "tasks": [], "note": e.get("note", "")})
            continue
        rows.append({"claim": f"expert-{corpus} vs base", "tasks": e["tasks"], "interval": e["gain"],
                     "verdict": verdict(e["gain"]), "goal": "interval above 0", "met": e["goal_beats_base"]})
        for t, pt in e.get("per_task", {}).items() if len(e.get("per_task", {})) > 1 else ():
            rows.append({"claim": f"  expert-{corpus} vs base, {t} ({pt['tests']})", "tasks": [t],
                         "interval": pt["gain"], "verdict": verdict(pt["gain"])})
            if "merged_gain" in pt:
                rows.append({"claim": f"  merged vs base, {t} ({pt['tests']})", "tasks": [t],
                             "interval": pt["merged_gain"], "verdict": verdict(pt["merged_gain"])})
        if "raw_gain" in e:
            rows.append({"claim": f"expert-{corpus}-raw vs base", "tasks": e["tasks"], "interval": e["raw_gain"],
                         "verdict": verdict(e["raw_gain"])})
        if "merged_gain" in e:
            rows.append({"claim": f"merged vs base ({corpus} tasks)", "tasks": e["tasks"],
                         "interval": e["merged_gain"], "verdict": verdict(e["merged_gain"]),
                         "kept": e["merged_kept"], "goal": "keeps >= 80% of the expert's gain",
                         "met": e["goal_merged_keeps_80pct"]})
            rows.append({"claim": f"merged vs expert-{corpus}", "tasks": e["tasks"],
                         "interval": e["merged_vs_expert"], "verdict": verdict(e["merged_vs_expert"])})
    if "aligned_vs_merged" in effect:
        rows.append({"claim": "aligned vs merged", "tasks": ["all"], "interval": effect["aligned_vs_merged"],
                     "verdict": verdict(effect["aligned_vs_merged"]), "goal": "no significant loss",
                     "met": effect["goal_aligned_not_worse"]})
    return rows


def summarize(run_dir: Path, wall_s: float | None) -> dict[str, Any]:
    out = run_dir / "evaluate"
    report = json.loads((out / "report.json").read_text())
    effect = json.loads((out / "effect.json").read_text())
    stages = json.loads((run_dir / "pipeline.json").read_text())
    scores = {t: {m: {k: row[t]["score"][k] for k in ("mean", "low", "high", "n")}
                  for m, row in report["results"].items() if t in row}
              for t in report["tasks"]}
    return {
        "claims": claims(effect),
        "tasks": {t: {"tests": info["tests"], "domain": info["domain"], "metric": info["metric"], "n": info["n"],
                      "scores": scores[t]} for t, info in report["tasks"].items()},
        "stages": {s["stage"]: {"status": s["status"], "seconds": s["seconds"]} for s in stages},
        "wall_s": round(wall_s, 1) if wall_s is not None else None,
        "effect": effect,
        "machine": {"platform": platform.platform(), "cpus": _cpus()},
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def print_tables(s: dict[str, Any]) -> None:
    print("\nclaim | tasks | mean [95% paired interval] | verdict | goal met")
    print("---|---|---|---|---")
    for r in s["claims"]:
        if "interval" not in r:
            print(f"{r['claim']} | - | - | {r['note']} | -")
            continue
        kept = f" (kept {100 * r['kept']:.0f}%)" if r.get("kept") is not None else ""
        met = "-" if "met" not in r else ("yes" if r["met"] else "no")
        print(f"{r['claim']} | {', '.join(r['tasks'])} | {ci(r['interval'])}{kept} | {r['verdict']} | {met}")
    print("\ntask (tests, metric, n) | " + " | ".join(next(iter(s["tasks"].values()))["scores"]))
    for t, info in s["tasks"].items():
        models = next(iter(s["tasks"].values()))["scores"]
        cells = [ci(info["scores"][m], signed=False) if m in info["scores"] else "-" for m in models]
        print(f"{t} ({info['tests']}, {info['metric']}, n={info['n']}) | " + " | ".join(cells))
    total = sum(v["seconds"] for v in s["stages"].values())
    print("\nstage seconds: " + ", ".join(f"{k} {v['seconds']:.0f}" for k, v in s["stages"].items())
          + f"; total {total / 60:.1f} min")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(ROOT / "configs" / "effect.yaml"))
    ap.add_argument("--run-dir", default=None, help="default: the config's run.run_dir")
    ap.add_argument("--collect-only", action="store_true", help="summarize a finished run; run nothing")
    ap.add_argument("--reference", action="store_true", help="also copy the summary to benchmarks/reference/")
    args = ap.parse_args()

    from mediphi.config import RunConfig

    config = RunConfig.load(args.config)
    run_dir = Path(args.run_dir or config.run.run_dir)
    wall = None
    if not args.collect_only:
        # The CLI's own setup (logging, caches, env) and exit codes: the command users run.
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mediphi.cli", "pipeline", "--config", args.config,
                        "--run-dir", str(run_dir)], check=True)
        wall = time.perf_counter() - t0
    s = summarize(run_dir, wall)
    config_path = Path(args.config).resolve()
    s["config"] = str(config_path.relative_to(ROOT)) if config_path.is_relative_to(ROOT) else args.config
    print_tables(s)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{config.run.name}_effect.json").write_text(json.dumps(s, indent=2))
    shutil.copyfile(run_dir / "evaluate" / "effect.png", out / f"{config.run.name}_effect.png")
    print(f"\nwrote benchmarks/out/{config.run.name}_effect.json and .png")
    if args.reference:
        ref = ROOT / "benchmarks" / "reference"
        (ref / f"{config.run.name}_effect.json").write_text(json.dumps(s, indent=2))
        shutil.copyfile(run_dir / "evaluate" / "effect.png", ref / f"{config.run.name}_effect.png")
        print(f"wrote benchmarks/reference/{config.run.name}_effect.json and .png")


if __name__ == "__main__":
    main()
