"""Small helpers the Ray Data stages share: documents as text, and Parquet outputs that always
carry their columns."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

# Below this many bytes of Parquet, a stage's input is read in the driver and handed to Ray Data
# as Arrow blocks. A Ray Data read costs 3-9 s on an idle 2-CPU node and 15-35 s on a busy one
# (its read tasks start workers that import pyarrow); pyarrow reads the same 1,549-row training set
# in 0.14 s. Larger inputs stream through Ray Data's distributed read as before.
DRIVER_READ_MAX_BYTES = 64 * 1024 * 1024


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


def read_parquet(paths: str | Path | Sequence[str | Path], columns: list[str] | None = None,
                 driver_max_bytes: int = DRIVER_READ_MAX_BYTES):
    """A Ray Dataset of the Parquet files under `paths` (files or directories), one block per file
    in path order, as `ray.data.read_parquet` would give. Small inputs are read in the driver."""
    import ray

    roots = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    files = [f for r in roots for f in ([r] if r.is_file() else sorted(r.rglob("*.parquet")))]
    if not files or sum(f.stat().st_size for f in files) > driver_max_bytes:
        return ray.data.read_parquet([str(r) for r in roots], columns=columns)
    return ray.data.from_arrow([pq.read_table(f, columns=columns) for f in files])


def resumable_map(ds, folder: Path, fn, key: str = "row_id"):
    """fn(ds) written to `folder` as it streams (one Parquet file per finished block), resumed: rows
    whose `key` an earlier attempt already wrote are not passed to fn again. A file a crash left
    unreadable is deleted (its rows are redone). Returns every row of the folder, earlier and new.

    For slow row-wise work (LLM generation): a crash after N rows costs the unfinished blocks, not N.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    done: set[Any] = set()
    for f in sorted(folder.glob("*.parquet")):
        try:
            done.update(pq.read_table(f, columns=[key]).column(key).to_pylist())
        except (pa.ArrowException, OSError):  # half-written when the attempt died
            f.unlink()
    finished = frozenset(done)  # travels with the filter's function (ids only: small beside the rows)
    todo = ds.filter(lambda r: r[key] not in finished) if finished else ds
    if todo.count():
        fn(todo).write_parquet(str(folder))
    return read_parquet(folder)


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
