"""What the teacher and the judge are asked, and how their replies are read.

Teacher, three turns per spec (kept short: the demo teacher is a 135M model on two cores):
  instruction  a meta-prompt naming the task, document type, difficulty and answer format, with
               the task's template as an example; a json row shows the task's JSON Schema, and
               the instruction written names its keys (clean_instruction), so the student and
               the teacher answering see what the answer is checked on
  input        the seed document rewritten as the document type, fitted to the instruction and
               to what the task needs in it (TaskType.input_note: an error to find, a dialogue)
  output       the answer to exactly what the student will see: instruction + "\n\n" + input
Judge: one prompt per criterion showing only the fields that criterion judges; the score is read
from the judge's log-likelihoods of "1".."5" (expected value under their softmax), so it is
always in [1, 5] even when a weak judge would not write a parsable number.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from mediphi.synthesize import schemas
from mediphi.synthesize.taxonomy import DIFFICULTY_LEVELS, JUDGE_CRITERIA, OUTPUT_FORMATS, SCORE_CHOICES, TASK_TYPES

JSON_REQUIREMENT = "Answer with a single JSON object."


def json_requirement(task_type: str) -> str:
    """What a json row's instruction ends with: the object and its keys (schemas.keys_note)."""
    return f"{JSON_REQUIREMENT[:-1]} {schemas.keys_note(task_type)}."


def _schema_note(task_type: str, output_format: str) -> str:
    return f" valid under this JSON Schema: {schemas.compact(task_type)}" if output_format == "json" else ""


def user(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


# ----------------------------------------------------------------------------- teacher
def instruction_prompt(task_type: str, document_type: str, output_format: str, difficulty_level: int) -> str:
    task = TASK_TYPES[task_type]
    return (
        "Write one instruction for a clinical language task.\n"
        f"Task: {task.name.replace('_', ' ')}: {task.description}.\n"
        f"It is applied to a {document_type.lower()}.\n"
        f"Difficulty {difficulty_level} of 6: {DIFFICULTY_LEVELS[difficulty_level]}.\n"
        f"The answer must be {OUTPUT_FORMATS[output_format]}{_schema_note(task_type, output_format)}.\n"
        f"Example: {task.example(document_type)}\n"
        "Reply with the instruction only."
    )


def input_prompt(document_type: str, instruction: str, seed_document: str, task_type: str = "") -> str:
    note = TASK_TYPES[task_type].input_note if task_type else ""
    return (
        f"Write a realistic {document_type.lower()} based on the source text below, suited to this "
        f"instruction: \"{instruction}\". Keep the source's medical facts.{' ' + note if note else ''} "
        f"Reply with the document only.\n\nSource:\n{seed_document}"
    )


def student_prompt(instruction: str, input_text: str) -> str:
    """The user turn of a MediFlow example: what the teacher answers and what SFT/DPO train on."""
    return f"{instruction}\n\n{input_text}"


_LABEL = re.compile(r"^\s*(?:(?:here\s+is|here's)\b[^:\n]*:|(?:new\s+)?instruction\s*:)\s*", re.IGNORECASE)


def clean_instruction(reply: str, output_format: str, task_type: str = "") -> str:
    """The teacher's instruction without a leading label or quotes; JSON rows state the format, and
    with the task type known the schema's keys: the answer is checked against the schema
    (schemas.validate), so the student, and the teacher answering, must see what it asks for."""
    text = _LABEL.sub("", reply.replace("**", "")).strip().strip('"').strip()
    if not text or output_format != "json":
        return text
    if task_type:
        return text if schemas.keys_note(task_type) in text else f"{text} {json_requirement(task_type)}"
    return text if "json" in text.lower() else f"{text} {JSON_REQUIREMENT}"


def clean_text(reply: str) -> str:
    return reply.replace("**", "").strip()


# ----------------------------------------------------------------------------- checks
_WORD = re.compile(r"\w+")


def degenerate(text: str, min_chars: int) -> str:
    """Why a teacher reply is unusable ("empty", "too_short", "repetitive"), or "" if it is usable."""
    if not text.strip():
        return "empty"
    if len(text.strip()) < min_chars:
        return "too_short"
    words = _WORD.findall(text.lower())
    if len(words) >= 12 and len(set(words)) / len(words) < 0.25:
        return "repetitive"  # a greedy small model caught in a loop
    return ""


def parse_json_object(reply: str) -> dict[str, Any] | None:
    """The first {...} in a reply, parsed, if it is a non-empty JSON object; None otherwise.

    Prose around the object (a weak model's "Here is the JSON:") is dropped; text is never
    wrapped into JSON to make it pass.
    """
    start = reply.find("{")
    if start < 0:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(reply, start)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj else None


# ----------------------------------------------------------------------------- judge
# Self-consistency (synthesize.judge_samples = k): the judge answers each criterion under the first
# k framings; the mean of the k scores is the row's score and their range its spread. A score that
# moves with the wording is one the judge is unsure of.
JUDGE_FRAMES: tuple[tuple[str, bool, str], ...] = (
    # (preamble, question before the fields, closing)
    ("You review synthetic clinical training data.", False, "Rate from {scale}. Answer with one digit."),
    ("You are a senior clinician auditing examples written for a medical AI.", True,
     "Give a score from {scale}. Reply with a single digit."),
    ("Quality control for a clinical instruction dataset.", False,
     "Score it on a scale of {scale}; write only the digit."),
    ("A reviewer must grade the following clinical example honestly; most examples are not perfect.", True,
     "Your grade, {scale}, as one digit:"),
)


def judge_prompt(criterion: str, row: dict[str, Any], variant: int = 0) -> str:
    question, fields = JUDGE_CRITERIA[criterion]
    preamble, question_first, closing = JUDGE_FRAMES[variant]
    document = row["input_data"].lower()
    labels = {"instruction": "Instruction", "input": f"Input ({document})", "output": "Response"}
    shown = "\n".join(f"{labels[f]}:\n{row[f]}\n" for f in fields)
    scale = "1 (trivial) to 5 (expert)" if criterion == "difficulty" else "1 (poor) to 5 (excellent)"
    asked = question.format(document=document)
    body = f"{asked}\n\n{shown}" if question_first else f"{shown}\n{asked}"
    return f"{preamble}\n\n{body}\n{closing.format(scale=scale)}"


def expected_score(logliks: list[float]) -> float:
    """E[score] under the softmax of the choices' log-likelihoods; NaN if any is not finite."""
    if len(logliks) != len(SCORE_CHOICES) or not all(math.isfinite(x) for x in logliks):
        return math.nan
    top = max(logliks)
    weights = [math.exp(x - top) for x in logliks]
    return sum(int(c) * w for c, w in zip(SCORE_CHOICES, weights)) / sum(weights)
