"""Merge search speed: a trial in memory with cached inputs against mergekit write-then-reload.

Why: the merge stage's Ray Tune search scores one candidate merge per trial. The paper's reference
(mergekit-evolve) ran hundreds; a trial that writes the merge to disk and loads it back, in a fresh
process, allows a handful. Variants, the same candidates (TIES, `--trials` density/weight draws)
on the same validation batches:
  write_reload   mergekit's `run_merge` to a directory, `load_causal_lm` from it, score
                 (what a trial costs without the cache; the base read from disk each time)
  in_memory      inputs read once (reported apart), then per candidate: `merge_state_dicts`,
                 `load_state_dict` into one cached model, score (what `merge_trial` does)
  tune           the merge stage's own `run_search` (Ray Tune, reused actors, 1 CPU a trial): wall
                 time of the search against the sum of its trials' own times (Tune's overhead)
The experts are the base plus fixed noise (speed does not depend on what they learned). Scores of
the first two variants must agree (same merges); the table says so.

    python benchmarks/merge_search.py [--model embedded:smollm2-135m] [--trials 4] [--docs 16]
Prints a table, writes benchmarks/out/merge_search.json. Run on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_SENTENCES = [
    "Type 2 diabetes mellitus with diabetic chronic kidney disease requires tight glucose control.",
    "Acute myocardial infarction presents with chest pain radiating to the left arm and sweating.",
    "Community-acquired pneumonia is treated with antibiotics chosen by severity and local resistance.",
    "Sepsis is a life-threatening organ dysfunction caused by a dysregulated response to infection.",
    "Hypertension increases the risk of stroke, heart failure and chronic kidney disease.",
]


def make_experts(base: str, out: Path, n: int) -> dict[str, str]:
    import torch

    from mediphi.models import load_causal_lm, load_tokenizer, save_model

    experts = {}
    for i in range(n):
        model = load_causal_lm(base)
        gen = torch.Generator().manual_seed(i + 1)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.002 * torch.randn(p.shape, generator=gen))
        experts[f"e{i}"] = str(save_model(model, load_tokenizer(base), out / f"e{i}", {"title": f"e{i}"}))
    return experts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="embedded:smollm2-135m")
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--docs", type=int, default=16, help="validation documents (256 tokens each)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "merge_search.json"))
    args = ap.parse_args()

    import torch

    from mediphi.merge.methods import MULTI_METHODS, mergekit_config
    from mediphi.merge.objective import Objective
    from mediphi.merge.recipe import run_mergekit
    from mediphi.merge.scoring import read_state_dict, tokenize_batches, val_score
    from mediphi.merge.search import BASE_ID, ModelInputs, load_into, merge_state, run_search
    from mediphi.models import load_causal_lm, load_tokenizer, resolve

    torch.set_num_threads(1)  # what a 1-CPU Tune trial gets
    base = resolve(args.model)
    method = MULTI_METHODS["ties"]
    rng = random.Random(0)
    docs = [" ".join(rng.choice(_SENTENCES) for _ in range(12)) for _ in range(args.docs)]
    batches = tokenize_batches(load_tokenizer(base), docs, 256)
    candidates = [{"density": rng.uniform(0.3, 1.0), "weight": {"e0": rng.uniform(0.3, 1.0),
                                                                "e1": rng.uniform(0.3, 1.0)}}
                  for _ in range(args.trials)]
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        experts = make_experts(base, tmp, 2)

        # write_reload
        times, scores_disk = [], []
        for i, params in enumerate(candidates):
            t0 = time.perf_counter()
            out = run_mergekit(mergekit_config(method, base, experts, params, "float32"), tmp / f"m{i}",
                               card={"title": "bench"}, seed=0)
            scores_disk.append(val_score(load_causal_lm(str(out), "float32"), batches))
            times.append(time.perf_counter() - t0)
        rows["write_reload"] = {"trial_s": sum(times) / len(times), "trial_s_each": times, "setup_s": 0.0}

        # in_memory with cached inputs
        t0 = time.perf_counter()
        inputs = ModelInputs((), {BASE_ID: read_state_dict(base), **{c: read_state_dict(p) for c, p in experts.items()}})
        setup = time.perf_counter() - t0
        times, scores_mem = [], []
        for params in candidates:
            t0 = time.perf_counter()
            merged = merge_state(method, inputs.state_dicts, params, "float32", 0)
            scores_mem.append(val_score(load_into(inputs, base, merged, "float32"), batches))
            times.append(time.perf_counter() - t0)
        rows["in_memory"] = {"trial_s": sum(times[1:]) / max(1, len(times) - 1), "trial_s_each": times,
                             "setup_s": setup, "note": "mean over trials after the first (which builds the model)"}
        agree = max(abs(a - b) for a, b in zip(scores_disk, scores_mem))

        # the stage's Tune search
        from mediphi.cluster import connect
        from mediphi.config import RunConfig

        connect(RunConfig.from_dict({"cluster": {"num_cpus": 2}}))
        t0 = time.perf_counter()
        trials = run_search(method, base, experts, Objective(batches, val_nll=1.0), ranges={"density": (0.3, 1.0), "weight": (0.3, 1.0)},
                            samples=args.trials, max_concurrent=1, dtype="float32", seed=0, storage=tmp / "tune")
        wall = time.perf_counter() - t0
        own = sum(sum(r["seconds"].values()) for r in trials)
        rows["tune"] = {"trial_s": own / len(trials), "wall_s": wall, "sum_trial_s": own,
                        "overhead": wall / own - 1, "trials_per_hour": 3600 * len(trials) / wall}

    base_s = rows["write_reload"]["trial_s"]
    print(f"\nmerge search, {args.model}, TIES, {args.trials} candidates, {len(docs)} validation documents, "
          "1 thread a trial")
    print(f"{'variant':14} {'s/trial':>9} {'vs write_reload':>16}  notes")
    notes = {"write_reload": "run_merge to disk + load + score",
             "in_memory": (f"inputs read once in {rows['in_memory']['setup_s']:.1f} s; scores equal "
                           f"write_reload within {agree:.1e}"),
             "tune": (f"search wall {rows['tune']['wall_s']:.1f} s vs trials' own {rows['tune']['sum_trial_s']:.1f} s: "
                      f"overhead {100 * rows['tune']['overhead']:.0f}%, {rows['tune']['trials_per_hour']:.0f} trials/h")}
    for name, r in rows.items():
        print(f"{name:14} {r['trial_s']:9.2f} {base_s / r['trial_s']:15.1f}x  {notes[name]}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model, "method": "ties", "trials": args.trials,
                                          "docs": len(docs), "score_max_abs_diff": agree, "variants": rows},
                                         indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
