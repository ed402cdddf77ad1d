"""The evaluate stage over a real serve stage: tiny models, a registered prepare artifact."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ICD = [  # (code, description): real ICD-10-CM entries
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("N39.0", "Urinary tract infection, site not specified"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("F32.9", "Major depressive disorder, single episode, unspecified"),
    ("M54.5", "Low back pain"),
    ("J18.9", "Pneumonia, unspecified organism"),
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("I48.91", "Unspecified atrial fibrillation"),
    ("R51.9", "Headache, unspecified"),
    ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus"),
]
ABSTRACT = ("Background: {t} was studied in a cohort of adult patients. Methods: we reviewed records "
            "and measured outcomes over twelve months. Results: outcomes improved. Conclusion: {t} matters.")
TITLES = ["Metformin adherence in older adults", "Asthma control after inhaler training",
          "Sepsis screening in the emergency department", "Statin use and muscle symptoms",
          "Blood pressure targets in chronic kidney disease", "Early mobilisation after hip fracture",
          "Depression screening in primary care"]


def _icd_doc(code: str, desc: str, split: str) -> dict:
    meta = {"code": code, "description": desc, "chapter": "", "block": "", "parent": ""}
    return {"doc_id": f"icd10cm:{code}", "corpus": "icd10cm", "title": desc, "text": f"{code}: {desc}",
            "meta": json.dumps(meta), "split": split}


def _pubmed_doc(i: int, title: str, split: str) -> dict:
    return {"doc_id": f"pubmed:{1000 + i}", "corpus": "pubmed", "title": title,
            "text": ABSTRACT.format(t=title.lower() or "this"), "meta": json.dumps({"pmid": str(1000 + i), "mesh": []}),
            "split": split}


def _write(rows: list[dict], path: Path) -> str:
    path.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), path / "part-0.parquet")
    return str(path)


@pytest.fixture(scope="module")
def evaluated(ray_session, tiny_llama, tiny_phi3, tmp_path_factory):
    """A run with registered prepare/experts/merge outputs, the real serve stage, then evaluate."""
    from ray import serve as ray_serve

    from mediphi import evaluate, serve
    from mediphi.config import RunConfig
    from mediphi.runs import RunDir, write_manifest

    root = tmp_path_factory.mktemp("evalrun")
    config = RunConfig.load(Path(__file__).resolve().parents[1] / "configs" / "test.yaml",
                            overrides=[f"run.run_dir={root / 'run'}"])
    rd = RunDir(config.run.run_dir)
    data = root / "data"
    # eval: 9 ICD docs (6 items at max_items=6), 4 PubMed docs, one without a title (not usable).
    splits = {
        "icd10cm": {"eval": [_icd_doc(c, d, "eval") for c, d in ICD[:9]],
                    "train": [_icd_doc(c, d, "train") for c, d in ICD[9:11]],
                    "val": [_icd_doc(c, d, "val") for c, d in ICD[11:]]},
        "pubmed": {"eval": [_pubmed_doc(i, t, "eval") for i, t in enumerate(TITLES[:3] + [""])],
                   "train": [_pubmed_doc(10 + i, t, "train") for i, t in enumerate(TITLES[3:6])],
                   "val": [_pubmed_doc(20, TITLES[6], "val")]},
    }
    corpora = {c: {s: _write(rows, data / c / s) for s, rows in parts.items()} for c, parts in splits.items()}
    write_manifest(rd, "prepare", {"corpora": corpora, "quarantine": str(data / "quarantine")})
    write_manifest(rd, "experts", {"experts": {"icd10cm": tiny_llama}})
    write_manifest(rd, "merge", {"per_expert": {"icd10cm": tiny_phi3}, "merged": tiny_phi3,
                                 "best_params": {}, "trials": str(data / "trials")})
    try:
        serve_manifest = serve.run(config, rd)
        again = serve.run(config, rd)
        manifest = evaluate.run(config, rd)
        yield {"config": config, "rd": rd, "splits": splits, "serve": serve_manifest, "serve_again": again,
               "manifest": manifest}
    finally:
        ray_serve.shutdown()  # other test modules share the cluster


def test_serve_stage_serves_every_model_of_the_run(evaluated, tiny_llama, tiny_phi3):
    m = evaluated["serve"]
    s = evaluated["config"].serve
    assert m["status"] == "complete"
    assert m["outputs"]["endpoint"] == f"http://{s.host}:{s.port}/v1"
    # The expert column is the expert SLERP-merged into the base (merge's per-expert output); the
    # PIT expert as trained is served too, as expert-<corpus>-raw.
    assert m["outputs"]["models"] == {"base": tiny_llama, "expert-icd10cm": tiny_phi3,
                                      "expert-icd10cm-raw": tiny_llama, "merged": tiny_phi3}
    # what it serves is declared: the complete manifests of the stages whose models it serves
    assert m["inputs"] == {s: evaluated["rd"].read_manifest(s)["hash"] for s in ("experts", "merge")}
    assert m["metrics"]["redeployed"] is True
    # Same models, same settings: the running app is kept, and the manifest (what evaluate pins) is unchanged.
    assert evaluated["serve_again"]["metrics"]["redeployed"] is False
    assert evaluated["serve_again"]["hash"] == m["hash"]


def test_the_page_and_its_report_routes(evaluated):
    """`/` is the page; /report/<file> hands out the run's evaluation report files by name only."""
    import httpx

    s = evaluated["config"].serve
    base = f"http://{s.host}:{s.port}"
    page = httpx.get(f"{base}/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/v1/chat/completions" in page.text and "/report/report.json" in page.text
    out = evaluated["rd"].stage_dir("evaluate")
    got = httpx.get(f"{base}/report/report.json", timeout=30)
    assert got.status_code == 200 and got.json() == json.loads((out / "report.json").read_text())
    assert httpx.get(f"{base}/report/report.png", timeout=30).content == (out / "report.png").read_bytes()
    for name in ("manifest.json", "..%2Fmanifest.json", "%2Fetc%2Fpasswd"):
        bad = httpx.get(f"{base}/report/{name}", timeout=30)
        assert bad.status_code == 404 and "error" in bad.json(), name


def test_the_page_in_chromium_lists_models_chats_and_shows_the_report(evaluated, tmp_path):
    """Headless Chromium (the system's, driven by Playwright): the page lists the served models, shows
    the report table, and a question sent from the chat box comes back streamed from the model."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    sync_api = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        pytest.skip("no chromium on this machine (scripts/setup.sh installs Debian's where apt-get can)")
    s = evaluated["config"].serve
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1300})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://{s.host}:{s.port}/")
            page.wait_for_selector("#report table", timeout=60_000)
            assert page.locator("#models li").all_inner_texts() == list(evaluated["serve"]["outputs"]["models"])
            assert not page.is_visible("#keyrow")  # no key asked: this app has none
            rows = page.locator("#report table tr").all_inner_texts()
            assert len(rows) == 1 + len(TASKS) and all(any(t in r for r in rows) for t in TASKS)
            page.select_option("#model", "merged")
            page.fill("#maxtok", "8")
            page.fill("#prompt", "What does ICD-10-CM code E11.9 describe?")
            page.click("#send")
            answer = page.locator("#log .assistant").first
            page.wait_for_function("() => !document.getElementById('send').disabled", timeout=120_000)
            assert answer.inner_text().startswith("merged: ") and len(answer.inner_text()) > len("merged: ")
            assert "error" not in (answer.get_attribute("class") or "") and errors == []
            shot = page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
            assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        finally:
            browser.close()


TASKS = ("icd10cm_mc_hard", "icd10cm_coding", "medication_extraction", "pubmed_title")


def test_report_files_scores_and_intervals(evaluated):
    m = evaluated["manifest"]
    assert m["status"] == "complete"
    out = evaluated["rd"].stage_dir("evaluate")
    report = json.loads((out / "report.json").read_text())
    for name in ("report.json", "report.md", "report.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # raw_experts is not among evaluate.models by default: the paper's columns only.
    assert list(report["results"]) == ["base", "expert-icd10cm", "merged"]
    assert list(report["tasks"]) == list(TASKS)
    assert report["tasks"]["icd10cm_mc_hard"]["baseline"] == 0.25
    assert report["tasks"]["icd10cm_mc_hard"]["metric"] == "acc_ll"
    for model, row in report["results"].items():
        for task, cell in row.items():
            iv = cell["score"]
            assert 0.0 <= iv["low"] <= iv["mean"] <= iv["high"] <= 1.0
            if task != "Average":
                assert iv["n"] == report["tasks"][task]["n"]
                lines = (out / "predictions" / model / f"{task}.jsonl").read_text().splitlines()
                values = [json.loads(x)[report["tasks"][task]["metric"]] for x in lines]
                assert iv["mean"] == pytest.approx(sum(values) / len(values), abs=1e-6)
        assert row["Average"]["score"]["mean"] == pytest.approx(
            sum(row[t]["score"]["mean"] for t in TASKS) / len(TASKS), abs=1e-5)
    assert all(c["rel_gain_pct"] == 0.0 and "diff_vs_base" not in c for c in report["results"]["base"].values())
    # The expert and the merged model are the same weights here: the same scores, the same gain.
    assert report["results"]["expert-icd10cm"] == report["results"]["merged"]
    assert m["metrics"]["base"] == {t: c["score"]["mean"] for t, c in report["results"]["base"].items()}


def test_markdown_tables_match_report_json(evaluated):
    out = evaluated["rd"].stage_dir("evaluate")
    report = json.loads((out / "report.json").read_text())
    models = list(report["results"])
    scores, diffs = {}, {}
    for line in (out / "report.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].split(" (")[0].strip("*")
        if name in report["tasks"] or name == "Average":  # scores, then differences, then the task list
            if name not in scores:
                scores[name] = cells
            elif name not in diffs:
                diffs[name] = cells
    assert list(scores) == list(report["tasks"]) + ["Average"] and list(diffs) == list(scores)
    for task, cells in scores.items():
        for model, cell in zip(models, cells[2:]):
            iv = report["results"][model][task]["score"]
            mean, low, high = map(float, re.fullmatch(r"([\d.]+) \[([\d.]+), ([\d.]+)\]", cell).groups())
            assert (mean, low, high) == pytest.approx((iv["mean"], iv["low"], iv["high"]), abs=6e-4)
    for task, cells in diffs.items():
        for model, cell in zip(models[1:], cells[1:]):
            c = report["results"][model][task]
            mean = float(re.match(r"([+-][\d.]+) ", cell).group(1))
            assert mean == pytest.approx(c["diff_vs_base"]["mean"], abs=6e-4)
            assert cell.endswith(" noise") == (not c["significant"])


def test_items_saved_and_scored_for_every_model(evaluated):
    m = evaluated["manifest"]
    out = evaluated["rd"].stage_dir("evaluate")
    for task in TASKS:
        items = [json.loads(x) for x in (out / "items" / f"{task}.jsonl").read_text().splitlines()]
        assert m["counts"][task] == {"items": len(items)} and 0 < len(items) <= 6  # max_items=6
        for model in ("base", "expert-icd10cm", "merged"):
            recs = [json.loads(x) for x in (out / "predictions" / model / f"{task}.jsonl").read_text().splitlines()]
            assert [r["id"] for r in recs] == [it["id"] for it in items]
    # Multiple choice is scored both ways: log-likelihood over the options and the generated answer.
    rec = json.loads((out / "predictions" / "base" / "icd10cm_mc_hard.jsonl").read_text().splitlines()[0])
    assert {"acc_ll", "acc_ll_norm", "acc_generated", "prediction", "loglikelihoods"} <= set(rec)


def test_items_come_from_the_eval_split_only(evaluated):
    splits = evaluated["splits"]
    eval_ids = {d["doc_id"] for c in splits.values() for d in c["eval"]}
    held_out = {d["doc_id"] for c in splits.values() for s in ("train", "val") for d in c[s]}
    eval_codes = {json.loads(d["meta"])["code"] for d in splits["icd10cm"]["eval"]}
    out = evaluated["rd"].stage_dir("evaluate")
    for task in ("icd10cm_mc_hard", "icd10cm_coding"):
        for it in map(json.loads, (out / "items" / f"{task}.jsonl").read_text().splitlines()):
            assert it["id"] in eval_codes
    for it in map(json.loads, (out / "items" / "pubmed_title.jsonl").read_text().splitlines()):
        assert it["id"] in eval_ids and it["id"] not in held_out


def test_resumes_per_model_and_task(evaluated):
    """A run that died after some (model, task) pairs redoes only the missing ones."""
    from mediphi import evaluate
    from mediphi.runs import write_json_atomic

    rd, out = evaluated["rd"], evaluated["rd"].stage_dir("evaluate")
    before = json.loads((out / "report.json").read_text())
    manifest = rd.read_manifest("evaluate")
    write_json_atomic(out / "manifest.json", {**manifest, "status": "running"})
    (out / ".done" / "merged.pubmed_title.json").unlink()
    again = evaluate.run(evaluated["config"], rd)
    assert again["resumed"] is True
    assert [k for k in again["timings"] if "." in k] == ["merged.pubmed_title"]
    after = json.loads((out / "report.json").read_text())
    assert after["results"] == before["results"]  # greedy decoding: the redone pair scores the same


STUDIED = ["A01.02", "B20", "C50.911", "E10.9", "G40.909", "I21.4", "J44.1", "K35.80", "L40.0", "M17.11",
           "N18.4", "O24.410", "R07.9", "S72.001A", "Z79.4", "D50.9"]


def test_knowledge_items_ask_about_studied_codes_and_experts_answer_their_domain(evaluated, tmp_path):
    """icd10cm_mc_studied asks about the train documents PIT turned into task data (not the other
    train documents); with expert_tasks own_domain the ICD expert answers only ICD tasks."""
    import simple_icd_10_cm as cm

    from mediphi import evaluate
    from mediphi.runs import RunDir, write_manifest

    config = evaluated["config"].model_copy(deep=True)
    config.run.run_dir = str(tmp_path / "run")
    config.evaluate.tasks = ["icd10cm_mc_studied", "pubmed_title"]
    config.evaluate.expert_tasks = "own_domain"
    config.evaluate.mc_scoring = ["loglikelihood"]
    config.evaluate.max_items = 20
    rd = RunDir(config.run.run_dir)
    train = [_icd_doc(c, cm.get_description(c), "train") for c in STUDIED]
    studied = {d["doc_id"] for d in train[:12]}  # the last four train documents PIT did not use
    corpora = {"icd10cm": {"train": _write(train, tmp_path / "icd" / "train"),
                           "eval": _write([_icd_doc(*ICD[0], "eval")], tmp_path / "icd" / "eval")},
               "pubmed": {"eval": _write([_pubmed_doc(i, t, "eval") for i, t in enumerate(TITLES)],
                                         tmp_path / "pubmed" / "eval")}}
    task_data = tmp_path / "pit" / "icd10cm"
    _write([{"doc_id": d, "corpus": "icd10cm", "task": "qa", "prompt": "q", "response": "a"} for d in sorted(studied)],
           task_data)
    write_manifest(rd, "prepare", {"corpora": corpora, "quarantine": str(tmp_path / "q")})
    write_manifest(rd, "pit", {"task_data": {"icd10cm": str(task_data)}})
    write_manifest(rd, "serve", evaluated["serve"]["outputs"])
    evaluate.run(config, rd)

    out = rd.stage_dir("evaluate")
    items = [json.loads(x) for x in (out / "items" / "icd10cm_mc_studied.jsonl").read_text().splitlines()]
    assert items and {f"icd10cm:{it['code']}" for it in items} <= studied
    assert (out / "predictions" / "expert-icd10cm" / "icd10cm_mc_studied.jsonl").is_file()
    assert not (out / "predictions" / "expert-icd10cm" / "pubmed_title.jsonl").exists()
    assert (out / "predictions" / "merged" / "pubmed_title.jsonl").is_file()
    report = json.loads((out / "report.json").read_text())
    assert set(report["results"]["expert-icd10cm"]) == {"icd10cm_mc_studied"}
    assert report["tasks"]["icd10cm_mc_studied"]["tests"] == "knowledge"
    assert report["effect"]["experts"]["icd10cm"]["tasks"] == ["icd10cm_mc_studied"]


def test_a_dead_endpoint_fails_fast_with_the_fix(tiny_config, tiny_llama, tmp_path):
    """evaluate.endpoint overrides the run's endpoint; one that does not answer is named with the fix."""
    from mediphi import evaluate
    from mediphi.runs import MissingInputError, write_manifest

    rd = tiny_config.run.run_dir
    corpora = {"pubmed": {s: _write([_pubmed_doc(i, TITLES[i], s)], tmp_path / s) for i, s in
                          enumerate(("train", "val", "eval"))}}
    write_manifest(rd, "prepare", {"corpora": corpora, "quarantine": str(tmp_path / "q")})
    write_manifest(rd, "serve", {"endpoint": "http://127.0.0.1:8123/v1", "models": {"base": tiny_llama}})
    tiny_config.evaluate.endpoint = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    with pytest.raises(MissingInputError, match=r"127\.0\.0\.1:9/v1 does not answer.*mediphi serve --block"):
        evaluate.run(tiny_config, rd)
