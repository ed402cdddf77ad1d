"""A labeled, deterministic evaluation set for de-identification.

Documents of the kinds a clinical corpus holds (discharge summaries, radiology reports, progress
notes, patient portal messages, referral letters, registration face sheets, telehealth notes) with
planted identifiers, each with its exact character span and kind, plus clinical documents without
any identifier, to measure over-scrubbing.

The surface forms were written from the HIPAA Safe Harbor list and from how notes write each kind
(names in every order and case, dates in a dozen formats, phone numbers with and without area
code punctuation, labelled record numbers of many sorts...), not from any de-identifier's
patterns; a few hard cases no rule can know (a facility without "Hospital" in its name) are in on
purpose. All the people, numbers and addresses are made up.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Planted:
    start: int
    end: int
    kind: str
    value: str


@dataclass(frozen=True)
class EvalDoc:
    doc_id: str
    genre: str
    text: str
    phi: tuple[Planted, ...]


class _Doc:
    """Text assembled piece by piece; identifiers are recorded where they land."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.phi: list[Planted] = []
        self.size = 0

    def t(self, text: str) -> "_Doc":
        self.parts.append(text)
        self.size += len(text)
        return self

    def p(self, kind: str, value: str) -> "_Doc":
        self.phi.append(Planted(self.size, self.size + len(value), kind, value))
        return self.t(value)

    def seg(self, segments: list[tuple[str | None, str]]) -> "_Doc":
        for kind, text in segments:
            if kind:
                self.p(kind, text)
            else:
                self.t(text)
        return self

    def done(self, doc_id: str, genre: str) -> EvalDoc:
        return EvalDoc(doc_id, genre, "".join(self.parts), tuple(self.phi))


# ----------------------------------------------------------------------------- value pools
FIRST = ["John", "Maria", "Wei", "Oluwaseun", "Priya", "Thanh", "Fatima", "Giuseppe", "Siobhan", "Jamal",
         "Keisha", "DeShawn", "Jean-Luc", "Aiden", "Sofia", "Hiroshi", "Ngozi", "Dmitri", "Ingrid", "Rajesh",
         "Mohammed", "Esperanza", "Kwame", "Yuki", "Chloe", "Liam", "Mateo", "Aaliyah", "Robert", "Patricia",
         "Linda", "Michael", "Barbara", "Elena", "Tomasz", "Astrid", "Carmen", "Ahmed", "Leilani", "Tariq",
         "Bridget", "Declan", "Olga", "Rosalind", "Margaret", "William", "Dorothy", "Harold", "Gloria", "Arthur"]
LAST = ["Smith", "Garcia", "Nguyen", "Okafor", "Raghunathan", "Zhang", "Al-Sayed", "Russo", "O'Connor",
        "Washington", "Robinson", "McDonald", "Kowalski", "Patel", "Kim", "Johansson", "Ivanova", "Mbeki",
        "Schultz", "Yamamoto", "Adeyemi", "Fitzgerald", "Hernandez", "Lefebvre", "Novak", "Brown", "Young",
        "Kaur", "Cohen", "Rossi", "Haddad", "Moreau", "Baptiste", "Osei", "Takahashi", "Lindqvist", "MacLeod",
        "D'Angelo", "Whitaker", "Esposito", "Ferreira", "Chowdhury", "Petrov", "Delgado", "Abernathy"]
CITIES = [("Boston", "MA", "Massachusetts", "02115"), ("Springfield", "IL", "Illinois", "62704"),
          ("Salt Lake City", "UT", "Utah", "84101"), ("Winston-Salem", "NC", "North Carolina", "27101"),
          ("St. Louis", "MO", "Missouri", "63110"), ("Worcester", "MA", "Massachusetts", "01608"),
          ("Ann Arbor", "MI", "Michigan", "48109"), ("Burlington", "VT", "Vermont", "05401"),
          ("Tucson", "AZ", "Arizona", "85719"), ("Fort Collins", "CO", "Colorado", "80521"),
          ("Baton Rouge", "LA", "Louisiana", "70808"), ("Portland", "OR", "Oregon", "97239"),
          ("Albany", "NY", "New York", "12208"), ("Lexington", "KY", "Kentucky", "40536"),
          ("Cedar Rapids", "IA", "Iowa", "52402"), ("Bangor", "ME", "Maine", "04401"),
          ("Rochester", "MN", "Minnesota", "55905"), ("Baltimore", "MD", "Maryland", "21287"),
          ("Pittsburgh", "PA", "Pennsylvania", "15213"), ("Dover", "DE", "Delaware", "19901"),
          ("Honolulu", "HI", "Hawaii", "96813"), ("Tulsa", "OK", "Oklahoma", "74104"),
          ("Boise", "ID", "Idaho", "83702"), ("Eau Claire", "WI", "Wisconsin", "54701"),
          ("Chapel Hill", "NC", "North Carolina", "27514"), ("Scranton", "PA", "Pennsylvania", "18503")]
COUNTIES = ["Suffolk County", "Middlesex County", "Cook County", "Orange County", "Travis County",
            "Jefferson Parish", "King County", "Essex County"]
STREETS = [("Oak", "Street"), ("Elm", "St."), ("Main", "St"), ("Maple", "Avenue"), ("Beacon", "St"),
           ("Lakeshore", "Blvd."), ("Cedar Ridge", "Road"), ("Pine", "Rd"), ("Washington", "Ave."),
           ("Sunset", "Boulevard"), ("Highland", "Drive"), ("Willow", "Ln"), ("Harbor", "Way"),
           ("Orchard", "Court"), ("Commonwealth", "Avenue"), ("Old Mill", "Road"), ("34th", "Street"),
           ("Riverside", "Dr."), ("Chestnut Hill", "Ave"), ("Juniper", "Terrace"), ("Fairview", "Place"),
           ("Quarry", "Lane"), ("Birch", "Circle"), ("Kings", "Highway")]
UNITS = [", Apt 4B", " Apt. 12C", ", Unit 3", ", Suite 210", " #5", ", Apartment 7", ", Ste 400", " Unit 2F"]
FACILITIES = ["St. Mary's Hospital", "Mercy Medical Center", "Massachusetts General Hospital",
              "Brigham and Women's Hospital", "Good Samaritan Hospital", "Riverside Urgent Care",
              "Cedar Ridge Nursing Home", "Lakeview Rehabilitation Center", "Mayo Clinic",
              "Sunrise Assisted Living", "Dana-Farber Cancer Institute", "Beth Israel Deaconess Medical Center",
              "Mount Sinai Hospital", "Boston Children's Hospital", "Hospital of the University of Pennsylvania",
              "University of Michigan Health System", "Northside Family Health Center",
              "Saint Francis Memorial Hospital", "Spaulding Rehabilitation Hospital", "Kaiser Permanente",
              "Maple Grove Skilled Nursing Facility", "Baystate Medical Center", "Hopkins Bayview",
              "Valley View Hospice", "Shriners Hospitals for Children", "Cleveland Clinic"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "mercyhealth.org", "bostonhealth.org", "comcast.net",
           "uvm.edu", "hospital.co.uk", "icloud.com", "med.umich.edu", "kp.org", "protonmail.com"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class _Gen:
    """Random values and their surface forms, all from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, xs):
        return self.r.choice(xs)

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST), self.pick(LAST)

    # --------------------------------------------------------------- names
    def full_name(self, first: str, last: str) -> str:
        mi = self.pick("ABCDEFGHJKLMRSTW")
        return self.pick([f"{first} {last}", f"{first} {last}", f"{first} {mi}. {last}", f"{last}, {first}",
                          f"{last.upper()}, {first.upper()}", f"{first.upper()} {last.upper()}",
                          f"{last}, {first} {mi}.", f"{first[0]}. {last}"])

    # --------------------------------------------------------------- dates
    def day(self, lo: int = 1925, hi: int = 2024) -> date:
        return date(lo, 1, 1) + timedelta(days=self.r.randrange((date(hi, 12, 31) - date(lo, 1, 1)).days))

    def date(self, d: date | None = None, with_year: bool = True) -> str:
        d = d or self.day(2005)
        mon, m3 = MONTHS[d.month - 1], MONTHS[d.month - 1][:3]
        full = [f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year % 100:02d}",
                f"{d.isoformat()}", f"{mon} {d.day}, {d.year}", f"{m3} {d.day}, {d.year}",
                f"{d.day} {m3} {d.year}", f"{d.day:02d}-{m3.upper()}-{d.year}", f"{_ordinal(d.day)} of {mon} {d.year}",
                f"{d.month:02d}.{d.day:02d}.{d.year}", f"{d.month}-{d.day}-{d.year}", f"{d.year}/{d.month:02d}/{d.day:02d}",
                f"{m3}. {d.day}, {d.year}", f"{mon} {_ordinal(d.day)}, {d.year}", f"{d.day} {mon} {d.year}",
                f"{d.month}/{d.day}/{d.year}"]
        short = [f"{mon} {d.day}", f"{m3} {_ordinal(d.day)}", f"{mon} {d.year}", f"{d.month:02d}/{d.year}",
                 f"{m3}. {d.day}", f"{d.day} {mon}"]
        return self.pick(full if with_year else short)

    def dob(self) -> str:
        return self.date(self.day(1925, 2005))

    # --------------------------------------------------------------- numbers
    def digits(self, n: int) -> str:
        return "".join(self.pick("0123456789") for _ in range(n))

    def phone(self) -> str:
        a, b, c = f"{self.r.randint(201, 989)}", f"{self.r.randint(200, 999)}", self.digits(4)
        return self.pick([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}", f"+1 {a} {b} {c}",
                          f"+1-{a}-{b}-{c}", f"1-{a}-{b}-{c}", f"({a}){b}-{c}", f"{a}-{b}-{c} x{self.digits(4)}",
                          f"+1 ({a}) {b}-{c}", f"{a}/{b}-{c}", f"+44 20 {self.digits(4)} {self.digits(4)}"])

    def ssn(self) -> str:
        a, b, c = f"{self.r.randint(1, 665):03d}", f"{self.r.randint(1, 99):02d}", f"{self.r.randint(1, 9999):04d}"
        return self.pick([f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}", f"{a}-{b}-{c}", f"{a}{b}{c}"])

    def mrn_value(self) -> str:
        return self.pick([self.digits(8), self.digits(7), f"A{self.digits(7)}", f"{self.digits(2)}-{self.digits(2)}-"
                          f"{self.digits(4)}", f"PT-{self.digits(6)}", f"{self.digits(3)}-{self.digits(4)}-{self.digits(2)}",
                          f"MR{self.digits(6)}", f"00{self.digits(6)}"])

    def mrn(self) -> list[tuple[str | None, str]]:
        label = self.pick(["MRN: ", "MRN ", "MRN#: ", "MRN #", "Medical Record Number: ", "Med Rec No. ", "MR# ",
                           "Hospital #: ", "Unit No: ", "Patient ID: ", "medical record number is ", "Medical record no.: "])
        return [(None, label), ("mrn", self.mrn_value())]

    def other_id(self) -> list[tuple[str | None, str]]:
        up = "ABCDEFGHJKLMNPRSTUVWXYZ"
        forms = [("Account #: ", self.digits(10)), ("Acct No. ", f"{self.digits(2)}-{self.digits(4)}"),
                 ("Member ID: ", f"{self.pick(up)}{self.pick(up)}{self.pick(up)}{self.digits(9)}"),
                 ("Policy number: ", f"H{self.digits(8)}"), ("Insurance ID: ", f"W{self.digits(9)}"),
                 ("Medicare ID: ", f"{self.r.randint(1, 9)}{self.pick(up)}{self.pick(up)}{self.r.randint(1, 9)}-"
                                   f"{self.pick(up)}{self.pick(up)}{self.r.randint(1, 9)}-{self.pick(up)}{self.pick(up)}"
                                   f"{self.digits(2)}"),
                 ("Encounter #: ", f"E{self.digits(8)}"), ("CSN: ", self.digits(11)), ("FIN ", self.digits(6)),
                 ("Visit ID: ", f"V-{self.digits(5)}"), ("Driver's license: ", f"S{self.digits(3)}-{self.digits(4)}-"
                                                                                 f"{self.digits(4)}"),
                 ("DL# ", f"D{self.digits(7)}"), ("license plate ", f"{self.r.randint(1, 9)}{self.pick(up)}"
                                                                   f"{self.pick(up)}{self.pick(up)}{self.digits(3)}"),
                 ("DEA #: ", f"A{self.pick(up)}{self.digits(7)}"), ("NPI: ", self.digits(10)),
                 ("Medical license #: ", self.digits(5)), ("Serial number: ", f"SN-{self.digits(5)}-XK"),
                 ("Device ID: ", self.digits(14)), ("Claim #: ", f"20{self.digits(2)}-{self.digits(7)}"),
                 ("Accession #: ", f"RAD-{self.digits(2)}-{self.digits(6)}"), ("Case number ", f"{self.digits(2)}-"
                                                                                           f"{self.digits(4)}"),
                 ("passport number ", self.digits(9)), ("VIN ", f"1HG{self.pick(up)}M{self.digits(5)}A{self.digits(6)}"),
                 ("Group #: ", self.digits(6)), ("Subscriber ID ", f"XKB{self.digits(9)}")]
        label, value = self.pick(forms)
        return [(None, label), ("id", value)]

    def email(self, first: str, last: str) -> str:
        f, l = first.lower().replace("-", ""), last.lower().replace("'", "").replace("-", "")
        local = self.pick([f"{f}.{l}", f"{f[0]}{l}{self.r.randint(1, 99)}", f"{f}_{l}", f"{l}.{f[0]}",
                           f"{f}{l}+portal", f"{f[0]}.{l}"])
        addr = f"{local}@{self.pick(DOMAINS)}"
        return addr.upper() if self.r.random() < 0.1 else addr

    def url(self) -> str:
        host = self.pick(["portal.mercyhealth.org", "mychart.bostonhealth.org", "www.stmaryshospital.org",
                          "patientportal.com", "telehealth.valleyclinic.net", "records.uvmhealth.org",
                          "www.example.com", "followmyhealth.com", "bit.ly"])
        path = self.pick(["", "/login", "/patients/" + self.digits(5), "/records?id=" + self.digits(4),
                          "/visit/" + self.digits(6) + "/summary", "/3xYz" + self.digits(2)])
        form = self.pick(["https://{h}{p}", "http://{h}{p}", "{h}{p}", "https://{h}{p}", "HTTPS://{H}{p}"])
        value = form.format(h=host, p=path, H=host.upper())
        return value

    def ip(self) -> str:
        if self.r.random() < 0.3:
            groups = [f"{self.r.randint(0, 65535):x}" for _ in range(8)]
            return self.pick([":".join(groups), f"2001:db8:{groups[2]}::{groups[6]}:{groups[7]}",
                              f"fe80::{groups[4]}:{groups[5]}:{groups[6]}:{groups[7]}"])
        return self.pick([f"192.168.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                          f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                          f"{self.r.randint(11, 223)}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}."
                          f"{self.r.randint(1, 254)}", f"172.16.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"])

    # --------------------------------------------------------------- places
    def street(self) -> str:
        name, kind = self.pick(STREETS)
        num = str(self.r.randint(1, 9999))
        pre = self.pick(["", "", "", "N. ", "West ", "S ", "East "])
        post = self.pick(["", "", "", "", " NW"])
        unit = self.pick(["", "", ""] + UNITS)
        return f"{num} {pre}{name} {kind}{post}{unit}"

    def address(self) -> str:
        return self.street() if self.r.random() < 0.85 else self.pick(["PO Box ", "P.O. Box ", "P. O. Box "]) + \
            str(self.r.randint(10, 9999))

    def city_line(self) -> list[tuple[str | None, str]]:
        city, st, state, zipc = self.pick(CITIES)
        if self.r.random() < 0.2:
            zipc = f"{zipc}-{self.digits(4)}"
        upper = self.r.random() < 0.15
        c = city.upper() if upper else city
        form = self.r.random()
        if form < 0.6:
            return [("location", c), (None, ", " + st + " "), ("zip", zipc)]
        if form < 0.75:
            return [("location", c), (None, " " + st + " "), ("zip", zipc)]
        if form < 0.9:
            return [("location", c), (None, ", " + state + " "), ("zip", zipc)]
        return [("location", c), (None, ", " + st)]

    def age_over_89(self, adjective: bool = False) -> list[tuple[str | None, str]]:
        """An age over 89; adjective: a form that fits "a ___ woman"."""
        n = self.r.randint(90, 104)
        words = f"ninety-{ONES[n - 90]}" if 90 < n < 100 else None
        forms = [("", f"{n}", "-year-old"), ("", f"{n}", " year old"), ("", f"{n}", " yo"), ("", f"{n}", " y/o"),
                 ("", f"{n}", "-yr-old"), ("", f"{n}", "yo"), ("", f"{n}", " y.o.")]
        if words:
            forms.append(("", words, "-year-old"))
        if not adjective:
            forms += [("age ", f"{n}", ""), ("aged ", f"{n}", ""), ("", f"{n}", " years old"),
                      ("", f"{n}", " years of age"), ("Age: ", f"{n}", "")]
        pre, value, post = self.pick(forms)
        return [(None, pre), ("age", value), (None, post)]

    def age_any(self, adjective: bool = True) -> list[tuple[str | None, str]]:
        if self.r.random() < 0.45:
            return self.age_over_89(adjective)
        n = self.r.randint(18, 89)
        return [(None, self.pick([f"{n}-year-old", f"{n} year old", f"{n} yo", f"{n} y/o"]))]


# ----------------------------------------------------------------------------- clinical filler
# Clinical text with no identifier, much of it built to look like one: eponyms, doses, lab values,
# codes, years alone, ages under 90, scores written like dates, section headers in capitals.
NEGATIVE_SENTENCES = [
    "Parkinson disease on carbidopa-levodopa 25/100 mg three times daily.",
    "History of Hodgkin lymphoma treated in 2009 with ABVD, in remission.",
    "Crohn disease of the terminal ileum, on adalimumab 40 mg every 2 weeks.",
    "Babinski sign absent bilaterally; reflexes 2+ and symmetric.",
    "Down syndrome with moderate intellectual disability.",
    "Cushing syndrome was excluded by a normal 1 mg dexamethasone suppression test.",
    "Graves disease s/p radioactive iodine in 2015, now on levothyroxine 88 mcg daily.",
    "Addison disease on hydrocortisone 15 mg AM and 5 mg PM.",
    "Bell palsy of the left face, resolved.",
    "Hashimoto thyroiditis; TSH 3.2 mIU/L.",
    "Barrett esophagus on surveillance EGD every 3 years.",
    "Guillain-Barre syndrome in 2012 with full recovery.",
    "Murphy sign negative; McBurney point nontender.",
    "Kernig and Brudzinski signs negative.",
    "Austin Flint murmur not appreciated.",
    "Marcus Gunn pupil on the right.",
    "Stevens-Johnson syndrome after lamotrigine (2018).",
    "ECG shows a Wolff-Parkinson-White pattern.",
    "Inclusion terms: Ellis-van Creveld syndrome",  # an ICD-10-CM inclusion term (Q77.6)
    "Creutzfeldt Jakob disease was excluded.",
    "Bence Jones protein negative in urine.",
    "Factor V Leiden heterozygous, on apixaban 5 mg BID.",
    "Lyme disease treated with doxycycline 100 mg BID for 21 days.",
    "Rocky Mountain spotted fever was considered and empirically treated.",
    "Gram stain showed Gram-negative rods; Foley catheter was removed.",
    "Swan-Ganz catheter placed; cardiac index 2.1 L/min/m2.",
    "Whipple procedure in 2016 for pancreatic adenocarcinoma.",
    "Nissen fundoplication and Roux-en-Y gastric bypass in the past.",
    "Kaplan-Meier survival was estimated; Student t-test for continuous variables.",
    "Glasgow Coma Scale 15; Apgar scores 8 and 9.",
    "Mallory-Weiss tear on endoscopy, no active bleeding.",
    "Alzheimer dementia, MMSE 21/30.",
    "Raynaud phenomenon and Sjogren syndrome.",
    "Kaposi sarcoma of the lower extremity.",
    "Tourette syndrome, well controlled.",
    "Wilson disease ruled out: ceruloplasmin 28 mg/dL.",
    "Metformin 500 mg PO BID; lisinopril 10 mg daily; atorvastatin 40 mg at bedtime.",
    "Vancomycin 15 mg/kg IV q12h, trough 15.2.",
    "Enoxaparin 1 mg/kg SC q12h; heparin 5,000 units SC q8h.",
    "Insulin glargine 20 units at bedtime plus sliding scale.",
    "Vitamin D3 50,000 IU weekly for 8 weeks.",
    "Acetaminophen 650 mg PO q6h PRN pain; ondansetron 4 mg IV q8h PRN.",
    "Prednisone taper: 40 mg x 3 days, then 30 mg x 3 days, then 20 mg.",
    "Amoxicillin-clavulanate 875/125 mg BID x 7 days.",
    "Take 1/2 tablet of carvedilol 6.25 mg twice daily.",
    "Pediatric dosing 2.5 mg/kg/day divided every 8 hours.",
    "BP 132/84, HR 76, RR 16, Temp 98.6 F, SpO2 97% on room air.",
    "BP 118/72 mmHg, pulse 88, T 37.2 C, O2 sat 94% on 2 L nasal cannula.",
    "Weight 82.5 kg, height 175 cm, BMI 26.9.",
    "Na 138, K 4.1, Cl 102, HCO3 24, BUN 18, Cr 1.1, glucose 145 mg/dL.",
    "WBC 12.5, Hgb 10.2, Plt 250,000; INR 2.3, PTT 35.",
    "HbA1c 7.2% (was 8.1% in 2021); LDL 96 mg/dL.",
    "Troponin I 0.04 ng/mL, BNP 450 pg/mL, lactate 2.1 mmol/L.",
    "ICD-10: E11.9, I10, J18.9, Z79.4, N18.3, F32.A.",
    "Diagnosis codes E78.5 and I48.91 were added; CPT 99214.",
    "EF 55-60% on echocardiogram; QTc 452 ms.",
    "Gleason 3+4=7 adenocarcinoma, T2N0M0, PSA 6.4 ng/mL.",
    "G2P1, LMP unknown; beta-hCG negative.",
    "Strength 5/5 in all extremities; 3+ pitting edema to the knees.",
    "CN II-XII intact; Mallampati class 2.",
    "1.5 cm nodule in the right upper lobe, stable since 2019.",
    "Diagnosed with type 2 diabetes in 2015; hypertension since 2010.",
    "Smoked 1 pack per day for 30 years, quit in 2012.",
    "She is a 67-year-old woman with COPD.",
    "A 45 year old man, aged 89 grandmother at home.",
    "The patient, age 72, lives alone; 89 yo father with dementia.",
    "Follow up in 2 weeks with Cardiology Clinic.",
    "Referred to the Heart Failure Clinic and the Emergency Department.",
    "Return to the clinic in 3 months; repeat labs in 6 weeks.",
    "COVID-19 PCR negative; SARS-CoV-2 antibodies positive.",
    "CD4 count 350 cells/uL, HIV-1 viral load undetectable.",
    "BRCA1 negative; HLA-B27 positive.",
    "Dilute 1:100; ratio 3:1; take 1-2 tabs q4-6h.",
    "Ambulating 2-3 times per week, 10,000 steps a day.",
    "Family history: mother with breast cancer at 52, father with MI at 60.",
    "Lives in Massachusetts with her husband; retired teacher.",
    "Traveled to Mexico in 2018 without illness.",
    "Patient seen at 14:30; medication given at 0800.",
    "Colonoscopy 2020 normal; mammogram 2023 BI-RADS 2.",
    "HISTORY OF PRESENT ILLNESS", "REVIEW OF SYSTEMS", "PHYSICAL EXAMINATION", "ASSESSMENT AND PLAN",
    "DISCHARGE MEDICATIONS", "Brief Hospital Course:", "Chief Complaint:", "Past Medical History:",
    "The patient will follow up with Nephrology and Endocrinology.",
    "May continue aspirin 81 mg daily; will reassess.",
    "Grace period for the prior authorization was granted.",
    "Mark the incision site before surgery.",
    "Pain scale 7/10, improved to 3/10 after morphine 2 mg IV.",
    "Hepatitis B surface antigen negative; RPR nonreactive.",
]


def _neg(g: _Gen, d: _Doc, n: int) -> None:
    for s in g.r.sample(NEGATIVE_SENTENCES, n):
        d.t(s + ("\n" if s.isupper() or s.endswith(":") else " "))


# ----------------------------------------------------------------------------- documents
def _discharge(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    doc_first, doc_last = g.person()
    d.t("DISCHARGE SUMMARY\n")
    d.t(g.pick(["Patient: ", "Patient Name: ", "Name: ", "PATIENT: "])).p("name", g.full_name(first, last))
    d.t("    ").seg(g.mrn()).t("\nDOB: ").p("date", g.dob())
    d.t("   Admission Date: ").p("date", g.date()).t("   Discharge Date: ").p("date", g.date())
    d.t("\nAttending: ")
    if g.r.random() < 0.5:
        d.t("Dr. ").p("name", f"{doc_first} {doc_last}")
    else:
        d.p("name", g.full_name(doc_first, doc_last)).t(", MD")
    d.t("\n\nHISTORY OF PRESENT ILLNESS:\n")
    title = g.pick(["Mr.", "Mrs.", "Ms.", "Mr", "Ms"])
    d.t(f"{title} ").p("name", last).t(" is a ").seg(g.age_any())
    d.t(g.pick([" woman", " man", " patient"]) + " with hypertension and atrial fibrillation who presented to ")
    d.p("facility", g.pick(FACILITIES)).t(" on ").p("date", g.date()).t(" with dyspnea. ")
    _neg(g, d, 3)
    d.t("\n\nHOSPITAL COURSE:\n")
    _neg(g, d, 3)
    consult_first, consult_last = g.person()
    d.t(g.pick(["Cardiology was consulted (", "Seen by ", "Discussed with "]))
    d.t("Dr. ").p("name", consult_last).t(g.pick([") ", ", who recommended rate control. ", " and agreed. "]))
    d.t(g.pick(["Her daughter ", "His son ", "Her husband ", "His wife "])).p("name", g.pick(FIRST))
    d.t(" was updated by phone at ").p("phone", g.phone()).t(". ")
    _neg(g, d, 2)
    d.t("\n\nDISCHARGE MEDICATIONS:\n1. metoprolol succinate 25 mg PO daily\n2. apixaban 5 mg PO BID\n")
    d.t("\nFOLLOW-UP:\nFollow up with ").p("name", f"{consult_first} {consult_last}").t(", MD at ")
    d.p("facility", g.pick(FACILITIES)).t(", ").p("address", g.street()).t(", ").seg(g.city_line())
    d.t(". Phone ").p("phone", g.phone()).t(". Fax: ").p("phone", g.phone()).t(".\n")
    d.t("Electronically signed by ").p("name", f"{doc_first} {doc_last}").t(", MD on ").p("date", g.date())
    d.t(" 14:32\n")
    return d


def _radiology(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    d.p("facility", g.pick(FACILITIES)).t(" Department of Radiology\n")
    d.t(g.pick(["EXAM: CT CHEST WITH CONTRAST", "EXAM: MRI BRAIN WITHOUT CONTRAST", "EXAM: CHEST X-RAY, 2 VIEWS"]))
    d.t("    ").seg(g.other_id()).t("\nPatient Name: ").p("name", f"{last.upper()}, {first.upper()}").t("    ")
    d.seg(g.mrn()).t("    DOB: ").p("date", g.dob()).t("    ")
    if g.r.random() < 0.6:
        d.seg(g.age_over_89())
    else:
        d.t(f"Age: {g.r.randint(20, 89)}")
    d.t("\nExam date: ").p("date", g.date()).t("\nOrdering provider: ")
    of, ol = g.person()
    form = g.r.randrange(3)
    if form == 0:
        d.p("name", f"{of} {ol}").t(", NP")
    elif form == 1:
        d.p("name", f"{ol}, {of}")
    else:
        d.t("Dr. ").p("name", ol)
    d.t("\n\nCLINICAL INDICATION: cough, weight loss.\nCOMPARISON: ").p("date", g.date()).t(".\n")
    d.t("FINDINGS: ")
    _neg(g, d, 3)
    d.t("\nIMPRESSION:\n1. No acute cardiopulmonary process.\n2. Follow-up CT in 12 months per Fleischner criteria.\n")
    rf, rl = g.person()
    d.t("\nDictated by: ").p("name", f"{rf} {rl}").t(", MD\n")
    d.t(g.pick(["Report transmitted to workstation ", "Viewed from ", "PACS client address: "])).p("ip", g.ip())
    d.t(" on ").p("date", g.date()).t(".\n")
    return d


def _progress(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    d.t("PROGRESS NOTE - ").p("date", g.date()).t("\n\nS: ").p("name", first).t(" is a ").seg(g.age_any())
    d.t(" with CHF and CKD stage 3, seen for follow-up. ")
    rel_first, rel_last = g.person()
    d.t(g.pick(["Her daughter, ", "His son ", "Accompanied by her husband ", "Caregiver "]))
    paren = g.r.random() < 0.5
    d.p("name", f"{rel_first} {rel_last}").t(" (" if paren else ", cell ").p("phone", g.phone())
    d.t((")" if paren else "") + ", reports better appetite. ")
    d.t(g.pick(["Lives in ", "She lives in ", "Recently moved from ", "Resides in "])).p("location", g.pick(CITIES)[0])
    d.t(g.pick([" with her family. ", ". ", " and drives to clinic. "]))
    _neg(g, d, 2)
    d.t("\n\nO: ")
    _neg(g, d, 2)
    d.t("\n\nA/P:\n")
    _neg(g, d, 2)
    d.t("\nLast seen on ").p("date", g.date(with_year=False)).t("; next visit ").p("date", g.date()).t(".\n")
    d.seg(g.other_id()).t("; ").seg(g.other_id()).t("\n")
    nf, nl = g.person()
    d.p("name", f"{nf} {nl}").t(g.pick([", NP", ", PA-C", ", RN", " MD"]) + "\n")
    return d


def _portal(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    doc_last = g.pick(LAST)
    d.t("From: ").p("name", f"{first} {last}").t(" <").p("email", g.email(first, last)).t(">\n")
    d.t("To: Dr. ").p("name", doc_last).t("\nSent: ")
    when = g.day(2015)
    d.t(f"{WEEKDAYS[when.weekday()]}, ").p("date", f"{MONTHS[when.month - 1]} {when.day}, {when.year}")
    d.t(" 3:15 PM\nSubject: refill question\n\n")
    d.t(g.pick(["Hi Dr. ", "Dear Dr. ", "Hello Dr. "])).p("name", doc_last).t(",\n")
    d.t("I ran out of my lisinopril 10 mg and my metformin 500 mg. My new address is ")
    d.p("address", g.address()).t(", ").seg(g.city_line()).t(". You can call me at ").p("phone", g.phone())
    d.t(" or email ").p("email", g.email(first, last)).t(". My blood pressure this morning was 142/88. ")
    d.t("I was born on ").p("date", g.dob()).t(g.pick([" if you need it.", "."]))
    d.t("\nThanks,\n").p("name", first).t("\n\n---\nReply from ")
    rf, rl = g.person()
    d.p("name", f"{rf} {rl}").t(", RN: Refills sent. Please log in at ").p("url", g.url())
    d.t(" to see your results, or visit ").p("url", g.url()).t(". ")
    _neg(g, d, 1)
    d.t("\n")
    return d


def _referral(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    d.p("facility", g.pick(FACILITIES)).t("\n").p("address", g.address()).t("\n").seg(g.city_line())
    d.t("\nTel ").p("phone", g.phone()).t(" | Fax ").p("phone", g.phone()).t("\n\n").p("date", g.date()).t("\n\n")
    to_last = g.pick(LAST)
    d.t("Dear Dr. ").p("name", to_last).t(",\n\nI am referring ").p("name", f"{first} {last}")
    d.t(" (DOB ").p("date", g.dob()).t(g.pick(["; SSN ", "; social security number ", ", SSN: "])).p("ssn", g.ssn())
    d.t("; ").seg(g.other_id()).t("), a ").seg(g.age_any()).t(" with progressive dyspnea. ")
    _neg(g, d, 3)
    d.t("Prior records are available from ").p("facility", g.pick(FACILITIES)).t(" and at ").p("url", g.url())
    d.t(". ")
    d.t(g.pick(["Mrs. ", "Mr. ", "Ms. "])).p("name", last).t(" can be reached at ").p("phone", g.phone()).t(".\n\n")
    sf, sl = g.person()
    d.t("Sincerely,\n\n").p("name", f"{sf} {sl}").t(", MD\n").p("email", g.email(sf, sl)).t("\n")
    return d


def _face_sheet(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    mi = g.pick("ABCDEFGHJKLMRSTW")
    d.t("REGISTRATION FACE SHEET\nName: ").p("name", f"{last.upper()}, {first.upper()} {mi}")
    d.t("    Sex: F    DOB: ").p("date", g.dob()).t("    ").seg(g.age_any(adjective=False)).t("\n")
    d.t(g.pick(["SSN: ", "SSN# ", "Social Security No.: "])).p("ssn", g.ssn()).t("    ").seg(g.mrn()).t("    ")
    d.seg(g.other_id()).t("\nAddress: ").p("address", g.address()).t("\n         ").seg(g.city_line())
    d.t("\nCounty: ").p("location", g.pick(COUNTIES))
    d.t("\nHome phone: ").p("phone", g.phone()).t("    Cell: ").p("phone", g.phone())
    d.t("\nEmail: ").p("email", g.email(first, last))
    ef, el = g.person()
    d.t("\nEmergency contact: ").p("name", f"{ef} {el}").t(g.pick([" (husband) ", " (daughter) ", ", son, "]))
    d.p("phone", g.phone()).t("\nInsurance: Blue Cross Blue Shield    ").seg(g.other_id()).t("\n")
    d.t("Primary care: Dr. ").p("name", g.pick(LAST)).t(", ").p("facility", g.pick(FACILITIES)).t("\n")
    d.t("Preferred pharmacy ZIP: ").p("zip", g.pick(CITIES)[3]).t("\n")
    return d


def _telehealth(g: _Gen) -> _Doc:
    d, (first, last) = _Doc(), g.person()
    d.t("TELEHEALTH VISIT NOTE\nDate of service: ").p("date", g.date()).t("\n")
    d.t("Patient connected from IP ").p("ip", g.ip()).t(" via ").p("url", g.url()).t("; ")
    d.t("clinician at ").p("ip", g.ip()).t(".\n")
    d.t("Identity verified with name (").p("name", g.full_name(first, last)).t("), date of birth (")
    d.p("date", g.dob()).t(") and address (").p("address", g.address()).t(", ").seg(g.city_line()).t(").\n")
    d.t("Patient located in ").p("location", g.pick(CITIES)[0]).t(" during the visit. ")
    _neg(g, d, 4)
    d.t("\nA ").seg(g.age_over_89()).t(" " + g.pick(["woman", "man"]) + " with ")
    _neg(g, d, 1)
    d.t("\nContact after the visit: ").p("email", g.email(first, last)).t(" or ").p("phone", g.phone()).t(".\n")
    d.t("SSN on file: ").p("ssn", g.ssn()).t(". ").seg(g.mrn()).t(".\n")
    nf, nl = g.person()
    d.t("Visit conducted by ").p("name", f"{nf} {nl}").t(g.pick([", MD", ", DO", ", NP", " PhD"]) + ".\n")
    return d


def _clean(g: _Gen) -> _Doc:
    d = _Doc()
    d.t(g.pick(["PROGRESS NOTE\n", "DISCHARGE SUMMARY\n", "RADIOLOGY REPORT\n", "MEDICATION RECONCILIATION\n",
                "CLINICAL GUIDELINE EXCERPT\n"]))
    _neg(g, d, g.r.randint(6, 10))
    return d


GENRES: dict[str, tuple[Callable[[_Gen], _Doc], int]] = {
    "discharge_summary": (_discharge, 14),
    "radiology_report": (_radiology, 12),
    "progress_note": (_progress, 14),
    "portal_message": (_portal, 12),
    "referral_letter": (_referral, 12),
    "face_sheet": (_face_sheet, 12),
    "telehealth_note": (_telehealth, 12),
    "clean_note": (_clean, 30),
}


def eval_documents(seed: int = 0) -> list[EvalDoc]:
    """The evaluation set: the same documents for the same seed, on every machine."""
    docs = []
    for genre, (build, count) in GENRES.items():
        for i in range(count):
            g = _Gen(random.Random(f"{seed}:{genre}:{i}"))
            docs.append(build(g).done(f"{genre}-{i:02d}", genre))
    return docs
