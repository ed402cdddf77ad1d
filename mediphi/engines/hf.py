"""Local Hugging Face engine: batched `generate` and batched log-likelihood scoring."""
from __future__ import annotations

import torch

from mediphi.engines.base import Prompt, SamplingParams, truncate_at_stop
from mediphi.models import load_causal_lm, load_tokenizer


def pad_batch(seqs: list[list[int]], pad: int, left: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Token lists -> (input_ids, attention_mask), padded to the longest. Left padding puts every
    sequence's last token in the last column (generation, next-token scores)."""
    width = max(len(s) for s in seqs)
    input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros_like(input_ids)
    for r, s in enumerate(seqs):
        cols = slice(width - len(s), width) if left else slice(0, len(s))
        input_ids[r, cols] = torch.tensor(s)
        mask[r, cols] = 1
    return input_ids, mask


class HFEngine:
    def __init__(self, model: str, dtype: str = "auto", batch_size: int = 16, device: str | None = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dtype == "auto":
            dtype = "bfloat16" if self.device.type == "cuda" else "float32"
        self.tokenizer = load_tokenizer(model)
        self.model = load_causal_lm(model, dtype, self.device).eval()
        self.batch_size = batch_size
        self.name = model

    def render(self, prompt: Prompt) -> str:
        """Chats go through the model's own chat template; raw strings pass unchanged."""
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    @torch.inference_mode()
    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[str]:
        texts = [self.render(p) for p in prompts]
        ids = [self._encode(t) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths pad less
        out: list[str] = [""] * len(ids)
        tok = self.tokenizer
        if params.seed is not None:
            torch.manual_seed(params.seed)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            input_ids, mask = pad_batch([ids[i] for i in idx], tok.pad_token_id, left=True)
            width = input_ids.shape[1]
            sample = params.temperature > 0
            gen = self.model.generate(
                input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                max_new_tokens=params.max_new_tokens, do_sample=sample,
                temperature=params.temperature if sample else None,
                top_p=params.top_p if sample else None, top_k=None,
                pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
            )
            for row, i in enumerate(idx):
                text = tok.decode(gen[row, width:], skip_special_tokens=True)
                out[i] = truncate_at_stop(text, params.stop).strip()
        return out

    @torch.inference_mode()
    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        contexts = [self._encode(self.render(p)) for p in prompts]
        encoded = [[self._encode(c) for c in cs] for cs in choices]
        out: list[list[float]] = [[] for _ in prompts]
        # Single-token choices (judge scores "1".."5", option letters) need one forward pass per
        # prompt, not one per choice: the next-token distribution at the prompt's end has them all.
        single = [i for i, cs in enumerate(encoded) if cs and all(len(c) == 1 for c in cs)]
        for i, row in zip(single, self._next_token_logprobs([contexts[i] for i in single])):
            out[i] = [float(row[c[0]]) for c in encoded[i]]
        rest = [i for i in range(len(prompts)) if i not in set(single)]
        pairs = [(contexts[i], c) for i in rest for c in encoded[i]]
        scores, k = self.loglikelihood(pairs), 0
        for i in rest:
            out[i] = scores[k:k + len(encoded[i])]
            k += len(encoded[i])
        return out

    def _next_token_logprobs(self, contexts: list[list[int]]) -> list[torch.Tensor]:
        """log p(next token | context) over the vocabulary, for each context."""
        order = sorted(range(len(contexts)), key=lambda i: len(contexts[i]))  # similar lengths pad less
        rows: list[torch.Tensor] = [torch.empty(0)] * len(contexts)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            # Left padded: the LM head runs on the last column alone (logits_to_keep=1);
            # explicit positions keep each row's own.
            input_ids, mask = pad_batch([contexts[i] for i in idx], self.tokenizer.pad_token_id, left=True)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            logits = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                                position_ids=positions.to(self.device), logits_to_keep=1).logits[:, -1].float()
            for r, i in enumerate(idx):
                rows[i] = torch.log_softmax(logits[r], dim=-1).cpu()
        return rows

    @torch.inference_mode()
    def loglikelihood(self, pairs: list[tuple[list[int], list[int]]]) -> list[float]:
        """Sum of log p(continuation | context) for (context_ids, continuation_ids) pairs."""
        pad = self.tokenizer.pad_token_id
        out = [0.0] * len(pairs)
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start:start + self.batch_size]
            input_ids, mask = pad_batch([ctx + cont for ctx, cont in chunk], pad)
            logits = self.model(input_ids=input_ids.to(self.device),
                                attention_mask=mask.to(self.device)).logits.float()
            logp = torch.log_softmax(logits, dim=-1)
            for r, (ctx, cont) in enumerate(chunk):
                pos = torch.arange(len(ctx) - 1, len(ctx) + len(cont) - 1, device=logp.device)
                tgt = torch.tensor(cont, device=logp.device)
                out[start + r] = float(logp[r, pos, tgt].sum())
        return out

    def token_logprobs(self, text: str) -> tuple[list[str], list[float | None], list[int]]:
        """Per-token logprobs of a text (OpenAI `echo` + `logprobs`): tokens, logprobs, offsets."""
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = enc["input_ids"]
        offsets = [o[0] for o in enc["offset_mapping"]]
        tokens = [self.tokenizer.decode([i]) for i in ids]
        if not ids:
            return [], [], []
        with torch.inference_mode():
            logits = self.model(input_ids=torch.tensor([ids], device=self.device)).logits.float()
        logp = torch.log_softmax(logits[0], dim=-1)
        lps: list[float | None] = [None] + [float(logp[i - 1, ids[i]]) for i in range(1, len(ids))]
        return tokens, lps, offsets
