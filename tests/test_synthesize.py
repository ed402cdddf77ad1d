"""synthesize: the MediFlow taxonomy, error injection, JSON validation, judge scores, and the
whole stage on the tiny Llama over real Ray Data (teacher and judge through the HF engine)."""
from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mediphi.synthesize import errors, prompts, rejected
from mediphi.synthesize.taxonomy import (
    DIFFICULTY_LEVELS,
    DOCUMENT_TYPES,
    JUDGE_CRITERIA,
    OUTPUT_FORMATS,
    SCORE_CHOICES,
    TASK_TYPES,
)

PUBLISHED = ["instruction", "input", "output", "task_type", "input_data", "output_format", "difficulty_level",
             "quality", "alignment", "coherence", "realism", "difficulty", "rejected_output", "error_type", "doc_id"]


# ----------------------------------------------------------------------------- taxonomy
def test_taxonomy_sizes():
    assert len(TASK_TYPES) == 14
    assert len(DOCUMENT_TYPES) == 98 and len(set(d.lower() for d in DOCUMENT_TYPES)) == 98
    assert sorted(DIFFICULTY_LEVELS) == [1, 2, 3, 4, 5, 6]
    assert set(OUTPUT_FORMATS) == {"plain_text", "json"}
    assert tuple(JUDGE_CRITERIA) == ("quality", "alignment", "coherence", "realism", "difficulty")
    assert SCORE_CHOICES == ("1", "2", "3", "4", "5")
    for task in TASK_TYPES.values():
        assert task.description and "discharge summary" in task.example("Discharge summary")


def test_instruction_prompt_names_every_axis():
    text = prompts.instruction_prompt("icd10_coding", "Operative report", "json", 5)
    assert "icd10 coding" in text and "operative report" in text and "JSON object" in text
    assert DIFFICULTY_LEVELS[5] in text


# ----------------------------------------------------------------------------- error injection
@pytest.mark.parametrize("rule, text, expected", [
    ("negation_flip", "Patient denies chest pain.", "Patient reports chest pain."),
    ("negation_flip", "No fever or chills. Lungs clear.", "Fever or chills. Lungs clear."),
    ("negation_flip", "Cultures negative for MRSA.", "Cultures positive for MRSA."),
    ("negation_flip", "The lesion is not malignant.", "The lesion is malignant."),
    ("dose_change", "Start metoprolol 25 mg twice daily.", "Start metoprolol 250 mg twice daily."),
    ("number_change", "A 64-year-old with HbA1c 7.2%.", "A 96-year-old with HbA1c 7.2%."),
    ("laterality_swap", "Fracture of the Left femur.", "Fracture of the Right femur."),
    ("laterality_swap", "RIGHT lower lobe opacity", "LEFT lower lobe opacity"),
    ("drug_substitution", "Continue warfarin daily.", "Continue zafirlukast daily."),
    ("drug_substitution", "Metformin was held.", "Methadone was held."),
    ("icd_code_swap", "Codes: I10, J18.9", "Codes: I11, J18.9"),
    ("unit_change", "Give 5 mg now.", "Give 5 mcg now."),
    ("unit_change", "Glucose 180 mg/dL.", "Glucose 180 mmol/L."),
    ("omission", "Fever for 3 days. Cough with green sputum since Monday. No travel.", "Fever for 3 days. No travel."),
    ("omission", "Fever, cough and dyspnea", "Fever, cough"),
    ("sentence_swap", "Aspirin was started. Then chest pain resolved.", "Then chest pain resolved. Aspirin was started."),
])
def test_each_error_rule(rule, text, expected):
    assert {**errors.RULES, **errors.FALLBACKS}[rule](text) == expected


def test_rules_that_do_not_apply_return_none():
    plain = "Patient seen today for follow up"
    for name in ("dose_change", "number_change", "laterality_swap", "icd_code_swap", "unit_change",
                 "drug_substitution", "sentence_swap"):
        assert errors.RULES.get(name, errors.FALLBACKS.get(name))(plain) is None, name
    assert errors.icd_code_swap("Vitamin B12.5 level") is None  # code-shaped but not an ICD-10-CM code


def test_inject_error_is_deterministic_and_always_differs():
    texts = ["Patient denies chest pain. Start metoprolol 25 mg for the left knee.",
             "Assessment: community-acquired pneumonia, J18.9. Plan: amoxicillin 500 mg three times daily.",
             "Stable overnight. Ambulating with assistance. Tolerating diet.",
             "Reassurance given"]
    for text in texts:
        first, second = errors.inject_error(text, seed=3), errors.inject_error(text, seed=3)
        assert first == second and first is not None
        assert first.text != text and first.error_type in errors.ERROR_TYPES
    # nothing clinical to corrupt: a fallback removes or reorders content
    assert errors.inject_error("Stable overnight. Ambulating with assistance.").error_type in errors.FALLBACKS
    assert errors.inject_error("ok") is None


def test_inject_error_single_applicable_rule():
    assert errors.inject_error("Pain in the left hip").error_type == "laterality_swap"
    assert errors.inject_error("Give 2 tablets").error_type == "number_change"


def test_inject_error_keeps_json_valid():
    chosen = json.dumps({"diagnosis": "pneumonia", "plan": "start amoxicillin 500 mg", "side": "left"})
    kinds = set()
    for seed in range(12):
        injected = errors.inject_error(chosen, "json", seed)
        assert injected.text != chosen and isinstance(json.loads(injected.text), dict)
        kinds.add(injected.error_type)
    assert len(kinds) >= 2  # the hash spreads rows over the rules that apply
    omitted = errors.inject_error(json.dumps({"summary": "Fever, cough and dyspnea"}), "json")
    assert omitted.error_type == "omission" and json.loads(omitted.text) == {"summary": "Fever, cough"}


CHOSEN = "Start amoxicillin 500 mg three times daily for 7 days and recheck the chest film in 6 weeks."


@pytest.mark.parametrize("error, reply, fmt, why", [
    # each named error, made as asked
    ("factual_error", CHOSEN.replace("500 mg", "50 mg"), "plain_text", ""),
    ("omission", "Start amoxicillin 500 mg three times daily for 7 days.", "plain_text", ""),
    ("ambiguity", CHOSEN.replace("three times daily for 7 days", "for a while"), "plain_text", ""),
    ("partial_correctness", "Start amoxicillin.", "plain_text", ""),
    ("wrong_format", '{"plan": "amoxicillin 500 mg tid x7 days"}', "plain_text", ""),
    ("wrong_format", "Amoxicillin 500 mg.", "json", ""),
    ("factual_error", '{"drug": "amoxicillin", "dose_mg": 50}', "json", ""),
    # and the replies that do not show it
    ("factual_error", CHOSEN, "plain_text", "same_as_chosen"),
    ("factual_error", "  " + CHOSEN.upper() + " ", "plain_text", "same_as_chosen"),
    ("factual_error", "The patient has a broken wrist; apply a cast and review next week.", "plain_text",
     "rewritten_not_edited"),
    ("omission", CHOSEN + " Also rest.", "plain_text", "not_shorter"),
    ("omission", "Give ibuprofen and paracetamol for fever, weekly.", "plain_text", "not_an_omission"),
    ("partial_correctness", CHOSEN, "plain_text", "same_as_chosen"),
    ("wrong_format", "Amoxicillin 500 mg three times a day.", "plain_text", "not_json"),
    ("wrong_format", 'Sure: {"drug": "amoxicillin"}', "json", "still_json"),
    ("omission", "dose missing", "json", "invalid_json"),
    ("ambiguity", "", "plain_text", "empty"),
])
def test_a_teacher_rejected_answer_is_kept_only_when_it_shows_its_named_error(error, reply, fmt, why):
    chosen = '{"drug": "amoxicillin", "dose_mg": 500}' if fmt == "json" else CHOSEN
    text, reason = rejected.read(reply, chosen, error, fmt)
    assert reason == why
    if not why and fmt == "json" and error != "wrong_format":
        assert isinstance(json.loads(text), dict)  # a JSON answer stays a JSON object


def test_the_named_error_is_stable_spread_and_in_the_prompt():
    answers = [f"Answer number {i}: give {i} mg." for i in range(60)]
    picked = [rejected.error_type(a, 0) for a in answers]
    assert picked == [rejected.error_type(a, 0) for a in answers]  # a rerun asks for the same errors
    assert set(picked) == set(rejected.TEACHER_ERRORS)
    text = rejected.prompt("Summarize.", "Note text.", "The answer.", "omission", "json")
    assert rejected.TEACHER_ERRORS["omission"] in text and "The answer." in text and "JSON object" in text


# ----------------------------------------------------------------------------- replies and scores
@pytest.mark.parametrize("reply, expected", [
    ('{"drug": "aspirin", "dose_mg": 81}', {"drug": "aspirin", "dose_mg": 81}),
    ('Here is the JSON: {"a": [1, 2]} hope this helps {"b": 1}', {"a": [1, 2]}),
    ("The patient has pneumonia.", None),
    ('{"a": 1', None),
    ("{}", None),
    ('[{"a": 1}]', {"a": 1}),  # the first {...} is the object the reply holds
    ("{'a': 1}", None),  # Python, not JSON
])
def test_parse_json_object(reply, expected):
    assert prompts.parse_json_object(reply) == expected


def test_degenerate_and_clean_instruction():
    assert prompts.degenerate("   ", 2) == "empty"
    assert prompts.degenerate("abc", 10) == "too_short"
    assert prompts.degenerate("the the the the the the the the the the the the the", 2) == "repetitive"
    assert prompts.degenerate("List the medications with their doses.", 20) == ""
    assert prompts.clean_instruction('Instruction: "List the drugs."', "json") == (
        f"List the drugs. {prompts.JSON_REQUIREMENT}")
    assert prompts.clean_instruction("Return a JSON list of drugs.", "json") == "Return a JSON list of drugs."


def test_expected_score_is_always_in_range():
    assert prompts.expected_score([0.0] * 5) == pytest.approx(3.0)
    assert prompts.expected_score([-50.0, -50.0, -50.0, -50.0, 0.0]) == pytest.approx(5.0, abs=1e-6)
    assert prompts.expected_score([0.0, -50.0, -50.0, -50.0, -50.0]) == pytest.approx(1.0, abs=1e-6)
    assert 1.0 <= prompts.expected_score([-1e4, -3.0, -2.0, -9.0, -1e4]) <= 5.0
    assert math.isnan(prompts.expected_score([float("-inf")] * 5))
    assert "Input (discharge summary)" in prompts.judge_prompt(
        "realism", {"input_data": "Discharge summary", "input": "x", "instruction": "y", "output": "z"})


# ----------------------------------------------------------------------------- the stage
CLINICAL = [
    "Patient denies chest pain. Metoprolol 25 mg twice daily was started for atrial fibrillation.",
    "Chest X-ray shows right lower lobe consolidation consistent with pneumonia; amoxicillin given.",
    "Type 2 diabetes mellitus without complications (E11.9). HbA1c 8.1%. Continue metformin 500 mg.",
    "Fracture of the left distal radius after a fall. Cast applied. No neurovascular deficit.",
    "Blood cultures negative for bacteria. Fever resolved after 48 hours of ceftriaxone 1 g daily.",
    "Essential hypertension (I10). Blood pressure 150/95 mmHg. Lisinopril increased to 20 mg.",
]


def _write_split(path, corpus: str, split: str, n: int) -> set[str]:
    rows = [{"doc_id": f"{corpus}:{split}{i}", "corpus": corpus, "title": f"{corpus} {split} {i}",
             "text": f"{CLINICAL[i % len(CLINICAL)]} ({split} document {i} of {corpus}.)",
             "meta": "{}", "split": split} for i in range(n)]
    path.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), path / "part-0.parquet")
    return {r["doc_id"] for r in rows}


@pytest.fixture
def prepared(tiny_config):
    """A registered 'prepare' with two corpora: 6 train, 2 val and 2 eval documents each."""
    from mediphi.runs import write_manifest

    root = tiny_config.run.run_dir
    base = __import__("pathlib").Path(root) / "fake_prepare"
    corpora, ids = {}, {"train": set(), "val": set(), "eval": set()}
    for corpus in ("pubmed", "icd10cm"):
        corpora[corpus] = {}
        for split, n in (("train", 6), ("val", 2), ("eval", 2)):
            ids[split] |= _write_split(base / corpus / split, corpus, split, n)
            corpora[corpus][split] = str(base / corpus / split)
    write_manifest(root, "prepare", outputs={"corpora": corpora, "quarantine": str(base / "quarantine")})
    return ids


def _read(path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def test_stage_end_to_end(ray_session, tiny_config, prepared):
    from mediphi import synthesize
    from mediphi.runs import RunDir

    # The judge answers each criterion under two framings (self-consistency).
    tiny_config = tiny_config.model_copy(update={"synthesize": tiny_config.synthesize.model_copy(
        update={"judge_samples": 2})})
    m = synthesize.run(tiny_config, tiny_config.run.run_dir)
    assert m["status"] == "complete"
    rd = RunDir(tiny_config.run.run_dir)
    out = {k: rd.output("synthesize", k) for k in ("mediflow", "sft", "dpo", "filtered", "plot")}
    n = tiny_config.synthesize.num_instructions
    c = m["counts"]
    assert c["in"] == n == c["kept"] + c["filtered"] + c["quarantined"]
    assert c["kept"] > 0, m["metrics"]
    # the teacher passes were written as they went (resumable); the generated checkpoint replaces them
    assert (rd.root / "synthesize" / "generated").is_dir() and not (rd.root / "synthesize" / "teacher_passes").exists()

    flow = _read(out["mediflow"])
    assert list(flow.columns) == PUBLISHED
    assert len(flow) == c["kept"]
    for s in JUDGE_CRITERIA:
        assert flow[s].between(1.0, 5.0).all(), s
    assert (flow["quality"] >= tiny_config.synthesize.min_quality).all()
    assert set(flow["task_type"]) <= set(TASK_TYPES) and set(flow["input_data"]) <= set(DOCUMENT_TYPES)
    assert set(flow["output_format"]) <= set(OUTPUT_FORMATS) and set(flow["difficulty_level"]) <= set(range(1, 7))
    assert (flow["rejected_output"] != flow["output"]).all()
    # the teacher (an LLM here) wrote the rejected answers; a reply that did not show its named
    # error gave way to the rules, labelled, with the check it failed
    finished = _read(rd.root / "synthesize" / "finished")
    kept = finished[finished["status"] == "kept"].set_index("row_id")
    assert len(kept) == c["kept"] and set(kept["rejected_by"]) <= {"teacher", "rule_fallback"}
    assert m["metrics"]["rejected_by"] == {k: int(v) for k, v in kept["rejected_by"].value_counts().items()}
    for r in kept.itertuples():
        if r.rejected_by == "teacher":
            assert r.error_type in rejected.TEACHER_ERRORS and r.rejected_check == ""
            assert rejected.read(r.rejected_output, r.output, r.error_type, r.output_format)[1] == ""
        else:
            assert r.error_type in errors.ERROR_TYPES and r.rejected_check
    assert set(flow["error_type"]) <= set(errors.ERROR_TYPES) | set(rejected.TEACHER_ERRORS)
    for text in flow.loc[flow["output_format"] == "json", "output"]:
        assert isinstance(json.loads(text), dict)

    # seed documents come from the train splits only
    filtered = _read(out["filtered"])
    used = set(flow["doc_id"]) | set(filtered["doc_id"])
    assert used <= prepared["train"] and not used & (prepared["val"] | prepared["eval"])

    # every filtered row says why; the reasons add up to the counts
    assert len(filtered) == c["filtered"] and filtered["reason"].str.len().gt(0).all()
    assert sum(m["metrics"]["filter_reasons"].values()) == c["filtered"]
    n_json = round(n * tiny_config.synthesize.json_fraction)
    assert m["metrics"]["output_format"]["in"].get("json", 0) == n_json
    for _, row in filtered[filtered["reason"] == "invalid_json"].iterrows():
        assert row["output_format"] == "json" and prompts.parse_json_object(row["output"]) is None

    # SFT rows are exactly the kept MediFlow rows; DPO pairs the top half of them by judge quality
    sft, dpo = _read(out["sft"]), _read(out["dpo"])
    assert list(sft.columns) == ["prompt", "completion", "instruction", "input"]
    assert list(dpo.columns) == ["prompt", "chosen", "rejected", "instruction", "input"]
    by_prompt = {prompts.student_prompt(r.instruction, r.input): r for r in flow.itertuples()}
    assert len(sft) == len(flow) == len(by_prompt)
    for r in sft.itertuples():
        assert by_prompt[r.prompt].output == r.completion
        assert (r.instruction, r.input) == (by_prompt[r.prompt].instruction, by_prompt[r.prompt].input)
    assert tiny_config.synthesize.dpo_top_fraction == 0.5 and len(dpo) == math.ceil(0.5 * len(flow))
    assert m["metrics"]["dpo"]["pairs"] == len(dpo) and m["metrics"]["dpo"]["of_kept"] == len(flow)
    for r in dpo.itertuples():
        src = by_prompt[r.prompt]
        assert (r.chosen, r.rejected) == (src.output, src.rejected_output) and r.chosen != r.rejected
    chosen_q = [by_prompt[p].quality for p in dpo["prompt"]]
    rest_q = [r.quality for p, r in by_prompt.items() if p not in set(dpo["prompt"])]
    assert min(chosen_q) >= max(rest_q, default=1.0)
    assert sum(m["metrics"]["error_types"].values()) == c["kept"]
    assert m["metrics"]["judge_spread_mean"] > 0  # two framings of a small model never agree exactly
    # Judge means over the judged rows (the kept ones here, min_quality 1): numbers, not null.
    assert m["metrics"]["judged"] == c["kept"]
    assert m["metrics"]["judge_mean"]["quality"] == pytest.approx(flow["quality"].mean(), abs=1e-4)
    assert open(out["plot"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"

    # an up-to-date stage is skipped, not regenerated
    again = synthesize.run(tiny_config, tiny_config.run.run_dir)
    assert again["finished_at"] == m["finished_at"] and again["hash"] == m["hash"]


def test_difficulty_follows_its_weights_and_dpo_takes_the_top_quality_rows():
    import numpy as np

    from mediphi.config import ConfigError, RunConfig
    from mediphi.synthesize import _weighted_spread, dpo_subset

    # MediFlow's default favours the three hardest levels: exactly 2:1 at any n that allows it.
    weights = RunConfig.from_dict({}).synthesize.difficulty_weights
    draws = _weighted_spread(np.random.default_rng(0), weights, 90)
    assert {k: draws.count(k) for k in range(1, 7)} == {1: 10, 2: 10, 3: 10, 4: 20, 5: 20, 6: 20}
    assert draws != sorted(draws)  # shuffled, not in blocks
    odd = _weighted_spread(np.random.default_rng(1), {1: 1.0, 6: 3.0, 3: 0.0}, 7)
    assert len(odd) == 7 and odd.count(6) == 5 and odd.count(1) == 2 and 3 not in odd
    for bad, field in (({7: 1.0}, "levels are 1-6"), ({1: 0.0}, "one of them > 0")):
        with pytest.raises(ConfigError, match=f"synthesize.difficulty_weights: .*{field}"):
            RunConfig.from_dict({"synthesize": {"difficulty_weights": bad}})

    kept = pd.DataFrame({"row_id": [5, 1, 2, 9, 4], "quality": [4.0, 5.0, 2.5, 4.0, 3.0]})
    assert dpo_subset(kept, 0.5, 1.0) == [1, 5, 9]  # ceil(2.5) rows; the 4.0 tie goes to the lower id
    assert dpo_subset(kept, 1.0, 3.5) == [1, 5, 9]
    assert dpo_subset(kept, 0.01, 1.0) == [1]
    assert dpo_subset(kept, 1.0, 5.0) == [1] and dpo_subset(kept[kept["quality"] < 3], 1.0, 3.0) == []


def test_judge_self_consistency_over_framings():
    import math

    import pandas as pd

    from mediphi.synthesize import SCORES, _judge_requests, _one_row_per_example, finish

    row = {"row_id": 3, "instruction": "List the drugs.", "input": "Pt on metformin.", "output": "metformin",
           "input_data": "Discharge summary", "status": "kept", "reason": ""}
    reqs = _judge_requests(row, text_prompts=False, samples=3)
    assert len(reqs) == 3 * len(SCORES)
    quality = [json.loads(r["chat"])[0]["content"] for r in reqs if r["criterion"] == "quality"]
    assert len(set(quality)) == 3 and all("metformin" in q and "Pt on metformin." in q for q in quality)
    assert prompts.judge_prompt("quality", row) == prompts.judge_prompt("quality", row, 0)

    scores = {"quality": [4.0, 2.0, 3.0], "alignment": [5.0, 5.0, 5.0], "coherence": [1.0, 1.5, 2.0],
              "realism": [3.0, 3.0, 3.5], "difficulty": [2.0, 2.0, 2.0]}
    group = pd.DataFrame([{**row, "criterion": c, "score": v} for c, vs in scores.items() for v in vs])
    out = _one_row_per_example(group).iloc[0]
    assert out["quality"] == pytest.approx(3.0) and out["coherence"] == pytest.approx(1.5)
    assert out["judge_spread"] == pytest.approx(2.0) and out["status"] == "kept"  # quality's range
    nan = group.copy()
    nan.loc[0, "score"] = math.nan
    assert _one_row_per_example(nan).iloc[0]["reason"] == "judge_scores_not_finite"

    judged = {**out.to_dict(), "output_format": "plain_text"}
    assert finish(judged, 2.0, 0, max_spread=1.5)["reason"] == "judge_inconsistent"
    assert finish(judged, 2.0, 0, max_spread=2.0)["status"] == "kept"


def test_near_duplicate_rows_and_evaluation_overlap_are_filtered():
    from mediphi.synthesize.dedup import verdicts

    abstract = ("Metformin lowered glycated hemoglobin in adults with type 2 diabetes over twelve weeks "
                "without serious hypoglycaemia in a randomized trial of three hundred patients")
    summary = "Metformin lowered HbA1c without hypoglycaemia."
    rows = [
        {"row_id": 4, "instruction": "Summarize the abstract.", "input": abstract, "output": summary},
        {"row_id": 9, "instruction": "Summarize the abstract.", "input": abstract + " at two sites",
         "output": summary},  # a near copy of row 4
        {"row_id": 2, "instruction": "List the drugs.", "input": "Aspirin and clopidogrel after stenting.",
         "output": '{"drugs": ["aspirin", "clopidogrel"]}'},
        {"row_id": 7, "instruction": "Write the title.", "input": "Abstract: " + EVAL_ABSTRACT,
         "output": "Sepsis bundles in rural hospitals"},
        {"row_id": 5, "instruction": "Summarize the abstract.", "input": "Asthma control improved with inhaled "
                                                                        "corticosteroids in children at school",
         "output": "Inhaled steroids helped."},
        # A templated question on a sibling record (what the grounded teacher writes): instruction + input
        # alike (Jaccard ~0.88), the answers not (~0.62 with them).
        {"row_id": 11, "instruction": CODE_QUESTION, "input": "Problem list:\n1. S42.152G",
         "output": '{"code": "S42.152G", "description": "Displaced fracture of neck of scapula, left shoulder, '
                   'subsequent encounter for fracture with delayed healing"}'},
        {"row_id": 12, "instruction": CODE_QUESTION, "input": "Problem list:\n1. S42.152D",
         "output": '{"code": "S42.152D", "description": "Displaced fracture of neck of scapula, left shoulder, '
                   'subsequent encounter for fracture with routine healing"}'},
    ]
    item = {"task": "pubmed_title", "id": "pubmed:99", "reference": "Sepsis bundles in rural hospitals",
            "messages": [{"role": "system", "content": "Write the title."},
                         {"role": "user", "content": "Abstract: " + EVAL_ABSTRACT}]}
    # The later of two near copies goes (row 9, not 4); the copy of an evaluation item goes.
    assert verdicts(rows, [item], 0.8) == {9: "near_duplicate_instruction", 7: "eval_item_overlap"}
    assert verdicts(rows, [], 0.8) == {9: "near_duplicate_instruction"}
    assert verdicts(rows, [item], 0.99) == {}  # nothing is that close but identical texts
    assert verdicts([rows[0], {**rows[0], "row_id": 1}], [], 0.99) == {4: "near_duplicate_instruction"}
    assert verdicts(rows[-2:], [], 0.8) == {}  # siblings stay: their answers differ
    no_answers = [{**r, "output": ""} for r in rows[-2:]]
    assert verdicts(no_answers, [], 0.8) == {12: "near_duplicate_instruction"}


CODE_QUESTION = ("What does the ICD-10-CM code on this problem list mean, and where does it sit in the "
                 "classification? Answer with a single JSON object with the keys code, description, chapter and block.")
EVAL_ABSTRACT = ("Sepsis bundles were introduced in twelve rural hospitals and mortality fell from eighteen to "
                 "fourteen percent over two years while antibiotic delays shortened by forty minutes")
