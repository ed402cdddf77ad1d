"""A third development set for de-identification, written blind.

It was the blind set (recall 0.872 / precision 0.984 with the rules, measured once), and rules were then
tuned against its misses, so it is a development set now; blind2.py is the estimate. As written:

heldout.py was written after the rules were frozen, but the rules are now being tuned against it, so
its score has become a training score. These notes replace it as the honest estimate. They were
written blind: by someone who did not read the rules (rules.py, lexicon.py, the data folder) or the
value pools of evalset.py, and who never ran any de-identifier on them. They were written as
clinicians, nurses, clerks and EHR exports write, not to the strengths or weaknesses of any tool.
Keep them blind: nothing here is to be fixed by adding its strings to a rule or lexicon, nobody
tunes against this set, and a miss found here is fixed in general. Once a rule has been changed
because of a miss seen here, the set is no longer blind, and a new one must be written for the estimate.

What is planted follows heldout.py's conventions (the Safe Harbor list, not a wider idea of what
identifies): states, ages up to 89, weekdays, years alone, employers, insurers, room and bed
numbers, and study or lab (CLIA) numbers are left unmarked; titles (Dr., Mrs., Rev.) and degrees
(MD, RN) are not part of the name; a nickname is planted as a name; device serial numbers, implant
and vaccine lot numbers, vehicle plates and VINs and biometric enrolment ids are planted as "other";
record, account, member, encounter, claim, accession, licence, NPI and DEA numbers as "id", medical
record numbers as "mrn". A county or parish is planted with its word County/Parish. An age is planted
as its number (or words) alone: "{age|97}yo". A time of day is not part of a date.

Markup: {kind|text} plants `text` as an identifier of `kind` (a PHI kind of base.PHI_KINDS); it is
parsed by heldout.parse. No text holds "{", "}" or "|" outside the markup, so the exports below
are comma- or semicolon-delimited rather than pipe-delimited.
Every person, number, address, place name, facility and web address is made up; telephone numbers
use the 555 exchange (one internal pager excepted), IP addresses are mostly from the documentation and private ranges.
"""
from __future__ import annotations

from collections import Counter

from mediphi.prepare.deid.evalset import EvalDoc
from mediphi.prepare.deid.heldout import _MARK, parse

__all__ = ["CLEAN", "NOTES", "blind_documents", "planted_counts"]

NOTES: list[tuple[str, str]] = [
    ("discharge_summary", """DISCHARGE SUMMARY

PATIENT: {name|WOJCIECHOWSKI, HALINA B}              MED REC NO: {mrn|0071-55-2048}
ADMITTED: {date|02/11/2024}                          DISCHARGED: {date|02/16/2024}
ATTENDING: {name|Desmond Achterberg}, MD             PCP: {name|Rosalind Ebuka-Nwosu}, DO

HISTORY OF PRESENT ILLNESS: Mrs. {name|Wojciechowski} is a {age|93}-year-old woman with HFpEF, CKD stage 3b and
paroxysmal atrial fibrillation who was sent in from {facility|Briarwood Manor} with 4 days of worsening dyspnea,
orthopnea and 3 kg weight gain. BNP 2,310 pg/mL. CXR with bilateral effusions.

HOSPITAL COURSE: Diuresed with IV furosemide 40 mg BID, net negative 4.2 L. Creatinine peaked at 1.9 mg/dL on
{date|2/13} and returned to baseline 1.4. TTE on {date|2/12}: EF 60%, moderate TR, RVSP 48 mmHg. Rate controlled on
metoprolol. Apixaban dose reduced to 2.5 mg BID (age and creatinine criteria). Her niece, {name|Danuta Lis}, who
lives in {location|Hamtramck}, was updated by phone at {phone|(313) 555-0186} and agrees with the plan.

DISCHARGE MEDICATIONS: furosemide 40 mg PO daily; apixaban 2.5 mg PO BID; metoprolol succinate 25 mg daily;
potassium chloride 10 mEq daily.

FOLLOW-UP: Heart failure clinic at {facility|Oakland Cardiovascular Associates}, {address|27200 Franklin Rd, Suite 310},
{location|Southfield}, MI {zip|48034}, on {date|February 23} at 10:40 (tel {phone|248-555-0139}). BMP in one week at the
facility. Daily weights; call for gain of more than 1 kg in a day. Education videos: {url|oaklandcardio.net/hf-videos}.

cc: {name|R. Ebuka-Nwosu}, DO, by fax to {phone|248.555.0191}
"""),
    ("radiology_ct", """DEPARTMENT OF RADIOLOGY - {facility|ST. BRENDAN REGIONAL MEDICAL CENTER}
Patient: {name|Obi, Chukwuemeka}     MRN: {mrn|SB4471902}     DOB: {date|1950-10-02}
Accession: {id|CT24-0553817}     Exam date: {date|2024-05-19}
Referring: {name|Harriet Vandersloot}, NP

EXAM: CT CHEST WITH IV CONTRAST (CPT 71260)
COMPARISON: Chest radiograph of {date|04/30/2024} from {facility|Lakeshore Urgent Care}.
CLINICAL INDICATION: 73-year-old man, former smoker (45 pack-years), 8 kg weight loss, right hilar fullness on CXR.
TECHNIQUE: Axial images after 75 mL Omnipaque 350. DLP 412 mGy-cm.
FINDINGS: 3.4 x 2.8 cm spiculated right upper lobe mass abutting the right hilum. 1.6 cm subcarinal node (station 7).
No pleural or pericardial effusion. Adrenal glands normal. No lytic or blastic osseous lesion.
IMPRESSION:
1. Right upper lobe mass with subcarinal adenopathy, highly suspicious for primary bronchogenic carcinoma.
2. Recommend PET-CT and tissue sampling (EBUS).
Critical finding communicated to {name|Harriet Vandersloot}, NP, by telephone at 16:22 on {date|5/19/24}, read back.

Dictated by: {name|Tomasz Grabarczyk}, MD     Signed: {date|19-May-2024} 16:40
Images: {url|https://pacs.stbrendanrmc.org/viewer?acc=CT24-0553817}
"""),
    ("soap_progress", """PROGRESS NOTE - {facility|Cedar Hollow Family Health Center}
Date of service: {date|9/14/23}
Patient: {name|Marguerite "Peggy" Sandoval-Reyes}     Chart #: {mrn|CH-118820}

S: 67 yo F here for f/u of HTN and DM2. Home BP log mostly 130s/80s. Checks sugars twice a week, fasting 140-170.
Walking 20 min most days. No chest pain, no polyuria. Caregiver for her husband {name|Arturo} at home, sleeping poorly.
O: BP 138/84, HR 76, BMI 31.2. Monofilament intact bilaterally. No edema.
Labs: A1c 8.1% (was 7.4% three months ago), LDL 92 mg/dL, UACR 41 mg/g.
A/P:
1. DM2 with hyperglycemia (E11.65) - increase metformin to 1000 mg BID, start empagliflozin 10 mg daily.
2. HTN (I10) - continue lisinopril 20 mg. Goal under 130/80.
3. Caregiver strain - social work referral; respite info given.
RTC 3 months. Patient prefers texts to {phone|575-555-0158}.
{name|Imani Whitcombe-Addo}, MD
"""),
    ("operative_note", """OPERATIVE REPORT

PATIENT NAME: {name|Ferreira-Lindqvist, Joaquim}     HOSP #: {mrn|H-220-7719}     FIN: {id|4400918273}
DATE OF PROCEDURE: {date|3 March 2021}
SURGEON: {name|Adaeze Okafor-Bright}, MD
ASSISTANT: {name|Lukas Brandstetter}, MD (PGY-4)
ANESTHESIA: General endotracheal, {name|Wren Halloran}, CRNA

PREOPERATIVE DIAGNOSIS: Primary osteoarthritis, right knee (M17.11).
PROCEDURE: Right total knee arthroplasty (CPT 27447).
IMPLANTS: Femoral component size 5, lot {other|K7G2291A}; tibial baseplate size 4, lot {other|TB-00318842};
polyethylene insert 10 mm, serial no. {other|PE4-77120-93}.
EBL 150 mL. Tourniquet 68 min at 250 mmHg. Tranexamic acid 1 g IV before incision. Cefazolin 2 g IV.
DESCRIPTION: Medial parapatellar arthrotomy. Standard cuts with intramedullary femoral guide. Components cemented.
Good balance in flexion and extension, patella tracked centrally. Closure in layers, Prineo dressing.
DISPOSITION: PACU, stable. Findings discussed with the patient's son {name|Rui} in the surgical waiting area.
"""),
    ("ed_triage", """ED TRIAGE - {facility|Panorama Heights Hospital} EMERGENCY DEPT
Arrival 02:14 {date|Sept. 9} via EMS from {facility|Golden Oaks Assisted Living}, {address|2300 Panorama Dr}, {location|Bakersfield}.
Pt: {name|Tran Thi Bich Ngoc}, {age|97}yo F. Vietnamese-speaking, interpreter requested.
CC: unwitnessed fall at facility, L hip pain, shortened and externally rotated L leg.
VS: BP 162/94  HR 104  RR 20  SpO2 95% RA  T 36.9 C  FSBG 143. GCS 15. Pain 8/10 (FACES).
Hx: Alzheimer dementia, AF on warfarin (INR pending), HTN.
Son {name|Minh Tran} en route, cell {phone|661 555 0127}. Facility nurse {name|Jocelyn} gave report from {phone|661-555-0150 x214}.
ESI 2. Fall precautions. ID band verified: MRN {mrn|002784613}, Visit # {id|V0004419827}.
"""),
    ("nursing_shift", """NURSING NOTE  7N Med/Surg  Rm 712-B  Fri {date|06/07/2024}  1900-0700
Received report on Mr. {name|Delacruz} from {name|Shauna P.}, RN. POD 1 open partial colectomy.
2000 Pain 7/10, hydromorphone PCA 0.2 mg demand, lockout 10 min; 4/10 at 2100.
2200 Wife {name|Corazon} at bedside, asked that daughter {name|Liza Delacruz-Manalo} be called in the morning at {phone|(702) 555-0113}.
0100 IV pump channel B occlusion alarm, cleared; pump SN {other|8015-A33920}, network address {ip|172.20.14.66}.
0300 BG 58, asymptomatic. D50 25 mL IV per protocol; recheck 112 at 0315.
0400 Family brought home CPAP (serial {other|J2A-5540198}); checked by biomed, in use at 5 cm H2O.
0600 UOP 420 mL/shift via Foley. Braden 14, Morse 55, bed alarm on.
0700 Handoff to {name|Teodoro Vasquez}, RN, at bedside.
"""),
    ("surgical_pathology", """SURGICAL PATHOLOGY REPORT
{facility|Northfield Pathology Associates}
Case: {id|NP24-S-06117}
Patient: {name|Eleftheriou, Anastasia}     DOB: {date|11/30/1958}     MRN: {mrn|NPA-558102}
Collected: {date|06-Jun-2024}     Received: {date|06-Jun-2024}     Reported: {date|06/10/2024}
Submitting physician: {name|Gideon Mbeki-Larsson}, MD ({facility|Northfield Breast Center})

CLINICAL HISTORY: Left breast mass at 1:00, 4 cm from nipple, BI-RADS 5.
DIAGNOSIS: LEFT BREAST, 1:00, 4 CM FN, ULTRASOUND-GUIDED CORE BIOPSY:
  INVASIVE DUCTAL CARCINOMA, NOTTINGHAM GRADE 2 (3+2+2 = 7/9). No lymphovascular invasion identified.
  ER positive (95%, strong), PR positive (40%, moderate), HER2 IHC 2+ (equivocal), reflex FISH to follow. Ki-67 18%.
GROSS: Received in formalin labeled with the patient's name and "{mrn|NPA-558102}" are four tan cores, 1.2-1.6 cm,
entirely submitted in A1. Cold ischemia under 1 hour; fixation 10 hours.
Electronically signed out by {name|Ines Valderrama}, MD, on {date|June 10, 2024}.
"""),
    ("consult_letter", """{facility|Commencement Bay Pulmonary & Sleep Clinic}
{address|1180 Waterfront Pkwy, Bldg C}
{location|Tacoma}, WA {zip|98402-3317}
Tel {phone|253.555.0164}   Fax {phone|253.555.0165}   {url|www.cbaypulmsleep.com}

{date|October 21st, 2023}

{name|Bernard Oyelaran-Fisk}, MD
{facility|Puyallup Valley Internal Medicine}
{address|PO Box 4417}
{location|Puyallup}, WA {zip|98371}

RE: {name|DuBois, Marcel-Antoine}     DOB {date|4/9/1947}

Dear Dr. {name|Oyelaran-Fisk},

Thank you for asking me to see Mr. {name|DuBois} for snoring and daytime sleepiness (Epworth 15). His home sleep test
showed an AHI of 34 events/h with a nadir SpO2 of 78%, consistent with severe obstructive sleep apnea. Spirometry:
FEV1 1.9 L (64% predicted), FEV1/FVC 0.62, consistent with COPD, GOLD 2.

I started auto-PAP 5-15 cm H2O (device serial {other|23161488977}) and tiotropium 2.5 mcg two puffs daily. Download
at 4 weeks. I will see him again in three months; he or his wife may reach our nurse line or write to
{email|sleepnurse@cbaypulmsleep.com}.

Sincerely,
{name|Priya Venkataraman}, MD, FCCP
"""),
    ("referral_fax", """FAX COVER SHEET - CONFIDENTIAL HEALTH INFORMATION
To: {facility|Blue Ridge Orthopaedics & Spine}     Attn: Referral Coordinator {name|Tammy Lynn Hatcher}
Fax: {phone|1-828-555-0148}     Phone: {phone|828-555-0147}
From: {facility|Mountain Laurel Rural Health Clinic}, {address|Rt 2 Box 118}, {location|Burnsville}, NC {zip|28714}
Fax: {phone|8285550122}     Pages (incl. cover): 6     Date: {date|1/22/25}

RE: URGENT REFERRAL - {name|Ledbetter, Junior Ray} (DOB {date|08-17-1966})
Insurance: BCBS NC, member ID {id|YPB882145930}, group {id|0048813}
Reason: L4-5 disc extrusion with progressive left foot drop (ankle dorsiflexion 3/5), MRI {date|1/15/25}.
Please schedule within 1 week. Records and MRI report attached and uploaded to {url|https://referrals.blueridgeorthospine.com}.
Referring provider: {name|Carolina Whitesides}, FNP-C, NPI {id|1629384750}, {email|cwhitesides@mtnlaurelrhc.org}
Patient's preferred contact: wife {name|Darlene} {phone|(828) 555-0109}
If you received this in error, call {phone|828.555.0120} and destroy all copies.
"""),
    ("portal_thread", """Patient Message
From: {name|Jae-won Seo} <{email|jaewon.seo72@lumenmail.net}>
To: {facility|Riverside Dermatology} clinical pool
Sent: {date|Mar 2, 2025} 1:58 PM
Subject: rash after new antibiotic

Hi Dr. {name|Abramowitz}, I started the Bactrim you prescribed on the {date|24th} for the boil on my leg. Since yesterday
I have itchy red spots on my chest and arms, no blisters, nothing in my mouth. Temp 99.1. My wife {name|Mi-rae}
thinks I should go to urgent care. Should I stop it? Cell {phone|415-555-0153}.
- {name|Jae}

Reply {date|03/02/2025} 4:51 PM, {name|Lorna Abramowitz}, MD:
Mr. {name|Seo}, please stop the Bactrim now; this looks like a drug eruption. If you get fever, blistering, or sores in the
mouth or eyes, go to the emergency department at {facility|Bayshore General} right away. I sent cetirizine 10 mg daily to
your pharmacy. Please book a visit this week at {url|myhealth.riversidederm.com/schedule}.
[portal audit: message sent from {ip|198.51.100.77}; reply read from {ip|2600:1700:7c4e:9a10::2b}]
"""),
    ("telephone_encounter", """TELEPHONE ENCOUNTER
Date/Time: {date|2023-11-06} 08:47     Taken by: {name|Brandi Kowalski}, LPN
Caller: {name|Esperanza Quiñones} (daughter) re: pt {name|Aurelio Quiñones}, {age|ninety-three}
Identity verified with pt's DOB and last four of SSN ({ssn|5528}).
Callback #: {phone|(956) 555-0118}; alt {phone|956.555.0192}
Reason: pt "not himself" since Saturday, more confused, drinking little. Daughter reports temp 100.4 F, urine foul smelling.
Advice (per Dr. {name|Villarreal}): go to the {facility|Rio Grande Baptist} ED now for evaluation of possible UTI and delirium.
Daughter agreed and will drive him from {location|Harlingen}. ED charge nurse notified. Last office visit with Dr. {name|Villarreal} was {date|October 2nd}.
"""),
    ("pharmacy_anticoag", """PHARMACY CONSULT - ANTICOAGULATION (WARFARIN)
Patient: {name|Pemberton-Okoye, Felicity}     MRN {mrn|7723009}     Age {age|91}     Wt 52 kg
INR today 3.8 (goal 2.0-3.0) on warfarin 5 mg daily except 2.5 mg Mon/Fri. Ciprofloxacin 500 mg BID started {date|12/3}
for pyelonephritis (interaction). No bleeding. Hgb 11.2 g/dL, stable.
Recommendation: hold tonight's dose, then 2.5 mg daily while on ciprofloxacin; recheck INR {date|12/6}.
Outpatient pharmacy on file: {facility|Grand Lake Apothecary}, {address|350 Grand Ave}, {location|Oakland}, CA {zip|94610},
ph {phone|510-555-0178}, online refills at {url|grandlakeapothecary.com/refill}.
Prescriber: {name|Nathaniel Oduya}, MD, DEA {id|BO4918273}, NPI {id|1457392018}.
{name|Aisha Rahimi}, PharmD, BCPS  (pager {phone|510-555-0199})
"""),
    ("home_health", """HOME HEALTH SKILLED NURSING VISIT
Agency: {facility|Sunrise Home Care of Lancaster County}
Patient: {name|Yoder, Ezra M}     Visit date: {date|4/12/24}     Time in 0915 / out 1010
Address: {address|2281 Old Philadelphia Pike}, {location|Bird-in-Hand}, PA {zip|17505}
Directions: gravel lane past the white barn, second house on the left.
{age|Ninety-one}-year-old man, lives with his wife. Homebound: requires assistance of one and a walker to leave the home; taxing effort.
VS: BP 118/70, HR 82, RR 18, SpO2 93% on 2 L NC, T 98.2 F.
Wound: sacral stage 3 pressure injury 3.1 x 2.4 x 0.6 cm, 80% granulation, scant serous drainage. Cleansed with NS,
calcium alginate and foam border applied.
Equipment: hospital bed; oxygen concentrator SN {other|CZ-1847-3390-K}.
Teaching: repositioning q2h with wife {name|Rebekah} and daughter {name|Miriam Stoltzfus}; both returned demonstration.
Next visit {date|April 15}. Call the agency at {phone|717-555-0196} or see {url|www.sunrisehomecarelc.com} with concerns.
Telemonitoring hub (BP cuff and scale) reporting from {ip|192.168.1.47}; readings transmitting daily.
{name|Jolene Hurst}, RN, case manager
"""),
    ("prior_auth", """PRIOR AUTHORIZATION REQUEST - SPECIALTY PHARMACY
Member name: {name|LEFEBVRE, CHANTAL}     Member ID: {id|CHA-00913487-02}     Group #: {id|GRP77145}
DOB: {date|12/05/1979}     SSN (last 4): {ssn|4417}
Member address: {address|88 Lafayette St Apt 2R}, {location|Biddeford}, ME {zip|04005}     Phone: {phone|207-555-0131}
Prescriber: {name|Okonjo, Chidera} MD     NPI: {id|1093847265}     Phone: {phone|207 555 0140}     Fax: {phone|207-555-0141}
Office contact: {email|pa.desk@sacobayrheum.org}

Medication requested: adalimumab 40 mg/0.4 mL SC every 14 days, qty 2 pens / 28 days.
Diagnosis: rheumatoid arthritis, seropositive, multiple sites (M05.79).
Previous therapies: methotrexate 20 mg weekly x 9 months (inadequate response, DAS28-CRP 5.1); hydroxychloroquine 200 mg BID;
sulfasalazine (stopped for GI intolerance).
TB screen (QuantiFERON-TB Gold) negative {date|01/08/2025}. HBsAg negative, HBcAb negative.
Prescriber signature / date: ______________  {date|1-14-2025}
Request reference #: {id|PA-2025-0114-88127}   Submitted via {url|https://pa.cascadehealthplan-providers.com/portal}
"""),
    ("reference_lab", """================================================================================
 {facility|TRI-COUNTY REFERENCE LABORATORY}  {address|4500 INDUSTRIAL BLVD STE 100}, {location|DAYTON}, OH {zip|45439}
 CLIA 36D0987123     LAB DIRECTOR: {name|HOLLIS P. WAINWRIGHT}, MD, PhD
================================================================================
PATIENT: {name|KRASINSKI, DOROTHEA}               ACCT: {id|A0081177264}
DOB: {date|02/29/1932}   AGE: {age|92}Y   SEX: F   MRN: {mrn|TCR-0193357}
ORDERING: {name|SUBRAMANIAM, K}                   CLIENT: {facility|STILLWATER RIVER GERIATRICS}
SSN: {ssn|287 30 5514}
COLLECTED: {date|08/14/2024} 0702   RECEIVED: {date|08/15/2024} 0955   REPORTED: 1130
--------------------------------------------------------------------------------
TEST                 RESULT     FLAG   UNITS        REFERENCE
SODIUM               129        L      mmol/L       136-145
POTASSIUM            5.4        H      mmol/L       3.5-5.1
CREATININE           1.62       H      mg/dL        0.50-1.00
TSH                  7.85       H      uIU/mL       0.45-4.50
VITAMIN B12          188        L      pg/mL        232-1245
--------------------------------------------------------------------------------
CRITICAL: none. Result questions: client services {phone|937-555-0119} or {url|www.tricountyreflab.com/results}.
"""),
    ("psych_intake", """PSYCHIATRIC INTAKE EVALUATION - {facility|Pinecrest Behavioral Health}, Outpatient
Date: {date|July 8, 2024}     Clinician: {name|Tobenna Eze}, MD
Patient: {name|Saoirse Ní Bhriain}, 34, she/her. Address: {address|14 Winthrop Rd #3}, {location|Brookline}, MA {zip|02445}. Referred by PCP Dr. {name|Lindiwe Dube}.

HPI: Eight months of worry, insomnia and panic attacks (3-4/week) since a job change; avoids driving on highways.
PHQ-9 16, GAD-7 18 (completed online before the visit at {url|pinecrestbh.org/intake}). C-SSRS screen negative; no past attempts. EtOH 2 drinks/week; no other substances.
Past psych: one admission to {facility|McKinnon Psychiatric Pavilion} in 2016 for depression; sertraline helped then.
Family: mother with bipolar I disorder.
Social: lives with partner {name|Kofi Mensah-Adjei} in {location|Brookline}; no firearms in the home.
MSE: anxious, good eye contact, speech normal rate, thought process linear, no SI/HI, insight good.
Dx: Generalized anxiety disorder (F41.1); panic disorder (F41.0).
Plan: sertraline 25 mg x 1 week then 50 mg; CBT with {name|Ezra Goldfarb}, PsyD ({phone|617.555.0172}).
Emergency contact: {name|Kofi}. Patient prefers email: {email|saoirse.nibhriain@postbox-mail.com}.
"""),
    ("pediatric_well", """WELL CHILD CHECK - 4 YEAR
Patient: {name|Mateo Ishikawa-Burgos}     DOB {date|5/3/20}     Visit {date|5/8/24}
Accompanied by mother {name|Yuki Ishikawa} and grandmother {name|Consuelo}.
Growth: Ht 103.2 cm (55th %ile), Wt 16.8 kg (60th %ile), BMI 15.8 (50th %ile). BP 96/58.
Development: ASQ-3 above cutoff in all domains. Hearing (OAE) and vision (photoscreen) pass.
Immunizations given today:
  DTaP  0.5 mL IM L deltoid   lot {other|3CA47B1}
  IPV   0.5 mL IM R thigh     lot {other|W1J882}
  MMRV  0.5 mL SC R arm       lot {other|Y008325}
Anticipatory guidance: booster seat, water safety, screen time under 1 hour, brush twice daily.
Dental home: {facility|Smile Bright Pediatric Dentistry} (first-visit handout: {url|smilebrightpeds.com/first-visit}). Next WCC at 5 years.
Home: {address|1045 Coronado Ave, Apt 9}, {location|Chula Vista} {zip|91911}. Mom's cell {phone|(619) 555-0124}. Medi-Cal CIN {id|91827364A}.
{name|Beatriz Olmedo-Ruiz}, MD
"""),
    ("ob_admission", """L&D ADMISSION NOTE - {facility|Women's Pavilion at Holloway Memorial}
{date|11/10/2024} 03:40
{name|Amara Nwachukwu-Bello} is a 31 y.o. G3P2002 at 39w2d by first-trimester ultrasound (EDD {date|11/15/2024},
LMP {date|2/8/24}) admitted in active labor. Prenatal care at {facility|Eastside Women's Health}, uncomplicated.
Labs: O positive, antibody screen negative, rubella immune, HBsAg/HIV/RPR negative, GBS POSITIVE.
SVE 5/90/-1. FHT baseline 135, moderate variability, accelerations present, no decelerations (Category I).
Contractions q3 min. EFW 3,400 g.
Birth plan on file in the portal ({url|https://mychart.hollowaymemorial.org}).
Plan: admit; penicillin G 5 million units IV load then 2.5 million units q4h; epidural on request; expectant management.
Partner {name|Chinedu Bello} and doula {name|Rosie McAllister} at bedside.
Newborn care by {name|Ferdinand Ocansey}, MD ({facility|Kidcare Pediatrics of Decatur}).
Attending: {name|Halvard Skjeldal}, MD
"""),
    ("death_note", """DEATH NOTE
Patient: {name|MacGillivray, Alasdair Iain}     MRN: {mrn|0000318842}     Age: {age|98} y/o
Called to bedside by RN at 04:05 for absent respirations. Pt on comfort measures only since {date|January 24}
(metastatic castration-resistant prostate cancer, CKD 4, DNR/DNI).
Exam: no response to verbal or painful stimuli, pupils fixed and dilated, no heart sounds or breath sounds for 60 seconds,
no carotid pulse. Pronounced dead at 04:12 on {date|2022-01-27}.
Family at bedside: daughters {name|Fiona} and {name|Morag MacGillivray-Shaw}. Attending Dr. {name|Peter Lindahl} notified.
Donor services referral {id|NEDS-22-004871} placed; not a candidate. Medical examiner not required.
Death certificate demographics verified: SSN {ssn|031 44 8862}, usual residence {address|22 Salisbury St}, {location|Leominster}, MA {zip|01453}.
{name|Olufunmilayo Adebayo}, MD, PGY-2
"""),
    ("transfer_summary", """TRANSFER SUMMARY - ACUTE CARE TO INPATIENT REHABILITATION
From: {facility|Saint Adelaide Hospital}, 5 West bed 12     To: {facility|Fallsway Rehabilitation Institute}
Patient: {name|Bellweather, Cornelius T.}     Age: {age|90}     Transfer date: {date|Nov 30 2023}
Diagnosis: acute left MCA ischemic stroke s/p IV tenecteplase; NIHSS 6 on arrival, 3 today. Expressive aphasia, RUE 4/5.
Meds: aspirin 81 mg, atorvastatin 80 mg, lisinopril 10 mg. Swallow: mechanical soft, thin liquids (SLP {date|11/28}).
Code status: full. Precautions: fall, aspiration.
Contacts: son {name|Rupert Bellweather} {phone|+1 (410) 555-0195}, {email|rupert.bellweather@chesapeake-legal.com}
Accepting physician: {name|Yusra Al-Khatib}, MD. Report called to {name|Odalys}, RN, at {phone|410-555-0136 ext 5520}.
Transport: BLS, unit plate {other|4BK2271}, departing 13:30.
"""),
    ("social_work", """SOCIAL WORK ASSESSMENT
Patient {name|Delphine Arceneaux-Batiste}, 58, seen at bedside on {date|10/03/2023} for discharge planning.
Lives alone in a second-floor apartment at {address|1912 N Galvez St, Unit B}, {location|New Orleans}, LA {zip|70119}
({location|Orleans Parish}); stairs are a barrier after her below-knee amputation.
Income SSDI. Medicaid application started today, application # {id|LA-MA-2023-7741920}; SSN verified from card: {ssn|438-71-0925}.
Support: sister {name|Odile Batiste} in {location|Metairie}, {phone|504-555-0106}, able to help three days a week.
A friend set up a fundraiser for the prosthesis: {url|gofundme.com/f/help-delphine-walk-again}.
Plan: referral to {facility|Crescent City Adult Day Center}; ramp request to landlord; DME wheelchair ordered.
{name|Tremont Fairchild}, LCSW, {email|tfairchild@staugustinemed.org}, {phone|504.555.0147}
"""),
    ("csv_export", """mrn,last_name,first_name,dob,age,sex,ssn,phone,email,zip,encounter_id,admit_date,facility
{mrn|88120457},{name|Nakamura},{name|Keiko},{date|1931-03-14},{age|93},F,{ssn|575-22-8190},{phone|808-555-0142},{email|knakamura31@islandnet-mail.com},{zip|96817},{id|ENC-7781204},{date|2024-07-02},{facility|Makai Shores Medical Center}
{mrn|88120913},{name|Kahananui},{name|Peleke},{date|1948-11-30},75,M,{ssn|576 41 3302},{phone|(808) 555-0166},{email|peleke.k@hawaiiantel-mail.net},{zip|96744},{id|ENC-7781377},{date|2024-07-02},{facility|Windward Valley Clinic}
{mrn|88121066},{name|dos Santos},{name|Maria Aparecida},{date|1962-04-07},62,F,{ssn|577.63.0418},{phone|808.555.0108},{email|cida.dossantos@kona-mail.org},{zip|96740},{id|ENC-7781402},{date|2024-07-03},{facility|Makai Shores Medical Center}
{mrn|88121150},{name|Fonoti},{name|Tavita},{date|2001-08-19},22,M,{ssn|578019264},{phone|8085550175},{email|tavita.fonoti01@islandnet-mail.com},{zip|96792},{id|ENC-7781459},{date|2024-07-03},{facility|Leeward Coast Urgent Care}
"""),
    ("semicolon_export", """# Flat-file extract, semicolon-delimited. Source: ADT nightly job.
PAT_ID;PAT_NAME;BIRTH_DT;AGE;SSN;HOME_ADDR;CITY;ST;ZIP;PHONE;EMAIL;ADMIT_DT;DISCH_DT;ATTENDING
{mrn|Z0048812};{name|OKAFOR, IFEOMA N};{date|03/12/1955};69;{ssn|244-90-1873};{address|4129 Maple Ridge Dr};{location|Greensboro};NC;{zip|27407-2210};{phone|336-555-0181};{email|ifeoma.okafor55@piedmontmail.net};{date|01/28/2025};{date|02/01/2025};{name|HARGROVE, PAUL}
{mrn|Z0048907};{name|D'AMATO, VINCENZO};{date|07/23/1933};{age|91};{ssn|245 18 6620};{address|77 Church St Apt 5};{location|Mebane};NC;{zip|27302};{phone|(336) 555-0112};;{date|01/30/2025};{date|02/02/2025};{name|NGUYEN-PHAM, LINH}
{mrn|Z0049010};{name|BLACKFEATHER, WINONA};{date|09/09/1971};53;{ssn|246.55.9017};{address|PO BOX 2290};{location|Pembroke};NC;{zip|28372};{phone|910 555 0177};{email|wblackfeather@lumbee-mail.org};{date|01/31/2025};{date|02/02/2025};{name|HARGROVE, PAUL}
"""),
    ("ems_run_sheet", """PREHOSPITAL CARE REPORT - MEDIC 14
INCIDENT DATE: {date|07/04/23}   DISPATCH 21:47   ON SCENE 21:55   TRANSPORT 22:09   AT DEST 22:31
PT NAME: {name|O'SULLIVAN-REYES, BRIGID}   AGE: {age|101} YRS   SEX: F   SSN: {ssn|219-48-7705}
INCIDENT ADDRESS: {address|615 E MAIN ST APT 4C}, {location|CUMBERLAND}, MD {zip|21502}
CALLER: GRANDDAUGHTER {name|SHANNON REYES}, CALLBACK {phone|301-555-0128}
CC: SHORTNESS OF BREATH X 2 HRS, WORSE LYING FLAT. HX CHF, AFIB, HTN. MEDS: LASIX, ELIQUIS, METOPROLOL.
ASSESSMENT: TRIPODING, RALES BILATERAL TO MID FIELDS, 2+ PITTING EDEMA. BP 188/102 HR 118 IRREG RR 30 SPO2 84% RA.
TX: CPAP 7.5 CM H2O, NTG 0.4 MG SL X3, SPO2 UP TO 94%. 12-LEAD: AFIB RVR, NO STEMI.
MONITOR SN {other|LP15-44190872}. UNIT 14, PLATE {other|EMS 3147}.
DEST: {facility|ALLEGHENY HIGHLANDS MEDICAL CENTER} ED, REPORT TO {name|T. MORGENSTERN}, RN
CREW: {name|J. KOVACH}, NRP / {name|D. ABERCROMBIE}, EMT
"""),
    ("telehealth_log", """VIRTUAL VISIT - BLOOD PRESSURE FOLLOW-UP
Video visit with {name|Hiroshi Takemoto-Ellis}, 70, located at home in {location|Roseville}, MN; provider at
{facility|Arden Hills Clinic}. Identity confirmed with name and date of birth ({date|6/30/54}).
Home BP log (Omron) 128-142/76-88 over 2 weeks; no orthostasis. On losartan 50 mg; K 4.6, Cr 1.05 last month.
Plan: losartan 100 mg daily, BMP in 2 weeks, next video visit {date|March 18}.
{name|Signe Aaltonen}, CNP

-- technical log (auto-appended) --
Session {id|VV-5519-2208-73}   link {url|https://telehealth.ardenhillsclinic.org/join/6XK2-PL9Q}
13:58:02 patient joined from {ip|203.0.113.58} (Chrome 121 / Windows)
14:00:11 provider joined from {ip|10.44.18.203} (clinic VPN)
14:01:40 interpreter joined from {ip|2001:db8:4a1c:22::17}
14:09:55 patient connection lost; 14:10:31 patient rejoined from {ip|198.51.100.214} (cellular)
14:15:40 caregiver (daughter) joined from {ip|100.64.12.9}
14:24:08 session ended by provider; after-visit summary at {url|telehealth.ardenhillsclinic.org/avs}
"""),
    ("device_interrogation", """REMOTE DEVICE TRANSMISSION REPORT - PACEMAKER CLINIC
Patient: {name|Oyelowo, Babatunde}     DOB: {date|03 Aug 1934}     Clinic MRN: {mrn|CV-00481120}
Device: dual-chamber pacemaker, implanted {date|Aug 2019}. Generator serial {other|PJN612047H}.
Leads: RA serial {other|BBL2218834V}, RV serial {other|BBL2218871V}.
Transmission received {date|02/02/2025} 03:10 via bedside monitor (SN {other|MN-0339-8841}) from {ip|24.118.63.209}
(previous contact {date|01/29/2025} from {ip|24.118.63.144}).
Battery 8.5 years. RA 0.7 V at 0.4 ms, P 2.8 mV, 480 ohms. RV 0.8 V at 0.4 ms, R 11.2 mV, 560 ohms.
AP 42%, VP under 1%. AT/AF burden 3.2%; longest episode 6 h 14 min on {date|1/28}. CHA2DS2-VASc 4, not anticoagulated.
{age|90}-year-old with new AF burden: routed to Dr. {name|Kavanagh} to discuss anticoagulation.
Next remote transmission {date|May 4, 2025}. Clinic portal: {url|remote.pacerlink-monitor.net/clinic/4471}
Reviewed by {name|Matthias Oberholzer}, RN, CCDS
"""),
    ("hospice_idt", """HOSPICE INTERDISCIPLINARY GROUP NOTE
{facility|Lighthouse Hospice of Ocean County}     Level of care: routine home care
Patient: {name|Gertrude} "{name|Trudy}" {name|Vanderhoeven}, {age|ninety-six}, residing at
{facility|Heritage Pines Nursing & Rehabilitation}, room 114B.
Terminal dx: Alzheimer disease, FAST 7c. PPS 30%. Weight down 2.1 kg in 30 days; eating 25% of meals.
Comfort: morphine oral solution 2.5 mg q4h PRN dyspnea used twice this week; lorazepam 0.5 mg PRN not needed.
Family: son {name|Pieter Vanderhoeven} in {location|Toms River} ({phone|732 555 0171}) visits Sundays.
Chaplain Rev. {name|Ambrose Kiplagat} visited {date|8/21}; hymns at bedside, family at peace with DNR.
Recertification due {date|09/04/2024}. Attending: {name|Constance Febres-Cordero}, DO
"""),
    ("access_audit", """PRIVACY OFFICE - BREAK-THE-GLASS ACCESS REVIEW
Case {id|PRV-2024-0317} opened {date|April 2, 2024} by {name|Monique Delatour}, Privacy Analyst
Patient record reviewed: {name|Zielinski, Roman} ({age|95} y/o M), MRN {mrn|4418-0927-33}, a VIP admission to {facility|Lakeside Memorial Hospital}.
Access events, {date|3/28/2024} - {date|3/30/2024}:
  {date|3/28} 22:14  RN, 6 East              workstation {ip|10.12.40.117}   chart opened, MAR     treating, appropriate
  {date|3/29} 09:02  Registration clerk      workstation {ip|10.12.3.58}     demographics          appropriate
  {date|3/29} 23:47  Radiology technologist  VPN {ip|172.16.208.9}           notes, results        NOT on care team
  {date|3/30} 00:03  same user               VPN {ip|172.16.208.9}           discharge summary     NOT on care team
  {date|3/30} 10:15  external HIE query      {ip|192.0.2.141}                CCD                   appropriate
Outcome: one inappropriate access; referred to HR. Patient notified by letter to {address|31 Birch Hollow Ln}, {location|Kenosha}, WI {zip|53144}.
"""),
    ("trauma_ed", """TRAUMA ATTENDING NOTE - {facility|Chelan Ridge Trauma Center}
{date|5/26/23} 17:20. Level 2 activation. {name|Dmitri Volkonsky}, 44 M, restrained driver, MVC at highway speed, +airbag.
Primary: airway intact, breath sounds equal, BP 104/66 HR 118, GCS 14 (E3V5M6). FAST negative.
Secondary: seat-belt sign across lower abdomen, L wrist deformity.
CT: grade II splenic laceration, no free air; distal radius fracture.
Plan: admit to trauma ICU for serial Hgb, NPO, ortho consult.
State trooper {name|K. Alvarado} at bedside requesting blood alcohol: declined without warrant or consent. Crash report
{id|WSP-23-118842}; patient vehicle plate {other|CFK4829}, VIN {other|1HGCV1F34LA018273}.
Wife {name|Natalya} called from {location|Wenatchee}, {phone|509-555-0144}; she is the HCP.
{name|Gwendolyn Achebe-Stroud}, MD, FACS
"""),
    ("face_sheet", """ADMISSION FACE SHEET
Patient: {name|CHAVARRIA, OSVALDO JR}     Preferred name: "{name|Ozzie}"     MRN: {mrn|000917734}
Admit: {date|12/19/2024} 14:02     Encounter: {id|HAR-24-5519081}     Acct: {id|60012948850}
DOB: {date|08/02/1961}     SSN: {ssn|529701846}     Marital: M     Lang: Spanish
Address: {address|2740 S Rimrock Rd, Space 17}, {location|Yuma}, AZ {zip|85365}     County: {location|Yuma County}
Home: {phone|928-555-0103}     Cell: {phone|928.555.0190}
Driver license AZ {id|D08441937}     Palm-vein ID enrolled: {other|PV-2284-0917-55}
Primary ins: AHCCCS ID {id|A90217736}     Secondary: Medicare MBI {id|5TQ2-HJ8-NK41}
Guarantor: self. Emergency contact: {name|Rosa Chavarria} (wife), same address, {phone|928 555 0104}
Guarantor/spouse SSN: {ssn|530 62 7719}
PCP: {name|Efrain Leyva-Soto}, MD, {facility|Desert Sun Community Health}
Portal activation sent to cell; portal {url|desertsunchc.org/portal}
"""),
    ("financial_counseling", """FINANCIAL COUNSELING NOTE
Met with patient {name|Goran Petrovic} and his daughter {name|Jelena} on the {date|14th} regarding charity care.
Claim {id|CLM-0088417722} ({date|Feb. 3, 2024} ED visit) billed $14,820; remaining balance after insurer payment $6,210.
Household of 3, annual income under 200% FPL. Documents received: two pay stubs, 2023 tax return, SSN card
({ssn|612.44.9031}). Application # {id|FA-24-01972} submitted for 100% adjustment.
Patient was given the portal address {url|https://pay.lakesidehealth.org/assistance} and billing office number
{phone|1-800-555-0163 ext. 2}. Daughter's email for correspondence: {email|jelena.petrovic88@maplenet.com}.
{name|Cheyenne Running-Water}, Financial Counselor
"""),
    ("wound_clinic", """WOUND CARE CENTER - PROGRESS NOTE
{facility|Sandhills Wound & Hyperbaric Center}, {address|901 Medical Park Dr, Ste 2}, {location|Aberdeen}, NC {zip|28315}
Patient: {name|Pettigrew, Lonnie Earl}     DOS: {date|Jan 9, 2025}     HBO session 14/30
Right plantar diabetic foot ulcer (Wagner 2) 1.8 x 1.1 x 0.3 cm, down from 2.6 x 1.9 x 0.5 cm. Probe-to-bone negative.
Debrided to bleeding tissue with curette (CPT 11042), 2.0 sq cm. Collagen dressing, offloading boot.
A1c 7.2%. TcPO2 46 mmHg. Cleared for HBO at 2.4 ATA for 90 min; ear equalization fine.
Home health to continue dressings; agency RN {name|Darcy Quattlebaum}, {phone|910-555-0137}. Next visit {date|1/16/25}.
Patient asked that photos be sent to his niece at {email|lquattlebaum.family@sandhillsmail.net}; consent on file.
{name|Amos Threadgill}, DPM
"""),
    ("secure_chat", """[Secure chat export - 4 West team channel - {date|2025-03-11}]
07:42 {name|Nadia Farouk} (charge RN): bed 4 pt {name|Horvath} is asking for the attending, says Dr. {name|Lim} promised a call
07:45 {name|Ji-hoon Lim} (hospitalist): will see him after rounds. son is {name|Attila}? has he been updated
07:46 {name|Nadia Farouk}: not yet, his # is in the chart, {phone|(262) 555-0119}
07:51 {name|Ji-hoon Lim}: ok. also pharmacy, can we switch his Keppra to IV while NPO
07:53 {name|Bartosz Wrona} (PharmD): done, levetiracetam 500 mg IV q12h, verified
08:10 {name|Nadia Farouk}: fyi family asked for records sent to {email|attila.horvath@danubeconsult.eu}, told them to use the ROI form at {url|www.lakesidememorial.org/records}
"""),
    ("geriatrics_consult", """GERIATRICS CONSULT
Requested by: {name|Felix Adeyemi-Hart}, MD (hospitalist)     Date: {date|8 February 2025}
Patient: {name|Bao, Wen-Li}     MRN: {mrn|LMH-3390175}
Reason: recurrent falls and polypharmacy.
{age|94} y/o woman admitted after her third fall in 2 months. Lives with her husband, age {age|100}, in an independent
apartment at {facility|Maple Court Senior Living}, {address|5150 Orchard Lake Rd, Apt 218}, {location|West Bloomfield}, MI
{zip|48323}. Daughter {name|Grace Bao-Whitman} ({phone|248-555-0182}, {email|gbaowhitman@lakesmail.net}) manages medications.
Meds (14): including amitriptyline 25 mg qHS, oxybutynin 5 mg BID, zolpidem 5 mg PRN (all Beers list), amlodipine 10 mg.
Orthostatic: 142/78 supine, 112/64 standing at 3 min with dizziness. TUG 19 s. MoCA 22/30. Vitamin D 18 ng/mL.
Recommendations: stop amitriptyline, oxybutynin and zolpidem; amlodipine 5 mg; vitamin D3 2,000 IU daily; PT/OT;
home safety evaluation; hip protectors. Will follow; {name|Ngozi Eberechukwu}, MD, geriatrics, pager {phone|4-7731}.
"""),
]

CLEAN: list[tuple[str, str]] = [
    ("clean_neurology", """Neurology follow-up. 74-year-old man with Parkinson disease since 2015, Hoehn and Yahr stage 2.5, on
carbidopa-levodopa 25/100 mg 1.5 tablets at 0700, 1100, 1500 and 1900. Wearing-off about 45 minutes before each dose.
Also has focal epilepsy on Keppra 750 mg BID, seizure-free since 2019. Left Bell palsy two years ago, House-Brackmann II now.
Exam: MDS-UPDRS part III 28, mild rigidity, no dyskinesia. Glasgow Coma Scale 15. MoCA 26/30.
Plan: add entacapone 200 mg with each levodopa dose; DaTscan not needed. Return on a Tuesday clinic in 4 months."""),
    ("clean_endocrine", """Endocrine consult. Evaluate for adrenal insufficiency versus Cushing syndrome after chronic prednisone.
Cosyntropin stimulation test (CPT 80400): cortisol 4.1 mcg/dL at baseline, 14.2 mcg/dL at 60 minutes, consistent with
secondary adrenal insufficiency (E27.40), not Addison disease. ACTH 8 pg/mL. Sodium 134 mmol/L, potassium 4.3 mmol/L.
Start hydrocortisone 15 mg AM and 5 mg at 1400. Sick-day rules: double the dose for fever above 38.0 C; Solu-Cortef
100 mg IM kit prescribed. Medical alert bracelet advised. Recheck in 6 weeks."""),
    ("clean_gi_oncology", """GI/oncology note. 41-year-old woman with ileocolonic Crohn disease (K50.80) diagnosed in 2011 and a history of
stage IIA Hodgkin lymphoma treated with ABVD x 4 cycles in 2008. Harvey-Bradshaw index 7. CRP 12.4 mg/L, fecal calprotectin
480 mcg/g, albumin 3.3 g/dL. Colonoscopy: SES-CD 14. Infliximab level 2.1 mcg/mL, no antibodies.
Plan: intensify infliximab to 10 mg/kg every 6 weeks; Bactrim is not needed. Continue azathioprine 100 mg. Thiopurine
methyltransferase (TPMT) normal. DEXA: T-score -1.6. Vitamin D 3,000 IU daily."""),
    ("clean_nicu", """NICU admission. Term male, 38 4/7 weeks, birth weight 2.89 kg, Apgar 7 and 9 at 1 and 5 minutes. Prenatal
diagnosis of Down syndrome (trisomy 21) with complete atrioventricular canal defect. Admitted to NICU room 4, bed 12.
SpO2 preductal 94%, postductal 92%. Glucose 52 mg/dL at 1 hour of life. Bilirubin 11.2 mg/dL at 48 hours (low-intermediate risk).
Echo Wednesday: balanced AVSD, moderate left AV valve regurgitation. Start furosemide (Lasix) 1 mg/kg PO BID when feeding.
Karyotype 47,XY,+21 confirmed. Hearing screen to be repeated before discharge."""),
    ("clean_cardiology", """Cardiology inpatient note. Acute on chronic HFrEF, NYHA class III, EF 30-35% by TTE. BNP 1,240 pg/mL.
BP 148/92, HR 96. Lasix 40 mg IV BID, net -2.6 L in 24 hours. Creatinine 1.31 mg/dL (baseline 1.1).
GDMT: sacubitril-valsartan 24/26 mg BID, metoprolol succinate 50 mg daily, spironolactone 12.5 mg daily, dapagliflozin 10 mg.
QTc 462 ms. Potassium 4.9 mmol/L, magnesium 2.0 mg/dL. ICD discussion deferred to clinic (MADIT-CRT criteria reviewed).
Codes: I50.23, I11.0. Telemetry: 3 runs of NSVT, longest 6 beats at 0215."""),
    ("clean_infectious", """ID consult. MRSA bacteremia, day 4 of IV vancomycin (AUC goal 400-600, trough 14.8 mcg/mL). Repeat
blood cultures x2 no growth at 48 hours. TEE negative for vegetation. Source: left forearm abscess, I&D on hospital day 1.
Procalcitonin 0.42 ng/mL. Plan: total 14 days from first negative culture; may step down to oral linezolid 600 mg BID
only after ID approval. Bactrim DS 2 tabs BID is an alternative if platelets drop. Not eligible for the ARREST trial.
ICD-10: R78.81, B95.62. Sensitivities: oxacillin R, clindamycin S, tetracycline S."""),
    ("clean_thoracic_oncology", """Thoracic oncology. Stage IVA adenocarcinoma of the lung, EGFR exon 19 deletion, TP53 co-mutation;
KRAS, ALK, ROS1 and BRAF negative. PD-L1 TPS 60%. ECOG 1. On osimertinib 80 mg daily since cycle 1, per FLAURA dosing.
CT: 32% decrease in sum of target lesions (partial response by RECIST 1.1). Grade 1 paronychia, grade 1 diarrhea.
LVEF 58%. ANC 2.4 x10^9/L, platelets 188 x10^9/L. BRCA1/BRCA2 germline testing negative.
Continue current therapy; restage in 12 weeks. No history of Hodgkin lymphoma (prior note corrected)."""),
    ("clean_memory_clinic", """Memory clinic. 86-year-old woman with mild Alzheimer disease dementia, likely mixed with vascular
contribution. MoCA 21/30 (was 24/30 last year), MMSE 24. Clock drawing 3/5. No visual hallucinations or REM sleep behaviour
to suggest Lewy body disease; no parkinsonism. Donepezil 10 mg nightly, tolerated. B12 412 pg/mL, TSH 2.1 uIU/mL.
Lives with spouse; day program on Monday and Thursday. Unit 5B respite stay planned. Driving cessation discussed.
APOE e4 heterozygous. Follow-up in 6 months; consider lecanemab eligibility review (CLARITY AD criteria)."""),
    ("clean_orthopedics", """Orthopedic clinic. Fall on outstretched hand: dorsally displaced Colles fracture of the right distal radius,
closed reduction under hematoma block (10 mL 1% lidocaine), sugar-tong splint. Post-reduction: radial inclination 21 degrees,
volar tilt 0 degrees, ulnar variance +1 mm. Ottawa ankle rules negative on the left. Thompson test negative; no Achilles
rupture. Incidental 3 cm Baker cyst. Early Dupuytren nodules in the palm, no contracture. Kelly clamp and Mayo scissors
counts correct in the procedure room. Tylenol 650 mg q6h, ibuprofen 400 mg q8h with food. Recheck x-ray in 1 week."""),
    ("clean_nursing_flowsheet", """0800 Assessment complete. A&Ox4. Lungs clear. Pain 3/10, Tylenol 650 mg PO given.
1000 Ambulated 150 ft with PT, gait steady, SpO2 96% RA.
1200 Lunch 75% eaten. BG 168, insulin lispro 2 units per correction scale.
1400 Zofran 4 mg IV for nausea, effective at 1430. Ativan 0.5 mg not needed.
1600 I&O: in 1,240 mL, out 900 mL. Foley removed at 0600, voided 350 mL at 1230. Morse 45, bed low and locked.
1800 Haldol held, CAM-ICU negative. Report to night shift RN in room 512."""),
]


def blind_documents() -> list[EvalDoc]:
    """The blind notes and clean notes, parsed: each EvalDoc's phi holds the planted identifiers."""
    return [parse(f"blind-{i:02d}", genre, text) for i, (genre, text) in enumerate(NOTES + CLEAN)]


def planted_counts() -> Counter[str]:
    """How many identifiers of each kind the notes plant (read from the markup, without parsing)."""
    return Counter(m.group(1) for _, text in NOTES + CLEAN for m in _MARK.finditer(text))
