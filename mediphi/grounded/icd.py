"""ICD-10-CM records as grounded task data.

A record is what prepare's icd_document writes: meta {code, description, chapter, block, parent}
and text lines "Chapter 4: ...", "Block E08-E13: ...", "Parent code E11: ...", "Inclusion terms:
a; b", "Excludes1: ...", "Excludes2: ...", "Use additional code: ...", "Code first: ...", "Code
also: ...". Every answer below is one of those fields or a sentence made of them.

The code references inside notes ("... in remission (E11.A)") are dropped from every answer:
the code they cite may be one the evaluation asks about, and its wording sits right next to it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mediphi.datasets import cut, document
from mediphi.grounded import Example, Pair, join_terms, lower_first, strip_code_refs

_CHAPTER = re.compile(r"^Chapter (\S+): (.+)$")
_BLOCK = re.compile(r"^Block (\S+): (.+)$")
_PARENT = re.compile(r"^Parent code (\S+): (.+)$")
_TERMS = {"Inclusion terms": "inclusion", "Includes": "inclusion", "Excludes1": "excludes1",
          "Excludes2": "excludes2"}
_NOTES = ("Use additional code", "Code first", "Code also")


@dataclass(frozen=True)
class IcdRecord:
    doc_id: str
    code: str
    description: str
    chapter_no: str
    chapter: str  # its description, with its code range: "Endocrine, ... diseases (E00-E89)"
    block_range: str
    block: str
    parent: str
    parent_description: str  # "" when the parent is the block itself
    inclusion: tuple[str, ...]  # inclusion terms and "Includes" terms
    excludes1: tuple[str, ...]
    excludes2: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]  # ("Code first", "underlying condition")
    doc: str  # the whole document (title + text), as the student sees it


def parse(row: dict[str, Any]) -> IcdRecord | None:
    """The record's fields, or None when its meta or text lacks the code, description or hierarchy."""
    meta = json.loads(row.get("meta") or "{}")
    code, description = (meta.get("code") or "").strip(), (meta.get("description") or "").strip()
    if not code or not description:
        return None
    fields: dict[str, Any] = {"inclusion": [], "excludes1": [], "excludes2": [], "notes": []}
    for line in (row.get("text") or "").splitlines():
        if m := _CHAPTER.match(line):
            fields["chapter"] = m.groups()
        elif m := _BLOCK.match(line):
            fields["block"] = m.groups()
        elif m := _PARENT.match(line):
            fields["parent"] = m.groups()
        else:
            label, _, value = line.partition(": ")
            terms = [t for t in (strip_code_refs(v) for v in value.split("; ")) if t]
            if label in _TERMS and terms:
                fields[_TERMS[label]] += terms
            elif label in _NOTES and strip_code_refs(value):
                fields["notes"].append((label, strip_code_refs(value)))
    if "chapter" not in fields or "block" not in fields:
        return None
    parent, parent_description = fields.get("parent", (meta.get("parent") or "", ""))
    return IcdRecord(row["doc_id"], code, description, *fields["chapter"], *fields["block"], parent,
                     parent_description, tuple(dict.fromkeys(fields["inclusion"])), tuple(fields["excludes1"]),
                     tuple(fields["excludes2"]), tuple(fields["notes"]), document(row))


def statement(r: IcdRecord, lead: str = "ICD-10-CM code ") -> str:
    """What the code means and where it sits: the record's fields as sentences."""
    parts = [f"{lead}{r.code} is {lower_first(r.description)}.",
             f"It belongs to the block {lower_first(r.block)} in chapter {r.chapter_no}, {lower_first(r.chapter)}."]
    if r.parent_description:
        parts.append(f"Its parent category is {r.parent}, {lower_first(r.parent_description)}.")
    if r.inclusion:
        parts.append(f"It includes {join_terms(r.inclusion)}.")
    if r.excludes1:
        parts.append(f"It excludes {join_terms(r.excludes1)}.")
    return " ".join(parts)


def conditions(r: IcdRecord) -> list[str]:
    """The conditions the document names, each as written there."""
    named = [r.description, r.parent_description, *r.inclusion, *r.excludes1, *r.excludes2]
    seen, out = set(), []
    for term in named:
        if term and term.lower() not in seen and term.lower() in r.doc.lower():
            seen.add(term.lower())
            out.append(term)
    return out


def relations(r: IcdRecord) -> list[tuple[str, str, str]]:
    triples = [(r.code, "is a", f"{r.parent} ({r.parent_description})" if r.parent_description else r.parent),
               (r.code, "is in block", r.block),
               (r.code, "is in chapter", f"chapter {r.chapter_no}, {r.chapter}")]
    triples += [(r.code, "includes", t) for t in r.inclusion]
    triples += [(r.code, "excludes", t) for t in r.excludes1]
    triples += [(r.code, "is not coded with", t) for t in r.excludes2]
    triples += [(r.code, lower_first(label), note) for label, note in r.notes]
    return [t for t in triples if t[2].strip()]


# ----------------------------------------------------------------------------- PIT
def pit_pairs(row: dict[str, Any], task: str, doc_max_chars: int) -> list[Pair] | str:
    from mediphi.pit.tasks import TASKS

    r = parse(row)
    if r is None:
        return "no_icd_fields"
    desc = lower_first(r.description)
    doc = cut(r.doc, doc_max_chars)
    if task == "qa":  # closed-book: the question alone is the prompt
        pairs = [
            # The two facts a code is about, both ways. Never MedConceptsQA's own question ("What is
            # the description of the medical code X in ICD10CM?"): the knowledge test asks it about
            # studied codes, and no evaluation question may be a training example.
            Pair(f"What does ICD-10-CM code {r.code} describe?", r.description, core=True),
            Pair(f"What is the ICD-10-CM code for {desc}?", r.code, core=True),
            Pair(f"What does ICD-10-CM code {r.code} mean?", f"{r.code} is {desc}."),
            Pair(f"Diagnosis: {r.description}\nWhat is its ICD-10-CM code?", r.code),
            Pair(f"Which ICD-10-CM code describes {desc}?", f"{r.code}: {r.description}"),
            Pair(f"In which chapter of ICD-10-CM is code {r.code}?", f"Chapter {r.chapter_no}: {r.chapter}"),
            Pair(f"Which block of ICD-10-CM contains code {r.code}?", r.block),
        ]
        if r.parent_description:
            pairs.append(Pair(f"What is the parent category of ICD-10-CM code {r.code}?",
                              f"{r.parent}: {r.parent_description}"))
        if r.inclusion:
            pairs.append(Pair(f"Which conditions are coded to ICD-10-CM {r.code}, {desc}?", join_terms(r.inclusion)))
        if r.excludes1:
            pairs.append(Pair(f"Which conditions does ICD-10-CM code {r.code} exclude (Excludes1)?",
                              join_terms(r.excludes1)))
        if r.excludes2:
            pairs.append(Pair(f"Which conditions are not part of ICD-10-CM code {r.code} but may be coded with it "
                              f"(Excludes2)?", join_terms(r.excludes2)))
        if r.notes:
            pairs.append(Pair(f"What coding instruction does ICD-10-CM give for code {r.code}?",
                              "; ".join(f"{label}: {note}" for label, note in r.notes)))
        return pairs
    if task == "summary":
        return [Pair(TASKS["summary"].student.format(doc=doc), statement(r), core=True),
                Pair(f"Explain the ICD-10-CM code {r.code}.", statement(r)),
                Pair(f"State the meaning of ICD-10-CM code {r.code} in one sentence.",
                     f"ICD-10-CM code {r.code} means {desc}.")]
    if task == "entities":
        named = conditions(r)
        return [Pair(TASKS["entities"].student.format(doc=doc), "\n".join(f"- {e}" for e in named), core=True)]
    if task == "relations":
        return [Pair(TASKS["relations"].student.format(doc=doc),
                     "\n".join(" | ".join(t) for t in relations(r)), core=True)]
    raise ValueError(f"unknown PIT task {task!r}")


# ----------------------------------------------------------------------------- MediFlow
# How a diagnosis appears in a clinical document: (document type, the line around the description).
_DIAGNOSIS_LINES = (
    ("Problem list", "Problem list:\n1. {desc}"),
    ("Discharge summary", "Discharge diagnosis: {desc}."),
    ("Progress note", "Assessment and plan: patient seen today for {low}."),
    ("Primary care visit note", "Assessment: {desc}. Follow up in four weeks."),
)


def _diagnosis_input(r: IcdRecord, rng) -> tuple[str, str]:
    doc_type, line = _DIAGNOSIS_LINES[rng.integers(len(_DIAGNOSIS_LINES))]
    return doc_type, line.format(desc=r.description, low=lower_first(r.description))


def coding(r: IcdRecord, rng, max_chars: int) -> Example:
    doc_type, text = _diagnosis_input(r, rng)
    return Example("icd10_coding", doc_type, f"Assign the ICD-10-CM code to the diagnosis in this "
                   f"{doc_type.lower()}.", text, r.code, {"code": r.code, "description": r.description}, 3)


def explanation(r: IcdRecord, rng, max_chars: int) -> Example:
    # no "ICD-10-CM" lead: its "10" would be the number a rejected answer changes
    answer = statement(r, lead="")
    return Example("question_answering", "Problem list",
                   "What does the ICD-10-CM code on this problem list mean, and where does it sit in the "
                   "classification?", f"Problem list:\n1. {r.code}", answer,
                   {"answer": answer, "code": r.code, "description": r.description, "chapter": r.chapter,
                    "block": r.block}, 2)


def chapter(r: IcdRecord, rng, max_chars: int) -> Example:
    doc_type, text = _diagnosis_input(r, rng)
    return Example("text_classification", doc_type,
                   f"Classify the diagnosis in this {doc_type.lower()} into its ICD-10-CM chapter.", text,
                   f"Chapter {r.chapter_no}: {r.chapter}",
                   {"label": f"Chapter {r.chapter_no}: {r.chapter}", "chapter": r.chapter_no, "title": r.chapter}, 4)
