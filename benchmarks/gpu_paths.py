"""The GPU paths on one CUDA device: DeepSpeed ZeRO-2 and ZeRO-3 in bf16 through mediphi's own
training strategy, and the HF engine in bf16. Needs a CUDA GPU; no Ray (the strategies run as
one process, world size 1, as each Ray Train worker runs them).

    python benchmarks/gpu_paths.py --tokenizer-from <HF dir> --out benchmarks/out/gpu_paths.json

For each ZeRO stage: fill configs/deepspeed/<stage>.json from a bf16 TrainingConfig, train a
random Llama (--hidden/--layers) on a repeated token pattern, save + load a checkpoint, export
the full weights (ZeRO-3 gathers them), reload the export and check it. Then generate with
HFEngine in bf16. Prints a table and writes JSON: tokens/s, peak GPU memory, losses.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def random_llama(tokenizer_dir: str, out: Path, hidden: int, layers: int) -> str:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=(hidden * 8 // 3 + 63) // 64 * 64,
                      num_hidden_layers=layers, num_attention_heads=hidden // 64, num_key_value_heads=hidden // 128,
                      max_position_embeddings=2048, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)


def batches(vocab: int, batch: int, seq: int, device) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    pattern = torch.randint(5, vocab, (16,), generator=g)
    row = pattern.repeat(seq // 16 + 1)[:seq]
    return torch.stack([row.roll(i) for i in range(batch)]).to(device)


def train_stage(model_dir: str, stage: str, steps: int, batch: int, seq: int, work: Path) -> dict:
    import deepspeed

    from mediphi.config import TrainingConfig
    from mediphi.models import load_causal_lm, load_tokenizer, save_model
    from mediphi.training import fill_deepspeed_config, load_deepspeed_config
    from mediphi.training.strategies import DeepSpeedStrategy

    cfg = TrainingConfig(num_workers=1, use_gpu=True, dtype="bfloat16", micro_batch_size=batch, seq_len=seq,
                         learning_rate=1e-3, max_grad_norm=1.0, deepspeed=f"configs/deepspeed/{stage}.json")
    ds = fill_deepspeed_config(load_deepspeed_config(cfg.deepspeed), cfg, world_size=1)
    result: dict = {"stage": stage, "optimizer": "FusedAdam (DeepSpeed JIT op)"}
    torch.cuda.reset_peak_memory_stats()
    try:
        strategy = DeepSpeedStrategy(load_causal_lm(model_dir, "bfloat16"), cfg, ds, steps)
    except Exception as e:  # the fused op needs a matching nvcc: fall back to torch's AdamW
        result["fused_adam_error"] = f"{type(e).__name__}: {str(e)[:300]}"
        ds["optimizer"]["params"]["torch_adam"] = True
        result["optimizer"] = "torch AdamW (DeepSpeed torch_adam)"
        strategy = DeepSpeedStrategy(load_causal_lm(model_dir, "bfloat16"), cfg, ds, steps)
    params = sum(p.numel() for p in strategy.engine.module.parameters())
    data = batches(load_tokenizer(model_dir).vocab_size, batch, seq, strategy.device)
    losses = []
    for step in range(steps):
        if step == 2:  # after warm-up (allocations, first kernels)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        loss, boundary = strategy.micro_step({"input_ids": data})
        assert boundary
        losses.append(round(float(loss), 4))
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    ckpt = work / f"ckpt-{stage}"
    strategy.save(ckpt)
    strategy.load(ckpt)
    export = work / f"export-{stage}"
    with strategy.full_model() as module:
        save_model(module, load_tokenizer(model_dir), export, {"title": f"gpu check {stage}"})
    reloaded = load_causal_lm(str(export), "bfloat16", "cuda")
    with torch.no_grad():
        export_loss = float(reloaded(input_ids=data, labels=data).loss)
    del reloaded, strategy
    deepspeed.comm.barrier()
    result.update(
        params_m=round(params / 1e6, 1) if stage != "zero3" else None,  # ZeRO-3 shards: numel is local
        exported_params_m=round(sum(p.numel() for p in load_causal_lm(str(export)).parameters()) / 1e6, 1),
        steps=steps, first_loss=losses[0], last_loss=losses[-1], export_loss=round(export_loss, 4),
        tokens_per_s=round((steps - 2) * batch * seq / elapsed),
        peak_mem_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2),
        checkpoint_files=sorted(p.name for p in (ckpt / "state").iterdir()),
    )
    result["ok"] = result["last_loss"] < result["first_loss"] and abs(export_loss - losses[-1]) < 1.0
    return result


def engine_check(model_dir: str) -> dict:
    from mediphi.engines.base import SamplingParams
    from mediphi.engines.hf import HFEngine

    eng = HFEngine(model_dir, dtype="auto", batch_size=32)
    prompts = [[{"role": "user", "content": f"Write a note about patient {i}."}] for i in range(64)]
    eng.generate(prompts[:4], SamplingParams(max_new_tokens=8))
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    outs = eng.generate(prompts, SamplingParams(max_new_tokens=64))
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    new_tokens = sum(len(eng.tokenizer(o, add_special_tokens=False)["input_ids"]) for o in outs)
    scores = eng.score_choices(prompts[:4], [["1", "2", "3", "4", "5"]] * 4)
    return {"dtype": str(next(eng.model.parameters()).dtype), "device": str(eng.device), "prompts": len(prompts),
            "new_tokens": new_tokens, "tokens_per_s": round(new_tokens / dt), "score_rows": len(scores),
            "ok": len(outs) == len(prompts) and len(scores) == 4 and all(len(s) == 5 for s in scores)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer-from", required=True, help="An HF dir whose tokenizer the random model uses.")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "gpu_paths.json"))
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=1024)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("benchmarks/gpu_paths.py needs a CUDA GPU")
    from mediphi.training.strategies import plain_cuda_archs

    archs = os.environ.get("TORCH_CUDA_ARCH_LIST")
    plain_cuda_archs()
    os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT="29511")
    import deepspeed

    deepspeed.init_distributed(dist_backend="nccl")
    report: dict = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
                    "torch_cuda_arch_list": (archs, os.environ.get("TORCH_CUDA_ARCH_LIST")),
                    "deepspeed": deepspeed.__version__, "stages": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = random_llama(args.tokenizer_from, work / "model", args.hidden, args.layers)
        for stage in ("zero2", "zero3"):
            try:
                report["stages"].append(train_stage(model, stage, args.steps, args.batch, args.seq, work))
            except Exception as e:
                report["stages"].append({"stage": stage, "ok": False, "error": traceback.format_exc()[-2000:]})
                print(f"{stage} failed: {e}", file=sys.stderr)
        try:
            report["engine"] = engine_check(model)
        except Exception:
            report["engine"] = {"ok": False, "error": traceback.format_exc()[-2000:]}
    print(f"{'path':<10}{'ok':<6}{'tokens/s':>10}{'peak GiB':>10}{'loss first->last':>20}  optimizer")
    for s in report["stages"]:
        loss = f"{s.get('first_loss')} -> {s.get('last_loss')}" if "first_loss" in s else "-"
        print(f"{s['stage']:<10}{str(s['ok']):<6}{s.get('tokens_per_s', '-'):>10}{s.get('peak_mem_gib', '-'):>10}"
              f"{loss:>20}  {s.get('optimizer', s.get('error', '')[-200:])}")
    e = report["engine"]
    print(f"{'hf bf16':<10}{str(e['ok']):<6}{e.get('tokens_per_s', '-'):>10}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
