"""Text generation behind one interface (see base.Engine): HF, vLLM, OpenAI-compatible HTTP."""
from __future__ import annotations

from mediphi.config import EngineConfig, key_from_env
from mediphi.engines.base import Engine, Message, Prompt, SamplingParams, truncate_at_stop


def sampling_params(cfg: EngineConfig, **overrides) -> SamplingParams:
    base = dict(max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature, top_p=cfg.top_p)
    base.update(overrides)
    return SamplingParams(**base)


def build_engine(cfg: EngineConfig, default_model: str, cache_dir: str | None = None) -> Engine:
    """The engine an EngineConfig names; `default_model` (a resolved path) when cfg.model is None."""
    from mediphi.models import resolve

    if cfg.kind == "openai":
        return _openai(cfg, cfg.model or default_model)
    model = resolve(cfg.model, cache_dir) if cfg.model else default_model
    if cfg.kind == "vllm":
        from mediphi.engines.vllm import VLLMEngine

        return VLLMEngine(model, dtype=cfg.dtype, tensor_parallel_size=cfg.tensor_parallel_size)
    from mediphi.engines.hf import HFEngine

    return HFEngine(model, dtype=cfg.dtype, batch_size=cfg.batch_size)


def _openai(cfg: EngineConfig, model: str):
    from mediphi.engines.openai import OpenAIEngine

    return OpenAIEngine(cfg.base_url, model, api_key=key_from_env(cfg.api_key_env, "api_key_env"),
                        concurrency=cfg.batch_size, timeout_s=cfg.timeout_s, max_retries=cfg.max_retries)


__all__ = ["Engine", "EngineConfig", "Message", "Prompt", "SamplingParams", "build_engine",
           "sampling_params", "truncate_at_stop"]
