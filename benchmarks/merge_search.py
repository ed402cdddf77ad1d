"""Merge search speed: a trial in memory with cached inputs against mergekit write-then-reload.

Why: the merge stage's Ray Tune search scores one candidate merge per trial. The paper's reference
(mergekit-evolve) ran hundreds; a trial that writes the merge to disk and loads it back, in a fresh
process, allows a handful. Variants, the same candidates (TIES, `--trials` density/weight draws)
on the same validation batches:
  write_reload   mergekit's `run_merge` to a directory, `load_causal_lm` from it, score
                 (what a trial costs without the cache; the base read from disk each time)
  in_memory      inputs read once (reported apart), then per candidate: mergekit's
                 `merge_state_dicts`, `load_state_dict` into one cached model, score
  task_vectors   inputs read and task vectors (deltas, sorted magnitudes) built once (reported
                 apart), then per candidate: mediphi.merge.fast's TIES, load, score (what
                 `merge_trial` does for TIES and task arithmetic)
  tune           the merge stage's own `run_search` (Ray Tune, reused actors, 1 CPU a trial): wall
                 time of the search against the sum of its trials' own times (Tune's overhead)
Each row splits a trial into merge, load and score seconds. The experts are the base plus fixed
noise (speed does not depend on what they learned). The three variants merge the same candidates,
so their scores must agree; the table says how closely.

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


def _row(times: list[dict[str, float]], setup: float, all_trials: bool = False) -> dict:
    """Mean seconds per trial and per step; after the first trial unless `all_trials` (the first
    one builds the cached model)."""
    use = times if all_trials or len(times) == 1 else times[1:]
    mean = {k: sum(t[k] for t in use) / len(use) for k in ("merge_s", "load_s", "score_s")}
    return {"trial_s": sum(mean.values()), **mean, "trial_s_each": [sum(t.values()) for t in times],
            "setup_s": setup, "note": "mean over all trials" if all_trials or len(times) == 1
            else "mean over trials after the first (which builds the model)"}


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
    from mediphi.merge.fast import task_vectors
    from mediphi.merge.search import BASE_ID, ModelInputs, load_into, merge_cached, merge_state, run_search
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
            t1 = time.perf_counter()
            model = load_causal_lm(str(out), "float32")
            t2 = time.perf_counter()
            scores_disk.append(val_score(model, batches))
            times.append({"merge_s": t1 - t0, "load_s": t2 - t1, "score_s": time.perf_counter() - t2})
        rows["write_reload"] = _row(times, 0.0, all_trials=True)

        # in_memory (mergekit) and task_vectors (mediphi.merge.fast), inputs cached
        scores = {}
        for variant in ("in_memory", "task_vectors"):
            t0 = time.perf_counter()
            inputs = ModelInputs((), {BASE_ID: read_state_dict(base),
                                      **{c: read_state_dict(p) for c, p in experts.items()}})
            if variant == "task_vectors":
                inputs.vectors = task_vectors(inputs.state_dicts, BASE_ID, sort=True)
            setup = time.perf_counter() - t0
            times, scores[variant] = [], []
            for params in candidates:
                t0 = time.perf_counter()
                merged = (merge_cached(method, inputs, params, "float32", 0) if variant == "task_vectors"
                          else merge_state(method, inputs.state_dicts, params, "float32", 0))
                t1 = time.perf_counter()
                model = load_into(inputs, base, merged, "float32")
                t2 = time.perf_counter()
                scores[variant].append(val_score(model, batches))
                times.append({"merge_s": t1 - t0, "load_s": t2 - t1, "score_s": time.perf_counter() - t2})
            rows[variant] = _row(times, setup)
        agree = {v: max(abs(a - b) for a, b in zip(scores_disk, scores[v])) for v in scores}

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
                        "overhead": wall / own - 1, "trials_per_hour": 3600 * len(trials) / wall,
                        **{k: sum(r["seconds"].get(k, 0) for r in trials) / len(trials)
                           for k in ("read_s", "merge_s", "load_s", "score_s")}}

    base_s = rows["write_reload"]["trial_s"]
    print(f"\nmerge search, {args.model}, TIES, {args.trials} candidates, {len(docs)} validation documents, "
          "1 thread a trial")
    print(f"{'variant':14} {'s/trial':>8} {'merge':>7} {'load':>6} {'score':>6} {'vs write_reload':>16}  notes")
    notes = {"write_reload": "run_merge to disk + load + score",
             "in_memory": (f"inputs read once in {rows['in_memory']['setup_s']:.1f} s; scores equal "
                           f"write_reload within {agree['in_memory']:.1e}"),
             "task_vectors": (f"inputs + task vectors built once in {rows['task_vectors']['setup_s']:.1f} s; scores "
                              f"equal write_reload within {agree['task_vectors']:.1e}"),
             "tune": (f"search wall {rows['tune']['wall_s']:.1f} s vs trials' own {rows['tune']['sum_trial_s']:.1f} s: "
                      f"overhead {100 * rows['tune']['overhead']:.0f}%, {rows['tune']['trials_per_hour']:.0f} trials/h")}
    for name, r in rows.items():
        print(f"{name:14} {r['trial_s']:8.2f} {r.get('merge_s', float('nan')):7.2f} {r.get('load_s', float('nan')):6.2f} "
              f"{r.get('score_s', float('nan')):6.2f} {base_s / r['trial_s']:15.1f}x  {notes[name]}")
    merge_x = rows["write_reload"]["merge_s"] / rows["task_vectors"]["merge_s"]
    print(f"merge step alone: task_vectors {merge_x:.1f}x faster than mergekit's run_merge")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model, "method": "ties", "trials": args.trials,
                                          "docs": len(docs), "score_max_abs_diff": agree, "variants": rows,
                                          "merge_step_speedup": merge_x},
                                         indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
