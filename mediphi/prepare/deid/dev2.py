"""A second hand-written de-identification development set (dev2), written after heldout.py.

Forty-nine notes with identifiers, in the kinds of text a clinical corpus holds and heldout.py
lacks: pathology and device reports, prior-authorization and claim forms, lab requisitions,
pharmacy and portal messages, home-health, hospice, dialysis and EMS sheets, a telehealth
transcript, social work and case management notes, an HL7 feed and a CSV export (identifiers
without labels, in columns), a fax cover, OCR text of a scanned form with spread-out characters,
all-caps printouts, a unit census and an access-audit log. It leans on the kinds the rules found
hardest: facilities of every shape (abbreviations such as BIDMC or MGH in context, "Mercy West",
"St. Agnes", nursing homes, pharmacies, labs, shelters, dialysis units), record numbers with and
without labels (medical record, chart and unit numbers; account, visit, CSN, member, group, policy,
claim, licence, DEA, NPI, accession, specimen, plate and device serial numbers), towns,
neighbourhoods and counties, and ZIP codes in many positions.
Twelve clean notes (eponyms, drug and brand names, doses, ICD and CPT codes, lab values, times, bed
and room numbers) measure over-scrubbing.

It was written without reading rules.py. Scored before any tuning against it (rules.py as it was
then), the rules reached recall 0.745 and precision 0.989 on its 564 identifiers and changed none of
the 12 clean notes; per kind: name 0.750 (152), date 0.914 (93), age 0.500 (10), phone 0.970 (33),
email 1.000 (6), url 1.000 (3), ip 1.000 (4), ssn 0.500 (4), mrn 0.550 (20), id 0.646 (65), address
0.875 (24), location 0.759 (54), zip 0.714 (21), facility 0.520 (75). That was the honest estimate
for unseen notes of these kinds. (The very first scoring read 0.733 / 0.989 on 565 identifiers;
reading the misses showed labelling slips - a title, a weekday, two times, the state codes of two
plates and a printed "SN" inside planted values; two facilities in headers and one abbreviation
left unmarked - which were corrected, and the figures above recomputed with the untuned rules.)

The rules were then tuned against it (general fixes only: forms, labels, context cues, word lists,
HL7, table and OCR readers; never its exact strings) and reached recall 0.970, precision 0.998, no
clean note changed; every kind at 0.944 (location) or above. Like heldout.py it is a development set
now: its score no longer estimates recall on unseen notes. (Its author first planted four countries
of residence as locations; Safe Harbor removes only subdivisions smaller than a state, so they are
unmarked, like states, and the figures above are on the 564 identifiers left.)

What is planted follows heldout.py: the Safe Harbor list. Countries, states, ages up to 89, weekdays, years alone, times, room and bed numbers,
employers and schools, insurers, study protocol numbers and CLIA numbers are left unmarked; titles
(Dr., Mrs., Fr.) are not part of the name. Device serial numbers, vehicle plates, licence, DEA and
NPI numbers are planted as "id" (heldout.py plants device serials as "other"; recall does not depend
on the kind given). Usernames in an audit log are planted as names.

Markup: {kind|text}, parsed by heldout.parse. The HL7 lines keep their "|" field separators, so
text may hold "|" outside the markup (but never "{" or "}"). Every person, number, address and
e-mail is made up; some facilities are real names, as in real notes.
"""
from __future__ import annotations

from mediphi.prepare.deid.evalset import EvalDoc
from mediphi.prepare.deid.heldout import parse

NOTES: list[tuple[str, str]] = [
    ("discharge_summary", """{facility|MERCY WEST HOSPITAL} - DISCHARGE SUMMARY
Patient: {name|Oyelaran, Babatunde K.}     Med Rec #: {mrn|004417725}     Acct: {id|A0091827731}
Admitted: {date|02/11/2024}     Discharged: {date|02/16/2024}     Attending: {name|Margaret Uhlenbrock}, MD

HOSPITAL COURSE: Mr. {name|Oyelaran} is a 67 y/o man from {location|Springdale} with HFrEF (EF 25%) admitted to {facility|Mercy West}
with volume overload. Diuresed with IV furosemide 80 mg BID, net negative 6.2 L. Creatinine peaked at 1.9.
He lives with his wife {name|Folake} in {location|Forest Park}; she can be reached at {phone|(513) 555-0148}.
DISPOSITION: Home with services from {facility|Tri-County Home Health}. Follow up with Dr. {name|Achterberg} at
{facility|Mercy Heart Institute} on {date|Feb 27}. Discharge weight 88.4 kg.
"""),
    ("radiology", """CT CHEST W/O CONTRAST                    {facility|BIDMC} RADIOLOGY
Accession #: {id|E19482273}   MRN: {mrn|2210-4478}   Exam date: {date|14-Mar-2023} 10:41
Referring: {name|Nakamura-Price, Eliza}   Location: {facility|BIDMC} West Campus, Farr 2
COMPARISON: CT from {facility|Beverly Hospital} dated {date|11/9/2021}.
FINDINGS: 8 mm solid nodule right upper lobe, previously 6 mm. Mild centrilobular emphysema. No effusion.
IMPRESSION: Enlarging RUL nodule. Lung-RADS 4A. Recommend PET-CT.
Critical result communicated to Dr. {name|Tessaly Quon} by {name|Aaron Whitcombe}, MD on {date|3/14/23} at 11:02.
"""),
    ("pathology", """SURGICAL PATHOLOGY REPORT
{facility|Northshore Regional Medical Center} Department of Pathology
Accession No.: {id|SP-24-011873}     Specimen No. {id|A24-55102}     Received: {date|01/22/2024}
Patient: {name|DELACROIX, MARIE-THERESE}   DOB: {date|05/30/1951}   Chart No.: {mrn|NRMC-778204}
Submitting physician: {name|H. Vandersloot}, MD ({facility|Lakeshore Surgical Associates})
SPECIMEN: Sigmoid colon, segmental resection.
DIAGNOSIS: Invasive adenocarcinoma, moderately differentiated, pT3 pN1a (1/17 lymph nodes). Margins negative.
MMR proteins intact by IHC. Pathologist: {name|Ravindra Subramaniam}, MD   Signed {date|1/26/2024}
"""),
    ("ed_triage", """ED TRIAGE  {date|07/04/2023} 02:17   Arrived by EMS ({facility|Hamilton County EMS} Medic 12)
Pt is a 34 yo F c/o abd pain x1 day, RLQ, nausea, no vomiting. LMP {date|6/20}.
Lives at {address|2218 Harrow Lane Apt 4C}, {location|Norwood}. Boyfriend {name|Keshawn Tillery} at bedside, cell {phone|513.555.0191}.
PMH: asthma. Meds: albuterol PRN. NKDA. Vitals T 38.1 HR 112 BP 118/74 RR 20 SpO2 98% RA.
ESI 3. Registered as {name|Shaniqua R. Boatwright}, CSN {id|100482937715}, visit # {id|V0071123}.
"""),
    ("op_note", """OPERATIVE NOTE - {facility|St. Agnes} Main OR, Room 7
Date: {date|September 3, 2024}
Surgeon: {name|Laszlo Fekete}, MD. Assistant: {name|Priyanka Venkataraman}, MD. Anesthesia: {name|D. O'Halloran}, CRNA.
Patient: {name|McAllister, Fiona}   Unit No: {mrn|U-8812034}
Preop dx: Right femoral neck fracture. Procedure: Right hip hemiarthroplasty, cemented.
Implant: Stryker bipolar head 47 mm, serial number SN {id|4471902-KB}. EBL 250 mL. 1 unit PRBC.
Disposition: PACU, then to 5 North. Plan discharge to {facility|Brookhaven Rehabilitation and Nursing Center}.
"""),
    ("referral_letter", """{facility|Cedar Ridge Family Practice}
{address|410 North Main Street, Suite 200}
{location|Cedar Falls}, IA {zip|50613-2741}
Tel {phone|319-555-0132}   Fax {phone|319-555-0133}

{date|April 18, 2022}

{name|Elspeth Morrow}, MD
{facility|University of Iowa Hospitals and Clinics}, Department of Rheumatology
{address|200 Hawkins Drive}, {location|Iowa City}, IA {zip|52242}

RE: {name|Gunnar Thorvaldsen}   DOB {date|12-02-1958}

Dear Dr. {name|Morrow},
I would appreciate your evaluation of Mr. {name|Thorvaldsen} for seronegative inflammatory arthritis. He has
morning stiffness of two hours, synovitis of both wrists, CRP 38 mg/L. He failed naproxen 500 mg BID.
Sincerely,
{name|Wendell Ashby}, DO
"""),
    ("prior_auth", """PRIOR AUTHORIZATION REQUEST - SPECIALTY PHARMACY
Health plan: Blue Horizon PPO    Member ID: {id|BHX889204417}   Group #: {id|00457120}
Subscriber: {name|Renata Kowalczyk}    Relationship: self    DOB: {date|08/14/1972}
Policy number {id|PLN-3320981-04}
Prescriber: {name|Javier Echeverria-Luna}, MD   NPI: {id|1649382071}   DEA: {id|BE4417729}
Practice: {facility|Sonoran Dermatology Group}, {address|7550 E McDowell Rd}, {location|Scottsdale}, AZ {zip|85257}
Phone {phone|480-555-0177}  Fax {phone|480-555-0178}
Drug requested: dupilumab 300 mg SC every 2 weeks. Dx: L20.9 atopic dermatitis. Failed: triamcinolone 0.1%, tacrolimus 0.1%.
"""),
    ("lab_requisition", """LAB REQUISITION                                   {facility|Pacific Crest Laboratories}
Patient name: {name|Tran, Minh Chau}          Sex: F        DOB: {date|1989-11-03}
Address: {address|16 Ocean View Ct}, {location|Daly City}, CA {zip|94015}
Phone: {phone|650 555 0114}
Ordering provider: {name|Kwame Asante-Bonsu}, MD     NPI {id|1396072215}
Bill to: insurance   Carrier: Golden State Health   Subscriber # {id|GSH00938811}
Tests: CBC, CMP, TSH, lipid panel, HbA1c, UA w/ reflex. Fasting: Y. Collect {date|10/05/2023} 07:30.
Specimen ID {id|PC2310050417}
"""),
    ("pharmacy_message", """From: {facility|Walgreens} Pharmacy #{id|07731}, {address|3390 Kirkwood Hwy}, {location|Wilmington}, DE {zip|19808}
To: Dr. {name|Hollis Pemberton}
Re: {name|Audrey Finchley}, DOB {date|3/3/1944}, Rx # {id|2874410-09331}
Message: Patient requesting refill of levothyroxine 88 mcg. Last fill {date|01/12/2025}, 90 tabs. Insurance now requires
generic. Please send new Rx or call {phone|302-555-0166}. Pharmacist: {name|Ngozi Okafor}, RPh. Lic# {id|RP-0018874}.
"""),
    ("home_health", """HOME HEALTH SKILLED NURSING VISIT       {facility|Visiting Nurse Association of Greater Lowell}
Visit date {date|Nov 6, 2023}   Time in 0930 Time out 1025
Pt: {name|Doucette, Armand}    Age: {age|91}   Episode #: {id|EP-2023-44172}
Pt seen at home, {address|77 Pawtucket Blvd Unit 12}, {location|Lowell}. Lives w/ niece {name|Colette Arsenault}.
CHF teaching done. Weight 71.2 kg (up 1.1 kg). Lungs with bibasilar crackles. Called Dr. {name|Sandhu}'s office, new order
for torsemide 40 mg x 3 days. Oxygen concentrator serial {id|EV5-220918-AC} checked, 2 L NC.
Next visit {date|11/8}. Supervising RN {name|Maureen Keough}.
"""),
    ("telehealth_transcript", """TELEHEALTH VISIT TRANSCRIPT (auto-generated)  {date|2024-06-19}  Platform session {id|TH-5501-88127}
DR. {name|LINDQVIST}: Hi, can you hear me okay? Can you confirm your name and date of birth?
PATIENT: Yes, it's {name|Rosalind Achebe}, {date|January 9th, 1966}.
DR. {name|LINDQVIST}: And where are you right now?
PATIENT: At home in {location|Decatur}, at my sister {name|Ifeoma}'s place actually.
DR. {name|LINDQVIST}: Okay. How's the sugar been on the Ozempic?
PATIENT: Fasting around 130. I had one low, 62, last Thursday.
DR. {name|LINDQVIST}: Let's drop the glipizide to 2.5 mg. I'll send it to the {facility|Kroger pharmacy} on {address|Candler Rd}.
Connection IP {ip|98.212.47.160}
"""),
    ("social_work", """SOCIAL WORK ASSESSMENT - {date|12/02/2022}
Pt {name|Wiremu Tane Parata}, 58M, admitted with alcohol withdrawal. Born in New Zealand, moved to {location|Tacoma} in 2009.
Currently unhoused; has been staying at the {facility|Tacoma Rescue Mission} shelter and sometimes with a friend in {location|Hilltop}.
Ex-wife {name|Moana} lives in {location|Auckland}; no contact. Brother {name|Hemi Parata} {phone|253-555-0129} willing to help.
Referred to {facility|Pierce County Alliance} detox and {facility|Greater Lakes Mental Healthcare}. Medicaid (Apple Health) ProviderOne ID {id|108834572WA}.
Social worker: {name|Danielle Fairweather}, MSW, LICSW, x4472
"""),
    ("hl7_export", """MSH|^~\\&|EPIC|{facility|RIVERVIEW MEDICAL CENTER}|LAB|RMC|{date|20230811}143022||ORU^R01|MSG00442|P|2.5.1
PID|1||{mrn|RMC0074419}^^^RMC^MR||{name|HOLLOWAY}^{name|DESMOND}^{name|T}||{date|19570412}|M|||{address|88 QUARRY RD}^^{location|MILFORD}^CT^{zip|06460}||{phone|(203)555-0157}|||||{id|ACC55820194}|{ssn|041-55-8821}
PV1|1|I|4W^412^B|||||{id|1780334925}^{name|FERREIRA}^{name|LUCIA}|||||||||||{id|V000319927}
OBX|1|NM|2345-7^GLUCOSE^LN||182|mg/dL|70-99|H|||F
OBX|2|NM|2160-0^CREATININE^LN||1.3|mg/dL|0.6-1.2|H|||F
"""),
    ("csv_export", """patient_id,last_name,first_name,dob,zip,city,phone,pcp,visit_date,dx_code
{mrn|884120},{name|Abernathy},{name|Coretta},{date|1948-02-19},{zip|37209},{location|Nashville},{phone|615-555-0171},{name|Okwuosa},{date|2023-05-02},I10
{mrn|884377},{name|Villanueva},{name|Ramon},{date|1975-10-30},{zip|37013},{location|Antioch},{phone|615-555-0182},{name|Okwuosa},{date|2023-05-02},E11.9
{mrn|885002},{name|Szymanski},{name|Halina},{date|1931-07-07},{zip|37211-4410},{location|Nashville},{phone|615-555-0196},{name|Lindgren-Hayes},{date|2023-05-03},N18.4
"""),
    ("fax_cover", """FAX   FAX   FAX
{facility|Green Valley Orthopaedics & Sports Medicine}
{address|1200 W. Sunset Ave}  {location|Henderson} NV {zip|89014}
TO: Medical Records, {facility|Summerlin Hospital}      FAX #: {phone|702.555.0139}
FROM: {name|Tiffany Marchetti}, referral coordinator     PHONE: {phone|702.555.0140}
DATE: {date|8/23/23}    PAGES: 6 (incl. cover)
RE: {name|Baptiste, Jean-Luc}  DOB {date|04/17/1961}  Claim # {id|WC-22-0948817} (workers comp)
Please send op report and imaging from {date|July 2022}.
CONFIDENTIALITY NOTICE: This facsimile contains protected health information...
"""),
    ("ocr_scanned_form", """P A T I E N T   R E G I S T R A T I O N
Name (Last, First, MI) :  {name|GRABOWSKI} ,  {name|TADEUSZ}   {name|W}
Date of Birth :  {date|0 3 / 1 1 / 1 9 4 0}        Sex :  M
S S N :  {ssn|3 1 2 - 4 4 - 9 0 1 7}
Street :  {address|4 0 1 8  W .  Belmont  Ave}       City :  {location|Chicago}     State :  IL     Zip :  {zip|6 0 6 4 1}
Home Ph :  {phone|( 7 7 3 )  5 5 5 - 0 1 2 4}
lnsurance  Co :  Midwest Mutual    Policy  # :  {id|M M 4 4 0 1 9 2 8}
Emergency  Contact :  {name|Irena  Grabowska}   ( daughter )
"""),
    ("all_caps_discharge", """DISCHARGE INSTRUCTIONS
PATIENT: {name|JOHNSON-BAPTISTE, LORRAINE}      MRN: {mrn|60012884}      ROOM: 614-B
ADMIT DATE: {date|03/02/2025}   DISCHARGE DATE: {date|03/05/2025}
DISCHARGING PHYSICIAN: {name|VIKRAM MALHOTRA}, MD
FOLLOW UP: {facility|GOOD SAMARITAN CARDIOLOGY CLINIC} IN 1 WEEK. CALL {phone|(916) 555-0121} TO SCHEDULE.
HOME MEDICATIONS: METOPROLOL SUCCINATE 25 MG DAILY, APIXABAN 5 MG BID, ATORVASTATIN 80 MG NIGHTLY.
RETURN TO THE {facility|SUTTER ROSEVILLE} EMERGENCY DEPARTMENT FOR CHEST PAIN OR SHORTNESS OF BREATH.
"""),
    ("snf_transfer", """NURSING HOME TO HOSPITAL TRANSFER FORM
From: {facility|Shady Oaks Skilled Nursing & Rehabilitation}, {address|925 Pine Bluff Rd}, {location|Conway}, AR {zip|72034}
To: {facility|Conway Regional} ED
Resident: {name|Earline Pettaway}    Age {age|97}    DOB {date|10/10/1926}
Facility resident # {id|R-20741}     Medicare MBI {id|7JX2-PD4-KN19}
Reason: fever 101.6, altered from baseline, foley in place. Code status DNR/DNI (MOLST on file).
Responsible party: grandson {name|Cedric Pettaway} {phone|501 555 0116}. Sent by {name|Lakeisha Dorsey}, LPN, {date|5/14/24} 19:40.
"""),
    ("va_note", """VA MEDICAL CENTER - PRIMARY CARE PACT NOTE
LOCAL TITLE: PRIMARY CARE NOTE     STANDARD TITLE: PRIMARY CARE NOTE
DATE OF NOTE: {date|JUN 11, 2024}@09:14     ENTRY DATE: {date|JUN 11, 2024}@10:02:31
AUTHOR: {name|HARGROVE,DELPHINE M}     EXP COSIGNER:
PATIENT: {name|KOWALSKI,STANLEY J}  SSN last 4: {ssn|6610}   ICN {id|1012847755V441209}
Veteran seen at {facility|Bay Pines VA} CBOC in {location|Port Charlotte}. Vietnam era. Service connected 70% for PTSD, tinnitus.
Sees Dr. {name|Anand} at {facility|James A. Haley Veterans' Hospital} for Parkinson disease. On carbidopa-levodopa 25/100 TID.
"""),
    ("insurance_claim", """EXPLANATION OF BENEFITS    THIS IS NOT A BILL
Member: {name|Dashiell Okonjo}   Member ID {id|W448109257}   Group {id|GRP 771203}
Claim number: {id|2024-118-99017362}   Provider: {facility|Lakeview Imaging Center}   Date of service: {date|01/08/2024}
Patient account no. {id|LIC-5540192}
Service: MRI lumbar spine w/o contrast (CPT 72148)   Billed $2,340.00   Allowed $612.18   You owe $122.44
Mail payment to {address|PO Box 44219}, {location|Omaha}, NE {zip|68144-0219}
"""),
    ("ems_run_sheet", """EMS PATIENT CARE REPORT   Incident # {id|24-0088172}   Unit: Medic 7
Dispatched {date|10/12/2024} 16:42 to {address|I-95 NB near exit 31}, {location|Bridgeport}
MVC: 2-car collision. Pt was restrained driver of a gray Honda Civic, plate CT {id|7HK-R42}; other vehicle plate NY {id|KMB 4420}.
Pt: {name|Lucas Ferreira-Dias}, 28 yo M, c/o neck pain. C-collar applied, GCS 15.
Transported to {facility|St. Vincent's Medical Center} Level II trauma bay. Crew: {name|R. Batista} (EMT-P cert {id|P-118420}), {name|J. Kim}.
"""),
    ("device_interrogation", """DEVICE CLINIC - PACEMAKER INTERROGATION   {date|05/21/2024}
Patient: {name|Whitlock, Ambrose}    DOB: {date|11/23/1932}    Age: {age|91}
Device: Medtronic Azure XT DR MRI, model W1DR01, serial # {id|RNB604417S}. RA lead serial {id|PJN3377015}; RV lead serial {id|PJN3380422}.
Battery 8.5 years. AP 34%, VP <1%. Thresholds stable. 2 AHRE episodes, longest 00:04:12.
Remote monitoring via CareLink, transmitter ID {id|CLX-0091-4452}. Next remote {date|8/20/2024}.
Clinic: {facility|Harbor Heart & Rhythm}, {location|Newport News}. RN {name|Bettina Quarles}.
"""),
    ("prescription", """{name|ANDREA L. VOSKUIJLEN}, M.D.
{facility|Hillcrest Internal Medicine}
{address|2715 Cheshire Bridge Rd NE, Ste 110}
{location|Atlanta}, GA {zip|30324}
DEA# {id|AV5512093}   NPI# {id|1912847736}   GA Lic. {id|MD058821}
Patient: {name|Cornelius Fairbanks}   DOB: {date|7-19-48}   Date: {date|09/30/2024}
Rx: oxycodone 5 mg tab, 1 tab PO q6h PRN severe pain, #20 (twenty), no refills.
"""),
    ("ob_note", """L&D ADMISSION NOTE   {date|2/2/2025}  0410
G3P2002 at 39w2d by LMP ({date|5/2/24}) c/w 8 wk US, EDD {date|2/7/2025}. Prenatal care at {facility|Women's Health Center of Overland Park}.
Pt {name|Xiomara Castellanos-Vidal}, 31 yo. GBS neg. Rh+. Partner {name|Andres} present, phone {phone|913-555-0164}.
SVE 5/90/0. Epidural requested. Pediatrics: Dr. {name|Bhattacharya} notified. Prior deliveries at {facility|Shawnee Mission Medical Center}.
"""),
    ("school_nurse", """SCHOOL HEALTH OFFICE - MEDICATION AUTHORIZATION
Student: {name|Aiden Nwachukwu-Reyes}   Grade 4   Student ID: {id|0045571823}   School: Lincoln Elementary, {location|Bloomington}
DOB {date|03/15/2015}. Parent/guardian: {name|Chidinma Nwachukwu} {phone|(612) 555-0187} work {phone|612-555-0188}
Medication: albuterol HFA 90 mcg 2 puffs q4h PRN wheeze; EpiPen Jr 0.15 mg for peanut anaphylaxis.
Prescriber: {name|Rachel Liebowitz}, MD, {facility|Children's Minnesota} pulmonology   Signed {date|Aug 28 2024}
"""),
    ("psych_hold", """EMERGENCY PSYCHIATRIC EVALUATION - 72 HOUR HOLD (5150)
Date/time: {date|11-17-2023} 23:05
Pt {name|Marcus DeShawn Rutherford}, 24M, brought by {location|Oakland} PD after found on the BART tracks at 12th St. Officer {name|Ybarra}, badge {id|8816}.
States "the voices told me to go home to {location|Stockton}". Mother {name|Loretta Rutherford} ({phone|209-555-0103}) reports he stopped his risperidone 2 mg.
Prior admission {facility|John George Psychiatric Hospital} 2021. Danger to self. Transfer to {facility|Willow Rock Center} pending bed.
"""),
    ("autopsy", """REPORT OF AUTOPSY   Case No. {id|ME-2024-00417}
{location|Coconino County} Medical Examiner
Decedent: {name|Harold Eugene Biggins}   Age: {age|102}   Date of death: {date|March 3, 2024}
Residence: {address|55 Juniper Loop}, {location|Flagstaff}, AZ {zip|86001}. Pronounced at {facility|Flagstaff Medical Center} 06:12.
CAUSE OF DEATH: Atherosclerotic and hypertensive cardiovascular disease. Manner: Natural.
Autopsy performed {date|3/4/2024} by {name|Consuela Marquardt}, MD, Deputy ME.
"""),
    ("case_management", """CASE MANAGEMENT / DISCHARGE PLANNING - {date|10/2/23}
Pt {name|Ignatius Obi} to go to subacute rehab. Referrals sent: {facility|Alden Estates of Naperville} (accepted), {facility|Sunrise of Wheaton} (declined),
{facility|Marianjoy Rehabilitation Hospital} (pending). Humana Medicare Advantage auth # {id|HMA2310020447} obtained, ref {id|44718}.
Daughter {name|Chioma Obi-Brennan} ({email|chioma.obibrennan@gmail.com}) agrees with plan. Transport booked with Medi-Car, {phone|630-555-0109}.
"""),
    ("public_health", """NOTIFIABLE DISEASE REPORT - {location|Maricopa County} Department of Public Health
Disease: Coccidioidomycosis. Onset {date|08/29/2024}. Reporting facility: {facility|Banner Desert Medical Center}.
Patient: {name|Leticia Ybarra-Mondragon}  DOB {date|1979-04-06}  Address {address|1142 S Extension Rd}, {location|Mesa} {zip|85210}
Occupation: landscaper. Travel: visited family in {location|Hermosillo}, Sonora, Mexico in July.
Reporter: {name|Paulette Greaves}, RN, infection prevention, {email|pgreaves@bannerdesert-ip.org}, {phone|480 555 0155}.
"""),
    ("immunization_record", """IMMUNIZATION RECORD PRINTOUT  - State Immunization Information System
Client: {name|Zhao, Yiming}   DOB {date|06/01/2019}   Client ID {id|SIIS-40018823}
Address: {address|902 Maple Ave, Apt 2R}, {location|Flushing}, NY {zip|11355}
DTaP #4 {date|09/12/2020} given at {facility|Queens Pediatric Associates}; MMR #2 {date|06/05/2023}; Varicella #2 {date|06/05/2023};
Influenza {date|10/18/2024} at {facility|CVS/pharmacy #2287}.
"""),
    ("genetic_counseling", """GENETIC COUNSELING NOTE
Proband: {name|Miriam Abramowitz-Kessler}, 41F, referred by Dr. {name|Tuckerman} for BRCA testing.
Family history: mother {name|Ruth} (breast cancer age 44), maternal aunt {name|Esther Blum} (ovarian ca, died 52), living in {location|Haifa}, Israel.
Father's family from {location|Bialystok}. Ashkenazi Jewish ancestry. Sister {name|Naomi} lives in {location|Teaneck}.
Sample sent to {facility|Myriad Genetic Laboratories}, requisition {id|MY-4419902731}. Results expected in 2-3 weeks.
"""),
    ("hospice", """HOSPICE ADMISSION - {facility|Hospice of the Western Reserve}
Patient {name|Beatrice Loughlin}, age {age|ninety-four}, end-stage dementia, FAST 7c. Admitted to routine home care {date|12/19/2023}.
Lives in {location|Lakewood} with son {name|Declan Loughlin}, POA, {phone|216-555-0136}. Chaplain visit requested (Fr. {name|Okeke}).
Hospice aide 3x/week. Comfort kit delivered by {facility|Enclara Pharmacia}.
"""),
    ("dialysis", """OUTPATIENT HEMODIALYSIS FLOWSHEET   {facility|DaVita Riverside Dialysis}, chair 14
Pt: {name|Okonkwo, Chukwuemeka}   Tx date {date|4/9/24}   Dry wt 82.0 kg   Pre wt 85.1 kg
Access: L AVF, good thrill. Machine serial {id|FMC5008-44719}. Dialyzer Optiflux 180NRe. UF goal 3.0 L.
Nephrologist Dr. {name|Ferraro-Lindqvist} rounded. Transplant eval at {facility|Vanderbilt} pending, UNOS ID {id|KX41920}.
"""),
    ("occupational_health", """EMPLOYEE HEALTH / OCCUPATIONAL MEDICINE
Employee: {name|Tobias Ekwueme}   Employee ID {id|E0088412}   Dept: Environmental Services
Injury {date|02/26/2024}: needlestick, R index finger, from sharps container. Source patient MRN {mrn|7719-22-04}.
Source tested HIV/HBV/HCV negative. Employee HBsAb immune. Workers' comp claim {id|WCC-884102}. Clinic: {facility|Concentra Urgent Care - Eastlake}.
"""),
    ("interpreter_note", """Visit conducted with Vietnamese interpreter ({name|Thuy Pham}, ID {id|INT-3318}) via phone line.
Pt {name|Nguyen Van Long}, {age|93}, recently arrived from {location|Da Nang}, Vietnam, to live with grandson {name|Kevin Nguyen}
in {location|Garden Grove}. Grandson's phone {phone|714-555-0148}. Pt prefers to be called {name|Ong Long}.
Complains of cough x3 months, weight loss. Prior TB exposure. Referred to {location|Orange County} TB clinic.
"""),
    ("portal_message", """MyChart message  Sat {date|1/11/2025} 7:48 PM
from: {name|Greer Albescu} <{email|greer.albescu@proton.me}>
to: {facility|Piedmont Atlanta} Endocrinology
hi Dr {name|Okafor}, it's {name|Greer} again. my new address is {address|1180 Peachtree St NE #2204}, {location|Atlanta} {zip|30309}, please update.
also could you fax the thyroid labs to my OB ({phone|404-555-0197})? thanks! - {name|Greer A.}
"""),
    ("billing_statement", """STATEMENT DATE {date|05/01/2024}            ACCOUNT # {id|00884471920}
{facility|Alpine Valley Regional Hospital}
Patient: {name|Ingeborg Solheim}   Guarantor: {name|Per Solheim}
{address|3310 Elk Ridge Dr}
{location|Evergreen} CO {zip|80439}
Service dates {date|03/11/2024} - {date|03/14/2024}. Balance due $1,840.22. Pay online at {url|https://pay.alpinevalleyhealth.org/billpay}
Questions: {phone|1-800-555-0142}
"""),
    ("appointment_reminder", """Appointment reminder for {name|Desmond Achterberg}:
Tuesday, {date|July 9} at 10:15 AM with {name|Simone Laurentis}, PA-C at {facility|Eastside Family Health Center}, {address|1501 E Jefferson St}, {location|Seattle}.
Check in online: {url|www.eastsidefhc.org/checkin} or reply C to confirm. Confirmation code {id|QJ7-44K}.
"""),
    ("research_screening", """SCREENING LOG - protocol 2023-ONC-114
Subject initials: {name|R.T.W.}   Screening #: {id|S-0417}   MRN {mrn|K00587213}
Referred by {name|Amelia Strzelecki}, MD from {facility|Fox Chase Cancer Center}. Consent signed {date|10/30/2023}.
Eligible: ECOG 1, CrCl 68 mL/min. Ineligible for cohort B due to prior pembrolizumab.
Coordinator {name|Yusuf Demir} {email|ydemir@fccc-trials.org}
"""),
    ("it_audit_log", """ACCESS AUDIT - chart of {name|Penelope Ashcroft-Mbeki} (MRN {mrn|330041987})
{date|2024-02-03} 14:22:05  user {name|jsorensen}  workstation {ip|10.10.4.17}  action VIEW  notes
{date|2024-02-03} 14:25:41  user {name|jsorensen}  from {ip|172.58.201.66} (VPN)  action PRINT  discharge summary
{date|2024-02-05} 08:01:13  user {name|mtakahashi}  from {ip|2601:1c2:4f00:9a10::1b}  action VIEW  labs
Flagged: access by employee in same household ({address|19 Fenwick Rd}, {location|Milton}).
"""),
    ("transplant", """TRANSPLANT COORDINATOR NOTE {date|Dec 14 2023}
Recipient {name|Aurelio Bustamante}, previously followed at {facility|UCSF Benioff} as a teen, now on the adult list at {facility|UCSF Medical Center} kidney program, UNOS {id|WLH8801472}.
Living donor candidate: cousin {name|Graciela Bustamante-Ortiz}, 36F, from {location|Fresno}, HLA 3/6 match. Donor evaluation at {facility|CPMC}.
Crossmatch sent {date|12/12}. Coordinator {name|Kimberly Ashworth}, RN, pager {phone|415-555-0122}.
"""),
    ("physical_therapy", """PHYSICAL THERAPY INITIAL EVALUATION   {facility|Spaulding Outpatient Center Braintree}
Pt: {name|Colleen Fitzsimmons-Rourke}   Referring MD: {name|Sanjay Iyengar}   Eval date: {date|1/17/2024}
Dx: s/p R TKA {date|12/20/23}. ROM 5-92 deg. Ambulates with rolling walker 150 ft. Goals: ROM 0-115, community ambulation.
Pt lives in {location|Quincy}, 2nd floor apartment, 14 stairs with rail. Works as crossing guard for {location|Weymouth} schools.
Plan 2x/week x 8 weeks. Therapist {name|Marisol Duchesne}, PT, DPT.
"""),
    ("wound_consult", """WOUND CARE CONSULT - {facility|UCSF Benioff Children's Hospital Oakland}
Pt {name|Jaylen Okoro-Whitfield}, 15M, MRN {mrn|56-77-0921}, stage 3 sacral pressure injury after prolonged PICU stay.
Mom {name|Adaeze} requests care be continued closer to home in {location|Vallejo}; referred to {facility|Kaiser Vallejo} wound clinic.
NPWT applied at 125 mmHg, KCI unit serial {id|VAC-ULTA-882104}. Photos uploaded to {url|wound.ucsfbenioff-photo.net}. Next change Friday {date|6/14}.
"""),
    ("sleep_study", """POLYSOMNOGRAPHY REPORT   {facility|Sleep Disorders Center at Sentara Norfolk General}
Study date {date|2024.08.02}   Patient {name|Montgomery, Thaddeus}   DOB {date|1960.02.29}   Study # {id|PSG-24-1187}
AHI 38.2/h, RDI 41, nadir SpO2 79%. Severe obstructive sleep apnea. CPAP titrated to 11 cm H2O.
Ordering: {name|Leilani Kahale}, MD. DME: {facility|Lincare} {location|Virginia Beach} office, {phone|757-555-0179}.
"""),
    ("ambulatory_surgery", """ASC FACE SHEET
{facility|Lakeside Surgery Center}  Case # {id|LSC-11842}
Patient: {name|O'Donoghue, Padraig S}    DOB: {date|Oct 2, 1955}   Chart #: {mrn|0091447}
Surgeon: Dr. {name|Mehta}   Procedure: cataract extraction w/ IOL, left eye. IOL lot/serial {id|1A8829003}.
Pt address {address|12 Kilkenny Court}, {location|Dublin}, OH {zip|43016}. Escort: wife {name|Siobhan} {phone|614 555 0105}.
"""),
    ("nursing_handoff", """SBAR handoff 1900: Bed 22 - Mrs. {name|Kalinowski} ({age|99}), hip fx POD1. Family ({name|Greta}, daughter, from {location|Kenosha}) asking for update,
number on whiteboard {phone|262-555-0190}. Came from {facility|Brookdale Pleasant Prairie} assisted living. Transfer back there planned.
Pain controlled w/ oxycodone 2.5 mg q4h prn. Hgb 8.9 this am. Bladder scan 320 at 1700, straight cath x1.
"""),
    ("unit_census", """4 EAST CENSUS  {date|08-Jan-2025} 0600 (printed by {name|cwaverly})
RM  PATIENT                      MR#          AGE  ATTENDING       ADMIT
401 {name|Pruitt, Odessa}              {mrn|M00412877}    {age|95}   {name|Greenbaum}       {date|01/03}
402 {name|Szabo, Imre}                 {mrn|M00398120}    77   {name|Greenbaum}       {date|01/05}
405 {name|Castellano, Vittoria}        {mrn|M00420019}    {age|100}  {name|Adeyemi-Cole}    {date|01/06}
408 {name|Haugen, Lars-Erik}           {mrn|M00377604}    63   {name|Adeyemi-Cole}    {date|01/07}
Isolation: 402 (C. diff), 405 (MRSA). Rapid response paged to 408 at 0320 for hypotension, resolved with 1 L LR.
"""),
    ("patient_complaint", """PATIENT RELATIONS - COMPLAINT INTAKE
Caller {name|Bernadette Quinlivan} (daughter of pt {name|Agnes Quinlivan}, medical record number {mrn|20-004-5512}) called {date|6/3/2024}.
Email on file: {email|bquinlivan@comcast.net}; alt {email|bernie.q@ymail.com}. Home {phone|(401) 555-0138}.
States her {age|96} yo mother waited 9 hours in the ED at {facility|Rhode Island Hospital} before a bed at {facility|The Miriam}.
Patient lives in {location|Cranston} at {address|45 Oaklawn Ave}, {zip|02920}. SSN given by caller for verification: {ssn|035-44-7719}.
"""),
    ("outside_records", """OUTSIDE RECORDS REVIEWED
Records from {facility|MGH} (pt received care there 2019-2021) and from {facility|Lahey Hospital & Medical Center}.
Echo at {facility|Mass General} {date|06/2021}: EF 45%. Cath at {facility|Lahey} {date|7/15/2021}: 80% LAD, DES x1.
PCP previously Dr. {name|Gallagher-Stone}, {facility|Burlington Primary Care}. Pt moved to {location|Portsmouth}, NH in 2022.
Old MRN at {facility|MGH} {mrn|6681204}.
"""),
]

CLEAN: list[tuple[str, str]] = [
    ("clean_cardiology", """Assessment: Paroxysmal atrial fibrillation (I48.0), CHA2DS2-VASc 3. Continue apixaban 5 mg BID and metoprolol
tartrate 25 mg BID. Holter 48 h: AF burden 12%. TSH 2.1. Echo EF 55%, no significant valvular disease. Return in 3 months.
Patient counseled on bleeding precautions. Time spent 25 minutes, more than half in counseling."""),
    ("clean_neuro_eponyms", """Neuro exam: CN II-XII intact. Strength 5/5 throughout. Reflexes 2+ and symmetric, Babinski downgoing
bilaterally, Hoffmann negative. Romberg negative. Tinel and Phalen positive at the right wrist. Impression: carpal tunnel
syndrome; rule out Parkinson disease given mild bradykinesia. Consider DaTscan. Start vitamin B6? No. Refer for EMG/NCS."""),
    ("clean_icu_rounds", """ICU rounds 0700: Bed 12. Septic shock from pneumonia, improving. Norepinephrine weaned from 0.12 to 0.04 mcg/kg/min
overnight. MAP 68-74. Lactate 3.8 -> 1.6. Vancomycin trough 14.2. Cefepime 2 g q8h day 3. Vent: AC 450 x 16, PEEP 8, FiO2 40%.
Plan SBT in AM. Swan-Ganz not placed. Foley in place. Room 4127 is on contact precautions."""),
    ("clean_gi", """Colonoscopy findings: Two 4 mm sessile polyps in the ascending colon removed with cold snare. Boston Bowel Prep Scale 8.
Diverticulosis of the sigmoid colon. No evidence of Crohn disease. Repeat in 7 years per USMSTF guidelines. ICD-10: Z12.11, K57.30,
D12.2. CPT 45385. Withdrawal time 9 min."""),
    ("clean_endocrine", """Cushing syndrome was excluded with a 1 mg overnight dexamethasone suppression test (cortisol 1.2 mcg/dL). No
features of Addison disease. Hashimoto thyroiditis: levothyroxine increased from 88 to 100 mcg daily. HbA1c 6.8%. Metformin 1000 mg
BID, empagliflozin 10 mg daily. LDL 92 mg/dL on rosuvastatin 20 mg."""),
    ("clean_surgery", """Plan: Laparoscopic Roux-en-Y gastric bypass versus sleeve gastrectomy discussed. Also discussed Nissen fundoplication
for GERD. Whipple procedure is not indicated. McBurney point non-tender, Murphy sign negative, Rovsing negative. Cefazolin 2 g IV
within 60 minutes of incision. VTE prophylaxis: enoxaparin 40 mg SC daily. Mallampati 2."""),
    ("clean_ob", """Apgar 8 and 9 at 1 and 5 minutes. Birth weight 3420 g. Bishop score 9 at admission. Pitocin started at 2 mU/min, titrated
by 2 mU every 30 min to max 20. Group B strep negative. Rh positive, rubella immune. Breastfeeding well, LATCH score 9.
Circumcision deferred. Hep B vaccine given. Bilirubin 8.1 at 36 hours, low-intermediate risk on the Bhutani nomogram."""),
    ("clean_med_list", """Medication reconciliation: Lisinopril 20 mg daily; Amlodipine 10 mg daily; Hydrochlorothiazide 12.5 mg daily; Eliquis 5 mg BID;
Jardiance 10 mg daily; Lantus 22 units at bedtime; Humalog sliding scale; Tylenol 650 mg q6h PRN; Lasix 40 mg PO daily;
Keppra 500 mg BID; Synthroid 75 mcg; Coumadin held. Vitamin D3 2000 IU. Allergies: penicillin (hives), codeine (nausea)."""),
    ("clean_ortho", """Right knee exam: effusion trace, Lachman negative, anterior drawer negative, McMurray positive medially.
Trendelenburg gait absent. X-ray: Kellgren-Lawrence grade 2 medial compartment. Plan: PT 2x/week for 6 weeks, naproxen 500 mg BID
with food, consider Kenalog 40 mg intra-articular injection. MRI if no improvement. Follow up 6 weeks, Room 3 clinic B."""),
    ("clean_renal_labs", """BMP 06:00: Na 134, K 5.6 (H), Cl 101, CO2 19 (L), BUN 48, Cr 3.2 (baseline 1.8), glucose 156, Ca 8.4, Mg 1.9, Phos 5.1.
Urine Na 12, FeNa 0.6%. Renal US: no hydronephrosis. Impression: AKI on CKD stage 3b (N17.9, N18.32), likely prerenal.
Give 1 L LR, hold lisinopril and spironolactone, recheck BMP at 14:00. Kayexalate not needed; insulin/dextrose if K > 6."""),
    ("clean_psych", """Mental status exam: alert, oriented x4, mood "okay", affect constricted, thought process linear, no SI/HI, no AVH.
PHQ-9 12, GAD-7 9. MoCA 27/30. Continue sertraline 100 mg daily, add bupropion XL 150 mg. CBT weekly. Columbia scale negative.
Return in 4 weeks. Crisis plan reviewed."""),
    ("clean_peds", """Well visit 18 months: weight 11.2 kg (50th %ile), length 82 cm (55th), HC 47 cm. Denver II normal. M-CHAT-R low risk.
Vaccines: DTaP, Hib, hepatitis A #2. Lead level 2 mcg/dL. Anticipatory guidance given: car seat rear facing, no juice, dental
visit. Tdap for caregivers recommended. Next visit 24 months. Kawasaki disease history? None. Down syndrome screen not applicable."""),
]


def dev2_documents() -> list[EvalDoc]:
    return [parse(f"dev2-{i:02d}", genre, text) for i, (genre, text) in enumerate(NOTES + CLEAN)]
