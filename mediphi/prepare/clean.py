"""Per-record cleaning: normalize, de-identify, length-filter; every row leaves with a status.

De-identification (mediphi.prepare.deid, the de-identifier prepare.deidentifier names) covers the
title, the text and the string values of the meta; a record id in which it finds an identifier is
replaced by a pseudonym (pseudonymize_id); a quarantined row's reason is scrubbed and its record
becomes a scrubbed excerpt.

status is "kept", "filtered" (reason: too_short | too_long; dedup adds duplicate, near_duplicate,
eval_leak) or "quarantined" (the source's problem, e.g. malformed_json). Nothing is dropped here:
the stage counts and writes every row by its status. A record over RAW_LENGTH_FACTOR x max_chars
is filtered as too_long on its raw length, before normalization and de-identification.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from typing import Any

from mediphi.prepare.deid import PHI_KINDS, Deidentifier, get_deidentifier
from mediphi.prepare.split import assign_split

__all__ = ["PHI_KINDS", "normalize", "text_hash", "deidentify", "deidentify_meta", "excerpt", "pseudonymize_id", "clean_record"]

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
# The de-identifiers live in mediphi.prepare.deid; PHI_KINDS and deidentify stay importable here.
QUARANTINE_EXCERPT_CHARS = 1000


def deidentify(text: str, deidentifier: str = "rules") -> tuple[str, dict[str, int]]:
    """Replace PHI with typed placeholders ([NAME], [DATE], [PHONE] ...); count per kind."""
    return get_deidentifier(deidentifier).scrub(text)


def deidentify_meta(meta: str, deid: Deidentifier) -> tuple[str, dict[str, int]]:
    """The string values of a record's meta JSON object, scrubbed (keys and numbers stay)."""
    counts = dict.fromkeys(PHI_KINDS, 0)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            value, found = deid.scrub(value)
            for kind, n in found.items():
                counts[kind] += n
            return value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    obj = json.loads(meta)
    scrubbed = scrub(obj)
    return (json.dumps(scrubbed, ensure_ascii=False) if scrubbed != obj else meta), counts


def excerpt(record: str, deid: Deidentifier | None, limit: int = QUARANTINE_EXCERPT_CHARS) -> str:
    """What the quarantine keeps of a record: its beginning, scrubbed, at most `limit` characters.

    The window scrubbed is cut at a space well past `limit`, so no identifier is cut in two (a
    half phone number would escape the rules) before it is scrubbed and then shortened."""
    if len(record) > 4 * limit:
        cut = record.rfind(" ", 2 * limit, 4 * limit)
        record = record[:cut if cut > 0 else 4 * limit]
    if deid is not None:
        record = deid.scrub(record)[0]
    return record if len(record) <= limit else record[:limit] + " [...]"


# ----------------------------------------------------------------------------- one record
# Normalization shrinks a text only by its whitespace runs and control characters: a raw record this
# many times over max_chars could come out short enough only if it were mostly padding.
RAW_LENGTH_FACTOR = 4


_ID_SEPARATORS = re.compile(r"[_./\\:]+")
_WORD_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=\d)")  # "patient-555-12-3456": the word is not the SSN's


def pseudonymize_id(source_id: str, deid: Deidentifier, content: str) -> tuple[str, dict[str, int]]:
    """A record id with an identifier in it (an MRN as note id, a patient's name or birth date in a
    file name) becomes "phi-" + a hash of the id and the record's raw content; other ids stay, so
    "n01" or "notes.jsonl:12" still lead back to the source. The probe reads the separators of file
    names as spaces ("john_smith_1950-03-04.txt"). Keyed by the raw content, a full note's worth of
    entropy, the hash cannot be reversed by enumerating short ids, and stays the same run after run."""
    _, counts = deid.scrub(source_id)
    if not any(counts.values()):
        _, counts = deid.scrub(_ID_SEPARATORS.sub(" ", _WORD_HYPHEN.sub(" ", source_id)))
    if not any(counts.values()):
        return source_id, counts
    digest = hashlib.blake2b(f"{source_id}\x1f{content}".encode("utf-8", "replace"), digest_size=8).hexdigest()
    return f"phi-{digest}", counts


def clean_record(row: dict[str, Any], corpus: str, deid: bool, min_chars: int, max_chars: int,
                 eval_fraction: float, val_fraction: float, deidentifier: str = "rules") -> dict[str, Any]:
    """A raw source row -> a document row with status, reason, text_hash, split, PHI counts.

    With `deid`, title, text and the meta's strings are scrubbed, and a quarantined row keeps a
    scrubbed excerpt of its record, never the raw record."""
    scrubber = get_deidentifier(deidentifier) if deid else None
    source_id, id_counts = row["source_id"], {}
    if scrubber is not None:
        source_id, id_counts = pseudonymize_id(source_id, scrubber, row["title"] + row["text"] + row["record"])
    doc_id = f"{corpus}:{source_id}"
    out = {"row_uid": uuid.uuid4().hex, "doc_id": doc_id, "corpus": corpus, "source_id": source_id,
           "title": "", "text": "", "meta": row["meta"], "split": assign_split(doc_id, eval_fraction, val_fraction),
           "status": "kept", "reason": "", "text_hash": "", "record": row["record"],
           "blank_lines": row.get("blank_lines", 0), **{f"phi_{kind}": 0 for kind in PHI_KINDS}}
    out.update({f"phi_{k}": n for k, n in id_counts.items()})
    if row["problem"]:
        # The reason names the file and what broke: a file name can name a patient too.
        reason = scrubber.scrub(row["problem"])[0] if scrubber is not None else row["problem"]
        return {**out, "status": "quarantined", "reason": reason, "record": excerpt(row["record"], scrubber)}
    if len(row["title"]) + len(row["text"]) > RAW_LENGTH_FACTOR * max_chars:
        return {**out, "status": "filtered", "reason": "too_long"}  # not normalized, not scrubbed: not kept
    title, text = normalize(row["title"]), normalize(row["text"])
    if scrubber is not None:
        title, title_counts = scrubber.scrub(title)
        text, text_counts = scrubber.scrub(text)
        meta, meta_counts = deidentify_meta(row["meta"], scrubber)
        out.update({f"phi_{k}": out[f"phi_{k}"] + title_counts[k] + text_counts[k] + meta_counts[k]
                    for k in PHI_KINDS}, meta=meta)
    out.update(title=title, text=text, text_hash=text_hash(text))
    if len(text) < max(min_chars, 1):
        out.update(status="filtered", reason="too_short")
    elif len(text) > max_chars:
        out.update(status="filtered", reason="too_long")
    return out
