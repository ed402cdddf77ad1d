"""What every de-identifier shares: the PHI kinds, their placeholders, spans and how they are applied.

A de-identifier only finds spans (start, end, kind) in the text; replacing them is done here, the
same way for all of them, so that evaluation can score the spans and the pipeline can count them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from mediphi.config import UserError

# The HIPAA Safe Harbor identifiers that occur in clinical text, one kind each. Fixed: the prepare
# ledger has one column phi_<kind> per entry. "other" is for external tools that find PHI without
# saying which kind it is (philter's catch-all); the built-in rules never use it.
PHI_KINDS: tuple[str, ...] = (
    "name",      # persons: patients, relatives, clinicians
    "date",      # every element of a date but the year alone
    "age",       # ages over 89
    "phone",     # telephone, fax and pager numbers
    "email",
    "url",       # web addresses and bare domains
    "ip",        # IPv4 and IPv6 addresses
    "ssn",       # social security numbers
    "mrn",       # medical record numbers
    "id",        # other record, account, plan, licence, device and vehicle numbers (labelled)
    "address",   # street addresses, units, post office boxes
    "location",  # cities, towns and counties
    "zip",       # ZIP codes
    "facility",  # hospitals, clinics, nursing homes
    "other",
)
PLACEHOLDERS: dict[str, str] = {kind: f"[{kind.upper()}]" for kind in PHI_KINDS} | {"other": "[PHI]"}


class DeidentifierUnavailable(UserError):
    """A registered de-identifier whose optional packages or data are not installed."""


@dataclass(frozen=True, slots=True)
class PhiSpan:
    start: int
    end: int
    kind: str


class Deidentifier(ABC):
    """Finds PHI spans in a text; `scrub` replaces them with their kind's placeholder."""

    name: ClassVar[str]

    @abstractmethod
    def find(self, text: str) -> list[PhiSpan]:
        """PHI spans in `text`, in any order; they may overlap (apply_spans merges them)."""

    def scrub(self, text: str) -> tuple[str, dict[str, int]]:
        """(text with every PHI span replaced by its placeholder, spans replaced per kind)."""
        return apply_spans(text, self.find(text) if text else [])


# Which kind an overlap of equal spans takes: the narrower evidence first ("Ann Arbor" in "Ann
# Arbor, MI" is a city though Ann is a first name).
_TIE_ORDER = ("ssn", "email", "url", "ip", "phone", "mrn", "id", "date", "age", "zip", "address", "facility",
              "location", "name", "other")


def merge_spans(spans: Iterable[PhiSpan]) -> list[PhiSpan]:
    """Overlapping spans become one, sorted. Its kind is the longest member's (ties: _TIE_ORDER),
    e.g. "Mercy Medical Center" stays a facility although "Mercy Medical" looks like a name."""
    order = {k: i for i, k in enumerate(_TIE_ORDER)}
    merged: list[PhiSpan] = []
    best: PhiSpan | None = None  # the member of the current group that names its kind
    for span in sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, -s.end)):
        key = (-(span.end - span.start), order[span.kind])
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if best is None or key < (-(best.end - best.start), order[best.kind]):
                best = span
            merged[-1] = PhiSpan(last.start, max(last.end, span.end), best.kind)
        else:
            merged.append(span)
            best = span
    return merged


def apply_spans(text: str, spans: Iterable[PhiSpan]) -> tuple[str, dict[str, int]]:
    counts = dict.fromkeys(PHI_KINDS, 0)
    pieces, pos = [], 0
    for span in merge_spans(spans):
        pieces += [text[pos:span.start], PLACEHOLDERS[span.kind]]
        counts[span.kind] += 1
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces), counts
