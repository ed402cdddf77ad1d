"""The MediFlow taxonomy as data: what a synthetic instruction can be about (MediPhi, ACL 2025).

A spec is one draw from each axis: a clinical task type (14), the clinical document type it is
applied to (98; MediFlow's `input_data`), an output format (plain text or a JSON object) and a
difficulty level (1-6). Each task carries a description, an instruction template (shown to the
teacher as an example of the instruction to write; `{document}` is the document type), the output
formats it supports and, for JSON, the JSON Schema (draft 2020-12) its answer must validate
against (schemas.py validates and repairs). The judge scores every generated example on the five
criteria below, each on a 1-5 scale.

The 14 task types cover the clinical tasks of CLUE+ (mediphi.evaluate.clue): MedNLI is
natural_language_inference, MEDEC error_detection_correction, SDoH sdoh_extraction, ACI-Bench
note_generation (from a doctor-patient dialogue), MeQSum / problem summaries / MEDIQA-RRS
summarization, LongHealth / MeDiSumQA / MedicationQA question_answering, MeDiSumCode icd10_coding.
text_simplification stays for the patient-facing answers of MeDiSumQA and MedicationQA. Left out of
MediFlow's list for them: deidentification (done by prepare, no CLUE+ task), paraphrasing (no
CLUE+ task) and temporal extraction (now the event-time relations of relation_extraction).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DIALOGUE = "Doctor-patient dialogue transcript"


# ----------------------------------------------------------------------------- schema helpers
def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """An object schema. Extra keys stay allowed: a teacher's additional detail is no error."""
    return {"type": "object", "properties": properties, **({"required": list(required)} if required else {}), **more}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _schema(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """A task's answer schema: a JSON object, draft 2020-12."""
    return {"$schema": JSON_SCHEMA_DIALECT, **_obj(properties, required, **more)}


_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_TEXT_OR_LIST = {"type": ["string", "array"], "items": _STR}  # items applies to a list only
# An ICD-10-CM code: a letter, two characters, then up to four after an optional dot (E11.9, S42152G)
_ICD10CM_CODE = {"type": "string", "pattern": "^[A-Za-z][0-9][0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?$"}
_CODED = _obj({"code": _ICD10CM_CODE, "description": _STR}, ("code",))

NLI_LABELS: tuple[str, ...] = ("entailment", "contradiction", "neutral")
# The SDoH categories of Guevara et al. 2024 (the sdoh evaluation task) and the substance use of
# the n2c2 2022 SDoH track. A category's value is its status ("retired", "former smoker"), null
# when the note says nothing, or an object with the status and the words that support it.
SDOH_CATEGORIES: tuple[str, ...] = ("employment", "housing", "relationship", "parent", "social_support",
                                    "transportation", "tobacco_use", "alcohol_use", "drug_use")
_SDOH_STATUS = {"type": ["string", "null", "object"], "properties": {"status": _STR, "evidence": _STR},
                "required": ["status"]}  # properties and required apply to an object only
# ACI-Bench's note sections: history and plan always, exam and results when the visit had them
NOTE_SECTIONS: tuple[str, ...] = ("history_of_present_illness", "physical_exam", "results", "assessment_and_plan")

SCHEMAS: dict[str, dict[str, Any]] = {
    "named_entity_recognition": _schema(
        {"entities": _list(_obj({"text": _STR, "type": _STR}, ("text", "type")))}, ("entities",)),
    "relation_extraction": _schema(
        {"relations": _list(_obj({"head": _STR, "relation": _STR, "tail": _STR}, ("head", "relation", "tail")))},
        ("relations",)),
    "summarization": _schema({"summary": _STR, "key_points": _list(_STR)}, ("summary",)),
    "question_answering": _schema(
        {"answer": {"type": ["string", "number", "boolean", "array"]}, "evidence": _TEXT_OR_LIST}, ("answer",)),
    "text_classification": _schema({"label": _TEXT_OR_LIST, "rationale": _STR}, ("label",)),
    "clinical_reasoning": _schema(
        {"diagnosis": _STR, "differentials": _list({"type": ["string", "object"]}), "evidence": _TEXT_OR_LIST,
         "reasoning": _STR}, ("diagnosis",)),
    # one code or a list of them: a single diagnosis is often answered as one object
    "icd10_coding": _schema({"codes": _list(_CODED), **_CODED["properties"]},
                            anyOf=[{"required": ["codes"]}, {"required": ["code"]}]),
    "text_simplification": _schema(
        {"simplified_text": _STR, "glossary": _list(_obj({"term": _STR, "explanation": _STR}, ("term",)))},
        ("simplified_text",)),
    "note_generation": _schema(
        {s: (_STR if s in ("history_of_present_illness", "assessment_and_plan") else _STR_OR_NULL)
         for s in NOTE_SECTIONS}, ("history_of_present_illness", "assessment_and_plan")),
    "abbreviation_expansion": _schema(
        {"expansions": _list(_obj({"abbreviation": _STR, "expansion": _STR, "alternatives": _list(_STR)},
                                  ("abbreviation", "expansion")))}, ("expansions",)),
    "medication_extraction": _schema(
        {"medications": _list(_obj({"name": _STR, **{k: {"type": ["string", "number", "null"]}
                                                     for k in ("dose", "route", "frequency", "indication")}},
                                   ("name",)))}, ("medications",)),
    "natural_language_inference": _schema({"label": {"enum": list(NLI_LABELS)}, "explanation": _STR}, ("label",)),
    # MEDEC: the text is correct or holds one error; an error found must be named and corrected
    "error_detection_correction": _schema(
        {"has_error": {"type": "boolean"}, "error_sentence_id": {"type": ["integer", "string", "null"]},
         "error_sentence": _STR_OR_NULL, "corrected_sentence": _STR_OR_NULL}, ("has_error",),
        **{"if": {"properties": {"has_error": {"const": True}}},
           "then": {"properties": {"error_sentence": _STR, "corrected_sentence": _STR},
                    "required": ["error_sentence", "corrected_sentence"]}}),
    # at least one known category: an object of other keys answers some other question
    "sdoh_extraction": _schema({c: {"$ref": "#/$defs/status"} for c in SDOH_CATEGORIES},
                               anyOf=[{"required": [c]} for c in SDOH_CATEGORIES],
                               **{"$defs": {"status": _SDOH_STATUS}}),
}


@dataclass(frozen=True)
class TaskType:
    name: str
    description: str
    template: str  # an example instruction; {document} is the document type, lower case
    output_formats: tuple[str, ...] = ("plain_text", "json")
    document_types: tuple[str, ...] = ()  # the only document types its input can be; () any
    input_note: str = ""  # what the teacher writing the input must put in it for this task
    schema: dict[str, Any] | None = field(default=None, compare=False)  # a json answer's JSON Schema

    def example(self, document_type: str) -> str:
        return self.template.format(document=document_type.lower())


def _task(name: str, description: str, template: str, **more: Any) -> TaskType:
    return TaskType(name, description, template, schema=SCHEMAS.get(name), **more)


TASK_TYPES: dict[str, TaskType] = {t.name: t for t in (
    _task("named_entity_recognition",
          "find clinical entities (problems, tests, treatments, anatomy) and label their type",
          "List every clinical problem, test and treatment mentioned in this {document}, each with its type."),
    _task("relation_extraction",
          "find relations between clinical entities (treatment-problem, test-result, drug-adverse event, "
          "event-time)",
          "Identify each treatment in this {document} and the problem it is given for."),
    _task("summarization",
          "condense the document into its clinically essential facts",
          "Summarize this {document} in three sentences for the next clinician on duty."),
    _task("question_answering",
          "answer a specific clinical question from the document's content",
          "Using only this {document}, what was the patient's main reason for care and how was it managed?"),
    _task("text_classification",
          "assign the document or a finding to one label from a stated set",
          "Classify the urgency of the findings in this {document} as routine, urgent or emergent."),
    _task("clinical_reasoning",
          "reason from findings to a diagnosis or differential, stating the evidence",
          "Give the most likely diagnosis suggested by this {document} and two differentials, with the evidence "
          "for each."),
    _task("icd10_coding",
          "assign ICD-10-CM codes to the diagnoses the document supports",
          "Assign ICD-10-CM codes to the diagnoses documented in this {document}."),
    _task("text_simplification",
          "rewrite clinical text in plain language a patient can understand",
          "Explain this {document} to the patient in plain language at a sixth-grade reading level."),
    _task("note_generation",
          "write the clinical note (history of present illness, physical exam, results, assessment and plan) "
          "of the visit a doctor-patient dialogue records",
          "Write the clinical note of the visit in this {document}, with the sections history of present "
          "illness, physical exam, results, and assessment and plan.",
          document_types=(DIALOGUE,),
          input_note="Write it as the visit's conversation, one turn per line, each starting with [doctor] or "
                     "[patient]."),
    _task("abbreviation_expansion",
          "expand the clinical abbreviations and acronyms in context",
          "Expand every abbreviation and acronym in this {document} to its meaning in context."),
    _task("medication_extraction",
          "extract medications with dose, route, frequency and indication",
          "Extract every medication in this {document} with its dose, route, frequency and indication."),
    _task("natural_language_inference",
          "decide whether the document (the premise) entails, contradicts or is neutral toward a stated "
          "hypothesis about the patient",
          "Based on this {document}, is the statement \"The patient has a history of heart failure\" an "
          "entailment, a contradiction or neutral?"),
    _task("error_detection_correction",
          "decide whether the document has one clinical error (diagnosis, treatment, management or cause); "
          "if so, name the erroneous sentence and correct it",
          "This {document} is either correct or contains one clinical error. Find the sentence with the error "
          "and give it corrected, or say that the text is correct.",
          input_note="Put exactly one clinical error (a wrong diagnosis, treatment, management step or cause) "
                     "in one sentence, or none; do not point it out."),
    _task("sdoh_extraction",
          "extract the social determinants of health (employment, housing, relationship, parenthood, social "
          "support, transportation, tobacco, alcohol and drug use) with their status",
          "From this {document}, extract the patient's employment, housing, social support, transportation, and "
          "tobacco, alcohol and drug use, each with its status.",
          input_note="Include the patient's social history."),
)}

# Document type -> what it is, one line (shown nowhere yet but the data card; the name is what the
# teacher is asked to write). The groups are for reading only.
DOCUMENT_DESCRIPTIONS: dict[str, str] = {
    # hospital course
    "Discharge summary": "the hospital stay from admission to discharge: course, diagnoses, medications, follow-up",
    "Admission note": "why the patient is admitted, with history, findings and the initial plan",
    "History and physical examination": "the complete history and examination that opens an encounter",
    "Progress note": "a daily inpatient update: events, findings, assessment and plan",
    "SOAP note": "a visit in four parts: subjective, objective, assessment, plan",
    "Intensive care unit daily note": "an ICU patient's day by organ system, with devices, drips and plan",
    "Transfer summary": "the handover when a patient moves between units or hospitals",
    "Shift handoff note": "a brief nurse or physician handover of active issues at change of shift",
    "Death summary": "the course that ended in death, the cause of death and the circumstances",
    "Physician orders": "the orders for medications, tests, diet, activity and nursing care",
    # emergency and acute care
    "Emergency department note": "an emergency visit: complaint, workup, treatment and disposition",
    "Triage note": "the first nurse assessment at arrival: complaint, vital signs and acuity",
    "Trauma assessment": "primary and secondary survey of an injured patient",
    # consultations and surgery
    "Consultation note": "a specialist's answer to a referring clinician's question",
    "Operative report": "a surgery: indication, procedure, findings, complications and blood loss",
    "Procedure note": "a bedside or clinic procedure with its indication, technique and outcome",
    "Anesthesia record": "the anesthetic given, airway, drugs, fluids and vital signs during surgery",
    "Post-operative note": "the patient's state and orders right after surgery",
    "Pre-operative assessment": "fitness for surgery: comorbidities, risk, medications to hold",
    "Wound care note": "a wound's size, bed, drainage and the dressing applied",
    # imaging
    "Radiology report": "a radiologist's findings and impression on an imaging study",
    "Chest X-ray report": "findings and impression of a chest radiograph",
    "CT scan report": "findings and impression of a computed tomography study",
    "MRI report": "findings and impression of a magnetic resonance imaging study",
    "Ultrasound report": "findings and impression of an ultrasound examination",
    "Mammography report": "a breast imaging study with its BI-RADS assessment",
    "Nuclear medicine scan report": "a scintigraphy or PET study: tracer, uptake and impression",
    # cardiology and physiology
    "Echocardiogram report": "cardiac chambers, valves and ejection fraction on ultrasound",
    "Electrocardiogram interpretation": "rhythm, intervals, axis and ischemic changes of an ECG",
    "Cardiac catheterization report": "coronary anatomy, stenoses, pressures and interventions",
    "Cardiac stress test report": "exercise or pharmacologic stress: symptoms, ECG changes, imaging",
    "Pulmonary function test report": "spirometry, lung volumes and diffusion with their interpretation",
    "Sleep study report": "polysomnography: apnea-hypopnea index, oxygen saturation, sleep stages",
    "Electroencephalogram report": "brain electrical activity: background, epileptiform discharges",
    "Electromyography report": "nerve conduction and needle EMG findings",
    # laboratory and pathology
    "Laboratory results report": "blood and urine test values with reference ranges and flags",
    "Microbiology culture report": "organisms grown from a specimen and their antibiotic susceptibilities",
    "Arterial blood gas report": "pH, pCO2, pO2, bicarbonate and their acid-base interpretation",
    "Pathology report": "gross and microscopic description of tissue with the diagnosis",
    "Cytology report": "cells from a smear, fluid or fine-needle aspirate and their interpretation",
    "Autopsy report": "post-mortem findings and the cause of death",
    "Genetic testing report": "variants found, their classification and clinical meaning",
    "Blood transfusion record": "products given, volumes, checks and any reaction",
    # endoscopy
    "Endoscopy report": "an upper GI endoscopy: findings, biopsies and recommendations",
    "Colonoscopy report": "the colon's findings, polyps removed and the surveillance interval",
    "Bronchoscopy report": "airway findings, lavage and biopsies",
    # nursing
    "Nursing note": "a nurse's observations, interventions and the patient's response",
    "Nursing admission assessment": "the nursing intake: functional status, risks, skin, safety",
    "Nursing care plan": "nursing diagnoses with goals and interventions",
    "Vital signs flowsheet": "vital signs charted over time",
    "Intake and output record": "fluids in and out over a shift or a day",
    # medications
    "Medication administration record": "each dose given, with time, route and who gave it",
    "Medication reconciliation": "home and hospital medications compared: continued, changed, stopped",
    "Prescription": "a drug order for the patient: drug, dose, route, frequency, quantity",
    "Pharmacy consultation note": "a pharmacist's review of dosing, interactions and monitoring",
    "Chemotherapy order": "an anticancer regimen with doses by body surface area and premedications",
    "Allergy list": "allergens with the reaction and its severity",
    # summaries and lists
    "Problem list": "the patient's active and past diagnoses",
    "Immunization record": "vaccines given, with dates and doses",
    "Oncology treatment summary": "a cancer's stage and the treatments given, with response",
    "Tumor board summary": "a multidisciplinary cancer case review and its recommendation",
    # allied health
    "Physical therapy evaluation": "mobility, strength and function with the therapy goals",
    "Occupational therapy note": "daily-living skills and the therapy toward independence",
    "Speech-language pathology evaluation": "swallowing, speech and language findings and the plan",
    "Respiratory therapy note": "airway clearance, oxygen or ventilator settings and response",
    "Dietitian nutrition assessment": "nutritional status, needs and the diet recommended",
    "Social work note": "the patient's social situation, supports, resources and discharge needs",
    "Case management note": "care coordination: insurance, placement and services after discharge",
    # mental health
    "Psychiatric evaluation": "psychiatric history, mental status, risk and diagnosis",
    "Psychotherapy progress note": "a therapy session's content, progress and plan",
    "Mental status examination": "appearance, mood, thought, cognition and insight at one time",
    "Substance use assessment": "use of alcohol, tobacco and drugs, dependence and readiness to change",
    # maternal and child health
    "Prenatal visit note": "a pregnancy check: gestational age, fetal heart rate, blood pressure",
    "Labor and delivery note": "labor's course and the delivery, with mother's and newborn's state",
    "Postpartum note": "the mother's recovery after birth",
    "Newborn examination": "a newborn's first examination with measurements and screening",
    "Well-child visit note": "a child's growth, development, vaccines and anticipatory guidance",
    "Neonatal intensive care progress note": "a sick or premature newborn's day in the NICU",
    # outpatient and specialty
    "Primary care visit note": "an outpatient visit to the family doctor, including yearly check-ups",
    "Telehealth visit note": "a visit held by video or phone, with what could not be examined",
    "Dermatology clinic note": "skin lesions described and their diagnosis and treatment",
    "Ophthalmology examination": "visual acuity, pressures and the eye findings",
    "Audiology report": "hearing thresholds and the type of hearing loss",
    "Dental progress note": "teeth and gums examined and the dental treatment done",
    "Dialysis treatment record": "a dialysis session: access, fluid removed, vital signs",
    "Geriatric assessment": "an older adult's function, cognition, falls, mood and medications",
    # communication
    "Referral letter": "a clinician's request that a colleague see the patient, with the reason",
    "Clinic letter to the referring physician": "a specialist's findings and plan written back to the referrer",
    "Patient portal message": "a patient's written question to the care team, or its reply",
    "Telephone encounter note": "a phone call with the patient: the concern and the advice given",
    DIALOGUE: "the recorded conversation of a visit, turn by turn (ACI-Bench's input)",
    "Patient education handout": "plain-language information for a patient about a condition or care",
    "Discharge instructions": "what the patient must do at home: medications, warning signs, follow-up",
    # legal, administrative and home care
    "Informed consent form": "a procedure's risks, benefits and alternatives as agreed by the patient",
    "Advance directive": "the patient's wishes for care if unable to decide",
    "Incident report": "an adverse event or near miss in care and what was done",
    "Home health visit note": "a nurse's or therapist's visit at the patient's home",
    "Hospice care plan": "comfort-focused goals, symptom control and support at the end of life",
}
DOCUMENT_TYPES: tuple[str, ...] = tuple(DOCUMENT_DESCRIPTIONS)

# Inputs of grounded rows (synthesize/grounded.py) that are no clinical note say what they are
# (mediphi.grounded.pubmed and .packages name them).
GROUNDED_DOCUMENT_TYPES: tuple[str, ...] = ("Research abstract", "Abbreviation list")

DIFFICULTY_LEVELS: dict[int, str] = {
    1: "very easy: one explicit fact, read directly from the text",
    2: "easy: a few explicit facts, no interpretation",
    3: "moderate: combine several parts of the document",
    4: "challenging: interpret findings with clinical knowledge",
    5: "hard: multi-step reasoning over ambiguous or conflicting information",
    6: "expert: specialist-level judgment a senior clinician would need",
}

OUTPUT_FORMATS: dict[str, str] = {
    "plain_text": "plain text",
    "json": "a single JSON object",
}

# The judge's five criteria (MediFlow's score columns), and which fields of an example each one reads:
# a criterion sees only what it judges, which also keeps the judge's prompts short.
JUDGE_CRITERIA: dict[str, tuple[str, tuple[str, ...]]] = {
    "quality": ("Is the response correct, complete and clinically sound for this instruction and input?",
                ("instruction", "input", "output")),
    "alignment": ("Does the response do exactly what the instruction asks, in the requested format?",
                  ("instruction", "output")),
    "coherence": ("Is the response clear, well organized and free of contradictions?", ("output",)),
    "realism": ("Does the input read like a real {document}?", ("input",)),
    "difficulty": ("How hard is this task? 1 means trivial, 5 means it needs an expert clinician.",
                   ("instruction", "input")),
}
SCORE_CHOICES: tuple[str, ...] = ("1", "2", "3", "4", "5")
