"""JSON answers of MediFlow rows: near-valid JSON repaired, every object checked against its task's schema.

A json row's answer must be one JSON object that validates against the JSON Schema of its task type
(taxonomy.SCHEMAS, draft 2020-12, checked with the `jsonschema` package). Weak teachers often write
almost-JSON; repair_json fixes only the slips that leave no doubt about what was meant:

  code fences        ```json ... ```: the fenced block is read
  prose around       "Here is the JSON: {...} Hope this helps": the object alone is read
  trailing commas    {"a": 1,} and [1, 2,]
  single quotes      {'a': 'b'} (an apostrophe inside such a string breaks it: no repair)
  Python literals    True, False, None -> true, false, null
  unquoted keys      {label: "neutral"}: a bare word before ":" where a key stands
  missing closers    a reply that ends after a complete value, one or two }/] short

What it never does: wrap free text or a bare value into JSON, guess a bare word that stands where a
value goes, close an unterminated string (a reply cut off mid-sentence), or take an object out of
a top-level list (a list of answers is not the one object asked for).
"""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from mediphi.synthesize.taxonomy import TASK_TYPES

# A model that stops after a list's last item leaves the list's and the object's closers out;
# more missing than that is an answer cut short, not a slip.
MAX_MISSING_CLOSERS = 2
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # read whole: the "e" of 1e-3 is no word
_LITERALS = {"true": "true", "false": "false", "null": "null", "True": "true", "False": "false", "None": "null"}
_CLOSER = {"{": "}", "[": "]"}


# ----------------------------------------------------------------------------- schemas
def schema_of(task_name: str) -> dict[str, Any] | None:
    task = TASK_TYPES.get(task_name)
    return task.schema if task else None


def compact(task_name: str) -> str:
    """The task's schema on one line, without the dialect URL: what a teacher prompt shows."""
    schema = {k: v for k, v in (schema_of(task_name) or {}).items() if k != "$schema"}
    return json.dumps(schema, separators=(",", ":"), ensure_ascii=False)


def keys_note(task_name: str) -> str:
    """The schema's top-level keys in words, enum values with them: what a json row's instruction
    carries for the student. The whole schema (up to ~800 characters) would crowd out the input
    within a small model's training length; the keys are what an answer is checked on first."""
    schema = schema_of(task_name) or {}
    props, required = schema.get("properties", {}), schema.get("required", [])

    def show(key: str) -> str:
        enum = props[key].get("enum")
        return f'"{key}" ({" | ".join(map(str, enum))})' if enum else f'"{key}"'

    must, may = [show(k) for k in required], [show(k) for k in props if k not in required]
    if not must:
        return f"with one or more of the keys {', '.join(may)}"
    return f"with the key{'s' if len(must) > 1 else ''} {', '.join(must)}" + (
        f" and optionally {', '.join(may)}" if may else "")


@cache
def _validator(task_name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema_of(task_name))


def validate(task_name: str, obj: Any) -> list[str]:
    """Why `obj` is not a valid answer of the task ("" path is the object itself), [] when it is.
    A task without a JSON schema accepts no JSON answer."""
    if schema_of(task_name) is None:
        return [f"task {task_name!r} has no JSON answer schema"]
    errors = sorted(_validator(task_name).iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


# ----------------------------------------------------------------------------- repair
def _region(text: str) -> str:
    """The text a JSON object is looked for in: the first fenced block that holds a "{", else all."""
    for m in _FENCE.finditer(text):
        if "{" in m.group(1):
            return m.group(1)
    return text


def _last(out: list[str]) -> str:
    """The last character written that is not whitespace ("" if none)."""
    for chunk in reversed(out):
        if chunk.strip():
            return chunk.rstrip()[-1]
    return ""


def _drop_trailing_comma(out: list[str]) -> None:
    while out and not out[-1].strip():
        out.pop()
    if out and out[-1] == ",":
        out.pop()


def _rewrite(text: str, start: int) -> str | None:
    """The object that opens at text[start] rewritten as strict JSON, or None when a slip is not one
    repair_json fixes. Scans once, tracking strings and the open brackets."""
    out: list[str] = []
    stack: list[str] = []
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":  # a string: copied with double quotes
            quote, j, chunk = ch, i + 1, ['"']
            while j < n and text[j] != quote:
                if text[j] == "\\" and j + 1 < n:
                    nxt = text[j + 1]
                    chunk.append("'" if nxt == "'" else text[j:j + 2])  # \' is no JSON escape
                    j += 2
                    continue
                chunk.append('\\"' if text[j] == '"' else text[j])  # a " inside '...'
                j += 1
            if j >= n:
                return None  # unterminated: a reply cut off mid-string
            out.append("".join(chunk) + '"')
            i = j + 1
        elif ch in "{[":
            stack.append(_CLOSER[ch])
            out.append(ch)
            i += 1
        elif ch in "}]":
            if not stack or stack[-1] != ch:
                return None
            _drop_trailing_comma(out)
            out.append(stack.pop())
            i += 1
            if not stack:
                return "".join(out)  # the object is complete; what follows is prose
        elif m := _NUMBER.match(text, i):
            out.append(m.group())
            i = m.end()
        elif m := _WORD.match(text, i):
            word, i = m.group(), m.end()
            rest = text[i:].lstrip()
            if word in _LITERALS and not rest.startswith(":"):
                out.append(_LITERALS[word])
            elif rest.startswith(":") and _last(out) in "{,":
                out.append(json.dumps(word))  # an unquoted key
            else:
                return None  # a bare word where a value goes: free text, not JSON
        else:
            out.append(ch)
            i += 1
    # The text ended with brackets open: close them only after a complete value.
    if len(stack) > MAX_MISSING_CLOSERS or _last(out) in ",:{[":
        return None
    return "".join(out) + "".join(reversed(stack))


def repair_json(text: str) -> dict[str, Any] | None:
    """The JSON object a reply holds, near-valid JSON repaired (the module docstring lists what is
    fixed); None when there is none, when it is empty, or when the reply is a list."""
    region = _region(text)
    start = region.find("{")
    if start < 0 or region[:start].rstrip().endswith("["):
        return None
    rewritten = _rewrite(region, start)
    if rewritten is None:
        return None
    try:
        # strict=False: a raw line break inside a string is a slip, not a different answer
        obj = json.JSONDecoder(strict=False).decode(rewritten)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj else None
