"""prepare on bad input, near-duplicates and eval leakage.

A fuzzed corpus set holds one file (or record) per kind of corruption; the stage must finish, and
every record and every bad file must be accounted for with its reason. Then near-duplicates within
and across corpora, and the leakage check, on two tiny JSONL corpora.
"""
from __future__ import annotations

import gzip
import json
import os
import random
import string
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from mediphi import prepare
from mediphi.config import ConfigError, CorpusConfig, InputError, RunConfig
from mediphi.prepare.crosscorpus import SIGNATURES_DIR
from mediphi.prepare.neardup import Doc, jaccard, lsh_params, resolve, signatures
from mediphi.prepare.sources import _file_rows, expand_paths, jsonl_records
from mediphi.prepare.split import SPLITS, assign_split
from mediphi.runs import MANIFEST

REPO = Path(__file__).resolve().parents[1]
EVAL, VAL = 0.3, 0.1
MAX_CHARS = 2000
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False

_rng = random.Random(7)
VOCAB = ["".join(_rng.choices(string.ascii_lowercase, k=_rng.randint(3, 9))) for _ in range(3000)]


def words(n: int, seed: int) -> str:
    """n words that share almost no 3-gram with another seed's: documents that are not copies."""
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def near_copy(text: str, changes: int, seed: int) -> str:
    """The text with `changes` words replaced, far apart: a re-typed copy."""
    rng = random.Random(seed)
    w = text.split()
    step = len(w) // changes
    for i in range(changes):
        w[i * step + step // 2] = rng.choice(VOCAB).upper()
    return " ".join(w)


def doc_id_in(corpus: str, split: str, prefix: str, skip: int = 0) -> str:
    """A source id whose document lands in `split` (the split is a hash of the doc_id)."""
    found = (f"{prefix}{i}" for i in range(10_000) if assign_split(f"{corpus}:{prefix}{i}", EVAL, VAL) == split)
    for _ in range(skip):
        next(found)
    return next(found)


def _run_config(run_dir: Path, corpora: list[dict], **prepare_settings) -> RunConfig:
    data = RunConfig.load(REPO / "configs" / "test.yaml", overrides=[f"run.run_dir={run_dir}"]).model_dump()
    data["prepare"].update(corpora=corpora, eval_fraction=EVAL, val_fraction=VAL, **prepare_settings)
    return RunConfig.from_dict(data)


def _docs(manifest: dict, run_dir: Path, corpus: str) -> list[dict]:
    rows = []
    for split in SPLITS:
        path = run_dir / "prepare" / manifest["outputs"]["corpora"][corpus][split].removeprefix("./")
        rows += pads.dataset(path, format="parquet").to_table().to_pylist()
    return rows


def _quarantine(manifest: dict, run_dir: Path) -> list[dict]:
    path = run_dir / "prepare" / manifest["outputs"]["quarantine"].removeprefix("./")
    return pads.dataset(path, format="parquet").to_table().to_pylist()


def _json(obj: dict) -> str:
    return json.dumps(obj)


# ----------------------------------------------------------------------------- the fuzzed corpora
class Expect:
    """What one corpus must come out as: kept ids, filter reasons, quarantine (source_id, reason)."""

    def __init__(self) -> None:
        self.kept: set[str] = set()
        self.filtered: Counter[str] = Counter()
        self.quarantined: list[tuple[str, str]] = []
        self.blank_lines = 0


def _gzip_cut_after(good: bytes, tail: bytes) -> bytes:
    """A .gz whose first member holds `good` whole and whose second member, `tail`, is cut in
    half: a reader sees `good`, then the stream breaks off inside `tail`."""
    second = gzip.compress(tail)
    return gzip.compress(good) + second[: len(second) // 2]


def _noise(n: int, seed: int) -> str:
    # Incompressible, so that half of its gzip stream cannot reach past it.
    return "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=n))


def _notes(root: Path) -> tuple[dict, Expect]:
    d, e = root / "notes", Expect()
    d.mkdir()
    g2, g3 = doc_id_in("notes", "train", "gn", 0), doc_id_in("notes", "train", "gn", 1)
    base = words(150, 1)
    # BOM, CRLF, blank lines in between and at the end; a near-copy; too short; too long.
    (d / "a_good.jsonl").write_bytes(
        b"\xef\xbb\xbf" + _json({"id": "g1", "title": "First", "text": words(60, 2)}).encode() + b"\r\n"
        + b"\r\n" + _json({"id": g2, "text": base}).encode() + b"\r\n"
        + b"   \r\n" + _json({"id": g3, "text": near_copy(base, 3, 3)}).encode() + b"\r\n"
        + _json({"id": "g4", "text": "Too short."}).encode() + b"\r\n"
        + _json({"id": "g5", "text": words(500, 4)}).encode() + b"\r\n\n\n")
    e.blank_lines += 4
    e.kept |= {"g1", min(g2, g3)}  # both train: the smaller doc_id stays
    e.filtered.update(near_duplicate=1, too_short=1, too_long=1)
    # Truncated gzip: three whole records, then the stream stops inside the fourth line.
    good = "".join(_json({"id": f"t{i}", "text": words(40, 10 + i)}) + "\n" for i in range(3))
    (d / "b_truncated.jsonl.gz").write_bytes(
        _gzip_cut_after(good.encode(), (_json({"id": "t3", "text": _noise(6000, 5)}) + "\n").encode()))
    e.kept |= {"t0", "t1", "t2"}
    e.quarantined.append(("b_truncated.jsonl.gz", "corrupt_gzip"))
    # Random bytes named .gz; a gzip header over a deflate stream that is no such thing.
    (d / "c_random.jsonl.gz").write_bytes(random.Random(6).randbytes(500))
    (d / "c_header.jsonl.gz").write_bytes(gzip.compress(b"x" * 50)[:10] + b"\xff" * 300)
    e.quarantined += [("c_random.jsonl.gz", "corrupt_gzip"), ("c_header.jsonl.gz", "corrupt_gzip")]
    # Zero bytes; only blank lines.
    (d / "d_empty.jsonl").write_bytes(b"")
    (d / "e_blank.jsonl").write_bytes(b"\n\n   \n")
    e.blank_lines += 3
    e.quarantined += [("d_empty.jsonl", "empty_file"), ("e_blank.jsonl", "empty_file")]
    # One bad record per line kind.
    lines: list[tuple[bytes, str | None]] = [
        (b"\xff\xfe not UTF-8 \x80", "undecodable"),
        (b'{"id": "m2", "text": "raw NUL \x00 inside a string"}', "malformed_json"),
        (b"[1, 2, 3]", "malformed_json"),  # an array, not an object
        (b'"just a string"', "malformed_json"),
        (_json({"id": "m4", "text": 12345}).encode(), "bad_text_type"),
        (_json({"id": ["m", 5], "text": words(30, 20)}).encode(), "bad_id_type"),
        (_json({"text": words(30, 21)}).encode(), "missing_id"),
        (b'{"id": "m7", "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b', "text": "x"}', "malformed_json"),
        (b'{"id": "m8", "text": "a lone surrogate \\ud800 here ' + words(20, 22).encode() + b'"}', "undecodable"),
        (b'{"id": "m9", "text": "big number", "n": 1' + b"0" * 5000 + b"}", "malformed_json"),
        (_json({"id": "m10", "text": None}).encode(), "missing_text"),
        (_json({"id": "m11", "text": "   "}).encode(), "empty_text"),
        (b'{"id": "m13", "text": "cut', "malformed_json"),
    ]
    ids_of = {0: "f_mixed.jsonl:1", 1: "f_mixed.jsonl:2", 2: "f_mixed.jsonl:3", 3: "f_mixed.jsonl:4", 4: "m4",
              5: "f_mixed.jsonl:6", 6: "f_mixed.jsonl:7", 7: "f_mixed.jsonl:8", 8: "m8", 9: "f_mixed.jsonl:10",
              10: "m10", 11: "m11", 12: "f_mixed.jsonl:13"}
    # A huge line (filtered on its raw length), and a good record with a title of the wrong type.
    body = b"\n".join(line for line, _ in lines) + b"\n" + _json({"id": "m12", "text": "word " * 3000}).encode() \
        + b"\n" + _json({"id": "m14", "title": 7, "text": words(50, 23)}).encode() + b"\n"
    (d / "f_mixed.jsonl").write_bytes(body)
    e.quarantined += [(ids_of[i], reason) for i, (_, reason) in enumerate(lines)]
    e.filtered["too_long"] += 1
    e.kept.add("m14")
    # A pretty-printed JSON array file: every line is malformed as JSON lines.
    (d / "g_array.json").write_text("[\n" + _json({"id": "a1", "text": words(30, 24)}) + ",\n]\n")
    e.quarantined += [(f"g_array.json:{i}", "malformed_json") for i in (1, 2, 3)]
    # A file name that is not UTF-8: still read.
    (d / os.fsdecode(b"h_name_\xff.jsonl")).write_text(_json({"id": "h1", "text": words(40, 25)}) + "\n")
    e.kept.add("h1")
    # Unreadable (root reads through chmod 000, so the case is left out there).
    if not ROOT:
        locked = d / "i_locked.jsonl"
        locked.write_text(_json({"id": "l1", "text": words(40, 26)}) + "\n")
        locked.chmod(0)
        e.quarantined.append(("i_locked.jsonl", "unreadable"))
    # Different record schemas across files: extra fields, other order.
    (d / "j_other_schema.jsonl").write_text(_json({"extra": [1, 2], "text": words(40, 27), "id": "j1"}) + "\n")
    e.kept.add("j1")
    return {"name": "notes", "kind": "jsonl", "path": str(d), "id_field": "id", "title_field": "title"}, e


_ARTICLE = ("<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>Title {pmid}"
            "</ArticleTitle><Abstract><AbstractText>{text}</AbstractText></Abstract></Article>"
            "</MedlineCitation></PubmedArticle>")
_NO_ABSTRACT = ("<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>No abstract"
                "</ArticleTitle></Article></MedlineCitation></PubmedArticle>")
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'


def _abstracts(root: Path) -> tuple[dict, Expect]:
    d, e = root / "abstracts", Expect()
    d.mkdir()
    art = lambda pmid, seed: _ARTICLE.format(pmid=pmid, text=words(60, seed))  # noqa: E731
    (d / "a_good.xml").write_text(_HEAD + art(1001, 30) + _NO_ABSTRACT.format(pmid=1003) + art(1002, 31)
                                  + "</PubmedArticleSet>\n")
    e.kept |= {"1001", "1002"}
    # Cut mid-element: the whole citation before the cut is read.
    cut = _HEAD + art(2001, 32) + art(2002, 33)
    (d / "b_cut.xml").write_text(cut[: len(cut) - 150])
    e.kept.add("2001")
    e.quarantined.append(("b_cut.xml", "malformed_xml"))
    # A mismatched tag after one citation.
    (d / "c_mismatch.xml").write_text(_HEAD + art(3001, 34) + "<PubmedArticle><MedlineCitation></Wrong>")
    e.kept.add("3001")
    e.quarantined.append(("c_mismatch.xml", "malformed_xml"))
    # Another root; zero bytes; a set without citations; a bad byte in a UTF-8 document.
    (d / "d_root.xml").write_text("<html><body>" + art(4001, 35) + "</body></html>")
    (d / "e_empty.xml").write_bytes(b"")
    (d / "f_none.xml").write_text(_HEAD + "</PubmedArticleSet>\n")
    (d / "g_bytes.xml").write_bytes((_HEAD + art(5001, 36)).encode().replace(b"Title", b"Ti\xfftle") +
                                    b"</PubmedArticleSet>")
    e.quarantined += [("d_root.xml", "malformed_xml"), ("e_empty.xml", "empty_file"), ("f_none.xml", "empty_file"),
                      ("g_bytes.xml", "malformed_xml")]
    # A truncated .xml.gz: the first citation whole, the stream stops inside the second's abstract.
    (d / "h_cut.xml.gz").write_bytes(_gzip_cut_after(
        (_HEAD + art(6001, 37)).encode(),
        _ARTICLE.format(pmid=6002, text=_noise(8000, 38)).encode() + b"</PubmedArticleSet>"))
    e.kept.add("6001")
    e.quarantined.append(("h_cut.xml.gz", "corrupt_gzip"))
    (d / "i_random.xml.gz").write_bytes(random.Random(9).randbytes(400))
    e.quarantined.append(("i_random.xml.gz", "corrupt_gzip"))
    return {"name": "abstracts", "kind": "pubmed", "path": str(d)}, e


def _tables(root: Path) -> tuple[dict, Expect]:
    d, e = root / "tables", Expect()
    d.mkdir()
    pq.write_table(pa.table({"id": ["p1", "p2", "p3"], "body": [words(40, 40), None, words(40, 41)],
                             "heading": ["One", "Two", "Three"]}), d / "a_good.parquet")
    e.kept |= {"p1", "p3"}
    e.quarantined.append(("p2", "missing_text"))
    # Other column order, an extra column, large_string text: a schema that still fits.
    pq.write_table(pa.table({"extra": [1, 2], "body": pa.array([words(40, 42), words(40, 43)], pa.large_string()),
                             "id": ["q1", "q2"]}), d / "b_other.parquet")
    e.kept |= {"q1", "q2"}
    pq.write_table(pa.table({"id": ["r1"], "content": [words(40, 44)]}), d / "c_no_body.parquet")
    pq.write_table(pa.table({"id": ["s1"], "body": [12]}), d / "d_int_body.parquet")
    (d / "e_random.parquet").write_bytes(random.Random(10).randbytes(600))
    whole = (d / "a_good.parquet").read_bytes()
    (d / "f_truncated.parquet").write_bytes(whole[: len(whole) // 2])
    (d / "g_zero.parquet").write_bytes(b"")
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "body": pa.array([], pa.string())}),
                   d / "h_no_rows.parquet")
    e.quarantined += [("c_no_body.parquet", "schema_mismatch"), ("d_int_body.parquet", "schema_mismatch"),
                      ("e_random.parquet", "corrupt_parquet"), ("f_truncated.parquet", "corrupt_parquet"),
                      ("g_zero.parquet", "empty_file"), ("h_no_rows.parquet", "empty_file")]
    return {"name": "tables", "kind": "parquet", "path": str(d), "id_field": "id", "text_field": "body",
            "title_field": "heading"}, e


def _pages(root: Path) -> tuple[dict, Expect]:
    d, e = root / "pages", Expect()
    d.mkdir()
    (d / "a_note.txt").write_text(words(50, 50))
    (d / "b_bom_crlf.txt").write_bytes(b"\xef\xbb\xbf" + words(30, 51).encode() + b"\r\n" + words(30, 52).encode()
                                       + b"\r\n")
    (d / "c_empty.txt").write_bytes(b"")
    (d / "d_binary.txt").write_bytes(random.Random(11).randbytes(300) + b"\xff")
    (d / "e_nul.txt").write_bytes(words(30, 53).encode() + b"\x00\x00" + words(30, 54).encode())
    (d / "f_blank.txt").write_text("   \n\n")
    e.kept |= {"a_note.txt", "b_bom_crlf.txt", "e_nul.txt"}
    e.quarantined += [("c_empty.txt", "empty_file"), ("d_binary.txt", "undecodable"), ("f_blank.txt", "empty_text")]
    return {"name": "pages", "kind": "text", "path": str(d)}, e


def _nothing(root: Path) -> tuple[dict, Expect]:
    d, e = root / "nothing", Expect()
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "readme.csv").write_text("a,b\n")
    e.quarantined.append((str(d), "no_files"))
    return {"name": "nothing", "kind": "jsonl", "path": str(d)}, e


@pytest.fixture(scope="module")
def fuzzed(ray_session, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    built = [make(root) for make in (_notes, _abstracts, _tables, _pages, _nothing)]
    config = _run_config(root / "run", [c for c, _ in built], max_chars=MAX_CHARS)
    manifest = prepare.run(config, config.run.run_dir)
    return manifest, Path(config.run.run_dir), {c["name"]: e for c, e in built}


def test_fuzzed_corpora_finish_with_every_record_and_file_accounted_for(fuzzed):
    m, run_dir, expected = fuzzed
    assert m["status"] == "complete"
    kinds = {reason for e in expected.values() for _, reason in e.quarantined} | {
        reason for e in expected.values() for reason in e.filtered}
    assert len(kinds) >= 15, sorted(kinds)
    quarantine = _quarantine(m, run_dir)
    for corpus, e in expected.items():
        counts = m["counts"][corpus]
        kept_ids = {d["doc_id"].removeprefix(f"{corpus}:") for d in _docs(m, run_dir, corpus)}
        assert kept_ids == e.kept, corpus
        assert counts == {"in": len(e.kept) + sum(e.filtered.values()) + len(e.quarantined), "kept": len(e.kept),
                          "filtered": sum(e.filtered.values()), "quarantined": len(e.quarantined)}, corpus
        assert m["metrics"]["filter_reasons"][corpus] == dict(e.filtered), corpus
        got = sorted((r["source_id"], r["reason"].split(":", 1)[0]) for r in quarantine if r["corpus"] == corpus)
        assert got == sorted(e.quarantined), corpus
        assert m["metrics"]["quarantine_reasons"][corpus] == dict(Counter(r for _, r in e.quarantined)), corpus
        assert m["metrics"]["blank_lines"][corpus] == e.blank_lines, corpus
    assert m["metrics"]["totals"]["blank_lines"] == sum(e.blank_lines for e in expected.values())


def test_bad_files_are_named_with_their_reason(fuzzed):
    m, run_dir, _ = fuzzed
    reasons = {r["source_id"]: r["reason"] for r in _quarantine(m, run_dir)}
    assert reasons["b_truncated.jsonl.gz"].startswith("corrupt_gzip: b_truncated.jsonl.gz: truncated")
    assert "after 3 records" in reasons["b_truncated.jsonl.gz"]
    assert "after 1 records" in reasons["h_cut.xml.gz"] and "after 1 records" in reasons["b_cut.xml"]
    assert reasons["d_root.xml"] == "malformed_xml: d_root.xml: root element <html>, not <PubmedArticleSet>"
    assert reasons["c_no_body.parquet"].startswith("schema_mismatch: c_no_body.parquet: no column 'body'")
    assert "is int64, not a string" in reasons["d_int_body.parquet"]
    assert reasons["d_empty.jsonl"] == "empty_file: d_empty.jsonl: 0 bytes"
    assert reasons["e_blank.jsonl"] == "empty_file: e_blank.jsonl: no record in it (3 blank lines)"
    assert "nested too deeply" in reasons["f_mixed.jsonl:8"]
    assert "lone surrogate" in reasons["m8"]
    assert next(r for s, r in reasons.items() if s.endswith("nothing")).startswith("no_files: ")


def test_clean_text_survives_bom_crlf_and_nul(fuzzed):
    m, run_dir, _ = fuzzed
    pages = {d["doc_id"]: d["text"] for d in _docs(m, run_dir, "pages")}
    assert pages["pages:b_bom_crlf.txt"] == words(30, 51) + "\n" + words(30, 52)
    assert pages["pages:e_nul.txt"] == words(30, 53) + words(30, 54)
    notes = {d["doc_id"]: d for d in _docs(m, run_dir, "notes")}
    assert notes["notes:g1"]["title"] == "First" and notes["notes:m14"]["title"] == ""
    assert "\ufffd" in json.loads(notes["notes:h1"]["meta"])["file"]  # the name that is not UTF-8, shown


def test_near_duplicate_names_the_document_it_copies(fuzzed):
    m, _, _ = fuzzed
    kept, dropped = sorted(f"notes:{doc_id_in('notes', 'train', 'gn', i)}" for i in (0, 1))
    (example,) = m["metrics"]["near_duplicate_examples"]["notes"]
    assert example["doc_id"] == dropped and example["kept"] == kept
    assert example["reason"] == "near_duplicate" and 0.8 <= example["jaccard"] < 1


@pytest.mark.skipif(ROOT, reason="root reads files whatever their mode")
def test_unreadable_file_is_named(fuzzed):
    m, run_dir, _ = fuzzed
    reasons = {r["source_id"]: r["reason"] for r in _quarantine(m, run_dir)}
    assert reasons["i_locked.jsonl"].startswith("unreadable: i_locked.jsonl:")


# ----------------------------------------------------------------------------- no Ray needed
def test_a_file_that_cannot_be_opened_is_one_row(tmp_path):
    corpus = CorpusConfig(name="c", kind="jsonl", path=str(tmp_path))
    gone = {"path": os.fsencode(tmp_path / "gone.jsonl"), "name": "gone.jsonl"}
    (row,) = list(_file_rows(gone, jsonl_records, corpus))
    assert row["problem"].startswith("unreadable: gone.jsonl: ") and row["source_id"] == "gone.jsonl"
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    (row,) = list(_file_rows({"path": os.fsencode(folder), "name": "folder.jsonl"}, jsonl_records, corpus))
    assert row["problem"].startswith("unreadable: folder.jsonl: ")


def test_a_file_without_read_permission_is_one_row(tmp_path, monkeypatch):
    # What chmod 000 does to a user other than root, which this runs as in some places.
    from mediphi.prepare import sources

    def denied(path, mode="r"):
        raise PermissionError(13, "Permission denied", os.fsdecode(path))

    monkeypatch.setattr(sources, "open", denied, raising=False)
    locked = tmp_path / "locked.jsonl"
    locked.write_text(_json({"id": "l1", "text": words(40, 26)}) + "\n")
    corpus = CorpusConfig(name="c", kind="jsonl", path=str(tmp_path))
    (row,) = list(_file_rows({"path": os.fsencode(locked), "name": "locked.jsonl"}, jsonl_records, corpus))
    assert row["problem"] == "unreadable: locked.jsonl: Permission denied"


def test_a_path_that_does_not_exist_is_a_config_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        expand_paths(CorpusConfig(name="c", kind="jsonl", path=str(tmp_path / "typo")), (".jsonl",))
    assert expand_paths(CorpusConfig(name="c", kind="jsonl", path=str(tmp_path / "*.jsonl")), (".jsonl",)) == []


def test_near_dup_threshold_is_validated(tmp_path):
    for bad in (0, -0.5, 1.5):
        with pytest.raises(ConfigError, match="prepare.near_dup_threshold"):
            _run_config(tmp_path, [], near_dup_threshold=bad)
    assert _run_config(tmp_path, [], near_dup_threshold=None).prepare.near_dup_threshold is None
    assert _run_config(tmp_path, []).prepare.near_dup_threshold == 0.8


def test_lsh_finds_pairs_at_the_threshold():
    bands, rows = lsh_params(0.8)
    assert bands * rows <= 128 and 1 - (1 - 0.8 ** rows) ** bands >= 0.99
    base = words(150, 60)
    a, b, c = signatures([base, near_copy(base, 3, 61), words(150, 62)])
    assert jaccard(a, b) >= 0.8 > 0.2 > jaccard(a, c)


def _doc(doc_id: str, corpus: str, split: str, text: str) -> Doc:
    (sig,) = signatures([text])
    return Doc(doc_id, doc_id, corpus, split, str(hash(text)), sig)


def test_resolve_keeps_eval_then_corpus_order():
    x, y = words(150, 70), words(150, 71)
    docs = [_doc("a:1", "a", "train", x), _doc("b:1", "b", "eval", near_copy(x, 3, 72)),
            _doc("a:2", "a", "train", y), _doc("b:2", "b", "val", near_copy(y, 3, 73)),
            _doc("b:3", "b", "train", near_copy(y, 2, 74))]  # copies a:2 too; b:2 is not compared with it
    rank = {"a": 0, "b": 1}
    found = resolve(docs, 0.8, drop_copies=True, across_corpora=True, corpus_rank=rank)
    assert {k: v.reason for k, v in found.items()} == {"a:1": "eval_leak", "b:2": "near_duplicate",
                                                       "b:3": "near_duplicate"}
    assert found["a:1"].twin.doc_id == "b:1" and found["b:2"].twin.doc_id == "a:2"
    # Copies kept: only the leak goes. Exact matching only (no threshold): a near-copy is no copy.
    found = resolve(docs, 0.8, drop_copies=False, across_corpora=True, corpus_rank=rank)
    assert set(found) == {"a:1"}
    exact = [_doc("a:1", "a", "train", x), _doc("b:1", "b", "eval", x), _doc("b:2", "b", "train", y)]
    assert {k: v.reason for k, v in resolve(exact, None, True, True, rank).items()} == {"a:1": "eval_leak"}


# ----------------------------------------------------------------------------- near-dups and leakage
def _leak_corpora(root: Path) -> tuple[list[dict], dict[str, str]]:
    """alpha and beta, each with planted copies; ids chosen by the split their hash gives."""
    ids = {"alpha_eval": doc_id_in("alpha", "eval", "e"), "alpha_x": doc_id_in("alpha", "train", "x"),
           "alpha_leak": doc_id_in("alpha", "train", "l"), "alpha_w_eval": doc_id_in("alpha", "eval", "w"),
           "alpha_w_train": doc_id_in("alpha", "train", "w"), "alpha_z": doc_id_in("alpha", "train", "z"),
           "beta_leak": doc_id_in("beta", "train", "k"), "beta_x": doc_id_in("beta", "val", "x"),
           "beta_eval": doc_id_in("beta", "eval", "v"), "beta_z": doc_id_in("beta", "train", "z")}
    e1, x, e2, w, z = (words(150, s) for s in (80, 81, 82, 83, 84))
    alpha = [(ids["alpha_eval"], e1), (ids["alpha_x"], x), (ids["alpha_leak"], near_copy(e2, 3, 85)),
             (ids["alpha_w_eval"], w), (ids["alpha_w_train"], near_copy(w, 2, 86)), (ids["alpha_z"], z)]
    beta = [(ids["beta_leak"], near_copy(e1, 3, 87)), (ids["beta_x"], near_copy(x, 3, 88)),
            (ids["beta_eval"], e2), (ids["beta_z"], z)]
    alpha += [(f"fa{i}", words(80, 100 + i)) for i in range(6)]
    beta += [(f"fb{i}", words(80, 200 + i)) for i in range(6)]
    corpora = []
    for name, records in (("alpha", alpha), ("beta", beta)):
        path = root / f"{name}.jsonl"
        path.write_text("".join(_json({"id": i, "text": t}) + "\n" for i, t in records))
        corpora.append({"name": name, "kind": "jsonl", "path": str(path), "id_field": "id"})
    return corpora, ids


@pytest.fixture(scope="module")
def leaky(ray_session, tmp_path_factory):
    root = tmp_path_factory.mktemp("leak")
    corpora, ids = _leak_corpora(root)
    config = _run_config(root / "run", corpora)
    return config, prepare.run(config, config.run.run_dir), Path(config.run.run_dir), ids


def test_an_eval_document_keeps_no_near_copy_in_train_or_val(leaky):
    _, m, run_dir, ids = leaky
    docs = {d["doc_id"]: d for c in ("alpha", "beta") for d in _docs(m, run_dir, c)}
    gone = {f"beta:{ids['beta_leak']}": "eval_leak", f"beta:{ids['beta_x']}": "near_duplicate",
            f"beta:{ids['beta_z']}": "duplicate", f"alpha:{ids['alpha_leak']}": "eval_leak",
            f"alpha:{ids['alpha_w_train']}": "eval_leak"}
    assert not set(gone) & set(docs)
    for key in ("alpha_eval", "alpha_x", "alpha_w_eval", "alpha_z"):
        assert f"alpha:{ids[key]}" in docs
    assert docs[f"beta:{ids['beta_eval']}"]["split"] == "eval"  # the eval copy stays, even in the later corpus
    assert m["metrics"]["filter_reasons"] == {"alpha": {"eval_leak": 2},
                                              "beta": {"eval_leak": 1, "near_duplicate": 1, "duplicate": 1}}
    assert m["metrics"]["eval_leaks_removed"] == 3
    assert m["counts"]["alpha"] == {"in": 12, "kept": 10, "filtered": 2, "quarantined": 0}
    assert m["counts"]["beta"] == {"in": 10, "kept": 7, "filtered": 3, "quarantined": 0}
    cross = m["metrics"]["cross_corpus"]
    assert cross["removed"] == {"alpha": {"train": {"eval_leak": 1}},
                                "beta": {"train": {"eval_leak": 1, "duplicate": 1}, "val": {"near_duplicate": 1}}}
    leak = next(x for x in cross["examples"] if x["doc_id"] == f"beta:{ids['beta_leak']}")
    assert leak["kept"] == f"alpha:{ids['alpha_eval']}" and leak["kept_split"] == "eval"
    # The invariant itself, on what was written: no eval text near any train or val text.
    texts = list(docs.values())
    sigs = dict(zip((d["doc_id"] for d in texts), signatures(d["text"] for d in texts)))
    for e in (d for d in texts if d["split"] == "eval"):
        for t in (d for d in texts if d["split"] != "eval"):
            assert jaccard(sigs[e["doc_id"]], sigs[t["doc_id"]]) < 0.8, (e["doc_id"], t["doc_id"])
    for corpus in ("alpha", "beta"):
        for split in SPLITS:
            assert m["metrics"]["split_sizes"][corpus][split] == sum(
                d["split"] == split for d in texts if d["corpus"] == corpus)


def test_cross_corpus_pass_resumes(leaky):
    config, first, run_dir, _ = leaky
    stage = run_dir / "prepare"
    files = {p: p.stat().st_mtime_ns for p in stage.rglob("*.parquet")}
    assert any(SIGNATURES_DIR in str(p) for p in files)
    docs = sorted(d["doc_id"] for c in ("alpha", "beta") for d in _docs(first, run_dir, c))
    # Died after both corpora were done (so, maybe, inside the cross-corpus pass): nothing is rewritten.
    manifest = json.loads((stage / MANIFEST).read_text())
    (stage / MANIFEST).write_text(json.dumps({**manifest, "status": "running"}))
    resumed = prepare.run(config, run_dir)
    assert resumed["resumed"] is True
    assert (resumed["counts"], resumed["metrics"]) == (first["counts"], first["metrics"])
    assert {p: p.stat().st_mtime_ns for p in stage.rglob("*.parquet")} == files
    # Died while beta was being prepared: beta is prepared again, the pass reaches the same result.
    (stage / ".done" / "beta.json").unlink()
    (stage / MANIFEST).write_text(json.dumps({**manifest, "status": "running"}))
    again = prepare.run(config, run_dir)
    assert (again["counts"], again["metrics"]) == (first["counts"], first["metrics"])
    alpha = [p for p in files if "alpha" in str(p.relative_to(stage))]
    assert alpha and {p: p.stat().st_mtime_ns for p in alpha} == {p: files[p] for p in alpha}  # alpha untouched
    assert sorted(d["doc_id"] for c in ("alpha", "beta") for d in _docs(again, run_dir, c)) == docs
