"""Offline evaluation tasks, the bootstrap statistics and the task registry (no Ray, no model)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mediphi.evaluate.tasks import LoadContext, all_tasks, get_task
from mediphi.heldout import split_of


@pytest.fixture(scope="module")
def icd_docs():
    """Eval-split documents as prepare writes them, for 120 real codes across the tabular list."""
    from mediphi.prepare.sources import icd_document, icd_leaf_codes

    return [dict(icd_document(c), doc_id=f"icd10cm:{c}", split="eval") for c in icd_leaf_codes(120)]


def _load(name, docs=(), split="test", max_items=50, **kw):
    ctx = LoadContext(task=name, max_items=max_items, split=split, docs=lambda kind: list(docs), **kw)
    return get_task(name).load(ctx)


# ----------------------------------------------------------------------------- registry and config
def test_registry_matches_the_catalog_and_lists_clue_plus():
    from mediphi.catalog import EVAL_TASKS

    tasks = all_tasks()
    assert set(tasks) == set(EVAL_TASKS)
    suites = {}
    for t in tasks.values():
        suites.setdefault(t.suite, []).append(t.name)
    assert len(suites["CLUE"]) == 6 and len(suites["CLUE+"]) == 6 and len(suites["offline"]) >= 5


def test_config_validates_names_without_importing_any_stage():
    code = ("import sys; from mediphi.config import RunConfig; RunConfig.from_dict({'evaluate': {'tasks': "
            "['mednli']}, 'merge': {'multi_method': 'ties'}}); "
            "print([m for m in sys.modules if m.startswith(('mediphi.evaluate', 'mediphi.merge'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_task_names_fail_at_config_load():
    from mediphi.config import ConfigError, RunConfig

    with pytest.raises(ConfigError, match=r"evaluate\.tasks.*unknown evaluation task 'medlni'"):
        RunConfig.from_dict({"evaluate": {"tasks": ["medlni"]}})
    with pytest.raises(ConfigError, match=r"evaluate\.data.*unknown evaluation task 'nope'"):
        RunConfig.from_dict({"evaluate": {"data": {"nope": "x.jsonl"}}})


# ----------------------------------------------------------------------------- ICD-10-CM multiple choice
def test_icd_mc_items_follow_medconceptsqa(icd_docs):
    import simple_icd_10_cm as cm

    from mediphi.evaluate.offline import codes_at_distance

    eval_codes = {json.loads(d["meta"])["code"] for d in icd_docs}
    for level, distances in (("easy", None), ("medium", (3, 4, 5)), ("hard", (2,))):
        items = _load(f"icd10cm_mc_{level}", icd_docs)
        assert len(items) >= 20
        for it in items:
            assert it["id"] in eval_codes
            q = it["messages"][-1]["content"]
            assert q.startswith(f"What is the description of the medical code {it['code']} in ICD10CM?\nA. ")
            # The answer is the code's own description, at the gold position; options are distinct.
            assert it["options"][it["gold"]] == cm.get_description(it["code"]).strip()
            assert it["option_codes"][it["gold"]] == it["code"]
            assert len({o.lower() for o in it["options"]}) == 4
            if distances:
                near = set(codes_at_distance(it["code"], distances))
                assert all(c in near for c in it["option_codes"] if c != it["code"])
    hard = _load("icd10cm_mc_hard", icd_docs)[0]
    # Two edges away in the tree: a sibling (same parent) or the grandparent.
    for c in hard["option_codes"]:
        if c != hard["code"]:
            assert cm.get_parent(c) == cm.get_parent(hard["code"]) or c == cm.get_parent(cm.get_parent(hard["code"]))


def test_icd_mc_studied_asks_about_studied_codes_never_in_training_words():
    """The knowledge test asks MedConceptsQA's question about codes PIT taught (train documents);
    no grounded training example, PIT or MediFlow, asks that question or shows its options."""
    import numpy as np

    from mediphi.grounded import icd
    from mediphi.pit.grounded import grounded_rows
    from mediphi.synthesize.grounded import BUILDERS
    from mediphi.prepare.sources import icd_document, icd_leaf_codes

    studied = [dict(icd_document(c), doc_id=f"icd10cm:{c}", corpus="icd10cm", split="train")
               for c in icd_leaf_codes(90)]
    items = _load("icd10cm_mc_studied", studied=lambda kind: studied if kind == "icd10cm" else [])
    codes = {json.loads(d["meta"])["code"] for d in studied}
    assert len(items) >= 20 and {it["code"] for it in items} <= codes
    assert _load("icd10cm_mc_studied") == []  # nothing studied, nothing asked
    training = [r["prompt"] + "\n" + r["response"] for d in studied
                for r in grounded_rows(d, "icd10cm", ["qa", "summary", "entities", "relations"], per_doc=64,
                                       doc_max_chars=4000, seed=0)]
    rng = np.random.default_rng(0)
    training += [f"{ex.instruction}\n{ex.input}\n{ex.output}" for d in studied for b in BUILDERS
                 if b.source == "icd10cm" and (ex := b.build(icd.parse(d), rng, 4000)) is not None]
    assert training and not any("medical code" in t or "\nA. " in t for t in training)
    for it in items:
        question = it["messages"][-1]["content"]
        assert all(question.split("\n")[0] not in t for t in training)


def test_offline_splits_are_disjoint_and_stable(icd_docs):
    for name in ("icd10cm_mc_medium", "icd10cm_coding", "abbreviation_expansion", "medication_extraction"):
        test = _load(name, icd_docs)
        val = _load(name, icd_docs, split="validation")
        assert test and val
        assert not {i["id"] for i in test} & {i["id"] for i in val}
        assert not {json.dumps(i["messages"]) for i in test} & {json.dumps(i["messages"]) for i in val}
        assert _load(name, icd_docs) == test  # same items, same options, every run
        assert len({i["id"] for i in test}) == len(test)


def test_package_data_items_are_never_trainable():
    from mediphi.evaluate.offline import _drugs
    from mediphi.heldout import trainable

    canon, _ = _drugs()
    for split in ("test", "validation"):
        for it in _load("abbreviation_expansion", split=split, max_items=300):
            assert split_of("abbreviation", it["id"]) == split and not trainable("abbreviation", it["id"])
        for it in _load("medication_extraction", split=split, max_items=100):
            assert all(split_of("drug", d) == split and not trainable("drug", d) for d in it["drugs"])


def test_heldout_shares():
    from mediphi.heldout import split_of

    counts = {}
    for i in range(5000):
        s = split_of("ns", str(i))
        counts[s] = counts.get(s, 0) + 1
    assert abs(counts["train"] / 5000 - 0.5) < 0.03 and abs(counts["validation"] / 5000 - 0.1) < 0.02
    assert {split_of("ns", str(i), train=0.0) for i in range(200)} == {"validation", "test"}
    with pytest.raises(ValueError):
        split_of("ns", "k", train=0.7, validation=0.3)


def test_distractors_do_not_depend_on_which_codes_are_in_the_split(icd_docs):
    full = {it["id"]: it for it in _load("icd10cm_mc_hard", icd_docs, max_items=1000)}
    half = {it["id"]: it for it in _load("icd10cm_mc_hard", icd_docs[::2], max_items=1000)}
    assert half and all(full[k] == v for k, v in half.items())


@pytest.mark.parametrize("text,expected", [
    ("B", 1), ("B. Low back pain", 1), ("(C) something", 2), ("Answer: D", 3), ("The answer is A.", 0),
    ("It is essential (primary) hypertension", 0),  # no letter: the one option it quotes
    ("a", 0),  # a lone lowercase letter is a letter
    ("a patient with low back pain or headache", None),  # quotes two options: no single answer
    ("", None), ("I do not know", None),
])
def test_parse_choice(text, expected):
    from mediphi.evaluate.offline import parse_choice

    options = ["Essential (primary) hypertension", "Low back pain", "Headache", "Unspecified asthma"]
    assert parse_choice(text, options) == expected


# ----------------------------------------------------------------------------- other offline tasks
def test_icd_coding_items_and_scores(icd_docs):
    task = get_task("icd10cm_coding")
    items = _load("icd10cm_coding", icd_docs)
    it = items[0]
    assert it["codes"] == [it["id"].replace(".", "")]
    desc = json.loads(next(d for d in icd_docs if d["doc_id"] == f"icd10cm:{it['id']}")["meta"])["description"]
    assert desc.lower()[:20] in it["messages"][-1]["content"].lower()
    assert task.metric_fn(f"The code is {it['id']}.", it)["icd_em_f1"] == 1.0
    assert task.metric_fn("no code here", it)["icd_em_f1"] == 0.0


def test_abbreviation_items_and_token_f1():
    from mediphi.evaluate.offline import token_f1
    from mediphi.package_data import abbreviations

    table = abbreviations()
    items = _load("abbreviation_expansion", max_items=100)
    assert len(items) == 100
    for it in items:
        assert table[it["id"]] == it["meanings"] and it["id"] in it["messages"][-1]["content"]
    task = get_task("abbreviation_expansion")
    it = {"meanings": ["congestive heart failure", "chronic heart failure"]}
    assert task.metric_fn("Congestive heart failure.", it) == {"token_f1": 1.0, "exact_match": 1.0}
    # "heart failure" vs "congestive heart failure": P = 2/2, R = 2/3, F1 = 0.8
    assert task.metric_fn("heart failure\nmore text", it)["token_f1"] == pytest.approx(0.8)
    assert token_f1("the aorta", "aorta") == 1.0  # articles and case do not count


def test_medication_items_name_their_drugs_and_invalid_json_scores_zero():
    task = get_task("medication_extraction")
    items = _load("medication_extraction", max_items=60)
    assert len(items) == 60
    for it in items:
        assert it["messages"][-1]["content"] == it["text"]
        assert 1 <= len(it["drugs"]) <= 3
    it = {"drugs": ["metformin", "lisinopril"]}
    assert task.metric_fn('{"medications": ["Metformin", "lisinopril"]}', it)["f1"] == 1.0
    # A brand name counts as its generic: Glucophage is metformin.
    one = task.metric_fn('Sure: {"medications": ["glucophage"]} done', it)
    assert (one["precision"], one["recall"], one["f1"], one["json_valid"]) == pytest.approx((1.0, 0.5, 2 / 3, 1.0))
    for bad in ('["metformin"]', '{"medications": "metformin"}', "{medications: [metformin]}", "metformin"):
        assert task.metric_fn(bad, it) == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "json_valid": 0.0}


def test_pubmed_title_items_come_from_the_docs_given():
    docs = [{"doc_id": f"pubmed:{i}", "title": f"Title {i}", "text": f"Abstract {i} text.", "split": "eval"}
            for i in range(40)] + [{"doc_id": "pubmed:x", "title": "", "text": "no title", "split": "eval"}]
    items = _load("pubmed_title", docs) + _load("pubmed_title", docs, split="validation")
    assert sorted(i["id"] for i in items) == sorted(f"pubmed:{i}" for i in range(40))
    assert all(i["reference"] == f"Title {i['id'].split(':')[1]}" for i in items)


# ----------------------------------------------------------------------------- statistics
def test_bootstrap_interval_brackets_the_mean_and_narrows_with_n():
    from mediphi.evaluate.stats import bootstrap_mean

    rng = np.random.default_rng(0)
    small = bootstrap_mean(rng.random(50) < 0.4, samples=1000)
    large = bootstrap_mean(rng.random(800) < 0.4, samples=1000)
    assert small.low < small.mean < small.high and small.n == 50
    assert large.half_width < small.half_width / 2.5  # ~1/sqrt(16) of it
    # The normal approximation of a proportion's interval: 1.96 * sqrt(p(1-p)/n).
    assert large.half_width == pytest.approx(1.96 * np.sqrt(0.4 * 0.6 / 800), rel=0.2)


def test_paired_difference_sees_what_unpaired_intervals_miss():
    from mediphi.evaluate.stats import bootstrap_mean, paired_difference

    rng = np.random.default_rng(1)
    difficulty = rng.random(300)
    a = {str(i): float(d) for i, d in enumerate(difficulty)}
    b = {str(i): float(d) + 0.02 for i, d in enumerate(difficulty)}  # always a little better
    diff = paired_difference(b, a, samples=1000)
    assert diff.excludes_zero() and diff.mean == pytest.approx(0.02)
    ia, ib = bootstrap_mean(a.values()), bootstrap_mean(b.values())
    assert ib.low < ia.high  # unpaired, the two intervals overlap: pairing is what shows the gain
    same = paired_difference(a, dict(a), samples=200)
    assert (same.low, same.mean, same.high) == (0.0, 0.0, 0.0) and not same.excludes_zero()
    assert paired_difference(a, {"0": 0.0, "1": 0.0}).n == 2  # only shared ids are paired


def test_average_counts_every_task_once():
    from mediphi.evaluate.stats import stratified_mean

    iv = stratified_mean([[1.0] * 10, [0.0] * 1000], samples=200)
    assert iv.mean == 0.5 and iv.n == 1010 and iv.low == iv.high == 0.5


def test_effect_summary_names_each_claim_with_its_interval():
    from mediphi.evaluate.effect import summarize_effect

    ids = [str(i) for i in range(400)]
    rng = np.random.default_rng(2)
    right = {m: rng.random(400) < p for m, p in (("base", 0.3), ("expert-codes", 0.6), ("merged", 0.55))}
    values = {m: {"mc": {i: float(v) for i, v in zip(ids, r)}, "title": {i: 0.2 for i in ids}}
              for m, r in right.items()}
    values["aligned"] = {t: dict(v) for t, v in values["merged"].items()}
    values["expert-codes-raw"] = values["base"]
    tasks = {"mc": {"domain": "icd10cm"}, "title": {"domain": "pubmed"}}
    eff = summarize_effect(values, tasks, {"codes": "icd10cm"}, dict(samples=500, confidence=0.95, seed=0))
    e = eff["experts"]["codes"]
    assert list(eff["experts"]) == ["codes"]  # raw experts are not the paper's expert columns
    assert e["tasks"] == ["mc"] and e["goal_beats_base"] is True
    assert e["gain"]["mean"] == pytest.approx(right["expert-codes"].mean() - right["base"].mean())
    assert e["merged_kept"] == pytest.approx(round(e["merged_gain"]["mean"] / e["gain"]["mean"], 4))
    assert e["goal_merged_keeps_80pct"] == (e["merged_kept"] >= 0.8)
    assert eff["aligned_vs_merged"]["mean"] == 0.0 and eff["goal_aligned_not_worse"] is True
    assert e["raw_gain"]["mean"] == 0.0 and not e["raw_gain"]["significant"]  # the raw expert is the base here
    assert set(e["per_task"]) == {"mc"} and e["per_task"]["mc"]["gain"] == e["gain"]

    from mediphi.evaluate.report import effect_lines

    assert not any("inside the noise" in line for line in effect_lines(eff))
    same = {m: values["base"] for m in ("base", "expert-codes", "merged", "aligned")}
    noise = summarize_effect(same, tasks, {"codes": "icd10cm"}, dict(samples=200, confidence=0.95, seed=0))
    assert any("Every claim above is inside the noise" in line for line in effect_lines(noise))
    assert summarize_effect({"merged": values["merged"]}, tasks, {}, dict(samples=100)) is None


def test_experts_answer_their_own_domain_and_the_report_marks_the_rest(tmp_path):
    from mediphi.config import EvaluateSection
    from mediphi.evaluate import tasks_for
    from mediphi.evaluate.report import NOT_RUN, build_report, write_markdown

    tasks = [get_task(n) for n in ("icd10cm_mc_hard", "pubmed_title", "medication_extraction")]
    kinds = {"codes": "icd10cm", "pubmed": "pubmed"}
    names = lambda model, mode: [t.name for t in tasks_for(model, tasks, mode, kinds)]  # noqa: E731
    assert names("expert-codes", "own_domain") == names("expert-codes-raw", "own_domain") == ["icd10cm_mc_hard"]
    assert names("expert-pubmed", "own_domain") == ["pubmed_title"]
    assert names("merged", "own_domain") == names("expert-codes", "all") == [t.name for t in tasks]
    assert names("expert-notes", "own_domain") == [t.name for t in tasks]  # no task of its domain: all of them

    ev = EvaluateSection(mc_scoring=["loglikelihood"], bootstrap={"samples": 200})
    rec = {"icd10cm_mc_hard": [{"id": str(i), "acc_ll": float(i % 2), "acc_ll_norm": 0.0} for i in range(6)],
           "pubmed_title": [{"id": str(i), "rougeL": 0.1 * i} for i in range(4)],
           "medication_extraction": [{"id": str(i), "f1": 0.5} for i in range(3)]}
    records = {"base": rec, "merged": rec, "expert-codes": {"icd10cm_mc_hard": rec["icd10cm_mc_hard"]}}
    report = build_report(records, tasks, {m: m for m in records}, "http://x", ev, kinds)
    assert set(report["results"]["expert-codes"]) == {"icd10cm_mc_hard"}  # no Average over a subset
    assert report["tasks"]["pubmed_title"]["n"] == 4
    write_markdown(report, tmp_path / "r.md", "t")
    row = next(line for line in (tmp_path / "r.md").read_text().splitlines() if line.startswith("| pubmed_title ("))
    cells = [c.strip() for c in row.strip("|").split("|")]  # task, n, base, merged, expert-codes
    assert cells[1] == "4" and cells[2] == cells[3] != NOT_RUN and cells[4] == NOT_RUN
