"""The Serve application: an OpenAI-compatible ingress in front of a multiplexed model server.

    client --HTTP--> OpenAIIngress (FastAPI: validate, route by `model`)
                        --handle, multiplexed_model_id=<model>--> ModelServer
                             loads HF models on demand (LRU, serve.max_models_per_replica),
                             batches generate calls (@serve.batch), groups a batch by sampling params

`build_app` is a Serve application builder, so the same app runs from Python (the serve stage),
`serve run serve_config.yaml` and `serve deploy`. With engine "vllm" it builds Ray Serve LLM's
OpenAI app on vLLM instead (GPU clusters only; `ray.serve.llm` imports only where vLLM is installed).
"""
import asyncio
import logging
import time
from collections import defaultdict
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.exceptions import HTTPException as StarletteHTTPException

from mediphi.config import ServeSection
from mediphi.engines.base import SamplingParams, truncate_at_stop
from mediphi.runs import RunDir
from mediphi.serve.discovery import GROUPS, discover_models, select_groups
from mediphi.serve.protocol import (
    COMPLETION_DEFAULT_MAX_TOKENS,
    APIError,
    ChatRequest,
    CompletionRequest,
    chat_body,
    completion_body,
    error_body,
    models_body,
)

log = logging.getLogger("mediphi.serve")


# ----------------------------------------------------------------------------- builder arguments
class AppArgs(ServeSection):
    """The builder's `args`: the serve section's fields plus which models to serve.

    Give `models` ({served name: model spec or HF dir}) or `run_dir` (served names discovered from
    the run's complete manifests, filtered by `groups`). host/port/app_name are the Serve
    instance's and deployment's business, not the app's; they are accepted for symmetry only.
    """

    models: dict[str, str] | None = None
    run_dir: str | None = None
    groups: list[Literal["base", "experts", "merged", "aligned"]] = list(GROUPS)
    base: str | None = Field(None, description="Model spec served as 'base' when discovering from run_dir.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"

    @model_validator(mode="after")
    def _models_or_run_dir(self) -> "AppArgs":
        if not self.models and not self.run_dir:
            raise ValueError("give `models` ({name: model dir}) or `run_dir` (a mediphi run directory)")
        return self

    def resolved_models(self) -> dict[str, str]:
        from mediphi.models import resolve

        if self.models:
            return {name: resolve(spec) for name, spec in self.models.items()}
        rd = RunDir(self.run_dir)
        if not rd.root.is_dir():
            raise FileNotFoundError(f"run_dir '{self.run_dir}' not found (resolved to {rd.root}): give an "
                                    "absolute path, or start `serve run` from the directory it is relative to")
        models, _ = discover_models(rd, resolve(self.base) if self.base else None)
        models = select_groups(models, self.groups)
        if not models:
            raise FileNotFoundError(f"no models of groups {self.groups} in {rd.root}: run the experts, merge "
                                    "or align stage first (only complete manifests count)")
        return models


def build_app(args: dict[str, Any]) -> serve.Application:
    """Serve application builder (import path mediphi.serve.app:build_app)."""
    a = AppArgs.model_validate(args)
    models = a.resolved_models()
    log.info("serving %s with engine %s", ", ".join(models), a.engine)
    if a.engine == "vllm":
        return _vllm_app(a, models)
    server = ModelServer.options(
        ray_actor_options={"num_cpus": a.num_cpus, "num_gpus": a.num_gpus},
        # Enough requests in flight on a replica for @serve.batch to fill a batch.
        max_ongoing_requests=max(16, 4 * a.max_batch_size),
    ).bind(models, a.dtype, a.max_models_per_replica, a.max_batch_size, a.batch_wait_timeout_s,
           a.max_tokens_limit)
    return OpenAIIngress.bind(server, app_spec(a, models))


def app_spec(a: AppArgs, models: dict[str, str]) -> dict[str, Any]:
    """Everything that makes two deployments of this app the same (resolved model paths included)."""
    return {**a.model_dump(mode="json", exclude={"run_dir", "groups", "base"}), "models": models}


def _vllm_app(a: AppArgs, models: dict[str, str]) -> serve.Application:
    try:
        from ray.serve.llm import LLMConfig, build_openai_app
    except ImportError as e:
        raise RuntimeError("serve.engine 'vllm' needs vLLM (pip install 'mediphi[vllm]' on a GPU machine); "
                           "use engine 'hf' on CPU") from e
    configs = [
        LLMConfig(
            model_loading_config={"model_id": name, "model_source": path},
            engine_kwargs={"dtype": a.dtype, "tensor_parallel_size": max(1, int(a.num_gpus)),
                           "enable_prefix_caching": True},
            deployment_config={"autoscaling_config": {"min_replicas": 1, "max_replicas": 1},
                               "max_ongoing_requests": max(16, 4 * a.max_batch_size)},
        )
        for name, path in models.items()
    ]
    return build_openai_app({"llm_configs": configs})


# ----------------------------------------------------------------------------- model server
def generate_batch(engine, prompts_ids: list[list[int]], params: SamplingParams) -> list[dict[str, Any]]:
    """One left-padded HF generate over token-id prompts: text, generated token count, finish reason."""
    import torch  # here, not at the top: the ingress replica imports this module and needs no torch

    tok, model = engine.tokenizer, engine.model
    width = max(len(ids) for ids in prompts_ids)
    input_ids = torch.full((len(prompts_ids), width), tok.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(input_ids)
    for row, ids in enumerate(prompts_ids):
        input_ids[row, width - len(ids):] = torch.tensor(ids)
        mask[row, width - len(ids):] = 1
    if params.seed is not None:
        torch.manual_seed(params.seed)
    sample = params.temperature > 0
    with torch.inference_mode():
        gen = model.generate(
            input_ids=input_ids.to(engine.device), attention_mask=mask.to(engine.device),
            max_new_tokens=params.max_new_tokens, do_sample=sample,
            temperature=params.temperature if sample else None, top_p=params.top_p if sample else None,
            top_k=None, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        )
    out = []
    for row in range(len(prompts_ids)):
        new = gen[row, width:].tolist()
        n = new.index(tok.eos_token_id) if tok.eos_token_id in new else len(new)
        text = tok.decode(new[:n], skip_special_tokens=True)
        cut = truncate_at_stop(text, params.stop)
        if len(cut) < len(text):  # a stop sequence: count only the tokens the client gets
            n = len(tok(cut, add_special_tokens=False)["input_ids"])
        stopped = len(cut) < len(text) or n < len(new) or len(new) < params.max_new_tokens
        out.append({"text": cut, "completion_tokens": n, "finish_reason": "stop" if stopped else "length"})
    return out


def legacy_logprobs(engine, prompt: str, completion: str, echo: bool) -> dict[str, Any]:
    """OpenAI legacy `logprobs` over prompt+completion; offsets index the choice's text."""
    tokens, lps, offsets = engine.token_logprobs(prompt + completion)
    if not echo:
        keep = [i for i, o in enumerate(offsets) if o >= len(prompt)]
        tokens, lps = [tokens[i] for i in keep], [lps[i] for i in keep]
        offsets = [offsets[i] - len(prompt) for i in keep]
    return {"tokens": tokens, "token_logprobs": lps, "text_offset": offsets, "top_logprobs": None}


@serve.deployment
class ModelServer:
    """Loads the requested model on demand and generates for it; one model forward at a time."""

    def __init__(self, models: dict[str, str], dtype: str, max_models: int, max_batch_size: int,
                 batch_wait_timeout_s: float, max_tokens_limit: int):
        self.models, self.dtype, self.max_tokens_limit = models, dtype, max_tokens_limit
        self._compute = asyncio.Lock()  # 2 cores: concurrent forwards would only thrash
        self._stats = {"requests": 0, "batches": 0, "largest_batch": 0}

        async def load(name: str):
            from mediphi.engines.hf import HFEngine

            log.info("loading model %s from %s", name, self.models[name])
            return await asyncio.to_thread(HFEngine, self.models[name], dtype=self.dtype,
                                           batch_size=max_batch_size)

        # Multiplexing wired at init time so the LRU size comes from the config.
        self.engine = serve.multiplexed(max_num_models_per_replica=max_models)(load)
        self._generate.set_max_batch_size(max_batch_size)
        self._generate.set_batch_wait_timeout_s(batch_wait_timeout_s)

    def stats(self) -> dict[str, int]:
        """Requests seen, generate batches run, the largest batch: is batching happening?"""
        return dict(self._stats)

    async def complete(self, job: dict[str, Any]) -> dict[str, Any]:
        """job: model, prompt (text) or messages (chat), sampling fields, echo, logprobs."""
        self._stats["requests"] += 1
        engine = await self.engine(job["model"])
        try:
            text = engine.render(job["messages"] if job.get("messages") else job["prompt"])
        except Exception as e:  # a chat template may refuse a message order (jinja raise_exception)
            raise APIError(400, f"the messages do not fit the chat template of model '{job['model']}': {e}",
                           param="messages", code="invalid_messages") from None
        ids = engine.tokenizer(text, add_special_tokens=False)["input_ids"]
        max_tokens = self._max_tokens(job, len(ids), engine)
        if max_tokens > 0:
            params = SamplingParams(max_new_tokens=max_tokens, temperature=job["temperature"],
                                    top_p=job["top_p"], seed=job["seed"], stop=tuple(job["stop"]))
            gen = await self._generate({"model": job["model"], "ids": ids, "params": params})
        else:  # echo only: the prompt's logprobs, nothing generated
            gen = {"text": "", "completion_tokens": 0, "finish_reason": "length"}
        result = {**gen, "prompt_tokens": len(ids)}
        if job.get("messages"):
            result["text"] = gen["text"].strip()
            return result
        if job.get("logprobs") is not None:
            async with self._compute:
                result["logprobs"] = await asyncio.to_thread(
                    legacy_logprobs, engine, job["prompt"], gen["text"], job["echo"])
        if job["echo"]:
            result["text"] = job["prompt"] + gen["text"]
        return result

    def _max_tokens(self, job: dict[str, Any], n_prompt: int, engine) -> int:
        context = getattr(engine.model.config, "max_position_embeddings", None) or n_prompt + self.max_tokens_limit
        room = context - n_prompt
        if job["max_tokens"] is None:  # chat default: as much as the limit and the context allow
            if room < 1:
                raise APIError(400, f"the prompt has {n_prompt} tokens; model '{job['model']}' takes at most "
                                    f"{context}", param="messages", code="context_length_exceeded")
            return min(self.max_tokens_limit, room)
        if job["max_tokens"] > room:
            raise APIError(400, f"prompt ({n_prompt} tokens) + max_tokens ({job['max_tokens']}) exceeds the "
                                f"context length of model '{job['model']}' ({context} tokens)",
                           param="max_tokens", code="context_length_exceeded")
        return job["max_tokens"]

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.05)  # sizes reset from the config in __init__
    async def _generate(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self._stats["batches"] += 1
        self._stats["largest_batch"] = max(self._stats["largest_batch"], len(jobs))
        # One generate call per (model, sampling params) in the batch: they share a forward pass.
        groups: dict[tuple[str, SamplingParams], list[int]] = defaultdict(list)
        for i, job in enumerate(jobs):
            groups[(job["model"], job["params"])].append(i)
        out: list[dict[str, Any]] = [{}] * len(jobs)
        for (name, params), idx in groups.items():
            engine = await self.engine(name)
            async with self._compute:
                gens = await asyncio.to_thread(generate_batch, engine, [jobs[i]["ids"] for i in idx], params)
            for i, g in zip(idx, gens):
                out[i] = g
        return out


# ----------------------------------------------------------------------------- HTTP ingress
api = FastAPI(title="mediphi", docs_url=None, redoc_url=None)


@api.exception_handler(APIError)
async def _api_error(_: Request, e: APIError) -> JSONResponse:
    return JSONResponse(e.body(), status_code=e.status)


@api.exception_handler(RequestValidationError)
async def _invalid_request(_: Request, e: RequestValidationError) -> JSONResponse:
    # FastAPI says 422 with its own shape; OpenAI clients expect 400 and {"error": {...}}.
    err = e.errors()[0]
    if err.get("type") == "json_invalid":
        param = None
        message = f"the body is not valid JSON: {err.get('ctx', {}).get('error', err.get('msg'))}"
    else:
        param = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or None
        message = f"{param or 'body'}: {err.get('msg', 'invalid').removeprefix('Value error, ')}"
    return JSONResponse(error_body(message, param=param, code=err.get("type")), status_code=400)


@api.exception_handler(StarletteHTTPException)
async def _http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(error_body(str(e.detail), code=str(e.status_code)), status_code=e.status_code)


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
@serve.ingress(api)
class OpenAIIngress:
    def __init__(self, server: DeploymentHandle, spec: dict[str, Any]):
        self.server, self._spec = server, spec
        self.names = list(spec["models"])
        self.created = int(time.time())

    def spec(self) -> dict[str, Any]:
        """What this app serves and how (the serve stage compares it before redeploying)."""
        return self._spec

    @api.get("/health")
    async def health(self) -> dict[str, Any]:
        return {"status": "ok", "models": self.names}

    @api.get("/v1/models")
    async def list_models(self) -> dict[str, Any]:
        return models_body(self.names, self.created)

    @api.post("/v1/completions")
    async def completions(self, req: CompletionRequest) -> dict[str, Any]:
        self._check(req)
        job = self._job(req, max_tokens=COMPLETION_DEFAULT_MAX_TOKENS if req.max_tokens is None else req.max_tokens,
                        echo=req.echo, logprobs=req.logprobs)
        results = await asyncio.gather(*(self._call({**job, "prompt": p}) for p in req.prompts))
        return completion_body(req.model, list(results))

    @api.post("/v1/chat/completions")
    async def chat(self, req: ChatRequest) -> dict[str, Any]:
        self._check(req)
        job = self._job(req, max_tokens=req.max_tokens,
                        messages=[m.model_dump() for m in req.messages])
        return chat_body(req.model, await self._call(job))

    def _check(self, req: CompletionRequest | ChatRequest) -> None:
        if req.model not in self.names:
            raise APIError(404, f"model '{req.model}' is not served here; served models: {', '.join(self.names)}",
                           param="model", code="model_not_found")
        limit = self._spec["max_tokens_limit"]
        if req.max_tokens is not None and req.max_tokens > limit:
            raise APIError(400, f"max_tokens={req.max_tokens} is above this server's limit of {limit}",
                           param="max_tokens", code="max_tokens_too_large")

    @staticmethod
    def _job(req: "CompletionRequest | ChatRequest", **extra: Any) -> dict[str, Any]:
        return {"model": req.model, "temperature": req.temperature, "top_p": req.top_p, "seed": req.seed,
                "stop": req.stop, **extra}

    async def _call(self, job: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.server.options(multiplexed_model_id=job["model"]).complete.remote(job)
        except Exception as e:  # a replica's APIError arrives wrapped in a RayTaskError
            cause = getattr(e, "cause", None)
            if isinstance(cause, APIError):
                raise cause from None
            log.exception("model server failed")
            raise APIError(500, f"the model server failed: {type(cause or e).__name__}",
                           type="server_error", code="internal_error") from None
