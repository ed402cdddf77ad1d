"""prepare at 1x and 10x input, and Ray Data on 2 CPUs against one process doing the same work.

Why: a clinical corpus is millions of notes; `prepare` must stream them, so its peak memory
should not grow with the corpus, and Ray Data should use the machine's cores. The input is a
synthetic JSON-lines corpus of clinical-style notes (each ~1.2 KB, a few identifiers in it, no two
alike), in files of --per-file notes.

Variants, each in a fresh child process, one after another:
  ray        `mediphi prepare` on a local Ray cluster with --cpus CPUs (read, normalize, de-identify,
             filter, exact and MinHash near-duplicates, split, Parquet), at 1x and 10x
  single     the same per-record functions in one Python process, no Ray: read each file with the
             reader prepare uses, clean_record (normalize, de-identify, split), MinHash signatures,
             the same exact and near-duplicate verdicts, one Parquet file per split
Peak memory: the machine's used + shared memory (Ray's object store lives in shared memory),
sampled every 0.2 s while the child runs, minus what was in use before it started. Run it on an
otherwise idle machine; other processes' memory shows up in the number.

    python benchmarks/prepare_scale.py [--docs 4000] [--scale 10] [--cpus 2]
Prints a table, writes benchmarks/out/prepare_scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

_OPEN = ["Patient seen in clinic for follow-up of {c}.", "{a}-year-old admitted with {c}.",
         "Telephone note: caller reports worsening {c}.", "Consult requested for {c}.",
         "Discharge summary. Principal diagnosis: {c}."]
_COND = ["type 2 diabetes mellitus", "community-acquired pneumonia", "heart failure with reduced ejection fraction",
         "chronic kidney disease stage 3", "atrial fibrillation", "COPD exacerbation", "cellulitis of the leg",
         "major depressive disorder", "osteoarthritis of the knee", "acute pancreatitis", "sepsis", "asthma"]
_MED = ["metformin 500 mg twice daily", "lisinopril 10 mg daily", "apixaban 5 mg twice daily",
        "furosemide 40 mg daily", "atorvastatin 40 mg nightly", "sertraline 50 mg daily", "insulin glargine 20 units",
        "amoxicillin-clavulanate 875 mg twice daily", "prednisone 40 mg daily", "albuterol as needed"]
_FIND = ["Lungs with scattered crackles at the bases.", "Heart regular, no murmur.", "Abdomen soft, non-tender.",
         "Trace bilateral ankle edema.", "Alert and oriented, no focal deficit.", "Skin warm with erythema.",
         "Creatinine {x}.{y} mg/dL, potassium 4.{y} mmol/L.", "HbA1c {x}.{y}%.", "BNP {n} pg/mL.",
         "Oxygen saturation 9{y}% on room air.", "Temperature 3{y}.{x} C, heart rate {n2}."]
_PLAN = ["Continue {m}.", "Start {m}.", "Stop {m} because of side effects.", "Follow up in {w} weeks.",
         "Recheck labs in {w} days.", "Referred to {s}.", "Return precautions reviewed."]
_SPEC = ["cardiology", "nephrology", "endocrinology", "physical therapy", "pulmonology", "psychiatry"]
_NAMES = ["Alice Moreno", "Samuel Okafor", "Grace Lindqvist", "Tomasz Nowak", "Priya Raman", "Daniel Cohen"]


def note(rng: random.Random, i: int) -> dict:
    fill = dict(c=rng.choice(_COND), a=rng.randint(20, 88), m=rng.choice(_MED), s=rng.choice(_SPEC),
                w=rng.randint(1, 12), x=rng.randint(1, 9), y=rng.randint(0, 9), n=rng.randint(50, 2000),
                n2=rng.randint(55, 120))
    parts = [rng.choice(_OPEN).format(**fill), f"Seen by Dr. {rng.choice(_NAMES)} on {rng.randint(1, 12)}/"
             f"{rng.randint(1, 28)}/20{rng.randint(10, 25)}."]
    parts += [rng.choice(_FIND).format(**fill) for _ in range(rng.randint(4, 7))]
    parts += [rng.choice(_PLAN).format(**{**fill, "m": rng.choice(_MED)}) for _ in range(rng.randint(3, 5))]
    parts.append(f"Note id {i}, visit {rng.randint(10**7, 10**8)}.")  # makes every note unique
    return {"id": f"n{i:07d}", "text": " ".join(parts)}


def write_corpus(path: Path, n_docs: int, per_file: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    for start in range(0, n_docs, per_file):
        with open(path / f"notes-{start // per_file:05d}.jsonl", "w") as f:
            for i in range(start, min(n_docs, start + per_file)):
                f.write(json.dumps(note(rng, i)) + "\n")


def config(data: Path, run_dir: Path, cpus: int) -> dict:
    return {"run": {"name": "scale", "run_dir": str(run_dir)}, "cluster": {"num_cpus": cpus},
            "prepare": {"corpora": [{"name": "notes", "kind": "jsonl", "path": str(data), "id_field": "id"}]}}


# ----------------------------------------------------------------------------- one variant (a child)
def run_single(data: Path, out: Path) -> dict:
    """prepare's per-record work in one process: the same functions, no Ray."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mediphi.config import RunConfig
    from mediphi.prepare.clean import clean_record
    from mediphi.prepare.dedup import LEDGER_COLUMNS, duplicate_verdicts, final_ledger, near_duplicate_verdicts
    from mediphi.prepare.neardup import signatures
    from mediphi.prepare.sources import Tally, jsonl_records

    cfg = RunConfig.from_dict(config(data, out, 1))
    corpus, p = cfg.prepare.corpora[0], cfg.prepare
    rows = []
    for f in sorted(data.glob("*.jsonl")):
        with open(f, "rb") as fh:
            for raw in jsonl_records(fh, f.name, corpus, Tally()):
                rows.append(clean_record(raw, corpus.name, corpus.deidentify, p.min_chars, p.max_chars,
                                         p.eval_fraction, p.val_fraction, p.deidentifier))
    kept = [i for i, r in enumerate(rows) if r["status"] == "kept"]
    sigs: list[bytes | None] = [None] * len(rows)
    for i, sig in zip(kept, signatures(rows[i]["text"] for i in kept)):
        sigs[i] = sig
    ledger = pa.Table.from_pylist([{c: r[c] for c in LEDGER_COLUMNS} for r in rows])
    ledger = ledger.append_column("minhash", pa.array(sigs, type=pa.binary()))
    verdicts = duplicate_verdicts(ledger, exact_dedup=p.dedup)
    near, _ = near_duplicate_verdicts(ledger, verdicts, corpus.name, p.near_dup_threshold)
    verdicts.update(near)
    final = final_ledger(ledger, verdicts)
    status = {r["row_uid"]: r["status"] for r in final}
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val", "eval"):
        docs = [r for r in rows if status[r["row_uid"]] == "kept" and r["split"] == split]
        pq.write_table(pa.Table.from_pylist([{k: r[k] for k in ("doc_id", "title", "text", "meta")} for r in docs]),
                       out / f"{split}.parquet")
    return {"kept": sum(s == "kept" for s in status.values()), "in": len(rows)}


def run_ray(data: Path, out: Path, cpus: int) -> dict:
    cfg_path = out / "config.json"
    out.mkdir(parents=True, exist_ok=True)
    cfg_path.write_text(json.dumps(config(data, out / "run", cpus)))
    subprocess.run([sys.executable, "-m", "mediphi.cli", "prepare", "-c", str(cfg_path)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    m = json.loads((out / "run" / "prepare" / "manifest.json").read_text())
    return {"kept": m["counts"]["kept"], "in": m["counts"]["in"]}


# ----------------------------------------------------------------------------- the parent
def used() -> int:
    vm = psutil.virtual_memory()
    return vm.used + getattr(vm, "shared", 0)


def measure(variant: str, data: Path, cpus: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="mediphi-scale-") as out:
        base = used()
        t0 = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, "--one", variant, "--data", str(data), "--out", out,
                                  "--cpus", str(cpus)], stdout=subprocess.PIPE, text=True)
        peak = 0
        while child.poll() is None:
            peak = max(peak, used() - base)
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        if child.returncode:
            raise SystemExit(f"{variant} on {data} failed ({child.returncode})")
        result = json.loads(child.stdout.read().strip().splitlines()[-1])
    return {**result, "seconds": round(wall, 1), "peak_mib": round(peak / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=4000, help="notes at 1x")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--per-file", type=int, default=1000)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "prepare_scale.json"))
    args = ap.parse_args()
    if args.one:
        result = run_single(Path(args.data), Path(args.out)) if args.one == "single" else \
            run_ray(Path(args.data), Path(args.out), args.cpus)
        print(json.dumps(result))
        return

    results = {}
    with tempfile.TemporaryDirectory(prefix="mediphi-scale-data-") as tmp:
        for label, n in (("1x", args.docs), (f"{args.scale}x", args.docs * args.scale)):
            data = Path(tmp) / label
            write_corpus(data, n, args.per_file)
            for variant in ("ray", "single"):
                print(f"{variant} {label} ({n} notes)...", flush=True)
                results[f"{variant}_{label}"] = {"variant": variant, "scale": label, "docs": n,
                                                 **measure(variant, data, args.cpus)}
    big = f"{args.scale}x"
    print(f"\n{'variant':<14}{'notes':>8}{'kept':>8}{'seconds':>10}{'notes/s':>10}{'peak MiB':>10}")
    for r in results.values():
        print(f"{r['variant'] + ' ' + r['scale']:<14}{r['docs']:>8}{r['kept']:>8}{r['seconds']:>10}"
              f"{r['docs'] / r['seconds']:>10.0f}{r['peak_mib']:>10}")
    ratios = {
        "ray_memory_10x_over_1x": round(results[f"ray_{big}"]["peak_mib"] / results["ray_1x"]["peak_mib"], 2),
        "single_memory_10x_over_1x": round(results[f"single_{big}"]["peak_mib"] / results["single_1x"]["peak_mib"], 2),
        "ray_speedup_over_single_at_10x": round(results[f"single_{big}"]["seconds"] / results[f"ray_{big}"]["seconds"], 2),
    }
    for k, v in ratios.items():
        print(f"{k}: {v}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "prepare_scale", "cpus": args.cpus, "results": results,
                               "ratios": ratios}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
