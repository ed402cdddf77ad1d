"""prepare on real data: PubMed MEDLINE files, the ICD-10-CM list, and a planted user JSONL corpus."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from mediphi import prepare
from mediphi.config import RunConfig
from mediphi.prepare.split import SPLITS, assign_split
from mediphi.runs import MANIFEST

REPO = Path(__file__).resolve().parents[1]
DOC_COLUMNS = ["doc_id", "corpus", "title", "text", "meta", "split"]
CORPORA = ("pubmed", "icd10cm", "notes", "wiki", "guides")

PHI_NOTE = ("Patient seen by Dr. Alice Smith on 03/14/2021 for follow-up of type 2 diabetes. "
            "Contact alice.smith@example.org or (555) 123-4567. SSN 123-45-6789, MRN: 00123456. "
            "Portal: https://portal.example.org/records/77 has the lab results.")
PHI_STRINGS = ["Alice", "Smith", "03/14/2021", "alice.smith@example.org", "555", "123-45-6789", "00123456",
               "portal.example.org"]
PNEUMONIA = ("Discharge summary: community-acquired pneumonia treated with ceftriaxone and azithromycin; "
             "afebrile at discharge, oxygen weaned to room air.")
CONDITIONS = ["hypertension", "asthma", "atrial fibrillation", "chronic kidney disease", "migraine",
              "gout", "hypothyroidism", "cellulitis", "anemia", "osteoarthritis", "COPD", "heart failure"]


def _notes_lines() -> list[str]:
    """A user corpus with one of each: PHI, a case/space duplicate, a malformed line (line 4),
    a record without text, a non-string text, a too-short text, and a reused id (n10)."""
    records = [
        json.dumps({"id": "n01", "title": "Clinic note", "text": PHI_NOTE}),
        json.dumps({"id": "n02", "text": PNEUMONIA}),
        json.dumps({"id": "n03", "text": "  " + PNEUMONIA.upper().replace(" ", "   ") + "  "}),
        '{"id": "n04", "text": "unterminated',
        json.dumps({"id": "n05", "title": "no text here"}),
        json.dumps({"id": "n06", "text": 42}),
        json.dumps({"id": "n07", "text": "Too short."}),
    ]
    records += [json.dumps({"id": f"n{10 + i}", "text": f"Progress note {i}: the patient with {c} is stable on "
                                                          f"current therapy; plan reviewed with the care team."})
                for i, c in enumerate(CONDITIONS)]
    records.append(json.dumps({"id": "n10", "text": "A different note that reuses the id n10 of another record."}))
    return records


def _write_user_corpora(root: Path) -> list[dict]:
    """One corpus of each user kind: notes (jsonl), wiki (parquet), guides (text files)."""
    notes = root / "notes" / "notes.jsonl"
    notes.parent.mkdir()
    notes.write_text("\n".join(_notes_lines()) + "\n")
    (root / "wiki").mkdir()
    pq.write_table(pa.table({
        "body": ["Hypertension is persistently raised arterial blood pressure, a major cardiovascular risk.",
                 None, "Asthma is a chronic inflammatory disease of the airways with reversible obstruction."],
        "heading": ["Hypertension", "Empty page", "Asthma"]}), root / "wiki" / "pages.parquet")
    (root / "guides").mkdir()
    (root / "guides" / "sepsis.txt").write_text(
        "Sepsis bundle\n\n\n\nGive   antibiotics within one hour of recognizing septic shock.\r\n")
    (root / "guides" / "stroke.txt").write_text("Stroke: door-to-needle under 60 minutes for thrombolysis.")
    (root / "guides" / "broken.txt").write_bytes(b"\xff\xfe not UTF-8 \x80")
    return [
        {"name": "notes", "kind": "jsonl", "path": str(notes), "id_field": "id", "title_field": "title"},
        {"name": "wiki", "kind": "parquet", "path": str(root / "wiki"), "text_field": "body",
         "title_field": "heading"},
        {"name": "guides", "kind": "text", "path": str(root / "guides" / "*.txt")},
    ]


def _config(run_dir: Path, user_corpora: list[dict] = (), **limits: int) -> RunConfig:
    """configs/test.yaml (what the tiny_config fixture loads), plus user corpora, other limits."""
    data = RunConfig.load(REPO / "configs" / "test.yaml", overrides=[f"run.run_dir={run_dir}"]).model_dump()
    for corpus in data["prepare"]["corpora"]:
        corpus["limit"] = limits.get(corpus["name"], corpus["limit"])
    data["prepare"]["corpora"] += list(user_corpora)
    return RunConfig.from_dict(data)


def _docs(manifest: dict, run_dir: Path, corpus: str, split: str | None = None) -> list[dict]:
    splits = [split] if split else SPLITS
    rows = []
    for s in splits:
        path = run_dir / "prepare" / manifest["outputs"]["corpora"][corpus][s].removeprefix("./")
        rows += pads.dataset(path, format="parquet").to_table().to_pylist()
    return rows


@pytest.fixture(scope="module")
def prepared(ray_session, tmp_path_factory):
    root = tmp_path_factory.mktemp("prepare")
    config = _config(root / "run", _write_user_corpora(root))
    manifest = prepare.run(config, config.run.run_dir)
    return config, manifest, Path(config.run.run_dir)


def test_documents_schema_counts_and_outputs(prepared, ray_session):
    config, m, run_dir = prepared
    assert m["status"] == "complete"
    counts, metrics = m["counts"], m["metrics"]
    for corpus in CORPORA:
        c = counts[corpus]
        assert c["in"] == c["kept"] + c["filtered"] + c["quarantined"]
        docs = _docs(m, run_dir, corpus)
        assert len(docs) == c["kept"] == metrics["docs_per_corpus"][corpus] > 0
        assert len({d["doc_id"] for d in docs}) == len(docs)
        for split in SPLITS:
            path = run_dir / "prepare" / m["outputs"]["corpora"][corpus][split].removeprefix("./")
            table = pads.dataset(path, format="parquet").to_table()
            assert table.column_names == DOC_COLUMNS
            assert all(str(t) == "string" for t in table.schema.types)
            assert set(table["split"].to_pylist()) <= {split}
            assert set(table["corpus"].to_pylist()) <= {corpus}
            assert table.num_rows == metrics["split_sizes"][corpus][split]
        for d in docs:
            assert d["doc_id"].startswith(f"{corpus}:") and d["text"] and isinstance(json.loads(d["meta"]), dict)
    for key in ("in", "kept", "filtered", "quarantined"):
        assert counts[key] == sum(counts[c][key] for c in CORPORA)
    assert counts["in"] == counts["kept"] + counts["filtered"] + counts["quarantined"]
    # The contract: every output directory is readable by Ray Data.
    pubmed_train = run_dir / "prepare" / m["outputs"]["corpora"]["pubmed"]["train"].removeprefix("./")
    assert ray_session.data.read_parquet(str(pubmed_train)).count() == metrics["split_sizes"]["pubmed"]["train"]


def test_pubmed_documents_are_real_citations(prepared):
    _, m, run_dir = prepared
    docs = _docs(m, run_dir, "pubmed")
    assert m["counts"]["pubmed"]["in"] == 60  # limit: 60 in configs/test.yaml
    for d in docs:
        meta = json.loads(d["meta"])
        assert meta["pmid"].isdigit() and d["doc_id"] == f"pubmed:{meta['pmid']}"
        assert isinstance(meta["mesh"], list)
        assert d["title"] and len(d["text"]) >= 40
    assert sum(bool(json.loads(d["meta"])["mesh"]) for d in docs) > len(docs) // 2
    # The first citation with an abstract in pubmed20n0014.xml.gz, as NLM published it.
    first = next(d for d in docs if d["doc_id"] == "pubmed:399296")
    assert first["title"].startswith("Monitoring of bacteriological contamination and assessment of carcase")
    assert first["text"].startswith("Two hundred and sixty nine beef, 230 sheep and 165 pig carcase")
    assert "Food Microbiology" in json.loads(first["meta"])["mesh"]


def test_icd_documents_are_valid_codes_across_chapters(prepared):
    import simple_icd_10_cm as cm

    _, m, run_dir = prepared
    docs = _docs(m, run_dir, "icd10cm")
    assert m["counts"]["icd10cm"]["in"] == 80  # limit: 80 in configs/test.yaml
    chapters = set()
    for d in docs:
        meta = json.loads(d["meta"])
        code = meta["code"]
        assert cm.is_valid_item(code) and cm.is_leaf(code) and d["doc_id"] == f"icd10cm:{code}"
        assert d["title"] == meta["description"] == cm.get_description(code)
        assert meta["parent"] == cm.get_parent(code)
        assert meta["chapter"] == cm.get_description(cm.get_ancestors(code)[-1])
        assert f"ICD-10-CM code: {code}" in d["text"] and meta["block"] in d["text"]
        chapters.add(meta["chapter"])
    assert len(chapters) >= 12  # codes are spread over the whole list, not the first chapter


def test_deidentification_replaces_planted_phi(prepared):
    _, m, run_dir = prepared
    note = next(d for d in _docs(m, run_dir, "notes") if d["doc_id"] == "notes:n01")
    for placeholder in ("[NAME]", "[DATE]", "[EMAIL]", "[PHONE]", "[SSN]", "[MRN]", "[URL]"):
        assert placeholder in note["text"], placeholder
    for phi in PHI_STRINGS:
        assert phi not in note["text"], phi
    assert "type 2 diabetes" in note["text"] and "lab results" in note["text"]  # clinical content stays
    phi = m["metrics"]["phi_replacements"]["notes"]
    assert all(phi[k] >= 1 for k in ("name", "date", "email", "phone", "ssn", "mrn", "url")), phi
    assert m["metrics"]["totals"]["phi_replacements"]["email"] >= 1


def test_duplicates_and_bad_records_are_counted(prepared):
    _, m, run_dir = prepared
    ids = [d["doc_id"] for d in _docs(m, run_dir, "notes")]
    assert "notes:n02" in ids and "notes:n03" not in ids  # the duplicate keeps the smallest doc_id
    assert "notes:n07" not in ids and ids.count("notes:n10") == 1
    assert m["counts"]["notes"] == {"in": 20, "kept": 14, "filtered": 2, "quarantined": 4}
    assert m["metrics"]["filter_reasons"]["notes"] == {"duplicate": 1, "too_short": 1}
    assert m["metrics"]["quarantine_reasons"]["notes"] == {
        "malformed_json": 1, "missing_text": 1, "bad_text_type": 1, "duplicate_id": 1}

    quarantine = pads.dataset(run_dir / "prepare" / m["outputs"]["quarantine"].removeprefix("./"),
                              format="parquet").to_table()
    assert quarantine.column_names == ["corpus", "source_id", "reason", "record"]
    rows = {r["reason"].split(":")[0]: r for r in quarantine.to_pylist() if r["corpus"] == "notes"}
    assert "line 4" in rows["malformed_json"]["reason"] and '"unterminated' in rows["malformed_json"]["record"]
    assert rows["missing_text"]["source_id"] == "n05" and "no text here" in rows["missing_text"]["record"]
    assert rows["bad_text_type"]["source_id"] == "n06" and "int" in rows["bad_text_type"]["reason"]
    assert rows["duplicate_id"]["source_id"] == "n10"
    assert quarantine.num_rows == m["counts"]["quarantined"]


def test_parquet_and_text_corpora(prepared):
    _, m, run_dir = prepared
    assert m["counts"]["wiki"] == {"in": 3, "kept": 2, "filtered": 0, "quarantined": 1}
    assert m["metrics"]["quarantine_reasons"]["wiki"] == {"missing_text": 1}
    wiki = {d["title"]: d for d in _docs(m, run_dir, "wiki")}
    assert set(wiki) == {"Hypertension", "Asthma"} and wiki["Asthma"]["text"].startswith("Asthma is a chronic")
    # Without an id_field a Parquet row is named by its file and content: the same id on every run.
    assert all(d["doc_id"].startswith("wiki:pages.parquet:") for d in wiki.values())

    # Text corpora: one document per file, named by its path under the corpus folder.
    assert m["counts"]["guides"] == {"in": 3, "kept": 2, "filtered": 0, "quarantined": 1}
    assert m["metrics"]["quarantine_reasons"]["guides"] == {"undecodable": 1}
    guides = {d["doc_id"]: d for d in _docs(m, run_dir, "guides")}
    assert set(guides) == {"guides:sepsis.txt", "guides:stroke.txt"}
    assert guides["guides:sepsis.txt"]["text"] == (
        "Sepsis bundle\n\nGive antibiotics within one hour of recognizing septic shock.")  # normalized


def test_splits_are_disjoint_and_stable_when_the_limit_changes(prepared, tiny_config):
    config, m, run_dir = prepared
    first = {c: {d["doc_id"]: d["split"] for d in _docs(m, run_dir, c)} for c in ("pubmed", "icd10cm")}
    for corpus, docs in first.items():
        per_split = [{i for i, s in docs.items() if s == split} for split in SPLITS]
        assert sum(map(len, per_split)) == len(set().union(*per_split)) == len(docs)
        assert all(per_split)  # 60 and 80 documents at eval 0.2 / val 0.1: every split has some
        for doc_id, split in docs.items():
            assert split == assign_split(doc_id, config.prepare.eval_fraction, config.prepare.val_fraction)

    other = _config(Path(tiny_config.run.run_dir), pubmed=25, icd10cm=40)
    m2 = prepare.run(other, other.run.run_dir)
    second = {c: {d["doc_id"]: d["split"] for d in _docs(m2, Path(other.run.run_dir), c)}
              for c in ("pubmed", "icd10cm")}
    assert m2["counts"]["pubmed"]["in"] == 25 and m2["counts"]["icd10cm"]["in"] == 40
    assert set(second["pubmed"]) <= set(first["pubmed"])  # the first records in file order
    for corpus in first:
        common = set(first[corpus]) & set(second[corpus])
        assert len(common) >= 20
        assert all(first[corpus][i] == second[corpus][i] for i in common)


def test_rerun_is_skipped_and_a_crashed_run_resumes_per_corpus(prepared):
    # Last in this file: it rewrites the shared run's manifest (the documents stay as they are).
    config, first, run_dir = prepared
    files = {p: p.stat().st_mtime_ns for p in (run_dir / "prepare").rglob("*.parquet")}
    assert files

    again = prepare.run(config, run_dir)
    assert again == first  # the same manifest, read back from disk: nothing recomputed
    assert {p: p.stat().st_mtime_ns for p in (run_dir / "prepare").rglob("*.parquet")} == files

    # A run that died after every corpus had finished: the rerun resumes and skips each corpus.
    manifest_path = run_dir / "prepare" / MANIFEST
    crashed = json.loads(manifest_path.read_text())
    crashed["status"] = "running"
    manifest_path.write_text(json.dumps(crashed))
    resumed = prepare.run(config, run_dir)
    assert resumed["resumed"] is True and resumed["status"] == "complete"
    assert resumed["counts"] == first["counts"] and resumed["metrics"] == first["metrics"]
    assert resumed["outputs"] == first["outputs"]
    assert {p: p.stat().st_mtime_ns for p in (run_dir / "prepare").rglob("*.parquet")} == files
    assert sorted(p.stem for p in (run_dir / "prepare" / ".done").glob("*.json")) == sorted(CORPORA)
