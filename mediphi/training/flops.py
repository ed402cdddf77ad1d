"""Model FLOPs per trained token and a measured matmul peak: what tokens/s becomes MFU with.

MFU (model FLOPs utilization, PaLM: Chowdhery et al. 2022, appendix B) = model FLOP/s achieved /
peak FLOP/s. Training one token of a decoder-only transformer costs

    6 N + 12 L H Q T   FLOPs (forward + backward)

N: parameters in the matmuls a token passes through, L layers, H heads of dimension Q (H x Q is
the hidden size in most models), T the sequence length. 6N is 2 FLOPs per multiply-add, times 3
for forward + backward; 12 L H Q T is the attention scores and their weighted sum (QK^T and AV,
2 x 2 L H Q T forward, x3), counted over the whole sequence as PaLM does (no causal halving).
"Model" FLOPs: activation recomputation is not counted, so MFU does not reward it.

N here is the "non-embedding" count in the sense that matters for compute: every matmul weight
(attention and MLP projections, and the output projection to the vocabulary, which is a matmul of
hidden x vocab per token even when it shares its weights with the input embedding) but not the
input embedding itself (a table lookup, no FLOPs), norms or biases (elementwise, < 0.1%).
"""
from __future__ import annotations

import time
from typing import Any

import torch

# Families whose MLP is two matrices (up, down) rather than three (gate, up, down, as in Llama,
# Mistral, Qwen2 and Phi3, the families mediphi trains).
UNGATED_MLP = frozenset({"phi", "gpt2", "gpt_neox", "gpt_bigcode", "starcoder2", "opt"})


def matmul_params(config: Any) -> int:
    """Weights a token multiplies through in one forward pass, from an HF config (see module doc)."""
    hidden, layers = config.hidden_size, config.num_hidden_layers
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    intermediate = getattr(config, "intermediate_size", None) or 4 * hidden
    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2  # q, o; k, v
    mlp = (2 if config.model_type in UNGATED_MLP else 3) * hidden * intermediate
    return layers * (attention + mlp) + hidden * config.vocab_size


def model_flops_per_token(config: Any, seq_len: int) -> float:
    """Training FLOPs per token (forward + backward) at sequence length `seq_len`: PaLM's
    6N + 12 L H Q T. Multiply by tokens/s for model FLOP/s."""
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return float(6 * matmul_params(config) + 12 * config.num_hidden_layers * heads * head_dim * seq_len)


def dpo_flops_per_token(config: Any, seq_len: int) -> float:
    """DPO adds a forward pass of the frozen reference model to the policy's training step: 1/3 of
    the training FLOPs again (the chosen and rejected tokens are both counted as tokens)."""
    return model_flops_per_token(config, seq_len) * 4 / 3


def measure_peak_flops(dtype: torch.dtype = torch.float32, seconds: float = 2.0, size: int = 2048,
                       device: torch.device | str = "cpu") -> float:
    """FLOP/s of square `size` matmuls in `dtype` for about `seconds`, with the current torch thread
    count: the peak MFU divides by, measured rather than taken from a spec sheet (a VM's cores,
    turbo and the vector units torch's kernels use all differ from the datasheet)."""
    device = torch.device(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen).to(device=device, dtype=dtype)
    b = torch.randn(size, size, generator=gen).to(device=device, dtype=dtype)
    out = torch.empty(size, size, dtype=dtype, device=device)
    torch.mm(a, b, out=out)  # first call: kernel selection, page faults
    sync()
    count, t0 = 0, time.perf_counter()
    while count == 0 or time.perf_counter() - t0 < seconds:
        torch.mm(a, b, out=out)
        count += 1
        if count % 8 == 0:
            sync()
    sync()
    return 2 * size**3 * count / (time.perf_counter() - t0)
