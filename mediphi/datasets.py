"""Small helpers the Ray Data stages share: documents as text, and Parquet outputs that always
carry their columns."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def document(row: dict[str, Any]) -> str:
    """A prepare document as one text: the title, a blank line, the body."""
    return f"{row['title']}\n\n{row['text']}" if row.get("title") else row["text"]


def cut(text: str, max_chars: int) -> str:
    """At most max_chars, ending on a word boundary when one is near."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    space = head.rfind(" ")
    return head[:space] if space > max_chars * 0.8 else head


def write_empty(path: Path, schema: pa.Schema) -> None:
    """An empty output is still a readable Parquet directory with the right columns."""
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), path / "empty.parquet")


def write_parquet(ds, path: Path, schema: pa.Schema) -> None:
    """Write a Ray Dataset; Ray Data writes no file for zero rows, so then write the columns."""
    ds.write_parquet(str(path))
    if not any(Path(path).glob("*.parquet")):
        write_empty(Path(path), schema)


# A parenthesis that opens with a code: "(E11.A)", "(E10.-)", "(C43.2-,C44.2-)", "(F10-F19 with .180)";
# not "(H1N1)" or "(external)".
_CODE_REF = re.compile(r"\s*\(\s*[A-Z][0-9][0-9A-Z](?![0-9A-Za-z])[^()]*\)")


def strip_code_refs(text: str) -> str:
    """An ICD-10-CM note without the codes it cites. A note pairs another code with its wording
    (Excludes1: "type 2 diabetes mellitus, without complications in remission (E11.A)"): kept, that
    pair would reach training from every train document that cites an evaluation code."""
    return " ".join(_CODE_REF.sub("", text).split()).strip(" ;,")
