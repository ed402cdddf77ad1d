"""Names the config validates, as plain data: evaluation tasks, merge methods, de-identifiers.

The config layer checks names here instead of importing the stage packages that implement them
(evaluate's task registry pulls in metrics and loaders; merge's pulls in mergekit planning). Each
registry refuses to register a name that is missing here, and the tests check both directions, so
the two cannot drift apart.
"""
from __future__ import annotations

# name -> (suite, one line). Suites: CLUE (TIO-IKIM/CLUE's six tasks), CLUE+ (the six MediPhi
# adds), offline (built here from public data that ships with registry packages).
EVAL_TASKS: dict[str, tuple[str, str]] = {
    "mednli": ("CLUE", "MedNLI: premise/hypothesis -> entailment, neutral or contradiction"),
    "meqsum": ("CLUE", "MeQSum: consumer health question -> its one-question summary"),
    "problem_summary": ("CLUE", "BioNLP 2023 ProbSum: progress note -> problem list"),
    "longhealth": ("CLUE", "LongHealth: discharge letters -> 5-option question"),
    "medisumqa": ("CLUE", "MeDiSumQA: discharge summary -> question answering"),
    "medisumcode": ("CLUE", "MeDiSumCode: discharge summary -> ICD-10 codes"),
    "mediqa_rrs_qa": ("CLUE+", "MEDIQA-RRS QA: radiology report findings -> impression"),
    "medicationqa": ("CLUE+", "MedicationQA: consumer medication question -> answer"),
    "medec": ("CLUE+", "MEDEC: clinical text -> error flag, error sentence, correction"),
    "aci_bench": ("CLUE+", "ACI-Bench: doctor-patient dialogue -> clinical note"),
    "sdoh": ("CLUE+", "SDoH: clinical text -> social determinants of health mentioned"),
    "medconceptsqa_icd10cm": ("CLUE+", "MedConceptsQA ICD10CM: code -> description, 4 options"),
    "icd10cm_mc_easy": ("offline", "ICD-10-CM code -> description, random distractors"),
    "icd10cm_mc_medium": ("offline", "ICD-10-CM code -> description, distractors 3-5 steps away"),
    "icd10cm_mc_hard": ("offline", "ICD-10-CM code -> description, distractors 2 steps away"),
    "icd10cm_mc_studied": ("offline", "studied ICD-10-CM code -> description, distractors 2 steps away"),
    "icd10cm_coding": ("offline", "description or note line -> ICD-10-CM code"),
    "abbreviation_expansion": ("offline", "clinical abbreviation -> its meaning"),
    "medication_extraction": ("offline", "clinical sentence -> JSON list of the drugs it names"),
    "pubmed_title": ("offline", "PubMed abstract -> its title"),
}

# mergekit method names (merge.methods holds how each is called).
MERGE_EXPERT_METHODS: tuple[str, ...] = ("slerp", "linear")
MERGE_MULTI_METHODS: tuple[str, ...] = ("ties", "breadcrumbs", "breadcrumbs_ties", "dare_ties", "dare_linear", "della",
                                        "della_linear", "task_arithmetic", "sce", "linear", "nuslerp",
                                        "model_stock", "karcher")

# De-identifiers of the prepare stage (mediphi.prepare.deid registers each under its name).
DEIDENTIFIERS: tuple[str, ...] = ("rules", "philter_lite", "presidio")


def check_name(name: str, known, what: str) -> str:
    if name not in known:
        raise ValueError(f"unknown {what} '{name}'; known: {', '.join(known)}")
    return name
