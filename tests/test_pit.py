"""pit: teacher task data, the two PIT phases packed to seq_len, quarantine, counts, resume."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mediphi.pit.tasks import FILTERED, KEPT, QUARANTINED, TASKS
from mediphi.runs import RunDir, write_manifest

PUBMED = [
    ("399296", "Monitoring of bacteriological contamination of carcase surfaces.",
     "Two hundred and sixty nine beef, 230 sheep and 165 pig carcase surfaces were examined "
     "bacteriologically. Direct and indirect contact examination techniques were utilised. Colony counts "
     "per cm2 were expressed in geometric progression."),
    ("399298", "The prevalence of Encephalitozoon antibodies in dogs.",
     "Fifteen dogs which were serologically negative to the IFA test against Encephalitozoon developed "
     "antibodies in their sera following experimental infection. Antibodies first appeared between 32 and "
     "39 days after infection."),
    ("399301", "Effect of sodium azide on the ultrastructural preservation of tissues.",
     "Sodium azide added to glutaraldehyde fixative enhanced the preservation of mitochondria in "
     "parenchymatous tissues examined by electron microscopy."),
    ("399305", "Electron microscopic appearances of rapidly frozen lung.",
     "Rapid freezing of lung tissue preserved the relationship between airway and vascular pressures "
     "better than standard post-mortem fixation."),
    ("399310", "Irradiation effects in electron microprobe quantitation of mineralized tissues.",
     "Electron beam irradiation caused mass loss in bone and dentine sections during microprobe "
     "analysis of calcium and phosphorus."),
    ("399320", "Multiple clear cell acanthoma in a patient with psoriasis.",
     "A patient with psoriasis developed multiple clear cell acanthomas on the legs, which regressed "
     "after topical treatment with 5-fluorouracil."),
]
ICD = [
    ("A01.0", "Typhoid fever", "A01.0 Typhoid fever. Includes: infection due to Salmonella typhi."),
    ("E11.9", "Type 2 diabetes mellitus without complications",
     "E11.9 Type 2 diabetes mellitus without complications. Category E11: Type 2 diabetes mellitus."),
    ("I21.0", "ST elevation myocardial infarction of anterior wall",
     "I21.0 ST elevation (STEMI) myocardial infarction of anterior wall. Category I21: acute myocardial "
     "infarction."),
    ("J45.909", "Unspecified asthma, uncomplicated", "J45.909 Unspecified asthma, uncomplicated. Asthma NOS."),
    ("K35.80", "Unspecified acute appendicitis", "K35.80 Unspecified acute appendicitis. Acute appendicitis NOS."),
    ("N39.0", "Urinary tract infection, site not specified",
     "N39.0 Urinary tract infection, site not specified. Use an additional code to identify the organism."),
]
# The last two documents of each corpus are held out: val and eval must never reach pit.
SPLITS = ["train", "train", "train", "train", "val", "eval"]


def write_prepare(run_dir: Path, corpora: dict[str, list[tuple[str, str, str]]]) -> dict[str, dict[str, list]]:
    """A prepare artifact as the prepare stage writes it, registered with a manifest."""
    out, docs = run_dir / "prepare", {}
    paths: dict[str, dict[str, str]] = {}
    for corpus, rows in corpora.items():
        docs[corpus] = {}
        paths[corpus] = {}
        for split in ("train", "val", "eval"):
            part = [(f"{corpus}:{sid}", title, text) for (sid, title, text), s in zip(rows, SPLITS) if s == split]
            docs[corpus][split] = part
            d = out / "corpora" / corpus / split
            d.mkdir(parents=True)
            pq.write_table(pa.table({
                "doc_id": [p[0] for p in part], "corpus": [corpus] * len(part), "title": [p[1] for p in part],
                "text": [p[2] for p in part], "meta": [json.dumps({"id": p[0]}) for p in part],
                "split": [split] * len(part)}), d / "part-0.parquet")
            paths[corpus][split] = str(d)
    (out / "quarantine").mkdir(parents=True)
    write_manifest(run_dir, "prepare", outputs={"corpora": paths, "quarantine": str(out / "quarantine")})
    return docs


def read(path: str) -> pa.Table:
    return pq.read_table(path)


# ----------------------------------------------------------------------------- parse registry
DOC = ("Typhoid fever is an infection due to Salmonella typhi. It is treated with azithromycin or "
       "ceftriaxone for two weeks and causes fever and abdominal pain.")


@pytest.mark.parametrize("task,reply,status,reason,expect", [
    ("qa", "Question: What bacterium causes typhoid fever?\nAnswer: Salmonella typhi.", KEPT, "",
     ("What bacterium causes typhoid fever?", "Salmonella typhi.")),
    # markdown, the answer on its own line, a second sentence cut off by max_new_tokens
    ("qa", "**Question:** Which drugs treat typhoid fever?\n**Answer:**\nAzithromycin or ceftriaxone. "
           "These are given for", KEPT, "", ("Which drugs treat typhoid fever?", "Azithromycin or ceftriaxone.")),
    ("qa", "Q: What infection is typhoid fever?\nA: An infection due to Salmonella typhi.\n\nQ: Another?",
     KEPT, "", ("What infection is typhoid fever?", "An infection due to Salmonella typhi.")),
    # no labels at all: the first question and what follows it
    ("qa", "What causes typhoid fever? It is caused by Salmonella typhi.", KEPT, "",
     ("What causes typhoid fever?", "It is caused by Salmonella typhi.")),
    ("qa", "", QUARANTINED, "empty", None),
    ("qa", "Typhoid fever is a disease.", QUARANTINED, "no_question", None),
    ("qa", "Question: What causes typhoid fever?\nAnswer:", QUARANTINED, "no_answer", None),
    ("qa", "fever fever fever fever fever fever fever fever fever fever fever fever", QUARANTINED, "degenerate", None),
    ("qa", "Question: What does the text describe?\nAnswer: Typhoid fever.", FILTERED, "question_refers_to_text", None),
    ("qa", "Question: What is the capital of France?\nAnswer: Paris.", FILTERED, "answer_not_grounded", None),
    # numbers are grounded spelled out or in digits: the document says "two" (weeks), the answer 2
    ("qa", "Question: How long is typhoid fever treated with azithromycin in weeks?\nAnswer: 2", KEPT, "",
     ("How long is typhoid fever treated with azithromycin in weeks?", "2")),
    ("qa", "Question: How long is typhoid fever treated with azithromycin in weeks?\nAnswer: 3", FILTERED,
     "answer_not_grounded", None),
    ("summary", "Summary: Typhoid fever, caused by Salmonella typhi, is treated with antibiotics. It causes",
     KEPT, "", (None, "Typhoid fever, caused by Salmonella typhi, is treated with antibiotics.")),
    ("summary", "Short.", QUARANTINED, "too_short", None),
    ("summary", "Typhoid fever is an infection due to Salmonella typhi.", FILTERED, "copies_document", None),
    ("summary", "The weather in Paris was sunny all week long.", FILTERED, "not_grounded", None),
    ("entities", "- Disease: Typhoid fever\n- Salmonella typhi\n- aspirin\n- Salmonella typhi", KEPT, "",
     (None, "- Typhoid fever\n- Salmonella typhi")),
    ("entities", "azithromycin, ceftriaxone, fever", KEPT, "", (None, "- azithromycin\n- ceftriaxone\n- fever")),
    ("entities", "- aspirin\n- ibuprofen", FILTERED, "not_grounded", None),
    ("relations", "1. Salmonella typhi | causes | typhoid fever\n2. azithromycin -> treats -> typhoid fever\n"
                  "3. not a triple", KEPT, "",
     (None, "Salmonella typhi | causes | typhoid fever\nazithromycin | treats | typhoid fever")),
    ("relations", "Salmonella typhi causes typhoid fever.", QUARANTINED, "no_triples", None),
    ("relations", "aspirin | treats | headache", FILTERED, "not_grounded", None),
])
def test_parse_registry(task, reply, status, reason, expect):
    t = TASKS[task]
    parsed = t.parse(reply, DOC)
    assert (parsed.status, parsed.reason) == (status, reason)
    if expect:
        prompt, response = t.training_pair(parsed, DOC)
        assert response == expect[1]
        if task == "qa":  # closed-book: the question alone is the prompt
            assert prompt == expect[0]
        else:  # document-grounded tasks show the document
            assert prompt.endswith("\n\n" + DOC)


# ----------------------------------------------------------------------------- the stage
def test_pit_stage_tiny_teacher(ray_session, tiny_config, tiny_llama):
    from mediphi import pit
    from mediphi.models import load_tokenizer

    rd = RunDir(tiny_config.run.run_dir)
    docs = write_prepare(rd.root, {"pubmed": PUBMED, "icd10cm": ICD})
    cfg = tiny_config.pit
    m = pit.run(tiny_config, rd)
    assert m["status"] == "complete"

    n_pairs = 0
    tok = load_tokenizer(tiny_llama)
    for corpus, splits in docs.items():
        train_ids = {d[0] for d in splits["train"]}
        held_out = [d for s in ("val", "eval") for d in splits[s]]
        c = m["counts"][corpus]
        assert c["docs"] == len(train_ids) == 4  # val and eval documents are never used
        assert c["in"] == c["docs"] * len(cfg.tasks) == c["kept"] + c["filtered"] + c["quarantined"]
        n_pairs += c["in"]

        task_data = read(rd.output("pit", "task_data")[corpus])
        assert task_data.column_names == ["doc_id", "corpus", "task", "prompt", "response"]
        assert task_data.num_rows == c["kept"]
        assert set(task_data.column("doc_id").to_pylist()) <= train_ids
        assert all(r["prompt"] and r["response"] for r in task_data.to_pylist())

        # The random teacher writes no "Question:/Answer:" pairs: they are quarantined, with reasons.
        quarantine = read(str(Path(rd.output("pit", "quarantine")) / corpus))
        assert quarantine.num_rows == c["quarantined"] > 0
        assert set(quarantine.column("doc_id").to_pylist()) <= train_ids
        assert all(quarantine.column("reason").to_pylist())

        phases = {}
        for phase in ("phase1", "phase2"):
            table = read(rd.output("pit", phase)[corpus])
            assert table.schema.field("input_ids").type == pa.list_(pa.int32())
            rows = table.column("input_ids").to_pylist()
            assert all(len(r) == cfg.seq_len for r in rows)  # packed: exactly seq_len, every row
            stats = m["metrics"]["per_corpus"][corpus][phase]
            assert len(rows) == stats["sequences"]
            phases[phase] = (rows, stats)
        assert phases["phase2"][1]["tokens"] > phases["phase1"][1]["tokens"]  # the documents were added
        assert phases["phase2"][1]["texts"] == phases["phase1"][1]["texts"] + len(train_ids)
        phase2_text = tok.decode([t for r in phases["phase2"][0] for t in r])
        assert any(text in phase2_text for _, _, text in splits["train"])
        assert not any(text in phase2_text for _, _, text in held_out)
        # the validation rows: the val documents, whole, loss on every token; no train or eval text
        val = read(rd.output("pit", "val")[corpus])
        assert val.num_rows == m["metrics"]["per_corpus"][corpus]["val"]["sequences"] > 0
        assert all(len(r) == cfg.seq_len for r in val.column("input_ids").to_pylist())
        val_text = tok.decode([t for r in val.column("input_ids").to_pylist() for t in r])
        assert all(text[:40] in val_text for _, _, text in splits["val"])
        assert not any(text in val_text for _, _, text in splits["train"] + splits["eval"])

    assert m["counts"]["in"] == n_pairs
    assert sum(m["metrics"]["quarantine_reasons"].values()) == m["counts"]["quarantined"]
    assert sum(m["metrics"]["tasks"].values()) == m["counts"]["kept"]

    # Up to date: skipped. Then a run that died after its corpora finished: resumed, nothing redone.
    assert pit.run(tiny_config, rd)["finished_at"] == m["finished_at"]
    manifest = rd.stage_dir("pit") / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "status": "running"}))
    again = pit.run(tiny_config, rd)
    assert again["resumed"] and again["counts"] == m["counts"]
    assert not set(again["timings"]) & set(docs)  # no corpus was processed again


def test_pit_smollm2_teacher_writes_qa(ray_session, tmp_path, smollm2):
    """The real embedded model as teacher: closed-book QA pairs come out of its replies."""
    from mediphi import pit
    from mediphi.config import RunConfig

    config = RunConfig.load(Path(__file__).resolve().parents[1] / "configs" / "test.yaml", overrides=[
        f"run.run_dir={tmp_path / 'run'}", f"model.base={smollm2}", "pit.tasks=[qa]",
        "pit.max_docs_per_corpus=2", "pit.teacher.max_new_tokens=40"])
    rd = RunDir(config.run.run_dir)
    write_prepare(rd.root, {"pubmed": PUBMED})
    m = pit.run(config, rd)
    assert m["counts"]["in"] == 2
    rows = read(rd.output("pit", "task_data")["pubmed"]).to_pylist()
    assert rows, m["metrics"]
    for r in rows:
        assert r["task"] == "qa" and r["doc_id"].startswith("pubmed:")
        assert len(r["prompt"].split()) >= 3 and r["response"].strip()
        assert "Question:" not in r["prompt"] and "Answer:" not in r["response"]
