"""De-identification for the prepare stage: find PHI in free text, replace it with typed placeholders.

    from mediphi.prepare.deid import get_deidentifier
    text, counts = get_deidentifier("rules").scrub("Seen by Dr. Alice Smith on 03/14/2021.")
    # "Seen by Dr. [NAME] on [DATE].", {"name": 1, "date": 1, ...}

De-identifiers, by the name `prepare.deidentifier` takes (mediphi.catalog.DEIDENTIFIERS):
  rules         built in (rules.py): regular expressions and word lists, no dependency
  philter_lite  UCSF Philter's rules through the philter-lite package (the `deid` extra)
  presidio      Microsoft Presidio's analyzer with a spaCy English model (installed by hand)

evalset.py holds a labeled evaluation set, evaluate.py scores a de-identifier on it, and
benchmarks/deid.py compares them all.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

from mediphi.catalog import DEIDENTIFIERS
from mediphi.prepare.deid.base import (PHI_KINDS, PLACEHOLDERS, Deidentifier, DeidentifierUnavailable, PhiSpan,
                                       apply_spans, merge_spans)

__all__ = ["PHI_KINDS", "PLACEHOLDERS", "Deidentifier", "DeidentifierUnavailable", "PhiSpan", "apply_spans",
           "merge_spans", "REGISTRY", "register", "get_deidentifier", "available_deidentifiers"]

REGISTRY: dict[str, Callable[[], Deidentifier]] = {}


def register(name: str, factory: Callable[[], Deidentifier]) -> None:
    # The config validates names against the catalog without importing this package.
    if name not in DEIDENTIFIERS:
        raise ValueError(f"de-identifier '{name}' is not in mediphi.catalog.DEIDENTIFIERS; add it there first")
    REGISTRY[name] = factory


@cache
def get_deidentifier(name: str) -> Deidentifier:
    """The named de-identifier, built once per process (Ray workers each build their own).

    Raises KeyError for an unknown name, DeidentifierUnavailable when its packages are missing."""
    if name not in REGISTRY:
        raise KeyError(f"unknown de-identifier '{name}'; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]()


def available_deidentifiers() -> dict[str, str]:
    """name -> "" when it loads here, else why not."""
    out = {}
    for name in REGISTRY:
        try:
            get_deidentifier(name)
            out[name] = ""
        except DeidentifierUnavailable as e:
            out[name] = str(e)
    return out


def _rules() -> Deidentifier:
    from mediphi.prepare.deid.rules import RulesDeidentifier

    return RulesDeidentifier()


def _philter_lite() -> Deidentifier:
    from mediphi.prepare.deid.philter import PhilterLiteDeidentifier

    return PhilterLiteDeidentifier()


def _presidio() -> Deidentifier:
    from mediphi.prepare.deid.presidio import PresidioDeidentifier

    return PresidioDeidentifier()


register("rules", _rules)
register("philter_lite", _philter_lite)
register("presidio", _presidio)
