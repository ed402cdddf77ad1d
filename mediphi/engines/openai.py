"""Client engine for any OpenAI-compatible server (our Ray Serve app, vLLM, a hosted teacher), on
the official `openai` SDK: its retries (exponential backoff, Retry-After honored, on 408, 409, 429,
5xx and lost connections) and timeouts; `concurrency` requests in flight."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import openai

from mediphi.engines.base import Prompt, SamplingParams

# The SDK needs some key; without one configured, this placeholder keeps it from reading
# OPENAI_API_KEY, and the Authorization header is then left out altogether.
NO_KEY = "EMPTY"


class OpenAIEngine:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 8,
                 timeout_s: float = 300.0, max_retries: int = 2):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.concurrency = concurrency
        # The HTTP client the SDK sends through (callers may hook its events, e.g. to count requests).
        self.client = openai.DefaultHttpxClient()
        self.sdk = openai.OpenAI(base_url=self.base_url, api_key=api_key or NO_KEY, timeout=timeout_s,
                                 max_retries=max_retries, http_client=self.client)
        self.headers = request_headers(api_key)

    def _create(self, path: str, create: Callable[..., Any], **body: Any) -> Any:
        try:
            return create(**body, extra_headers=self.headers)
        except openai.APIStatusError as e:  # after the SDK's retries
            raise RuntimeError(f"{self.base_url}{path} answered {e.status_code}: {e.response.text[:500]}") from e

    def _one(self, prompt: Prompt, params: SamplingParams) -> str:
        common: dict[str, Any] = dict(model=self.model, max_tokens=params.max_new_tokens,
                                      temperature=params.temperature, top_p=params.top_p, seed=params.seed)
        if params.stop:
            common["stop"] = list(params.stop)
        if isinstance(prompt, str):
            return self._create("/completions", self.sdk.completions.create, prompt=prompt,
                                **common).choices[0].text.strip()
        data = self._create("/chat/completions", self.sdk.chat.completions.create, messages=list(prompt), **common)
        return (data.choices[0].message.content or "").strip()

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[str]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(lambda p: self._one(p, params), prompts))

    def _item_lls(self, prompt: str, choices: list[str]) -> list[float]:
        """One multiple-choice item in one request, lm-eval style: the server echoes each
        prompt+choice with its tokens' logprobs; a choice's score is the sum over the tokens that
        start inside the choice's text (text_offset), so a token the tokenizer merged across the
        prompt/choice boundary counts for the prompt, and anything generated after is ignored."""
        if not choices:
            return []
        data = self._create("/completions", self.sdk.completions.create, model=self.model,
                            prompt=[prompt + c for c in choices], max_tokens=0, echo=True, logprobs=0,
                            temperature=0.0)
        if len(data.choices) != len(choices):
            raise RuntimeError(f"{self.base_url}/completions answered {len(data.choices)} choices for "
                               f"{len(choices)} prompts")
        out = []
        for c, choice in zip(choices, sorted(data.choices, key=lambda ch: ch.index)):
            lp, end = choice.logprobs, len(prompt) + len(c)
            out.append(float(sum(v for v, off in zip(lp.token_logprobs, lp.text_offset)
                                 if len(prompt) <= off < end and v is not None)))
        return out

    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        """One request per item (all its options as one batch of prompts), `concurrency` in flight."""
        if any(not isinstance(p, str) for p in prompts):
            raise ValueError("score_choices over HTTP needs text prompts: render chats with the "
                             "model's chat template first (OpenAI APIs have no chat loglikelihood)")
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._item_lls, prompts, choices))


def request_headers(api_key: str | None) -> dict[str, Any]:
    """Per-request header overrides: only the key the caller gave goes out. The SDK would otherwise
    add OpenAI-Organization / OpenAI-Project from OPENAI_ORG_ID / OPENAI_PROJECT_ID, and the
    placeholder key as a Bearer token."""
    headers: dict[str, Any] = {"OpenAI-Organization": openai.omit, "OpenAI-Project": openai.omit}
    if not api_key:
        headers["Authorization"] = openai.omit
    return headers
