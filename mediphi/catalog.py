"""Names the config validates, as plain data: evaluation tasks, merge methods, de-identifiers.

The config layer checks names here instead of importing the stage packages that implement them
(evaluate's task registry pulls in metrics and loaders; merge's pulls in mergekit planning). Each
registry refuses to register a name that is missing here, and the tests check both directions, so
the two cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# name -> (suite, one line). Suites: CLUE (TIO-IKIM/CLUE's six tasks), CLUE+ (the six MediPhi
# adds), offline (built here from public data that ships with registry packages).
EVAL_TASKS: dict[str, tuple[str, str]] = {
    "mednli": ("CLUE", "MedNLI: premise/hypothesis -> entailment, neutral or contradiction"),
    "meqsum": ("CLUE", "MeQSum: consumer health question -> its one-question summary"),
    "problem_summary": ("CLUE", "BioNLP 2023 ProbSum: progress note -> problem list"),
    "longhealth": ("CLUE", "LongHealth: discharge letters -> 5-option question"),
    "medisumqa": ("CLUE", "MeDiSumQA: discharge summary -> question answering"),
    "medisumcode": ("CLUE", "MeDiSumCode: discharge summary -> ICD-10 codes"),
    "mediqa_rrs_qa": ("CLUE+", "MEDIQA-RRS QA: radiology report findings -> impression"),
    "medicationqa": ("CLUE+", "MedicationQA: consumer medication question -> answer"),
    "medec": ("CLUE+", "MEDEC: clinical text -> error flag, error sentence, correction"),
    "aci_bench": ("CLUE+", "ACI-Bench: doctor-patient dialogue -> clinical note"),
    "sdoh": ("CLUE+", "SDoH: clinical text -> social determinants of health mentioned"),
    "medconceptsqa_icd10cm": ("CLUE+", "MedConceptsQA ICD10CM: code -> description, 4 options"),
    "icd10cm_mc_easy": ("offline", "ICD-10-CM code -> description, random distractors"),
    "icd10cm_mc_medium": ("offline", "ICD-10-CM code -> description, distractors 3-5 steps away"),
    "icd10cm_mc_hard": ("offline", "ICD-10-CM code -> description, distractors 2 steps away"),
    "icd10cm_mc_studied": ("offline", "studied ICD-10-CM code -> description, distractors 2 steps away"),
    "icd10cm_coding": ("offline", "description or note line -> ICD-10-CM code"),
    "abbreviation_expansion": ("offline", "clinical abbreviation -> its meaning"),
    "medication_extraction": ("offline", "clinical sentence -> JSON list of the drugs it names"),
    "pubmed_title": ("offline", "PubMed abstract -> its title"),
}

# ----------------------------------------------------------------------------- merge methods
# mergekit methods as data: names, searched parameters with default ranges, what they merge.
# merge.methods turns a spec into mergekit calls and YAML; tests/test_merge.py checks each spec
# against mergekit's own.
@dataclass(frozen=True)
class ExpertMethod:
    """Merges one expert back into the base; `t` (merge.expert_t) moves toward the expert."""

    name: str
    t_as: Literal["t", "weights"]  # slerp takes t itself; linear takes weights (1 - t, t)


@dataclass(frozen=True)
class Param:
    """A searched parameter and its default search range [low, high]; low == high fixes it."""

    name: str
    low: float
    high: float
    per_model: bool = False  # one value per expert (mergekit's per-model `parameters`), else one shared


@dataclass(frozen=True)
class MultiMethod:
    """Merges every per-expert model at once; Ray Tune searches `params`."""

    name: str
    params: tuple[Param, ...] = ()
    uses_base: bool = True  # task-vector methods merge deltas over the base; linear/karcher average models
    stochastic: bool = False  # random pruning (DARE, DELLA): two merges agree only with the same RNG stream
    models: tuple[int, int | None] = (1, None)  # how many experts it merges: (at least, at most)
    # Ranges that must hold together, checked on the config: della's drop probabilities
    # density +/- epsilon must stay inside (0, 1).
    joint: Literal["della"] | None = None

    @property
    def searched(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


EXPERT_METHODS: dict[str, ExpertMethod] = {m.name: m for m in (
    ExpertMethod("slerp", t_as="t"),
    ExpertMethod("linear", t_as="weights"),
)}

_DENSITY = Param("density", 0.3, 1.0)  # share of each delta kept (magnitude or random pruning)
_WEIGHT = Param("weight", 0.3, 1.0, per_model=True)
_GAMMA = Param("gamma", 0.0, 0.05)  # breadcrumbs: share of the largest-magnitude deltas dropped as outliers
_DELLA_DENSITY = Param("density", 0.3, 0.8)
_EPSILON = Param("epsilon", 0.01, 0.15)  # della: drop probability spread by magnitude rank
# Task-arithmetic family: the merged delta times lambda. TIES and kin divide the summed deltas by
# the summed weights (normalize), so every expert's share of a parameter both agree on is cut;
# lambda > 1 gives it back. Fixed at mergekit's default unless merge.ranges searches it.
_LAMBDA = Param("lambda", 1.0, 1.0)

MULTI_METHODS: dict[str, MultiMethod] = {m.name: m for m in (
    MultiMethod("ties", (_DENSITY, _WEIGHT, _LAMBDA)),
    MultiMethod("breadcrumbs", (_DENSITY, _GAMMA, _WEIGHT, _LAMBDA)),
    MultiMethod("breadcrumbs_ties", (_DENSITY, _GAMMA, _WEIGHT, _LAMBDA)),
    MultiMethod("dare_ties", (_DENSITY, _WEIGHT, _LAMBDA), stochastic=True),
    MultiMethod("dare_linear", (_DENSITY, _WEIGHT, _LAMBDA), stochastic=True),
    MultiMethod("della", (_DELLA_DENSITY, _EPSILON, _WEIGHT, _LAMBDA), stochastic=True, joint="della"),
    MultiMethod("della_linear", (_DELLA_DENSITY, _EPSILON, _WEIGHT, _LAMBDA), stochastic=True, joint="della"),
    MultiMethod("task_arithmetic", (_WEIGHT, _LAMBDA)),
    MultiMethod("sce", (Param("select_topk", 0.1, 1.0),)),
    MultiMethod("linear", (_WEIGHT,), uses_base=False),
    MultiMethod("nuslerp", (_WEIGHT,), models=(2, 2)),  # with a base: the two task vectors slerped
    MultiMethod("model_stock", (), models=(2, None)),
    MultiMethod("karcher", (), uses_base=False),
)}


# ----------------------------------------------------------------------------- ranges
def ranges_for(method: MultiMethod, density: tuple[float, float] | None, weight: tuple[float, float] | None,
               ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The search range of each of the method's parameters: the spec's, replaced by the config's."""
    given = {**({"density": density} if density else {}), **({"weight": weight} if weight else {}), **ranges}
    return {p.name: tuple(given.get(p.name, (p.low, p.high))) for p in method.params}


def check_ranges(method: MultiMethod, ranges: dict[str, tuple[float, float]]) -> None:
    """ValueError naming the parameter when a range cannot be merged with."""
    for name, (lo, hi) in ranges.items():
        if lo > hi:
            raise ValueError(f"{name}: the range [{lo}, {hi}] has low > high")
    if method.joint == "della":
        (d_lo, d_hi), (_, e_hi) = ranges["density"], ranges["epsilon"]
        if d_lo - e_hi <= 0 or d_hi + e_hi >= 1:
            raise ValueError(f"{method.name} drops with probability density +/- epsilon, which must stay in (0, 1): "
                             f"density [{d_lo}, {d_hi}] with epsilon up to {e_hi} leaves it; narrow either range")


def check_model_count(method: MultiMethod, n: int) -> None:
    least, most = method.models
    if n < least or (most is not None and n > most):
        want = f"exactly {least}" if least == most else f"at least {least}"
        raise ValueError(f"merge.multi_method {method.name} merges {want} experts, got {n}: "
                         "choose another method or change experts.corpora")


MERGE_EXPERT_METHODS: tuple[str, ...] = tuple(EXPERT_METHODS)
MERGE_MULTI_METHODS: tuple[str, ...] = tuple(MULTI_METHODS)

# De-identifiers of the prepare stage (mediphi.prepare.deid registers each under its name).
DEIDENTIFIERS: tuple[str, ...] = ("rules", "philter_lite", "presidio")


def check_name(name: str, known, what: str) -> str:
    if name not in known:
        raise ValueError(f"unknown {what} '{name}'; known: {', '.join(known)}")
    return name
