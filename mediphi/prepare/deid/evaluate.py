"""Span-level scoring of a de-identifier on the labeled evaluation set (evalset.py).

recall     per planted kind: a planted identifier is caught when every letter and digit of it is
           inside what the de-identifier replaced (punctuation and spaces identify no one, so
           "(617) 555-0123" scrubbed as "(" + [PHONE] counts). The kind it was given does not matter:
           a city scrubbed as [NAME] is gone all the same.
precision  per predicted span (after overlapping spans are merged, as `scrub` merges them): a span
           is right when it overlaps a planted identifier, wrong when all the characters it
           replaced were not PHI. Per kind, by the kind the de-identifier gave. Also reported per
           character: the share of replaced characters that were PHI (long spans that swallow
           clinical words lower it).
Clean documents (no PHI at all) count in precision; `changed_clean_docs` says how many of them the
de-identifier altered.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mediphi.prepare.deid.base import PHI_KINDS, Deidentifier, PhiSpan, merge_spans
from mediphi.prepare.deid.evalset import EvalDoc, eval_documents


@dataclass
class DocResult:
    doc_id: str
    missed: list[tuple[str, str]] = field(default_factory=list)       # (kind, value)
    false_spans: list[tuple[str, str]] = field(default_factory=list)  # (kind, text replaced)


def _covered(text: str, start: int, end: int, mask: bytearray) -> bool:
    return all(mask[i] for i in range(start, end) if text[i].isalnum())


def score_document(doc: EvalDoc, spans: list[PhiSpan]) -> tuple[DocResult, dict[str, Counter]]:
    merged = merge_spans(spans)
    mask = bytearray(len(doc.text))
    for s in merged:
        mask[s.start:s.end] = b"\x01" * (s.end - s.start)
    gold = bytearray(len(doc.text))
    for p in doc.phi:
        gold[p.start:p.end] = b"\x01" * (p.end - p.start)
    result = DocResult(doc.doc_id)
    tally: dict[str, Counter] = {"planted": Counter(), "caught": Counter(), "predicted": Counter(),
                                 "correct": Counter(), "chars": Counter()}
    for p in doc.phi:
        tally["planted"][p.kind] += 1
        if _covered(doc.text, p.start, p.end, mask):
            tally["caught"][p.kind] += 1
        else:
            result.missed.append((p.kind, p.value))
    for s in merged:
        tally["predicted"][s.kind] += 1
        phi_chars = sum(gold[s.start:s.end])
        tally["chars"]["replaced"] += s.end - s.start
        tally["chars"]["replaced_phi"] += phi_chars
        if phi_chars:
            tally["correct"][s.kind] += 1
        else:
            result.false_spans.append((s.kind, doc.text[s.start:s.end]))
    return result, tally


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(deid: Deidentifier, docs: list[EvalDoc] | None = None) -> dict[str, Any]:
    """Recall per kind, precision per kind, overall, and what was missed or wrongly scrubbed."""
    docs = docs if docs is not None else eval_documents()
    totals: dict[str, Counter] = {k: Counter() for k in ("planted", "caught", "predicted", "correct", "chars")}
    missed, false_spans, changed_clean = [], [], 0
    for doc in docs:
        result, tally = score_document(doc, deid.find(doc.text))
        for key, counter in tally.items():
            totals[key].update(counter)
        missed += [(doc.doc_id, *m) for m in result.missed]
        false_spans += [(doc.doc_id, *f) for f in result.false_spans]
        changed_clean += (not doc.phi) and bool(result.false_spans)
    per_kind = {}
    for kind in PHI_KINDS:
        planted, predicted = totals["planted"][kind], totals["predicted"][kind]
        if planted or predicted:
            per_kind[kind] = {"planted": planted, "recall": _ratio(totals["caught"][kind], planted),
                              "predicted": predicted, "precision": _ratio(totals["correct"][kind], predicted)}
    planted, predicted = sum(totals["planted"].values()), sum(totals["predicted"].values())
    return {
        "deidentifier": deid.name,
        "documents": len(docs),
        "clean_documents": sum(not d.phi for d in docs),
        "planted": planted,
        "recall": _ratio(sum(totals["caught"].values()), planted),
        "precision": _ratio(sum(totals["correct"].values()), predicted),
        "char_precision": _ratio(totals["chars"]["replaced_phi"], totals["chars"]["replaced"]),
        "changed_clean_docs": changed_clean,
        "per_kind": per_kind,
        "missed": missed,
        "false_spans": false_spans,
    }
