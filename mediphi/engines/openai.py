"""Client engine for any OpenAI-compatible server (our Ray Serve app, vLLM, a hosted teacher)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from mediphi.engines.base import Prompt, SamplingParams


class OpenAIEngine:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 8,
                 timeout_s: float = 300.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        # The key is the caller's to give (EngineConfig.api_key_env): never another variable's.
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self.concurrency = concurrency

    def _post(self, path: str, body: dict) -> dict:
        r = self.client.post(path, json=body)
        if r.status_code >= 400:
            raise RuntimeError(f"{self.base_url}{path} answered {r.status_code}: {r.text[:500]}")
        return r.json()

    def _one(self, prompt: Prompt, params: SamplingParams) -> str:
        common = dict(model=self.model, max_tokens=params.max_new_tokens, temperature=params.temperature,
                      top_p=params.top_p, seed=params.seed)
        if params.stop:
            common["stop"] = list(params.stop)
        if isinstance(prompt, str):
            return self._post("/completions", {**common, "prompt": prompt})["choices"][0]["text"].strip()
        data = self._post("/chat/completions", {**common, "messages": list(prompt)})
        return (data["choices"][0]["message"]["content"] or "").strip()

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
        data = self._post("/completions", {"model": self.model, "prompt": [prompt + c for c in choices],
                                           "max_tokens": 0, "echo": True, "logprobs": 0, "temperature": 0.0})
        if len(data["choices"]) != len(choices):
            raise RuntimeError(f"{self.base_url}/completions answered {len(data['choices'])} choices for "
                               f"{len(choices)} prompts")
        out = []
        for c, choice in zip(choices, sorted(data["choices"], key=lambda ch: ch["index"])):
            lp, end = choice["logprobs"], len(prompt) + len(c)
            out.append(float(sum(v for v, off in zip(lp["token_logprobs"], lp["text_offset"])
                                 if len(prompt) <= off < end and v is not None)))
        return out

    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        """One request per item (all its options as one batch of prompts), `concurrency` in flight."""
        if any(not isinstance(p, str) for p in prompts):
            raise ValueError("score_choices over HTTP needs text prompts: render chats with the "
                             "model's chat template first (OpenAI APIs have no chat loglikelihood)")
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._item_lls, prompts, choices))
