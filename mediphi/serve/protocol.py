"""The OpenAI API subset the app speaks: request schemas, response bodies, error bodies.

Requests are validated here, before any model work, so a bad request always gets a 4xx that names
the offending field (OpenAI's error shape) and never reaches a model replica.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class APIError(Exception):
    """An error the client caused (or a server fault), rendered as OpenAI's error JSON."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def __reduce__(self):  # raised in a replica, re-raised in the ingress: keep every field
        return (APIError, (self.status, self.message, self.type, self.param, self.code))

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


def error_body(message: str, type: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


MAX_STOP_SEQUENCES = 16
# Choices per prompt: each is a row of the same generate call, so n multiplies the batch.
MAX_N = 8


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class _Request(BaseModel):
    # Unknown OpenAI fields (user, presence_penalty ...) are ignored, as OpenAI-compatible servers do.
    model_config = ConfigDict(extra="ignore")

    model: str = Field(..., min_length=1)
    max_tokens: int | None = Field(None, ge=0)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    stop: str | list[str] | None = Field(None, validate_default=True)
    seed: int | None = Field(None, ge=-(2**63), lt=2**64)  # what torch.manual_seed takes
    n: int = 1
    stream: bool = False
    stream_options: StreamOptions | None = None

    @field_validator("n")
    @classmethod
    def _choices(cls, v: int) -> int:
        if not 1 <= v <= MAX_N:
            raise ValueError(f"n must be between 1 and {MAX_N}")
        return v

    @model_validator(mode="after")
    def _options_need_stream(self) -> "_Request":
        if self.stream_options is not None and not self.stream:
            raise ValueError("stream_options is only allowed with stream=true")
        return self

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    @field_validator("stop")
    @classmethod
    def _stop_list(cls, v: str | list[str] | None) -> list[str]:
        stops = [v] if isinstance(v, str) else list(v or [])
        # OpenAI takes 4; vLLM any number, and lm-eval's local-completions sends a task's `until`
        # plus the EOS string, which can be more than 4.
        if len(stops) > MAX_STOP_SEQUENCES:
            raise ValueError(f"at most {MAX_STOP_SEQUENCES} stop sequences")
        return [s for s in stops if s]


class CompletionRequest(_Request):
    # A text, a list of texts, or token ids: one list of ids, or a list of them (OpenAI's four forms).
    prompt: str | list[str] | list[int] | list[list[int]]
    echo: bool = False
    # logprobs=k: each token's logprob, and with k > 0 the k most likely tokens at each position.
    logprobs: int | None = Field(None, ge=0, le=5)

    @field_validator("prompt", mode="before")
    @classmethod
    def _prompt_form(cls, v: Any) -> Any:
        ok = isinstance(v, str) or (isinstance(v, list) and (
            all(isinstance(p, str) for p in v) or all(type(p) is int for p in v)
            or all(isinstance(p, list) and all(type(t) is int for t in p) for p in v)))
        if not ok:
            raise ValueError("give a string, a list of strings, a list of token ids or a list of such lists")
        return v

    @field_validator("prompt")
    @classmethod
    def _prompts(cls, v: Any) -> Any:
        if isinstance(v, list) and v and isinstance(v[0], int):
            return v
        prompts = [v] if isinstance(v, str) else v
        if not prompts:
            raise ValueError("give at least one prompt")
        if any(not p for p in prompts):
            raise ValueError("prompts must not be empty")
        return v

    @model_validator(mode="after")
    def _tokens_or_echo(self) -> "CompletionRequest":
        if self.max_tokens == 0 and not self.echo:
            raise ValueError("max_tokens=0 is only meaningful with echo=true (prompt logprobs)")
        if self.stream and (self.echo or self.logprobs is not None):
            # Prompt logprobs need a scoring pass after generation: nothing to stream.
            raise ValueError("echo and logprobs are not supported with stream=true: send stream=false")
        return self

    @property
    def prompts(self) -> list[str | list[int]]:
        """One entry per prompt: a text or a list of token ids."""
        if isinstance(self.prompt, str) or (self.prompt and isinstance(self.prompt[0], int)):
            return [self.prompt]
        return list(self.prompt)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant"]
    content: str


class ChatRequest(_Request):
    messages: list[ChatMessage] = Field(..., min_length=1)
    logprobs: bool = False

    @field_validator("max_tokens")
    @classmethod
    def _positive(cls, v: int | None) -> int | None:
        if v == 0:
            raise ValueError("max_tokens must be at least 1")
        return v

    @field_validator("logprobs")
    @classmethod
    def _no_logprobs(cls, v: bool) -> bool:
        if v:
            raise ValueError("chat logprobs are not supported: use /v1/completions with echo and logprobs")
        return v


# OpenAI's defaults: legacy completions stop after 16 tokens; chat runs to the model's limit.
COMPLETION_DEFAULT_MAX_TOKENS = 16


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion_body(model: str, results: list[dict[str, Any]], n: int = 1) -> dict[str, Any]:
    """results: n per prompt, in order (choice index = prompt index * n + sample)."""
    choices = [{"index": i, "text": r["text"], "logprobs": r.get("logprobs"),
                "finish_reason": r["finish_reason"]} for i, r in enumerate(results)]
    return {"id": _id("cmpl"), "object": "text_completion", "created": int(time.time()), "model": model,
            "choices": choices, "usage": results_usage(results, n)}


def chat_body(model: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    choices = [{"index": i, "message": {"role": "assistant", "content": r["text"]}, "logprobs": None,
                "finish_reason": r["finish_reason"]} for i, r in enumerate(results)]
    return {"id": _id("chatcmpl"), "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": choices, "usage": results_usage(results, len(results))}


def results_usage(results: list[dict[str, Any]], n: int) -> dict[str, int]:
    # A prompt counts once however many choices it has (as vLLM counts it).
    return usage(sum(r["prompt_tokens"] for r in results[::n]), sum(r["completion_tokens"] for r in results))


# ----------------------------------------------------------------------------- streaming (server-sent events)
DONE = "data: [DONE]\n\n"


def sse(obj: dict[str, Any]) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


class StreamChunks:
    """The chunks of one streamed response, OpenAI's way: one id and creation time for all of them;
    with include_usage, `"usage": null` on each and a last chunk with no choices and the usage.

    Events come from the model server: {"index", "text"} for a text delta, plus "finish_reason"
    and "completion_tokens" on a choice's last one.
    """

    def __init__(self, chat: bool, model: str, include_usage: bool):
        self.chat, self.model, self.include_usage = chat, model, include_usage
        self.id = _id("chatcmpl" if chat else "cmpl")
        self.created = int(time.time())

    def opening(self, n_choices: int) -> list[dict[str, Any]]:
        """Chat announces each choice's role before any content; completions have no opening."""
        if not self.chat:
            return []
        return [self._chunk(i, {"role": "assistant", "content": ""}, None) for i in range(n_choices)]

    def event(self, ev: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        if ev["text"]:
            out.append(self._chunk(ev["index"], self._delta(ev["text"]), None))
        if ev.get("finish_reason"):
            # The finishing chunk carries no text, as OpenAI's last chunk of a choice.
            out.append(self._chunk(ev["index"], {} if self.chat else "", ev["finish_reason"]))
        return out

    def closing(self, prompt_tokens: int, completion_tokens: int) -> list[dict[str, Any]]:
        if not self.include_usage:
            return []
        return [{**self._head(), "choices": [], "usage": usage(prompt_tokens, completion_tokens)}]

    def _delta(self, text: str) -> Any:
        return {"content": text} if self.chat else text

    def _chunk(self, index: int, delta: Any, finish_reason: str | None) -> dict[str, Any]:
        if self.chat:
            choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        else:
            choice = {"index": index, "text": delta, "logprobs": None, "finish_reason": finish_reason}
        chunk = {**self._head(), "choices": [choice]}
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def _head(self) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk" if self.chat else "text_completion",
                "created": self.created, "model": self.model}


def models_body(names: list[str], created: int) -> dict[str, Any]:
    return {"object": "list",
            "data": [{"id": n, "object": "model", "created": created, "owned_by": "mediphi"} for n in names]}
