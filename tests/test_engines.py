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


def test_batched_token_logprobs_match_one_unpadded_forward_each(engine):
    """The batched echo path (right-padded, token-budget chunks) gives what one plain forward per
    text gives: same tokens, offsets, logprobs; None for the first token."""
    import torch

    texts = ["The patient was admitted with chest pain and shortness of breath.", "Diagnosis:", "x",
             "E11.9 Type 2 diabetes mellitus without complications"]
    budget, engine.score_batch_tokens = engine.score_batch_tokens, 40  # several chunks, one with several rows
    try:
        batched = engine.token_logprobs_batch(texts)
    finally:
        engine.score_batch_tokens = budget
    for text, (tokens, lps, offsets) in zip(texts, batched):
        ids = engine._encode(text)
        with torch.inference_mode():
            logp = torch.log_softmax(engine.model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
        assert tokens == [engine.tokenizer.decode([i]) for i in ids]
        assert "".join(tokens) == text and offsets[0] == 0 and offsets == sorted(offsets)
        assert lps[0] is None
        assert lps[1:] == pytest.approx([float(logp[j - 1, ids[j]]) for j in range(1, len(ids))], abs=1e-4)
        assert engine.token_logprobs(text)[1][1:] == pytest.approx(lps[1:], abs=1e-4)


def test_top_logprobs_and_next_token(engine):
    """top_k: the k best tokens plus the actual one, so `max(top) == actual` exactly when the actual
    token is the argmax (lm-eval's is_greedy); next_token: the greedy continuation's id and score."""
    import torch

    ids = engine._encode("The patient was admitted with chest pain")
    [row] = engine.sequence_logprobs([ids], top_k=2, next_token=True)
    with torch.inference_mode():
        logp = torch.log_softmax(engine.model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
    assert row.top[0] is None and len(row.top) == len(ids)
    for j in range(1, len(ids)):
        top = row.top[j]
        assert 2 <= len(top) <= 3 and row.logprobs[j] in top.values()
        best = int(logp[j - 1].argmax())
        assert max(top.values()) == pytest.approx(float(logp[j - 1, best]), abs=1e-4)
        assert (max(top.values()) == row.logprobs[j]) == (ids[j] == best)
    token, lp, top = row.next
    assert token == int(logp[-1].argmax()) and lp == pytest.approx(float(logp[-1].max()), abs=1e-4)
    assert max(top.values()) == lp


def test_shared_prefix_groups_keep_only_real_prompt_plus_option_runs():
    from mediphi.engines.hf import shared_prefix_groups

    prompt = list(range(100, 140))
    seqs = [prompt + [1, 2], [7] * 10, prompt + [3], prompt + [1, 5, 6], list(range(100, 108)) + [9] * 40]
    groups = shared_prefix_groups(seqs)
    # The three prompt+option rows share 40 tokens; the last shares only 8 of its 48: alone.
    assert groups == [(prompt, [0, 3, 2])]
    # A sequence that is all prefix of another still keeps one token of its own.
    assert shared_prefix_groups([prompt, prompt + [1]]) == [(prompt[:-1], [0, 1])]


def test_prefix_shared_scoring_equals_whole_sequence_scoring(tiny_llama):
    import mediphi.engines.hf as hf

    eng = hf.HFEngine(tiny_llama, batch_size=4)
    prompt = eng._encode("Which description matches code E11.9? A. diabetes B. asthma C. gout D. flu\nAnswer:")
    other = eng._encode("Expand the abbreviation in: pt w/ SOB and CP since this morning, no fever\nAnswer:")
    assert len(other) != len(prompt)  # the prefixes share one left-padded forward pass
    seqs = ([prompt + eng._encode(o) for o in (" diabetes", " asthma attack", " gout", " flu")] + [eng._encode("x y")]
            + [other + eng._encode(o) for o in (" shortness of breath, chest pain", " sob")])
    grouped = eng.sequence_logprobs(seqs)
    assert len(hf.shared_prefix_groups(seqs)) == 2
    whole = [eng.sequence_logprobs([s], top_k=1)[0] for s in seqs]  # top_k: the ungrouped path
    for g, w in zip(grouped, whole):
        assert len(g.logprobs) == len(w.logprobs) and g.logprobs[0] is None
        assert g.logprobs[1:] == pytest.approx(w.logprobs[1:], abs=1e-4)


# ----------------------------------------------------------------------------- the OpenAI client's key and transport
@pytest.fixture
def recording_server():
    """A loopback HTTP server answering chat completions and recording each request's headers.
    Statuses put in `fail` are answered first, one per request (429 with a short Retry-After)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen, fail = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            seen.append(dict(self.headers))
            status = fail.pop(0) if fail else 200
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "ok"}}]} if status == 200
                              else {"error": {"message": "slow down", "type": "rate_limit"}}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            if status == 429:
                self.send_header("retry-after-ms", "20")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen, fail
    server.shutdown()


def test_openai_engine_sends_only_the_key_its_config_names(recording_server, monkeypatch):
    from mediphi.config import ConfigError, EngineConfig
    from mediphi.engines import build_engine, sampling_params

    url, seen, _ = recording_server
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other-provider")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-other")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-other")
    monkeypatch.setenv("TEACHER_KEY", "sk-teacher")
    chat = [[{"role": "user", "content": "hi"}]]
    params = sampling_params(EngineConfig(kind="openai", base_url=url))

    assert build_engine(EngineConfig(kind="openai", base_url=url), "m").generate(chat, params) == ["ok"]
    sent = {k.lower() for k in seen[-1]}
    assert "authorization" not in sent  # no key named: none sent, OPENAI_API_KEY unread
    assert not sent & {"openai-organization", "openai-project"}
    build_engine(EngineConfig(kind="openai", base_url=url, api_key_env="TEACHER_KEY"), "m").generate(chat, params)
    headers = {k.lower(): v for k, v in seen[-1].items()}
    assert headers["authorization"] == "Bearer sk-teacher"
    assert not set(headers) & {"openai-organization", "openai-project"}

    monkeypatch.delenv("TEACHER_KEY")
    with pytest.raises(ConfigError, match="api_key_env: TEACHER_KEY is not set"):
        build_engine(EngineConfig(kind="openai", base_url=url, api_key_env="TEACHER_KEY"), "m")


def test_openai_engine_retries_a_rate_limited_request(recording_server):
    """429 then 200: the SDK's retry (Retry-After honored) returns the answer; with no retries
    left the status is the error."""
    from mediphi.config import EngineConfig
    from mediphi.engines import build_engine, sampling_params

    url, seen, fail = recording_server
    chat = [[{"role": "user", "content": "hi"}]]
    cfg = EngineConfig(kind="openai", base_url=url, max_retries=2, timeout_s=30)
    fail.append(429)
    assert build_engine(cfg, "m").generate(chat, sampling_params(cfg)) == ["ok"]
    assert len(seen) == 2 and [h.get("x-stainless-retry-count") for h in seen] == ["0", "1"]

    fail.append(429)
    no_retry = EngineConfig(kind="openai", base_url=url, max_retries=0)
    with pytest.raises(RuntimeError, match="answered 429"):
        build_engine(no_retry, "m").generate(chat, sampling_params(no_retry))
    assert len(seen) == 3


def test_plain_http_only_to_loopback_unless_allowed():
    from pydantic import ValidationError

    from mediphi.config import EngineConfig

    for ok in ("http://localhost:8000/v1", "http://127.0.0.1:8000/v1", "http://[::1]:8000/v1",
               "https://api.example.org/v1"):
        EngineConfig(kind="openai", base_url=ok)
    with pytest.raises(ValidationError, match="plain http to a host other than loopback.*allow_insecure_http"):
        EngineConfig(kind="openai", base_url="http://teacher.example.org:8000/v1")
    EngineConfig(kind="openai", base_url="http://10.0.0.5:8000/v1", allow_insecure_http=True)
    for bad in ({"max_retries": -1}, {"timeout_s": 0}):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            EngineConfig(kind="openai", base_url="http://localhost:8000/v1", **bad)
