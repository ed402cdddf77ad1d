"""Client engine for any OpenAI-compatible server (our Ray Serve app, vLLM, a hosted teacher)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx

from mediphi.engines.base import Prompt, SamplingParams


class OpenAIEngine:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 8,
                 timeout_s: float = 300.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key or os.environ.get('OPENAI_API_KEY', 'none')}"}
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

    def _choice_ll(self, prompt: str, choice: str) -> float:
        """lm-eval-harness style: echo the prompt+choice and sum the choice's token logprobs."""
        data = self._post("/completions", {"model": self.model, "prompt": prompt + choice, "max_tokens": 0,
                                           "echo": True, "logprobs": 1, "temperature": 0.0})
        lp = data["choices"][0]["logprobs"]
        return float(sum(v for v, off in zip(lp["token_logprobs"], lp["text_offset"])
                         if off >= len(prompt) and v is not None))

    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        if any(not isinstance(p, str) for p in prompts):
            raise ValueError("score_choices over HTTP needs text prompts: render chats with the "
                             "model's chat template first (OpenAI APIs have no chat loglikelihood)")
        jobs = [(p, c) for p, cs in zip(prompts, choices) for c in cs]
        with ThreadPoolExecutor(self.concurrency) as pool:
            flat = list(pool.map(lambda pc: self._choice_ll(*pc), jobs))
        out, k = [], 0
        for cs in choices:
            out.append(flat[k:k + len(cs)])
            k += len(cs)
        return out
