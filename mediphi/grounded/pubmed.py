"""MEDLINE records as grounded task data.

A record is what prepare writes for the pubmed kind: title, the abstract as text (a structured
abstract keeps its labels, one section a line: "BACKGROUND: ...", "RESULTS: ..."), meta {pmid,
mesh}. Labels vary by journal (AIM, DESIGN, FINDINGS, INTERPRETATION ...); they are read into
NLM's five categories. Every answer is the title, a section, or the MeSH headings.

No relations: MeSH headings come without the qualifiers that would say how two of them relate,
so a PubMed document gives no relation triples (counted as filtered, reason no_relations).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mediphi.datasets import cut, document
from mediphi.grounded import Example, Pair, sentences

_LABEL = re.compile(r"^([A-Z][A-Za-z ,&/-]{1,48}):\s+(.+)$")
# Structured-abstract labels -> NLM's categories (the common ones; others are left out).
_CATEGORY = {
    "background": "background", "introduction": "background", "context": "background", "rationale": "background",
    "objective": "objective", "objectives": "objective", "aim": "objective", "aims": "objective",
    "purpose": "objective", "goal": "objective", "goals": "objective",
    "methods": "methods", "method": "methods", "design": "methods", "materials and methods": "methods",
    "methods and materials": "methods", "setting": "methods", "patients": "methods", "participants": "methods",
    "patients and methods": "methods", "study design": "methods", "interventions": "methods",
    "results": "results", "findings": "results", "main results": "results",
    "conclusion": "conclusions", "conclusions": "conclusions", "interpretation": "conclusions",
    "conclusions and relevance": "conclusions", "discussion": "conclusions",
}
# Several phrasings of each section's question; the first is always asked.
_QUESTIONS = {
    "background": ('What is the background of the study titled "{t}"?',),
    "objective": ('What was the aim of the study titled "{t}"?', 'What did the study titled "{t}" set out to do?'),
    "methods": ('How was the study titled "{t}" conducted?', 'What methods did the study titled "{t}" use?'),
    "results": ('What were the results of the study titled "{t}"?', 'What did the study titled "{t}" find?'),
    "conclusions": ('What did the study titled "{t}" conclude?',
                    'What is the main conclusion of the study titled "{t}"?'),
}
_ANSWER_MAX_CHARS = 800


@dataclass(frozen=True)
class PubmedRecord:
    doc_id: str
    title: str
    abstract: str
    sections: dict[str, str]  # category -> its text (sections of one category joined)
    mesh: tuple[str, ...]
    doc: str


def parse(row: dict[str, Any]) -> PubmedRecord | None:
    abstract = (row.get("text") or "").strip()
    if not abstract:
        return None
    meta = json.loads(row.get("meta") or "{}")
    sections: dict[str, list[str]] = {}
    for line in abstract.splitlines():
        m = _LABEL.match(line.strip())
        if m and (category := _CATEGORY.get(m.group(1).strip().lower())):
            sections.setdefault(category, []).append(m.group(2).strip())
    mesh = tuple(dict.fromkeys(h.strip() for h in meta.get("mesh") or [] if h and h.strip()))
    return PubmedRecord(row["doc_id"], (row.get("title") or "").strip(), abstract,
                        {c: " ".join(parts) for c, parts in sections.items()}, mesh, document(row))


def answer(text: str) -> str:
    return cut(text, _ANSWER_MAX_CHARS)


def named_headings(r: PubmedRecord) -> list[str]:
    """MeSH headings the abstract names word for word (a heading is an index term, not always in the text)."""
    low = r.abstract.lower()
    return [h for h in r.mesh if re.search(rf"(?<!\w){re.escape(h.lower())}(?!\w)", low)]


# ----------------------------------------------------------------------------- PIT
def pit_pairs(row: dict[str, Any], task: str, doc_max_chars: int) -> list[Pair] | str:
    from mediphi.pit.tasks import TASKS

    r = parse(row)
    if r is None:
        return "no_abstract"
    if task == "qa":  # closed-book: the title names the study, so the question stands on its own
        if not r.title:
            return "no_title"
        named = r.title.rstrip(".")
        pairs = [Pair(q.format(t=named), answer(text), core=(i == 0))
                 for category, text in r.sections.items() for i, q in enumerate(_QUESTIONS[category])]
        if not r.sections:  # an unstructured abstract: what it opens with
            pairs.append(Pair(f'What is the study titled "{named}" about?',
                              answer(" ".join(sentences(r.abstract)[:2])), core=True))
        if r.mesh:
            pairs.append(Pair(f'Which MeSH headings index the study titled "{named}"?', "; ".join(r.mesh)))
        return pairs
    if task == "summary":
        abstract = cut(r.abstract, doc_max_chars)
        pairs = []
        if r.title:
            pairs.append(Pair(f"Write the title of the following abstract.\n\n{abstract}", r.title, core=True))
        if "conclusions" in r.sections:
            pairs.append(Pair(f"Summarize the following abstract in one or two sentences.\n\n{abstract}",
                              answer(r.sections["conclusions"])))
        return pairs or "no_title"
    if task == "entities":
        if not r.mesh:
            return "no_mesh"
        doc = cut(r.doc, doc_max_chars)
        pairs = [Pair(f"List the MeSH headings of the following article, one per line.\n\n{doc}",
                      "\n".join(f"- {h}" for h in r.mesh), core=True)]
        if named := named_headings(r):
            pairs.append(Pair(TASKS["entities"].student.format(doc=doc), "\n".join(f"- {h}" for h in named)))
        return pairs
    if task == "relations":
        return "no_relations"
    raise ValueError(f"unknown PIT task {task!r}")


# ----------------------------------------------------------------------------- MediFlow
RESEARCH_ABSTRACT = "Research abstract"  # not a clinical note: grounded rows say what their input is


def title(r: PubmedRecord, rng, max_chars: int) -> Example | None:
    if not r.title:
        return None
    return Example("summarization", RESEARCH_ABSTRACT, "Write the title of this research abstract.",
                   cut(r.abstract, max_chars), r.title, {"summary": r.title}, 2)


def mesh(r: PubmedRecord, rng, max_chars: int) -> Example | None:
    if not r.mesh:
        return None
    return Example("named_entity_recognition", RESEARCH_ABSTRACT,
                   "List the MeSH headings that index this research abstract.",
                   # "; " rather than lines: a rejected answer then drops a heading (errors.omission)
                   # instead of reordering lines, which would be no error at all
                   cut(r.doc, max_chars), "; ".join(r.mesh),
                   {"entities": [{"text": h, "type": "MeSH heading"} for h in r.mesh]}, 4)


def section(r: PubmedRecord, rng, max_chars: int) -> Example | None:
    """A question about one section, answered by that section; the input is the whole abstract."""
    asked = [c for c in ("results", "objective", "methods") if c in r.sections]
    if not asked:
        return None
    category = asked[rng.integers(len(asked))]
    question = {"results": "What were the results of this study?", "objective": "What was the aim of this study?",
                "methods": "How was this study conducted?"}[category]
    reply = answer(r.sections[category])
    return Example("question_answering", RESEARCH_ABSTRACT, f"Using only this research abstract: {question}",
                   cut(r.abstract, max_chars), reply, {"answer": reply, "section": category}, 2)


def conclusion(r: PubmedRecord, rng, max_chars: int) -> Example | None:
    """The authors' conclusion from the rest of the abstract (the conclusions section left out of the input)."""
    if "conclusions" not in r.sections or len(r.sections) < 2:
        return None
    rest = "\n".join(line for line in r.abstract.splitlines()
                     if not ((m := _LABEL.match(line.strip())) and _CATEGORY.get(m.group(1).strip().lower())
                             == "conclusions"))
    return Example("summarization", RESEARCH_ABSTRACT,
                   "State the conclusion this research abstract supports, in one or two sentences.",
                   cut(rest, max_chars), answer(r.sections["conclusions"]),
                   {"summary": answer(r.sections["conclusions"])}, 4)
