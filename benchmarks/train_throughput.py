"""Training throughput and MFU: the experts loop (Ray Train + DeepSpeed) against a bare torch loop.

Why: the experts stage trains through Ray Train workers running DeepSpeed ZeRO-2 (for fault
tolerance and scale-out); this shows what that costs per token against the simplest loop that
does the same work on the same cores, and how close either runs to what the hardware can do.
Variants, all on the same packed rows (Parquet, input_ids list<int32> of --seq-len tokens), the
same model, micro batch size and number of optimizer steps:
  bare           one process: torch AdamW, gradient clipping, the project's forward_kwargs,
                 torch.set_num_threads(--threads); the baseline
  bare_bf16      the same under torch.autocast("cpu", bfloat16) over fp32 weights (the DDP
                 strategy's mixed precision)
  ray_ds_1       mediphi.training.train_causal_lm: 1 worker with --threads CPUs, DeepSpeed
                 (configs/deepspeed/zero2_cpu.json, torch AdamW)
  ray_ds_2       the same with 2 workers of --threads/2 CPUs each (a step trains 2 micro batches)
  ray_ds_1_bf16  ray_ds_1 with TrainingConfig.dtype bfloat16 (DeepSpeed bf16: bf16 weights and
                 an fp32 master copy)
bf16 rows run where the CPU has native bf16 matmuls (AMX or AVX512-BF16, as torch reports it);
elsewhere they are listed as not supported (--bf16 on runs them anyway, emulated and slow).

Timing. The bare loop times --steps steps after --warmup untimed ones ("steady"). Ray's loop
times every step from its first (train_s in its metrics) and cannot skip any, so the Ray rows run
--warmup + --steps steps, and every row also reports tokens/s over all its warmup + steps steps:
"tok/s" and "x bare" compare those, like with like. Setup (loading the model, building the
optimizer or DeepSpeed engine; setup_s from the workers' metrics) is reported apart, and so is
the Ray rows' whole wall time (workers starting, export and the final checkpoint included). The
first Ray row's setup includes DeepSpeed's JIT build of its CPU comm op when TORCH_EXTENSIONS_DIR
(the CLI's, ~/.cache/mediphi/torch_extensions) has none yet: minutes on a busy 2-core machine.

MFU = model FLOP/s / peak FLOP/s (PaLM, Chowdhery et al. 2022, appendix B):
  model FLOP/s = (6 N + 12 L H Q T) x tokens/s
N the parameters of the matmuls a token passes through (attention, MLP, output projection; not
the input embedding lookup), L layers, H x Q = heads x head dim (the hidden size), T = --seq-len;
see mediphi.training.flops. The peak is MEASURED here, not a datasheet figure: square
--peak-size matmuls in the row's dtype for --peak-seconds on --threads threads (the table header
says "measured peak"). Ray workers add up to the same --threads cores.

    python benchmarks/train_throughput.py [--model embedded:smollm2-135m] [--steps 8] [--warmup 2]
        [--seq-len 256] [--micro-batch 4] [--threads 2] [--variants bare,ray_ds_1,...] [--bf16 auto]
Prints a table, writes benchmarks/out/train_throughput.json. Run on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from merge_search import _SENTENCES as MERGE_SENTENCES  # noqa: E402 - the merge benchmark's clinical text

# Never download: the embedded and tiny models are built locally; the Ray workers inherit these.
for _k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_k, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
# The CLI's cache of DeepSpeed's JIT-built ops (its CPU comm op): reused, not rebuilt into the
# first Ray row's setup time.
from mediphi.training.ops import use_extension_cache  # noqa: E402

use_extension_cache()

VARIANTS = ("bare", "bare_bf16", "ray_ds_1", "ray_ds_2", "ray_ds_1_bf16")
DEEPSPEED = "configs/deepspeed/zero2_cpu.json"

# Real clinical-style text, so the rows hold the tokenizer's ordinary ids (speed does not depend
# on the text, but random ids over a 49k vocabulary make the first losses meaningless).
_SENTENCES = [
    *MERGE_SENTENCES,
    "The patient was started on metformin 500 mg twice daily and counselled on diet and exercise.",
    "Chest radiograph showed a right lower lobe consolidation without pleural effusion.",
    "Serum creatinine rose from 1.1 to 2.4 mg/dL over 48 hours, consistent with acute kidney injury.",
]


# ----------------------------------------------------------------------------- data
def packed_rows(model_path: str, out: Path, n_rows: int, seq_len: int, source: str, seed: int = 0) -> Path:
    """`n_rows` rows of exactly `seq_len` ids, written as the packer writes them (input_ids
    list<int32>): shuffled sentences tokenized and joined by EOS, or uniform random ids."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mediphi.models import load_tokenizer

    tok = load_tokenizer(model_path)
    need = n_rows * seq_len
    if source == "random":
        ids = np.random.default_rng(seed).integers(0, len(tok), size=need)
    else:
        rng, stream = random.Random(seed), []
        while len(stream) < need:
            text = " ".join(rng.sample(_SENTENCES, len(_SENTENCES)))
            stream += tok(text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        ids = np.asarray(stream[:need])
    rows = ids.astype(np.int32).reshape(n_rows, seq_len)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"input_ids": pa.array(list(rows), type=pa.list_(pa.int32()))}), out / "part.parquet")
    return out


def read_rows(data: Path) -> torch.Tensor:
    import pyarrow.parquet as pq
    import torch

    return torch.tensor(pq.read_table(data / "part.parquet").column("input_ids").to_pylist(), dtype=torch.int64)


# ----------------------------------------------------------------------------- variants
def bare(model_path: str, data: Path, args: argparse.Namespace, bf16: bool) -> dict[str, Any]:
    """One process, no Ray, no DeepSpeed: the same forward, loss, clipping and AdamW update."""
    import torch

    from mediphi.models import load_causal_lm

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = load_causal_lm(model_path, "float32")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    setup_s = time.perf_counter() - t0
    rows, mb = read_rows(data), args.micro_batch
    step_s, losses = [], []
    for step in range(args.warmup + args.steps):
        start = step * mb % (len(rows) - mb + 1)  # the rows in order, as one Ray worker reads them
        t = time.perf_counter()
        losses.append(bare_step(model, opt, {"input_ids": rows[start:start + mb]}, bf16))
        step_s.append(time.perf_counter() - t)
    tokens_per_step = mb * args.seq_len
    steady = step_s[args.warmup:]
    return {"workers": 1, "setup_s": setup_s, "train_s": sum(step_s), "steps": len(step_s),
            "tokens": tokens_per_step * len(step_s), "step_s": sum(step_s) / len(step_s),
            "tokens_per_s": tokens_per_step * len(step_s) / sum(step_s),
            "steady_step_s": sum(steady) / len(steady),
            "steady_tokens_per_s": tokens_per_step * len(steady) / sum(steady),
            "step_s_each": [round(s, 3) for s in step_s], "first_loss": losses[0], "final_loss": losses[-1]}


def bare_step(model: torch.nn.Module, opt: torch.optim.Optimizer, batch: dict[str, torch.Tensor],
              bf16: bool) -> float:
    """One optimizer step; the loss (read after the step: reading it is the only sync needed)."""
    import torch

    from mediphi.training.strategies import forward_kwargs

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = model(**forward_kwargs(batch)).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # as DeepSpeed's gradient_clipping (1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return round(float(loss.detach()), 4)


def ray_ds(model_path: str, data: Path, work: Path, args: argparse.Namespace, workers: int,
           bf16: bool) -> dict[str, Any]:
    """The experts stage's own path: train_causal_lm, metrics from its workers."""
    from mediphi.config import TrainingConfig
    from mediphi.training import train_causal_lm

    name = f"ray_ds_{workers}{'_bf16' if bf16 else ''}"
    cfg = TrainingConfig(num_workers=workers, cpus_per_worker=args.threads / workers,
                         micro_batch_size=args.micro_batch, seq_len=args.seq_len, learning_rate=args.lr,
                         lr_schedule="constant", max_steps=args.warmup + args.steps, checkpoint_every=0,
                         max_failures=0, dtype="bfloat16" if bf16 else "float32", deepspeed=DEEPSPEED)
    threads = worker_threads(cfg.cpus_per_worker)
    t0 = time.perf_counter()
    m = train_causal_lm(model_path, data, work / name / "model", cfg, name=name,
                        storage_path=work / name / "ray")["metrics"]
    wall = time.perf_counter() - t0
    return {"workers": workers, "setup_s": m["setup_s"], "train_s": m["train_s"], "steps": m["steps"],
            "tokens": m["tokens"], "step_s": m["train_s"] / m["steps"], "tokens_per_s": m["tokens_per_s"],
            "steady_step_s": None, "steady_tokens_per_s": None, "wall_s": wall,
            "first_loss": m["first_loss"], "final_loss": m["final_loss"], "strategy": m["strategy"],
            "torch_threads_per_worker": threads}


def worker_threads(cpus: float) -> int:
    """torch's thread count in an actor holding `cpus` CPUs, as each Ray Train worker does (Ray
    sets OMP_NUM_THREADS from the CPUs): checks the Ray rows use the cores the bare row does."""
    import ray

    @ray.remote
    class Probe:
        def threads(self) -> int:
            import torch

            return torch.get_num_threads()

    probe = Probe.options(num_cpus=cpus).remote()
    try:
        return ray.get(probe.threads.remote())
    finally:
        ray.kill(probe)


def start_ray(threads: int) -> None:
    import ray

    # Ray sets each worker's OMP_NUM_THREADS (torch's thread count) to its CPUs only when the
    # variable is unset: a value inherited from this shell would give every worker that many.
    os.environ.pop("OMP_NUM_THREADS", None)
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("MEDIPHI_", "HF_", "TRANSFORMERS_", "TORCH_EXTENSIONS_DIR", "TOKENIZERS_"))}
    # Our own local cluster, never one another job left running on this machine.
    ray.init(address="local", num_cpus=threads, include_dashboard=False, runtime_env={"env_vars": env})


# ----------------------------------------------------------------------------- measure
def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AMX tiles or AVX512-BF16), per torch."""
    import torch

    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


def peaks(args: argparse.Namespace, dtypes: list[str]) -> dict[str, float]:
    import torch

    from mediphi.training.flops import measure_peak_flops

    torch.set_num_threads(args.threads)
    return {d: measure_peak_flops(getattr(torch, d), args.peak_seconds, args.peak_size) for d in dtypes}


def add_ratios(rows: dict[str, dict[str, Any]], flops_per_token: float, peak: dict[str, float]) -> None:
    """tokens/s against bare (all steps, like with like) and MFU against the row dtype's peak."""
    base = rows.get("bare", {}).get("tokens_per_s")
    for name, r in rows.items():
        if r.get("tokens_per_s") is None:
            continue
        p = peak["bfloat16" if name.endswith("bf16") else "float32"]  # measured for every dtype run
        r["x_bare"] = r["tokens_per_s"] / base if base else None
        r["model_flops_per_s"] = flops_per_token * r["tokens_per_s"]
        r["mfu"] = r["model_flops_per_s"] / p
        if r.get("steady_tokens_per_s"):
            r["steady_mfu"] = flops_per_token * r["steady_tokens_per_s"] / p


def fmt(value: Any, spec: str) -> str:
    """`value` formatted by `spec`, or "-" right-aligned to the spec's width."""
    return format(value, spec) if value is not None else "-".rjust(int(spec.split(".")[0] or 0))


def print_table(rows: dict[str, dict[str, Any]], args: argparse.Namespace, peak: dict[str, float],
                flops_per_token: float) -> None:
    peaks_txt = ", ".join(f"{d} {p / 1e9:.1f} GFLOP/s" for d, p in peak.items())
    print(f"\ntraining throughput, {args.model}, {args.micro_batch} x {args.seq_len} tokens per micro batch, "
          f"{args.warmup} + {args.steps} steps, {args.threads} threads; measured peak ({args.threads} threads, "
          f"{args.peak_size}^2 matmuls): {peaks_txt}; {flops_per_token / 1e6:.1f} MFLOP per token")
    print(f"{'variant':14} {'workers':>7} {'setup s':>8} {'s/step':>7} {'tok/s':>8} {'x bare':>7} {'MFU':>6} "
          f"{'steady tok/s':>13} {'steady MFU':>11}  notes")
    for name, r in rows.items():
        if "error" in r or "skipped" in r:
            print(f"{name:14} {r.get('skipped') or r['error']}")
            continue
        note = (f"{r['torch_threads_per_worker']} torch threads a worker; wall {r['wall_s']:.1f} s "
                "(workers start, data, export, checkpoint)" if "wall_s" in r else "steady: after warmup")
        note += f"; loss {r['first_loss']} -> {r['final_loss']}"
        print(f"{name:14} {r['workers']:>7} {r['setup_s']:8.1f} {r['step_s']:7.2f} {r['tokens_per_s']:8.1f} "
              f"{fmt(r.get('x_bare'), '7.2f')} {r['mfu']:6.1%} {fmt(r.get('steady_tokens_per_s'), '13.1f')} "
              f"{fmt(r.get('steady_mfu'), '11.1%')}  {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="embedded:smollm2-135m", help="a model spec (mediphi.models.resolve)")
    ap.add_argument("--steps", type=int, default=8, help="timed optimizer steps")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first (bare); Ray rows run them timed")
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--micro-batch", type=int, default=4, help="rows per micro batch (per worker)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads of the bare loop; Ray CPUs in all")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--data", choices=("text", "random"), default="text", help="token ids of real text or random")
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    ap.add_argument("--bf16", choices=("auto", "on", "off"), default="auto",
                    help="auto: bf16 rows where the CPU has native bf16 (AMX, AVX512-BF16)")
    ap.add_argument("--peak-seconds", type=float, default=2.0)
    ap.add_argument("--peak-size", type=int, default=2048)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "train_throughput.json"))
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0:
        ap.error("--steps must be >= 1 and --warmup >= 0")

    from transformers import AutoConfig

    from mediphi.models import resolve
    from mediphi.training.flops import matmul_params, model_flops_per_token

    chosen = [v for v in args.variants.split(",") if v]
    unknown = set(chosen) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants: {', '.join(sorted(unknown))}")
    has_bf16 = native_bf16()
    run_bf16 = args.bf16 == "on" or (args.bf16 == "auto" and has_bf16)
    model_path = resolve(args.model)
    config = AutoConfig.from_pretrained(model_path)
    flops_per_token = model_flops_per_token(config, args.seq_len)
    peak = peaks(args, ["float32", "bfloat16"] if run_bf16 else ["float32"])

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="train_throughput.") as tmp:
        work = Path(tmp)
        # Enough rows that no variant repeats one (2 workers read disjoint shards).
        data = packed_rows(model_path, work / "data", (args.warmup + args.steps) * args.micro_batch * 2,
                           args.seq_len, args.data)
        ray_started = False
        # The bare rows first, before Ray's daemons start sharing the cores.
        for name in sorted(chosen, key=lambda v: (v.startswith("ray"), VARIANTS.index(v))):
            bf16 = name.endswith("bf16")
            if bf16 and not run_bf16:
                rows[name] = {"skipped": "not supported: no native bf16 on this CPU (AMX / AVX512-BF16); "
                                         "--bf16 on runs it emulated"}
                continue
            if name.startswith("ray") and not ray_started:
                start_ray(args.threads)
                ray_started = True
            print(f"-- {name}", flush=True)
            try:
                rows[name] = (bare(model_path, data, args, bf16) if name.startswith("bare") else
                              ray_ds(model_path, data, work, args, 2 if name.startswith("ray_ds_2") else 1, bf16))
            except Exception as e:  # one failing variant (e.g. bf16 DeepSpeed on CPU) keeps the others
                traceback.print_exc()
                rows[name] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
        if ray_started:
            import ray

            ray.shutdown()  # before the temporary directory (Ray Train's storage) goes
    add_ratios(rows, flops_per_token, peak)
    print_table(rows, args, peak, flops_per_token)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "train_throughput", "model": args.model, "seq_len": args.seq_len,
        "micro_batch_size": args.micro_batch, "steps": args.steps, "warmup": args.warmup, "threads": args.threads,
        "data": args.data, "machine": platform.processor() or platform.machine(), "native_bf16": has_bf16,
        "matmul_params": matmul_params(config), "model_flops_per_token": flops_per_token,
        "flops_formula": "6 N + 12 L H Q T per token (PaLM appendix B); mediphi.training.flops",
        "peak_flops_measured": peak,
        "peak_matmul": {"size": args.peak_size, "seconds": args.peak_seconds},
        "variants": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
