"""Per-record cleaning: normalize, de-identify, length-filter; every row leaves with a status.

status is "kept", "filtered" (reason: too_short | too_long; dedup adds duplicate) or
"quarantined" (the source's problem, e.g. malformed_json). Nothing is dropped here: the stage
counts and writes every row by its status.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from typing import Any

from mediphi.prepare.split import assign_split

# ----------------------------------------------------------------------------- normalize
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace runs other than newlines
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize(text: str) -> str:
    """Unicode NFKC, one space per run of spaces, at most one blank line, no control characters.

    Newlines survive: a clinical note's sections and an ICD entry's fields are line-based.
    """
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def text_hash(text: str) -> str:
    """Key for exact dedup: case and spacing differences do not make a document new."""
    return hashlib.blake2b(" ".join(text.lower().split()).encode(), digest_size=16).hexdigest()


# ----------------------------------------------------------------------------- de-identify
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# (kind, pattern, replacement). Order matters: URLs and e-mails go first (their digits and dots
# would half-match later patterns), SSNs before phone numbers, labelled record numbers before
# bare digits. Only explicit dates are scrubbed; a bare year ("in 2019") is not PHI.
PHI_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\]]*[^\s<>\"'\].,;:!?)]", re.I), "[URL]"),
    ("email", re.compile(r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"), "[EMAIL]"),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[SSN]"),
    ("mrn", re.compile(r"\b(MRN|medical record(?: number| no\.?)?|patient id|acct(?: no\.?)?|"
                       r"account(?: number| no\.?)?)(\s*(?:#|:|is)?\s*)[A-Z]{0,3}\d[\w-]{3,}", re.I), r"\1\2[MRN]"),
    ("phone", re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"), "[PHONE]"),
    ("date", re.compile(rf"\b\d{{1,2}}[/-]\d{{1,2}}[/-](?:\d{{4}}|\d{{2}})\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|"
                        rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|"
                        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}\b"), "[DATE]"),
    ("name", re.compile(r"\b(Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?"), r"\1. [NAME]"),
)
PHI_KINDS = tuple(kind for kind, _, _ in PHI_PATTERNS)


def deidentify(text: str) -> tuple[str, dict[str, int]]:
    """Replace PHI with placeholders ([EMAIL], [PHONE], [DATE], [NAME] ...); count per kind."""
    counts = {}
    for kind, pattern, replacement in PHI_PATTERNS:
        text, counts[kind] = pattern.subn(replacement, text)
    return text, counts


# ----------------------------------------------------------------------------- one record
def clean_record(row: dict[str, Any], corpus: str, deid: bool, min_chars: int, max_chars: int,
                 eval_fraction: float, val_fraction: float) -> dict[str, Any]:
    """A raw source row -> a document row with status, reason, text_hash, split, PHI counts."""
    doc_id = f"{corpus}:{row['source_id']}"
    out = {"row_uid": uuid.uuid4().hex, "doc_id": doc_id, "corpus": corpus, "source_id": row["source_id"],
           "title": "", "text": "", "meta": row["meta"], "split": assign_split(doc_id, eval_fraction, val_fraction),
           "status": "kept", "reason": "", "text_hash": "", "record": row["record"],
           **{f"phi_{kind}": 0 for kind in PHI_KINDS}}
    if row["problem"]:
        return {**out, "status": "quarantined", "reason": row["problem"]}
    title, text = normalize(row["title"]), normalize(row["text"])
    if deid:
        title, title_counts = deidentify(title)
        text, text_counts = deidentify(text)
        out.update({f"phi_{k}": title_counts[k] + text_counts[k] for k in PHI_KINDS})
    out.update(title=title, text=text, text_hash=text_hash(text))
    if len(text) < max(min_chars, 1):
        out.update(status="filtered", reason="too_short")
    elif len(text) > max_chars:
        out.update(status="filtered", reason="too_long")
    return out
