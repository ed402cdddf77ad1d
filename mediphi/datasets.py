"""Small helpers the Ray Data stages share: documents as text, and Parquet outputs that always
carry their columns."""
from __future__ import annotations

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
