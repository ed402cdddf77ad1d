"""De-identification: each PHI kind caught with its placeholder, clinical text left alone, metadata
and quarantined records scrubbed, the config's name checked, the evaluation set sound and the
built-in rules above the goals on it. No Ray, no model."""
from __future__ import annotations

import json
import re
import sys

import pytest

from mediphi.prepare.deid import (PHI_KINDS, PLACEHOLDERS, REGISTRY, DeidentifierUnavailable, PhiSpan, apply_spans,
                                  get_deidentifier)
from mediphi.prepare.deid.evalset import NEGATIVE_SENTENCES, eval_documents
from mediphi.prepare.deid.evaluate import evaluate, score_document


@pytest.fixture(scope="module")
def rules():
    return get_deidentifier("rules")


# kind -> (text, the identifier in it); forms beyond the evaluation set's where possible
POSITIVES = {
    "name": [("Patient: John Smith presented with chest pain.", "John Smith"),
             ("Seen by Smith, John in clinic.", "Smith, John"),
             ("NAME: SMITH, JOHN A", "SMITH, JOHN A"),
             ("Dr. Okonkwo reviewed the films.", "Okonkwo"),
             ("Electronically signed by Priya Raghunathan, MD on rounds.", "Priya Raghunathan"),
             ("Thanks,\nEsperanza", "Esperanza"),
             ("Her daughter Ngozi was at the bedside.", "Ngozi"),
             ("Margaret Whitfield is a 71-year-old woman.", "Margaret Whitfield"),
             ("Mrs. O'Brien-Walsh called.", "O'Brien-Walsh"),
             ("Consulted Dr Anand Krishnamurthy who agreed.", "Anand Krishnamurthy"),
             ("Dear Ms. Delacroix,", "Delacroix"),
             ("Signed: Min-jun Baek, M.D.", "Min-jun Baek"),
             ("Report given to Nurse Okeke at 0700.", "Okeke"),
             ("Verified by R. Mbatha (MLS).", "R. Mbatha"),
             ("Last: NAKAMURA  First: AIKO  MI: T", "T"),
             ("Attended by Tomasz Wiśniewski, MD.", "Tomasz Wiśniewski")],
    "date": [("Admitted 03/04/2021.", "03/04/2021"), ("DOB 2/9/57", "2/9/57"), ("on 2021-03-04", "2021-03-04"),
             ("March 4, 2021", "March 4, 2021"), ("seen 4 Mar 2021", "4 Mar 2021"), ("04-MAR-2021", "04-MAR-2021"),
             ("last visit Sept. 12th", "Sept. 12th"), ("since March 2019", "March 2019"), ("in 11/2020", "11/2020"),
             ("dated 12.25.2020", "12.25.2020"), ("surgery on 7/14", "7/14"), ("the 3rd of June, 2019", "3rd of June, 2019"),
             ("HOME VISIT   Tues 3/12", "3/12"), ("Collected: 20230719", "20230719")],
    "age": [("a 92-year-old man", "92"), ("age 93", "93"), ("aged 95", "95"), ("91 yo F", "91"), ("100 y/o", "100"),
            ("ninety-two years old", "ninety-two"), ("a woman in her 90s", "90s"), ("Age: 104", "104"),
            ("Age: 96Y  Sex: F", "96Y"), ("celebrated her 95th birthday", "95th")],
    "phone": [("call (617) 555-0123", "(617) 555-0123"), ("617.555.0123", "617.555.0123"), ("617 555 0123", "617 555 0123"),
              ("+1 617-555-0123", "+1 617-555-0123"), ("Fax: 617/555-0199", "617/555-0199"),
              ("1-800-555-0199 ext. 42", "1-800-555-0199 ext. 42"), ("Pager 4-4821", "4-4821"),
              ("+44 20 7946 0958", "+44 20 7946 0958"), ("Tel: 6175550123", "6175550123"),
              ("her son called (555-0142) twice", "555-0142"), ("call back at 555-0177", "555-0177")],
    "email": [("mail jane.doe@example.org today", "jane.doe@example.org"), ("J_DOE+notes@mail.hospital.co.uk",
                                                                            "J_DOE+notes@mail.hospital.co.uk")],
    "url": [("see https://portal.example.org/x?id=3.", "https://portal.example.org/x?id=3"), ("www.example.com", "www.example.com"),
            ("log in at example.org", "example.org"), ("mychart.bostonhealth.org/login", "mychart.bostonhealth.org/login")],
    "ip": [("from 192.168.10.23", "192.168.10.23"), ("host 2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334"),
           ("fe80::1ff:fe23:4567:890a", "fe80::1ff:fe23:4567:890a")],
    "ssn": [("SSN 123-45-6789", "123-45-6789"), ("ssn: 123 45 6789", "123 45 6789"), ("123.45.6789", "123.45.6789"),
            ("Social Security Number: 123456789", "123456789")],
    "mrn": [("MRN: 00123456", "00123456"), ("Medical record no. A-778812", "A-778812"), ("MR# 772301", "772301"),
            ("patient ID: PT-448812", "PT-448812")],
    "id": [("Account #: 7781234501", "7781234501"), ("Member ID XKB123456789", "XKB123456789"),
           ("Encounter no. E12345678", "E12345678"), ("license plate 7ABC123", "7ABC123"), ("NPI: 1234567893", "1234567893"),
           ("Medicare ID 1EG4-TE5-MK73", "1EG4-TE5-MK73"), ("Serial number: SN-88213-XK", "SN-88213-XK"),
           ("My portal ID is PX-22031.", "PX-22031"), ("Pump serial S/N 88-XQ-1204 returned", "88-XQ-1204"),
           ("Implant lot LOT 7TR221 used", "7TR221"), ("UDI (01)00884838002366(17)250101", "(01)00884838002366(17)250101")],
    "address": [("lives at 1234 Oak Street", "1234 Oak Street"), ("12 West 34th St., Apt 4B", "12 West 34th St., Apt 4B"),
                ("PO Box 4456", "PO Box 4456"), ("Suite 210", "Suite 210"), ("77 Massachusetts Ave NW", "77 Massachusetts Ave NW"),
                ("Address: 450 Camino del Sol, Taos", "450 Camino del Sol"), ("lives at 88 County Road 12", "88 County Road 12")],
    "location": [("Boston, MA 02115", "Boston"), ("St. Louis, Missouri", "St. Louis"), ("lives in Worcester with", "Worcester"),
                 ("SALT LAKE CITY, UT 84101", "SALT LAKE CITY"), ("Suffolk County", "Suffolk County"),
                 ("lives at 12 Elm St, Apt 2, Marblehead.", "Marblehead"), ("an 87 yo woman from Kalamazoo", "Kalamazoo"),
                 ("He flew back from Tucson.", "Tucson"), ("Admitted from Hibbing. Home: 3 Oak St, Hibbing, MN", "Hibbing"),
                 ("flown from Parkview Regional Medical Center, Fort Wayne.", "Fort Wayne")],
    "zip": [("Boston, MA 02115", "02115"), ("Zip code: 30301-1234", "30301-1234"), ("Dover, DE 19901", "19901"),
            ("address 41 Pine Rd, Mesa 85201", "85201")],
    "facility": [("transferred to St. Mary's Hospital", "St. Mary's Hospital"),
                 ("Mercy Medical Center ED", "Mercy Medical Center"),
                 ("records from Hospital of the University of Pennsylvania", "Hospital of the University of Pennsylvania"),
                 ("Cedar Ridge Nursing Home", "Cedar Ridge Nursing Home"),
                 ("Sent to Lakeshore Imaging for MRI.", "Lakeshore Imaging"),
                 ("seen in the St. Vincent's ED", "St. Vincent's"),
                 ("Location: Oakhaven Manor 2E", "Oakhaven Manor"),
                 ("Reference lab: Pioneer Diagnostics Framingham.", "Pioneer Diagnostics Framingham"),
                 ("Rx sent to Rite Aid #3318.", "Rite Aid #3318"),
                 ("Sending: Holy Name Medical Center -> Receiving: Englewood Hospital", "Holy Name Medical Center"),
                 ("She was transferred from Mercy General in Sacramento.", "Mercy General")],
}


@pytest.mark.parametrize("kind,text,value", [(k, t, v) for k, cases in POSITIVES.items() for t, v in cases])
def test_each_kind_is_caught_with_its_placeholder(rules, kind, text, value):
    scrubbed, counts = rules.scrub(text)
    for token in value.replace(",", " ").split():
        assert token.strip(".") not in scrubbed.split() or not any(c.isalnum() for c in token), (token, scrubbed)
    assert value not in scrubbed, scrubbed
    assert PLACEHOLDERS[kind] in scrubbed, scrubbed
    assert counts[kind] >= 1


@pytest.mark.parametrize("text", NEGATIVE_SENTENCES + [
    "in 2019 she was well", "between 2018-2020", "a 67-year-old man", "aged 89", "89 yo", "age 45",
    "He is 88 years old.", "BP 120/80", "Apgar 8/9", "take 1/2 tab", "E11.9", "Hodgkin lymphoma", "Down syndrome",
    "HISTORY OF PRESENT ILLNESS:", "INR 2.3 on 5 mg warfarin", "Temp 101.2 F", "Lives in Ohio.", "MS flare",
    "Heart Failure Clinic", "the Emergency Department", "Brief Hospital Course:", "Grace period", "May improve",
    # what the rules added in the development round must leave alone
    "Follow-up in 2 weeks.", "Long-term care.", "St. John's wort 300 mg daily.", "Location: Left heel",
    "Site: Right deltoid", "Transferred to Step Down Unit.", "Followed at Heart Failure Clinic.",
    "Discharged to Skilled Nursing Facility.", "Admitted to Orthopedic Surgery.", "Transport to Radiology for CT.",
    "Fluids 250-1000 mL; range 100-2000.", "Hx of MI: Y", "Multiple Sclerosis (MS) flare.",
    "Registered Nurse (RN) to see.", "To: Cardiology Clinic Pool", "E. coli and S. Aureus grew.",
    "He traveled to Florida in 2019.", "Serial troponins negative x2.", "Philadelphia chromosome positive ALL.",
    "World Health Organization criteria met.", "Patient Health Questionnaire-9 score 11.", "Target INR 2-3.",
    "Sat 94% on RA.", "Lives in Ohio, originally from Mexico.", "Magnetic Resonance Imaging showed no infarct.",
    "Mental Health: stable.", "Coordinator: TBD", "Ref range 135-145 mmol/L.", "a woman in Labor and Delivery",
    "PROSPERO registration number CRD42020180075", "transfer from ATP to the substrate"])
def test_clinical_text_without_phi_survives_unchanged(rules, text):
    assert rules.scrub(text)[0] == text


def test_old_prepare_note_is_scrubbed_as_before(rules):
    # tests/test_prepare.py plants this note in its user corpus and checks these placeholders and kinds.
    note = ("Patient seen by Dr. Alice Smith on 03/14/2021 for follow-up of type 2 diabetes. "
            "Contact alice.smith@example.org or (555) 123-4567. SSN 123-45-6789, MRN: 00123456. "
            "Portal: https://portal.example.org/records/77 has the lab results.")
    text, counts = rules.scrub(note)
    for placeholder in ("[NAME]", "[DATE]", "[EMAIL]", "[PHONE]", "[SSN]", "[MRN]", "[URL]"):
        assert placeholder in text
    for phi in ("Alice", "Smith", "03/14/2021", "alice.smith@example.org", "555", "123-45-6789", "00123456",
                "portal.example.org"):
        assert phi not in text
    assert "type 2 diabetes" in text and "lab results" in text
    assert all(counts[k] >= 1 for k in ("name", "date", "email", "phone", "ssn", "mrn", "url"))


def test_clean_keeps_its_old_names():
    from mediphi.prepare import clean

    assert clean.PHI_KINDS == PHI_KINDS and "name" in clean.PHI_KINDS
    text, counts = clean.deidentify("Dr. Alice Smith, 03/14/2021")
    assert text == "Dr. [NAME], [DATE]" and counts["name"] == counts["date"] == 1


def test_spans_merge_and_count_once():
    text, counts = apply_spans("Mercy Medical Center", [PhiSpan(0, 13, "name"), PhiSpan(0, 20, "facility")])
    assert text == "[FACILITY]" and counts["facility"] == 1 and counts["name"] == 0


def _raw(**kw):
    row = {"source_id": "n1", "title": "", "text": "", "meta": "{}", "problem": "", "record": "", "blank_lines": 0}
    return {**row, **kw}


def test_title_text_and_meta_strings_are_scrubbed():
    from mediphi.prepare.clean import clean_record

    meta = json.dumps({"file": "notes.jsonl", "line": 3, "author": "Dr. Alice Smith",
                       "tags": ["follow-up", "call 617-555-0123"], "nested": {"email": "a.smith@example.org"}})
    row = _raw(title="Visit of John Smith", text="Seen by Dr. Alice Smith on 03/14/2021; doing well on metformin "
               "500 mg.", meta=meta)
    out = clean_record(row, "notes", True, 10, 1000, 0.1, 0.1)
    assert out["status"] == "kept"
    assert "Smith" not in out["title"] + out["text"] + out["meta"]
    assert "617-555-0123" not in out["meta"] and "a.smith@example.org" not in out["meta"]
    meta_out = json.loads(out["meta"])
    assert meta_out["file"] == "notes.jsonl" and meta_out["line"] == 3 and meta_out["author"] == "Dr. [NAME]"
    assert out["phi_name"] >= 3 and out["phi_phone"] == 1 and out["phi_email"] == 1 and out["phi_date"] == 1
    # without de-identification nothing is touched
    raw = clean_record(row, "notes", False, 10, 1000, 0.1, 0.1)
    assert raw["meta"] == meta and "Smith" in raw["text"]


def test_quarantined_records_keep_a_scrubbed_excerpt():
    from mediphi.prepare.clean import QUARANTINE_EXCERPT_CHARS, clean_record

    record = '{"id": "n4", "text": "Mr. John Smith, SSN 123-45-6789, call 617-555-0123 ' + "x " * 3000 + 'Dr. Lee'
    out = clean_record(_raw(problem="malformed_json: notes.jsonl line 4: Unterminated string", record=record),
                       "notes", True, 10, 1000, 0.1, 0.1)
    assert out["status"] == "quarantined" and out["reason"].startswith("malformed_json")
    for phi in ("Smith", "123-45-6789", "617-555-0123"):
        assert phi not in out["record"]
    assert out["record"].startswith('{"id": "n4", "text": "Mr. [NAME], SSN [SSN]')
    assert len(out["record"]) <= QUARANTINE_EXCERPT_CHARS + 10 and out["record"].endswith("[...]")
    # what tests/test_prepare.py checks of its quarantine survives
    short = clean_record(_raw(problem="malformed_json: x", record='{"id": "n04", "text": "unterminated'),
                         "notes", True, 10, 1000, 0.1, 0.1)
    assert '"unterminated' in short["record"]


def test_duplicate_id_quarantine_is_an_excerpt():
    from mediphi.prepare.clean import QUARANTINE_EXCERPT_CHARS
    from mediphi.prepare.dedup import apply_verdict

    row = {"row_uid": "u1", "title": "t", "text": "word " * 2000, "meta": "{}", "record": "", "status": "kept",
           "reason": ""}
    out = apply_verdict(row, {"u1": ("quarantined", "duplicate_id: another record has this id")})
    assert out["status"] == "quarantined" and len(out["record"]) <= QUARANTINE_EXCERPT_CHARS + 10


def test_config_checks_the_deidentifier_name():
    from mediphi.catalog import DEIDENTIFIERS
    from mediphi.config import ConfigError, RunConfig

    assert RunConfig.from_dict({}).prepare.deidentifier == "rules"
    assert RunConfig.from_dict({"prepare": {"deidentifier": "philter_lite"}}).prepare.deidentifier == "philter_lite"
    with pytest.raises(ConfigError, match=r"prepare\.deidentifier: unknown de-identifier 'regex'; known: rules"):
        RunConfig.from_dict({"prepare": {"deidentifier": "regex"}})
    assert set(REGISTRY) == set(DEIDENTIFIERS)  # the registry and the catalog agree both ways


def test_a_missing_optional_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "philter_lite", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)
    get_deidentifier.cache_clear()
    try:
        with pytest.raises(DeidentifierUnavailable, match=r"pip install -e '\.\[deid\]'"):
            get_deidentifier("philter_lite")
        with pytest.raises(DeidentifierUnavailable, match="pip install presidio-analyzer"):
            get_deidentifier("presidio")
        with pytest.raises(KeyError, match="known: rules"):
            get_deidentifier("nope")
    finally:
        get_deidentifier.cache_clear()


def test_evaluation_set_is_deterministic_and_its_spans_hold():
    docs = eval_documents()
    assert [d.text for d in docs] == [d.text for d in eval_documents()]
    planted = [p for d in docs for p in d.phi]
    assert len(planted) >= 300
    for d in docs:
        for p in d.phi:
            assert d.text[p.start:p.end] == p.value and p.kind in PHI_KINDS
    kinds = {k: sum(p.kind == k for p in planted) for k in PHI_KINDS if k != "other"}
    assert min(kinds.values()) >= 20, kinds
    assert sum(not d.phi for d in docs) >= 20  # clean notes, for over-scrubbing
    assert {d.genre for d in docs} >= {"discharge_summary", "radiology_report", "progress_note", "portal_message",
                                       "referral_letter"}


def test_scoring_counts_partial_catches_as_misses():
    doc = eval_documents()[0]
    p = doc.phi[0]
    whole, _ = score_document(doc, [PhiSpan(p.start, p.end, p.kind)])
    half, _ = score_document(doc, [PhiSpan(p.start, p.start + 1, p.kind)])
    assert (p.kind, p.value) not in whole.missed and (p.kind, p.value) in half.missed
    _, tally = score_document(doc, [PhiSpan(0, 9, "name")])  # "DISCHARGE": not PHI
    assert tally["predicted"]["name"] == 1 and tally["correct"]["name"] == 0


def test_rules_reach_the_goals_on_the_evaluation_set(rules):
    r = evaluate(rules)
    assert r["recall"] >= 0.98 and r["precision"] >= 0.90, (r["recall"], r["precision"])
    for kind, s in r["per_kind"].items():
        # facility: names without Hospital, Clinic ... in them ("Hopkins Bayview") are beyond rules;
        # the set plants two such on purpose.
        assert s["recall"] is None or s["recall"] >= (0.90 if kind == "facility" else 0.95), (kind, s)
    assert r["changed_clean_docs"] == 0


def test_long_adversarial_runs_are_scrubbed(rules):
    # Linear-time patterns: these runs used to be the slow cases of careless regexes. (No time limit
    # here; benchmarks/deid.py times a 1 MB line.)
    for unit in ("a", "1", ".", "@", "a.", "1.", "a@", "Aa ", "1 ", "Dr. ", "John Smith ", "transferred to Aa ",
                 "Location: Aa ", "Serial SN ", "1 Calle de ", "Aa Health ", "1 Main St, Aa ", "Last: AA First: BB "):
        text = unit * (20_000 // len(unit))
        assert len(rules.scrub(text)[0]) > 0


def test_ids_with_an_identifier_become_pseudonyms_and_reasons_are_scrubbed():
    from mediphi.prepare.clean import clean_record, pseudonymize_id
    from mediphi.prepare.deid import get_deidentifier

    deid = get_deidentifier("rules")
    for plain in ("n01", "notes.jsonl:12", "pages.parquet:ab12cd34ef567890", "note-12", "A00.0", "399922"):
        assert pseudonymize_id(plain, deid, "text")[0] == plain  # ids without PHI still lead to the source
    text = "Seen today for follow-up; doing well on metformin 500 mg."
    for phi_id in ("john_smith_1950-03-04.txt:3", "jsmith@example.org", "Smith, John",
                   "notes/patient-555-12-3456.txt"):
        out = clean_record(_raw(source_id=phi_id, text=text), "notes", True, 10, 1000, 0.1, 0.1)
        assert out["source_id"].startswith("phi-") and out["doc_id"] == f"notes:{out['source_id']}"
        assert sum(out[k] for k in out if k.startswith("phi_")) >= 1  # counted with the record's PHI
        # stable run after run, and tied to the content: another record with the same id differs
        again = clean_record(_raw(source_id=phi_id, text=text), "notes", True, 10, 1000, 0.1, 0.1)
        other = clean_record(_raw(source_id=phi_id, text=text + " Stable."), "notes", True, 10, 1000, 0.1, 0.1)
        assert again["doc_id"] == out["doc_id"] != other["doc_id"]
    # without de-identification the id is the source's
    assert clean_record(_raw(source_id="Smith, John", text=text), "notes", False, 10, 1000, 0.1, 0.1)[
        "source_id"] == "Smith, John"

    bad = clean_record(_raw(source_id="john_smith_1950-03-04.txt", problem="undecodable: john_smith_1950-03-04.txt "
                            "line 3 (Mr. John Smith, DOB 03/04/1950): not UTF-8", record="\ufffd"),
                       "notes", True, 10, 1000, 0.1, 0.1)
    assert bad["status"] == "quarantined" and bad["reason"].startswith("undecodable: ")
    assert "Smith" not in bad["reason"] and "03/04/1950" not in bad["reason"] and bad["source_id"].startswith("phi-")


def test_heldout_development_set_is_well_formed_and_scored_as_measured():
    """The hand-written notes of heldout.py, held out until the second tuning round (recall 0.855,
    precision 0.992 with the rules frozen) and a development set since: every planted span is its
    value, of a Safe Harbor kind; the rules' score on it after that round (recall 1.000, precision
    1.000) is kept from falling below a floor. It no longer estimates recall on unseen notes."""
    from mediphi.prepare.deid import get_deidentifier
    from mediphi.prepare.deid.evaluate import evaluate
    from mediphi.prepare.deid.heldout import heldout_documents

    docs = heldout_documents()
    assert sum(len(d.phi) for d in docs) == 145 and sum(not d.phi for d in docs) == 4
    for d in docs:
        assert "{" not in d.text and "|" not in d.text  # no markup left
        for p in d.phi:
            assert d.text[p.start:p.end] == p.value and p.kind in PHI_KINDS
    scores = evaluate(get_deidentifier("rules"), docs)
    assert scores["recall"] >= 0.98 and scores["precision"] >= 0.98 and scores["changed_clean_docs"] == 0, (
        scores["recall"], scores["precision"], scores["missed"], scores["false_spans"])


def test_dev2_development_set_is_well_formed_and_scored_as_measured():
    """The hand-written notes of dev2.py (recall 0.745, precision 0.989 with the rules untuned against
    them; recall 0.970, precision 0.998 after): every planted span is its value, of a Safe Harbor
    kind, no markup is left, the set keeps its size, and the rules' score on it is kept from falling
    below a floor."""
    import re

    from mediphi.prepare.deid.dev2 import dev2_documents

    docs = dev2_documents()
    assert len(docs) >= 50 and sum(len(d.phi) for d in docs) == 564 and sum(not d.phi for d in docs) == 12
    assert len({d.genre for d in docs}) == len(docs)  # one genre a note
    for d in docs:
        assert "{" not in d.text and "}" not in d.text and not re.search(r"\w\|[^|\n]*\}", d.text)
        for p in d.phi:
            assert d.text[p.start:p.end] == p.value and p.kind in PHI_KINDS and p.value == p.value.strip()
    scores = evaluate(get_deidentifier("rules"), docs)
    assert scores["recall"] >= 0.965 and scores["precision"] >= 0.98 and scores["changed_clean_docs"] == 0, (
        scores["recall"], scores["precision"], scores["missed"], scores["false_spans"])
    for kind, s in scores["per_kind"].items():
        assert s["recall"] is None or s["recall"] >= 0.94, (kind, s)


def test_exports_tables_and_spread_out_ocr_are_read(rules):
    hl7 = "PID|1||AB12345^^^HOSP^MR||DOE^JANE^Q||19500101|F|||1 ELM ST^^SALEM^OR^97301||(503)555-0100"
    csv = "mrn,last_name,dob,city,dx_code\n123456,Okafor,1950-01-01,Salem,I10"
    ocr = "S S N :  1 2 3 - 4 5 - 6 7 8 9\nZ i p :  9 7 3 0 1"
    for text, gone in ((hl7, ("AB12345", "DOE", "JANE", "19500101", "ELM", "SALEM", "97301", "0100")),
                       (csv, ("123456", "Okafor", "1950-01-01", "Salem")), (ocr, ("6 7 8 9", "9 7 3 0 1"))):
        scrubbed = rules.scrub(text)[0]
        assert not any(g in scrubbed for g in gone), scrubbed
    assert "I10" in rules.scrub(csv)[0] and "|F|" in rules.scrub(hl7)[0]
    for clean in ("Seen in Parkinson clinic for tremor.", "Placed 16 Fr. Foley catheter.", "Called EMS at 14:00.",
                  "name,dose,route\nLisinopril,10 mg,PO", "Traveled to Mexico in 2018 without illness."):
        assert rules.scrub(clean)[0] == clean


def test_word_alternations_are_tries_that_prefer_the_longest_word():
    from mediphi.prepare.deid.rules import _alt

    import re
    words = ["Medical", "Medical Center", "Med", "St.", "St", "Saint", "a+b"]
    pattern = re.compile(_alt(words))
    for w in words:
        assert pattern.fullmatch(w), w
    assert pattern.match("Medical Center East").group() == "Medical Center"
    assert pattern.match("Medicine").group() == "Med" and not pattern.fullmatch("Medica")


def test_a_town_or_facility_found_once_is_scrubbed_everywhere(rules):
    text = ("Retired welder from Bemidji, admitted via the St. Cloud's ED. Home: 4 Birch Ln, Bemidji, MN 56601. "
            "Back to St. Cloud's in 2 weeks.")
    scrubbed, counts = rules.scrub(text)
    assert "Bemidji" not in scrubbed and "Cloud" not in scrubbed, scrubbed
    assert counts["location"] >= 2 and counts["facility"] >= 2


# General forms added in the round that used blind.py as a development set; none of these texts is
# taken from it. Each (text, values): every value must be gone from the scrubbed text.
GENERAL_FORMS = [
    # dates: a cue word before a line break, a test named after "recheck", a time after a month/day,
    # a service and its date in parentheses, a day of the month alone, more words that say date
    ("INR check on\n9/17 with the anticoagulation nurse.", ["9/17"]),
    ("Plan: recheck BMP 10/3.", ["10/3"]),
    ("5/14 06:30 found on the floor by staff.", ["5/14"]),
    ("Diet advanced (ST 10/19).", ["10/19"]),
    ("She stopped the pill on the 9th because of nausea.", ["9th"]),
    ("PICC removed 4/22, site clean.", ["4/22"]),
    # ages in words set off by commas
    ("Resident Walter Pryce, ninety-one, lives alone.", ["ninety-one"]),
    # SSN digits in parentheses
    ("Identity confirmed with last four of SSN (0193).", ["0193"]),
    # record numbers: structured codes, letters with seven digits or more, a weak label without "#",
    # and every other mention of a number found
    ("Crash report TX-22-448190 filed by EMS.", ["TX-22-448190"]),
    ("Medi-Cal BIC 90021175B copied.", ["90021175B"]),
    ("Pharmacy benefit group 00912774 active.", ["00912774"]),
    ("MRN: QX-40012\nSpecimen labeled QX-40012 received.", ["QX-40012"]),
    # rural routes and more unit words
    ("Mailing: HC 64 Box 2210, then the farm road.", ["HC 64 Box 2210"]),
    ("Home: 4410 W Desert Rd, Space 22, Kingman, AZ 86401", ["4410 W Desert Rd, Space 22", "Kingman", "86401"]),
    # towns: a first word such as New or West, hyphenated with a lowercase word, a ZIP on the next line,
    # after a relative and a name, after "called from", "drive him from"
    ("Home: 19 Lake Rd, New Paltz, NY 12561", ["New Paltz", "12561"]),
    ("Address: 8 River St, Hastings-on-Hudson, NY 10706", ["Hastings-on-Hudson"]),
    ("Lives at 100 Main St, Saratoga Springs, NY\n12866 with her son.", ["12866"]),
    ("Her nephew Amadou Diallo in Tonopah visits weekly.", ["Tonopah", "Amadou Diallo"]),
    ("His wife called from Kingman this morning.", ["Kingman"]),
    ("Son will drive him from Ukiah tomorrow.", ["Ukiah"]),
    # facilities: saints in capitals, after a credential, after a heading's dash, "& Spine",
    # more keywords (Pavilion, Apothecary, Geriatrics, Dentistry), "X Pavilion at Y Memorial"
    ("IMAGING REPORT - ST. ANSELM GENERAL HOSPITAL", ["ST. ANSELM GENERAL HOSPITAL"]),
    ("Seen by Lena Marsh, MD (Harbor Point Pediatrics).", ["Harbor Point Pediatrics"]),
    ("ADMISSION NOTE - Cold Spring Behavioral Health", ["Cold Spring Behavioral Health"]),
    ("Referred to Granite Peak Orthopedics & Spine for injection.",
     ["Granite Peak Orthopedics & Spine"]),
    ("One admission to Hartwell Psychiatric Pavilion in 2019.", ["Hartwell Psychiatric Pavilion"]),
    ("Preferred: Pine Knoll Apothecary, 12 Main St", ["Pine Knoll Apothecary"]),
    ("CLIENT: BIRCH HOLLOW GERIATRICS", ["BIRCH HOLLOW GERIATRICS"]),
    ("Dental home: Bright Tooth Family Dentistry", ["Bright Tooth Family Dentistry"]),
    ("TRIAGE NOTE - Birth Pavilion at Greystone Memorial", ["Birth Pavilion at Greystone Memorial"]),
    # names: a quoted nickname, a label before a quote, Jr after a name, an initial before a surname in
    # capitals, plural relations joined by "and", a role in lowercase, a role in parentheses, "visit
    # with", "pt" and a surname, a name before "(DOB", "son is", tables with ";" or a particle
    ('Patient: Josefina "Fina" Castillo-Brandt', ['Josefina "Fina" Castillo-Brandt']),
    ('Preferred name: "Bitsy"', ["Bitsy"]),
    ("Patient: DUARTE, RAMON JR     MRN: 55123", ["DUARTE, RAMON JR"]),
    ("Report to K. PELLETIER, RN at 0300.", ["K. PELLETIER"]),
    ("Her daughters Sunniva and Ragnhild Aasen visited.", ["Sunniva", "Ragnhild Aasen"]),
    ("Deputy on scene; officer T. Brannigan requested the report.", ["T. Brannigan"]),
    ("Tavita Faleolo (charge nurse): bed 3 ready.", ["Tavita Faleolo"]),
    ("Video visit with Kealoha Makoa, 70, at home.", ["Kealoha Makoa"]),
    ("bed 2 pt Szczepanski is asking for water", ["Szczepanski"]),
    ("Referral for Quist, Tobiah (DOB 4/4/1970)", ["Quist, Tobiah"]),
    ("His son is Torvald.", ["Torvald"]),
    ("Reviewed results with Oluwaseun Adeyemi by phone.", ["Oluwaseun Adeyemi"]),
    ("MRN;NAME;CITY;ZIP\nQ8812034;PRYOR, ANSEL;Kingman;86401", ["Q8812034", "PRYOR", "ANSEL", "Kingman", "86401"]),
    ("mrn,last_name,first_name\n5523411,de Souza,Marta", ["de Souza", "Marta"]),
]


@pytest.mark.parametrize("text,values", GENERAL_FORMS)
def test_general_forms_of_the_blind_round_are_caught(rules, text, values):
    scrubbed = rules.scrub(text)[0]
    left = re.findall(r"\w+", scrubbed)
    for value in values:
        assert value not in scrubbed and not any(w in left for w in re.findall(r"\w+", value)), (value, scrubbed)


@pytest.mark.parametrize("text", [
    "Chaplain Rev. visited.", "CC: DIZZINESS X 3 DAYS", "Kelly clamp and Mayo scissors were used.",
    "Referral Coordinator to call.", "Patient Message: refill request", "Lang: Spanish",
    "Carrier: Blue Sky Health", "Medicaid (Sunflower Health) covers it.", "High-grade lesion (CIN 2/3) on biopsy.",
    "Strength (MRC 4/5) in the left arm.", "Carcinoma in 11/14 cores.", "from the 1st to the 10th day",
    "Her room is on the 2nd floor.", "MK-3475 and BMS-936558 were compared.", "Registered as NCT01234567.",
    "Non-steroidal Anti-Inflammatory Drugs (NSAIDs) were related.", "peripheral blood mononuclear cells (PBMC)",
    "Born in New Zealand, moved in 2009.", "LOINC 2345-7; NDC 0002-1433-80", "Gave 1/2 NS at 100 mL/h.",
    "Pseudomonas grew in 2 of 3 cultures.", "Pain 8/10 13:00, improved after dose.",
    "FINANCIAL COUNSELING NOTE", "NOTIFIABLE DISEASE REPORT - County Department of Public Health"])
def test_clean_text_survives_the_forms_of_the_blind_round(rules, text):
    assert rules.scrub(text)[0] == text


# General forms added in the round that used blind2.py as a development set; none of these texts is
# taken from it. Each (text, value, kind): a span of that kind covers the value.
BLIND2_ROUND_FORMS = [
    # record numbers in parentheses after a name ("Surname, Given (number)", "Given Surname (ID, DOB ...)")
    ("9/14   Lindqvist, Oskar (5520931)     renal dosing", "5520931", "mrn"),
    ("9/14   Lindqvist, Oskar (5520931)     renal dosing", "Lindqvist, Oskar", "name"),
    ("Admitting Tobiah Wexley (QR-7730215, DOB 2/2/1960) for observation.", "QR-7730215", "mrn"),
    ("Admitting Tobiah Wexley (QR-7730215, DOB 2/2/1960) for observation.", "Tobiah Wexley", "name"),
    # an age in parentheses after a name or a relation; after "died at"; "was ninety-..."; a line break
    # before "years old"; a parenthesized unit after the age label; a number set off after a name
    ("Patient: Odalys Brightwater (97)     Referred by her PCP", "97", "age"),
    ("my dad (93) is confused tonight", "93", "age"),
    ("Paternal uncle died at 92, cause unknown.", "92", "age"),
    ("Her aunt passed last spring; she was ninety-six.", "ninety-six", "age"),
    ("My father, who is 91\nyears old, lives with us.", "91", "age"),
    ("Age (yrs): 98", "98", "age"),
    ("Household: grandmother Imelda Vance, 94. Works nights.", "94", "age"),
    # phones: E.164 without separators, a callback cue, an extension after a comma, X for extension
    ("2024-05-01 10:00:00, +13125550177, REMINDER", "+13125550177", "phone"),
    ("left vm, cb 6175550199. -rn", "6175550199", "phone"),
    ("reach him at (312) 555-0144, extension 2210 after 5", "(312) 555-0144, extension 2210", "phone"),
    ("Work: (415)555-0109X33", "(415)555-0109X33", "phone"),
    # ids: IMEI of a modem, a letter prefix and seven digits, a strong label with the value in parentheses
    ("Modem IMEI 490154203237518 uploading nightly.", "490154203237518", "id"),
    ("Account flagged: ZT-55120943 (duplicate).", "ZT-55120943", "id"),
    ("Awaiting prior auth (QA-23-1108-4471).", "QA-23-1108-4471", "id"),
    ("Pump GX4400-5512098 alarming.", "GX4400-5512098", "id"),
    # dates: a fill or a dose before a month/day, a test and its month/day before a colon, a leader
    ("- lisinopril 10 mg daily, last fill 4/18", "4/18", "date"),
    ("Tdap given 6/21 in clinic.", "6/21", "date"),
    ("BMP 11/30: K 5.1, Cr 1.4", "11/30", "date"),
    ("Birth date ......... 19420817", "19420817", "date"),
    # HL7 shown field per line by a viewer
    ("PID-5   Patient name ........ OKONKWO^ADAEZE^N", "OKONKWO", "name"),
    ("PID-11  Address ............. 9 HILL RD^^LANAI CITY^HI^96763^USA", "LANAI CITY", "location"),
    ("PV1-7   Attending doctor .... 1093847561^PRATT^LEONORA^^^^MD", "LEONORA", "name"),
    # names: particles in a row, an apostrophe before lowercase letters, more labels, hyphenated given names,
    # lower-case names after a title or a relation, a sign-off's initials, a census's "SURNAME, I"
    ("Patient name: Ortiz de la Vega, Mateo Luis", "Ortiz de la Vega", "name"),
    ("Employee: Ta'alolo, Sefa     DOB: 1/1/1980", "Ta'alolo, Sefa", "name"),
    ("Claimant: Arbuckle Ferreira, Lidia     SSN: 123-45-6789", "Arbuckle Ferreira, Lidia", "name"),
    ("Handled by Mary-Claire Dunphy, billing office.", "Mary-Claire Dunphy", "name"),
    ("spoke w/ dr halvorsen re: refill", "halvorsen", "name"),
    ("dtr susan will pick up the rx", "susan", "name"),
    ("no answer, left msg. -bq\n", "bq", "name"),
    ("712B  QUARSHIE, L      MC  CHF", "QUARSHIE, L", "name"),
    # places: travel from a town, died or born in a town, a town before its ZIP, "our ... office"
    ("Her son is flying in from Kumasi on Sunday.", "Kumasi", "location"),
    ("Grandfather died in Smyrna at 80.", "Smyrna", "location"),
    ("I'm staying at 12 Oak Ct, in Pine Bluff, 71601.", "Pine Bluff", "location"),
    ("Your visit is at our Ukiah office.", "Ukiah", "location"),
    # facilities: transplant institute, behavioral unit, a direction after the keyword, "del" in the name
    ("Listed at Lakeshore Transplant Institute since 2022.", "Lakeshore Transplant Institute", "facility"),
    ("Brought to High Desert Behavioral Unit by deputies.", "High Desert Behavioral Unit", "facility"),
    ("Hospitalist service, Summit Hospital West", "Summit Hospital West", "facility"),
    ("Your clinic: Rio del Norte Family Medicine, 505 555 0100.", "Rio del Norte Family Medicine", "facility"),
]


@pytest.mark.parametrize("text,value,kind", BLIND2_ROUND_FORMS)
def test_general_forms_of_the_blind2_round_are_caught(rules, text, value, kind):
    start = text.index(value)
    end = start + len(value)
    spans = [s for s in rules.find(text) if s.kind == kind]
    covered = {i for s in spans for i in range(s.start, s.end)}
    assert all(i in covered for i in range(start, end) if text[i].isalnum()), (value, kind, rules.find(text))


@pytest.mark.parametrize("text", [
    "Snellen VA cc 20/40 OD; near vision tested with Lea symbols.",
    "Follow up on Thu with labs; wound check Fri.",
    "SAFETY EVENT REPORT - fall without injury. Event reviewed with the charge nurse.",
    "reduce dose 1/2 tab if dizzy",
    "Platelets 95, HR 92, temp 37.1.",
])
def test_clean_text_survives_the_forms_of_the_blind2_round(rules, text):
    assert rules.find(text) == [], rules.find(text)


def test_record_numbers_of_the_blind2_round(rules):
    text = "412B  ODUYA, PERPETUA      07-418-225   MC\nSearched, then opened Maria Chen\n(K5510294) by mistake."
    kinds = {text[s.start:s.end]: s.kind for s in rules.find(text)}
    assert kinds.get("07-418-225") == "mrn" and kinds.get("K5510294") == "mrn", kinds
    assert [s.kind for s in rules.find("Sister died at 93.") if s.kind == "age"], rules.find("Sister died at 93.")


def test_a_weak_facility_after_a_doctors_name(rules):
    text = "Follow-up: Dr. Ines Marlow, Cedar Hollow Pediatrics, in two weeks."
    assert any(s.kind == "facility" and text[s.start:s.end] == "Cedar Hollow Pediatrics" for s in rules.find(text)), \
        rules.find(text)
