"""What every merge is judged by (merge.objective): a weighted sum of the validation documents'
-(mean token NLL) and evaluation tasks' scores on their validation items. Higher is better.

Log-likelihood of held-out documents cannot see what a task needs: in effect run 4 the TIES merge
that lost 99% of the ICD-10-CM expert's gain on studied codes scored a better NLL than either expert.
A task term scores what the report will score, on items the report never uses (each offline task
divides its items into two disjoint sets by a hash; merge reads `validation`, evaluate `test`).

Multiple-choice items are scored by log-likelihood, as evaluate does. With `mc_metric: gold_prob`
an item scores the probability of the right option among the options (softmax of their
log-likelihoods), the smooth form of lm-eval's acc, so that a search sees a move that flips no
answer yet. Generation tasks (pubmed_title, ...) generate greedily and score with the task's metric.

Scoring goes by parts so that a multi-fidelity search can stop a trial early: part r of R holds the
r-th share of the documents and of each task's items, and `Tally` sums what the parts scored.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from mediphi.merge.scoring import nll_sums

Item = dict[str, Any]


@dataclass
class TaskTerm:
    name: str
    weight: float
    items: list[Item]


@dataclass
class Objective:
    batches: list  # tokenized validation documents (merge.scoring.tokenize_batches)
    val_nll: float  # weight of -(mean token NLL)
    tasks: list[TaskTerm] = field(default_factory=list)
    mc_metric: str = "gold_prob"

    def describe(self) -> str:
        terms = [f"{self.val_nll:g} x -(mean token NLL) on the validation documents"] if self.val_nll else []
        metric = "p(gold option)" if self.mc_metric == "gold_prob" else "accuracy"
        terms += [f"{t.weight:g} x {t.name} ({len(t.items)} validation items; multiple choice: {metric})"
                  for t in self.tasks]
        return "score = " + " + ".join(terms)

    def digest(self) -> str:
        """Identifies what is scored: the token batches, the items, the weights."""
        h = hashlib.sha256()
        for ids, mask in self.batches:
            h.update(ids.numpy().tobytes())
            h.update(mask.numpy().tobytes())
        h.update(json.dumps([self.val_nll, self.mc_metric, [(t.name, t.weight, [it["id"] for it in t.items])
                                                             for t in self.tasks]]).encode())
        return h.hexdigest()[:16]

    def parts(self, rungs: int) -> list[tuple[slice, dict[str, slice]]]:
        """(document batches, {task: items}) of each part: growing shares, all of them in the end."""
        n = max(1, min(rungs, len(self.batches)))
        ends = [(r + 1) / n for r in range(n)]
        out, prev_b, prev_t = [], 0, {t.name: 0 for t in self.tasks}
        for f in ends:
            b = round(len(self.batches) * f)
            items = {}
            for t in self.tasks:
                end = round(len(t.items) * f)
                items[t.name] = slice(prev_t[t.name], end)
                prev_t[t.name] = end
            out.append((slice(prev_b, b), items))
            prev_b = b
        return out


@dataclass
class Tally:
    """Sums of what the parts scored so far; `score` is the objective over all of them."""

    nll: float = 0.0
    tokens: int = 0
    task_sums: dict[str, float] = field(default_factory=dict)
    task_counts: dict[str, int] = field(default_factory=dict)

    def components(self) -> dict[str, Any]:
        return {"val_nll": self.nll / self.tokens if self.tokens else None,
                "tasks": {k: self.task_sums[k] / self.task_counts[k] for k in self.task_sums if self.task_counts[k]},
                "items": dict(self.task_counts)}

    def score(self, objective: Objective) -> float:
        c = self.components()
        total = -objective.val_nll * c["val_nll"] if objective.val_nll else 0.0
        return total + sum(t.weight * c["tasks"].get(t.name, 0.0) for t in objective.tasks)


def score_part(model, tokenizer, objective: Objective, part: tuple[slice, dict[str, slice]], tally: Tally) -> Tally:
    """Adds one part's documents and items, scored on `model`, to `tally`."""
    docs, items = part
    s, n = nll_sums(model, objective.batches[docs])
    tally.nll, tally.tokens = tally.nll + s, tally.tokens + n
    for term in objective.tasks:
        chunk = term.items[items[term.name]]
        values = item_scores(model, tokenizer, term.name, chunk, objective.mc_metric) if chunk else []
        tally.task_sums[term.name] = tally.task_sums.get(term.name, 0.0) + sum(values)
        tally.task_counts[term.name] = tally.task_counts.get(term.name, 0) + len(values)
    return tally


def score_model(model, tokenizer, objective: Objective) -> tuple[float, dict[str, Any]]:
    """(objective score, its components) of a model on everything."""
    tally = Tally()
    for part in objective.parts(1):
        score_part(model, tokenizer, objective, part, tally)
    return tally.score(objective), tally.components()


def item_scores(model, tokenizer, task_name: str, items: list[Item], mc_metric: str) -> list[float]:
    """Each item's score as evaluate computes it, in process (multiple choice per `mc_metric`)."""
    from mediphi.engines.base import SamplingParams
    from mediphi.engines.hf import HFEngine
    from mediphi.evaluate.tasks import get_task, score_items

    task = get_task(task_name)
    engine = HFEngine.from_model(model, tokenizer)
    records = score_items(task, engine, engine.render, items, ["loglikelihood"],
                          SamplingParams(max_new_tokens=task.max_new_tokens, temperature=0.0))
    if task.multiple_choice:
        if mc_metric == "acc":
            return [r["acc_ll"] for r in records]
        return [gold_prob(r["loglikelihoods"], r["gold"]) for r in records]
    return [r[task.metric] for r in records]


def gold_prob(loglikelihoods: list[float], gold: int) -> float:
    """p(gold) among the options: softmax of their log-likelihoods."""
    top = max(loglikelihoods)
    weights = [math.exp(v - top) for v in loglikelihoods]
    return weights[gold] / sum(weights)
