"""The CLUE+ metrics on hand-computed examples (no Ray, no models)."""
from __future__ import annotations

import pytest

from mediphi.evaluate import metrics as M


# ----------------------------------------------------------------------------- ROUGE
def test_rouge_ngrams_and_lcs_by_hand():
    # pred: the cat sat on the mat / ref: the cat is on the mat (6 tokens each)
    # unigrams: the x2, cat, on, mat shared -> 5/6; bigrams: the-cat, on-the, the-mat -> 3/5;
    # LCS: the cat on the mat -> 5/6
    s = M.rouge("the cat sat on the mat", "the cat is on the mat")
    assert s["rouge1"] == pytest.approx(5 / 6)
    assert s["rouge2"] == pytest.approx(3 / 5)
    assert s["rougeL"] == pytest.approx(5 / 6)
    assert s["rougeLsum"] == pytest.approx(5 / 6)


def test_rouge_lsum_splits_sentences_on_newlines_only():
    # tokens a b c d vs c d a b: LCS over the whole text is 2 of 4 -> rougeL 0.5; split at "\n",
    # each reference sentence is matched in full by one predicted sentence -> rougeLsum 1.0;
    # bigrams (a b)(b c)(c d) vs (c d)(d a)(a b): 2 of 3 shared
    s = M.rouge("a b\nc d", "c d\na b")
    assert s["rouge1"] == pytest.approx(1.0)
    assert s["rouge2"] == pytest.approx(2 / 3)
    assert s["rougeL"] == pytest.approx(0.5)
    assert s["rougeLsum"] == pytest.approx(1.0)


def test_rouge_tokenizer_is_hf_evaluate_default():
    # lower-cased, punctuation is a separator, non-ASCII letters vanish ("café" -> "caf"), no
    # stemming ("fractures" != "fracture"): only "chf" matches, 1 of 3 tokens on each side
    s = M.rouge("Café, CHF! fractures", "cafe chf fracture")
    assert s["rouge1"] == pytest.approx(1 / 3)
    assert M.rouge("Heart FAILURE.", "heart failure")["rougeL"] == pytest.approx(1.0)


def test_rouge_empty_prediction_scores_zero():
    assert M.rouge("", "some reference") == {k: 0.0 for k in M.ROUGE_TYPES}


# ----------------------------------------------------------------------------- set F1
def test_set_f1():
    assert M.set_f1({"a", "b"}, {"b", "c"}) == pytest.approx((0.5, 0.5, 0.5))
    assert M.set_f1(["a", "a", "b"], ["a"]) == pytest.approx((0.5, 1.0, 2 / 3))  # duplicates ignored
    assert M.set_f1([], []) == (1.0, 1.0, 1.0)  # nothing to find, nothing claimed
    assert M.set_f1([], ["a"]) == (0.0, 0.0, 0.0)
    assert M.set_f1(["a"], []) == (0.0, 0.0, 0.0)


# ----------------------------------------------------------------------------- ICD-10
@pytest.mark.parametrize("text,codes", [
    ("ICD-10 Codes: E11.9, I10, N17.9", ["E11.9", "I10", "N17.9"]),
    ("E119 I10", ["E119", "I10"]),  # dotless
    ("e11.9, i10", []),  # CLUE's regex is upper case only
    ("U07.1 COVID-19", []),  # U is outside [A-TV-Z]
    ("vitamin B12 deficiency (E53.8)", ["B12", "E53.8"]),  # any code-shaped word counts
    ("No codes.", []),
])
def test_parse_icd_codes(text, codes):
    assert M.parse_icd_codes(text) == codes


def test_icd10_validity_accepts_dotless_rejects_lowercase():
    assert M.is_icd10_valid("E119") and M.is_icd10_valid("E11.9") and M.is_icd10_valid("E11")
    assert not M.is_icd10_valid("e119")
    assert not M.is_icd10_valid("E1190")


def test_icd_metrics_several_codes():
    # preds E119, E1165 (dots removed) vs gold E1165, I10: exact 1 of 2 each way;
    # categories {E11} vs {E11, I10}: precision 1, recall 1/2, F1 2/3
    m = M.icd_code_metrics(["E11.9", "E11.65"], ["E1165", "I10"])
    assert (m["icd_em_p"], m["icd_em_r"], m["icd_em_f1"]) == pytest.approx((0.5, 0.5, 0.5))
    assert (m["icd_ap_p"], m["icd_ap_r"], m["icd_ap_f1"]) == pytest.approx((1.0, 0.5, 2 / 3))
    assert m["valid_codes"] == 1.0


def test_icd_metrics_repeated_codes_count_at_each_occurrence():
    # exact precision counts list elements: I10 twice is right twice -> 2/3; categories are sets
    m = M.icd_code_metrics(["I10", "I10", "E119"], ["I10"])
    assert (m["icd_em_p"], m["icd_em_r"], m["icd_em_f1"]) == pytest.approx((2 / 3, 1.0, 0.8))
    assert (m["icd_ap_p"], m["icd_ap_r"]) == pytest.approx((0.5, 1.0))
    # a repeated gold code is recalled by one prediction: recall 2/2
    assert M.icd_code_metrics(["I10"], ["I10", "I10"])["icd_em_r"] == 1.0


def test_icd_metrics_invalid_and_empty():
    m = M.icd_code_metrics(["E11.9", "E11.90", "Z99.99"], ["E119"])
    assert m["valid_codes"] == pytest.approx(1 / 3)  # E1190 and Z9999 are not ICD-10-CM codes
    assert m["icd_em_p"] == pytest.approx(1 / 3)
    none = M.icd_code_metrics([], ["I10"])
    assert all(v == 0.0 for v in none.values())
    # MeDiSumCode's gold for a note without codes is "".split(", ") == [""]: recall 0, no crash
    assert M.icd_code_metrics(["I10"], "".split(", "))["icd_em_f1"] == 0.0


# ----------------------------------------------------------------------------- MedNLI
@pytest.mark.parametrize("output,label,score", [
    ("ENTAILMENT", "entailment", 1.0),
    ("The relation is entailment.", "entailment", 1.0),  # case-insensitive
    ("NEUTRAL, not ENTAILMENT", "neutral", 1.0),  # other labels may appear
    ("ENTAILMENT or CONTRADICTION", "contradiction", 1.0),
    ("NEUTRAL. Definitely NEUTRAL", "neutral", 0.0),  # twice is wrong
    ("I cannot tell.", "neutral", 0.0),
    ("NEUTRAL", "contradiction", 0.0),
])
def test_mednli_rule(output, label, score):
    assert M.mednli_correct(output, label) == score


# ----------------------------------------------------------------------------- LongHealth
@pytest.mark.parametrize("pred,choice", [
    ("The correct answer is C: Acute bronchitis.", "C"),
    ("The correct answer is B: x. The correct answer is C: y.", "B"),  # the first
    ("the correct answer is C: Acute bronchitis.", ""),  # case-sensitive phrase
    ("The correct answer is C", ""),  # no colon
    ("C: Acute bronchitis", ""),
])
def test_parse_longhealth_choice(pred, choice):
    assert M.parse_longhealth_choice(pred) == choice


def test_longhealth_correct_answer_is_first_option_containing_the_text():
    q = {"question": "?", "answer_a": "Heart failure with reduced ejection fraction", "answer_b": "Heart failure",
         "answer_c": "x", "answer_d": "y", "answer_e": "z", "correct": "Heart failure",
         "answer_location": {"text_0": {"start": [0], "end": [1]}}}
    assert M.longhealth_correct_answer(q) == "A"  # substring match, as CLUE's get_correct_answer
    assert M.longhealth_correct_answer({**q, "correct": "y"}) == "D"
    assert M.longhealth_correct_answer({**q, "correct": "not an option"}) is None


# ----------------------------------------------------------------------------- MEDEC
def test_medec_error_found_and_corrected():
    m = M.medec_metrics("1 Rotavirus is suspected.", "1", "1", "Rotavirus is suspected.")
    assert m["error_flag_acc"] == 1.0 and m["error_sentence_acc"] == 1.0
    # package rouge: F = 2PR/(P+R+1e-8) with P = R = 1
    assert m["rouge1_composite"] == pytest.approx(1.0, abs=1e-7)
    # quotes stripped as the official script does; "|" after the id accepted
    assert M.medec_metrics('1 "Rotavirus is suspected."', "1", "1", "Rotavirus is suspected.")["rouge1_composite"] \
        == pytest.approx(1.0, abs=1e-7)
    assert M.medec_metrics("1|Rotavirus is suspected.", "1", "1", "x")["error_sentence_acc"] == 1.0


def test_medec_rouge1_is_case_sensitive_unigram_sets():
    # {rotavirus, is, suspected} vs {Rotavirus, is, suspected}: 2 of 3 each way
    m = M.medec_metrics("1 rotavirus is suspected", "1", "1", "Rotavirus is suspected.")
    assert m["rouge1_composite"] == pytest.approx(2 / 3, abs=1e-7)
    # wrong sentence id: flag right, sentence wrong, correction still scored
    m = M.medec_metrics("0 Rotavirus is suspected.", "1", "1", "Rotavirus is suspected.")
    assert (m["error_flag_acc"], m["error_sentence_acc"]) == (1.0, 0.0)
    assert M.rouge1_pltrdy("The cat sat. The dog", "the cat. sat") == pytest.approx(4 / 7, abs=1e-7)


def test_medec_na_cases():
    assert M.medec_metrics("CORRECT", "0", "-1", "NA") == \
        {"error_flag_acc": 1.0, "error_sentence_acc": 1.0, "rouge1_composite": 1.0}
    assert M.medec_metrics("CORRECT", "1", "1", "Rotavirus is suspected.") == \
        {"error_flag_acc": 0.0, "error_sentence_acc": 0.0, "rouge1_composite": 0.0}
    assert M.medec_metrics("2 Something else.", "0", "-1", "NA") == \
        {"error_flag_acc": 0.0, "error_sentence_acc": 0.0, "rouge1_composite": 0.0}
    # not in the answer format: counted as no answer
    assert M.medec_metrics("Sentence 1 is wrong.", "1", "1", "x") == \
        {"error_flag_acc": 0.0, "error_sentence_acc": 0.0, "rouge1_composite": 0.0}
    assert M.rouge1_pltrdy("...", "a b") == 0.0  # the package refuses it; the script would crash


# ----------------------------------------------------------------------------- letters
@pytest.mark.parametrize("text,letter", [
    ("B", "B"), ("Answer: C.", "C"), ("(D) Essential hypertension", "D"), ("A. Cholera", "A"),
    ("a patient with gout", None), ("E", None),
])
def test_parse_choice_letter(text, letter):
    assert M.parse_choice_letter(text) == letter
