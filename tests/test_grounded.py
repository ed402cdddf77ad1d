"""The grounded teacher: PIT pairs and MediFlow rows built from records' fields, no LLM.

Each builder's answer must come from the record it was built from; val and eval documents and the
package records held out for evaluation must never be used. One Ray test runs the pit stage.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mediphi.config import ConfigError, RunConfig
from mediphi.grounded import Pair, icd, packages, pick, pubmed, strip_code_refs
from mediphi.heldout import trainable
from mediphi.pit.grounded import grounded_rows, teacher_for
from mediphi.pit.tasks import FILTERED, KEPT
from mediphi.runs import RunDir, write_manifest

TASKS = ["qa", "summary", "entities", "relations"]
ICD_CODES = ["E11.9", "K35.80", "O24.410", "F10.20", "I21.01", "A01.00"]
SPLITS = ["train", "train", "train", "train", "val", "eval"]  # the last two must never be used


def icd_row(code: str) -> dict[str, str]:
    from mediphi.prepare.sources import icd_document

    raw = icd_document(code)
    return {"doc_id": f"icd10cm:{code}", "corpus": "icd10cm", "title": raw["title"], "text": raw["text"],
            "meta": raw["meta"]}


def pubmed_row(pmid: str, title: str, sections: dict[str, str], mesh: list[str]) -> dict[str, str]:
    text = "\n".join(f"{label}: {body}" for label, body in sections.items()) if len(sections) > 1 else \
        next(iter(sections.values()))
    return {"doc_id": f"pubmed:{pmid}", "corpus": "pubmed", "title": title, "text": text,
            "meta": json.dumps({"pmid": pmid, "mesh": mesh})}


PUBMED = [
    pubmed_row("1001", "Metformin lowers HbA1c in older adults with type 2 diabetes.",
               {"BACKGROUND": "Older adults with type 2 diabetes are often undertreated.",
                "METHODS": "We randomized 120 adults aged 70 or more to metformin or placebo for 24 weeks.",
                "RESULTS": "Metformin lowered HbA1c by 0.8 percentage points more than placebo.",
                "CONCLUSIONS": "Metformin is effective and well tolerated in older adults."},
               ["Aged", "Diabetes Mellitus, Type 2", "Humans", "Metformin"]),
    pubmed_row("1002", "Appendicitis in children: a retrospective cohort.",
               {"OBJECTIVE": "To describe outcomes of acute appendicitis in children.",
                "RESULTS": "Perforation occurred in 31 of 212 children.",
                "CONCLUSION": "Perforation remains common in children with appendicitis."},
               ["Appendicitis", "Child", "Humans"]),
    pubmed_row("1003", "Sodium azide and the preservation of mitochondria.",
               {"": "Sodium azide added to glutaraldehyde fixative enhanced the preservation of mitochondria. "
                    "Parenchymatous tissues were examined by electron microscopy."}, []),
    pubmed_row("1004", "Asthma control after school-based education.",
               {"BACKGROUND": "Asthma is the most common chronic disease of childhood.",
                "RESULTS": "Symptom-free days increased by 2.1 per fortnight.",
                "CONCLUSIONS": "School-based education improves asthma control."}, ["Asthma", "Child"]),
    pubmed_row("1005", "Val document title.", {"RESULTS": "A val result that must not be used."}, ["Humans"]),
    pubmed_row("1006", "Eval document title.", {"RESULTS": "An eval result that must not be used."}, ["Humans"]),
]
# Words the templates add around a record's fields; anything else in an answer must be in the record.
GLUE = set("icd 10 cm code is it belongs to the block in chapter its parent category includes excludes "
           "means a an of not coded with".split())


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


# ----------------------------------------------------------------------------- ICD-10-CM, PIT
@pytest.fixture(scope="module")
def icd_rows() -> list[dict[str, str]]:
    return [icd_row(c) for c in ICD_CODES]


def test_icd_pairs_answer_from_the_record(icd_rows):
    for row in icd_rows:
        meta = json.loads(row["meta"])
        record_words = words(row["title"] + " " + row["text"])
        out = grounded_rows(row, "icd10cm", TASKS, per_doc=64, doc_max_chars=4000, seed=0)
        assert {r["status"] for r in out} == {KEPT}, out
        qa = {r["prompt"]: r["response"] for r in out if r["task"] == "qa"}
        code, desc = meta["code"], meta["description"]
        # both directions: code -> description and description -> code, exactly the record's fields
        assert qa[f"What does ICD-10-CM code {code} describe?"] == desc
        # MedConceptsQA's question is the knowledge test's: no training example asks it
        assert not any("medical code" in q for q in qa)
        assert [a for q, a in qa.items() if q.startswith("What is the ICD-10-CM code for")] == [code]
        hierarchy = [a for q, a in qa.items() if "chapter" in q or "block" in q or "parent" in q]
        assert any(a.startswith("Chapter ") and a.split(":")[1].strip() == meta["chapter"] for a in hierarchy)
        assert meta["block"] in hierarchy
        if f"Parent code {meta['parent']}:" in row["text"]:
            assert any(a.startswith(meta["parent"] + ": ") for a in hierarchy)
        for r in out:
            assert words(r["response"]) - record_words <= GLUE, (r["prompt"], r["response"])
        entities = next(r["response"] for r in out if r["task"] == "entities")
        for line in entities.splitlines():
            assert line.startswith("- ") and line[2:].lower() in row["text"].lower()
        relations = next(r["response"] for r in out if r["task"] == "relations")
        assert f"{code} | is a | {meta['parent']}" in relations


def test_icd_answers_drop_the_codes_notes_cite():
    """E11.9 excludes "... in remission (E11.A)": the wording is kept, the cited code (perhaps an
    evaluation code) is not paired with it in any answer, nor in the document prepare writes."""
    row = icd_row("E11.9")
    assert "in remission" in row["text"] and "E11.A" not in row["text"]
    row = {**row, "text": row["text"] + " (E11.A)"}  # a document prepared before prepare dropped them
    out = grounded_rows(row, "icd10cm", TASKS, per_doc=64, doc_max_chars=4000, seed=0)
    excludes = [r["response"] for r in out if "exclude" in r["prompt"].lower() and r["task"] == "qa"]
    assert excludes == ["type 2 diabetes mellitus, without complications in remission"]
    assert not any("E11.A" in r["response"] for r in out)
    assert strip_code_refs("plague (A20.-)") == "plague"
    assert strip_code_refs("canal (external) (C43.2-,C44.2-)") == "canal (external)"
    assert strip_code_refs("influenza due to (H1N1) virus") == "influenza due to (H1N1) virus"


def test_icd_without_fields_is_filtered_with_a_reason():
    row = {"doc_id": "icd10cm:X", "corpus": "icd10cm", "title": "t", "text": "no structure", "meta": "{}"}
    out = grounded_rows(row, "icd10cm", ["qa", "summary"], per_doc=4, doc_max_chars=1000, seed=0)
    assert [(r["status"], r["reason"]) for r in out] == [(FILTERED, "no_icd_fields")] * 2


def test_pick_keeps_core_then_a_stable_sample():
    pairs = [Pair(f"q{i}", f"a{i}", core=i < 2) for i in range(10)] + [Pair("q3", "duplicate"), Pair("q9b", "")]
    chosen = pick(pairs, 4, 0, "doc", "qa")
    assert [p.prompt for p in chosen[:2]] == ["q0", "q1"] and len(chosen) == 4
    shuffled = pairs[:2] + list(reversed(pairs[2:10]))
    assert chosen == pick(shuffled, 4, 0, "doc", "qa")  # the sample does not depend on the builder's order
    assert len({p.prompt for p in pick(pairs, 99, 0, "doc", "qa")}) == 10  # no prompt twice, no empty answer
    other_seeds = {tuple(p.prompt for p in pick(pairs, 4, s, "doc", "qa")) for s in range(8)}
    assert len(other_seeds) > 1  # the optional facts vary with the seed


def test_grounded_per_doc_caps_rows(icd_rows):
    for n in (1, 3):
        out = grounded_rows(icd_rows[0], "icd10cm", ["qa", "summary"], per_doc=n, doc_max_chars=1000, seed=0)
        assert sum(r["task"] == "qa" for r in out) == sum(r["task"] == "summary" for r in out) == n
    one = grounded_rows(icd_rows[0], "icd10cm", ["qa"], per_doc=1, doc_max_chars=1000, seed=0)
    assert one[0]["prompt"].startswith("What does ICD-10-CM code")  # core first


# ----------------------------------------------------------------------------- PubMed, PIT
def test_pubmed_pairs_answer_from_the_record():
    row = PUBMED[0]
    sections = dict(line.split(": ", 1) for line in row["text"].splitlines())
    out = grounded_rows(row, "pubmed", TASKS, per_doc=64, doc_max_chars=4000, seed=0)
    by = {(r["task"], r["prompt"]): r for r in out}
    title = row["title"]
    assert by[("summary", f"Write the title of the following abstract.\n\n{row['text']}")]["response"] == title
    assert title not in next(p for t, p in by if t == "summary")  # the title is not shown when asked for
    named = title.rstrip(".")
    assert by[("qa", f'What were the results of the study titled "{named}"?')]["response"] == sections["RESULTS"]
    assert by[("qa", f'What did the study titled "{named}" conclude?')]["response"] == sections["CONCLUSIONS"]
    assert by[("qa", f'How was the study titled "{named}" conducted?')]["response"] == sections["METHODS"]
    mesh = json.loads(row["meta"])["mesh"]
    entity_lists = [r["response"] for r in out if r["task"] == "entities"]
    assert "\n".join(f"- {h}" for h in mesh) in entity_lists
    for listing in entity_lists:
        assert {line[2:] for line in listing.splitlines()} <= set(mesh)
    assert [(r["status"], r["reason"]) for r in out if r["task"] == "relations"] == [(FILTERED, "no_relations")]


def test_pubmed_unstructured_and_without_mesh():
    out = grounded_rows(PUBMED[2], "pubmed", TASKS, per_doc=4, doc_max_chars=4000, seed=0)
    qa = [r for r in out if r["task"] == "qa"]
    assert [r["response"] for r in qa] == [PUBMED[2]["text"]]  # its two sentences: what the study is about
    assert [r["reason"] for r in out if r["task"] == "entities"] == ["no_mesh"]


# ----------------------------------------------------------------------------- packages: held out stays out
def test_package_records_are_only_trainable_ones():
    from mediphi.evaluate.tasks import LoadContext, get_task

    abbreviations = {a.abbreviation for a in packages.abbreviations()}
    generics, brands = packages.drugs()
    drugs = {d.canonical for d in generics + brands}
    assert len(abbreviations) > 500 and len(drugs) > 500 and brands
    assert all(trainable("abbreviation", a) for a in abbreviations)
    assert all(trainable("drug", d) for d in drugs)
    for split in ("test", "validation"):
        items = get_task("abbreviation_expansion").load(LoadContext("abbreviation_expansion", 10_000, split=split))
        assert items and not {it["id"] for it in items} & abbreviations
        items = get_task("medication_extraction").load(LoadContext("medication_extraction", 200, split=split))
        assert not {d for it in items for d in it["drugs"]} & drugs


# ----------------------------------------------------------------------------- MediFlow rows
def write_prepare(root: Path, corpora: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, set[str]]]:
    """A prepare artifact with train / val / eval rows (SPLITS), registered with a manifest."""
    paths, ids = {}, {}
    for corpus, rows in corpora.items():
        paths[corpus], ids[corpus] = {}, {}
        for split in ("train", "val", "eval"):
            part = [{**r, "split": split} for r, s in zip(rows, SPLITS) if s == split]
            d = root / "prepare" / "corpora" / corpus / split
            d.mkdir(parents=True)
            pq.write_table(pa.Table.from_pylist(part), d / "part-0.parquet")
            paths[corpus][split], ids[corpus][split] = str(d), {r["doc_id"] for r in part}
    (root / "prepare" / "quarantine").mkdir(parents=True)
    write_manifest(root, "prepare", outputs={"corpora": paths, "quarantine": str(root / "prepare" / "quarantine")})
    return ids


@pytest.fixture(scope="module")
def mediflow(tmp_path_factory, icd_rows):
    from mediphi.synthesize import grounded

    root = tmp_path_factory.mktemp("prepared")
    ids = write_prepare(root, {"icd10cm": icd_rows, "pubmed": PUBMED})
    corpora = {c: {s: str(root / "prepare" / "corpora" / c / s) for s in ("train", "val", "eval")}
               for c in ("icd10cm", "pubmed")}
    records = grounded.load_records(corpora, {"icd10cm": "icd10cm", "pubmed": "pubmed"})
    rows = grounded.build_rows(records, 200, 0.3, seed=0, max_chars=1200)
    return ids, records, rows


def test_mediflow_rows_use_train_records_only(mediflow):
    ids, records, rows = mediflow
    train = ids["icd10cm"]["train"] | ids["pubmed"]["train"]
    held_out = {i for c in ids.values() for s in ("val", "eval") for i in c[s]}
    used = {r["doc_id"] for r in rows if r["doc_id"].split(":")[0] in ("icd10cm", "pubmed")}
    assert used and used <= train and not used & held_out
    assert {r.doc_id for r in records["icd10cm"] + records["pubmed"]} == train
    for r in rows:  # package rows: every drug or abbreviation a row names is a trainable one
        namespace, _, key = r["doc_id"].partition(":")
        if namespace in ("abbreviation", "drug"):
            assert all(trainable(namespace, k) for k in key.split("+")), r["doc_id"]


def test_mediflow_answers_come_from_their_record(mediflow):
    from mediphi.synthesize import schemas
    from mediphi.synthesize.taxonomy import DOCUMENT_TYPES, GROUNDED_DOCUMENT_TYPES, TASK_TYPES

    _, records, rows = mediflow
    by_id = {r.doc_id: r for r in records["icd10cm"] + records["pubmed"]}
    abbreviations = {a.doc_id: a for a in packages.abbreviations()}
    seen = set()
    for row in rows:
        assert row["status"] == KEPT, row
        assert row["task_type"] in TASK_TYPES and row["input_data"] in DOCUMENT_TYPES + GROUNDED_DOCUMENT_TYPES
        answer = json.loads(row["output"]) if row["output_format"] == "json" else row["output"]
        if isinstance(answer, dict):  # every JSON answer is valid under its task type's schema
            assert schemas.validate(row["task_type"], answer) == [], (row["task_type"], answer)
        record = by_id.get(row["doc_id"])
        if row["task_type"] == "icd10_coding":
            assert (answer["code"] if isinstance(answer, dict) else answer) == record.code
            assert record.description.lower() in row["input"].lower()
        elif row["task_type"] == "summarization" and "title" in row["instruction"]:
            assert (answer["summary"] if isinstance(answer, dict) else answer) == record.title
            assert record.title not in row["input"]
        elif row["task_type"] == "named_entity_recognition":
            headings = [e["text"] for e in answer["entities"]] if isinstance(answer, dict) else answer.split("; ")
            assert headings == list(record.mesh)
        elif row["task_type"] == "abbreviation_expansion":
            meanings = abbreviations[row["doc_id"]].meanings
            if isinstance(answer, dict):
                (expanded,) = answer["expansions"]
                assert [expanded["expansion"], *expanded["alternatives"]] == list(meanings)
            else:
                assert answer in meanings
        elif row["task_type"] == "medication_extraction":
            meds = [m["name"] for m in answer["medications"]] if isinstance(answer, dict) else answer.split(", ")
            assert meds == row["doc_id"].removeprefix("drug:").split("+")
            names = {d.name: d.canonical for d in sum(packages.drugs(), ())}
            named = {names[w.lower()] for w in re.findall(r"[A-Za-z]+", row["input"]) if w.lower() in names}
            assert set(meds) <= named
        seen.add(row["task_type"])
    assert {"icd10_coding", "summarization", "named_entity_recognition", "question_answering",
            "abbreviation_expansion", "medication_extraction", "text_classification"} <= seen
    n_json = sum(r["output_format"] == "json" for r in rows)
    assert n_json == round(0.3 * len(rows))


def _values(obj) -> str:
    if isinstance(obj, dict):
        return " ".join(_values(v) for v in obj.values())
    if isinstance(obj, list):
        return " ".join(_values(v) for v in obj)
    return str(obj)


def test_mediflow_rows_take_scores_and_rejected_answers():
    from mediphi.synthesize import finish, grounded

    rows = grounded.build_rows({"abbreviation": list(packages.abbreviations())[:50],
                                "drug": list(sum(packages.drugs(), ()))[:50], "brand": []}, 30, 0.3, 0, 1000)
    kept = 0
    for row in rows:
        scores = grounded.scores_by_construction(row["difficulty_level"])
        assert scores.pop("judge_spread") == 0.0  # no judge, no framings to disagree
        assert all(1.0 <= v <= 5.0 for v in scores.values())
        scores["judge_spread"] = 0.0
        done = finish({**row, **scores}, min_quality=4.0, seed=0)
        if done["status"] != KEPT:  # a one-word answer no rule can corrupt (a drug no look-alike list has)
            # (a JSON answer's words are its values': {"medications": [{"name": "x"}]} is one word)
            said = _values(json.loads(row["output"])) if row["output_format"] == "json" else row["output"]
            assert done["reason"] == "no_injectable_error" and len(re.findall(r"\w+", said)) <= 2
            continue
        kept += 1
        assert done["rejected_output"] != done["output"]  # a DPO pair, one error in
        if row["output_format"] == "json":
            json.loads(done["rejected_output"])
    assert kept >= 0.8 * len(rows)
    assert grounded.build_rows({"icd10cm": [], "pubmed": [], "abbreviation": list(packages.abbreviations())[:3]},
                               5, 0.0, 0, 1000)[0]["doc_id"].startswith("abbreviation:")


# ----------------------------------------------------------------------------- config
def test_config_grounded_kind_validates_and_typos_fail_with_the_path():
    cfg = RunConfig.from_dict({"pit": {"teacher": {"kind": "grounded"}, "grounded_per_doc": 6},
                               "synthesize": {"teacher": {"kind": "grounded"}}})
    assert cfg.pit.teacher.kind == "grounded" and cfg.pit.fallback_teacher.kind == "hf"
    assert teacher_for(cfg.pit, "icd10cm") is None and teacher_for(cfg.pit, "jsonl") == cfg.pit.fallback_teacher
    assert teacher_for(RunConfig().pit, "icd10cm") == RunConfig().pit.teacher  # an LLM teacher writes everything
    for data, path in (({"pit": {"teacher": {"kind": "grounde"}}}, "pit.teacher.kind"),
                       ({"synthesize": {"teacher": {"kind": "grunded"}}}, "synthesize.teacher.kind"),
                       ({"pit": {"fallback_teacher": {"kind": "grounded"}}}, "pit.fallback_teacher"),
                       ({"synthesize": {"judge": {"kind": "grounded"}}}, "synthesize.judge"),
                       ({"pit": {"grounded_per_doc": 0}}, "pit.grounded_per_doc")):
        with pytest.raises(ConfigError, match=rf"<config>: {re.escape(path)}: "):
            RunConfig.from_dict(data)


# ----------------------------------------------------------------------------- the pit stage on Ray
def test_pit_stage_grounded(ray_session, tmp_path, icd_rows):
    """icd10cm and pubmed from their fields; a jsonl corpus through the fallback LLM (the tiny Llama)."""
    from mediphi import pit

    notes = [{"doc_id": f"notes:n{i}", "corpus": "notes", "title": "", "text": f"Note {i}: fever and cough.",
              "meta": "{}"} for i in range(6)]
    config = RunConfig.load(Path(__file__).resolve().parents[1] / "configs" / "test.yaml", overrides=[
        f"run.run_dir={tmp_path / 'run'}", "pit.teacher.kind=grounded", "pit.grounded_per_doc=3",
        "pit.tasks=[qa, summary, relations]", "pit.fallback_teacher={kind: hf, batch_size: 8, max_new_tokens: 8}",
        "prepare.corpora=[{name: icd10cm, kind: icd10cm}, {name: pubmed, kind: pubmed},"
        f" {{name: notes, kind: jsonl, path: {tmp_path}}}]"])
    rd = RunDir(config.run.run_dir)
    ids = write_prepare(rd.root, {"icd10cm": icd_rows, "pubmed": PUBMED, "notes": notes})
    m = pit.run(config, rd)
    assert m["status"] == "complete"

    per = m["metrics"]["per_corpus"]
    assert {c: per[c]["teacher"] for c in per} == {"icd10cm": "grounded", "pubmed": "grounded",
                                                   "notes": "hf:base model"}
    for corpus in ("icd10cm", "pubmed"):
        c = m["counts"][corpus]
        assert c["docs"] == 4 and c["in"] == 4 * 3 and c["quarantined"] == 0
        data = pq.read_table(rd.output("pit", "task_data")[corpus])
        assert data.column_names == ["doc_id", "corpus", "task", "prompt", "response"]
        assert data.num_rows == c["rows"] > c["kept"]  # several phrasings per (document, task)
        assert set(data.column("doc_id").to_pylist()) == ids[corpus]["train"]
        for phase in ("phase1", "phase2"):
            rows = pq.read_table(rd.output("pit", phase)[corpus]).column("input_ids").to_pylist()
            assert rows and all(len(r) == config.pit.seq_len for r in rows)
            assert len(rows) == per[corpus][phase]["sequences"]
        assert per[corpus]["phase1"]["texts"] == c["rows"]
        assert per[corpus]["phase2"]["texts"] == c["rows"] + c["docs"]
    icd_data = pq.read_table(rd.output("pit", "task_data")["icd10cm"]).to_pylist()
    assert all(r["task"] in ("qa", "summary", "relations") for r in icd_data)
    assert m["counts"]["pubmed"]["filtered"] == 4  # no relation triples from MeSH headings
    assert per["pubmed"]["filter_reasons"] == {"no_relations": 4}
    assert m["counts"]["notes"]["in"] == 4 * 3 and m["counts"]["notes"]["rows"] == m["counts"]["notes"]["kept"]

    teachers = m["metrics"]["teachers"]
    assert teachers == {"grounded": m["counts"]["icd10cm"]["rows"] + m["counts"]["pubmed"]["rows"],
                        "hf:base model": m["counts"]["notes"]["rows"]}
    assert sum(m["metrics"]["tasks"].values()) == m["counts"]["rows"]
    card = Path(rd.output("pit", "data_card")).read_text()
    assert "| icd10cm | grounded | 4 |" in card and "| notes | hf:base model | 4 |" in card


def test_synthesize_stage_grounded(ray_session, tmp_path, icd_rows):
    """The synthesize stage with the grounded teacher: no model, scores by construction, DPO pairs."""
    from mediphi import synthesize
    from mediphi.synthesize import errors
    from mediphi.synthesize.taxonomy import JUDGE_CRITERIA

    config = RunConfig.load(Path(__file__).resolve().parents[1] / "configs" / "test.yaml", overrides=[
        f"run.run_dir={tmp_path / 'run'}", "synthesize.teacher={kind: grounded}", "synthesize.num_instructions=40"])
    rd = RunDir(config.run.run_dir)
    ids = write_prepare(rd.root, {"icd10cm": icd_rows, "pubmed": PUBMED})
    m = synthesize.run(config, rd)
    c = m["counts"]
    assert c["in"] == 40 == c["kept"] + c["filtered"] + c["quarantined"]
    # 40 rows from a handful of records repeat some: the repeats go as near-duplicates.
    reasons = m["metrics"]["filter_reasons"]
    assert set(reasons) <= {"no_injectable_error", "near_duplicate_instruction"}
    assert c["kept"] + reasons.get("near_duplicate_instruction", 0) >= 32
    filtered = pq.read_table(rd.output("synthesize", "filtered")).to_pandas()
    kept_rows = pq.read_table(rd.output("synthesize", "mediflow")).to_pandas()
    for r in filtered[filtered["reason"] == "near_duplicate_instruction"].itertuples():
        assert ((kept_rows["instruction"] == r.instruction) & (kept_rows["output"] == r.output)).any()
    assert m["metrics"]["teachers"] == {"grounded": c["kept"]} and m["metrics"]["scores_from"] == "construction"
    assert sum(m["metrics"]["sources"].values()) == c["kept"]
    assert set(m["metrics"]["sources"]) == {"icd10cm", "pubmed", "abbreviation", "drug"}

    flow = pq.read_table(rd.output("synthesize", "mediflow")).to_pandas()
    assert len(flow) == c["kept"] and (flow["quality"] == 5.0).all()
    assert all(flow[s].between(1.0, 5.0).all() for s in JUDGE_CRITERIA)
    corpus_rows = flow[flow["doc_id"].str.split(":").str[0].isin(["icd10cm", "pubmed"])]
    assert set(corpus_rows["doc_id"]) <= ids["icd10cm"]["train"] | ids["pubmed"]["train"]
    assert (flow["rejected_output"] != flow["output"]).all() and set(flow["error_type"]) <= set(errors.ERROR_TYPES)
    assert len(pq.read_table(rd.output("synthesize", "dpo"))) == math.ceil(config.synthesize.dpo_top_fraction * len(flow))
    # HF datasets loads each set from the stage directory (its README's configs), and the JSON lines
    from datasets import load_dataset

    stage_dir, cache = str(rd.root / "synthesize"), str(tmp_path / "hf_cache")
    for name in ("mediflow", "dpo"):
        published = pq.read_table(rd.output("synthesize", name)).to_pandas()
        loaded = load_dataset(stage_dir, name, split="train", cache_dir=cache).to_pandas()
        assert list(loaded.columns) == list(published.columns) and len(loaded) == len(published)
        assert sorted(loaded["prompt" if name == "dpo" else "instruction"]) == \
            sorted(published["prompt" if name == "dpo" else "instruction"])
    lines = load_dataset("json", data_files=f"{rd.output('synthesize', 'mediflow_jsonl')}/*.json", split="train",
                         cache_dir=cache).to_pandas()
    assert list(lines.columns) == list(flow.columns)
    key = ["instruction", "input", "output", "difficulty_level", "quality"]
    assert sorted(map(tuple, lines[key].values.tolist())) == sorted(map(tuple, flow[key].values.tolist()))
    card = Path(rd.output("synthesize", "data_card")).read_text()
    assert f"| grounded | all | all | {c['kept']} |" in card and "| grounded | icd10cm | icd10_coding |" in card
