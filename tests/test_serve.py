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


@pytest.fixture(scope="module")
def server(ray_session, tiny_llama, tiny_phi3):
    """The app (tiny Llama as 'llama', tiny Phi3 as 'phi3') on the test config's port."""
    from ray import serve

    from mediphi.config import RunConfig
    from mediphi.serve import deploy, wait_ready
    from mediphi.serve.app import AppArgs

    s = RunConfig.load(REPO / "configs" / "test.yaml").serve
    args = AppArgs(**s.model_dump(), models={"llama": tiny_llama, "phi3": tiny_phi3})
    assert deploy(args, s.host, s.port, s.app_name) is True
    endpoint = f"http://{s.host}:{s.port}"
    wait_ready(f"{endpoint}/v1", ["llama", "phi3"])
    with httpx.Client(base_url=endpoint, timeout=120) as client:
        yield {"client": client, "args": args, "serve": s, "paths": {"llama": tiny_llama, "phi3": tiny_phi3}}
    serve.shutdown()  # other test modules share the cluster


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
    c = server["client"]
    r = c.post("/v1/completions", json={"model": "phi3", "prompt": PROMPT, "max_tokens": 0, "echo": True,
                                        "logprobs": 1, "temperature": 0})
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert choice["text"] == PROMPT
    tokens, lps, offsets = local["phi3"].token_logprobs(PROMPT)
    lp = choice["logprobs"]
    assert lp["tokens"] == tokens and lp["text_offset"] == offsets and lp["top_logprobs"] is None
    assert lp["token_logprobs"][0] is None
    assert lp["token_logprobs"][1:] == pytest.approx(lps[1:], abs=1e-4)
    assert r.json()["usage"] == {"prompt_tokens": len(tokens), "completion_tokens": 0, "total_tokens": len(tokens)}

    # Echo with generation: the prompt's and the generated tokens' logprobs, offsets into the text.
    r = c.post("/v1/completions", json={"model": "phi3", "prompt": PROMPT, "max_tokens": 5, "echo": True,
                                        "logprobs": 1, "temperature": 0})
    choice = r.json()["choices"][0]
    assert choice["text"].startswith(PROMPT) and len(choice["text"]) > len(PROMPT)
    full_tokens, full_lps, full_offsets = local["phi3"].token_logprobs(choice["text"])
    assert choice["logprobs"]["tokens"] == full_tokens
    assert choice["logprobs"]["text_offset"] == full_offsets
    assert choice["logprobs"]["token_logprobs"][1:] == pytest.approx(full_lps[1:], abs=1e-4)


def test_concurrent_requests_are_batched(server):
    from ray import serve

    def ask(i: int) -> httpx.Response:
        return httpx.post(f"http://{server['serve'].host}:{server['serve'].port}/v1/completions", timeout=120,
                          json={"model": "llama", "prompt": f"Case {i}: the patient", "max_tokens": 6,
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
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "stream": True}, 400, "not supported"),
    ("/v1/chat/completions", {"model": "llama", "messages": CHAT, "max_tokens": 0}, 400, "at least 1"),
    ("/v1/chat/completions", {"model": "llama", "messages": [{"role": "tool", "content": "x"}]}, 400,
     "messages.0.role"),
    ("/v1/completions", {"model": "llama", "prompt": PROMPT, "n": 3}, 400, "not supported"),
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
    assert AppArgs(run_dir=str(run), base="tiny:llama").resolved_models() == {
        "base": tiny_llama, "expert-icd10cm": tiny_phi3, "expert-pubmed": tiny_llama, "aligned": tiny_phi3}
    with pytest.raises(FileNotFoundError, match="no models of groups"):
        AppArgs(run_dir=str(run), groups=["merged"]).resolved_models()
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
