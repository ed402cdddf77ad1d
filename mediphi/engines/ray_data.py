"""Run an engine over a Ray Data dataset.

`generate_column` adds a column of completions for a column of chats (JSON-encoded message
lists, so Arrow never has to guess a nested schema). HF and OpenAI engines run in a pool of
actors that each load the engine once; kind=vllm uses Ray Data LLM's vLLM processor instead,
which batches continuously on the GPU.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import ray.data

from mediphi.config import EngineConfig
from mediphi.engines.base import SamplingParams


class _EngineActor:
    def __init__(self, cfg: dict[str, Any], default_model: str, params: dict[str, Any], chat_col: str,
                 out_col: str, choices_col: str | None = None):
        from mediphi.engines import build_engine

        self.engine = build_engine(EngineConfig(**cfg), default_model)
        self.params = SamplingParams(**params)
        self.chat_col, self.out_col, self.choices_col = chat_col, out_col, choices_col

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        chats = [json.loads(c) for c in batch[self.chat_col]]
        if self.choices_col:  # log-likelihood of each choice, e.g. judge scores "1".."5"
            choices = [json.loads(c) for c in batch[self.choices_col]]
            scores = self.engine.score_choices(chats, choices)
            batch[self.out_col] = np.array([json.dumps(s) for s in scores], dtype=object)
        else:
            batch[self.out_col] = np.array(self.engine.generate(chats, self.params), dtype=object)
        return batch


def generate_column(ds: ray.data.Dataset, cfg: EngineConfig, default_model: str, chat_col: str,
                    out_col: str, params: SamplingParams, choices_col: str | None = None) -> ray.data.Dataset:
    """Completions (or, with choices_col, JSON lists of choice log-likelihoods) as `out_col`."""
    if cfg.kind == "vllm" and choices_col is None:
        return _vllm_generate(ds, cfg, default_model, chat_col, out_col, params)
    return ds.map_batches(
        _EngineActor,
        fn_constructor_kwargs=dict(cfg=cfg.model_dump(), default_model=default_model,
                                   params=params.__dict__, chat_col=chat_col, out_col=out_col,
                                   choices_col=choices_col),
        batch_size=cfg.batch_size,
        compute=ray.data.ActorPoolStrategy(size=cfg.concurrency),
        num_cpus=cfg.num_cpus,
        num_gpus=cfg.num_gpus or None,
        batch_format="numpy",
    )


def _vllm_generate(ds, cfg: EngineConfig, default_model: str, chat_col: str, out_col: str,
                   params: SamplingParams):  # pragma: no cover - needs vLLM (tests_vllm/, make test-vllm)
    from ray.data.llm import build_processor, vLLMEngineProcessorConfig

    from mediphi.engines.vllm import cpu_placement
    from mediphi.models import resolve

    model = resolve(cfg.model) if cfg.model else default_model
    processor = build_processor(
        vLLMEngineProcessorConfig(
            model_source=model,
            engine_kwargs=dict(tensor_parallel_size=cfg.tensor_parallel_size, enable_prefix_caching=True,
                               dtype=cfg.dtype),
            concurrency=cfg.concurrency,
            batch_size=cfg.batch_size,
            placement_group_config=cpu_placement(cfg.num_cpus),
        ),
        preprocess=lambda row: dict(
            messages=json.loads(row[chat_col]),
            sampling_params=dict(temperature=params.temperature, top_p=params.top_p,
                                 max_tokens=params.max_new_tokens, stop=list(params.stop) or None),
        ),
        postprocess=lambda row: {**{k: v for k, v in row.items() if k not in (
            "messages", "sampling_params", "generated_text", "generated_tokens", "prompt",
            "prompt_token_ids", "num_generated_tokens", "num_input_tokens", "time_taken_llm",
            "request_id", "batch_uuid", "embeddings", "params", "metrics", "logprobs", "prompt_logprobs",
            "__inference_error__")},  # Ray 2.60's vLLM stage adds these three (error rows skip postprocess)
            out_col: (row["generated_text"] or "").strip()},
    )
    return processor(ds)
