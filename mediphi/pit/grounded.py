"""The grounded teacher in the pit stage: task data from the fields of structured documents.

With `pit.teacher.kind: grounded`, a corpus whose kind carries structure (mediphi.grounded:
icd10cm, pubmed) gets its task data built from each document's fields; any other corpus goes to
`pit.fallback_teacher`, an LLM, through the same path as `kind: hf|vllm|openai`.

The rows come out in the columns the LLM path's parse step gives (doc_id, corpus, task, reply,
status, reason, prompt, response), so counting, writing and packing are shared. A (document,
task) gives up to pit.grounded_per_doc kept rows (several phrasings of its facts), or one
filtered row saying why the record gives none (e.g. no_mesh); nothing is quarantined, since no
reply is parsed.
"""
from __future__ import annotations

from typing import Any

import ray.data

from mediphi.config import EngineConfig, PitSection, RunConfig
from mediphi.grounded import STRUCTURED_KINDS, pick, pit_pairs
from mediphi.pit.tasks import FILTERED, KEPT

GROUNDED = "grounded"


def corpus_kind(config: RunConfig, corpus: str) -> str | None:
    """The corpus's kind as prepare read it; None for a corpus this config does not list."""
    return next((c.kind for c in config.prepare.corpora if c.name == corpus), None)


def teacher_for(cfg: PitSection, kind: str | None) -> EngineConfig | None:
    """The LLM engine that writes this corpus's task data; None where the grounded teacher does."""
    if cfg.teacher.kind != GROUNDED:
        return cfg.teacher
    return None if kind in STRUCTURED_KINDS else cfg.fallback_teacher


def teacher_label(engine: EngineConfig | None) -> str:
    """How the manifest and the data card name a teacher: grounded, or engine kind and model."""
    return GROUNDED if engine is None else f"{engine.kind}:{engine.model or 'base model'}"


def teach_grounded(docs: ray.data.Dataset, cfg: PitSection, kind: str, seed: int) -> ray.data.Dataset:
    return docs.flat_map(grounded_rows, fn_kwargs={
        "kind": kind, "tasks": list(cfg.tasks), "per_doc": cfg.grounded_per_doc,
        "doc_max_chars": cfg.doc_max_chars, "seed": seed})


def grounded_rows(row: dict[str, Any], kind: str, tasks: list[str], per_doc: int, doc_max_chars: int,
                  seed: int) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        pairs = pit_pairs(kind, row, task, doc_max_chars)
        chosen = [] if isinstance(pairs, str) else pick(pairs, per_doc, seed, row["doc_id"], task)
        if not chosen:
            out.append(_row(row, task, FILTERED, pairs if isinstance(pairs, str) else "no_pairs"))
        out += [_row(row, task, KEPT, "", p.prompt, p.response) for p in chosen]
    return out


def _row(doc: dict[str, Any], task: str, status: str, reason: str, prompt: str = "",
         response: str = "") -> dict[str, Any]:
    return {"doc_id": doc["doc_id"], "corpus": doc["corpus"], "task": task, "reply": "", "status": status,
            "reason": reason, "prompt": prompt, "response": response}
