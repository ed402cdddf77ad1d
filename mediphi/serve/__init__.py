"""serve: host the run's models behind an OpenAI-compatible API on Ray Serve.

Inputs: the manifests of experts, merge and align where they completed (optional inputs: a run
without an alignment still serves its base and experts); a retrained model changes a manifest's
hash, hence this stage's fingerprint, which is how `pipeline` knows the endpoint must come back.
Recipe: find the run's models (base, experts, merged, aligned: whichever stages completed) ->
start Serve on the configured host/port -> deploy the app unless the same one is already up ->
wait until /v1/models answers -> record the endpoint. The app outlives this call (a Serve app is
live state, so the stage always runs); `shutdown()` takes it down.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from mediphi.config import RunConfig
from mediphi.runs import StageContext, StageDef, execute
from mediphi.serve.discovery import MODEL_STAGES

STAGE = StageDef(name="serve", sections=("model", "serve"), inputs=(), optional_inputs=MODEL_STAGES, always_run=True)

log = logging.getLogger("mediphi.serve")


def run(config: RunConfig, run_dir, force: bool = False) -> dict[str, Any]:
    return execute(STAGE, config, run_dir, _body, force)


def _body(ctx: StageContext) -> dict[str, Any]:
    from mediphi.cluster import connect
    from mediphi.models import base_model
    from mediphi.serve.app import AppArgs
    from mediphi.serve.discovery import discover_models

    connect(ctx.config)
    s = ctx.config.serve
    models = discover_models(ctx.run_dir, base_model(ctx.config))
    args = AppArgs(**s.model_dump(), models=models, dtype=ctx.config.model.dtype,
                   report_dir=str(ctx.run_dir.root / "evaluate"))
    endpoint = f"http://{s.host}:{s.port}/v1"
    with ctx.timed("deploy"):
        deployed = deploy(args, s.host, s.port, s.app_name)
    with ctx.timed("ready"):
        wait_ready(endpoint, list(models), api_key=client_key(ctx.config))
    ctx.log.info("serving %s at %s", ", ".join(models), endpoint)
    return {
        "counts": {"models": len(models)},
        "outputs": {"endpoint": endpoint, "models": models},
        "metrics": {"redeployed": deployed},
    }


def deploy(args, host: str, port: int, app_name: str) -> bool:
    """Deploy the app under `app_name` unless that exact app already runs; True if it deployed."""
    from ray import serve

    from mediphi.serve.app import app_spec, build_app

    serve.start(http_options={"host": host, "port": port})
    spec = app_spec(args, args.resolved_models())
    if _running_spec(app_name) == spec:
        log.info("app '%s' already serves these models: not redeploying", app_name)
        return False
    # No access log: evaluation sends thousands of requests; errors are still logged.
    serve.run(build_app(args.model_dump()), name=app_name, route_prefix="/", blocking=False,
              logging_config={"enable_access_log": False})
    return True


def _running_spec(app_name: str) -> dict[str, Any] | None:
    from ray import serve
    from ray.serve.schema import ApplicationStatus

    app = serve.status().applications.get(app_name)
    if app is None or app.status != ApplicationStatus.RUNNING:
        return None
    try:
        return serve.get_app_handle(app_name).spec.remote().result(timeout_s=30)
    except Exception:  # another app under that name (a vLLM app has no spec): replace it
        return None


def client_key(config: RunConfig) -> str | None:
    """The key a client of this run's endpoint sends: the value of serve.api_key_env."""
    from mediphi.config import key_from_env

    return key_from_env(config.serve.api_key_env, "serve.api_key_env")


def auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def wait_ready(endpoint: str, models: list[str], timeout_s: float = 300.0, api_key: str | None = None) -> None:
    """Until GET /v1/models lists exactly `models`."""
    deadline, last = time.monotonic() + timeout_s, "no answer"
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{endpoint}/models", timeout=10, headers=auth_headers(api_key))
            if r.status_code == 200:
                served = sorted(m["id"] for m in r.json()["data"])
                if served == sorted(models):
                    return
                last = f"serves {served}"
            else:
                last = f"answered {r.status_code}"
        except httpx.HTTPError as e:
            last = f"{type(e).__name__}"
        time.sleep(1.0)
    raise TimeoutError(f"{endpoint}/models not ready after {timeout_s:.0f}s ({last}); if Serve already runs "
                       "on this cluster with other HTTP options, call mediphi.serve.shutdown() first")


def shutdown() -> None:
    """Delete every Serve app and stop Serve on the connected cluster (no-op without Ray)."""
    import ray
    from ray import serve

    if ray.is_initialized():
        serve.shutdown()
