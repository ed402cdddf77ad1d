"""CLUE+-style task registry (lm-evaluation-harness style): each task registers itself with
how to build its items from the eval split of one kind of corpus and how to score a model on them.

A task never sees the train or val split: `build` gets eval-split documents only, and
distractors, references and prompts all come from those documents.
"""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mediphi.engines.base import Message, SamplingParams

Doc = dict[str, Any]  # a prepare document row: doc_id, corpus, title, text, meta (JSON), split
Item = dict[str, Any]  # one evaluation item; always carries the doc_id it was built from


@dataclass(frozen=True)
class Task:
    name: str
    corpus_kind: str  # the prepare corpus kind its items come from (CorpusConfig.kind)
    metric: str
    build: Callable[[list[Doc], int], list[Item]]  # eval docs (stable order), max_items -> items
    score: Callable[["ModelClient", list[Item]], list[dict[str, Any]]]  # items -> per-item results
    baseline: float | None = None  # chance level, drawn in the report
    extra_metrics: tuple[str, ...] = ()  # per-item keys also averaged into the report
    description: str = ""


TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    if task.name in TASKS:
        raise ValueError(f"task '{task.name}' registered twice")
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ValueError(f"unknown evaluation task '{name}'; tasks: {', '.join(sorted(TASKS))}")
    return TASKS[name]


class ModelClient:
    """One served model over HTTP, with its own chat template for client-side rendering."""

    def __init__(self, endpoint: str, name: str, model_dir: str, concurrency: int):
        from mediphi.engines.openai import OpenAIEngine
        from mediphi.models import load_tokenizer

        self.name = name
        self.engine = OpenAIEngine(endpoint, name, concurrency=concurrency)
        self.tokenizer = load_tokenizer(model_dir)

    def render(self, messages: list[Message]) -> str:
        # OpenAI APIs have no chat log-likelihood: render exactly as the server's chat path would.
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def stable_order(docs: list[Doc]) -> list[Doc]:
    """A fixed pseudo-random order (by hash of doc_id): the same sample whatever the file order."""
    return sorted(docs, key=lambda d: hashlib.sha256(d["doc_id"].encode()).hexdigest())


def _rng(doc_id: str) -> random.Random:
    return random.Random(int(hashlib.sha256(doc_id.encode()).hexdigest()[:16], 16))


# ----------------------------------------------------------------------------- icd10cm_mc
MC_LETTERS = "ABCD"


def build_icd10cm_mc(docs: list[Doc], max_items: int) -> list[Item]:
    """Code -> which of 4 descriptions; distractors are other eval codes' descriptions."""
    coded = []
    for d in docs:
        meta = json.loads(d["meta"] or "{}")
        if meta.get("code") and meta.get("description"):
            coded.append((d["doc_id"], meta["code"], meta["description"].strip()))
    pool = sorted({desc for _, _, desc in coded})
    items = []
    for doc_id, code, desc in coded:
        if len(items) == max_items:
            break
        others = [p for p in pool if p != desc]
        if len(others) < len(MC_LETTERS) - 1:
            break  # too few distinct descriptions in the eval split for 4 options
        rng = _rng(doc_id)
        options = rng.sample(others, len(MC_LETTERS) - 1) + [desc]
        rng.shuffle(options)
        listing = "\n".join(f"{MC_LETTERS[i]}. {o}" for i, o in enumerate(options))
        prompt = (f"Which description matches the ICD-10-CM code {code}?\n{listing}\n"
                  "Answer with the description only.")
        items.append({"doc_id": doc_id, "code": code, "messages": [{"role": "user", "content": prompt}],
                      "options": options, "gold": options.index(desc)})
    return items


def score_icd10cm_mc(client: ModelClient, items: list[Item]) -> list[dict[str, Any]]:
    """Log-likelihood of each option as the assistant's answer; accuracy, and length-normalized too."""
    prompts = [client.render(it["messages"]) for it in items]
    lls = client.engine.score_choices(prompts, [it["options"] for it in items])
    out = []
    for it, ll in zip(items, lls):
        pred = max(range(len(ll)), key=lambda i: ll[i])
        norm = [v / max(1, len(o.encode())) for v, o in zip(ll, it["options"])]
        pred_norm = max(range(len(norm)), key=lambda i: norm[i])
        out.append({"doc_id": it["doc_id"], "code": it["code"], "options": it["options"], "gold": it["gold"],
                    "pred": pred, "loglikelihoods": ll,
                    "score": float(pred == it["gold"]), "accuracy_norm": float(pred_norm == it["gold"])})
    return out


register(Task(
    name="icd10cm_mc", corpus_kind="icd10cm", metric="accuracy", baseline=1 / len(MC_LETTERS),
    extra_metrics=("accuracy_norm",),
    build=build_icd10cm_mc, score=score_icd10cm_mc,
    description="ICD-10-CM code -> its description among 4 options, by log-likelihood",
))


# ----------------------------------------------------------------------------- pubmed_title
ABSTRACT_MAX_CHARS = 1500
TITLE_MAX_TOKENS = 32  # PubMed titles run 10-20 words


def build_pubmed_title(docs: list[Doc], max_items: int) -> list[Item]:
    items = []
    for d in docs:
        if len(items) == max_items:
            break
        title, abstract = (d["title"] or "").strip(), (d["text"] or "").strip()
        if not title or not abstract:
            continue
        prompt = ("Write the title of this PubMed abstract. Answer with the title only.\n\n"
                  f"Abstract: {abstract[:ABSTRACT_MAX_CHARS]}")
        items.append({"doc_id": d["doc_id"], "messages": [{"role": "user", "content": prompt}],
                      "reference": title})
    return items


def score_pubmed_title(client: ModelClient, items: list[Item]) -> list[dict[str, Any]]:
    """Greedy title over /v1/chat/completions; ROUGE-L F1 against the real title."""
    from rouge_score import rouge_scorer  # `evaluate.load("rouge")` needs a hub; rouge-score is offline

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    outs = client.engine.generate([it["messages"] for it in items],
                                  SamplingParams(max_new_tokens=TITLE_MAX_TOKENS, temperature=0.0, seed=0))
    return [{"doc_id": it["doc_id"], "prediction": o, "reference": it["reference"],
             "score": scorer.score(it["reference"], o)["rougeL"].fmeasure} for it, o in zip(items, outs)]


register(Task(
    name="pubmed_title", corpus_kind="pubmed", metric="rougeL_f1",
    build=build_pubmed_title, score=score_pubmed_title,
    description="PubMed abstract -> its title, greedy, ROUGE-L F1",
))
