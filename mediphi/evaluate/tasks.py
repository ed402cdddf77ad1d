"""The task registry (lm-evaluation-harness style) and the two ways a task is scored.

A task is data: how to load its items (`load`), and how to score one prediction (`metric_fn`) or
one choice (items with `options`). Tasks register themselves from `clue.py` (the twelve CLUE+
tasks, read from their published files) and `offline.py` (tasks built here from public data that
ships with registry packages); `mediphi.catalog` lists the names the config accepts.

Item (one evaluation example), the keys every scorer reads:
    id          unique within the task (stable across runs: the paired bootstrap joins on it)
    messages    the chat sent to the model (system / few-shot turns / the question)
    reference   the gold answer as text (generation tasks; shown in predictions)
    options     multiple choice only: the continuations scored by log-likelihood
    gold        multiple choice only: index of the right option
Any other key is the task's own (its metric_fn reads it).
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mediphi.catalog import EVAL_TASKS
from mediphi.config import InputError
from mediphi.engines.base import Message, SamplingParams

Doc = dict[str, Any]  # a prepare document row: doc_id, corpus, title, text, meta (JSON), split
Item = dict[str, Any]
MetricFn = Callable[[str, Item], dict[str, float]]  # (generated text, item) -> per-item metrics


@dataclass
class LoadContext:
    """What a task's loader may use. Offline tasks read `docs(kind)` (eval split only), `studied(kind)`
    (train documents PIT taught) or package data; CLUE+ tasks read `data_path`, the file the user
    named in evaluate.data.<task>."""

    task: str
    max_items: int
    seed: int = 0
    split: Literal["test", "validation"] = "test"
    few_shot: int | None = None  # None: the task's default (its CLUE script's)
    data_path: str | None = None
    docs: Callable[[str], list[Doc]] = field(default=lambda kind: [])
    # The train documents of a kind that PIT turned into task data: what an expert studied. For
    # knowledge tests, which may ask about studied facts but never in a training example's words.
    studied: Callable[[str], list[Doc]] = field(default=lambda kind: [])

    def require_file(self, expected: str) -> Path:
        """The configured data file, or an InputError that names the setting and the file expected."""
        if not self.data_path:
            raise InputError(f"task {self.task} needs its data file ({expected}): set "
                             f"evaluate.data.{self.task}=<path>; the data cannot ship with mediphi")
        p = Path(self.data_path).expanduser()
        if not p.is_file():
            raise InputError(f"task {self.task}: evaluate.data.{self.task}={self.data_path} is not a file "
                             f"(expected {expected})")
        return p

    def shots(self, default: int) -> int:
        return default if self.few_shot is None else self.few_shot


@dataclass(frozen=True)
class Task:
    name: str
    metric: str  # the per-item key the report shows for this task
    load: Callable[[LoadContext], list[Item]]
    metric_fn: MetricFn | None = None  # scores generated text; None: multiple choice by log-likelihood only
    max_new_tokens: int = 512  # CLUE's per-script max_tokens where the task is CLUE's
    multiple_choice: bool = False  # items carry options + gold: scored by log-likelihood too
    baseline: float | None = None  # chance level, drawn in the report
    domain: str | None = None  # the corpus kind whose expert this task tests (icd10cm, pubmed)
    tests: Literal["benchmark", "knowledge", "generalization"] = "benchmark"
    source: str = ""  # where the format, prompt and metric come from

    @property
    def suite(self) -> str:
        return EVAL_TASKS[self.name][0]

    @property
    def description(self) -> str:
        return EVAL_TASKS[self.name][1]

    def metric_names(self, mc_scoring: list[str]) -> list[str]:
        """The per-item metrics this task reports under these multiple-choice scorings."""
        names = []
        if self.multiple_choice and "loglikelihood" in mc_scoring:
            names += ["acc_ll", "acc_ll_norm"]
        if self.metric_fn is not None and (not self.multiple_choice or "generate" in mc_scoring):
            names += [n for n in self.generated_metrics if n not in names]
        return names

    @property
    def generated_metrics(self) -> tuple[str, ...]:
        return getattr(self.metric_fn, "metrics", (self.metric,))

    def primary(self, mc_scoring: list[str]) -> str:
        """The headline metric: the task's own where it was computed, else log-likelihood accuracy."""
        names = self.metric_names(mc_scoring)
        return self.metric if self.metric in names else names[0]


TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    if task.name in TASKS:
        raise ValueError(f"task '{task.name}' registered twice")
    if task.name not in EVAL_TASKS:
        raise ValueError(f"task '{task.name}' is not in mediphi.catalog.EVAL_TASKS: add it there")
    TASKS[task.name] = task
    return task


def metrics(*names: str) -> Callable[[MetricFn], MetricFn]:
    """Declares which keys a metric function returns (the report's columns for that task)."""
    def mark(fn: MetricFn) -> MetricFn:
        fn.metrics = names  # type: ignore[attr-defined]
        return fn
    return mark


def get_task(name: str) -> Task:
    _load_registry()
    if name not in TASKS:
        raise ValueError(f"unknown evaluation task '{name}'; tasks: {', '.join(sorted(TASKS))}")
    return TASKS[name]


def all_tasks() -> dict[str, Task]:
    _load_registry()
    return dict(TASKS)


def _load_registry() -> None:
    from mediphi.evaluate import clue, offline  # noqa: F401  (each registers its tasks on import)


# ----------------------------------------------------------------------------- helpers for loaders
def stable_order(docs: list[Doc], key: str = "doc_id") -> list[Doc]:
    """A fixed pseudo-random order (by hash of the id): the same sample whatever the file order."""
    return sorted(docs, key=lambda d: hashlib.sha256(str(d[key]).encode()).hexdigest())


def rng_for(*parts: Any) -> random.Random:
    """A random stream fixed by its key: the same item gets the same options on every run."""
    return random.Random(int(hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16], 16))


def few_shot_chat(system: str | None, examples: list[Item], user_template: str,
                  assistant_template: str) -> list[Message]:
    """CLUE's build_few_shot_examples: the system prompt, then each example as a user/assistant turn."""
    chat: list[Message] = [{"role": "system", "content": system}] if system else []
    for ex in examples:
        chat += [{"role": "user", "content": user_template.format(**ex)},
                 {"role": "assistant", "content": assistant_template.format(**ex)}]
    return chat


# ----------------------------------------------------------------------------- the model client
class ModelClient:
    """One served model over HTTP, with its own chat template for client-side rendering."""

    def __init__(self, endpoint: str, name: str, model_dir: str, concurrency: int, api_key: str | None = None):
        from mediphi.engines.openai import OpenAIEngine
        from mediphi.models import load_tokenizer

        self.name = name
        self.engine = OpenAIEngine(endpoint, name, api_key=api_key, concurrency=concurrency)
        self.tokenizer = load_tokenizer(model_dir)

    def render(self, messages: list[Message]) -> str:
        # OpenAI APIs have no chat log-likelihood: render exactly as the server's chat path would.
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


# ----------------------------------------------------------------------------- scoring
def score_items(task: Task, engine, render: Callable[[list[Message]], str], items: list[Item],
                mc_scoring: list[str], generation: SamplingParams) -> list[dict[str, Any]]:
    """Per-item records: the task's metrics plus what was predicted. `engine` is any Engine (HTTP or
    in-process); `render` turns a chat into the prompt text that log-likelihoods are taken over."""
    records = [{"id": it["id"]} for it in items]
    if task.multiple_choice and "loglikelihood" in mc_scoring:
        lls = engine.score_choices([render(it["messages"]) for it in items], [it["options"] for it in items])
        for rec, it, ll in zip(records, items, lls):
            rec.update(choice_metrics(ll, it["options"], it["gold"]))
    if task.metric_fn is not None and (not task.multiple_choice or "generate" in mc_scoring):
        outs = engine.generate([it["messages"] for it in items], generation)
        for rec, it, out in zip(records, items, outs):
            rec["prediction"] = out
            rec.update({k: float(v) for k, v in task.metric_fn(out, it).items()})
    for rec, it in zip(records, items):
        if "reference" in it:
            rec["reference"] = it["reference"]
    return records


def choice_metrics(ll: list[float], options: list[str], gold: int) -> dict[str, Any]:
    """lm-eval's acc and acc_norm: the most likely option, raw and per byte of option text."""
    pred = max(range(len(ll)), key=lambda i: ll[i])
    norm = [v / max(1, len(o.encode())) for v, o in zip(ll, options)]
    pred_norm = max(range(len(norm)), key=lambda i: norm[i])
    return {"acc_ll": float(pred == gold), "acc_ll_norm": float(pred_norm == gold), "pred_ll": pred,
            "gold": gold, "loglikelihoods": [round(v, 4) for v in ll]}


def generation_params(task: Task, cfg) -> SamplingParams:
    """evaluate.generation, with the task's own max_new_tokens unless the config sets one."""
    return SamplingParams(max_new_tokens=cfg.max_new_tokens or task.max_new_tokens,
                          temperature=cfg.temperature, top_p=cfg.top_p, seed=cfg.seed)
