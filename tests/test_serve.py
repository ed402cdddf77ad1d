"""The Serve app over real HTTP: two tiny models behind one OpenAI-compatible endpoint."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CHAT = [{"role": "user", "content": "Name one symptom of diabetes."}]
PROMPT = "The patient was admitted with"


KEY_ENV, KEY = "MEDIPHI_TEST_SERVE_KEY", "sk-test-serve-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def server(ray_session, tiny_llama, tiny_phi3):
    """The app (tiny Llama as 'llama', tiny Phi3 as 'phi3') on the test config's port, with a
    Bearer key (serve.api_key_env) and a 20 kB body limit, as a deployment off loopback has."""
    import os

    from ray import serve

    from mediphi.config import RunConfig
    from mediphi.serve import deploy, wait_ready
    from mediphi.serve.app import AppArgs

    os.environ[KEY_ENV] = KEY
    s = RunConfig.load(REPO / "configs" / "test.yaml", overrides=[
        f"serve.api_key_env={KEY_ENV}", "serve.max_request_bytes=20000", "serve.max_prompts_per_request=8"]).serve
    args = AppArgs(**s.model_dump(), models={"llama": tiny_llama, "phi3": tiny_phi3})
    assert deploy(args, s.host, s.port, s.app_name) is True
    endpoint = f"http://{s.host}:{s.port}"
    wait_ready(f"{endpoint}/v1", ["llama", "phi3"], api_key=KEY)
    with httpx.Client(base_url=endpoint, timeout=120, headers=AUTH) as client:
        yield {"client": client, "args": args, "serve": s, "paths": {"llama": tiny_llama, "phi3": tiny_phi3}}
    serve.shutdown()  # other test modules share the cluster
    del os.environ[KEY_ENV]


def test_the_key_is_required_on_every_api_route_but_health(server):
    base = f"http://{server['serve'].host}:{server['serve'].port}"
    body = {"model": "llama", "prompt": PROMPT, "max_tokens": 2}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        for method, path in (("GET", "/v1/models"), ("POST", "/v1/completions"), ("POST", "/v1/chat/completions")):
            r = httpx.request(method, base + path, headers=headers, json=body if method == "POST" else None,
                              timeout=120)
            assert r.status_code == 401, (headers, path)
            assert r.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(base + "/health", timeout=120).status_code == 200  # load balancers need no key
    assert httpx.post(base + "/v1/completions", headers=AUTH, json=body, timeout=120).status_code == 200
    # the official openai client, with the key, and without it
    openai = pytest.importorskip("openai")
    ok = openai.OpenAI(base_url=base + "/v1", api_key=KEY).completions.create(model="llama", prompt=PROMPT,
                                                                               max_tokens=2)
    assert ok.choices[0].text is not None
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).models.list()


def test_request_size_and_prompt_count_limits(server):
    c = server["client"]
    big = c.post("/v1/completions", json={"model": "llama", "prompt": "word " * 5000, "max_tokens": 1})
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"
    many = c.post("/v1/completions", json={"model": "llama", "prompt": ["a"] * 9, "max_tokens": 1})
    assert many.status_code == 400 and many.json()["error"]["code"] == "too_many_prompts"
    assert c.post("/v1/completions", json={"model": "llama", "prompt": ["a"] * 8, "max_tokens": 1}).status_code == 200


@pytest.fixture(scope="module")
def local(tiny_llama, tiny_phi3):
    from mediphi.engines.hf import HFEngine

    return {"llama": HFEngine(tiny_llama), "phi3": HFEngine(tiny_phi3)}


def test_lists_both_models_and_is_healthy(server):
    c = server["client"]
    body = c.get("/v1/models").json()
    assert body["object"] == "list"
    assert sorted(m["id"] for m in body["data"]) == ["llama", "phi3"]
    assert all(m["object"] == "model" for m in body["data"])
    health = c.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_same_app_is_not_redeployed(server):
    from mediphi.serve import deploy

    s = server["serve"]
    assert deploy(server["args"], s.host, s.port, s.app_name) is False


def test_chat_greedy_matches_local_engine(server, local):
    from mediphi.engines import SamplingParams

    for name in ("llama", "phi3"):
        r = server["client"].post("/v1/chat/completions", json={
            "model": name, "messages": CHAT, "max_tokens": 12, "temperature": 0})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["object"] == "chat.completion" and body["model"] == name
        choice = body["choices"][0]
        assert choice["message"]["role"] == "assistant"
        assert choice["finish_reason"] in ("stop", "length")
        expected = local[name].generate([CHAT], SamplingParams(max_new_tokens=12, temperature=0.0))[0]
        assert choice["message"]["content"] == expected
        n_prompt = len(local[name].tokenizer(local[name].render(CHAT), add_special_tokens=False)["input_ids"])
        assert body["usage"]["prompt_tokens"] == n_prompt
        assert 1 <= body["usage"]["completion_tokens"] <= 12
        assert body["usage"]["total_tokens"] == n_prompt + body["usage"]["completion_tokens"]


def test_completion_greedy_matches_local_engine(server, local):
    from mediphi.engines import SamplingParams

    r = server["client"].post("/v1/completions", json={
        "model": "llama", "prompt": [PROMPT, "Diagnosis:"], "max_tokens": 10, "temperature": 0})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "text_completion"
    assert [c["index"] for c in body["choices"]] == [0, 1]
    for choice, prompt in zip(body["choices"], [PROMPT, "Diagnosis:"]):
        # One request's prompts are batched together; greedy text must match the local engine's.
        expected = local["llama"].generate([prompt], SamplingParams(max_new_tokens=10, temperature=0.0))[0]
        assert choice["text"].strip() == expected
        assert choice["logprobs"] is None
    n_prompt = sum(len(local["llama"].tokenizer(p, add_special_tokens=False)["input_ids"])
                   for p in (PROMPT, "Diagnosis:"))
    assert body["usage"]["prompt_tokens"] == n_prompt

    # A stop sequence taken from the greedy text cuts the text before it, with finish_reason "stop".
    text = body["choices"][0]["text"]
    stop = text.strip()[len(text.strip()) // 2:][:3]
    r = server["client"].post("/v1/completions", json={
        "model": "llama", "prompt": PROMPT, "max_tokens": 10, "temperature": 0, "stop": [stop]})
    choice = r.json()["choices"][0]
    assert choice["text"] == text[:text.find(stop)] and choice["finish_reason"] == "stop"


def test_echo_logprobs_match_local_token_logprobs(server, local):
    from mediphi.engines import SamplingParams
    from mediphi.serve.app import generate_batch

    c = server["client"]
    r = c.post("/v1/completions", json={"model": "phi3", "prompt": PROMPT, "max_tokens": 0, "echo": True,
                                        "logprobs": 0, "temperature": 0})
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert choice["text"] == PROMPT
    tokens, lps, offsets = local["phi3"].token_logprobs(PROMPT)
    lp = choice["logprobs"]
    assert lp["tokens"] == tokens and lp["text_offset"] == offsets and lp["top_logprobs"] is None
    assert lp["token_logprobs"][0] is None
    assert lp["token_logprobs"][1:] == pytest.approx(lps[1:], abs=1e-4)
    assert r.json()["usage"] == {"prompt_tokens": len(tokens), "completion_tokens": 0, "total_tokens": len(tokens)}

    # Echo with generation: the prompt's tokens then the generated ones, token by token (not the
    # text re-tokenized), so there are exactly prompt + completion tokens; offsets into the text.
    r = c.post("/v1/completions", json={"model": "phi3", "prompt": PROMPT, "max_tokens": 5, "echo": True,
                                        "logprobs": 0, "temperature": 0})
    body = r.json()
    choice = body["choices"][0]
    assert choice["text"].startswith(PROMPT) and len(choice["text"]) > len(PROMPT)
    assert len(choice["logprobs"]["tokens"]) == body["usage"]["total_tokens"]
    ids = local["phi3"]._encode(PROMPT)
    [gen] = generate_batch(local["phi3"], [ids], SamplingParams(max_new_tokens=5, temperature=0.0))
    assert choice["text"] == PROMPT + gen["text"]
    [row] = local["phi3"].sequence_logprobs([ids + gen["token_ids"]])
    assert choice["logprobs"]["tokens"] == [local["phi3"].token_text(t) for t in ids + gen["token_ids"]]
    assert choice["logprobs"]["text_offset"][:len(ids)] == offsets
    assert choice["logprobs"]["text_offset"][len(ids)] == len(PROMPT)
    assert choice["logprobs"]["token_logprobs"][1:] == pytest.approx(row.logprobs[1:], abs=1e-4)


def test_multi_prompt_echo_is_one_batch_and_equals_single_prompt_requests(server, local):
    """Several prompts with echo + logprobs + max_tokens=0: one model-server call, one score batch,
    and per prompt exactly what a request of its own gets."""
    from ray import serve

    c, name = server["client"], "llama"
    prompts = [PROMPT + " chest pain", "Diagnosis: E11.9 Type 2 diabetes mellitus without complications", "x"]
    handle = serve.get_deployment_handle("ModelServer", server["serve"].app_name)
    before = handle.stats.remote().result()
    r = c.post("/v1/completions", json={"model": name, "prompt": prompts, "max_tokens": 0, "echo": True,
                                        "logprobs": 0, "temperature": 0})
    assert r.status_code == 200, r.text
    after = handle.stats.remote().result()
    assert after["requests"] - before["requests"] == 1
    assert after["score_batches"] - before["score_batches"] == 1
    assert after["scored_rows"] - before["scored_rows"] == 3
    body = r.json()
    assert [ch["index"] for ch in body["choices"]] == [0, 1, 2]
    n_tokens = 0
    for prompt, choice in zip(prompts, body["choices"]):
        single = c.post("/v1/completions", json={"model": name, "prompt": prompt, "max_tokens": 0, "echo": True,
                                                 "logprobs": 0, "temperature": 0}).json()["choices"][0]
        assert choice["text"] == prompt and choice["finish_reason"] == single["finish_reason"]
        lp, one = choice["logprobs"], single["logprobs"]
        assert lp["tokens"] == one["tokens"] and lp["text_offset"] == one["text_offset"]
        assert lp["token_logprobs"][0] is None and one["token_logprobs"][0] is None
        assert lp["token_logprobs"][1:] == pytest.approx(one["token_logprobs"][1:], abs=1e-4)
        assert lp["token_logprobs"][1:] == pytest.approx(local[name].token_logprobs(prompt)[1][1:], abs=1e-4)
        n_tokens += len(lp["tokens"])
    assert body["usage"] == {"prompt_tokens": n_tokens, "completion_tokens": 0, "total_tokens": n_tokens}


def test_top_logprobs_and_token_id_prompts(server, local):
    """logprobs=k: top_logprobs per token ({token: logprob}, the k best plus the actual token); a
    prompt given as token ids (lm-eval's default) scores as its text does."""
    c, eng = server["client"], local["llama"]
    ids = eng._encode(PROMPT)
    req = {"model": "llama", "max_tokens": 0, "echo": True, "logprobs": 2, "temperature": 0}
    r = c.post("/v1/completions", json={**req, "prompt": PROMPT})
    assert r.status_code == 200, r.text
    text_choice = r.json()["choices"][0]
    r = c.post("/v1/completions", json={**req, "prompt": [ids, ids[:3]]})  # a batch of token-id prompts
    assert r.status_code == 200, r.text
    ids_choice, short = r.json()["choices"]
    assert short["logprobs"]["tokens"] == text_choice["logprobs"]["tokens"][:3]
    assert ids_choice["text"] == PROMPT
    for key in ("tokens", "text_offset"):
        assert ids_choice["logprobs"][key] == text_choice["logprobs"][key]
    [row] = eng.sequence_logprobs([ids], top_k=2)
    for choice in (text_choice, ids_choice):
        lp = choice["logprobs"]
        assert lp["token_logprobs"][1:] == pytest.approx(row.logprobs[1:], abs=1e-4)
        assert lp["top_logprobs"][0] is None and len(lp["top_logprobs"]) == len(ids)
        for j in range(1, len(ids)):
            assert set(lp["top_logprobs"][j]) == set(row.top[j])
            assert lp["token_logprobs"][j] <= max(lp["top_logprobs"][j].values())
    bad = c.post("/v1/completions", json={"model": "llama", "prompt": [10**9], "max_tokens": 1})
    assert bad.status_code == 400 and "vocabulary" in bad.json()["error"]["message"]


def test_one_token_greedy_echo_is_one_pass_and_matches_generate_then_score(server, local):
    """lm-eval's loglikelihood request (echo, logprobs=1, max_tokens=1, temperature 0) is answered
    from the scoring forward pass alone; the result equals generating the token, then scoring."""
    from ray import serve

    c = server["client"]
    req = {"model": "llama", "prompt": [PROMPT, "Diagnosis:"], "max_tokens": 1, "echo": True, "logprobs": 1,
           "temperature": 0, "seed": 1234}
    handle = serve.get_deployment_handle("ModelServer", server["serve"].app_name)
    before = handle.stats.remote().result()
    fast = c.post("/v1/completions", json=req).json()
    after = handle.stats.remote().result()
    assert after["batches"] == before["batches"] and after["score_batches"] == before["score_batches"] + 1
    # A stop sequence that never occurs takes the generate-then-score path.
    slow = c.post("/v1/completions", json={**req, "stop": ["@@@@"]}).json()
    assert handle.stats.remote().result()["batches"] > after["batches"]
    assert fast["usage"] == slow["usage"]
    for f, s, prompt in zip(fast["choices"], slow["choices"], [PROMPT, "Diagnosis:"]):
        assert f["text"] == s["text"] and f["text"].startswith(prompt)
        n_prompt = len(local["llama"]._encode(prompt))
        assert len(f["logprobs"]["tokens"]) == n_prompt + 1  # lm-eval reads token_logprobs[ctxlen:-1]
        assert f["logprobs"]["tokens"] == s["logprobs"]["tokens"]
        assert f["logprobs"]["text_offset"] == s["logprobs"]["text_offset"]
        assert f["logprobs"]["token_logprobs"][1:] == pytest.approx(s["logprobs"]["token_logprobs"][1:], abs=1e-4)
        # the generated token is the greedy one: its logprob is the best at its position
        assert f["logprobs"]["token_logprobs"][-1] == max(f["logprobs"]["top_logprobs"][-1].values())


def test_score_choices_over_http_is_one_request_per_item_and_matches_in_process(server, local):
    from ray import serve

    from mediphi.engines.openai import OpenAIEngine

    eng = local["llama"]
    questions = ["Which code means type 2 diabetes?", "Which code means essential hypertension?",
                 "Which code is asthma?", "Which code means a fracture of the femur?", "Pick the right code."]
    options = ["E11.9 Type 2 diabetes mellitus without complications", "I10 Essential (primary) hypertension",
               "J45.909 Unspecified asthma, uncomplicated", "S72.001A Fracture of unspecified part of neck of "
               "right femur, initial encounter for closed fracture"]
    prompts = [eng.render([{"role": "user", "content": q}]) for q in questions]
    choices = [options[i:] + options[:i] for i in range(len(questions))]
    choices[-1] = ["A", "B", "C", "D"]  # single-token options: the in-process engine's next-token path

    sent: list[str] = []
    client = OpenAIEngine(f"http://{server['serve'].host}:{server['serve'].port}/v1", "llama", api_key=KEY,
                          concurrency=3)
    client.client.event_hooks["request"] = [lambda req: sent.append(req.url.path)]
    handle = serve.get_deployment_handle("ModelServer", server["serve"].app_name)
    before = handle.stats.remote().result()
    http = client.score_choices(prompts, choices)
    after = handle.stats.remote().result()
    assert sent == ["/v1/completions"] * len(prompts)
    assert after["requests"] - before["requests"] == len(prompts)
    assert after["scored_rows"] - before["scored_rows"] == sum(len(cs) for cs in choices)

    in_process = eng.score_choices(prompts, choices)
    for h, l in zip(http, in_process):
        assert h == pytest.approx(l, abs=1e-3)
        assert max(range(len(h)), key=h.__getitem__) == max(range(len(l)), key=l.__getitem__)
    assert client.score_choices([prompts[0]], [[]]) == [[]] and len(sent) == len(prompts)


def test_lm_eval_local_completions_loglikelihood(server, local, tiny_llama, monkeypatch):
    """lm-evaluation-harness's `local-completions` model against the app: its loglikelihood
    requests (echo, logprobs=1, max_tokens=1; text or token-id prompts) give the in-process
    log-likelihoods and is_greedy."""
    pytest.importorskip("lm_eval.models.openai_completions",
                        reason="lm-eval is not installed (pip install 'lm-eval[api]')")
    from lm_eval.api.instance import Instance
    from lm_eval.models.openai_completions import LocalCompletionsAPI

    eng = local["llama"]
    pairs = [(PROMPT, " chest pain"), ("Diagnosis:", " E11.9 Type 2 diabetes mellitus"),
             (eng.render([{"role": "user", "content": "Which code means hypertension?"}]), "I10")]
    # is_greedy must be True somewhere: make one continuation the model's own greedy tokens.
    ids = eng._encode("Diagnosis:")
    for _ in range(2):
        ids.append(eng.sequence_logprobs([ids], next_token=True)[0].next[0])
    pairs.append(("Diagnosis:", eng.tokenizer.decode(ids)[len("Diagnosis:"):]))
    requests = [Instance("loglikelihood", {}, pair, i) for i, pair in enumerate(pairs)]
    expected = []
    for ctx, cont in pairs:
        # lm-eval's _encode_pair: trailing whitespace moves to the continuation; the context's
        # tokens are a prefix of the whole text's.
        whole, ctx_ids = eng._encode(ctx + cont), eng._encode(ctx.rstrip())
        cont_ids = whole[len(ctx_ids):]
        [row] = eng.sequence_logprobs([whole], top_k=1)
        expected.append((sum(row.logprobs[len(ctx_ids):]),
                         all(row.logprobs[j] == max(row.top[j].values()) for j in range(len(ctx_ids), len(whole)))))
        assert cont_ids
    assert any(g for _, g in expected)
    url = f"http://{server['serve'].host}:{server['serve'].port}/v1/completions"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # lm-eval's local-completions sends it as the Bearer key
    for tokenized in (False, True):
        lm = LocalCompletionsAPI(base_url=url, model="llama", tokenizer_backend="huggingface", tokenizer=tiny_llama,
                                 tokenized_requests=tokenized, num_concurrent=2, batch_size=2, max_retries=1)
        got = lm.loglikelihood(requests, disable_tqdm=True)
        assert [g for _, g in got] == [g for _, g in expected], tokenized
        assert [ll for ll, _ in got] == pytest.approx([ll for ll, _ in expected], abs=1e-3)


def test_concurrent_requests_are_batched(server):
    from ray import serve

    def ask(i: int) -> httpx.Response:
        return httpx.post(f"http://{server['serve'].host}:{server['serve'].port}/v1/completions", timeout=120,
                          headers=AUTH, json={"model": "llama", "prompt": f"Case {i}: the patient", "max_tokens": 6,
                                "temperature": 0})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(ask, range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert all(r.json()["usage"]["completion_tokens"] >= 1 for r in responses)
    stats = serve.get_deployment_handle("ModelServer", server["serve"].app_name).stats.remote().result()
    assert stats["largest_batch"] >= 2, stats


@pytest.mark.parametrize("path,payload,status,needle", [
    ("/v1/chat/completions", {"model": "gpt-4", "messages": CHAT}, 404, "served models: llama, phi3"),
    ("/v1/chat/completions", {"model": "llama"}, 400, "messages"),
    ("/v1/chat/completions", {"model": "llama", "messages": []}, 400, "messages"),
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "max_tokens": 100000}, 400, "limit of 256"),
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "stream_options": {"include_usage": True}}, 400,
     "only allowed with stream=true"),
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "n": 9}, 400, "n must be between 1 and 8"),
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "max_tokens": 0}, 400, "at least 1"),
    ("/v1/chat/completions", {"model": "llama", "messages": [{"role": "tool", "content": "x"}]}, 400,
     "messages.0.role"),
    ("/v1/completions", {"model": "llama", "prompt": ["a", "b", "c"], "n": 3}, 400, "9 choices"),
    ("/v1/completions", {"model": "llama", "prompt": PROMPT, "stream": True, "echo": True}, 400, "stream=true"),
    # checked by the model server before the first event: still a plain 400
    ("/v1/completions", {"model": "llama", "prompt": "word " * 2100, "max_tokens": 200, "stream": True}, 400,
     "context length"),
    ("/v1/completions", {"model": "llama", "prompt": PROMPT, "temperature": -1}, 400, "temperature"),
    ("/v1/completions", {"model": "llama", "prompt": PROMPT, "max_tokens": 0}, 400, "echo"),
    ("/v1/completions", {"model": "llama", "prompt": 42}, 400, "prompt"),
    ("/v1/completions", {"model": "llama", "prompt": "word " * 2100, "max_tokens": 200}, 400, "context length"),
    ("/v1/completions", b"{\"model\": \"llama\", \"prompt\": ", 400, "not valid JSON"),
    ("/v1/completions", [1, 2], 400, "body"),
    ("/v1/embeddings", {"model": "llama", "input": "x"}, 404, "Not Found"),
])
def test_bad_requests_get_openai_errors(server, path, payload, status, needle):
    c = server["client"]
    if isinstance(payload, bytes):
        r = c.post(path, content=payload, headers={"content-type": "application/json"})
    else:
        r = c.post(path, json=payload)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert needle in err["message"]
    assert set(err) == {"message", "type", "param", "code"}


def test_still_serves_after_bad_requests(server):
    c = server["client"]
    c.post("/v1/completions", content=b"not json", headers={"content-type": "application/json"})
    c.post("/v1/chat/completions", json={"model": "nope", "messages": CHAT})
    r = c.post("/v1/chat/completions", json={"model": "phi3", "messages": CHAT, "max_tokens": 3})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["role"] == "assistant"


def test_app_args_discover_the_run_models(tmp_path, tiny_llama, tiny_phi3):
    from mediphi.runs import write_manifest
    from mediphi.serve.app import AppArgs

    run = tmp_path / "run"
    write_manifest(run, "experts", {"experts": {"pubmed": tiny_llama, "icd10cm": tiny_phi3}})
    write_manifest(run, "align", {"sft_model": tiny_llama, "aligned": tiny_phi3})
    assert AppArgs(run_dir=str(run), groups=["aligned"]).resolved_models() == {"aligned": tiny_phi3}
    # Before the merge stage, only the PIT experts as trained exist: served as expert-<corpus>-raw.
    assert AppArgs(run_dir=str(run), base="tiny:llama").resolved_models() == {
        "base": tiny_llama, "expert-icd10cm-raw": tiny_phi3, "expert-pubmed-raw": tiny_llama, "aligned": tiny_phi3}
    with pytest.raises(FileNotFoundError, match="no models of groups"):
        AppArgs(run_dir=str(run), groups=["merged"]).resolved_models()
    # The paper's expert is the expert SLERP-merged into the base: the merge stage's per-expert model.
    write_manifest(run, "merge", {"per_expert": {"icd10cm": tiny_llama}, "merged": tiny_phi3})
    assert AppArgs(run_dir=str(run), groups=["experts", "raw_experts"]).resolved_models() == {
        "expert-icd10cm": tiny_llama, "expert-icd10cm-raw": tiny_phi3, "expert-pubmed-raw": tiny_llama}
    assert AppArgs(run_dir=str(run), groups=["experts"]).resolved_models() == {"expert-icd10cm": tiny_llama}
    with pytest.raises(FileNotFoundError, match="not found"):
        AppArgs(run_dir=str(tmp_path / "missing")).resolved_models()


def test_serve_config_yaml_is_a_valid_deploy_config():
    from ray.serve.schema import ServeDeploySchema

    from mediphi.serve.app import AppArgs

    cfg = ServeDeploySchema.model_validate(yaml.safe_load((REPO / "serve_config.yaml").read_text()))
    app = cfg.applications[0]
    assert app.import_path == "mediphi.serve.app:build_app" and app.route_prefix == "/"
    assert (cfg.http_options.host, cfg.http_options.port) == ("127.0.0.1", 8000)
    args = AppArgs.model_validate(app.args)
    assert args.run_dir == "runs/demo" and args.groups == ["aligned"]
    assert args.replica_options() == {"num_replicas": 1}


def test_vllm_engine_says_what_it_needs(tiny_llama):
    import importlib.util

    from mediphi.serve.app import build_app

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here: the vLLM app is built for real")
    with pytest.raises(RuntimeError, match="needs vLLM"):
        build_app({"models": {"m": tiny_llama}, "engine": "vllm"})


def test_api_error_survives_pickling():
    """A replica's APIError crosses to the ingress pickled: status and fields must survive."""
    import pickle

    from mediphi.serve.protocol import APIError

    e = pickle.loads(pickle.dumps(APIError(404, "nope", param="model", code="model_not_found")))
    assert e.status == 404
    assert e.body() == {"error": {"message": "nope", "type": "invalid_request_error", "param": "model",
                                  "code": "model_not_found"}}


def test_lm_eval_generate_until_completions_and_chat(server, local, tiny_llama, monkeypatch):
    """lm-eval's generation requests: `local-completions` (raw prompt, `until` + EOS as stop, which
    may be more than OpenAI's 4) and `local-chat-completions` (messages) give the greedy text."""
    pytest.importorskip("lm_eval.models.openai_completions",
                        reason="lm-eval is not installed (pip install 'lm-eval[api]')")
    import json

    from lm_eval.api.instance import Instance
    from lm_eval.models.api_models import JsonChatStr
    from lm_eval.models.openai_completions import LocalChatCompletion, LocalCompletionsAPI

    from mediphi.engines import SamplingParams

    base = f"http://{server['serve'].host}:{server['serve'].port}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    eng = local["llama"]
    greedy = SamplingParams(max_new_tokens=6, temperature=0.0)
    until = ["\n\n", "Question:", "###", "</s>", "Answer:"]  # + EOS: six stop sequences
    lm = LocalCompletionsAPI(base_url=f"{base}/completions", model="llama", tokenizer_backend="huggingface",
                             tokenizer=tiny_llama, tokenized_requests=False, max_retries=1)
    [out] = lm.generate_until([Instance("generate_until", {}, (PROMPT, {"until": until, "max_gen_toks": 6}), 0)],
                              disable_tqdm=True)
    raw = local["llama"].generate([PROMPT], greedy)[0]
    expected = raw
    for s in until:
        expected = expected.split(s)[0]
    assert out.strip() == expected.strip()

    chat = LocalChatCompletion(base_url=f"{base}/chat/completions", model="llama", max_retries=1)
    [out] = chat.generate_until([Instance("generate_until", {}, (JsonChatStr(json.dumps(CHAT)),
                                                                 {"until": ["@@@"], "max_gen_toks": 6}), 0)],
                                disable_tqdm=True)
    assert out == eng.generate([CHAT], greedy)[0]


# ----------------------------------------------------------------------------- streaming and n, with the openai client
@pytest.fixture(scope="module")
def sdk(server):
    openai = pytest.importorskip("openai")
    return openai.OpenAI(base_url=f"http://{server['serve'].host}:{server['serve'].port}/v1", api_key=KEY,
                         max_retries=0)


def test_streamed_chat_equals_the_greedy_answer(sdk):
    from openai.types.chat import ChatCompletionChunk

    for name in ("phi3", "llama"):  # llama's greedy answer is whitespace: stripped, as unstreamed
        whole = sdk.chat.completions.create(model=name, messages=CHAT, max_tokens=12, temperature=0)
        chunks = list(sdk.chat.completions.create(model=name, messages=CHAT, max_tokens=12, temperature=0,
                                                  stream=True, stream_options={"include_usage": True}))
        assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
        assert len({c.id for c in chunks}) == 1 and chunks[0].object == "chat.completion.chunk"
        *body, last = chunks
        assert body[0].choices[0].delta.role == "assistant" and body[0].choices[0].delta.content == ""
        assert all(c.usage is None for c in body)
        assert "".join(c.choices[0].delta.content or "" for c in body) == whole.choices[0].message.content
        finish = body[-1].choices[0]
        assert finish.finish_reason == whole.choices[0].finish_reason and finish.delta.content is None
        assert last.choices == [] and last.usage == whole.usage


def test_streamed_completion_equals_the_greedy_text_and_stops_where_unstreamed_does(sdk):
    from openai.types import Completion

    whole = sdk.completions.create(model="phi3", prompt=PROMPT, max_tokens=10, temperature=0)
    text = whole.choices[0].text
    chunks = list(sdk.completions.create(model="phi3", prompt=PROMPT, max_tokens=10, temperature=0, stream=True))
    assert all(isinstance(c, Completion) and c.usage is None for c in chunks)
    assert len(chunks) > 2 and len({c.id for c in chunks}) == 1  # token by token, one response
    assert "".join(c.choices[0].text for c in chunks) == text
    assert chunks[-1].choices[0].finish_reason == "length" and chunks[-1].choices[0].text == ""

    stop = text.strip()[len(text.strip()) // 2:][:3]
    cut = sdk.completions.create(model="phi3", prompt=PROMPT, max_tokens=10, temperature=0, stop=[stop])
    streamed = list(sdk.completions.create(model="phi3", prompt=PROMPT, max_tokens=10, temperature=0,
                                           stop=[stop], stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in streamed if c.choices) == cut.choices[0].text == text[:text.find(stop)]
    assert all(stop not in c.choices[0].text for c in streamed if c.choices)
    assert streamed[-2].choices[0].finish_reason == "stop" and streamed[-1].usage == cut.usage


def test_stream_is_server_sent_events_ending_in_done(server):
    body = {"model": "llama", "prompt": [PROMPT, "Diagnosis:"], "max_tokens": 3, "temperature": 0, "stream": True}
    with server["client"].stream("POST", "/v1/completions", json=body) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    events = raw.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""] and all(e.startswith("data: ") for e in events[:-1])
    import json

    chunks = [json.loads(e[len("data: "):]) for e in events[:-2]]
    assert {c["choices"][0]["index"] for c in chunks} == {0, 1} and "usage" not in chunks[0]


def test_n_choices_are_indexed_distinct_and_reproducible(sdk):
    req = dict(model="llama", prompt=[PROMPT, "Diagnosis:"], n=2, max_tokens=6, temperature=1.0, seed=11)
    first = sdk.completions.create(**req)
    assert [c.index for c in first.choices] == [0, 1, 2, 3]  # prompt index * n + sample
    texts = [c.text for c in first.choices]
    assert texts[0] != texts[1] and texts[2] != texts[3]
    assert [c.text for c in sdk.completions.create(**req).choices] == texts
    assert first.usage.prompt_tokens == sdk.completions.create(**{**req, "n": 1}).usage.prompt_tokens
    # the streamed choices sample the same seeds
    streamed = ["", "", "", ""]
    for chunk in sdk.completions.create(**req, stream=True):
        streamed[chunk.choices[0].index] += chunk.choices[0].text
    assert streamed == texts

    chat = sdk.chat.completions.create(model="phi3", messages=CHAT, n=2, max_tokens=6, temperature=0)
    assert [c.index for c in chat.choices] == [0, 1]
    assert chat.choices[0].message.content == chat.choices[1].message.content  # greedy: the same answer


def test_stream_arrives_token_by_token_and_stops_when_the_client_leaves(server):
    """The first chunk comes long before the last; a client that leaves after one chunk stops the
    generation (the model is free for the next request at once, not after 120 tokens)."""
    import time

    from ray import serve

    handle = serve.get_deployment_handle("ModelServer", server["serve"].app_name)
    body = {"model": "llama", "prompt": PROMPT, "max_tokens": 120, "temperature": 0, "stream": True}
    compute = lambda: handle.stats.remote().result()["compute_s"]  # noqa: E731
    before, t0, first = compute(), time.perf_counter(), None
    with server["client"].stream("POST", "/v1/completions", json=body) as r:
        for line in r.iter_lines():
            if first is None and line.startswith("data: {"):
                first = time.perf_counter() - t0
    whole, full_compute = time.perf_counter() - t0, compute() - before
    assert first < whole / 2, (first, whole)

    before = compute()
    with server["client"].stream("POST", "/v1/completions", json=body) as r:
        next(line for line in r.iter_lines() if line.startswith("data: {"))
    r = server["client"].post("/v1/completions", json={"model": "llama", "prompt": PROMPT, "max_tokens": 1})
    assert r.status_code == 200
    assert compute() - before < full_compute / 2


def test_an_error_after_the_stream_began_is_an_error_event():
    import asyncio

    from mediphi.serve.app import sse_events
    from mediphi.serve.protocol import APIError, StreamChunks

    class Failing:
        cancelled = False

        async def _items(self):
            yield [{"index": 0, "text": "Hel"}]
            raise APIError(500, "the replica died", type="server_error")

        def __aiter__(self):
            return self._items()

        def cancel(self):
            self.cancelled = True

    async def body(gen):
        return [event async for event in sse_events(gen, [3], 1, StreamChunks(chat=True, model="m", include_usage=True))]

    gen = Failing()
    events = asyncio.run(body(gen))
    assert events[-2] == 'data: {"error": {"message": "the replica died", "type": "server_error", "param": null, ' \
                         '"code": null}}\n\n'
    assert events[-1] == "data: [DONE]\n\n" and not gen.cancelled
    assert '"content": "Hel"' in events[1]  # after the role chunk


def test_a_job_that_fails_inside_a_batch_fails_alone():
    """A batch group that raises is rerun job by job: the others get their results, the failing
    job its own exception (which its request raises), never the batch's."""
    import asyncio

    from mediphi.serve.app import isolated, unwrap

    calls = []

    async def run(part):
        calls.append(list(part))
        if 2 in part:
            raise ValueError("row 2 cannot be tokenized")
        return [f"out{i}" for i in part]

    out = asyncio.run(isolated(run, [0, 2, 5]))
    assert out[0] == "out0" and out[5] == "out5" and isinstance(out[2], ValueError)
    assert calls == [[0, 2, 5], [0], [2], [5]]
    with pytest.raises(ValueError, match="row 2"):
        unwrap(out[2])
    assert unwrap(out[5]) == "out5"
    calls.clear()
    assert asyncio.run(isolated(run, [1, 3])) == {1: "out1", 3: "out3"} and calls == [[1, 3]]  # no failure: one call


def test_replicas_from_config_serve_the_same_answers(server):
    """serve.num_replicas: 2 redeploys the app with two model-server replicas; requests for both
    models, sent at once, are answered by them with the one replica's greedy answers. (Last in the
    module: it replaces the shared app.)"""
    import time

    from ray import serve

    from mediphi.serve import deploy

    s, client = server["serve"], server["client"]
    asks = [("llama" if i % 2 else "phi3", f"Case {i}: the patient") for i in range(12)]

    def ask(item):
        model, prompt = item
        r = httpx.post(f"http://{s.host}:{s.port}/v1/completions", headers=AUTH, timeout=120,
                       json={"model": model, "prompt": prompt, "max_tokens": 4, "temperature": 0})
        assert r.status_code == 200, r.text
        return r.json()["choices"][0]["text"]

    with ThreadPoolExecutor(6) as pool:
        one = list(pool.map(ask, asks))
    args = server["args"].model_copy(update={"num_replicas": 2, "num_cpus": 0.5})
    assert args.replica_options() == {"num_replicas": 2}
    assert deploy(args, s.host, s.port, s.app_name) is True
    deadline = time.monotonic() + 120
    while True:
        states = serve.status().applications[s.app_name].deployments["ModelServer"].replica_states
        if states.get("RUNNING") == 2 and len(states) == 1:
            break
        assert time.monotonic() < deadline, states
        time.sleep(1)
    with ThreadPoolExecutor(6) as pool:
        two = list(pool.map(ask, asks))
    assert two == one
    handle = serve.get_deployment_handle("ModelServer", s.app_name)
    seen = {}
    for _ in range(40):  # the handle routes each call to one replica: ask until both have answered
        st = handle.stats.remote().result()
        seen[st["replica"]] = st["requests"]
        if len(seen) == 2:
            break
    assert len(seen) == 2 and sum(seen.values()) == len(asks), seen


def test_autoscaling_config_is_ray_serves():
    from ray.serve.config import AutoscalingConfig

    from mediphi.config import ConfigError, ServeSection

    s = ServeSection(autoscaling=True)
    options = s.replica_options()
    assert list(options) == ["autoscaling_config"]
    parsed = AutoscalingConfig(**options["autoscaling_config"])  # Ray's own schema accepts every key
    assert (parsed.min_replicas, parsed.max_replicas, parsed.target_ongoing_requests) == (1, 2, 8.0)
    with pytest.raises((ConfigError, ValueError), match="min_replicas"):
        ServeSection(autoscaling={"min_replicas": 3, "max_replicas": 2})
