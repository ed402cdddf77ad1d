"""Word lists the rules decide with: first names, words that are never part of a name, places,
eponyms, the shapes of labels. Plain data, so the rules module holds only logic."""
from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def first_names() -> frozenset[str]:
    """Title-cased first names that are not also common words (see the data file's header)."""
    text = files("mediphi.prepare.deid").joinpath("data/first_names.txt").read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(names - AMBIGUOUS_FIRST_NAMES)


@cache
def us_cities() -> tuple[str, ...]:
    """US cities of about 100,000 people or more and the state capitals (see the data file's header)."""
    text = files("mediphi.prepare.deid").joinpath("data/us_cities.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First names that are also places, eponyms or words a note writes capitalized: no evidence alone.
AMBIGUOUS_FIRST_NAMES = _words("""
    America Aurora Austin Barrett Bell Carolina Chad Charlotte Chelsea China Cleveland Dakota Dallas Denver
    Florence Georgia Grace Graham Homer Hope Houston India Israel Jackson Jordan Kent Kenya Lincoln Madison
    Mallory Marcus Mercy Orlando Paris Savannah Sterling Sydney Troy Tyler Virginia Wilson Murphy Addison
    Graves Parkinson Crohn Hodgkin Cushing Down Foley Gram Whipple Nissen Apgar Kaplan Student Bence Jones
    Austin Flint Gunn Leiden Lyme Rocky Raynaud Kaposi Tourette Alzheimer Guillain Barre Babinski Kernig
    Brudzinski Hashimoto Wolff White Stevens Johnson Murray Nile Louis Sinai Mount Saint Francis Mayo
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter Patient Doctor Nurse Baby
    Blue Cross Shield Medicare Medicaid Tricare Aetna Humana Cigna Kaiser Permanente Valley Lake Ridge
    German French English Irish Dutch Welsh Scottish Sierra Leone Asia Africa Europe Royal Chase Sage
""")

TITLES = ("Dr", "DR", "Mr", "MR", "Mrs", "MRS", "Ms", "Mx", "Miss", "Prof", "Doctor", "Dra", "Sr", "Sra", "Srta",
          "Officer", "Sgt", "Sergeant", "Det", "Detective", "Deputy", "Trooper", "Father",
          "Nurse", "NURSE", "Chaplain", "Rev", "Reverend", "Pastor", "Rabbi")
STRONG_CREDENTIALS = ("MD", "M.D.", "M.D", "RN", "NP", "PhD", "Ph.D.", "PA-C", "MBBS", "MBChB", "FNP", "FNP-BC",
                      "ANP", "APRN", "ARNP", "DNP", "PharmD", "RPh", "CNM", "CRNA", "LCSW", "LICSW", "MSW", "FACP",
                      "FACS", "FACC", "FAAP", "DDS", "DMD", "DPM", "DPT", "MPH", "BSN", "MSN", "CNS", "RD", "LPN",
                      "LVN", "CNA", "RRT", "MA-C", "PsyD", "Psy.D.", "AuD", "CCC-SLP", "OTR/L", "LMSW", "LMFT",
                      "LMHC", "RDN", "LDN", "CDCES", "IBCLC", "CRNP", "AGNP", "AGNP-C", "AGACNP", "PMHNP", "ACNP",
                      "FNP-C", "DrPH", "ScD", "EdD", "FRCPC", "FRCP", "MRCP", "FRCS", "FACOG", "FACEP", "FCCP",
                      "FAAN", "FAANP", "CCRN", "RN-BC", "MB BCh", "MB ChB", "BM BCh", "DVM", "CPhT", "MLS(ASCP)",
                      "MT(ASCP)")
WEAK_CREDENTIALS = ("DO", "D.O.", "PA", "MA", "MS", "PT", "OT", "SLP", "NP-C", "RT", "MLS", "MT", "MLT", "CLS", "CMA",
                    "EMT", "OD", "OTR", "COTA", "PTA", "LPC", "CDE", "MSc", "BDS", "RNC", "NRP", "BCh")
# Credentials that may stand in parentheses after a name: "J. Castellanos (MLS)" (not MS, PT ...: "(MS)"
# after "Multiple Sclerosis" is an abbreviation).
PAREN_CREDENTIALS = ("MD", "RN", "LPN", "CNA", "RRT", "PharmD", "RPh", "DPT", "LCSW", "LICSW", "MLS", "MT", "MLT",
                     "CLS", "CMA", "EMT", "MLS(ASCP)", "MT(ASCP)", "PA-C", "NP", "APRN", "CRNA", "CNM")

# Roles a note writes before or after a person's name, in lowercase: "trooper K. Alvarado",
# "Ana Ruiz (hospitalist)".
ROLE_WORDS = ("trooper", "officer", "deputy", "detective", "sergeant", "sheriff", "agent", "nurse", "charge nurse",
              "charge RN", "pharmacist", "therapist", "technician", "tech", "resident", "intern",
              "fellow", "attending", "hospitalist", "intensivist", "physician", "surgeon", "anesthesiologist",
              "paramedic", "medic", "interpreter", "translator", "chaplain", "social worker", "case manager",
              "caseworker", "clerk", "scribe", "dietitian", "nutritionist", "midwife", "doula", "aide", "sitter",
              "navigator", "coordinator", "counselor", "psychologist", "psychiatrist", "student", "volunteer",
              "manager", "supervisor", "administrator", "receptionist", "scheduler", "registrar", "educator",
              "pediatrician", "neonatologist", "obstetrician", "cardiologist", "oncologist", "radiologist",
              "pathologist", "neurologist", "nephrologist", "consultant", "provider", "PCP",
              "guardian", "caregiver", "advocate", "witness", "lawyer", "attorney", "landlord", "employer", "teacher",
              "coach", "pastor", "priest", "rabbi", "imam", "minister", "patient", "pt", "mom", "dad")
RELATION_WORDS = ("husband", "wife", "spouse", "partner", "son", "daughter", "mother", "father", "brother", "sister",
                  "grandson", "granddaughter", "grandmother", "grandfather", "niece", "nephew", "aunt", "uncle",
                  "cousin", "friend", "neighbor", "neighbour", "roommate", "boyfriend", "girlfriend", "fiance", "fiancee",
                  "stepson", "stepdaughter", "stepmother", "stepfather", "son-in-law", "daughter-in-law", "mother-in-law",
                  "father-in-law", "sister-in-law", "brother-in-law", "grandma", "grandpa", "godmother", "godfather",
                  "HCP", "health care proxy", "healthcare proxy", "POA", "NOK", "next of kin", "emergency contact")
PLURAL_RELATIONS = ("daughters", "sons", "brothers", "sisters", "parents", "grandchildren", "grandsons",
                    "granddaughters", "children", "kids", "siblings", "nieces", "nephews", "cousins", "friends",
                    "neighbors", "neighbours", "roommates", "caregivers", "stepchildren", "stepsons", "stepdaughters",
                    "family members", "relatives", "grandparents", "aunts", "uncles")

# Words that end or break a run of capitalized words as a name: function words, sentence starters,
# the words of clinical sections, services and roles, greetings, titles and credentials.
NOT_NAME = _words("""
    The A An He She His Her Hers Him They Them Their We Our Us You Your I It Its This That These Those There
    Here In On At To For From With Without By Of And Or Nor But If When While After Before During Since Until
    As Per Please No Not Yes All Any Some Each Both New Old Other Another Same Such Very Also Then Than Now
    Today Tomorrow Yesterday Is Are Was Were Be Been Being Has Have Had Do Does Did Will Would Shall Should May
    Might Must Can Could One Two Three Four Five Six Seven Eight Nine Ten First Second Third Next Last Prior
    Patient Patients Pt Pts Name Names Mother Father Sister Brother Son Daughter Wife Husband Family Spouse
    Partner Friend Caregiver Guardian Proxy Contact Emergency Relative Team Staff Provider Providers
    History Hospital Hospitals Course Clinic Clinics Center Centre Medical Medicine Health Healthcare Care
    Cardiology Nephrology Endocrinology Oncology Hematology Neurology Neurosurgery Psychiatry Psychology
    Pulmonology Pulmonary Gastroenterology Rheumatology Urology Dermatology Ophthalmology Otolaryngology ENT
    Radiology Pathology Pharmacy Anesthesia Anesthesiology Surgery Surgical Orthopedics Orthopaedics
    Pediatrics Obstetrics Gynecology OB GYN Geriatrics Palliative Hospice Infectious Disease Diseases ID
    Internal Family General Primary Urgent Intensive Critical ICU MICU SICU CCU NICU PICU ED ER OR PACU
    Department Dept Division Service Services Unit Units Floor Ward Room Bed Bay Wing Lab Labs Laboratory
    Social Work Worker Case Management Manager Nursing Nurses Therapy Therapist Physical Occupational Speech
    Nutrition Dietitian Chaplain Interpreter Heart Failure Lung Kidney Liver Transplant Wound Pain Sleep
    Diabetes Vascular Stroke Trauma Burn Cancer Imaging Echo Cath Dialysis Infusion Rehab Rehabilitation
    Attending Resident Residents Fellow Intern Physician Physicians Surgeon Consultant Consult Consults
    Practitioner Clinician Assistant Technician Tech Student Students Doctor Doctors Nurse Practitioners
    Signed Electronically Dictated Transcribed Reviewed Verified Approved Authenticated Cosigned Entered
    Ordering Ordered Referring Referred Reading Read Performed Interpreted Author Sender Recipient
    Dear Hi Hello Hey Thanks Thank Sincerely Regards Best Respectfully Cordially Warmly Cheers Greetings
    Dr Mr Mrs Ms Mx Miss Prof Sr Jr II III IV MD DO RN NP PA PhD MBBS PharmD DDS LPN CNA PT OT MS MA RD
    Diagnosis Diagnoses Assessment Plan Plans Impression Impressions Findings Finding Exam Examination
    Evaluation Review Systems System Physical Medications Medication Meds Allergies Allergy Vitals Vital
    Signs Results Result Report Reports Note Notes Summary Discharge Discharged Admission Admitted Admit
    Transfer Transferred Follow Followup Return Returned Continue Continued Start Started Stop Stopped Take
    Taking Give Given Hold Held Increase Decrease Resume Denies Denied Reports Reported Complains Presents
    Presented Seen Status Post Pre Chief Complaint Present Illness HPI ROS PMH PSH FH SH Social Past
    Surgical Procedure Procedures Operation Operative Indication Indications Comparison Technique Impression
    Subject Re RE Regarding Sent Date Time Age Sex Gender DOB MRN SSN Phone Fax Email Address Tel Cell
    Home Mobile Work Office Pager Insurance Policy Member Group Account Acct Visit Encounter Admission
    Street St Avenue Ave Road Rd Boulevard Blvd Lane Ln Drive Court Ct Way Place Pl Suite Ste Apt Box
    North South East West Northeast Northwest Southeast Southwest Central Upper Lower Left Right Bilateral
    Acute Chronic Severe Mild Moderate Normal Abnormal Negative Positive Stable Unstable Improved Worse
    Blood Pressure Heart Rate Temp Temperature Weight Height BMI Pulse Oxygen Saturation Glucose
    Type Stage Grade Class Level Score Scale Total Daily Weekly Monthly Yearly Morning Evening Night
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun Event Events Log Messaging Message Messages Safety Triage
    Assigned Yeah Okay Hello Hi
    Christmas Thanksgiving Easter Holiday Covid COVID Coronavirus Influenza Flu
    Yes No None Unknown Other Unremarkable Noted Normal Denies Appears Well Alert Oriented
    County Parish Borough Township City Town Village State Country Zip Code
    Navigator Educator Coordinator Specialist Midwife Anesthetist Aide Station Triage Supervisor Director
    Administrator Liaison Charge Float Pool Inbox Queue Desk Registered Licensed Certified Advanced Practice
    Scientist Technologist Supervising Fasting Registration Admitting Intake Scheduling Billing Records Portal MyChart Epic TBD TBA
    Referral Referrals Urgent Routine Request Requests Requested Consultation Message Messages Lang Language Marital
    Religion Race Ethnicity Shortness Breath Insured Pages Cover Confidential Fax Attn Reason Reasons Update Updates
    Coli Aureus Pylori Diff Difficile Pneumoniae Epidermidis Faecalis Faecium Albicans Glabrata Aeruginosa
    Cloacae Mirabilis Pyogenes Agalactiae Influenzae Catarrhalis Tuberculosis Avium Jirovecii Trachomatis
    Gonorrhoeae Pallidum Vaginalis Monocytogenes Neoformans Fumigatus Burgdorferi Jejuni Marcescens
    Western Eastern Northern Southern Central Midwestern Southwestern Northeastern Northwestern Southeastern
""")

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
# State codes that are also credentials, words or abbreviations in notes (MD, PA, MS, OR, IN ...):
# after a capitalized word they say "city" only after a comma, or with a ZIP code after them.
AMBIGUOUS_STATE_CODES = frozenset({"MD", "PA", "MA", "MS", "ME", "OR", "IN", "OK", "HI", "DE", "CO", "LA", "ID",
                                   "OH", "AL", "DC", "PR"})
# Of those, the ones that are credentials too: "Smith, MD" is a name (the credential rule scrubs it).
CREDENTIAL_STATE_CODES = frozenset({"MD", "PA", "MA", "MS"})
# States and countries are not identifying (Safe Harbor keeps states): "lives in Ohio" stays.
COUNTRIES_AND_REGIONS = _words("""
    America USA US United States Canada Mexico Brazil Argentina Colombia Peru Chile Venezuela Cuba Haiti
    Jamaica Guatemala Honduras Salvador Nicaragua Dominican Republic Puerto Rico England Britain UK
    Scotland Wales Ireland France Germany Spain Portugal Italy Greece Poland Russia Ukraine Sweden Norway
    Denmark Finland Netherlands Belgium Switzerland Austria Hungary Romania Turkey Israel Egypt Morocco
    Nigeria Ghana Kenya Ethiopia Somalia Sudan Congo Uganda Senegal Cameroon Tanzania Africa Europe Asia
    India Pakistan Bangladesh Nepal China Japan Korea Vietnam Thailand Cambodia Laos Philippines Indonesia
    Malaysia Singapore Australia Zealand Iran Iraq Syria Lebanon Jordan Afghanistan Yemen Saudi Arabia
    Emirates Qatar Caribbean Asia Middle East Latin Central South North West East Midwest
    Trinidad Tobago Guinea Niger Chad Georgia Jamaica Barbados Bahamas Bermuda Antigua Dominica Grenada
    Mediterranean Scandinavia Balkans Appalachia Pacific Atlantic Gulf Arctic Antarctica Siberia Sahara
    Ontario Quebec Alberta Manitoba Saskatchewan Nova Scotia Taiwan Hong Kong Tibet Greenland Iceland
""")
STREET_TYPES = ("Street", "St", "Avenue", "Ave", "Av", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive",
                "Dr", "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Ter", "Circle", "Cir", "Parkway", "Pkwy",
                "Highway", "Hwy", "Square", "Sq", "Trail", "Trl", "Plaza", "Plz", "Alley", "Pike", "Turnpike",
                "Loop", "Crescent", "Expressway", "Expy", "Freeway", "Fwy", "Causeway", "Row", "Path")
UNIT_WORDS = ("Apt", "Apartment", "Unit", "Suite", "Ste", "Floor", "Fl", "Bldg", "Building", "Rm", "Room", "Lot",
              "Space", "Spc", "Trailer", "Trlr", "Slip", "Dept", "Department", "Box", "PMB")
FACILITY_KEYWORDS = ("Hospitals", "Hospital", "Medical Center", "Medical Centre", "Health Center", "Health Centre",
                     "Healthcare Center", "Health Care Center", "Health System", "Health Sciences Center",
                     "Clinic", "Infirmary", "Hospice", "Nursing Home", "Skilled Nursing Facility", "Nursing Facility",
                     "Nursing and Rehabilitation Center", "Rehabilitation Center", "Rehabilitation Hospital",
                     "Rehabilitation Institute", "Rehab Center", "Cancer Center", "Cancer Institute", "Urgent Care",
                     "Surgery Center", "Surgical Center", "Assisted Living", "Medical Group", "Medical Associates",
                     "Care Center", "Sanatorium", "Sanitarium", "Heart Institute", "Eye Institute",
                     "Family Medicine", "Family Practice", "Associates", "Diagnostics", "Healthcare System",
                     "Health Care System", "Treatment Center", "Recovery Center", "Dialysis Center", "Kidney Center",
                     "Birth Center", "Birthing Center", "Wellness Center", "Medical Office", "Medical Offices",
                     "Physicians Group", "Care Facility", "Retirement Home", "Retirement Community", "Group Home",
                     "Hospice House", "Heart Center", "Eye Center", "Imaging Center", "Hosp", "Hosp.", "Med Ctr",
                     "Med. Ctr.", "Medical Ctr", "Medical Ctr.", "Skilled Nursing", "Nursing Center",
                     "Nursing and Rehabilitation", "Nursing & Rehabilitation", "Rehabilitation and Nursing Center",
                     "Rehabilitation & Nursing Center", "Visiting Nurse Association", "Visiting Nurses Association",
                     "Visiting Nurse Service", "Rescue Mission", "Mental Health Center", "Mental Healthcare",
                     "Behavioral Healthcare", "Behavioral Health Center", "Sleep Center", "Sleep Disorders Center",
                     "Medical Clinic", "VA", "VAMC", "VA Medical Center", "VA Hospital", "VA Health Care System",
                     "VA Healthcare System", "Veterans Affairs Medical Center", "Veterans Home", "Surgery Centre",
                     "Ambulatory Surgery Center", "Endoscopy Center", "Dialysis Unit", "Dialysis Clinic", "Primary Care",
                     "Transplant Institute", "Transplant Center", "Behavioral Unit", "Psychiatric Unit",
                     "Neurodiagnostics", "Neurodiagnostic Center", "Sleep Lab", "Infusion Center")
# Health systems known by a name without any of those words.
KNOWN_FACILITIES = ("Kaiser Permanente", "Johns Hopkins", "Mass General", "Intermountain Healthcare", "Geisinger",
                    "Sutter Health", "Ochsner", "Cedars-Sinai", "Northwell Health", "NYU Langone", "Mass Eye and Ear",
                    "Dartmouth-Hitchcock", "Yale New Haven", "Penn Medicine", "UCSF Health", "Stanford Health Care",
                    "Atrium Health", "Advocate Aurora", "Banner Health", "Providence Health", "Ascension Health",
                    "Baylor Scott & White", "Spectrum Health", "Henry Ford Health", "Hackensack Meridian",
                    "LabCorp", "Labcorp", "Quest Diagnostics", "BioReference", "DaVita", "Fresenius Kidney Care",
                    "Brookdale", "Genesis HealthCare", "Kindred Hospital", "Encompass Health", "MinuteClinic",
                    "CareNow", "ConcentraCare", "Concentra")
# Health systems that notes name by a short name and a city ("Kaiser Vallejo", "Sutter Roseville").
HEALTH_SYSTEMS = ("Kaiser", "Sutter", "Banner", "Providence", "Ascension", "Atrium", "Advocate", "Dignity", "Adventist",
                  "Intermountain", "Geisinger", "Ochsner", "Sentara", "Novant", "Prisma", "Allina", "Essentia",
                  "Sanford", "Avera", "Trinity", "Christus", "CHRISTUS", "Spectrum", "Beaumont", "Piedmont",
                  "Wellstar", "Sharp", "Scripps", "UCHealth", "Baptist", "Methodist", "Mercy", "Memorial Hermann",
                  "Presbyterian", "Steward", "Tufts", "Emory", "Duke", "UNC", "UPMC", "Penn",
                  "Jefferson", "Hartford", "Yale", "Cleveland Clinic", "Mayo Clinic", "Aurora", "Froedtert",
                  "Bronson", "Corewell", "Henry Ford", "McLaren", "Ohio Health", "OhioHealth", "Riverside", "Inova",
                  "MedStar", "Carilion", "Valley", "HCA", "Tenet", "Legacy", "PeaceHealth", "MultiCare", "Swedish")
# Capitalized words before a facility keyword that name a service, not a place: "Heart Failure Clinic".
SERVICE_WORDS = NOT_NAME | _words("""
    Anticoagulation Coumadin Warfarin Allergy Asthma Breast Spine Hand Foot Eye Ear Nose Throat Travel
    Memory Movement Disorders Epilepsy Headache Weight Obesity Bariatric Lipid Hypertension Fertility
    Prenatal Women's Men's Children's Pediatric Adult Senior Geriatric Community Local Outside Outpatient
    Inpatient Walk-In Walk Same-Day Day Student Employee Veterans VA Free Mobile Virtual Tele Telehealth
    Brief Previous Current This That Our Your Their His Her Its University Teaching Regional County City
    State Federal National Private Public Psychiatric Behavioral Mental Addiction Methadone Dental TB STD
    HIV Sexual Transgender Gender Lactation Genetics Genetic Research Clinical Trials Specialty Multi
    Multidisciplinary Comprehensive Integrated Primary Care Heart Failure Kidney Liver Lung Stone Wound
    Sports Nuclear Integrative Functional Lifestyle Transfusion Precision Tropical Preventive Regenerative
    Adolescent Maternal Fetal Maternal-Fetal Global Population Digital Bone Brain Oral Rural Child Reproductive
    Environmental Comfort Respite Supportive Standard Usual Routine Skilled Custodial Transitional Continuing
    Neuro Onc Heme Cards Pulm Renal Hepatology GI Surg Med Peds Ortho Rheum Derm Psych Uro Thoracic
    Cardiothoracic Cardiac Colorectal Step Stepdown Step-Down Telemetry Observation Obs Holding Recovery Labor
    Delivery Postpartum Antepartum Newborn Nursery Hospitalist Hospitalists Endocrine Endo Immunology Audiology
    Podiatry Optometry Physiatry Interventional Radiation Proton Electrophysiology Neurocritical Cardiovascular
    Diagnostic Ultrasound MRI CT PET Mammography Plastic Reconstructive Ambulatory Express Retail Mail Order
    Compounding Main Satellite Portable Academic Affiliated Partner Network Local Nearby Receiving Sending
    Referring Accepting Outside OSH Another Different Same Other Nearest Closest Area Private Group Solo
    Special Medicare Medicaid Magnetic Resonance Computed Tomography Positron Emission Molecular
    Musculoskeletal Body Vascular Quality Safety Research Insurance Down Long Term Short Long-Term Short-Term
    Orthopedic Orthopaedic Neurosurgical Urologic Gynecologic Oncologic Neurologic Obstetric Hepatobiliary
    Maxillofacial Head Neck Facility Facilities Unit Units Bay Pod Side Tower Building Device Devices Pacemaker
    Arrhythmia Coagulation Injection Vaccine Immunization Continence Pelvic Financial Spiritual Pastoral Grief
    Bereavement Marriage Career Credit Debt Substance Smoking Tobacco Cessation Alcohol Drug Opioid Crisis Peer
    Recovery Wellness Nutrition Diabetic Foot Ankle Joint Joints Sports Hearing Vision Speech Language Learning
    Developmental Behavioral Autism ADHD Eating Disorder Disorders Anxiety Depression Mood Trauma Burn
""")
# Capitalized words after which a word is an eponym, not a person: "Parkinson disease", "Murphy sign".
EPONYM_NOUNS = ("symbols", "chart", "screw", "disease", "Disease", "syndrome", "Syndrome", "sign", "signs", "Sign", "palsy", "lymphoma",
                "sarcoma", "phenomenon", "test", "procedure", "operation", "reflex", "triad", "criteria",
                "classification", "scale", "Scale", "score", "esophagus", "thyroiditis", "dementia", "ulcer",
                "fracture", "maneuver", "manoeuvre", "murmur", "node", "nodes", "point", "pupil", "tumor", "tumour",
                "catheter", "stain", "fundoplication", "encephalitis", "fever", "virus", "protein", "pattern",
                "tear", "law", "equation", "formula", "body", "bodies", "cell", "cells", "granules", "lines",
                "position", "needle", "tube", "classification", "staging", "method", "index", "coefficient",
                "distribution", "curve", "analysis", "regression", "model", "type", "variant", "spots", "nodule",
                "nodules", "space", "duct", "canal", "gland", "glands", "ligament", "membrane", "sheath", "plexus",
                "hernia", "diverticulum", "anomaly", "malformation", "aneurysm", "angina", "contracture", "cyst",
                "diet", "solution", "agar", "units", "unit", "repair", "shunt", "valve", "bypass", "incision",
                "addition", "reaction", "rearrangement", "synthesis", "condensation", "cyclization", "effect",
                "chromosome", "translocation", "clamp", "clamps", "forceps", "scissors", "retractor", "retractors",
                "hemostat", "speculum", "elevator", "dissector", "rongeur", "curette", "blade", "knot", "stitch",
                "suture", "drain", "approach", "flap", "splint", "brace", "cast", "cannula", "mask", "bag")
EPONYM_PHRASES = ("Austin Flint", "Marcus Gunn", "Graham Steell", "Bence Jones", "Argyll Robertson", "Mallory-Weiss",
                  "Stevens-Johnson", "Wolff-Parkinson-White", "Guillain-Barre", "Guillain-Barré", "Factor V Leiden",
                  "Rocky Mountain", "West Nile", "Lou Gehrig", "Charcot-Marie-Tooth", "Creutzfeldt-Jakob",
                  "Kaplan-Meier", "Mann-Whitney", "Hosmer-Lemeshow", "Bland-Altman", "Roux-en-Y", "Swan-Ganz",
                  "Glasgow Coma", "Kerley B", "Osler-Weber-Rendu", "Peutz-Jeghers", "Ehlers-Danlos",
                  "Brown-Sequard", "Brown-Séquard", "Dandy-Walker", "Arnold-Chiari", "Zollinger-Ellison",
                  "Jarisch-Herxheimer", "Budd-Chiari", "Lesch-Nyhan", "Prader-Willi", "Sister Mary Joseph",
                  "Hodgkin", "Non-Hodgkin", "Cheyne-Stokes", "Wernicke-Korsakoff", "Legg-Calve-Perthes",
                  "Osgood-Schlatter", "Tommy John", "Fitz-Hugh-Curtis", "Klippel-Trenaunay", "Sturge-Weber",
                  "Von Willebrand", "von Willebrand", "Whipple", "Apgar", "Gram", "Monte Carlo", "Snellen",
                  "St. John's wort", "St John's wort", "Saint John's wort", "St. John’s wort")
# Lowercase tails of hyphenated words that make a clinical word, not a name ("Follow-up", "Long-term";
# "Hyun-woo" and "Jean-marie" stay names).
HYPHEN_TAILS = _words("""
    up in on off out over down by term day days time like free old year years based related induced sided
    appearing care pay smoker month week hour rate risk type line dose grade level stage class point shaped
    looking lasting acting dependent controlled positive negative ray upon along through op ups ins outs
""")
# Words that end a facility's name but say little alone: "Riverbend Imaging", "Lakeside Pharmacy". A run
# of capitalized words before one of them is a facility only after a word that leads to a place (at,
# to, from ...), a label (Facility:), at the start of a line, or with a store number ("#10482").
WEAK_FACILITY_KEYWORDS = ("Imaging", "Radiology", "Pharmacy", "Health", "Healthcare", "Health Care", "Medical",
                          "Medicine", "Rehab", "Rehabilitation", "Nursing", "Partners", "Physicians", "Laboratories",
                          "Laboratory", "Labs", "Dialysis", "Orthopedics", "Orthopaedics", "Pediatrics", "Cardiology",
                          "Neurology", "Dermatology", "Oncology", "Urology", "Gastroenterology", "Surgical", "Surgery",
                          "Senior Living", "Home Care", "Homecare", "Home Health", "Eye Care", "Vision", "Dental",
                          "Wellness", "Physical Therapy", "Counseling", "Women's Health", "Specialists", "SeniorLife",
                          "Senior Care", "Living Center", "Manor", "Memory Care", "General", "Memorial",
                          "Regional", "Presbyterian", "Methodist", "Baptist", "Lutheran", "Adventist", "Episcopal",
                          "Children's", "Childrens", "Patient Service Center", "Service Center", "pharmacy",
                          "Center", "Centre", "Estates", "Shelter", "Alliance", "Apothecary", "Drug Store", "Pavilion", "Dentistry", "Dental Care", "Dental Group", "Orthodontics",
                          "Geriatrics", "Behavioral Health", "Psychiatry", "Pulmonology", "Nephrology", "Endocrinology",
                          "Rheumatology", "Podiatry", "Optometry", "Audiology", "Chiropractic", "Hearing",
                          "Foot & Ankle", "Spine", "Sports Medicine", "Pain Management", "Fertility", "Obstetrics",
                          "OB/GYN", "OB-GYN", "Gynecology", "Women's Care", "Family Care", "Kids", "Hospice Care",
                          "Home Health Care", "Residence", "Residences", "Lodge", "Peds",
                          "Neurodiagnostics")
# Specialties joined to a facility keyword by "and" or "&": "Blue Hill Orthopaedics & Spine".
FACILITY_SPECIALTY_WORDS = ("Spine", "Sports Medicine", "Sports", "Vascular", "Wellness", "Rehabilitation", "Rehab",
                            "Surgery", "Imaging", "Pain", "Sleep", "Hand", "Joint", "Ankle", "Aesthetics", "Laser",
                            "Allergy", "Asthma", "Endoscopy", "Infusion", "Diagnostics", "Counseling", "Recovery",
                            "Nursing", "Therapy", "Physical Therapy", "Pediatrics", "Gynecology", "Obstetrics",
                            "Oncology", "Hematology", "Neurology", "Cardiology", "Dermatology", "Urology", "Radiology",
                            "Podiatry", "Audiology", "Hearing", "Vision", "Eye", "Dental", "Orthodontics",
                            "Internal Medicine", "Family Medicine", "Primary Care", "Urgent Care", "Senior Care",
                            "Memory Care", "Home Care", "Hospice", "Palliative Care", "Epilepsy", "Sleep Medicine",
                            "Neurosurgery", "Wellness")
# What may follow a facility keyword and still be its name: "Riverbend Imaging Center", "... Group, LLC".
FACILITY_TAIL_WORDS = ("Center", "Centre", "Institute", "Hospital", "Clinic", "Group", "Associates", "Partners",
                       "Services", "Network", "System", "Systems", "Campus", "Pavilion", "Annex", "LLC", "Inc", "PC",
                       "PLLC", "LLP", "Home", "Facility", "Practice", "Specialists", "Consultants", "Clinics",
                       "Hospitals", "Nursing", "Rehabilitation", "Rehab", "Healthcare", "Medical Center", "CBOC",
                       "North", "South", "East", "West")
# Retail pharmacies known by their name alone (not CVS alone: a cardiovascular system; nor Target, Giant).
KNOWN_PHARMACIES = ("Walgreens", "Rite Aid", "RiteAid", "Walmart Pharmacy", "Wal-Mart Pharmacy", "Duane Reade",
                    "Costco Pharmacy", "Kroger Pharmacy", "Safeway Pharmacy", "Publix Pharmacy", "Wegmans Pharmacy",
                    "Meijer Pharmacy", "Hy-Vee Pharmacy", "Jewel-Osco", "Sav-On", "Albertsons Pharmacy",
                    "Giant Eagle Pharmacy", "Target Pharmacy", "CVS Pharmacy", "CVS/pharmacy", "Express Scripts",
                    "OptumRx", "CVS Caremark", "Walgreen", "Osco Drug", "Longs Drugs", "Bartell Drugs",
                    "Amazon Pharmacy", "Hannaford Pharmacy", "Stop & Shop Pharmacy", "ShopRite Pharmacy")
# Labels whose value is a facility ("Sending: Holy Cross Hospital", "Location: Hebrew SeniorLife 3W").
FACILITY_LABELS = ("facility", "facility name", "hospital", "hospital name", "institution", "sending facility",
                   "receiving facility", "sending", "receiving", "sending hospital", "receiving hospital",
                   "referring facility", "referring hospital", "referring clinic", "transferred from", "transfer from",
                   "outside hospital", "OSH", "location", "site", "practice", "practice name", "pharmacy",
                   "preferred pharmacy", "agency", "home health agency", "HHA", "SNF", "nursing home", "rehab facility",
                   "place of service", "performing lab", "performing site", "performing location", "reference lab",
                   "referral lab", "admitted from", "discharged to", "discharge to", "clinic", "clinic name",
                   "service location", "dialysis unit", "dialysis center", "ordering location", "collection site",
                   "pharmacy on file", "pharmacy of record", "preferred pharmacy on file", "outpatient pharmacy",
                   "dental home", "medical home", "lab", "laboratory", "performing laboratory", "client", "account",
                   "ordering facility", "ordering clinic", "ordering practice", "submitting facility", "ship to",
                   "bill to", "home health", "hospice agency", "DME", "DME supplier", "vendor", "supplier")
# Words that lead to a facility: "transferred from Suburban", "seen at Riverbend".
FACILITY_CUES = ("transferred from", "transferred to", "transferred here from",
                 "seen at", "treated at", "admitted to", "admitted at", "presented to", "presented at",
                 "discharged to", "hospitalized at", "evaluated at", "followed at", "referred from", "arrived from",
                 "resides at", "receives care at", "gets care at", "care at", "dialyzes at", "dialysis at",
                 "delivered at", "born at", "admitted through", "work-up at", "workup at", "imaging at",
                 "transported to", "transport to", "sent from", "records from", "records to")
# Words that make a run after a label or a cue something other than a facility: "records from the
# National Health Insurance Research Database", "transferred to the Stroke Registry".
NOT_FACILITY_WORDS = _words("""
    Database Databases Registry Registries Program Programs Study Studies Survey Surveys Trial Trials Project
    Initiative Consortium Organization Organisation Association Society Questionnaire Score Scale Index
    Criteria Guideline Guidelines Insurance Protocol Network Library Journal Press Committee Board Council
    Department Dept Ministry Bureau Commission Authority Administration Agency Foundation Federation
""")
# Words of a location or site label that are a body part or a ward, not a place.
ANATOMY_WORDS = _words("""
    Abdomen Abdominal Arm Arms Leg Legs Foot Feet Hand Hands Head Neck Chest Back Spine Sacrum Sacral Coccyx Hip
    Hips Knee Knees Ankle Ankles Heel Heels Toe Toes Finger Fingers Shoulder Shoulders Elbow Wrist Thigh Calf
    Buttock Buttocks Groin Perineum Scalp Face Forehead Cheek Ear Nose Mouth Lip Lips Eye Eyes Breast Flank
    Trunk Torso Extremity Extremities Antecubital Deltoid Forearm Gluteal Ventrogluteal Vastus Lateralis Port
    Peripheral Central Midline Picc PICC Jugular Subclavian Femoral Radial Brachial Quadrant Epigastric
    Periumbilical Suprapubic Umbilical Occipital Frontal Temporal Parietal Lumbar Thoracic Cervical Dorsal
    Plantar Palmar Medial Lateral Anterior Posterior Proximal Distal Superior Inferior Generalized Diffuse
    Bedside Floor Ward Room Bed Hallway Home Outpatient Inpatient Office Clinic Lab Pharmacy Imaging
""")
