"""The HF engine: choice scoring (the judge and multiple-choice path) agrees with plain
log-likelihoods, whichever path computes it."""
from __future__ import annotations

import math

import pytest


@pytest.fixture(scope="module")
def engine(tiny_llama):
    from mediphi.engines.hf import HFEngine

    return HFEngine(tiny_llama, batch_size=3)


def test_single_token_choices_match_loglikelihood(engine):
    prompts = [[{"role": "user", "content": "Rate this note from 1 to 5."}],
               "Score: ",
               [{"role": "user", "content": "A much longer prompt about a patient with type 2 diabetes, "
                                            "hypertension and chronic kidney disease. Rate it."}],
               "x"]
    choices = [["1", "2", "3", "4", "5"]] * 4
    fast = engine.score_choices(prompts, choices)
    for prompt, row in zip(prompts, fast):
        ctx = engine._encode(engine.render(prompt))
        slow = engine.loglikelihood([(ctx, engine._encode(c)) for c in choices[0]])
        assert row == pytest.approx(slow, abs=1e-3)
        # a distribution over the vocabulary: the five choices hold part of it, never more
        assert 0 < sum(math.exp(x) for x in row) <= 1 + 1e-4


def test_multi_token_choices_use_full_continuations(engine):
    prompt = [{"role": "user", "content": "Which code means type 2 diabetes?"}]
    choices = [["E11.9 Type 2 diabetes mellitus", "I10 Essential hypertension", "5"]]
    [row] = engine.score_choices([prompt], choices)
    ctx = engine._encode(engine.render(prompt))
    assert row == pytest.approx(engine.loglikelihood([(ctx, engine._encode(c)) for c in choices[0]]), abs=1e-4)
    assert len({round(x, 4) for x in row}) == 3
