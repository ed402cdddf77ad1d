"""DPO rejected answers written by the teacher: the chosen answer rewritten with one named error.

MediFlow's DPO set pairs each top-quality answer with a rejected one that a strong model wrote
when told which error to make. The teacher gets the instruction, the input, the correct answer and
one error type (picked by a stable hash of the answer, so a rerun asks for the same one), and
rewrites the answer with that error only.

A reply is accepted only where it differs from the chosen answer in the named way, as far as text
can show it (`check`); otherwise the rule-based injector (errors.py) writes the rejected answer and
the row says so (`rejected_by: rule_fallback`, with the failed check in `rejected_check`).
  factual_error        one fact changed: a different text that keeps most of the chosen words
  omission             something left out: fewer words, nearly all of them the chosen answer's
  ambiguity            a statement made vague: a different text that keeps many of the chosen words
  partial_correctness  only part answered: fewer words than the chosen answer
  wrong_format         the answer in another format: a JSON object where prose was asked, prose
                       (no JSON object) where JSON was asked
Every other error type keeps a JSON answer a JSON object (compact, as the chosen one is written).
"""
from __future__ import annotations

import hashlib
import json
import re

from mediphi.synthesize import prompts, schemas

TEACHER_ERRORS: dict[str, str] = {
    "factual_error": "change exactly one clinical fact (a finding, value, drug, dose, code, side or date) so "
                     "that it is wrong; keep every other word",
    "omission": "leave out one important piece of information; keep the rest word for word",
    "ambiguity": "make one statement vague or ambiguous, so that it could be read two ways",
    "partial_correctness": "answer only part of what the instruction asks and leave the rest out",
    "wrong_format": "give the same content in a different format from the one the instruction asks for",
}
_WORD = re.compile(r"\w+")
# Share of the chosen answer's words a one-error rewrite keeps (Jaccard of word sets): a reply below
# it is a new answer, not the chosen one with an error.
MIN_OVERLAP = {"factual_error": 0.5, "ambiguity": 0.3}
OMISSION_KEEPS = 0.8  # an omission's words are (nearly) all the chosen answer's


def error_type(chosen: str, seed: int) -> str:
    """The named error the teacher is asked for: stable per answer, spread over TEACHER_ERRORS."""
    h = int.from_bytes(hashlib.sha256(f"{seed}\x00rejected\x00{chosen}".encode()).digest()[:8], "big")
    return sorted(TEACHER_ERRORS)[h % len(TEACHER_ERRORS)]


def prompt(instruction: str, input_text: str, chosen: str, error: str, output_format: str) -> str:
    fmt = ("Answer in prose, not as JSON." if output_format == "json" else "Answer as a JSON object.") \
        if error == "wrong_format" else ("Keep it a single JSON object." if output_format == "json" else "")
    return (
        "Below are a clinical instruction, its input and a correct answer. Rewrite the answer so that it "
        f"contains exactly one error: {TEACHER_ERRORS[error]}. It must still read like a confident answer. "
        f"{fmt} Reply with the rewritten answer only.\n\n"
        f"Instruction:\n{instruction}\n\nInput:\n{input_text}\n\nCorrect answer:\n{chosen}"
    ).replace("  ", " ")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def read(reply: str, chosen: str, error: str, output_format: str) -> tuple[str, str]:
    """(rejected answer, "") when the reply makes the named error as far as text shows it, else
    (reply, why not)."""
    text = prompts.clean_text(reply)
    if why := prompts.degenerate(text, min_chars=2):
        return text, why
    is_json = output_format == "json"
    if error == "wrong_format" and is_json:
        return (text, "") if prompts.parse_json_object(text) is None else (text, "still_json")
    if error == "wrong_format" or is_json:  # the reply must hold a JSON object (near-valid is repaired)
        obj = prompts.parse_json_object(text) or schemas.repair_json(text)
        if obj is None:
            return text, "not_json" if error == "wrong_format" else "invalid_json"
        text = json.dumps(obj, ensure_ascii=False)
        if error == "wrong_format":
            return text, ""
    if " ".join(text.split()).lower() == " ".join(chosen.split()).lower():
        return text, "same_as_chosen"
    mine, theirs = _words(text), _words(chosen)
    if error in ("omission", "partial_correctness") and len(mine) >= len(theirs):
        return text, "not_shorter"
    if error == "omission" and sum(w in set(theirs) for w in mine) < OMISSION_KEEPS * len(mine):
        return text, "not_an_omission"
    if error in MIN_OVERLAP and _jaccard(mine, theirs) < MIN_OVERLAP[error]:
        return text, "rewritten_not_edited"
    return text, ""
