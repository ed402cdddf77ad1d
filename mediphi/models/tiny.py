"""Tiny random models for tests: the Llama family and Phi3 (the production family), both with
the embedded model's real tokenizer and chat template, so every stage runs its real code path."""
from __future__ import annotations

from pathlib import Path

import torch
from filelock import FileLock

TINY = {
    # head_dim 32: vLLM's CPU attention rejects 16.
    "llama": dict(model_type="llama", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True),
    "phi3": dict(model_type="phi3", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=False),
}


def ensure_tiny(name: str, cache: Path) -> Path:
    from mediphi.models.sources import ModelNotFoundError

    if name not in TINY:
        raise ModelNotFoundError(f"unknown tiny model '{name}'; known: {', '.join(TINY)}")
    out = cache / "models" / f"tiny-{name}"
    if (out / "config.json").is_file():
        return out
    from mediphi.models.embedded import ensure_embedded

    tok_src = ensure_embedded("smollm2-135m", cache)
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / f".tiny-{name}.lock")):
        if not (out / "config.json").is_file():
            _build(name, tok_src, out)
    return out


def _build(name: str, tok_src: Path, out: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM

    from mediphi.models.sources import load_tokenizer, save_model

    tok = load_tokenizer(str(tok_src))
    spec = dict(TINY[name])
    cfg = AutoConfig.for_model(
        spec.pop("model_type"), vocab_size=len(tok), max_position_embeddings=2048,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        **spec,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg)
    save_model(model, tok, out, {"title": f"tiny-{name}", "description": "Random weights, for tests.",
                                 "role": "test"})
