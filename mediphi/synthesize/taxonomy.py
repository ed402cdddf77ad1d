"""The MediFlow taxonomy as data: what a synthetic instruction can be about (MediPhi, ACL 2025).

A spec is one draw from each axis: a clinical task type (14), the clinical document type it is
applied to (98; MediFlow's `input_data`), an output format (plain text or a JSON object) and a
difficulty level (1-6). Each task carries a description and an instruction template, shown to
the teacher as an example of the instruction to write; `{document}` is the document type.
The judge scores every generated example on the five criteria below, each on a 1-5 scale.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskType:
    name: str
    description: str
    template: str  # an example instruction; {document} is the document type, lower case

    def example(self, document_type: str) -> str:
        return self.template.format(document=document_type.lower())


TASK_TYPES: dict[str, TaskType] = {t.name: t for t in (
    TaskType("named_entity_recognition",
             "find clinical entities (problems, tests, treatments, anatomy) and label their type",
             "List every clinical problem, test and treatment mentioned in this {document}, each with its type."),
    TaskType("relation_extraction",
             "find relations between clinical entities (treatment-problem, test-result, drug-adverse event)",
             "Identify each treatment in this {document} and the problem it is given for."),
    TaskType("summarization",
             "condense the document into its clinically essential facts",
             "Summarize this {document} in three sentences for the next clinician on duty."),
    TaskType("question_answering",
             "answer a specific clinical question from the document's content",
             "Using only this {document}, what was the patient's main reason for care and how was it managed?"),
    TaskType("text_classification",
             "assign the document or a finding to one label from a stated set",
             "Classify the urgency of the findings in this {document} as routine, urgent or emergent."),
    TaskType("clinical_reasoning",
             "reason from findings to a diagnosis or differential, stating the evidence",
             "Give the most likely diagnosis suggested by this {document} and two differentials, with the evidence for each."),
    TaskType("icd10_coding",
             "assign ICD-10-CM codes to the diagnoses the document supports",
             "Assign ICD-10-CM codes to the diagnoses documented in this {document}."),
    TaskType("deidentification",
             "find and replace protected health information (names, dates, places, identifiers)",
             "Rewrite this {document} with every name, date, location and identifier replaced by a [TYPE] tag."),
    TaskType("text_simplification",
             "rewrite clinical text in plain language a patient can understand",
             "Explain this {document} to the patient in plain language at a sixth-grade reading level."),
    TaskType("paraphrasing",
             "restate the clinical content with different wording, keeping every fact",
             "Paraphrase this {document} for a colleague, keeping every clinical fact and value."),
    TaskType("note_generation",
             "expand terse clinical content into a complete, structured note",
             "Expand this {document} into a complete SOAP note."),
    TaskType("abbreviation_expansion",
             "expand the clinical abbreviations and acronyms in context",
             "Expand every abbreviation and acronym in this {document} to its meaning in context."),
    TaskType("temporal_extraction",
             "extract clinical events with their dates, durations and order",
             "List the clinical events in this {document} in chronological order with their timing."),
    TaskType("medication_extraction",
             "extract medications with dose, route, frequency and indication",
             "Extract every medication in this {document} with its dose, route, frequency and indication."),
)}

DOCUMENT_TYPES: tuple[str, ...] = (
    # hospital course
    "Discharge summary", "Admission note", "History and physical examination", "Progress note",
    "SOAP note", "Intensive care unit daily note", "Transfer summary", "Shift handoff note",
    "Death summary", "Physician orders",
    # emergency and acute care
    "Emergency department note", "Triage note", "Trauma assessment",
    # consultations and surgery
    "Consultation note", "Operative report", "Procedure note", "Anesthesia record",
    "Post-operative note", "Pre-operative assessment", "Wound care note",
    # imaging
    "Radiology report", "Chest X-ray report", "CT scan report", "MRI report", "Ultrasound report",
    "Mammography report", "Nuclear medicine scan report",
    # cardiology and physiology
    "Echocardiogram report", "Electrocardiogram interpretation", "Cardiac catheterization report",
    "Cardiac stress test report", "Pulmonary function test report", "Sleep study report",
    "Electroencephalogram report", "Electromyography report",
    # laboratory and pathology
    "Laboratory results report", "Microbiology culture report", "Arterial blood gas report",
    "Pathology report", "Cytology report", "Autopsy report", "Genetic testing report",
    "Blood transfusion record",
    # endoscopy
    "Endoscopy report", "Colonoscopy report", "Bronchoscopy report",
    # nursing
    "Nursing note", "Nursing admission assessment", "Nursing care plan", "Vital signs flowsheet",
    "Intake and output record",
    # medications
    "Medication administration record", "Medication reconciliation", "Prescription",
    "Pharmacy consultation note", "Chemotherapy order", "Allergy list",
    # summaries and lists
    "Problem list", "Immunization record", "Oncology treatment summary", "Tumor board summary",
    # allied health
    "Physical therapy evaluation", "Occupational therapy note", "Speech-language pathology evaluation",
    "Respiratory therapy note", "Dietitian nutrition assessment", "Social work note",
    "Case management note",
    # mental health
    "Psychiatric evaluation", "Psychotherapy progress note", "Mental status examination",
    "Substance use assessment",
    # maternal and child health
    "Prenatal visit note", "Labor and delivery note", "Postpartum note", "Newborn examination",
    "Well-child visit note", "Neonatal intensive care progress note",
    # outpatient and specialty
    "Primary care visit note", "Annual physical examination", "Telehealth visit note",
    "Dermatology clinic note", "Ophthalmology examination", "Audiology report", "Dental progress note",
    "Dialysis treatment record", "Geriatric assessment",
    # communication
    "Referral letter", "Clinic letter to the referring physician", "Patient portal message",
    "Telephone encounter note", "Patient education handout", "Discharge instructions",
    # legal, administrative and home care
    "Informed consent form", "Advance directive", "Incident report", "Home health visit note",
    "Hospice care plan",
)

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
