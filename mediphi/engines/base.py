"""The one interface every text engine implements.

Stage code (PIT task writing, MediFlow generation and judging, evaluation) talks only to this
interface, so the same stage runs on the HF engine on a laptop, vLLM on a GPU cluster, or a remote
OpenAI-compatible teacher.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Union, runtime_checkable

Message = dict[str, str]  # {"role": "user", "content": "..."}
Prompt = Union[str, list[Message]]  # a raw completion prompt, or a chat


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 96
    temperature: float = 0.0  # 0 means greedy
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Engine(Protocol):
    """Batch in, batch out; implementations batch internally as their hardware prefers."""

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[str]:
        """One completion per prompt. Chats get the model's chat template."""
        ...

    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        """Log-likelihood of each choice as the continuation of its prompt (sum over tokens).

        Used for multiple-choice evaluation and for LLM-judge scores read from the distribution
        over "1".."5", which a weak model yields even when it would not write a parsable score.
        """
        ...


def truncate_at_stop(text: str, stop: tuple[str, ...] | list[str]) -> str:
    cut = len(text)
    for s in stop:
        i = text.find(s)
        if s and i != -1:
            cut = min(cut, i)
    return text[:cut]
