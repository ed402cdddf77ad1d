"""Multiple-choice scoring and generation: the HF engine in-process vs the same model over HTTP.

Why: evaluation scores items through the Serve app (`OpenAIEngine`: one `/v1/completions` request
per item, all its options as one batch of echo + logprobs prompts, `--concurrency` in flight; the
server batches rows of concurrent requests into shared forward passes). This shows what HTTP
costs against calling `HFEngine` directly on the same items, and checks that both pick the same
option. Items: real ICD-10-CM codes (`simple_icd_10_cm`), "what does code X describe?" as a chat
rendered with the model's template, the right description and three others as options. Prints a
table and writes benchmarks/out/eval_throughput.json.

    python benchmarks/eval_throughput.py [--model embedded:smollm2-135m] [--items 64] [--concurrency 16]
    python benchmarks/eval_throughput.py --model tiny:llama --items 16      # a quick run
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

from mediphi.engines import SamplingParams  # noqa: E402
from mediphi.engines.hf import HFEngine  # noqa: E402
from mediphi.engines.openai import OpenAIEngine  # noqa: E402
from mediphi.models import resolve  # noqa: E402


def icd_items(n: int, seed: int = 0) -> list[dict]:
    """n four-option items over billable (leaf) ICD-10-CM codes; the gold option's place varies."""
    import simple_icd_10_cm as cm

    rng = random.Random(seed)
    leaves = sorted(c for c in cm.get_all_codes() if "." in c and cm.is_leaf(c))
    picked = rng.sample(leaves, 4 * n)
    items = []
    for i in range(n):
        codes = picked[4 * i:4 * i + 4]
        gold = rng.randrange(4)
        codes[0], codes[gold] = codes[gold], codes[0]
        items.append({"chat": [{"role": "user", "content": f"What does ICD-10-CM code {codes[gold]} describe?"}],
                      "options": [cm.get_description(c) for c in codes], "gold": gold})
    return items


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="embedded:smollm2-135m")
    ap.add_argument("--items", type=int, default=64, help="multiple-choice items (4 options each)")
    ap.add_argument("--gen-items", type=int, default=32, help="prompts for the generation comparison")
    ap.add_argument("--gen-tokens", type=int, default=16, help="max new tokens (greedy) per prompt")
    ap.add_argument("--concurrency", type=int, default=16, help="client requests in flight (evaluate.concurrency)")
    ap.add_argument("--max-batch-size", type=int, default=16, help="serve.max_batch_size; in-process batch_size")
    ap.add_argument("--batch-wait-s", type=float, default=0.05, help="serve.batch_wait_timeout_s")
    ap.add_argument("--cpus", type=float, default=2, help="Ray cluster CPUs and the model replica's num_cpus")
    ap.add_argument("--rounds", type=int, default=3, help="alternating in-process / HTTP rounds; best is reported")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "eval_throughput.json"))
    args = ap.parse_args()

    import ray
    from ray import serve

    from mediphi.serve import deploy, wait_ready
    from mediphi.serve.app import AppArgs

    path = resolve(args.model)
    items = icd_items(args.items)
    engine = HFEngine(path, batch_size=args.max_batch_size)  # the in-process engine, batched like the server
    prompts = [engine.render(it["chat"]) for it in items]  # what evaluate sends: the chat rendered
    options = [it["options"] for it in items]
    chats = [it["chat"] for it in items[:args.gen_items]]
    params = SamplingParams(max_new_tokens=args.gen_tokens, temperature=0.0)

    # Warm-up in-process (first-call allocations and kernels); the engine stays loaded for the rounds.
    engine.score_choices(prompts[:2], options[:2])
    engine.generate(chats[:2], params)
    local_threads = torch.get_num_threads()

    # Over HTTP: a local Ray cluster, the Serve app serving the same model.
    ray.init(address="local", num_cpus=int(args.cpus), include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {k: os.environ[k] for k in
                                       ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM")}})
    times: dict[str, list[float]] = {k: [] for k in ("score_local", "score_http", "gen_local", "gen_http")}
    try:
        name, app_name = "bench", "mediphi-bench"
        deploy(AppArgs(models={name: path}, max_batch_size=args.max_batch_size, num_cpus=args.cpus,
                       batch_wait_timeout_s=args.batch_wait_s, max_tokens_limit=max(256, args.gen_tokens)),
               "127.0.0.1", args.port, app_name)
        endpoint = f"http://127.0.0.1:{args.port}/v1"
        wait_ready(endpoint, [name])
        client = OpenAIEngine(endpoint, name, concurrency=args.concurrency)
        requests: list[str] = []
        client.client.event_hooks["request"] = [lambda req: requests.append(req.url.path)]
        client.score_choices(prompts[:2], options[:2])  # warm-up: loads the model in the replica
        client.generate(chats[:2], params)
        handle = serve.get_deployment_handle("ModelServer", app_name)
        # Rounds alternate the two paths, so load from elsewhere on the machine hits both alike;
        # each path's best round is reported (the least disturbed), the median alongside.
        pairs = []  # (in-process, http) log-likelihoods of every round
        for _ in range(args.rounds):
            local_ll, t = timed(lambda: engine.score_choices(prompts, options))
            times["score_local"].append(t)
            before, n_req = handle.stats.remote().result(), len(requests)
            http_ll, t = timed(lambda: client.score_choices(prompts, options))
            times["score_http"].append(t)
            pairs.append((local_ll, http_ll))
            mid, score_requests = handle.stats.remote().result(), len(requests) - n_req
            local_gen, t = timed(lambda: engine.generate(chats, params))
            times["gen_local"].append(t)
            mid2 = handle.stats.remote().result()
            http_gen, t = timed(lambda: client.generate(chats, params))
            times["gen_http"].append(t)
            after = handle.stats.remote().result()
    finally:
        serve.shutdown()
        ray.shutdown()

    diffs = [abs(a - b) for lls, hlls in pairs for la, lb in zip(lls, hlls) for a, b in zip(la, lb)]
    same_picks = min(sum(argmax(a) == argmax(b) for a, b in zip(lls, hlls)) for lls, hlls in pairs)
    acc = {k: sum(argmax(ll) == it["gold"] for ll, it in zip(lls, items)) / len(items)
           for k, lls in (("in_process", local_ll), ("http", http_ll))}
    n_gen = len(chats)
    rows = []
    for key, task, path_, n in (("score_local", "score 4 options", "in-process", len(items)),
                                ("score_http", "score 4 options", "http", len(items)),
                                ("gen_local", f"generate {args.gen_tokens} tokens", "in-process", n_gen),
                                ("gen_http", f"generate {args.gen_tokens} tokens", "http", n_gen)):
        best, median = min(times[key]), statistics.median(times[key])
        rows.append({"task": task, "path": path_, "items": n, "seconds": round(best, 2),
                     "items_per_s": round(n / best, 2), "median_items_per_s": round(n / median, 2),
                     "rounds_s": [round(t, 2) for t in times[key]]})
    for r in rows:
        base = next(b for b in rows if b["task"] == r["task"] and b["path"] == "in-process")
        r["vs_in_process"] = round(r["items_per_s"] / base["items_per_s"], 2)
        r["median_vs_in_process"] = round(r["median_items_per_s"] / base["median_items_per_s"], 2)
    checks = {
        "same_picks": f"{same_picks}/{len(items)}",
        "max_abs_logprob_diff": round(max(diffs), 6),
        "accuracy": acc,
        "score_http_requests": score_requests,
        "score_batches": mid["score_batches"] - before["score_batches"],
        "largest_score_batch_requests": mid["largest_score_batch"],
        "score_server_compute_s": round(mid["compute_s"] - before["compute_s"], 2),
        "generate_batches": after["batches"] - mid2["batches"],
        "generate_server_compute_s": round(after["compute_s"] - mid2["compute_s"], 2),
        "same_generations": f"{sum(a == b for a, b in zip(local_gen, http_gen))}/{n_gen}",
        "threads": {"in_process": local_threads, "server": after.get("torch_threads")},
    }
    print(f"best of {args.rounds} rounds (median in brackets); picks and logprob differences over all "
          "rounds, the other checks from the last")
    print(f"{'task':<20} {'path':<11} {'items':>6} {'seconds':>8} {'items/s':>15} {'vs in-process':>16}")
    for r in rows:
        print(f"{r['task']:<20} {r['path']:<11} {r['items']:>6} {r['seconds']:>8} {r['items_per_s']:>6} "
              f"({r['median_items_per_s']:>6}) {r['vs_in_process']:>6} ({r['median_vs_in_process']:>5})")
    for k, v in checks.items():
        print(f"  {k}: {v}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "eval_throughput", "model": args.model, "concurrency": args.concurrency,
                               "max_batch_size": args.max_batch_size, "batch_wait_s": args.batch_wait_s,
                               "cpus": args.cpus, "rounds": args.rounds,
                               "machine": platform.processor() or platform.machine(), "rows": rows,
                               "checks": checks}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
