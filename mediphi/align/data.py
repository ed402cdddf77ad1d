"""SFT and DPO rows from synthesize, checked and turned into TRL's conversational format.

synthesize writes plain strings: the MediFlow instruction and input, and prompt (the two in one
user turn). TRL applies the model's chat template only to conversational rows, so each text becomes
a message list. With `align.chat_layout: system_user` (the default, the layout of the released
MediPhi-Instruct) the instruction is the system message and the input the user message; with
`user` the prompt is one user turn (sets that carry only a prompt column need it). The completion /
chosen / rejected is an assistant turn; TRL trains on it alone (completion-only loss). The result is one Parquet file per phase under
the stage's own folder: every Ray Train worker reads that file (`datasets.Dataset.from_parquet`)
and the HF Trainer's distributed sampler gives each rank its share. The sets are small (tens of
thousands of rows at most), so reading the whole file per worker costs less than streaming Ray
Data shards, and TRL's own tokenization (`_prepare_dataset`) needs a `datasets.Dataset` anyway.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from mediphi.config import InputError

# Which column becomes which chat role, per phase.
ROLES: dict[str, dict[str, str]] = {
    "sft": {"prompt": "user", "completion": "assistant"},
    "dpo": {"prompt": "user", "chosen": "assistant", "rejected": "assistant"},
}

QUARANTINE_SCHEMA = pa.schema([("phase", pa.string()), ("row", pa.int64()), ("reason", pa.string()),
                               ("record", pa.string())])


LAYOUT_COLUMNS = {"system_user": ("instruction", "input"), "user": ()}


def read_rows(src: str | Path, columns: list[str], layout: str = "user") -> list[dict[str, Any]]:
    """All rows of a Parquet directory (or file), only the named columns (and the layout's)."""
    dataset = pds.dataset(str(src), format="parquet")
    have = dataset.schema.names
    missing = [c for c in columns if c not in have]
    if missing:
        raise InputError(f"{src}: missing column(s) {', '.join(missing)}; have {', '.join(have)}")
    extra = [c for c in LAYOUT_COLUMNS[layout] if c not in columns]
    if any(c not in have for c in extra):
        raise InputError(f"{src}: align.chat_layout: {layout} puts the instruction in the system message and "
                         f"the input in the user message, but the set has no {' / '.join(extra)} column "
                         f"(have {', '.join(have)}); set align.chat_layout: user to train on the prompt column")
    return dataset.to_table(columns=columns + extra).to_pylist()


def problem(row: dict[str, Any], phase: str, layout: str = "user") -> str | None:
    """Why a row cannot train, or None."""
    for col in ROLES[phase]:
        if not isinstance(row[col], str) or not row[col].strip():
            return f"empty {col}"
    if layout == "system_user" and not (isinstance(row["instruction"], str) and row["instruction"].strip()):
        return "empty instruction"
    if phase == "dpo" and row["chosen"].strip() == row["rejected"].strip():
        return "chosen equals rejected"  # no preference signal, only noise in the DPO loss
    return None


def to_conversation(row: dict[str, Any], phase: str, layout: str = "user") -> dict[str, list[dict[str, str]]]:
    conv = {col: [{"role": role, "content": row[col]}] for col, role in ROLES[phase].items()}
    if layout == "system_user":
        # An instruction with no input (a question on its own) is the user's turn.
        conv["prompt"] = ([{"role": "system", "content": row["instruction"]}, {"role": "user", "content": row["input"]}]
                          if (row.get("input") or "").strip() else [{"role": "user", "content": row["instruction"]}])
    return conv


def prepare(phase: str, src: str | Path, out: Path, quarantine: Path, layout: str = "user") -> dict[str, int]:
    """Write the phase's conversational rows to `out` (one Parquet file); bad rows to `quarantine`."""
    rows = read_rows(src, list(ROLES[phase]), layout)
    kept, bad = [], []
    for i, row in enumerate(rows):
        reason = problem(row, phase, layout)
        if reason is None:
            kept.append(to_conversation(row, phase, layout))
        else:
            bad.append({"phase": phase, "row": i, "reason": reason, "record": json.dumps(row, default=str)})
    if not kept:
        raise InputError(f"{src}: no usable {phase} rows ({len(rows)} read, all quarantined)")
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(kept), out)
    quarantine.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), quarantine)
    return {"in": len(rows), "kept": len(kept), "filtered": 0, "quarantined": len(bad)}
