"""The second blind de-identification set: the estimate of recall on unseen notes, now that blind.py is not blind.

blind.py was written blind and reported as that estimate, but rules were then tuned against its misses, so
its score has become a development score like heldout.py's. These notes replace it as the honest estimate.
They were written the same way: by someone who did not read the rules (rules.py, lexicon.py, the data
folder, dev2.py, the philter and presidio wrappers) or the value pools of evalset.py, and who never ran any
de-identifier on them; only the well-formedness test (tests/test_deid_blind.py) was run. They were written
as clinicians, nurses, clerks, coders and EHR exports write, in genres blind.py does not have (ED dictation
with speech-recognition errors, ICU flowsheet comments, SBAR handoff, incident report, release of
information, appointment SMS log, an HL7 message viewer, a legacy all-caps census printout, a death
certificate worksheet, interpreter-assisted and dental notes, claims and remote-monitoring exports...),
not to the strengths or weaknesses of any tool. Keep them blind: nothing here is to be fixed by adding
its strings to a rule or lexicon, nobody tunes against this set, and a miss found here is fixed in
general. Once a rule has been changed because of a miss seen here, this set is no longer blind either,
and a third one must be written for the estimate.

What is planted follows blind.py's conventions (read its docstring): the Safe Harbor list; states, ages
up to 89 ("89", "in her nineties"), weekdays, years alone, times of day, employers, insurers, room and
bed numbers, help-desk ticket and study numbers are not planted; titles and degrees are outside the
name; nicknames, initials and a person's name in lower case are names; a month alone ("jan") or a day
alone ("the 5th") is a date, as is a month and year ("6/2024", "December 2021"); device serial numbers,
implant, lot and IMEI numbers, plates and biometric ids are "other"; record, account, member, claim,
accession, licence, NPI, DEA, prescription, badge and court case numbers are "id"; medical record
numbers and program patient ids are "mrn"; a county keeps its word County; the last four digits of a
social security number, written as such, are planted as "ssn" as blind.py does; an age is its number or
words alone. Markup and the characters "{", "}", "|" are as in blind.py (parsed by heldout.parse), so the
HL7 message is shown in a viewer's field-per-line form and the exports are comma-delimited.
Every person, number, address, facility and web address is made up; telephone numbers use the 555
exchange (internal extensions and pagers excepted) and IP addresses are from the documentation, private
and shared ranges.
"""
from __future__ import annotations

from collections import Counter

from mediphi.prepare.deid.evalset import EvalDoc
from mediphi.prepare.deid.heldout import _MARK, parse

__all__ = ["CLEAN", "NOTES", "blind2_documents", "planted_counts"]

NOTES: list[tuple[str, str]] = [
    ("ed_dictation_asr", """EMERGENCY DEPARTMENT PROVIDER NOTE
** Dictated using speech recognition software. Transcription errors may occur. **
{facility|Kettle Moraine Regional Hospital}
PATIENT: {name|SZYMANSKI-OBUYA, THEODORA A}     MRN: {mrn|KMR-00388145}     DOS: {date|March 7th, 2024}     ARRIVAL: 16:52

CHIEF COMPLAINT: Altered mental status.

HISTORY OF PRESENT ILLNESS: This is a {age|ninety-four} year old female brought in by her grandson {name|Kwabena} who states
she has been sleepier than usual since the {date|5th} period. She lives at {facility|Cedarburg Pines Memory Care} comma where
staff noted she was eating less. Medications per the facility list include Ella quiz 2.5 mg twice daily, Lasix 20 mg daily
and donepezil 10 mg at bedtime. Her primary care doctor is Dr. {name|Verse Trotter} (sp?) at {facility|Ozaukee Family Physicians}.
No falls reported. Last bowel movement unknown.

PAST MEDICAL HISTORY: Atrial fibrillation, heart failure with preserved ejection fraction, Alzheimer's dementia,
hypothyroidism on Synthroid 50 mcg.

PHYSICAL EXAMINATION: Temp 38.4 C, BP 98/52, HR 112 irregular, RR 22, SpO2 93% on room air. Oriented to self only.
Dry mucous membranes. Mild suprapubic tenderness. Murphy's sign negative. No meningismus, Kernig and Brudzinski negative.

ED COURSE: Lactate 2.6. UA large leukocyte esterase, nitrite positive. WBC 14.8. Creatinine 1.7 from a baseline of 1.1
(outside records from {date|Feb. 28, 2024}). 30 mL/kg crystalloid, ceftriaxone 1 g IV. Blood cultures x2 sent.

I discussed the plan with her daughter, {name|Adwoa Szymanski-Obuya}, who lives in {location|Grafton} and is the activated
health care power of attorney, at {phone|262 555 0148}. She asked that the hospitalist call her back after 8 PM on her
work line {phone|(414) 555-0127, extension 4410}. Dr. {name|Ferris Tall Bull} with the hospitalist service accepted the
patient for admission to telemetry.

DIAGNOSES: Sepsis due to urinary tract infection (A41.9, N39.0). Acute kidney injury (N17.9). Acute metabolic
encephalopathy (G93.41).

Electronically signed by {name|Priyanka Raghunathan-Doyle}, MD {date|03/07/2024} 23:14
"""),
    ("icu_flowsheet_comments", """FLOWSHEET COMMENTS - MICU BED 09 - {facility|Harrowgate University Hospital}
Patient: {name|Warsame Yusuf, Abdirahman}     MRN {mrn|H20091737}     CSN {id|310045528817}     Attending: {name|Ilse Brandvold}, MD

{date|11/02/24} 1900  Assumed care from day RN {name|Corinne Tsosie}. Intubated, sedated. AC 18/450/PEEP 10/FiO2 50%.
                RASS -2 on propofol 30 mcg/kg/min. CPOT 1.
1930  Swan-Ganz: PAP 42/20, PCWP 18, CO 4.1, CI 2.2, SVR 880. MAP 63 on norepinephrine 0.08 mcg/kg/min.
2015  Levophed moved to channel C. Pump {other|AL8100-4472913} showing offline at the central station; biomed re-associated
      it, now reporting from {ip|10.88.214.37}.
2100  Wife {name|Hodan} and brother {name|Mahad Warsame} at bedside. Somali interpreter by video, interpreter ID {id|INT-55081}.
      Family updated by Dr. {name|Brandvold}; they wish to continue full code.
2240  UOP 35 mL/hr via Foley. CRRT (CVVHDF) started, machine SN {other|PRSM2J-441087}, effluent 25 mL/kg/hr, citrate.
      Machine data feed on {ip|10.88.214.52}.
{date|11/03/24} 0200  ABG 7.31/48/82/24. RT ({name|Lars-Erik Holmqvist}) increased RR to 22.
0400  CHG bath. Sacrum intact, Braden 11. Turned q2h. GCS not assessable while sedated.
0445  Bedside glucometer {other|GM-77A0-3319} failed QC, swapped out. FSBG 182, insulin infusion per protocol.
0630  Brother asked that updates go to {email|mahad.warsame.family@qorimail.com}; explained we do not email clinical details,
      gave him the unit number {phone|614-555-0172}.
0700  Bedside report to {name|Ngozi A.}, RN.
"""),
    ("sbar_handoff", """SBAR - RN TO RN HANDOFF     5 North Oncology     Sat {date|16 Nov 2024} 1900
S: Rm 518. {name|Bergthora Sigurdardottir}, 57F, day 12 of 7+3 induction for AML. Febrile 38.6 at 1630; cultures x2 (PICC and
   peripheral) drawn, cefepime 2 g IV started 1715.
B: AML (C92.00) diagnosed {date|10/24/2024}, transferred from {facility|Skagit Valley Cancer Care}. ANC 0.1. PCN allergy (hives).
   Lives in {location|Mount Vernon} with wife {name|Ingibjorg}, cell {phone|+1 360 555 0114}.
A: HR 118, BP 104/60, alert and oriented. Mucositis grade 2, magic mouthwash helping. Plt 9, 1 unit apheresis platelets
   hung 1820. Lactate pending.
R: Recheck temp 2000, f/u lactate. If SBP under 90 call rapid response and Dr. {name|Tranh Vo-Langley} (onc fellow),
   pager {phone|360-555-0199}. Wife wants a call if she goes to ICU. Primary oncologist Dr. {name|Margit Haugen-Ekwueme}.
Given by {name|Tessa Marchetti}, RN / received by {name|Obinna Nwankwo-Whitlock}, RN
"""),
    ("incident_report", """PATIENT SAFETY EVENT REPORT - CONFIDENTIAL, PEER REVIEW PRIVILEGED
Event #: {id|PSE-24-009317}     Event type: Fall with injury
Date of event: {date|07-Mar-2024}   Time: 03:20   Location: {facility|Brightwater Medical Center}, 3 East, room 318
Patient: {name|Dumitrescu, Viorica}   MRN: {mrn|BMC-2210483}   Age: 89   Sex: F
Reported by: {name|Keanu Pahinui}, RN ({email|kpahinui@brightwatermed.org}, ext. {phone|4-2281})

Description: Bed alarm sounded at 03:20; patient found sitting on the floor beside the bed, states she was going to the
bathroom. Non-skid socks on, bed low, call light in reach. Morse 65. 3 cm skin tear left forearm. Denies head strike;
on Eliquis, so CT head obtained: no acute hemorrhage.
Immediate actions: Dr. {name|Sebastian Ordonez-Pike} (night hospitalist) evaluated at 03:35. Daughter {name|Luminita Grant}
notified at 04:10 at {phone|503.555.0166}; she asked that the unit manager call her.
Witness: {name|Tavake Faleolo}, CNA.
Contributing factors: new zolpidem order on {date|3/6}; toileting schedule not on care plan.
Manager follow-up ({name|Reuben Okoro-Lindqvist}, {date|March 8, 2024}): toileting q2h overnight, zolpidem discontinued,
Beers list review with pharmacy. Filed at {url|https://safety.brightwatermed.org/pse/24-009317}.
"""),
    ("release_of_information", """AUTHORIZATION FOR USE AND DISCLOSURE OF PROTECTED HEALTH INFORMATION
{facility|Cascadia Orthopedic & Sports Medicine} - Health Information Management
ROI log #: {id|ROI-2025-004718}     Received: {date|Jan. 6, 2025} by fax from {phone|(971) 555-0102}

1. Patient name: {name|Perez de la Cruz, Joaquin Andres}
   Date of birth: {date|06/11/1971}     SSN: {ssn|541-38-2096}
   Address: {address|8821 SE Division St, Apt 14}, {location|Gresham}, OR {zip|97030-1840}
   Phone: {phone|503-555-0185}     Email: {email|jperezdlc71@cascadenet.us}
2. Information to be released: office notes, operative report, imaging reports, itemized billing.
   Dates of service: {date|08/01/2023} through {date|12/31/2024}.
3. Release to: {name|Siobhan Kettleworth}, Esq., Columbia Gorge Injury Law LLP,
   {address|4800 Meadows Rd, Suite 300}, {location|Lake Oswego}, OR {zip|97035}     Fax {phone|503.555.0139}
4. Purpose: legal (personal injury claim, date of loss {date|7/29/2023}).
5. This authorization expires on {date|January 6, 2026} unless revoked in writing.
   Signature of patient: (signed)     Date: {date|1-2-25}
HIM use only: identity verified against Oregon driver license {id|7731950}. 148 pages released {date|01/14/2025} by
{name|D. Kamakau}, ROI specialist. Invoice {id|INV-88127-C}. Requester may track status at {url|https://roi.cascadiaortho.com/status}.
"""),
    ("sms_reminder_log", """OUTBOUND PATIENT MESSAGING LOG - {facility|Seaview Pediatrics and Family Clinic}
timestamp, to, template, body
{date|2024-03-04} 09:00:12, {phone|+17075550133}, APPT_REMIND_72H, "Hi {name|Kehaulani}! Reminder: {name|Kainoa} has an appt with Dr. {name|Tupou} at {facility|Seaview Peds} on Thu {date|3/7} at 10:20 AM. Reply C to confirm, R to reschedule. {url|seaviewpeds.com/c/8KQ2x}"
{date|2024-03-04} 09:00:14, {phone|+17075550181}, APPT_REMIND_72H, "Hi {name|Evaristo}, reminder: your appointment with {name|Alana Kealoha-Brandt}, PA-C, is Thu {date|3/7} at 2:40 PM at our {location|Fort Bragg} office. Reply C to confirm. {url|seaviewpeds.com/c/2MwP7}"
{date|2024-03-04} 09:01:03, {phone|+17075550152}, INBOUND, "C. also can u send the sports form for {name|maya} thx"
{date|2024-03-05} 16:45:50, {phone|+17075550119}, NO_SHOW_FOLLOWUP, "Hello, we missed {name|Bartek} at his visit today. Please call {phone|707-555-0100} or book online: {url|https://seaviewpeds.com/book?loc=ukiah}"
{date|2024-03-06} 08:15:27, {phone|+17075550133}, INBOUND, "R - can we do friday instead? {name|kainoa} has a fever"
{date|2024-03-06} 08:22:09, {phone|+17075550133}, STAFF_REPLY, "Hi {name|Kehaulani}, we moved him to Fri {date|3/8} 9:00 AM with Dr. {name|Tupou}. If fever over 104 or trouble breathing, go to the {facility|Noyo Harbor Community Hospital} ER. -{name|Marisela}, front desk"
{date|2024-03-07} 19:30:00, {phone|+17075550177}, PORTAL_MESSAGE, "A message from your care team is waiting at {url|portal.seaviewpeds.com}. Questions? Email {email|frontdesk@seaviewpeds.com}."
# gateway: delivered via SMPP relay {ip|192.0.2.18}; 7 sent, 7 delivered, 2 inbound
"""),
    ("hl7_viewer", """INTERFACE ENGINE - MESSAGE VIEWER (segment/field view)
Channel: ADT_INBOUND_REG     Received from {ip|10.140.6.21} port 6661     Type ADT^A04     Version 2.5.1
MSH-4   Sending facility ........ {facility|Makawao Valley Health Center}
EVN-2   Recorded date ........... {date|20240307}
PID-3   Patient ID list ......... {mrn|MVH0049382}^^^EPI^MR~{id|W77218893}^^^HMSA^MB
PID-5   Patient name ............ {name|LOKENE}^{name|MAKANA}^{name|K}
PID-6   Mother's maiden name .... {name|KAHALEWAI}
PID-7   Date of birth ........... {date|19310612}     (age {age|92}Y)
PID-8   Administrative sex ...... F
PID-11  Address ................. {address|1187 BALDWIN AVE APT 12}^^{location|PAIA}^HI^{zip|96779}^USA
PID-13  Home phone .............. {phone|(808)555-0137}^PRN^PH
PID-14  Business phone .......... {phone|(808)555-0161X204}^WPN^PH
PID-18  Patient account ......... {id|5500193847}
PID-19  SSN ..................... {ssn|576-08-3318}
NK1-2   Next of kin name ........ {name|LOKENE}^{name|NOELANI}
NK1-3   Relationship ............ DAU^Daughter
NK1-5   Phone ................... {phone|(808)555-0108}
PV1-2   Patient class ........... O
PV1-3   Assigned location ....... EXAM3
PV1-7   Attending doctor ........ {id|1730492856}^{name|AKANA}^{name|PUALANI}^^^^MD^^^NPI
PV1-19  Visit number ............ {id|V24030700219}
PV1-44  Admit date .............. {date|20240307}
IN1-36  Policy number ........... {id|HM0082210455}
AL1-3   Allergen ................ PCN^Penicillin
DG1-3   Diagnosis ............... I10^Essential (primary) hypertension^I10C
ACK sent to {ip|10.140.6.21}: MSA-1 AA
"""),
    ("legacy_census_printout", """RUN DATE: {date|03/08/24}  TIME: 00:05         {facility|ST. CASIMIR MEDICAL CENTER}                PAGE 1 OF 1
REPORT ADT-R114                   MIDNIGHT CENSUS - NURSING UNIT 6W (TELEMETRY)
----------------------------------------------------------------------------------------------------------
BED   PATIENT NAME                 MED REC #   SSN           AGE  ADMIT     ATTENDING      FC  DX
601A  {name|KOWALCZYK, STANISLAW J}     {mrn|00-417-229}   {ssn|327-41-8802}   {age|91}   {date|03/01/24}  {name|AMADI, C}       MC  CHF EXACERBATION
601B  {name|BLACKWELL, ODESSA MAE}      {mrn|00-509-113}   {ssn|328 19 4470}   78   {date|03/06/24}  {name|FINNEGAN, R}    MC  SYNCOPE
602A  {name|NAKASHIMA, ROY T}           {mrn|00-388-675}   {ssn|329-60-1185}   {age|100}  {date|03/04/24}  {name|AMADI, C}       MC  PNA / AFIB RVR
602B  ** BLOCKED - ISOLATION **
603A  {name|DE LA ROSA-VEGA, ELISEO}    {mrn|00-612-940}   {ssn|330-02-7719}   66   {date|03/07/24}  {name|OYELAKIN, T}    BC  NSTEMI
604A  {name|MCCORMICK, AGNES}           {mrn|00-144-302}   {ssn|331526648}     {age|96}   {date|02/26/24}  {name|FINNEGAN, R}    MC  UPPER GI BLEED
605A  {name|ABERNATHY-OSEI, LUCILLE}    {mrn|00-720-551}   {ssn|332-88-0413}   89   {date|03/07/24}  {name|OYELAKIN, T}    MC  COPD EXAC
606A  {name|TUPPER, HOLLIS W}           {mrn|00-833-017}   {ssn|333 71 5092}   84   {date|03/05/24}  {name|AMADI, C}       MC  CELLULITIS LLE
----------------------------------------------------------------------------------------------------------
OCCUPIED: 7   AVAILABLE: 1   BLOCKED: 1                      UNIT 6W NURSES STATION {phone|716-555-0150}
*** CONFIDENTIAL - CONTAINS PATIENT IDENTIFIERS - SHRED AFTER USE ***
"""),
    ("death_certificate_worksheet", """CERTIFICATE OF DEATH - CERTIFIER WORKSHEET (for entry into the state electronic death registration system)
1.  Decedent's legal name: {name|Bartholomew Ikenna Van der Merwe}
2.  Sex: M          3. Social Security Number: {ssn|412 77 3058}
4a. Age (years): {age|96}          5. Date of birth: {date|September 3, 1927}          6. Birthplace: {location|Paarl}, South Africa
7a. Residence: {address|3309 Hollins Ferry Rd}, {location|Halethorpe}, MD {zip|21227}          7b. County: {location|Baltimore County}
8.  Marital status: Widowed (wife {name|Cornelia} predeceased)
10. Father's name: {name|Pieter Van der Merwe}          11. Mother's name prior to first marriage: {name|Johanna Botha}
12. Informant: {name|Marike Van der Merwe-Ellison}, daughter, {address|14 Tolchester Ct}, {location|Catonsville}, MD {zip|21228},
    tel {phone|410-555-0124}
13. Place of death: hospice facility, {facility|Patapsco Valley Hospice House}, {location|Ellicott City}
14. Date of death: {date|2024-01-19}          Time pronounced: 0540
Part I.  a. Aspiration pneumonia (days)   b. Oropharyngeal dysphagia (months)   c. Alzheimer disease (years)
Part II. Parkinson disease; chronic kidney disease stage 4.
Manner: Natural. Autopsy: No. Referred to medical examiner: No.
Certifier: {name|Folasade Ogunleye-Brandt}, MD, license {id|D0081327}          Date certified: {date|01/20/2024}
Funeral director: {name|Calvin Ashworth-Duarte}, license {id|FD-2891}. Disposition: cremation.
"""),
    ("interpreter_assisted_visit", """FAMILY MEDICINE VISIT - INTERPRETER ASSISTED
{facility|Fairmount Refugee Health Clinic}     Tuesday, {date|11 June 2024}
Patient: {name|Dil Maya Gurung}     MRN {mrn|FRH-60217}     Language: Nepali
Interpreter: {name|Bishnu Prasad Adhikari}, certified, vendor ID {id|LLN-40972}, by phone ({phone|1-866-555-0119}) for
the first 10 minutes, then in person. Son {name|Tek Bahadur Gurung} present; he offered to interpret and was thanked and
asked to let the professional interpreter do so.
Registration note: patient does not know her exact birth date; chart DOB {date|01/01/1952} was assigned at resettlement.

S: Per interpreter, 2 months of burning epigastric pain, worse at night, eased by food. No melena or hematemesis.
Ibuprofen 400 mg TID for knee pain. No alcohol.
O: BP 148/90, HR 84. Epigastric tenderness; Murphy's sign negative. Hgb 11.4 g/dL, MCV 78 fL, ferritin 9 ng/mL.
H. pylori stool antigen positive.
A/P: H. pylori gastritis with iron deficiency. Bismuth quadruple therapy x14 days (omeprazole, bismuth subsalicylate,
tetracycline, metronidazole), teach-back done through the interpreter with a pill calendar. Stop ibuprofen;
acetaminophen 650 mg q6h PRN. Ferrous sulfate 325 mg every other day.
Family address {address|2207 Wylie Ave, 2nd floor}, {location|Whitehall}, PA {zip|15227}.
Pharmacy: {facility|Brownsville Road Pharmacy}, {phone|412.555.0193}.
Return in 4 weeks for urea breath test; Nepali interpreter booked (request {id|IR-240611-07}).
{name|Hannah Oduro-Schmitt}, MD
"""),
    ("dental_implant_note", """{facility|Lakeview Family Dentistry & Implant Center}
CLINICAL NOTE     {date|Mar. 7, 2024}     Provider: Dr. {name|Vikram Sethuraman}, DDS
Patient: {name|O'Neill, Siobhan Clare}     Chart #: {mrn|LV-30921}     DOB: {date|12.04.1958}
Med hx reviewed: HTN on amlodipine; osteopenia, never on Prolia or bisphosphonates; codeine allergy (nausea). BP 134/82.
Procedure: implant placement #19 (D6010). Local: 2 carpules 4% articaine 1:100,000 epi, IANB and buccal infiltration.
Full-thickness flap, osteotomy sequence to 3.8 mm. Implant 4.3 x 10 mm, lot {other|LT2291847}; ISQ 72. Healing abutment
lot {other|HA-55120-6}. Buccal dehiscence grafted with xenograft, lot {other|BG0317-22}, and resorbable membrane.
4-0 chromic gut sutures. PA radiograph: implant parallel to #18 and #20, 2 mm above the IAN canal.
Post-op: chlorhexidine 0.12% rinse BID, amoxicillin 500 mg TID x7 days, ibuprofen 600 mg q6h PRN. Written instructions
given; also at {url|lakeviewfamilydental.com/post-op/implant}.
Insurance: Delta Dental subscriber ID {id|DD0048815527}; subscriber is husband {name|Declan O'Neill}, DOB {date|03/22/1956}.
Next: suture check {date|3/14/24} 8:30; restorative phase in 4 months.
Patient reachable at {phone|(231) 555-0147} or {email|siobhan.oneill58@northernmi.net}.
"""),
    ("prenatal_visit", """PRENATAL VISIT - 28w1d
{facility|Mesa Verde Women's Health}     {date|Aug 14 2024}
{name|Yesenia Xiloj Tzul}, 24 y.o. G2P1001. Primary language K'iche'; video interpreter used (Spanish was declined).
EDD {date|11/05/2024} by 9-week ultrasound.
1-hr GCT 148 mg/dL (above 140): 3-hr GTT ordered. Hgb 10.2 g/dL, start ferrous sulfate. Blood type A negative, antibody
screen negative: RhoGAM 300 mcg IM given today, lot {other|RG24B0391}. Tdap given, lot {other|U7213AA}.
Fundal height 28 cm, FHR 145, active fetal movement. BP 112/68. Urine protein negative. No edema.
Partner {name|Baltazar Cux} works nights; prefers calls to his phone {phone|(970) 555-0188}.
Lives in {location|Cortez}, CO {zip|81321}; referred to the {location|Montezuma County} WIC office.
Plans delivery at {facility|McElmo Canyon Medical Center}. Childbirth class sign-up at {url|mesaverdewomens.org/classes}.
Next visit {date|8/28/24}.
{name|Rosalia Benally-Tso}, CNM
"""),
    ("newborn_discharge", """NEWBORN NURSERY DISCHARGE SUMMARY
Baby Boy {name|Tuilagi} ("{name|Sione}")     MRN {mrn|NB-7720184}     Born {date|05/19/2024} at 06:42 by SVD
Mother: {name|Lavinia Tuilagi-Fifita}, 29 y.o. G3P3, MRN {mrn|7719325}; O positive, GBS negative, RPR nonreactive.
Apgars 8 and 9. BW 3,610 g; discharge weight 3,450 g (-4.4%). TcB 9.8 mg/dL at 40 h, low risk on the Bhutani nomogram.
Hepatitis B vaccine given {date|5/19}, lot {other|HB7C429A}. Vitamin K and erythromycin given.
Newborn screen kit # {id|NBS-24-3391057} collected at 26 h; results to {url|newbornscreen.cascadepeds-results.org}.
CCHD screen pass (98%/99%). Hearing: pass both ears (ABR).
Feeding: breast plus formula supplementation; latch good per lactation ({name|Ana Folau}, IBCLC).
Discharged home with parents {date|May 21, 2024}. Pediatrician: Dr. {name|Epeli Naulivou}, {facility|Rainier Beach Pediatrics},
appointment {date|5/23} at 10:00. Father {name|Siaosi Tuilagi}. Home: {address|9316 Rainier Ave S, #B}, {location|Seattle} {zip|98118},
phone {phone|206-555-0120}.
"""),
    ("pharmacy_intervention_log", """CLINICAL PHARMACY INTERVENTION LOG - 7/8 WEST - {facility|Northgate Presbyterian Hospital}
Pharmacist: {name|Minh-Chau Tran}, PharmD     Week of {date|2024-09-09}
DATE   PATIENT (MRN)                          TYPE              DETAIL                                                   PRESCRIBER         OUTCOME
{date|9/9}    {name|Gonsalves, Arlette} ({mrn|4471093})        renal dosing      Eliquis 5 mg BID to 2.5 mg BID (age {age|90}, SCr 1.6)          Dr. {name|Petrakis}       accepted
{date|9/9}    {name|Haddad, Yousef} ({mrn|4480221})            duplication       pantoprazole + Nexium; Nexium stopped                   {name|K. Boateng}, NP     accepted
{date|9/10}   {name|Whitehorse, Delbert} ({mrn|4392017})       interaction       linezolid + sertraline, serotonin syndrome risk         Dr. {name|Petrakis}       modified
{date|9/11}   {name|Nguyen Thi Lan} ({mrn|4502288})           IV to PO          levofloxacin 750 mg IV to PO                             Dr. {name|Ekwueme}        accepted
{date|9/12}   {name|Kaczmarek, Zofia} ({mrn|4417760})          allergy           PCN allergy clarified (childhood rash), cefazolin OK    Dr. {name|Sandhu}         accepted
{date|9/13}   {name|Ramirez-Holguin, Tobias} ({mrn|4523904})   high-alert        glargine 40 to 30 units (BG 58 x2)                      {name|J. Mbatha}, PA-C    accepted
{date|9/13}   {name|Volkov, Nadezhda} ({mrn|4399512})          kinetics          vancomycin AUC 710, dose to 1,250 mg q24h               Dr. {name|Sandhu}         declined
Total 7; accepted 5, modified 1 (86%). Estimated cost avoidance $1,840.
Reviewed: {name|Ifeanyi Obiora}, PharmD, BCPS, clinical manager
"""),
    ("lab_requisition", """OUTPATIENT LABORATORY REQUISITION
{facility|Great Lakes Clinical Laboratories} - Patient Service Center, {address|2050 Washtenaw Ave, Suite 104}, {location|Ypsilanti}, MI {zip|48197}
Req #: {id|GLC-R-8830174}
PATIENT: {name|Haile, Meskerem T.}     DOB: {date|1966-02-28}     Sex: F     Phone: {phone|734-555-0170}
Address: {address|515 Packard Rd Apt 3B}, {location|Saline}, MI {zip|48104}
Bill to: insurance. Priority Health ID {id|PH90028174401}, group {id|0031207}
ORDERING PROVIDER: {name|Tewodros Bekele}, MD     NPI {id|1366829104}     Phone {phone|734.555.0171}     Fax {phone|734.555.0172}
DIAGNOSIS CODES: E11.9, E78.5, Z79.4, D64.9
TESTS: CMP (80053), lipid panel (80061), HbA1c (83036), CBC with diff (85025), urine albumin/creatinine (82043, 82570), TSH (84443)
FASTING: yes, 10 h     Collected: {date|07/15/24} 07:40     Collected by: {name|R. Tesfaye}
Specimen accession: {id|24-197-00418}
Copy results to: {name|Salome Girma}, NP, {facility|Washtenaw Diabetes Center}, fax {phone|734 555 0178}
Results online: {url|https://results.greatlakesclinlab.com}
"""),
    ("insurance_appeal_letter", """{facility|High Desert Rheumatology Associates}
{address|1400 Coors Blvd NW, Suite 210}, {location|Albuquerque}, NM {zip|87121}
Phone {phone|505-555-0143}     Fax {phone|505-555-0144}

{date|September 30, 2024}

Appeals Department, Sun Mesa Health Plan (by fax to {phone|1-888-555-0171})

RE: Level 1 appeal, denial of tocilizumab
Member: {name|Begay, Loretta J.}     Member ID: {id|SMH-100492835}     DOB: {date|2/9/1958}
Reference: {id|UM-24-0917-3352}     Date of denial: {date|09/17/2024}

To the medical director:
I am writing to appeal the denial of tocilizumab (Actemra) 162 mg SC weekly for my patient, Ms. {name|Begay}, a 66-year-old
woman with giant cell arteritis confirmed on temporal artery biopsy on {date|5/2/24} at {facility|Rio Puerco Medical Center}.
She has relapsed twice while tapering prednisone below 15 mg daily (ESR 78 and 64 mm/h, new jaw claudication), and the
steroids have caused diabetes (A1c 8.9%) and a T12 compression fracture. Tocilizumab is FDA approved for GCA and the GiACTA
trial showed sustained remission in 56% versus 14% with a prednisone taper alone. Your policy (posted at
{url|www.sunmesahealth.com/policies/RX-114.pdf}) requires failure of one steroid taper; she has failed two. She drives
two hours each way from {location|Crownpoint} for infusions, so the SC form is the only practical option.
Enclosed: ESR/CRP trend, pathology report, DEXA, and clinic notes.

Sincerely,
{name|Anjali Wetherbee-Chavis}, MD, NPI {id|1912057346}
cc: {name|Loretta Begay}; {name|Darrell Yazzie}, PharmD, fax {phone|(505) 555-0150}
"""),
    ("workers_comp_report", """DOCTOR'S FIRST REPORT OF OCCUPATIONAL INJURY OR ILLNESS / WORK STATUS
Employee: {name|Fa'amausili, Ioane}     SSN: {ssn|602-17-4483}     DOB: {date|10/06/1983}
Employer: Pacific Crest Stevedoring Co. (marine terminal)     Occupation: lasher
Date of injury: {date|01/07/2025}     Claim #: {id|WC25-0088134}
Adjuster: {name|Jolene Marchbanks}, {phone|562-555-0129 ext 7712}, {email|jmarchbanks@harborcompadj.com}
Home address: {address|1923 E 68th St}, {location|Long Beach}, CA {zip|90805}

History: Left hand caught between a container corner casting and a twist-lock bar at about 14:30. Immediate pain, swelling.
Exam: swelling dorsum L hand, tender 4th metacarpal shaft, no rotational deformity, cap refill under 2 s, sensation intact.
X-ray L hand: nondisplaced transverse fracture 4th metacarpal shaft. ICD-10 S62.324A.
Treatment: ulnar gutter splint, ibuprofen 600 mg q6h, ice, elevation. Hand surgery referral.
Work status: modified duty, no use of the left hand, {date|1/9/25} through {date|1/30/25}. Re-evaluate {date|1/23/25}.
Treating physician: {name|Arash Mohammadi-Farr}, MD, {facility|Harbor Occupational Medicine Clinic},
{address|3851 Atlantic Ave}, {location|Long Beach} {zip|90807}. License {id|A118842}.
"""),
    ("dialysis_run_sheet", """HEMODIALYSIS TREATMENT RECORD     {facility|Blue Ash Kidney Center}     Station 7
Patient: {name|Okwuosa, Chibuike}     Patient ID: {mrn|BAK-00731}     Tx # 148     Wed {date|10/09/2024}
Machine: 2008T, serial {other|8TAR44910}; treatment data sent to the clinical system at {ip|10.52.7.107}.
Access: L upper-arm AVF, thrill and bruit present. Cannulated 15G x2 by {name|Rhiannon Pryce-Jones}, PCT.
Pre: wt 84.6 kg (EDW 82.0), BP 172/94, HR 78, T 36.6.  Post: wt 82.3 kg, BP 138/80, HR 74.
Rx: 3.5 h, Qb 400, Qd 600, 2K/2.5Ca bath, heparin 2,000 units bolus. UF goal 2.6 L. Epogen 6,000 units IV, Venofer 100 mg IV.
1415 cramping both calves: UF paused 10 min, NS 200 mL, resolved.
Last monthly labs: Kt/V 1.42, URR 73%, phosphorus 6.8 mg/dL (binder teaching: sevelamer with meals), albumin 3.7 g/dL.
Transplant: active on the waitlist at {facility|Queen City Transplant Institute} since {date|June 2023}.
Transportation: Medicaid van; dispatch {phone|513-555-0191}.
RN: {name|Godfrey Nakamya}, RN.   Rounding nephrologist: Dr. {name|Heike Vollmer-Ansah}.
"""),
    ("cath_lab_report", """CARDIAC CATHETERIZATION REPORT - {facility|Prairie Bluff Heart Institute}
Patient: {name|Esposito, Raffaele G}     MRN {mrn|PB0338172}     DOB {date|04/27/1934}     Age {age|90}
Procedure date: {date|2024-05-12}
Operators: {name|Nomvula Dlamini-Reyes}, MD; fellow {name|Caspar Wittenberg}, MD
Indication: NSTEMI, troponin I 4.2 ng/mL, dynamic ST depression V4-V6.
Access: R radial 6 Fr, TR band. Contrast iodixanol 140 mL. Fluoro 14.2 min, air kerma 812 mGy.
Findings: LM normal. LAD 90% mid stenosis (culprit). LCx 40% proximal. RCA dominant, 30% mid. LVEDP 22 mmHg.
Intervention: mid LAD. IVUS catheter lot {other|IV23-558120}. Predilation 2.5 mm balloon. DES 3.0 x 28 mm, lot {other|DE0419273}.
Postdilation NC 3.5 mm balloon, lot {other|NC22-90117}. TIMI 3 flow, 0% residual.
Recommendations: aspirin 81 mg and Brilinta 90 mg BID for 12 months; atorvastatin 80 mg; TTE; cardiac rehab referral to
{facility|Wyandotte Wellness Center}. Stent card given to the patient and his wife {name|Concetta}.
Registry submission {id|NCDR-PCI-2024-11873}.
"""),
    ("audiology_fitting", """AUDIOLOGY - HEARING AID FITTING
{facility|Sound Harbor Audiology}, {address|77 Merchant St, Suite 4}, {location|Newburyport}, MA {zip|01950}
Patient: {name|Efua Quansah-Millbrook}     DOB {date|8 Feb 1932} ({age|92} yrs)     DOS {date|10 Apr 2024}
Audiogram: bilateral sloping moderate to severe SNHL; WRS 68% R, 60% L at 80 dB HL. Tympanometry type A bilaterally.
Weber midline; Rinne AC greater than BC bilaterally.
Fitting: RIC devices, R serial {other|2318A0947}, L serial {other|2318A0951}, M receivers, 8 mm power domes. Real-ear
verification to NAL-NL2 targets within 3 dB at 500-4000 Hz.
Streaming paired to daughter {name|Akosua Millbrook}'s phone; app account {email|akosua.millbrook@seacoastmail.com}.
Warranty and loss/damage coverage through {date|04/2027}. Medical clearance from Dr. {name|Pawel Wierzbicki} on file.
Follow-up in 2 weeks. Cleaning video: {url|soundharboraudiology.com/care}.
"""),
    ("ophthalmology_postop", """OPHTHALMOLOGY - POSTOP DAY 1, CATARACT SURGERY OD
Patient: {name|Ramaswamy, Lakshminarayanan}     Age {age|93}     MRN {mrn|EYE-440128}
Surgery {date|7 March 2024} at {facility|Northshore Eye Surgery Center} by Dr. {name|Celeste Adjei-Marlowe}: phaco with PCIOL OD,
IOL 21.5 D, serial {other|12849301-017}. Pre-op H&P by {facility|Skokie Internal Medicine}.
VA sc OD 20/40, PH 20/25; OS 20/70 (cataract). IOP 18 OD, 16 OS. Cornea trace edema OD, AC 1+ cell, IOL centered.
Fundus: scattered drusen OU, no detachment.
Meds: prednisolone acetate 1% QID OD, moxifloxacin 0.5% QID OD x1 week. Shield at night.
Son {name|Srikanth} drives him; call {phone|847.555.0189} to schedule the 1-week visit. Second eye (OS) scheduled {date|4/4/24}.
"""),
    ("transplant_coordinator", """LIVER TRANSPLANT - PRE-TRANSPLANT COORDINATOR NOTE
{facility|Great Plains Transplant Center}     {date|Feb 2 2025}
Candidate: {name|Karimova, Dilnoza}     MRN {mrn|GPT-1180443}     UNOS ID {id|XKM4471}     ABO O     MELD-Na 27 (22 on {date|1/5})
Dx: alcohol-associated cirrhosis, abstinent since {date|March 2023} (PEth negative x4). Child-Pugh C.
Caregiver plan: husband {name|Rustam Karimov} (primary, {phone|402-555-0110}); sister {name|Gulnora Yusupova} (secondary,
coming from {location|Tashkent} once listed).
Lives at {address|4419 Farnam St Apt 6}, {location|Omaha}, NE {zip|68131}, 12 minutes from the center.
Financial clearance: Nebraska Medicaid ID {id|NEM88102774}; SSDI verified, SSN {ssn|505-39-8116}.
Must carry the transplant pager ({phone|402-555-0112}) at all times. Appointment letters by email:
{email|dilnoza.karimova90@omahamail.net}. Education modules: {url|https://learn.gptransplant.org/liver}.
{name|Brenna Two Feathers}, RN, CCTC
"""),
    ("aps_referral", """ADULT PROTECTIVE SERVICES REPORT - MANDATED REPORTER (HOSPITAL SOCIAL WORK)
Report made {date|10/21/2024} 15:10 by phone to {location|Buncombe County} DSS intake; reference {id|APS-11-24-06613}.
Alleged victim: {name|Opal Mae Hensley}, {age|93} y/o F, MRN {mrn|MH-2093114}, admitted {date|10/19/2024} to {facility|French Broad Valley Hospital}.
Home: {address|47 Sugar Hollow Rd}, {location|Barnardsville}, NC {zip|28709}.
Alleged perpetrator: grandson {name|Dustin Ray Hensley}, lives in the home.
Concerns: stage 4 sacral pressure injury, weight 38 kg, medications not filled for 3 months. Patient states the grandson
keeps her debit card and her Social Security deposits (claim number is her SSN, {ssn|237-55-0912}). Neighbor reports a
new pickup, plate {other|PKR-4471}, bought since the summer.
Capacity evaluation by Dr. {name|Ramon Estrada-Kline} on {date|10/21}: has capacity; wants to go home "but not with him there."
Other family: niece {name|Wanda Shook} in {location|Weaverville}, {phone|828 555 0161}, willing to be contacted.
A written report was also filed through {url|https://ncaps-intake.dss-reporting.net/report}.
Reporter: {name|Maribel Sotelo-Farris}, LCSW, {phone|828-555-0175}, {email|msotelofarris@frenchbroadvalley.org}
"""),
    ("chaplain_note", """SPIRITUAL CARE NOTE
Visited {name|Ignatius Mwangi-Kariuki}, {age|ninety-one}, in ICU bed 14 at the request of his daughter {name|Wanjiru}. Catholic;
requested the Sacrament of the Sick, given by Fr. {name|Tadeusz Wroblewski} of his home parish at 1630. Family prayed the
rosary in Kikuyu and English. His wife of 64 years, {name|Nyokabi}, died in {date|December 2021}; he speaks of "going to her."
Family showing anticipatory grief; son flying in from {location|Nairobi}, arriving Friday. Daughter asks that the priest be
called at {phone|(216) 555-0153} if he declines overnight.
Rev. {name|Hollis Adebayo-Crane}, BCC, staff chaplain, ext. {phone|5-3318}
"""),
    ("medication_history", """ADMISSION MEDICATION HISTORY - PHARMACY TECHNICIAN
Patient: {name|Thibodeaux, Earline P.}     MRN {mrn|OLG-5540912}     Age {age|90}
Sources: patient; daughter {name|Renee Thibodeaux-Guidry} ({phone|337-555-0146}); fill history from {facility|Teche Family Pharmacy}
({phone|337.555.0149}) and {facility|Bayou Mail Order Rx}.
- metoprolol tartrate 25 mg BID, Rx {id|6120493}, last fill {date|2/20}
- Eliquis 2.5 mg BID, Rx {id|6120877}, last fill {date|2/20}
- Lasix 40 mg every morning, Rx {id|6119552}, last fill {date|2/02}
- Jardiance 10 mg daily, mail order Rx {id|MO-4482190}, last fill {date|1/03}
- Synthroid 75 mcg daily, Rx {id|6118214}
- Lyrica 75 mg BID (PDMP: fills {date|1/15} and {date|2/14}, prescriber Dr. {name|Landry}); patient stopped it "last month"
- OTC Tylenol PM nightly (diphenhydramine, Beers list): flagged for the team
Technician: {name|Kayleigh Broussard}, CPhT     Verified: {name|Thanh-Huong Pham}, PharmD
"""),
    ("otp_dosing_note", """OPIOID TREATMENT PROGRAM - DOSING AND COUNSELING NOTE
{facility|Lehigh Gap Treatment Center}
Patient: {name|Kostopoulos, Demetrios}     OTP ID {mrn|LG-2207}     Palm-scan ID {other|BIO-88013-7A}     Date {date|12/18/2023}
Methadone 95 mg PO, observed by {name|Yolanda Brito-Castellanos}, LPN. Take-homes: level 2 (Saturday and Sunday).
UDS {date|12/11}: methadone positive; fentanyl, oxycodone, benzodiazepines negative.
PDMP query {id|PMP-23-4471902}: no controlled fills outside the program. Central registry check by SSN {ssn|189-62-4405}: no dual enrollment.
Counseling: 45 min, relapse-prevention plan reviewed; working at a warehouse (second shift); wants to taper in the spring.
Emergency contact: mother {name|Eleni Kostopoulou}, {phone|610 555 0126}; 42 CFR Part 2 consent on file since {date|06/02/2023}.
Medical director: {name|Ravindra Bhattacharjee}, MD, DEA {id|FB2294718}.
"""),
    ("public_health_case_report", """REPORTABLE DISEASE CASE REPORT - TUBERCULOSIS, SUSPECTED PULMONARY
To: {location|Hennepin County} Public Health, TB Program     Fax {phone|612-555-0140}
Reporting facility: {facility|Nicollet Avenue Community Clinic}; reporter {name|Samira Abdullahi}, RN, {phone|612-555-0157},
{email|sabdullahi@nicolletcc.org}
Patient: {name|Hassan Abdi Farah}     DOB {date|3/15/1988}     Sex M
Address: {address|2429 Riverside Ave, Apt 1112}, {location|Minneapolis}, MN {zip|55454}     Phone {phone|612-555-0184}
Cough since late {date|January 2025}, night sweats, 6 kg weight loss.
CXR {date|02/18/2025}: RUL cavitary lesion. AFB smear 2+ x3; Xpert MTB/RIF positive, rifampin resistance not detected.
QuantiFERON positive. HIV negative. State lab specimen {id|PHL25-004128}.
RIPE started {date|2/20/25}: isoniazid 300 mg, rifampin 600 mg, pyrazinamide 1,500 mg, ethambutol 1,200 mg, pyridoxine 50 mg.
Household contacts: wife {name|Faadumo Ali Warsame}, 34; children {name|Ayaan}, 9, and {name|Liban}, 6; mother-in-law
{name|Canab Jama}, {age|91}. Works as an airport shuttle driver.
Case # {id|MN-TB-25-0193}. Report also submitted at {url|https://mnreport.health-reporting.net/tb}.
"""),
    ("clinician_email_thread", """From: {name|Ahmad Rostami}, MD <{email|arostami@westfieldneuro.com}>
Sent: Monday, {date|May 13, 2024} 7:02 AM
To: {name|Ileana Cristea} <{email|icristea@valleyhospitalist.org}>
Cc: {email|neuro.referrals@westfieldneuro.com}
Subject: RE: pt {name|R. Bamgbose} - new seizure

{name|Ileana} - saw him in clinic Friday. Keppra 500 BID is fine for now; I'd go to 1000 BID if he has another event.
Routine EEG is booked at {facility|Westfield Neurodiagnostics} on {date|5/22} at 8 AM (prep sheet: {url|www.westfieldneuro.com/eeg-prep}).
MRI with epilepsy protocol is pending prior auth ({id|PA-24-0519-7731}). No driving for 6 months per state rule;
counseling documented. His partner ({name|Temitope}) asked about a seizure-alert watch.
{name|Ahmad}

{name|Ahmad Rostami}, MD
{facility|Westfield Neurology & Epilepsy}
{address|900 Elm Crest Dr, Suite 5A}, {location|Westfield}, IN {zip|46074}
O: {phone|317-555-0133}   F: {phone|317.555.0134}
{url|www.westfieldneuro.com}

-----Original Message-----
From: {name|Ileana Cristea} <{email|icristea@valleyhospitalist.org}>
Sent: Friday, {date|May 10, 2024} 4:47 PM
To: {name|Rostami, Ahmad}
Subject: pt {name|R. Bamgbose}
Discharging {name|Rotimi Bamgbose} ({mrn|VH-2281094}, DOB {date|1/30/1979}) today after a first unprovoked GTC seizure; CT head,
CTA and labs negative. Started Keppra 500 BID. Can you see him this week? His cell {phone|317-555-0196}.
Thanks, {name|Ileana}
Hospitalist service, {facility|Valley Hospital North}
X-Originating-IP: [{ip|198.51.100.203}]
"""),
    ("dme_written_order", """DETAILED WRITTEN ORDER - DURABLE MEDICAL EQUIPMENT
Beneficiary: {name|Hollingsworth, Vernice}     MBI {id|7KW3-PD9-FJ22}     DOB {date|05-30-1933}     Age {age|90}
Address: {address|RR 3 Box 77A}, {location|Hazard}, KY {zip|41701} ({location|Perry County})     Phone {phone|606-555-0142}
ITEMS
  E0601  CPAP device, serial {other|22J41058823}, with heated humidifier (E0562)
  A7030  Full face mask, 1 per 3 months; A7037 tubing, 1 per 3 months
  K0001  Standard wheelchair, serial {other|WC-0097-33412}
  E0143  Walker, folding, wheeled
Length of need: 99 months. Diagnoses: G47.33 OSA (AHI 41 on PSG {date|04/03/2024}), M17.0, R26.81.
Compliance data by cellular modem, IMEI {other|353918101124467}, uploading from {ip|100.88.41.7}.
Face-to-face encounter {date|04/22/2024} with {name|Rebekah Caudill}, APRN, NPI {id|1245389076}.
Supplier fax {phone|(606) 555-0164}.     Signature: {name|Rebekah Caudill}, APRN     Date: {date|4/22/24}
"""),
    ("anesthesia_preop", """ANESTHESIA PRE-PROCEDURE EVALUATION
Patient: {name|Mancini, Giuseppina}     Age: {age|92}     Wt 48 kg     Ht 152 cm
Procedure: left hip hemiarthroplasty, Sun {date|08/18/2024}; surgeon Dr. {name|Oluwaseun Adeyinka-Ross}.
ASA 3E. Airway: Mallampati III, TMD 3 FB, mouth opening 3 cm, upper denture removed. Prior general anesthetic in 2019 for
cholecystectomy at {facility|Calloway Surgical Hospital}, uneventful.
Hx: severe aortic stenosis (AVA 0.9 cm2, mean gradient 38 mmHg on TTE {date|3/2024}), CKD 3, AF on Eliquis, last dose
{date|8/16} at 08:00.
Plan: spinal with low-dose bupivacaine, phenylephrine infusion, arterial line before induction; fascia iliaca block.
Risks discussed with the patient (has capacity) and daughter/POA {name|Francesca Mancini-Boateng}, {phone|(215) 555-0106}.
{name|Tobias Engelbrecht}, MD, Anesthesiology
"""),
    ("pt_initial_eval", """PHYSICAL THERAPY INITIAL EVALUATION - OUTPATIENT
{facility|Stillwater Valley Physical Therapy}     Referring: {name|Anneliese Hartmann-Obi}, DO
Patient: {name|Ruiz, Catalina}     DOB {date|2/2/1949}     Visit 1 of 12     Thu {date|11/14/24}
Dx: s/p L rotator cuff repair (M75.122), surgery {date|10/31/24} at {facility|Lakeland Orthopaedic Surgery Center}.
Sling until week 6. PROM: flexion 95, ER at side 30, abduction 80. Pain 4/10. QuickDASH 68.
Plan: 2x/week for 6 weeks (97161, 97110, 97140), PROM per protocol, no active motion until cleared.
Home program: {url|hep.stillwatervalleypt.com/KRZ44}. Husband {name|Ignacio} helps with the sling.
{name|Cody Whitecloud}, PT, DPT, license {id|PT-014422}
"""),
    ("it_service_desk", """IT SERVICE DESK - INCIDENT (priority 2, clinical impact)
Caller: {name|Marisol Tejeda-Vance}, unit clerk, 4 South, ext {phone|6-4410}, employee ID {id|E0448127}
Issue: workstation {ip|10.31.48.112} (WS4S-CLRK02) cannot print wristbands; label printer at {ip|10.31.48.250} offline.
Caller also reports she opened the wrong chart while troubleshooting: searched "Nguyen" and opened {name|Nguyen Van Thanh}
({mrn|Z7740193}) instead of {name|Nguyen Thi Thanh Huong} ({mrn|Z7740218}); Privacy notified per policy.
Work notes: technician connected remotely from {ip|2001:db8:8f0:2a::31}. Printer DHCP lease had changed; set static
{ip|10.31.48.251}, updated the print queue, test wristband printed OK.
Closed by {name|Deshawn Prewitt}, Tier 2, {email|dprewitt.it@stcasimirmc.org}
"""),
    ("family_portal_message", """Patient portal message (sent from proxy account)
From: {name|rhonda ezenwa-reyes} (proxy for {name|Eunice Ezenwa})
Sent: {date|3/9/24} 11:52 PM
To: Dr {name|Szabo}

hi dr {name|szabo}, its {name|rhonda}, moms daughter. mom ({age|95}) fell again tonight at {facility|willow creek}, they sent her to
{facility|st joes} er. she wasnt hurt bad but they said her inr was 4 point something. is she supposed to still be on the
coumadin? i thought you stopped it in {date|jan}. my brother {name|kenny} has her pill box this week. my cell is
{phone|774 555 0132}, please call after 7. thx {name|rhonda}

Reply {date|3/10/24} 9:05 AM, {name|Agnes Coughlin}, RN, for Dr. {name|Szabo}:
Hi {name|Rhonda}, Dr. {name|Szabo} did stop the warfarin on {date|Jan 12}; we will call the facility to make sure it comes off
her medication list today. We will call you this evening.
[audit: proxy account {id|PX-00921844}; message sent from {ip|203.0.113.201}]
"""),
    ("genetic_counseling", """CANCER GENETIC COUNSELING - PEDIGREE SUMMARY
Proband: {name|Rivka Abergel-Stein}, 44 F, breast cancer (ER+/HER2-) diagnosed at 41.
Counselor: {name|Naomi Feldblum}, MS, CGC     Date: {date|2024-06-25}     Referred by Dr. {name|Yitzhak Benayoun}
Ancestry: Ashkenazi Jewish (maternal), Moroccan Jewish (paternal).
Maternal: mother {name|Hadassah}, 72, ovarian cancer at 68. Maternal grandmother died at {age|94}, cause unknown. Maternal
great-aunt {name|Tova Lefkowitz}, breast cancer in her 50s, died at {age|91}. Maternal uncle, prostate cancer at 61
(Gleason 4+3=7).
Paternal: father 75, well. Paternal grandfather died in {location|Casablanca} at 80. Paternal aunt {name|Simone Abergel},
pancreatic cancer at 58. A cousin, {name|Orly}, in {location|Haifa}, reportedly carries a BRCA1 variant (letter requested).
Testing: 84-gene hereditary cancer panel, kit {id|KIT-88201453}; results in 2-3 weeks at {url|results.helixcrest-genomics.com}.
Patient email for the results letter: {email|rivka.as@brooklynpost.net}.
Discussed NCCN guidance, Lynch syndrome and BRCA1/BRCA2 implications, GINA protections, and cascade testing.
"""),
    ("snf_to_hospital_transfer", """SNF-TO-HOSPITAL TRANSFER FORM
From: {facility|Willowbrook Care & Rehabilitation Center}, long-term unit, room 214
To: {facility|Huron Ridge Medical Center} Emergency Department
Resident: {name|Aldridge, Winifred}     DOB {date|10/16/1929}     Age {age|94}     SSN {ssn|376 40 2291}     Medicare MBI {id|2GH7-QW4-RT55}
Code status: DNR (POLST on file, copy sent). Allergies: sulfa.
Reason for transfer: SpO2 86% RA, RR 28, T 38.9 C, new confusion since the afternoon.
Contact: son {name|Reginald Aldridge}, POA, {phone|1-248-555-0115}, notified {date|12/17} 21:40. Alternate: granddaughter {name|Kiara}.
Facility physician Dr. {name|Srinivasan} notified via answering service {phone|248-555-0100}.
Sent with: medication list, POLST, face sheet; left hearing aid; upper denture.
Nurse: {name|Elvira Petrosyan}, LPN     Call for report: {phone|248.555.0112 x230}
"""),
    ("claims_export", """claim_id,member_id,subscriber_ssn,pat_last,pat_first,pat_dob,pat_age,dos,rendering_npi,cpt,dx1,billed,allowed,pat_zip
{id|CLM24030700871},{id|UHX884410273},{ssn|603441928},{name|Villanueva},{name|Rosario},{date|19440718},79,{date|20240307},{id|1487203956},99214,E11.65,185.00,121.34,{zip|85716}
{id|CLM24030800113},{id|UHX902217745},{ssn|604-21-5537},{name|Etsitty},{name|Marlon},{date|19870302},37,{date|20240308},{id|1932018475},93000,R00.2,75.00,52.10,{zip|86045-0217}
{id|CLM24031100420},{id|AZC00178342},{ssn|605 93 0061},{name|Kazemi},{name|Parisa},{date|19290903},{age|94},{date|20240311},{id|1487203956},99497,Z71.89,160.00,98.77,{zip|85705}
{id|CLM24031100421},{id|AZC00178342},{ssn|605 93 0061},{name|Kazemi},{name|Parisa},{date|19290903},{age|94},{date|20240311},{id|1487203956},99214,I48.91,185.00,121.34,{zip|85705}
{id|CLM24031200077},{id|UHX877301554},{ssn|606.19.7320},{name|Oyarzun Pino},{name|Benjamin},{date|19330128},{age|91},{date|20240312},{id|1609833271},G0439,Z00.00,210.00,174.60,{zip|85635-1102}
{id|CLM24031300258},{id|UHX861142093},{ssn|607-38-2214},{name|Haskie},{name|Loretta Mae},{date|19520611},71,{date|20240313},{id|1932018475},99396,Z00.01,240.00,188.15,{zip|86025}
"""),
    ("telehealth_transcript", """TELEHEALTH VISIT - AUTO-GENERATED CAPTIONS (lightly edited) - Outpatient Behavioral Health
[00:00:04] CLINICIAN: Hi, this is {name|Marcus Oyarzun}, I'm the therapist. Can you hear me okay?
[00:00:09] PATIENT: Yeah, I can hear you.
[00:00:11] CLINICIAN: Great. Before we start, can you tell me your full name and date of birth?
[00:00:15] PATIENT: {name|Kendra Jo Battle}, {date|April 3rd, 1990}.
[00:00:21] CLINICIAN: And where are you physically located right now, in case we get disconnected?
[00:00:26] PATIENT: I'm at my aunt's, {address|3318 Magnolia Terrace}, in {location|Stone Mountain}, {zip|30083}.
[00:00:34] CLINICIAN: And a good callback number?
[00:00:36] PATIENT: {phone|404 555 0169}.
[00:03:10] PATIENT: Since my grandma passed on {date|November 9th}, she was {age|ninety-two}, I just haven't been sleeping. My boyfriend
{name|Jaylen} says I'm different, like short with everybody.
[00:05:40] CLINICIAN: Your PHQ-9 today is 17 and the GAD-7 is 12. Any thoughts of hurting yourself?
[00:05:48] PATIENT: No. Not like that.
[00:12:02] CLINICIAN: I'll send the safety plan and the sleep handout. Is your email still the same?
[00:12:06] PATIENT: Yes, {email|kendrajo.battle@peachmail.com}.
[00:14:30] CLINICIAN: Next session is Tuesday at 4, same link, {url|https://meet.piedmontbh-telehealth.com/r/oyarzun-3}. If you're
in crisis, call or text 988 any time.
-- session metadata: client {ip|198.51.100.61}, clinician {ip|172.22.4.19}, duration 00:41:12
"""),
    ("nurse_triage_phone_messages", """PHONE MESSAGES - NURSE TRIAGE INBOX - {facility|Elm Street Internal Medicine}
{date|3/11} 0915 pt {name|bernadette sokolowski} called, needs lyrica refill, out since sat. uses {facility|Kessler Drug}.
     verified w/ dob and last 4 ssn ({ssn|6619}). cb {phone|5085550143}. -{name|tk}
{date|3/11} 1020 mr. {name|vu} called abt bp, 168/96 at home x2, no cp/sob/ha. scheduled w/ dr {name|amara} thurs 2pm. -{name|jl}
{date|3/11} 1305 dtr of {name|ruth feingold} ({age|97}yo) called, pt more sob, ankles swollen, up 4 lb since fri. on lasix 20.
     advised ED vs same-day; dtr {name|miriam} will bring her in at 3:40 today. cb {phone|508.555.0197}. -{name|tk}
{date|3/12} 0810 Mr {name|Amadou Diallo} called back re colonoscopy prep, confused about Suprep vs GoLytely. resent instructions
     to {email|amadou.diallo62@wachusettmail.com}. -{name|jl}
{date|3/12} 1140 {facility|Shrewsbury Apothecary} called, Eliquis needs PA, ref # {id|PA7731-0459}, fax form to {phone|508-555-0120}. -{name|tk}
"""),
    ("emergency_hold_application", """APPLICATION FOR EMERGENCY MENTAL HEALTH HOLD - CLINICAL SECTION
Respondent: {name|Lucius Ambrose Trevithick}, DOB {date|Nov 2 1986}, of {address|612 Garnet St, Apt 3}, {location|Grand Junction}, CO {zip|81501}
Brought to {facility|Mesa Lands Behavioral Unit} at 00:40 by {location|Mesa County} Sheriff's deputy {name|B. Ostrowski}, badge {id|4471}.
Petitioner: sister {name|Cordelia Trevithick-Yates}, {phone|970-555-0121}, reports he stopped lithium and olanzapine about
three weeks ago, has not slept for 4 nights, and was found on the roof of her house saying he had to "reset the satellites."
Evaluation: pressured speech, flight of ideas, grandiose and persecutory delusions, no insight. Lithium level under 0.1 mEq/L.
He is gravely disabled and a danger to himself as a result of a mental health disorder.
Evaluated by {name|Imogen Achterhof}, MD, on {date|02-14-2025} at 01:20.
Court case number {id|25MH00417}; hearing set for {date|2/19/25}.
"""),
    ("after_visit_summary", """AFTER VISIT SUMMARY - {facility|Sunnyside Urgent Care}
{name|Alejandro} "{name|Alex}" {name|Mejia Quintero}     Visit: {date|07/20/2024}
You were seen today for a cut on your left hand. You have 5 stitches (nylon).
- Keep the wound dry for 24 to 48 hours, then wash gently with soap and water.
- Have the stitches removed in 10 days (around {date|July 30}).
- You got a tetanus shot (Tdap) today, lot {other|3T9K2AA}.
- For pain: ibuprofen 600 mg every 6 hours with food, or Tylenol 1,000 mg every 8 hours. No more than 3,000 mg a day.
Come back or go to the ER for red streaks, pus, fever over 100.4 F, or numbness of the fingers.
Your clinic: {facility|Valle del Sol Family Medicine}, {phone|509 555 0186}. After-hours nurse line {phone|+1 (509) 555-0100}.
See your results at {url|mychart.sunnysideuc.org}. Pay your bill at {url|https://pay.sunnysideuc.org/?acct=20088173}.
Provider: {name|Wen Zhao-Lindberg}, PA-C
"""),
    ("medical_identity_theft", """REVENUE INTEGRITY / PRIVACY - SUSPECTED MEDICAL IDENTITY THEFT
Account under review: {id|HB-40018827} (ED visit {date|11/30/2024}).
Registered as: {name|Prudence Adaeze Ibekwe}, SSN {ssn|283-55-1907}, DOB {date|1990-08-14}.
True patient (called after receiving the bill): same name and SSN, DOB {date|1990-08-19}, address {address|1170 Chestnut Ridge Dr},
{location|Murfreesboro}, TN {zip|37129}; she was in {location|Savannah} on the date of the visit (hotel receipt provided).
ED photo ID scan does not match; the ID presented was TN driver license {id|148893027}.
Registration workstation {ip|10.77.2.44}. Portal account created the same night from {ip|203.0.113.88} with the email
{email|prudence.ibekwe.90@quickpost.io}, which the true patient does not own (hers is {email|pibekwe@volunteerstatemail.org}).
A second registration under {ssn|283551907} with a misspelled name was found and merged into this review.
Actions: encounter split to a new MRN {mrn|TN9-0442871}; allergies and blood type flagged unverified; police report
{id|MPD-24-118830} obtained by the patient.
Investigator: {name|Colette Marchand-Ruiz}, CHPC, {phone|615-555-0138}
"""),
    ("letter_from_family", """{name|Jun-seok Bae}
{address|47-12 Parsons Blvd, Apt 6F}
{location|Flushing}, NY {zip|11355}

{date|May 2nd, 2024}

Dear Dr. {name|Gershon},

I am writing to ask for a second opinion for my mother, {name|Bae Soon-ja} (date of birth {date|1931.01.15}), who is {age|93}
years old. Her doctor at {facility|Queensboro Medical Pavilion} says her kidney function is getting worse (eGFR 11) and she
should start dialysis, but she does not want it, and we want to understand conservative kidney management. She speaks
only Korean; I will interpret, or she can use the Korean line. Her records office can fax her chart (fax {phone|718-555-0159}).
Our phone is {phone|(917) 555-0145} and my email is {email|jsbae.flushing@kbridge-mail.com}.
Her Medicare number is {id|3RT6-FQ2-WJ81}.

Sincerely,
{name|Jun-seok Bae} (son)
"""),
    ("rpm_monthly_review", """REMOTE PATIENT MONITORING - MONTHLY CGM AND BP REVIEW (99457, 99458)
Patient: {name|Tiwari, Shobha}     MRN {mrn|RPM-0022817}     Period {date|2024-10-01} to {date|2024-10-31}
Devices: CGM transmitter {other|8GM3K7F2QX}; BP cuff serial {other|BPC7791-02214}; cellular hub IMEI {other|358240051112893}.
Uploads: hub {ip|100.72.15.6}; phone app {ip|2001:db8:c0a:1::7f}; last sync {date|Oct 31} 22:10.
CGM: time in range 62%, below 70 3%, GMI 7.6%, CV 34%. BP average 136/82 (48 readings).
Meds: Mounjaro 7.5 mg weekly, Tresiba 22 units nightly, metformin 1 g BID, Jardiance 25 mg daily.
Interactive communication: phone call {date|10/29/24}, 22 min, {name|Oksana Hrytsenko}, RN, care manager; husband {name|Vivek}
joined. Lows around 0300 after evening walks: reduce Tresiba to 20 units, snack after walks.
Dashboard: {url|rpm.tapestryhealth-monitor.com/pt/22817}.
Ordering: {name|Farhan Qureshi}, MD, {facility|Millbrook Primary Care}
"""),
    ("brief_op_note_cesarean", """BRIEF OPERATIVE NOTE     {date|10/14/2024}
Patient: {name|Nguyen Thi Mai Anh}     MRN {mrn|WH-1193307}
Pre-op dx: IUP at 39w3d, arrest of dilation at 6 cm, Category II tracing.
Procedure: primary low transverse cesarean delivery via Pfannenstiel incision; two-layer hysterotomy closure.
Surgeon: {name|Anne-Sophie Tshibangu}, MD     Assistant: {name|Phan Van Hieu}, MD (PGY-3)     Anesthesia: spinal, {name|Gerald Nez}, MD
Findings: viable female, 3,540 g, Apgars 8 and 9, OP position, nuchal cord x1. Normal uterus, tubes and ovaries.
QBL 780 mL. IVF 2,000 mL LR. UOP 150 mL clear via Foley. Oxytocin 30 units/500 mL.
Specimens: placenta to pathology (accession {id|S24-28817}). Cord gas pH 7.24.
Counts correct x2. Complications: none. Condition: stable to PACU.
Husband {name|Tran Quoc Bao} updated in the waiting room; asked that her mother in {location|Garden Grove} be called at {phone|714-555-0187}.
"""),
    ("portal_account_recovery", """PATIENT PORTAL SUPPORT - ACCOUNT RECOVERY CASE
Caller: {name|Marguerite-Lise Beaumont-Tchakounte}, calling for herself     MRN {mrn|CV-8830617}     DOB {date|07 Mar 1957}
Verified: DOB, home address ({address|220 Rue Cartier, Unit 4}, {location|Lewiston}, ME {zip|04240}) and last visit date ({date|2/12/25}).
Problem: locked out after too many attempts; says she never asked to change her email.
Sign-in log, last 48 h:
  {date|2025-03-01} 21:14  FAILED  {ip|203.0.113.147}    (unknown device, browser)
  {date|2025-03-01} 21:15  FAILED  {ip|203.0.113.147}
  {date|2025-03-01} 21:19  EMAIL CHANGE REQUEST to {email|mlbeaumont.secure@fastinbox.co} from {ip|203.0.113.147}: blocked, not verified
  {date|2025-03-02} 08:02  FAILED  {ip|192.168.0.23} via home router {ip|198.51.100.9}  (her iPad, per caller)
  {date|2025-03-02} 08:03  LOCKED
Action: email on file kept as {email|mlbeaumont57@androscogginmail.net}; password reset link sent there; sign-in from the
unknown address reported to Information Security. Case {id|PS-25-0302-0114}. Help page: {url|https://mychart.casco-valley.org/help/reset}.
Patient prefers a callback at {phone|207 555 0138}. Handled by {name|Jodie-Ann Pelletier}, portal support.
"""),
    ("community_paramedic_visit", """COMMUNITY PARAMEDIC HOME VISIT (post-discharge, heart failure)
Patient: {name|Eustace "Buddy" Kimbrough} ({age|90})     Referred by {facility|Tallahatchie General Hospital}, discharged {date|6/3}
Home: {address|1488 County Road 211}, {location|Charleston}, MS {zip|38921}; mailing {address|PO Box 562}. Gate code on file; dog friendly.
Weight 79.4 kg (discharge 78.9). BP 128/74, HR 72, SpO2 95% RA, lungs with faint bibasilar crackles, 1+ ankle edema.
Meds checked against the discharge list: furosemide 40 mg daily, Entresto 24/26 mg BID, metoprolol succinate 50 mg, Jardiance 10 mg.
He had two bottles of furosemide (20 mg and 40 mg) and was taking both; the 20 mg bottle was bagged and given to his
daughter {name|Shirley Kimbrough-Pate}, who lives next door ({phone|662.555.0131}).
Scale and BP cuff are sending readings through the tablet (device {other|TBL-5520-88913}, last upload from {ip|10.200.16.54}).
Next visit {date|June 10th}. Concerns to Dr. {name|Oyinkansola Fagbemi}, {facility|Delta Heart Clinic}, {phone|662-555-0170}.
{name|Travis Lusk}, CP-C, Paramedic
"""),
    ("disability_medical_source_statement", """MEDICAL SOURCE STATEMENT - PHYSICAL (for disability claim)
Claimant: {name|Quintanilla Bermudez, Heriberto}     SSN: {ssn|644-20-3817}     DOB {date|1/19/1968}
Claim number: {id|DDS-25-0048817}     Examiner: {name|Patrice Lumumba-Greer}, {email|plumumbagreer@dds-claims.example.org}
Claimant address: {address|3100 Bluebonnet Ln, Apt 9}, {location|Pharr}, TX {zip|78577}
Treating since: {date|04/2019}. Diagnoses: lumbar spinal stenosis L3-L5 (M48.062), type 2 diabetes with neuropathy (E11.42),
COPD (J44.9, FEV1 52% predicted).
Can lift 10 lb occasionally; sit 30 min at a time, 4 h total; stand/walk 1 h total. Needs a cane for uneven ground.
Off task 20% of the day; would miss about 3 days a month. Limitations present since at least {date|October 2022}.
Completed by {name|Socorro Villalpando-Reyes}, MD, {facility|Rio Grande Valley Spine and Pain}, {phone|956-555-0149}, on {date|3/3/25}.
"""),
]

CLEAN: list[tuple[str, str]] = [
    ("clean_ed_chest_pain", """ED provider note. 58-year-old man with 2 hours of substernal pressure radiating to the left arm, Levine sign present.
BP 142/88, HR 96, SpO2 97% RA. 2/6 systolic ejection murmur at the RUSB. ECG at 0214: sinus rhythm, 1 mm ST depression
V4-V6, no Brugada pattern, no Wellens T waves. hs-troponin 38 ng/L, then 71 ng/L at 2 hours. HEART score 6; Wells score 0,
PERC not applicable. Aspirin 324 mg chewed, nitroglycerin 0.4 mg SL x2, heparin 60 units/kg bolus. Takes Xarelto? No,
confirmed he takes Eliquis 5 mg BID for AF: anticoagulation held. Cardiology paged at 0240. ICD-10 I21.4. CPT 99285, 93010.
Admit to CCU, bed 6."""),
    ("clean_anesthesia_record", """Anesthesia record. ASA 2. Mallampati II. Preoxygenated to EtO2 0.88. Induction: fentanyl 100 mcg, propofol
180 mg, rocuronium 50 mg. Glidescope 3 blade, Cormack-Lehane grade 1, 7.0 ETT at 22 cm, bilateral breath sounds, EtCO2
confirmed. Sevoflurane 0.9 MAC, BIS 40-55. Bair Hugger on, temperature 36.4 C. Foley 16 Fr placed. Ondansetron 4 mg and
dexamethasone 8 mg for PONV prophylaxis (Apfel 3). TOF 4/4 before sugammadex (Bridion) 200 mg. Extubated awake at 1147.
Anesthesia CPT 00790, 150 minutes. Fluids LR 1,400 mL, EBL 75 mL, UOP 220 mL. To PACU, Aldrete 9."""),
    ("clean_ophthalmology", """Retina clinic. Neovascular AMD OD, dry AMD OS. Snellen VA cc OD 20/60 (was 20/80), OS 20/25. IOP by Goldmann
14/15. Amsler grid: metamorphopsia OD. OCT: subretinal fluid resolved OD, central subfield thickness 281 microns; OS drusen
without fluid. Cup-to-disc 0.4 OU. Injection #7 today: Eylea 2 mg intravitreal OD, povidone-iodine, lid speculum; post-injection
IOP 21 at 5 minutes. Treat-and-extend to 8 weeks. AREDS2 vitamins. Prior Lucentis and Avastin; Vabysmo discussed.
ICD-10 H35.3211, H35.3122. CPT 67028, 92134."""),
    ("clean_psychiatry_followup", """Psychiatry medication management. Major depressive disorder, recurrent, moderate (F33.1), and bipolar II
was considered but not met by DSM-5-TR criteria. PHQ-9 14 (was 19), GAD-7 9. Columbia screen negative. On Lexapro 20 mg and
Wellbutrin XL 150 mg; Abilify 2 mg added 6 weeks ago, akathisia none (Barnes 0), AIMS 0. Prior Lamictal stopped for rash
(no Stevens-Johnson syndrome). Seroquel 25 mg PRN sleep used 2 nights/week. Lithium not started; TSH 1.9, A1c 5.6%,
BMI 27.4. No Capgras or Korsakoff features; childhood Tourette syndrome, tics quiescent. Follow up in 4 weeks, 30-minute visit (99214)."""),
    ("clean_labor_progress", """L&D progress note. G2P1001 at 40w2d, induction for postdates. Bishop score 8 after Cervidil x12 h. Pitocin
at 8 mU/min. SVE 6/80/-1, AROM at 1310, clear fluid. FHR baseline 140, moderate variability, early decelerations, Category I.
Contractions q2-3 min by IUPC, 210 MVUs. Leopold maneuvers: vertex, EFW 3,600 g. GBS negative. Epidural (T10 level) with
bupivacaine-fentanyl PCEA. Shoulder dystocia drill reviewed (McRoberts, suprapubic pressure, Woods screw, Rubin).
Anticipate SVD; pediatrics aware. Magnesium not indicated; BP 126/78. Rh positive, rubella immune."""),
    ("clean_pediatric_sick_visit", """Pediatric sick visit. 3-year-old with 5 days of fever to 39.8 C. Not meeting Kawasaki criteria: no
conjunctival injection, lips normal, no strawberry tongue, no extremity changes, no rash, no cervical node over 1.5 cm.
Koplik spots absent; MMR x1 given at 12 months. Tympanic membranes: right bulging, erythematous, decreased mobility on
pneumatic otoscopy. Dx acute otitis media, right (H66.91). Amoxicillin 90 mg/kg/day divided BID x10 days (Amoxil 400 mg/5 mL,
6.5 mL BID). Tylenol 15 mg/kg q6h or Motrin 10 mg/kg q8h for fever. Weight 14.6 kg (50th %ile). M-CHAT low risk at 2 years.
Vision 20/30 by Lea symbols. Recheck if fever persists past 48-72 hours."""),
    ("clean_whipple_postop", """Surgical oncology POD 4 after pylorus-preserving Whipple (pancreaticoduodenectomy) for a 2.8 cm pancreatic
head adenocarcinoma. Intraoperative Kocher maneuver, portal vein free; Roux-en-Y not required. Jackson-Pratt drain amylase
210 U/L on POD 3 (biochemical leak, ISGPF grade BL). Blake drain 40 mL serous. NG removed POD 2; clears, ERAS pathway.
CA 19-9 was 412 U/mL pre-op. Preop Courvoisier sign positive; ERCP stent placed. Clavien-Dindo grade II (transfusion x1 unit).
Zosyn 3.375 g q6h stopped. Creon 36,000 units with meals. Heparin 5,000 units SC q8h. Ambulating 4 times a day."""),
    ("clean_micu_ards", """MICU progress. ARDS (Berlin, severe) from influenza A pneumonia. P/F 96 on FiO2 80%, PEEP 14; plateau 28,
driving pressure 14, VT 6 mL/kg PBW. Proned 16 h/day since Sunday; cisatracurium stopped yesterday. RASS -3 on Precedex
1.2 mcg/kg/h and fentanyl 75 mcg/h; CAM-ICU unable to assess. Levophed 0.06 mcg/kg/min, vasopressin 0.03 units/min.
Swan-Ganz removed. Cheyne-Stokes pattern noted during the SBT yesterday, SBT failed at 18 minutes. Oseltamivir day 5.
CK 210, triglycerides 320 (propofol held). Glasgow 8T. Family meeting Thursday 1500 in room 4 conference room."""),
    ("clean_dermatology", """Dermatology. Plaque psoriasis, BSA 8%, PASI 12.4, with Koebner phenomenon at the surgical scar and positive
Auspitz sign. Nikolsky sign negative. Psoriatic arthritis screen (PEST) 2. Prior Otezla 30 mg BID, partial response. Start
Skyrizi 150 mg SC at weeks 0 and 4, then every 12 weeks; Humira and Dupixent not indicated. QuantiFERON negative. Shave
biopsy of a left shoulder lesion: melanoma in situ excluded; dysplastic nevus with moderate atypia. Darier sign negative on
a trunk macule. Kaposi sarcoma not suspected. ICD-10 L40.0, D22.62. CPT 11102, 99214-25."""),
    ("clean_nephrology", """Nephrology clinic. CKD G4 A3 (eGFR 24 mL/min/1.73 m2 by CKD-EPI 2021, UACR 1,840 mg/g) from diabetic kidney
disease; Alport and IgA nephropathy considered unlikely. Cockcroft-Gault CrCl 21 mL/min for drug dosing. K 5.3, HCO3 19,
phosphorus 5.1, PTH 480 pg/mL, Hgb 9.6. Continue Jardiance 10 mg and Kerendia 10 mg; Farxiga not added. Start sodium
bicarbonate 650 mg TID, Lokelma 10 g daily, Renvela 800 mg TID with meals. Sensipar deferred. KDIGO 2024 targets reviewed.
Vein preservation: no PICC lines. Transplant education class; AVF mapping ordered (N18.4, E11.22)."""),
    ("clean_lasa_bulletin", """Pharmacy and therapeutics bulletin, look-alike/sound-alike update. Confusions reported this quarter:
Celebrex and Celexa and Cerebyx; Zyprexa and Zyrtec; Lamictal and Lamisil; hydralazine and hydroxyzine; Keppra and Kaletra;
Brilinta and Brintellix (now Trintellix); Lyrica and Lopressor on handwritten orders. Tall-man lettering applied: hydrOXYzine,
hydrALAZINE, ZyPREXA. Jardiance 10 mg and 25 mg bins separated. Insulin U-500 pens stored apart from U-100. Heparin
5,000 units/mL and 1,000 units/mL vials removed from the same drawer. Barcode scanning compliance 97.8%, up from 95.1%.
Next review in quarter 3; formulary version 12.4."""),
    ("clean_coding_query", """CDI query response. Principal diagnosis revised from sepsis (A41.9) to sepsis due to E. coli (A41.51) with
acute pyelonephritis (N10) and acute kidney injury (N17.9, POA Y). Type 2 diabetes with hyperglycemia E11.65. MS-DRG 871 to
MS-DRG 872 not supported; SOI 3, ROM 2. Procedures: PICC placement (CPT 36573) and ultrasound guidance (76937).
Modifier -59 not required. HCPCS J0696 ceftriaxone 1 g x4 units. LOS 4 days, GMLOS 3.9. Grouper version 41. Query
compliant with the AHIMA/ACDIS brief; no leading language. Coder initials and response time recorded in the CDI tool."""),
    ("clean_stroke_code", """Stroke code. Last known well 0710; arrival 0802. NIHSS 7 (aphasia 1, right face 2, right arm 2, right leg 1,
sensory 1). Glucose 134. CT head: ASPECTS 9, no hemorrhage. CTA: left M2 occlusion. Tenecteplase 0.25 mg/kg at 0839
(door-to-needle 37 minutes); thrombectomy with TICI 2b reperfusion. Babinski upgoing on the right, Hoffmann negative, Romberg
not tested. No Horner syndrome, Wallenberg syndrome excluded. BP goal below 180/105, nicardipine 5 mg/h. mRS 1 before the
event. Rancho Los Amigos level VI on day 3. ICD-10 I63.412. Dysphagia screen failed; NPO, SLP consult Friday."""),
]


def blind2_documents() -> list[EvalDoc]:
    """The second blind set's notes and clean notes, parsed: each EvalDoc's phi holds the planted identifiers."""
    return [parse(f"b2-{i:02d}", genre, text) for i, (genre, text) in enumerate(NOTES + CLEAN)]


def planted_counts() -> Counter[str]:
    """How many identifiers of each kind the notes plant (read from the markup, without parsing)."""
    return Counter(m.group(1) for _, text in NOTES + CLEAN for m in _MARK.finditer(text))
