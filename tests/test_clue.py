"""The twelve CLUE+ loaders on small fixtures in each published format (tests/fixtures/clue; the
xlsx files are written here), and their metric functions on items they built."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from mediphi.catalog import EVAL_TASKS
from mediphi.config import InputError
from mediphi.evaluate import clue
from mediphi.evaluate.tasks import TASKS, LoadContext

FIX = Path(__file__).parent / "fixtures" / "clue"
CLUE_PLUS = sorted(n for n, (suite, _) in EVAL_TASKS.items() if suite in ("CLUE", "CLUE+"))


def load(task: str, path: Path, **kw) -> list[dict]:
    return TASKS[task].load(LoadContext(task=task, max_items=kw.pop("max_items", 1000), data_path=str(path), **kw))


def clue_order(rows: list) -> list:
    """CLUE's shuffle, literally: random.seed(1); random.shuffle(data) on the global generator."""
    state = random.getstate()
    try:
        random.seed(1)
        rows = list(rows)
        random.shuffle(rows)
        return rows
    finally:
        random.setstate(state)


def roles(item: dict) -> list[str]:
    return [m["role"] for m in item["messages"]]


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_xlsx(path: Path, header: list[str], rows: list[list], sheet: str, blank_rows: int = 0) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    for k in range(blank_rows):  # formatted but empty rows: the sheet reports them, pandas drops them
        ws.cell(row=len(rows) + 2 + k, column=1).font = Font(bold=True)
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- registry and errors
def test_registers_the_twelve_clue_plus_tasks():
    assert len(CLUE_PLUS) == 12
    assert {n for n, t in TASKS.items() if t.suite in ("CLUE", "CLUE+")} == set(CLUE_PLUS)
    for name in CLUE_PLUS:
        task = TASKS[name]
        assert task.generated_metrics[0] == task.metric  # the headline metric is declared first
        assert task.source


@pytest.mark.parametrize("name", CLUE_PLUS)
def test_missing_data_file_names_the_setting(name, tmp_path):
    with pytest.raises(InputError, match=rf"evaluate\.data\.{name}=<path>"):
        TASKS[name].load(LoadContext(task=name, max_items=5))
    with pytest.raises(InputError, match=rf"evaluate\.data\.{name}=.*absent is not a file"):
        TASKS[name].load(LoadContext(task=name, max_items=5, data_path=str(tmp_path / "absent")))


def test_wrong_file_says_what_was_expected(tmp_path):
    with pytest.raises(InputError, match=r"cannot read .*medec\.csv as MedNLI"):
        load("mednli", FIX / "medec.csv")
    with pytest.raises(InputError, match=r"lacks dialogue, note"):
        load("aci_bench", FIX / "medec.csv")
    with pytest.raises(InputError, match=r"5 usable rows; 5 go to few-shot"):
        load("mediqa_rrs_qa", FIX / "mediqa_rrs.json", few_shot=5)


# ----------------------------------------------------------------------------- MedNLI
def test_mednli_items_follow_clue():
    rows = [json.loads(line) for line in open(FIX / "mednli.jsonl")]
    order = clue_order(rows)
    assert [r["pairID"] for r in order] != [r["pairID"] for r in rows]  # the fixture does get shuffled
    items = load("mednli", FIX / "mednli.jsonl")
    assert [it["id"] for it in items] == [r["pairID"] for r in order[3:]]  # 3 shots by default
    it = items[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 3 + ["user"]
    assert it["messages"][0]["content"] == clue.MEDNLI_SYSTEM
    for j, r in enumerate(order[:3]):
        assert it["messages"][1 + 2 * j]["content"] == f"\nSENTENCE_1: {r['sentence1']}\nSENTENCE_2: {r['sentence2']}\n"
        assert it["messages"][2 + 2 * j]["content"] == r["gold_label"]
    assert it["messages"][-1]["content"] == f"\nSENTENCE_1: {order[3]['sentence1']}\nSENTENCE_2: {order[3]['sentence2']}\n"
    assert all(x["messages"][:-1] == it["messages"][:-1] for x in items)
    assert it["reference"] == order[3]["gold_label"]
    assert it["options"] == ["entailment", "neutral", "contradiction"]
    assert [x["options"][x["gold"]] for x in items] == [r["gold_label"] for r in order[3:]]


def test_mednli_few_shot_and_max_items():
    rows = [json.loads(line) for line in open(FIX / "mednli.jsonl")]
    zero = load("mednli", FIX / "mednli.jsonl", few_shot=0)
    assert [it["id"] for it in zero] == [r["pairID"] for r in clue_order(rows)]
    assert roles(zero[0]) == ["system", "user"]
    two = load("mednli", FIX / "mednli.jsonl", max_items=2)
    assert [it["id"] for it in two] == [it["id"] for it in load("mednli", FIX / "mednli.jsonl")][:2]


def test_mednli_metric():
    item = load("mednli", FIX / "mednli.jsonl")[0]
    label = item["reference"]
    assert TASKS["mednli"].metric_fn(f"The answer is {label.upper()}.", item) == {"accuracy": 1.0}
    assert TASKS["mednli"].metric_fn(f"{label} {label}", item) == {"accuracy": 0.0}


# ----------------------------------------------------------------------------- MeQSum (xlsx)
def test_meqsum_reads_the_xlsx_as_pandas_would(tmp_path):
    rows = [[f"{i}-1311.xml.txt", f"SUBJECT: question {i}\nMESSAGE: long inquiry number {i}?", f"Summary {i}?"]
            for i in range(7)]
    path = write_xlsx(tmp_path / "MeQSum.xlsx", ["File", "CHQ", "Summary"], rows, "Sheet1", blank_rows=2)
    items = load("meqsum", path)
    order = clue_order(rows)  # 7 rows: the 2 blank trailing rows must not join the shuffle
    assert [it["id"] for it in items] == [r[0] for r in order[3:]]
    it = items[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 3 + ["user"]
    assert it["messages"][1]["content"] == (f"--------------PATIENT INQUIRY--------------\n{order[0][1]}\n"
                                            "--------------END PATIENT INQUIRY--------------")
    assert it["messages"][2]["content"] == order[0][2]
    assert it["reference"] == order[3][2]
    assert TASKS["meqsum"].metric_fn(order[3][2], it)["rougeL"] == 1.0


# ----------------------------------------------------------------------------- Problem List Summarization
def test_problem_summary_items_and_summary_cleaning():
    rows = [r for r in read_csv(FIX / "problem_summary.csv") if r["Summary"]]  # 106 has no summary
    items = load("problem_summary", FIX / "problem_summary.csv")
    order = clue_order(rows)
    assert [it["id"] for it in items] == [r["File ID"] for r in order[3:]]
    first = order[0]
    assert items[0]["messages"][1]["content"] == (
        f"--------------BEGIN DISCHARGE LETTER--------------\n{first['Subjectives']}\n\n{first['Assessment']}\n"
        "--------------END DISCHARGE LETTER--------------\n"
        "Now respond with the list of diagnoses and patient problems. Do not generate anything else.")
    refs = {it["id"]: it["reference"] for it in load("problem_summary", FIX / "problem_summary.csv", few_shot=0)}
    assert "106" not in refs
    # ";" -> ", " everywhere; CLUE's trailing-";" removal has no effect, so a ", " stays at the end
    assert refs["103"] == "Sepsis, urinary tract infection, "
    assert refs["101"] == "CHF exacerbation, hypertension"


# ----------------------------------------------------------------------------- LongHealth
def test_longhealth_items():
    data = json.loads((FIX / "longhealth.json").read_text())
    items = load("longhealth", FIX / "longhealth.json")
    # 3 answerable questions x 5 prompt variants; patient_01's third question has its "correct"
    # text in no option and is skipped
    assert len(items) == 15
    assert [it["id"] for it in items[:5]] == [f"patient_01/q0/v{j}" for j in range(5)]
    assert not any(it["id"].startswith("patient_01/q2/") for it in items)
    it = items[0]
    assert roles(it) == ["system", "user"] and it["messages"][0]["content"] == clue.LONGHEALTH_SYSTEM
    user = it["messages"][1]["content"]
    assert ("\n\nWhich therapy did the patient receive first?\nA: R-CHOP\nB: Radiotherapy\nC: Surgery\n"
            "D: Watch and wait\nE: CAR-T\n\nPlease answer using the following format:") in user
    for text in data["patient_01"]["texts"].values():  # the 16k budget holds all three letters
        assert text in user
    assert not any(text in user for text in data["patient_02"]["texts"].values())
    assert it["reference"] == "A" and it["gold"] == 0
    assert it["options"][2] == "The correct answer is C: Surgery"
    # CLUE's substring rule: "Heart failure" is found in option A first
    assert {x["reference"] for x in items if x["id"].startswith("patient_02/")} == {"A"}


def test_longhealth_variants_are_seeded_shuffles():
    data = json.loads((FIX / "longhealth.json").read_text())
    texts = data["patient_01"]["texts"]
    items = load("longhealth", FIX / "longhealth.json")
    assert load("longhealth", FIX / "longhealth.json") == items  # reproducible
    orders = {tuple(sorted(texts, key=lambda t: it["messages"][1]["content"].index(texts[t])))
              for it in items[:5]}
    assert len(orders) > 1  # the 5 variants show the documents in different orders
    other_seed = load("longhealth", FIX / "longhealth.json", seed=1)
    assert [x["messages"] for x in other_seed] != [x["messages"] for x in items]


def test_longhealth_prompt_budget_in_characters():
    q = json.loads((FIX / "longhealth.json").read_text())["patient_01"]["questions"][0]
    options = "\n".join(f"{c.upper()}: {q[f'answer_{c}']}" for c in "abcde")
    fixed = len(q["question"]) + len(options) + len(clue.LONGHEALTH_TEMPLATE)
    sep = len("\n\n-------------- NEW DOCUMENT --------------\n\n")
    answer, others = {"text_1": "α" * 30}, ["β" * 20, "γ" * 20]
    join = "\n\n--------------\n\n"

    # room for 10 characters: the answer document is cut; the budget is spent, so the next
    # document is cut to "" and still joins the list (CLUE's behaviour)
    p = clue.longhealth_prompt(answer, others, q, fixed + 10, random.Random(0))
    assert (p.count("α"), p.count("β"), p.count("γ"), p.count(join)) == (10, 0, 0, 1)
    # the answer document and the first other fit (each counted with a separator), the second is cut
    p = clue.longhealth_prompt(answer, others, q, fixed + 30 + sep + 20 + sep + 5, random.Random(0))
    assert (p.count("α"), p.count("β"), p.count("γ"), p.count(join)) == (30, 20, 5, 2)
    # everything fits
    p = clue.longhealth_prompt(answer, others, q, 10**6, random.Random(0))
    assert (p.count("α"), p.count("β"), p.count("γ")) == (30, 20, 20)


def test_longhealth_loader_budget_is_four_characters_per_token():
    data = json.loads((FIX / "longhealth.json").read_text())
    q = data["patient_01"]["questions"][0]
    options = "\n".join(f"{c.upper()}: {q[f'answer_{c}']}" for c in "abcde")
    fixed = len(q["question"]) + len(options) + len(clue.LONGHEALTH_TEMPLATE)
    tokens = -(-(len(clue.LONGHEALTH_SYSTEM) + fixed + 20) // 4)  # leaves 20 to 23 characters for documents
    ctx = LoadContext(task="longhealth", max_items=1, data_path=str(FIX / "longhealth.json"))
    user = clue.load_longhealth(ctx, max_tokens=tokens)[0]["messages"][1]["content"]
    letter = data["patient_01"]["texts"]["text_1"]
    assert letter[:20] in user and letter[:31] not in user


def test_longhealth_metric():
    item = load("longhealth", FIX / "longhealth.json", max_items=1)[0]
    fn = TASKS["longhealth"].metric_fn
    assert fn("The correct answer is A: R-CHOP.", item) == {"accuracy": 1.0}
    assert fn("The correct answer is B: Radiotherapy.", item) == {"accuracy": 0.0}
    assert fn("R-CHOP", item) == {"accuracy": 0.0}


# ----------------------------------------------------------------------------- MeDiSumQA / MeDiSumCode
def test_medisumqa_items():
    rows = json.loads((FIX / "medisumqa.json").read_text())
    items = load("medisumqa", FIX / "medisumqa.json")
    order = clue_order(range(len(rows)))  # note_id repeats: ids are the rows' positions
    assert [it["id"] for it in items] == [f"row{i}" for i in order[1:]]  # 1 shot
    shot, it = rows[order[0]], items[0]
    assert roles(it) == ["system", "user", "assistant", "user"]
    assert it["messages"][1]["content"] == (f"--------------BEGIN DISCHARGE LETTER--------------\n"
                                            f"{shot['discharge_summary']}\n--------------END DISCHARGE LETTER"
                                            f"--------------\n{shot['Question']}")
    assert it["messages"][2]["content"] == shot["Answer"]
    assert it["reference"] == rows[order[1]]["Answer"]


def test_medisumcode_items_and_metric():
    rows = [json.loads(line) for line in open(FIX / "medisumcode.jsonl")]  # JSON Lines, as CLUE's generator writes
    items = load("medisumcode", FIX / "medisumcode.jsonl")
    order = clue_order(rows)
    assert [it["id"] for it in items] == [r["hadm_id"] for r in order[1:]]
    codes = {r["hadm_id"]: ", ".join(d["code"] for d in r["icd_codes"]) for r in rows}
    assert items[0]["messages"][2]["content"] == "ICD-10 Codes: " + codes[order[0]["hadm_id"]]
    assert items[0]["messages"][-1]["content"].startswith("--------------BEGIN DISCHARGE LETTER--------------\n"
                                                          + order[1]["text"])
    assert [it["reference"] for it in items] == [codes[r["hadm_id"]] for r in order[1:]]

    item = {"reference": "E119, I10"}
    m = TASKS["medisumcode"].metric_fn("ICD-10 Codes: E11.9, I10", item)
    assert (m["icd_em_f1"], m["icd_ap_f1"], m["valid_codes"]) == (1.0, 1.0, 1.0)
    assert TASKS["medisumcode"].metric_fn("ICD-10 Codes: e11.9, i10", item)["icd_em_f1"] == 0.0  # lower case: no code
    assert TASKS["medisumcode"].metric_fn("E11.9", {"reference": ""})["icd_em_r"] == 0.0  # note without codes


# ----------------------------------------------------------------------------- MEDIQA-RRS
def test_mediqa_rrs_items_and_metric():
    rows = json.loads((FIX / "mediqa_rrs.json").read_text())
    items = load("mediqa_rrs_qa", FIX / "mediqa_rrs.json")
    order = clue_order(rows)
    assert [it["id"] for it in items] == [r["study_id"] for r in order[3:]]
    it = items[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 3 + ["user"]
    assert it["messages"][-1]["content"] == (f"--------------BEGIN FINDINGS--------------\n{order[3]['findings']}\n"
                                             "--------------END FINDINGS--------------")
    assert it["messages"][2]["content"] == order[0]["impression"]
    assert it["reference"] == order[3]["impression"]
    m = TASKS["mediqa_rrs_qa"].metric_fn("no acute findings", {"reference": "No acute cardiopulmonary findings."})
    # no acute findings / no acute cardiopulmonary findings: unigrams 3 of 3 and 3 of 4 -> 6/7;
    # bigrams: "no acute" is 1 of 2 and 1 of 3 -> 0.4
    assert (m["rouge1"], m["rouge2"]) == pytest.approx((6 / 7, 0.4))
    assert TASKS["mediqa_rrs_qa"].generated_metrics[0] == "rouge2"


# ----------------------------------------------------------------------------- MedicationQA
MEDQA_HEADER = ["Question", "Focus (Drug)", "Question Type", "Answer", "Section Title", "URL"]
MEDQA_ROWS = [
    ["how does rivastigmine and otc sleep medicine interact", "rivastigmine", "Interaction", "Tell your doctor.", "", ""],
    ["what if i eat grapefruit on simvastatin", "Simvastatin", "Interaction", "Grapefruit juice blocks CYP3A.", "", ""],
    ["can salt affect hydromorphone", "hydromorphone", "Interaction", "No answers", "", ""],
    ["what is metformin used for", "metformin", "Indication", "Metformin treats type 2 diabetes.", "", ""],
    ["how much tylenol can i take", "Tylenol", "Dose", "Up to 3 g a day.", "", ""],
    ["coconut oil and ursodiol", "ursodiol", "Interaction", "", "", ""],
    ["what does lisinopril look like", "lisinopril", "Appearance", "A pink round tablet.", "", ""],
    ["when to take levothyroxine", "levothyroxine", "Usage/time", "In the morning, before breakfast.", "", ""],
]


def test_medicationqa_xlsx_and_json(tmp_path):
    xlsx = load("medicationqa", write_xlsx(tmp_path / "MedInfo2019-QA-Medications.xlsx", MEDQA_HEADER, MEDQA_ROWS,
                                           "DrugQA"))
    answered = [i for i, r in enumerate(MEDQA_ROWS) if r[3] and r[3] != "No answers"]
    order = clue_order(answered)  # ids are positions in the file, taken before the unanswered rows go
    assert [it["id"] for it in xlsx] == [f"row{i}" for i in order[3:]]
    it = xlsx[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 3 + ["user"]
    assert it["messages"][1]["content"] == MEDQA_ROWS[order[0]][0]
    assert it["messages"][2]["content"] == MEDQA_ROWS[order[0]][3]
    assert it["reference"] == MEDQA_ROWS[order[3]][3]
    path = tmp_path / "medicationqa.json"
    path.write_text(json.dumps([dict(zip(MEDQA_HEADER, r)) for r in MEDQA_ROWS]))
    assert load("medicationqa", path) == xlsx


# ----------------------------------------------------------------------------- MEDEC
def test_medec_items():
    rows = read_csv(FIX / "medec.csv")
    items = load("medec", FIX / "medec.csv")  # zero-shot, as the MEDEC paper
    assert [it["id"] for it in items] == [r["Text ID"] for r in clue_order(rows)]
    by_id = {it["id"]: it for it in items}
    it = by_id["ms-test-0"]
    assert roles(it) == ["system", "user"] and it["messages"][0]["content"] == clue.MEDEC_SYSTEM
    assert it["messages"][1]["content"] == "0|A 2-year-old male presents with diarrhea.\n1|Norovirus is suspected."
    assert it["reference"] == "1 Rotavirus is suspected."
    assert (it["error_flag"], it["error_sentence_id"], it["corrected_sentence"]) == ("1", "1", "Rotavirus is suspected.")
    assert by_id["ms-test-2"]["messages"][1]["content"].splitlines()[1:3] == ["1|The blood pressure is", "2|102/70 mm Hg."]
    # "NA" and an empty Corrected Sentence both mean no correction, as pandas reads them
    for tid in ("ms-test-1", "ms-test-3"):
        assert (by_id[tid]["reference"], by_id[tid]["corrected_sentence"], by_id[tid]["error_sentence_id"]) == \
            ("CORRECT", "NA", "-1")

    fn = TASKS["medec"].metric_fn
    assert fn("1 Rotavirus is suspected.", it) == pytest.approx(
        {"error_flag_acc": 1.0, "error_sentence_acc": 1.0, "rouge1_composite": 1.0}, abs=1e-7)
    assert fn("CORRECT", by_id["ms-test-1"]) == {"error_flag_acc": 1.0, "error_sentence_acc": 1.0,
                                                 "rouge1_composite": 1.0}

    one = load("medec", FIX / "medec.csv", few_shot=1)
    first = clue_order(rows)[0]
    assert len(one) == 4 and roles(one[0]) == ["system", "user", "assistant", "user"]
    assert one[0]["messages"][2]["content"] == by_id[first["Text ID"]]["reference"]


# ----------------------------------------------------------------------------- ACI-Bench
def test_aci_bench_items():
    rows = read_csv(FIX / "aci_bench.csv")
    items = load("aci_bench", FIX / "aci_bench.csv")
    order = clue_order(rows)
    assert [it["id"] for it in items] == [r["encounter_id"] for r in order]
    it = items[0]
    assert roles(it) == ["user"]  # zero-shot, no system prompt: the paper's prompt alone
    assert it["messages"][0]["content"] == (
        "summarize the conversation to generate a clinical note with four sections: HISTORY OF PRESENT ILLNESS, "
        "PHYSICAL EXAM, RESULTS, ASSESSMENT AND PLAN. The conversation is:\n" + order[0]["dialogue"])
    assert it["reference"] == order[0]["note"] and "\n\nASSESSMENT AND PLAN\n\n" in it["reference"]
    assert TASKS["aci_bench"].generated_metrics[0] == "rouge1"


# ----------------------------------------------------------------------------- SDoH
def test_sdoh_shadr_format():
    usable = [0, 1, 2, 5, 6, 7, 8, 9]  # row 3 is CAREGIVER only (legacy), row 4 has no label
    items = load("sdoh", FIX / "sdoh_shadr.csv")
    assert [it["id"] for it in items] == [f"row{i}" for i in clue_order(usable)[3:]]
    it = items[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 3 + ["user"]
    rows = read_csv(FIX / "sdoh_shadr.csv")
    assert it["messages"][-1]["content"] == "Sentence: " + rows[int(it["id"][3:])]["text"]
    refs = {x["id"]: x["reference"] for x in load("sdoh", FIX / "sdoh_shadr.csv", few_shot=0)}
    assert refs["row1"] == "RELATIONSHIP,SUPPORT" and refs["row9"] == "EMPLOYMENT"  # EDUCATION dropped
    assert "row3" not in refs and "row4" not in refs


def test_sdoh_physionet_format_keeps_sentences_without_sdoh():
    refs = {x["id"]: x["reference"] for x in load("sdoh", FIX / "sdoh_physionet.csv", few_shot=0)}
    assert refs == {"row0": "EMPLOYMENT", "row1": "HOUSING,SUPPORT", "row2": "<NO_SDOH>", "row3": "EMPLOYMENT",
                    "row4": "TRANSPORTATION"}
    assert len(load("sdoh", FIX / "sdoh_physionet.csv")) == 2


def test_sdoh_metric():
    fn = TASKS["sdoh"].metric_fn
    m = fn("Housing", {"reference": "HOUSING,SUPPORT"})
    assert (m["sdoh_p"], m["sdoh_r"], m["sdoh_f1"], m["sdoh_exact"]) == pytest.approx((1.0, 0.5, 2 / 3, 0.0))
    assert fn("SUPPORT, HOUSING", {"reference": "HOUSING,SUPPORT"})["sdoh_exact"] == 1.0
    assert fn("<NO_SDOH>", {"reference": "<NO_SDOH>"})["sdoh_f1"] == 1.0
    assert fn("I am not sure.", {"reference": "<NO_SDOH>"})["sdoh_f1"] == 0.0
    assert clue.parse_sdoh("EMPLOYMENT, housing; UNEMPLOYMENT") == {"EMPLOYMENT", "HOUSING"}


# ----------------------------------------------------------------------------- MedConceptsQA
def test_medconceptsqa_items_follow_lm_eval():
    rows = [r for r in read_csv(FIX / "medconceptsqa.csv") if r["vocab"] == "ICD10CM"]  # the ATC row goes
    items = load("medconceptsqa_icd10cm", FIX / "medconceptsqa.csv")
    order = clue_order(rows)
    assert [it["id"] for it in items] == [r["question_id"] for r in order[4:]]  # lm-eval's 4 shots
    it = items[0]
    assert roles(it) == ["system"] + ["user", "assistant"] * 4 + ["user"]
    assert it["messages"][0]["content"] == "Answer A,B,C,D according to the answer to this multiple choice question.\n"
    assert it["messages"][1]["content"] == order[0]["question"] + "\nAnswer:"
    assert it["messages"][2]["content"] == order[0]["answer_id"]
    assert it["messages"][-1]["content"] == order[4]["question"] + "\nAnswer:"
    assert it["options"] == ["A", "B", "C", "D"]
    assert [x["gold"] for x in items] == ["ABCD".index(r["answer_id"]) for r in order[4:]]
    assert [r[f"option{x['gold'] + 1}"] for x, r in zip(items, order[4:])] == [r["answer"] for r in order[4:]]

    fn = TASKS["medconceptsqa_icd10cm"].metric_fn
    assert fn(f"{it['reference']}. something", it) == {"accuracy": 1.0, "answered": 1.0}
    wrong = "ABCD"[(it["gold"] + 1) % 4]
    assert fn(f"Answer: {wrong}", it) == {"accuracy": 0.0, "answered": 1.0}
    assert fn("I do not know", it) == {"accuracy": 0.0, "answered": 0.0}
