"""`serve run serve_config.yaml`: Ray Serve's own CLI deploys the shipped config, and the app answers.

Its own module: a config deploy cannot share a Serve instance with the apps test_serve.py deploys
through the Python API (Ray refuses to mix the two), so this starts and ends with no Serve app.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PORT = 8124  # not the test config's 8123: a leftover app from another module would answer there


@pytest.fixture
def no_serve(ray_session):
    from ray import serve

    serve.shutdown()
    yield
    serve.shutdown()  # the next module starts Serve with its own HTTP options


def test_serve_run_deploys_the_shipped_config_and_the_app_answers(no_serve, tmp_path, tiny_llama, tiny_phi3):
    """The shipped serve_config.yaml with two changes only (the run it points at, and the port):
    `serve run --non-blocking` returns once the config is submitted, the builder finds the aligned
    model in the run's manifests, and the endpoint serves it, under the app name the file gives."""
    import ray
    from ray import serve

    from mediphi.runs import write_manifest

    run = tmp_path / "run"
    write_manifest(run, "experts", {"experts": {"pubmed": tiny_llama}})
    write_manifest(run, "align", {"sft_model": tiny_llama, "aligned": tiny_phi3})
    cfg = yaml.safe_load((REPO / "serve_config.yaml").read_text())
    app = cfg["applications"][0]
    app["args"]["run_dir"] = str(run)  # the file's relative runs/demo resolves against the builder's cwd
    cfg["http_options"]["port"] = PORT
    path = tmp_path / "serve_config.yaml"
    path.write_text(yaml.safe_dump(cfg))

    cli = Path(sys.executable).with_name("serve")
    env = {**os.environ, "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    done = subprocess.run([str(cli), "run", "--non-blocking", str(path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    base = f"http://{cfg['http_options']['host']}:{PORT}"
    deadline = time.monotonic() + 240
    while True:
        try:
            r = httpx.get(base + "/v1/models", timeout=10)
            if r.status_code == 200:
                break
        except httpx.HTTPError:
            pass
        status = serve.status().applications.get(app["name"])
        assert status is None or status.status.value != "DEPLOY_FAILED", status and status.message
        assert time.monotonic() < deadline, status
        time.sleep(2)
    assert [m["id"] for m in r.json()["data"]] == ["aligned"]
    reply = httpx.post(base + "/v1/chat/completions", timeout=120, json={
        "model": "aligned", "messages": [{"role": "user", "content": "Name one symptom of diabetes."}],
        "max_tokens": 3, "temperature": 0})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["model"] == "aligned" and body["usage"]["completion_tokens"] >= 1
    # the deployment Ray Serve reports is the one the file named, with the file's replica count
    deployments = serve.status().applications[app["name"]].deployments
    assert deployments["ModelServer"].replica_states == {"RUNNING": app["args"]["num_replicas"]}
