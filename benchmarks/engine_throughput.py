"""HF engine generation throughput by batch size, as ratios against batch size 1.

Why: pit and synthesize send prompts in batches of `engine.batch_size`; this shows what batching
buys on the machine at hand. Prints a table and writes benchmarks/out/engine_throughput.json.

    python benchmarks/engine_throughput.py [--model embedded:smollm2-135m] [--prompts 16] [--tokens 32]
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from mediphi.engines import SamplingParams
from mediphi.engines.hf import HFEngine
from mediphi.models import resolve

PROMPTS = [
    "Summarize the role of metformin in type 2 diabetes.",
    "What does ICD-10-CM code I10 describe?",
    "List three symptoms of community-acquired pneumonia.",
    "Explain the difference between systolic and diastolic heart failure.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="embedded:smollm2-135m")
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--batch-sizes", default="1,4,16")
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "engine_throughput.json"))
    args = ap.parse_args()

    engine = HFEngine(resolve(args.model), batch_size=1)
    chats = [[{"role": "user", "content": PROMPTS[i % len(PROMPTS)] + f" ({i})"}] for i in range(args.prompts)]
    # min_new_tokens would change the work; instead count the tokens actually generated.
    params = SamplingParams(max_new_tokens=args.tokens)
    engine.generate(chats[:2], params)  # warm-up: first-call allocations and kernels
    rows = []
    for bs in (int(b) for b in args.batch_sizes.split(",")):
        engine.batch_size = bs
        t0 = time.perf_counter()
        outs = engine.generate(chats, params)
        dt = time.perf_counter() - t0
        n_tok = sum(len(engine.tokenizer(o, add_special_tokens=False)["input_ids"]) for o in outs)
        rows.append({"batch_size": bs, "seconds": round(dt, 2), "tokens": n_tok, "tokens_per_s": round(n_tok / dt, 1)})
    base = rows[0]["tokens_per_s"]
    for r in rows:
        r["speedup_vs_bs1"] = round(r["tokens_per_s"] / base, 2)
    print(f"{'batch':>6} {'seconds':>8} {'tokens':>7} {'tok/s':>8} {'x bs=1':>7}")
    for r in rows:
        print(f"{r['batch_size']:>6} {r['seconds']:>8} {r['tokens']:>7} {r['tokens_per_s']:>8} {r['speedup_vs_bs1']:>7}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "engine_throughput", "model": args.model,
                               "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine(),
                               "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
