"""What every merge is judged by (merge.objective): a weighted sum of the validation documents'
-(mean token NLL) and evaluation tasks' scores on their validation items. Higher is better.

Log-likelihood of held-out documents cannot see what a task needs: in effect run 4 the TIES merge
that lost 99% of the ICD-10-CM expert's gain on studied codes scored a better NLL than either expert.
A task term scores what the report will score, on items the report never uses (each offline task
divides its items into two disjoint sets by a hash; merge reads `validation`, evaluate `test`).

Multiple-choice items are scored by log-likelihood, as evaluate does. With `mc_metric: gold_prob`
an item scores the probability of the right option among the options (softmax of their
log-likelihoods), the smooth form of lm-eval's acc, so that a search sees a move that flips no
answer yet. Generation tasks (pubmed_title, ...) score, with `gen_metric: gold_token_prob`, the
per-token probability of the reference answer after the prompt (one forward pass, smooth; items
without one reference string, and `gen_metric: metric`, generate greedily and score the task's metric).

`combine: min_kept` scores what the recipe claims instead of a weighted sum: the smallest share of
an expert's validation gain that the merge keeps, over the task terms, (merged - base) / (expert -
base) per task against the per-expert model of the task's domain (both scored once on the same
items), minus val_nll x mean token NLL as a tie-break. In effect run 5 the weighted sum picked the
merge with the best NLL, which kept 44% of one expert's gain and none of the other's.

Scoring goes by parts so that a multi-fidelity search can stop a trial early: part r of R holds the
r-th share of the documents and of each task's items, and `Tally` sums what the parts scored.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

from mediphi.merge.scoring import nll_sums

Item = dict[str, Any]


@dataclass
class TaskTerm:
    name: str
    weight: float
    items: list[Item]
    domain: str | None = None  # the corpus kind whose expert the task tests
    # combine: min_kept: each item's score on the base and on the reference expert, in item order
    reference: dict[str, Any] | None = None


@dataclass
class Objective:
    batches: list  # tokenized validation documents (merge.scoring.tokenize_batches)
    val_nll: float  # weight of -(mean token NLL)
    tasks: list[TaskTerm] = field(default_factory=list)
    mc_metric: str = "gold_prob"
    gen_metric: str = "metric"
    combine: str = "sum"

    def describe(self) -> str:
        nll = [f"{self.val_nll:g} x -(mean token NLL) on the validation documents"] if self.val_nll else []
        metric = "p(gold option)" if self.mc_metric == "gold_prob" else "accuracy"
        gen = "p(reference token)" if self.gen_metric == "gold_token_prob" else "the task's metric"
        items = [f"{t.name} ({len(t.items)} validation items)" for t in self.tasks]
        if self.combine == "min_kept":
            head = ("min over " + ", ".join(items) + " of the share of the expert's gain kept, "
                    "(merged - base) / (expert - base)")
            return "score = " + " + ".join([head, *nll]) + f"; multiple choice: {metric}; generation: {gen}"
        terms = nll + [f"{t.weight:g} x {i}" for t, i in zip(self.tasks, items)]
        return "score = " + " + ".join(terms) + f"; multiple choice: {metric}; generation: {gen}"

    def for_domain(self, domain: str | None) -> "Objective":
        """A single expert's view for min_kept (before any reference exists): the weighted sum over
        the tasks of its domain; a sum objective is returned as it is."""
        if self.combine != "min_kept":
            return self
        return replace(self, combine="sum", tasks=[t for t in self.tasks if t.domain == domain])

    def with_references(self, references: dict[str, dict[str, Any]]) -> "Objective":
        """min_kept's per-item base and expert scores ({task: {"base", "expert", "expert_name"}})."""
        return replace(self, tasks=[replace(t, reference=references.get(t.name)) for t in self.tasks])

    def digest(self) -> str:
        """Identifies what is scored: the token batches, the items, the weights."""
        h = hashlib.sha256()
        for ids, mask in self.batches:
            h.update(ids.numpy().tobytes())
            h.update(mask.numpy().tobytes())
        h.update(json.dumps([self.val_nll, self.mc_metric, self.gen_metric, self.combine,
                             [(t.name, t.weight, [it["id"] for it in t.items], t.reference)
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
    # min_kept: the base's and the reference expert's sums over the same items
    ref_sums: dict[str, tuple[float, float]] = field(default_factory=dict)

    def kept(self) -> dict[str, float]:
        """Share of each task's expert gain kept, over the items scored so far; tasks whose expert
        gained nothing on them have no share to keep and are left out."""
        out = {}
        for name, (base, expert) in self.ref_sums.items():
            if self.task_counts.get(name) and expert - base > GAIN_EPS * self.task_counts[name]:
                out[name] = (self.task_sums[name] - base) / (expert - base)
        return out

    def components(self) -> dict[str, Any]:
        c = {"val_nll": self.nll / self.tokens if self.tokens else None,
             "tasks": {k: self.task_sums[k] / self.task_counts[k] for k in self.task_sums if self.task_counts[k]},
             "items": dict(self.task_counts)}
        if self.ref_sums:
            c["kept"] = self.kept()
        return c

    def score(self, objective: Objective) -> float:
        c = self.components()
        total = -objective.val_nll * c["val_nll"] if objective.val_nll else 0.0
        if objective.combine == "min_kept":
            kept = self.kept()
            return total + (min(kept.values()) if kept else 0.0)
        return total + sum(t.weight * c["tasks"].get(t.name, 0.0) for t in objective.tasks)


GAIN_EPS = 1e-12  # per item: below it an expert's "gain" is rounding


def score_part(model, tokenizer, objective: Objective, part: tuple[slice, dict[str, slice]], tally: Tally) -> Tally:
    """Adds one part's documents and items, scored on `model`, to `tally`."""
    docs, items = part
    s, n = nll_sums(model, objective.batches[docs])
    tally.nll, tally.tokens = tally.nll + s, tally.tokens + n
    for term in objective.tasks:
        chunk = term.items[items[term.name]]
        values = item_scores(model, tokenizer, term.name, chunk, objective.mc_metric,
                             objective.gen_metric) if chunk else []
        tally.task_sums[term.name] = tally.task_sums.get(term.name, 0.0) + sum(values)
        tally.task_counts[term.name] = tally.task_counts.get(term.name, 0) + len(values)
        if objective.combine == "min_kept" and term.reference is not None:
            base, expert = tally.ref_sums.get(term.name, (0.0, 0.0))
            sl = items[term.name]
            tally.ref_sums[term.name] = (base + sum(term.reference["base"][sl]),
                                         expert + sum(term.reference["expert"][sl]))
    return tally


def score_model(model, tokenizer, objective: Objective) -> tuple[float, dict[str, Any]]:
    """(objective score, its components) of a model on everything."""
    tally = Tally()
    for part in objective.parts(1):
        score_part(model, tokenizer, objective, part, tally)
    return tally.score(objective), tally.components()


def item_scores(model, tokenizer, task_name: str, items: list[Item], mc_metric: str,
                gen_metric: str = "metric") -> list[float]:
    """Each item's score as evaluate computes it, in process (multiple choice per `mc_metric`,
    generation per `gen_metric`)."""
    from mediphi.engines.base import SamplingParams
    from mediphi.engines.hf import HFEngine
    from mediphi.evaluate.tasks import get_task, score_items

    task = get_task(task_name)
    engine = HFEngine.from_model(model, tokenizer)
    if not task.multiple_choice and gen_metric == "gold_token_prob" and has_references(items):
        return reference_token_probs(engine, items)
    records = score_items(task, engine, engine.render, items, ["loglikelihood"],
                          SamplingParams(max_new_tokens=task.max_new_tokens, temperature=0.0))
    if task.multiple_choice:
        if mc_metric == "acc":
            return [r["acc_ll"] for r in records]
        return [gold_prob(r["loglikelihoods"], r["gold"]) for r in records]
    return [r[task.metric] for r in records]


def has_references(items: list[Item]) -> bool:
    return all(isinstance(it.get("reference"), str) and it["reference"].strip() for it in items)


def reference_token_probs(engine, items: list[Item]) -> list[float]:
    """exp(mean log p(reference token | prompt, tokens before)): the geometric-mean probability of
    the reference answer's tokens, in (0, 1]; one forward pass per item, no generation."""
    lls = engine.score_choices([it["messages"] for it in items], [[it["reference"]] for it in items])
    return [math.exp(ll[0] / max(1, len(engine._encode(it["reference"])))) for ll, it in zip(lls, items)]


def reference_scores(model, tokenizer, objective: Objective) -> list[list[float]]:
    """Each task term's per-item scores on one model (min_kept's references)."""
    return [item_scores(model, tokenizer, t.name, t.items, objective.mc_metric, objective.gen_metric)
            for t in objective.tasks]


def gold_prob(loglikelihoods: list[float], gold: int) -> float:
    """p(gold) among the options: softmax of their log-likelihoods."""
    top = max(loglikelihoods)
    weights = [math.exp(v - top) for v in loglikelihoods]
    return weights[gold] / sum(weights)
