"""DPO rejected answers: one clinically meaningful error injected into a kept MediFlow answer.

A rejected answer that differs from the chosen one by a single, realistic clinical error teaches
the preference that matters in medicine: the same fluent text, but one fact wrong. Every rule is
rule-based and deterministic; a rule returns the changed text, or None where it does not apply.

  negation_flip      a finding's polarity: "no fever" -> "fever", "negative for" -> "positive for"
  dose_change        a tenfold dosing error: "5 mg" -> "50 mg"
  number_change      any other value: an age, a lab result, a count
  laterality_swap    left <-> right
  drug_substitution  a look-alike drug: the alphabetical neighbour among MedlinePlus drugs
                     (the drug-named-entity-recognition package's dictionary)
  icd_code_swap      an ICD-10-CM code -> a sibling code under the same parent (simple-icd-10-cm)
  unit_change        a unit mix-up: mg <-> mcg, mL -> L, mmol/L <-> mg/dL
Where none applies, a fallback removes content: `omission` (a sentence, else a clause, else the
trailing words; a key or list item of a JSON answer) or `sentence_swap` (two adjacent sentences).
Among the rules that apply, a stable hash of the text picks one, so error types vary across rows
and a rerun reproduces every pair. JSON answers stay valid JSON.
"""
from __future__ import annotations

import bisect
import bz2
import functools
import hashlib
import json
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

Rule = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Injected:
    text: str
    error_type: str


def inject_error(text: str, output_format: str = "plain_text", seed: int = 0) -> Injected | None:
    """The text with one injected error, or None when no rule (fallbacks included) can change it."""
    is_json = output_format == "json"
    for rules in (RULES, _json_fallbacks() if is_json else FALLBACKS):
        applied = {name: out for name, rule in rules.items()
                   if (out := rule(text)) is not None and out != text and (not is_json or _is_json(out))}
        if applied:
            name = sorted(applied)[_stable_int(seed, text) % len(applied)]
            assert applied[name] != text, "a rejected answer must differ from the chosen one"
            return Injected(applied[name], name)
    return None


def _stable_int(seed: int, text: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{text}".encode()).digest()[:8], "big")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _same_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _first(text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]) -> str | None:
    """Replace the first match for which `replace` gives a value."""
    for m in pattern.finditer(text):
        new = replace(m)
        if new is not None and new != m.group(0):
            return text[:m.start()] + new + text[m.end():]
    return None


# ----------------------------------------------------------------------------- negation
_NEGATIONS: tuple[tuple[str, str], ...] = (
    (r"negative for", "positive for"),
    (r"positive for", "negative for"),
    (r"no evidence of", "evidence of"),
    (r"no signs? of", "signs of"),
    (r"denies", "reports"),
    (r"denied", "reported"),
    (r"without", "with"),
    (r"ruled out", "confirmed"),
    (r"absent", "present"),
    (r"unremarkable", "abnormal"),
    (r"normal", "abnormal"),
    (r"(is|was|are|were|does|did|do|has|have|had) not", r"\1"),
    (r"no\s+(?=[a-z])", ""),  # "no fever" -> "fever"
)
_NEGATION_RE = [(re.compile(rf"\b{p}" if r == "" else rf"\b{p}\b", re.IGNORECASE), r) for p, r in _NEGATIONS]


def negation_flip(text: str) -> str | None:
    """Flip the polarity of the earliest negated (or asserted) finding."""
    hits = [(m.start(), i, m) for i, (rx, _) in enumerate(_NEGATION_RE) if (m := rx.search(text))]
    if not hits:
        return None
    _, i, m = min(hits, key=lambda h: (h[0], h[1]))
    repl = _NEGATION_RE[i][1]
    rest = text[m.end():]
    if not repl:  # the negating word dropped: "No fever." -> "Fever."
        if m.group(0)[:1].isupper():
            rest = rest[:1].upper() + rest[1:]
        return text[:m.start()] + rest
    return text[:m.start()] + _same_case(m.group(0), m.expand(repl)) + rest


# ----------------------------------------------------------------------------- numbers, doses, units
_NUMBER = r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w]|\.\d)"
_DOSE_UNITS = r"(?:mg/kg|mg|mcg|µg|g|mL|ml|units?|IU|mEq|mmol)"
_DOSE_RE = re.compile(_NUMBER + r"(\s?)(" + _DOSE_UNITS + r")\b")
_NUMBER_RE = re.compile(_NUMBER)
_UNIT_SWAPS: dict[str, str] = {
    "mg/dL": "mmol/L", "mmol/L": "mg/dL", "mg/kg": "mg", "mcg": "mg", "µg": "mg", "mg": "mcg",
    "mL": "L", "ml": "L", "kg": "lb", "lb": "kg", "units": "mL", "mEq": "mmol", "mmHg": "kPa", "cm": "mm",
    "mm": "cm", "°C": "°F", "°F": "°C",
}
_UNIT_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s?)("
                      + "|".join(re.escape(u) for u in sorted(_UNIT_SWAPS, key=len, reverse=True))
                      + r")(?![\w/])")


def _format_like(value: float, original: str) -> str:
    decimals = len(original.split(".")[1]) if "." in original else 0
    return f"{value:.{decimals}f}" if decimals else str(int(round(value)))


def dose_change(text: str) -> str | None:
    """A tenfold dosing error on the first dose (a number with a dose unit)."""
    return _first(text, _DOSE_RE, lambda m: _format_like(float(m.group(1)) * 10, m.group(1)) + m.group(2)
                  + m.group(3))


def number_change(text: str) -> str | None:
    """The first number moved up by half its value (at least one last digit): 64 -> 96, 7.2 -> 10.8."""
    def shift(m: re.Match[str]) -> str:
        raw = m.group(1)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        return _format_like(float(raw) + max(10.0 ** -decimals, float(raw) / 2), raw)
    return _first(text, _NUMBER_RE, shift)


def unit_change(text: str) -> str | None:
    """The unit of the first measured value swapped for a wrong one, the number kept."""
    return _first(text, _UNIT_RE, lambda m: m.group(1) + m.group(2) + _UNIT_SWAPS[m.group(3)])


# ----------------------------------------------------------------------------- laterality
_SIDE_RE = re.compile(r"\b(left|right)\b", re.IGNORECASE)


def laterality_swap(text: str) -> str | None:
    return _first(text, _SIDE_RE, lambda m: _same_case(
        m.group(0), "right" if m.group(0).lower() == "left" else "left"))


# ----------------------------------------------------------------------------- drugs
_WORD_RE = re.compile(r"\b[A-Za-z][A-Za-z-]{3,}\b")


@functools.cache
def drug_lexicon() -> tuple[dict[str, str], tuple[str, ...]]:
    """(single-word drug name -> canonical drug) and the sorted single-word generic names.

    Read from the data file of the drug-named-entity-recognition package, located through its
    installed file list (the package itself is not imported). Only drugs with a MedlinePlus
    monograph count, so classes ("antibiotics") and substances ("water") are left alone.
    """
    try:
        files = metadata.files("drug-named-entity-recognition") or []
    except metadata.PackageNotFoundError:
        raise RuntimeError("drug substitution needs the drug-named-entity-recognition data: "
                           "pip install --no-deps drug-named-entity-recognition") from None
    path = next(f.locate() for f in files if f.name == "drug_ner_dictionary.pkl.bz2")
    with bz2.open(path, "rb") as fh:  # a trusted installed package's own data file
        data: dict[str, Any] = pickle.load(fh)
    canon = data["drug_canonical_to_data"]
    listed = {c for c, d in canon.items() if "medline_plus_id" in d}
    names = {v: cs[0] for v, cs in data["drug_variant_to_canonical"].items()
             if v.isalpha() and len(v) >= 4 and cs and cs[0] in listed}
    generics = tuple(sorted(c for c in listed if c.isalpha() and len(c) >= 4))
    return names, generics


def look_alike(drug: str) -> str | None:
    """The alphabetical neighbour of a drug among MedlinePlus generics: a look-alike name, another drug."""
    names, generics = drug_lexicon()
    canonical = names.get(drug.lower())
    if canonical is None:
        return None
    i = bisect.bisect_right(generics, drug.lower())
    for j in range(i, i + len(generics)):
        other = generics[j % len(generics)]
        if other != canonical and other != drug.lower():
            return other
    return None


def drug_substitution(text: str) -> str | None:
    """The first drug named in the text replaced by a look-alike drug."""
    names, _ = drug_lexicon()

    def substitute(m: re.Match[str]) -> str | None:
        other = look_alike(m.group(0)) if m.group(0).lower() in names else None
        return _same_case(m.group(0), other) if other else None
    return _first(text, _WORD_RE, substitute)


# ----------------------------------------------------------------------------- ICD-10-CM codes
_ICD_RE = re.compile(r"\b[A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b")


def sibling_code(code: str) -> str | None:
    """The next code under the same parent (E11.9 -> E11.0): a plausible but wrong code."""
    import simple_icd_10_cm as icd  # loads the tabular list once per process

    if not icd.is_valid_item(code):
        return None
    parent = icd.get_parent(code)
    siblings = [c for c in icd.get_children(parent) if c != code] if parent else []
    if not siblings:
        return None
    later = [c for c in siblings if c > code]
    return (later or siblings)[0]


def icd_code_swap(text: str) -> str | None:
    return _first(text, _ICD_RE, lambda m: sibling_code(m.group(0)))


# ----------------------------------------------------------------------------- omission, order
_SENTENCE_SPLIT = re.compile(r"((?<=[.!?])\s+|\n+)")
_CLAUSE_SPLIT = re.compile(r"(,\s+|;\s+|\s+and\s+)")


def _units(text: str, splitter: re.Pattern[str]) -> list[str]:
    """Alternating [unit, separator, unit, ...] with empty units dropped (with their separators)."""
    parts = splitter.split(text)
    out: list[str] = []
    for k in range(0, len(parts), 2):
        if parts[k].strip():
            out += [parts[k], parts[k + 1] if k + 1 < len(parts) else ""]
    return out[:-1] if out else out


def _drop_longest(parts: list[str]) -> str | None:
    units = parts[0::2]
    if len(units) < 2:
        return None
    k = max(range(len(units)), key=lambda i: (len(units[i]), -i))
    kept = parts[:2 * k] + parts[2 * k + 2:] if k < len(units) - 1 else parts[:2 * k - 1]
    return "".join(kept).strip()


def omission(text: str) -> str | None:
    """The most informative sentence left out; in a single sentence a clause, else the last words."""
    for splitter in (_SENTENCE_SPLIT, _CLAUSE_SPLIT):
        out = _drop_longest(_units(text, splitter))
        if out:
            return out
    words = text.split()
    if len(words) < 2:
        return None
    return " ".join(words[:len(words) - max(1, len(words) // 3)])


def sentence_swap(text: str) -> str | None:
    """Two adjacent sentences exchanged: the order of events or of reasoning steps goes wrong."""
    parts = _units(text, _SENTENCE_SPLIT)
    for k in range(0, len(parts) - 2, 2):
        if parts[k].strip() != parts[k + 2].strip():
            swapped = list(parts)
            swapped[k], swapped[k + 2] = parts[k + 2], parts[k]
            return "".join(swapped).strip()
    return None


def json_omission(text: str) -> str | None:
    """A JSON answer with one field, one list item or part of its longest text left out."""
    obj = json.loads(text)
    out = _omit_in(obj)
    return None if out is None else json.dumps(out, ensure_ascii=False)


def _omit_in(value: Any) -> Any:
    if isinstance(value, dict) and len(value) >= 2:
        drop = max(value, key=lambda k: len(json.dumps(value[k], ensure_ascii=False)))
        return {k: v for k, v in value.items() if k != drop}
    if isinstance(value, list) and len(value) >= 2:
        return value[:-1]
    if isinstance(value, (dict, list)):
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        for key, child in items:
            new = _omit_in(child)
            if new is not None:
                copy = dict(value) if isinstance(value, dict) else list(value)
                copy[key] = new
                return copy
        return None
    if isinstance(value, str):
        return omission(value)
    return None


RULES: dict[str, Rule] = {
    "negation_flip": negation_flip,
    "dose_change": dose_change,
    "number_change": number_change,
    "laterality_swap": laterality_swap,
    "drug_substitution": drug_substitution,
    "icd_code_swap": icd_code_swap,
    "unit_change": unit_change,
}
FALLBACKS: dict[str, Rule] = {"omission": omission, "sentence_swap": sentence_swap}


def _json_fallbacks() -> dict[str, Rule]:
    return {"omission": json_omission}


ERROR_TYPES: tuple[str, ...] = (*RULES, *FALLBACKS)
