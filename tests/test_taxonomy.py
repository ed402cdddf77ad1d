"""The MediFlow catalog as data: 14 task types covering CLUE+, 98 described document types, each
task's JSON Schema; near-valid JSON repaired; the teacher's json replies checked against the schema."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from mediphi.synthesize import (
    FILTERED,
    KEPT,
    TEACHER_STEPS,
    _apply_reply,
    _fit,
    _read_output,
    prompts,
    schemas,
    summarize,
    write_data_card,
)
from mediphi.synthesize.taxonomy import (
    DIALOGUE,
    DOCUMENT_DESCRIPTIONS,
    DOCUMENT_TYPES,
    JSON_SCHEMA_DIALECT,
    OUTPUT_FORMATS,
    SCHEMAS,
    TASK_TYPES,
)

CLUE_PLUS_TASKS = ("natural_language_inference", "error_detection_correction", "sdoh_extraction", "note_generation")
KEPT_FROM_MEDIFLOW = ("named_entity_recognition", "relation_extraction", "summarization", "question_answering",
                      "text_classification", "clinical_reasoning", "icd10_coding", "abbreviation_expansion",
                      "medication_extraction")


# ----------------------------------------------------------------------------- the catalog
def test_fourteen_task_types_cover_clue_plus():
    assert len(TASK_TYPES) == 14
    assert set(CLUE_PLUS_TASKS) <= set(TASK_TYPES) and set(KEPT_FROM_MEDIFLOW) <= set(TASK_TYPES)
    for name, task in TASK_TYPES.items():
        assert task.name == name and task.description and "{document}" in task.template
        assert task.output_formats and set(task.output_formats) <= set(OUTPUT_FORMATS)
        # a task answers in JSON exactly when it has a schema to check the answer against
        assert ("json" in task.output_formats) == (task.schema is not None), name
        assert set(task.document_types) <= set(DOCUMENT_TYPES), name
    assert TASK_TYPES["note_generation"].document_types == (DIALOGUE,)
    assert "[doctor]" in TASK_TYPES["note_generation"].input_note


def test_ninety_eight_document_types_with_descriptions():
    assert len(DOCUMENT_DESCRIPTIONS) == len(DOCUMENT_TYPES) == 98
    assert DOCUMENT_TYPES == tuple(DOCUMENT_DESCRIPTIONS)
    assert len({d.lower() for d in DOCUMENT_TYPES}) == 98 and DIALOGUE in DOCUMENT_TYPES
    assert all(d.strip() and "\n" not in d for d in DOCUMENT_DESCRIPTIONS.values())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_is_a_valid_json_schema(name):
    schema = TASK_TYPES[name].schema
    assert schema is SCHEMAS[name] and schema["$schema"] == JSON_SCHEMA_DIALECT and schema["type"] == "object"
    Draft202012Validator.check_schema(schema)
    json.loads(schemas.compact(name))  # what the teacher is shown is JSON too, without the dialect URL
    assert "$schema" not in schemas.compact(name)


# One answer each schema must accept and one it must reject (and why it is wrong).
EXAMPLES = {
    "named_entity_recognition": ({"entities": [{"text": "pneumonia", "type": "problem"}]},
                                 {"entities": [{"text": "pneumonia"}]}),  # no type
    "relation_extraction": ({"relations": [{"head": "amoxicillin", "relation": "treats", "tail": "pneumonia"}]},
                            {"relations": ["amoxicillin treats pneumonia"]}),
    "summarization": ({"summary": "Pneumonia treated with amoxicillin.", "key_points": ["pneumonia"]},
                      {"key_points": ["pneumonia"]}),
    "question_answering": ({"answer": "Community-acquired pneumonia", "evidence": "RLL consolidation"},
                           {"answer": None}),
    "text_classification": ({"label": "urgent", "rationale": "new consolidation"}, {"category": "urgent"}),
    "clinical_reasoning": ({"diagnosis": "pneumonia", "differentials": ["atelectasis", {"diagnosis": "edema"}],
                            "evidence": ["fever", "consolidation"]}, {"differentials": ["atelectasis"]}),
    "icd10_coding": ({"codes": [{"code": "J18.9", "description": "Pneumonia, unspecified organism"}]},
                     {"codes": [{"code": "pneumonia"}]}),  # not a code
    "text_simplification": ({"simplified_text": "You have a lung infection.",
                             "glossary": [{"term": "pneumonia", "explanation": "lung infection"}]},
                            {"simplified_text": ["You have a lung infection."]}),
    "note_generation": ({"history_of_present_illness": "Cough for 3 days.", "physical_exam": "Crackles at the right "
                         "base.", "results": None, "assessment_and_plan": "Pneumonia: amoxicillin."},
                        {"history_of_present_illness": "Cough for 3 days."}),  # no assessment and plan
    "abbreviation_expansion": ({"expansions": [{"abbreviation": "CHF", "expansion": "congestive heart failure"}]},
                               {"expansions": [{"abbreviation": "CHF"}]}),
    "medication_extraction": ({"medications": [{"name": "metoprolol", "dose": "25 mg", "route": "oral",
                                                "frequency": "twice daily", "indication": None}]},
                              {"medications": [{"dose": "25 mg"}]}),  # no name
    "natural_language_inference": ({"label": "entailment", "explanation": "The note lists heart failure."},
                                   {"label": "yes"}),
    "error_detection_correction": ({"has_error": True, "error_sentence": "Treated with insulin for hypertension.",
                                    "corrected_sentence": "Treated with lisinopril for hypertension."},
                                   {"has_error": True, "error_sentence": None}),  # an error, but which?
    "sdoh_extraction": ({"employment": "retired", "housing": None,
                         "tobacco_use": {"status": "former", "evidence": "quit smoking in 2010"}},
                        {"smoker": True}),  # none of the categories
}


def test_every_task_has_a_valid_and_an_invalid_example():
    assert set(EXAMPLES) == set(SCHEMAS)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_schema_accepts_a_valid_answer_and_rejects_a_wrong_one(name):
    good, bad = EXAMPLES[name]
    assert schemas.validate(name, good) == []
    assert schemas.validate(name, bad)


def test_schemas_stay_permissive_for_real_teacher_answers():
    # extra keys are detail, not errors; a correct text needs no error sentence; one code alone is fine
    assert schemas.validate("natural_language_inference", {"label": "neutral", "confidence": 0.6}) == []
    assert schemas.validate("error_detection_correction", {"has_error": False, "error_sentence": None,
                                                           "corrected_sentence": None}) == []
    assert schemas.validate("icd10_coding", {"code": "E11.9", "description": "Type 2 diabetes"}) == []
    assert schemas.validate("medication_extraction", {"medications": [{"name": "aspirin", "dose": 81}]}) == []
    assert schemas.validate("sdoh_extraction", {"alcohol_use": "none", "living_situation": "alone"}) == []
    errors = schemas.validate("natural_language_inference", {"label": "maybe"})
    assert len(errors) == 1 and errors[0].startswith("label: ")
    assert schemas.validate("no_such_task", {"a": 1})


# ----------------------------------------------------------------------------- repair
@pytest.mark.parametrize("reply, expected", [
    ('```json\n{"label": "neutral"}\n```', {"label": "neutral"}),
    ('```\n{"label": "neutral",}\n```\nThe premise does not say.', {"label": "neutral"}),
    ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
    ("{'drug': 'aspirin', 'note': 'say \"no\"'}", {"drug": "aspirin", "note": 'say "no"'}),
    ('{"has_error": True, "error_sentence": None, "ok": False}',
     {"has_error": True, "error_sentence": None, "ok": False}),
    ('{label: "entailment", explanation: "stated"}', {"label": "entailment", "explanation": "stated"}),
    ('{"summary": "Stable."', {"summary": "Stable."}),
    ('{"medications": [{"name": "aspirin"}]', {"medications": [{"name": "aspirin"}]}),
    ('{"codes": ["I10"', {"codes": ["I10"]}),
    ('Here is the answer: {"answer": "J18.9", "p": 1e-3} I hope this helps!', {"answer": "J18.9", "p": 0.001}),
    ('{"text": "line one\nline two"}', {"text": "line one\nline two"}),  # a raw line break in a string
    ('{"label": "neutral"}', {"label": "neutral"}),  # valid JSON stays as it is
])
def test_repair_json_fixes_near_valid_json(reply, expected):
    assert schemas.repair_json(reply) == expected


@pytest.mark.parametrize("reply", [
    "The patient has pneumonia.",  # prose: never wrapped into JSON
    "label: neutral",
    '["aspirin", "metformin"]',  # a bare list
    '[{"name": "aspirin"}, {"name": "metformin"}]',  # a list of objects is not the one object asked
    "asdf {{{ ]] }",  # garbage
    '{"summary": "The patient was admitted with',  # cut off mid-string
    '{"a": 1,',  # cut off after a comma
    '{"a": {"b": [{"c": 1}',  # three closers short: an answer cut short, not a slip
    '{"diagnosis": pneumonia}',  # a bare word where a value goes
    '{"dose": 81mg}',
    "{'note': 'patient's wife'}",  # an apostrophe inside single quotes
    "{}",
    "",
])
def test_repair_json_refuses_what_is_not_near_valid(reply):
    assert schemas.repair_json(reply) is None


# ----------------------------------------------------------------------------- the teacher's replies
def _row(task_type: str, output_format: str = "json") -> dict:
    return {"row_id": 0, "task_type": task_type, "output_format": output_format, "input": "Some clinical note.",
            "status": KEPT, "reason": "", "json_repaired": False}


def test_row_check_keeps_valid_and_repaired_json_and_filters_schema_invalid():
    output = TEACHER_STEPS[-1]
    valid = _apply_reply({**_row("natural_language_inference"), "reply": '{"label": "entailment"}'}, output)
    assert (valid["status"], valid["json_repaired"]) == (KEPT, False)
    assert json.loads(valid["output"]) == {"label": "entailment"}

    repaired = _apply_reply({**_row("natural_language_inference"),
                             "reply": "```json\n{'label': 'neutral', 'explanation': 'not stated',}\n```"}, output)
    assert repaired["status"] == KEPT and repaired["reason"] == "" and repaired["json_repaired"] is True
    assert json.loads(repaired["output"]) == {"label": "neutral", "explanation": "not stated"}  # strict JSON now

    wrong = _apply_reply({**_row("natural_language_inference"), "reply": '{"answer": "yes"}'}, output)
    assert (wrong["status"], wrong["reason"]) == (FILTERED, "schema_invalid")
    wrong_after_repair = _apply_reply({**_row("error_detection_correction"), "reply": "{has_error: True}"}, output)
    assert (wrong_after_repair["status"], wrong_after_repair["reason"]) == (FILTERED, "schema_invalid")
    assert wrong_after_repair["json_repaired"] is True

    prose = _apply_reply({**_row("summarization"), "reply": "The patient is stable."}, output)
    assert (prose["status"], prose["reason"], prose["output"]) == (FILTERED, "invalid_json", "The patient is stable.")
    # a plain-text row is not read as JSON at all
    assert _read_output("{label: neutral", _row("natural_language_inference", "plain_text")).reason == ""


def test_accounting_and_data_card_count_repaired_json(tmp_path):
    rows = [{**_row("natural_language_inference"), "row_id": i, "doc_id": f"pubmed:{i}", "output_format": fmt,
             "difficulty_level": 3, "status": status, "reason": reason, "json_repaired": repaired,
             "error_type": "omission" if status == KEPT else "",
             **{s: (4.0 if status == KEPT else math.nan) for s in ("quality", "alignment", "coherence", "realism",
                                                                    "difficulty")},
             "judge_spread": 0.0 if status == KEPT else math.nan}
            for i, (fmt, status, reason, repaired) in enumerate([
                ("json", KEPT, "", False), ("json", KEPT, "", True), ("json", FILTERED, "schema_invalid", True),
                ("json", FILTERED, "invalid_json", False), ("plain_text", KEPT, "", False)])]
    table = pd.DataFrame(rows)
    counts, metrics = summarize(table, len(rows))
    assert counts == {"in": 5, "kept": 3, "filtered": 2, "quarantined": 0}
    assert counts["in"] == counts["kept"] + counts["filtered"] + counts["quarantined"]
    assert metrics["json_repaired"] == {"in": 2, "kept": 1}
    assert metrics["filter_reasons"] == {"invalid_json": 1, "schema_invalid": 1}
    metrics.update(teachers={"hf:tiny": 3}, scores_from="judge hf:tiny")
    card = open(write_data_card(tmp_path / "card.md", table, metrics)).read()
    assert "JSON answers: 2 kept of 4 json rows" in card and "1 kept after repair" in card
    assert "1 invalid_json, 1 schema_invalid" in card
    # a table from before the column existed counts nothing repaired
    assert summarize(table.drop(columns="json_repaired"), 5)[1]["json_repaired"] == {"in": 0, "kept": 0}


# ----------------------------------------------------------------------------- specs and prompts
def test_specs_fit_each_task():
    assert _fit("note_generation", "Radiology report", "json") == (DIALOGUE, "json")
    assert _fit("summarization", "Radiology report", "json") == ("Radiology report", "json")
    assert _fit("summarization", DIALOGUE, "plain_text") == (DIALOGUE, "plain_text")


def test_teacher_prompts_show_the_schema_and_what_the_input_needs():
    text = prompts.instruction_prompt("natural_language_inference", "Discharge summary", "json", 3)
    assert schemas.compact("natural_language_inference") in text and "JSON Schema" in text
    assert "JSON Schema" not in prompts.instruction_prompt("natural_language_inference", "Discharge summary",
                                                            "plain_text", 3)
    # the instruction written names the schema's keys (not the whole schema: it would crowd out the
    # input), so the teacher answering and the student see what the answer is checked on
    assert schemas.keys_note("natural_language_inference") == \
        'with the key "label" (entailment | contradiction | neutral) and optionally "explanation"'
    assert schemas.keys_note("sdoh_extraction").startswith('with one or more of the keys "employment", "housing"')
    cleaned = prompts.clean_instruction("Does the note support the statement?", "json", "natural_language_inference")
    assert cleaned == f"Does the note support the statement? {prompts.json_requirement('natural_language_inference')}"
    assert prompts.clean_instruction(cleaned, "json", "natural_language_inference") == cleaned  # not twice
    assert prompts.clean_instruction("Summarize.", "plain_text", "summarization") == "Summarize."
    dialogue = prompts.input_prompt(DIALOGUE, "Write the note.", "Cough for 3 days.", "note_generation")
    assert "[doctor]" in dialogue and "doctor-patient dialogue transcript" in dialogue
    assert "one clinical error" in prompts.input_prompt("Progress note", "Find the error.", "x",
                                                        "error_detection_correction")
    assert prompts.input_prompt("Progress note", "Summarize.", "x") == prompts.input_prompt(
        "Progress note", "Summarize.", "x", "summarization")  # tasks without a note: the prompt as before
