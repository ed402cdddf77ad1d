"""A hand-written de-identification development set: held out until the rules' second tuning round.

evalset.py generates its notes from value pools, and the rules were tuned until they caught its
forms: its recall says "the listed forms work". These notes were written separately, after the rules
were frozen and without reading them, in other voices and layouts (dictated, templated EHR exports,
nursing flowsheet lines, secure messages, a transfer sheet, a research consent). Until that tuning
round they were held out: scored with the rules frozen, before any tuning against them, the rules
reached recall 0.855 and precision 0.992 here. Since then this is a development set: its misses
were fixed in general (forms, labels, context cues, word lists; never its exact strings), so its
score no longer estimates recall on unseen notes. That estimate now comes from a blind set written
separately, which nobody tunes against.

What is planted follows the Safe Harbor list, not a wider idea of what identifies: states,
ages up to 89, weekdays, employers, room numbers and study or lab (CLIA) numbers are left
unmarked; titles (Dr., Mrs., Nurse) are not part of the name; device serial and lot numbers are planted as "other".

Markup: {kind|text} plants `text` as an identifier of `kind` (a PHI kind of base.PHI_KINDS).
Every person, number, place and address is made up.
"""
from __future__ import annotations

import re

from mediphi.prepare.deid.evalset import EvalDoc, Planted

_MARK = re.compile(r"\{(\w+)\|([^{}]+)\}")

NOTES: list[tuple[str, str]] = [
    ("dictated_discharge", """DISCHARGE SUMMARY
Dictated by: {name|Rebecca Thornquist}, MD   Dictated: {date|11/02/2019}   Transcribed: {date|11/03/2019}
Patient: {name|HALVORSEN, ERIK J}   Unit number: {mrn|00-48-93-12}   Admit: {date|10/28/2019}

This is a {age|92}-year-old retired machinist from {location|Duluth}, admitted through the {facility|St. Luke's} emergency department with
community-acquired pneumonia. His daughter {name|Ingrid} ({phone|218.555.0147}) is his health care proxy.
He was treated with ceftriaxone and azithromycin, transitioned to oral amoxicillin-clavulanate on hospital day 3.
Follow-up with Dr. {name|Okonkwo} at {facility|Lakewalk Family Medicine} on {date|November 12}. Discharged home to
{address|4410 Glenwood St}, {location|Duluth}, MN {zip|55804}.
"""),
    ("ehr_export", """*** PATIENT SUMMARY EXPORT ***
Name.............. {name|Mendez-Ortiz, Ana Lucia}
DOB............... {date|1961-07-23}
MRN............... {mrn|E2290147}
Acct #............ {id|77810093345}
Insurance ID...... {id|XGH448120917}
Home phone........ {phone|(505) 555-0199}
Email............. {email|anita.mendez61@fastmail.com}
Address........... {address|1209 Calle de la Paz}, {location|Santa Fe}, NM {zip|87505}
PCP............... {name|Sandoval, Marcus} NP
Last visit........ {date|03-Jan-2023}
Problem list: type 2 diabetes mellitus (E11.9), hyperlipidemia (E78.5), osteoarthritis of knee (M17.11).
"""),
    ("nursing_flowsheet", """0700 Report received from {name|K. Abernethy} RN. Pt A&Ox3, resting.
0815 BG 212, insulin lispro 4 units given per sliding scale.
0930 Pt's wife {name|Dolores} called ({phone|555-0183}) asking about discharge; informed team.
1120 Seen by PT ({name|Tobias Rinne}, DPT). Ambulated 60 ft with rolling walker.
1400 Tele: NSR 70s. Pt states "my son {name|Gregory} picks me up Friday".
1545 Transport to {facility|Riverbend Imaging} for CT A/P. Room 4127.
"""),
    ("secure_message", """From: {name|Priscilla Vanterpool}
Sent: Tuesday, {date|August 8, 2023} 9:14 PM
To: Cardiology Clinic Pool
Subject: question about my metoprolol

Hi, this is {name|Priscilla} (DOB {date|2/14/48}). I've been feeling lightheaded since the dose went up to 50 mg twice a day.
My blood pressure this morning was 98/60. Should I keep taking it? You can reach me at {phone|+1 414 555 0126} or
{email|pvanterpool@wisc-mail.net}. My MyChart number is {id|MC-5581-2090}.
Thanks, {name|Prissy}
"""),
    ("transfer_sheet", """INTERFACILITY TRANSFER
Sending: {facility|Holy Cross Hospital of Silver Spring} -> Receiving: {facility|Suburban Hospital}, ICU bed 12
Patient {name|Tremaine O. Whitfield}, age {age|94}, SSN {ssn|219 09 9999}, Medicare # {id|1EG4-TE5-MK73}
Accepting physician: Dr. {name|Lorraine Kapoor}   Report called to {name|Marisol} RN at {phone|301-555-0175 ext. 4}
Transport: ALS ambulance, departing {date|6/17/2024} 15:40
Diagnosis: NSTEMI, troponin I 2.4 ng/mL, on heparin drip 18 units/kg/h.
"""),
    ("radiology", """EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST
ACCESSION: {id|RAD-2022-0091837}   ORDERING: {name|PATEL, NIKHIL}   PATIENT: {name|LINDGREN, ASTRID M}
DATE OF SERVICE: {date|09.12.2022}
CLINICAL HISTORY: {age|90} y/o F with new left-sided weakness.
FINDINGS: Acute infarct in the right MCA territory. No hemorrhage. Chronic small vessel ischemic change.
IMPRESSION: Acute right MCA infarct. Findings discussed with Dr. {name|Feld} by telephone at 14:05 on {date|9/12/22}.
Electronically signed: {name|Hyun-woo Baek}, M.D.
"""),
    ("consent_research", """Research Informed Consent - Study IRB #2021-0457
Participant: {name|Bartholomew Quayle}     Participant ID: {id|SUBJ-00314}
I agree to take part in the study of sleep apnea in adults. Contact the study coordinator, {name|Yesenia Ruiz},
at {phone|617 555 0108} or {email|yruiz@sleepstudy-bwh.org} with questions. Study website:
{url|https://sleepstudy.example.org/enroll}.
Signature: ______________   Date: {date|April 3rd, 2021}
"""),
    ("er_triage", """ED TRIAGE NOTE   Arrival {date|12/31/2020} 23:52 by private vehicle
CC: chest pain x 2h. 89-year-old man accompanied by grandson {name|Luis Ocampo}.
Lives alone at {address|78 Harbor View Terrace, Apt 3}, {location|Gloucester}. Uses a cane.
Home meds per bottle: lisinopril 20 mg daily, atorvastatin 40 mg, aspirin 81 mg.
Triage level ESI 2. Glasgow 15. Pain 6/10.
Registration: {name|Fernando Ocampo}, MRN {mrn|3300812}, ins. BCBS member {id|ZQA90021144}.
"""),
    ("outpatient_letter", """{date|14 March 2022}

Dr. {name|Siobhan Farrelly}
{facility|Westbrook Neurology Associates}
{address|220 Cranberry Hwy Suite 5}
{location|Wareham}, MA {zip|02571}

Re: {name|Colm Fitzpatrick}, DOB {date|30/06/1955}

Dear {name|Siobhan},
Thank you for seeing Mr. {name|Fitzpatrick}, who has a 2-year history of resting tremor consistent with Parkinson disease.
He started carbidopa-levodopa 25/100 mg three times daily with benefit. I would value your opinion on adding an MAO-B inhibitor.
Kind regards,
{name|Aoife Brennan}, MB BCh
"""),
    ("lab_report", """LABORATORY REPORT   Specimen # {id|S23-118204}   Collected {date|07/19/2023} 06:10
Patient: {name|Goldberg, Miriam}   Sex: F   Age: {age|96Y}   Location: {facility|Hebrew SeniorLife} 3W
HbA1c 7.9 % (H); creatinine 1.4 mg/dL (H); eGFR 36 mL/min/1.73m2; potassium 4.8 mmol/L.
Called to Nurse {name|Abiodun} at 0712 by {name|J. Castellanos} (MLS).
Reference lab: {facility|Quest Diagnostics Marlborough}, CLIA 22D0076229.
"""),
    ("home_health", """HOME HEALTH VISIT   Mon {date|5/6}
Visited pt at home ({address|16 Old Post Rd}, {location|Ridgefield}, CT {zip|06877}); daughter-in-law {name|Tamsin} present.
Wound on left heel 2 x 1.5 cm, granulating, no odor. Dressing changed (hydrocolloid).
Next visit {date|5/9}. Agency contact {name|Ruth Ngata} {phone|(203) 555-0162}. Device serial SN {other|4471-AXB-2290} (wound vac) returned.
"""),
    ("psych_note", """Behavioral Health Progress Note - {date|Oct. 4, 2021}
Client {name|Jaxon Pettigrew-Hale} (19 yo) seen for follow-up of major depressive disorder. PHQ-9 today 11 (was 18).
Continues sertraline 100 mg. Reports conflict with roommate {name|Deandre} and stress about exams at Tufts.
Denies SI/HI. Safety plan reviewed; crisis line and therapist {name|Hollis Grayson}, LICSW, {phone|781-555-0133}.
Next appointment {date|10/18/21} via telehealth; IP at last login {ip|73.162.14.201}.
"""),
    ("pediatric_well", """WELL CHILD VISIT - 12 MONTHS
Name: {name|Noor Haddad}   DOB: {date|08/21/2022}   Seen: {date|08/24/2023}
Parents: {name|Rami} and {name|Leila Haddad}; phone {phone|602-555-0110}; address {address|3318 W Camelback Rd}, {location|Phoenix} {zip|85017}.
Growth: weight 9.4 kg (45th %ile). Vaccines given: MMR, varicella, hepatitis A, PCV13.
Medicaid ID {id|A12345678}. Next visit at 15 months with Dr. {name|Iyer}.
"""),
    ("op_note", """OPERATIVE REPORT
Date of surgery: {date|January 9, 2024}   Surgeon: {name|Augustin Delacroix-Moreau}, MD   Assistant: {name|Kiri Te Awa}, PA-C
Patient: {name|Beaulieu, Genevieve}   MRN: {mrn|MR-004-881-257}
Procedure: laparoscopic cholecystectomy. Findings: acutely inflamed gallbladder with impacted stone in the cystic duct.
EBL 20 mL. Specimen to pathology. Implant lot LOT {other|88Q12C}. Patient to PACU in stable condition.
"""),
    ("telephone_encounter", """TELEPHONE ENCOUNTER {date|3/28/2025} 10:02
Caller: Mrs. {name|Yolanda Kastner}, self. Callback {phone|920 555 0104}.
Reports dysuria and frequency x 2 days, no fever. Allergic to sulfa.
Nitrofurantoin 100 mg BID x 5 days sent to {facility|Walgreens #10482} on {address|1601 S Oneida St}, {location|Appleton}.
Routed to Dr. {name|Vang} for co-sign. Portal: {url|www.thedacare-portal.org}
"""),
    ("vet_style_registration", """REGISTRATION / FACE SHEET
Last: {name|QUINTANILLA}   First: {name|ROSARIO}   MI: {name|E}
DL #: {id|Q5561-2209-7741}   Passport: {id|C03005988}
Employer: Hormel Foods, {location|Austin}, Minnesota
Emergency contact: {name|Benicio Quintanilla} (spouse) {phone|507-555-0170}
Fax for records: {phone|507 555 0171}
Guarantor SSN: {ssn|555123456}
"""),
]

CLEAN: list[tuple[str, str]] = [
    ("clean_guideline", """For adults with type 2 diabetes and established atherosclerotic cardiovascular disease, add an SGLT2
inhibitor or GLP-1 receptor agonist with proven cardiovascular benefit, independent of HbA1c. Metformin remains first line.
Recheck eGFR and potassium 1-2 weeks after starting an ACE inhibitor such as lisinopril 10 mg daily."""),
    ("clean_eponyms", """Differential includes Guillain-Barre syndrome, myasthenia gravis and Lambert-Eaton myasthenic syndrome.
Babinski sign absent. Romberg negative. History of Hashimoto thyroiditis on levothyroxine 75 mcg; no Graves disease.
Consider Wernicke encephalopathy if thiamine deficient; Korsakoff syndrome may follow. Apgar scores 8 and 9."""),
    ("clean_codes", """Encounter coded as I48.91 (unspecified atrial fibrillation), Z79.01 (long term use of anticoagulants) and
N18.30. CHA2DS2-VASc 4, HAS-BLED 2. Apixaban 5 mg twice daily; dose reduction criteria not met (age under 80, weight 82 kg,
creatinine 1.1 mg/dL). Echo: EF 55-60%, LA 4.6 cm."""),
    ("clean_orders", """Orders: CBC with differential, CMP, lipase, lactate x2, blood cultures x2 before antibiotics. Start
piperacillin-tazobactam 4.5 g IV q6h and vancomycin per pharmacy. NPO except meds. Foley to gravity. Reassess in 4 hours
per sepsis bundle. Code status: full code."""),
]


def parse(doc_id: str, genre: str, marked: str) -> EvalDoc:
    parts, phi, size, last = [], [], 0, 0
    for m in _MARK.finditer(marked):
        parts.append(marked[last:m.start()])
        size += m.start() - last
        kind, value = m.group(1), m.group(2)
        phi.append(Planted(size, size + len(value), kind, value))
        parts.append(value)
        size += len(value)
        last = m.end()
    parts.append(marked[last:])
    return EvalDoc(doc_id, genre, "".join(parts), tuple(phi))


def heldout_documents() -> list[EvalDoc]:
    return [parse(f"heldout-{i:02d}", genre, text) for i, (genre, text) in enumerate(NOTES + CLEAN)]
