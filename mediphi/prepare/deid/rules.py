"""The built-in de-identifier: regular expressions and word lists, no model, no dependency.

What it scrubs (kind: what, with the decisions that are not obvious):
  name      after a title (Dr. Smith, Nurse Okeke), before a credential (Jane Doe, MD; R. Mbatha (MLS)),
            after a label (Patient:, Name:, Attending:, From:, Signed:, Dear, Thanks,), after a relation
            (her daughter Maria), before "is a 67-year-old"; an initial and a surname after "by", "per",
            "from" (by J. Castellanos); a middle initial on a form (First: AIKO  MI: T); first names from
            the Census list with the capitalized words after them (John Smith, JOHN SMITH, Smith, John);
            a run of names before an age and sex ("Pt Ana Ruiz Soto, 58M"); initials after "initials:";
            a quoted nickname inside a name (Robert "Bobby" Lee); "Jr."/"Sr." after it; an initial and a
            surname in capitals before a credential (T. OKAFOR, RN); relatives joined by "and"
            (daughters Ana and Luz Pena); a lowercase role before an initial and surname (trooper K. Lund);
            a name before "(daughter)", "(hospitalist)", "(DOB" or "MRN";
            and every later mention of a name found so. Accented letters count (Wiśniewski), and so do
            lowercase tails (Hyun-woo; not Follow-up). Titles and credentials stay: "Dr. [NAME]".
            Eponyms ("Parkinson disease", "Marcus Gunn pupil", "St. John's wort") stay.
  date      every element of a date but a year alone: 03/04/2021, 3/4/21, 2021-03-04, 03.04.2021,
            March 4, 2021, Mar. 4th, 4 Mar 2021, 04-MAR-2021, 4th of March 2021, March 2021, 03/2021,
            "on 3/4", "Mon 5/6" (a month/day needs a word such as on, since, until, collected or a
            weekday before it: 1/2 tablet and BP 120/80 stay), 20230719 after a date label. "in 2019"
            and "2018-2020" stay; a month name alone stays too ("in May"). Also a month/day before a time
            of day (not after a score: "Pain 8/10 13:00" stays), after "recheck/repeat" and a test name
            ("recheck BMP 10/3"), in "(ABBR 4/17)" when the day is over 12 and ABBR is no scale, and
            "on/since/until the 9th" (not "the 2nd floor").
  age       the number of an age over 89: "92-year-old", "age 93", "Age: 96Y", "aged 95", "91 yo",
            "ninety-two years old", "age ninety-four", "in her 90s", "her 95th birthday", "Mrs. Ames (99)",
            an age in words set off by commas after a name ("Ms. Ruiz, ninety-one, ...").
            Ages up to 89 stay.
  phone     North American numbers in every punctuation, with extensions; +country numbers; numbers
            after a label (Tel, Fax, Pager, Cell ...); seven digits (555-0183) in parentheses or after a
            word such as call, cell, at (a range such as 250-1000 mL stays).
  email, url (schemes, www., bare domains with a known top-level domain), ip (v4 and v6).
  ssn       ddd-dd-dddd with -, space or . (or none after an SSN label); "SSN last 4: 6610".
  mrn, id   values after their labels (MRN, Medical record no., Patient ID / Account, Member ID,
            Policy, Encounter, CSN, Claim, Accession, License, DEA, NPI, Serial, VIN, Passport, MyChart,
            portal, session, requisition, incident, transmitter ...; "number is" between; "MRN at MGH
            6681204"; "ID 108834572WA" with four digits or more; plates after a state code, "plate CT
            7HK-R42"): the label stays, "MRN: [MRN]". Device serial and lot
            numbers (serial SN 4471-AXB-2290, lot LOT 88Q12C) and GS1 device identifiers ((01)...) are
            "id" too, the kind base.PHI_KINDS gives device numbers. Without a label: structured codes of
            a letter prefix and three or more parts ending in digits (TX-22-448190), a letter prefix and
            8+ digits, 7+ digits and a letter suffix, a weak label and 5+ digits ("group 0048813"), and
            every other mention of a number found. Study, trial, grant and registry numbers stay.
  address   number + street + type (+ unit), streets whose type comes first (1209 Calle de la Paz),
            routes (55 County Road 12), rural and star routes (RR 2 Box 118, HC 64 Box 2210), units alone
            (Apt 4B, Suite 210, Space 12, PMB 310), PO boxes.
  location  a city before a state (Boston, MA / Boston, Massachusetts), a place after "lives in",
            "moved from", "a woman from", "City:" ... (not a state or country), the town after a street
            address or a facility (12 Elm St, Marblehead.), a city of data/us_cities.txt after in,
            from, near ... or after a comma ending a clause, counties, "lives with his wife in Forest Park",
            a town's police or EMS ("Oakland PD"); then every other mention of a town found. States stay (Safe
            Harbor allows them).
  zip       after a state or a ZIP label, or after an address or its town.
  facility  capitalized words ending in Hospital, Medical Center, Clinic, Nursing Home ... (not a
            service: "Heart Failure Clinic" stays); ending in Imaging, Pharmacy, Health, Medical,
            Rehab ... only after a word that leads to a place (at, to, from), a label or a line
            start, and not inside a longer name ("World Health Organization"); St. Luke's; a run of
            capitalized words after a label (Facility:, Sending:, Location:, Pharmacy:) or a cue
            (transferred from, seen at, admitted to), unless only services, wards or body parts; a
            short list of systems, labs and pharmacies known without them (Walgreens #10482); the town
            after it; "Mercy West", "St. Agnes" after a place word or before a hospital area, names
            before "emergency department", before a facility said in lowercase ("Brookdale Pleasant
            Prairie assisted living"), "at The Miriam", initials such as BIDMC or MGH after a place word, a
            system and its city ("Kaiser Vallejo"); keywords in capitals too; and every other mention of a
            facility found, in any case, with or without its keyword ("MERCY WEST HOSPITAL ... Mercy West").
  exports   HL7 v2 segments (PID, PV1, NK1, GT1, IN1, ORC, OBR, OBX, MSH ...): their PHI fields by number;
            tables (CSV, tab-separated, columns aligned with spaces) whose header names PHI columns: the
            cells of those columns that have the shape of their kind. Text OCR'd with its letters spread
            out ("S S N :  3 1 2 - 4 4 - 9 0 1 7") is read again closed up, its spans mapped back.

Every pattern runs in linear time: no nested unbounded quantifiers, every repeated group bounded,
and unbounded character runs guarded by a lookbehind so a long run is entered once, not at every
character: one 1 MB line of such runs takes a few seconds (benchmarks/deid.py), not hours.
"""
from __future__ import annotations

import ipaddress
import itertools
from bisect import bisect_left
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from mediphi.prepare.deid import lexicon as lx
from mediphi.prepare.deid.base import Deidentifier, PhiSpan


def _alt(words) -> str:
    """A regex alternation of literal words, longest first (so "Medical Center" beats "Medical").

    Written as a trie ("Medical(?:\\ Center)?"): the engine tries an alternation's branches one by one at
    each position, so a flat list of 500 label forms costs 500 tries there; the trie costs one a letter.
    Each optional tail is greedy, so the longest word still wins, as in a list sorted longest first."""
    trie: dict = {}
    for w in set(words):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return "(?:" + _trie_regex(trie) + ")"


def _trie_regex(node: dict) -> str:
    ends = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        child = node[ch]
        rest = _trie_regex(child)
        branches.append(re.escape(ch) + rest)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
    return body


def _ci(words) -> str:
    """The words as notes write them (lower, Capitalized, Title, UPPER) instead of (?i:...): a pattern
    that starts with plain letters lets the regex engine skip every position that cannot start it,
    where (?i:) or a leading \\b makes it try them all. Rules built on it set word_start."""
    forms = set()
    for w in words:
        forms |= {w, w.lower(), w.upper(), w.title(), w[:1].upper() + w[1:], w.lower().capitalize()}
    return _alt(forms)


# ----------------------------------------------------------------------------- building blocks
_MONTH_FULL = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
MONTH = _alt([m for w in _MONTH_FULL + _MONTH_ABBR for m in (w, w.upper())]) + r"(?![a-zA-Z])\.?"
DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
YEAR4 = r"(?:1[89]\d\d|20\d\d)"
# One word of a name: Smith, O'Brien, McDonald, DeShawn, Smith-Jones, Hyun-woo; SMITH, O'BRIEN; initials.
# Letters of names written in Latin script, accents included (Wiśniewski, Núñez, Øster, Łukasz).
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİĶĹĽŁŃŇŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽ"
_LO = "a-zß-öø-ÿāăąćčďđēėęěğīįıķĺľłńňőœŕřśşšţťūůűųźżž"
_W = (rf"[{_UP}](?:[{_LO}]{{0,20}}['’][{_UP}]|[{_LO}]{{1,20}}['’](?=[{_LO}]{{2}}))?[{_LO}]+(?:[{_UP}][{_LO}]+)?"
      rf"(?:-[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)?|-[{_LO}]{{2,12}})?")
# Places and eponyms take no lowercase tail ("Rh-positive" is no town).
_WP = rf"[{_UP}](?:[{_LO}]{{0,20}}['’][{_UP}])?[{_LO}]+(?:[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)?)?"
_U = rf"[{_UP}](?:['’][{_UP}])?[{_UP}]+(?:-[{_UP}]{{2,}})?"
_INITIAL = r"[A-Z]\.?(?![\w'’])"
_PARTICLE = (r"(?:de|del|della|da|di|du|van|von|der|den|la|le|dos|das|bin|ibn|al|el|ter|ten|y)"
             r"(?=[ \t]+(?:[A-Z]|(?:la|las|los|le|der|den|del)[ \t]+[A-Z]))")
_NAME_TOKEN = rf"(?:{_W}(?!\w)|{_U}(?!\w)|{_INITIAL}|{_PARTICLE})"
_TOKEN_RE = re.compile(rf"{_W}|{_U}|[A-Z]\.?|{_PARTICLE}|,")
# A run of up to five name-shaped words; a comma may follow the first ("Smith, John").
_RUN = rf"{_NAME_TOKEN}(?:,[ \t]?{_NAME_TOKEN})?(?:[ \t]{{1,2}}{_NAME_TOKEN}){{0,4}}"
_NO_WORD_BEFORE = r"(?<![\w'’.@/-])"


@dataclass(frozen=True)
class Rule:
    """One pattern: PHI is group `group` of each match; `check` may reject a match or move its end."""

    kind: str
    pattern: re.Pattern[str]
    group: str | int = 0
    check: Callable[[re.Match[str], str], int | None] | None = None
    word_start: bool = False  # the match must not start inside a word (patterns built on _ci)

    def spans(self, text: str) -> Iterator[PhiSpan]:
        for m in self.pattern.finditer(text):
            if self.word_start and m.start() and _in_word(text[m.start() - 1]):
                continue
            start, end = m.span(self.group)
            if start < 0:
                continue
            if self.check is not None:
                checked = self.check(m, text)
                if checked is None:
                    continue
                end = checked
            if end > start:
                yield PhiSpan(start, end, self.kind)


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "_'’-"


def _rule(kind: str, pattern: str, group: str | int = 0, flags: int = 0,
          check: Callable[[re.Match[str], str], int | None] | None = None, word_start: bool = False) -> Rule:
    return Rule(kind, re.compile(pattern, flags), group, check, word_start)


# ----------------------------------------------------------------------------- dates, ages
def _numeric_date(m: re.Match[str], text: str) -> int | None:
    a, b = int(m["a"]), int(m["b"])
    return m.end() if (a <= 12 and b <= 31) or (b <= 12 and a <= 31) else None


_DATE_CONTEXT = ("on", "since", "from", "until", "till", "through", "thru", "by", "dated", "date", "after",
                 "before", "starting", "started", "effective", "last", "next", "admitted", "discharged", "seen",
                 "visit", "surgery", "due", "between", "and", "collected", "received", "resulted", "reported",
                 "signed", "sent", "called", "onset", "arrival", "arrived", "injury", "scheduled", "appt",
                 "appointment", "f/u", "rtc", "return", "returned", "exp", "expires", "expiration", "born", "died",
                 "deceased", "delivered", "DOS", "DOB", "drawn", "performed", "obtained", "week of", "wk of",
                 "as of", "LMP", "EDD", "EDC", "DOD", "DOI", "visited", "updated", "placed", "removed", "inserted",
                 "changed", "stopped", "held", "done", "completed", "checked", "rechecked", "repeated", "ordered",
                 "faxed", "mailed", "notified", "contacted", "discussed", "reviewed", "dictated", "discontinued",
                 "d/c'd", "dc'd", "canceled", "cancelled", "rescheduled", "postponed", "expected", "planned",
                 "fill", "fills", "filled", "refill", "refilled", "dispensed", "given", "administered",
                 "last dose")
_RECHECK = ("recheck", "re-check", "repeat", "redraw", "re-draw", "draw", "check", "next", "due", "f/u", "follow-up",
            "follow up", "labs", "scheduled")
# Scales and scores written as a fraction ("MRC 4/5", "MoCA 11/30"): no date after them.
_SCORE_WORDS = ("MRC", "MMSE", "MoCA", "MOCA", "SLUMS", "PHQ", "GAD", "BIMS", "GCS", "NIHSS", "Apgar", "APGAR",
                "RASS", "CAM", "CPOT", "FLACC", "VAS", "NRS", "ASA", "NYHA", "ECOG", "KPS", "TIMI", "Braden", "Morse",
                "EPDS", "AUDIT", "Pain", "pain", "Strength", "Power", "Score", "score", "Grade", "Motor", "EF")
_SCORE_BEFORE = re.compile(r"(?<![\w-])" + _alt(_SCORE_WORDS) + r"[ \t:=-]*(?:\d[ \t]*)?[ \t:=]*$")
# A weekday before a month/day makes it a date ("Mon 5/6", "Tuesday, 3/12"); capitalized only: "sat" is
# a saturation.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mon", "Tue", "Tues",
             "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun")
DATE_RULES = (
    # 3/4/2021, 03-04-21 (the same separator twice; month and day in either order)
    _rule("date", r"(?<![\w/.-])(?P<a>\d{1,2})([/-])(?P<b>\d{1,2})\2(?:" + YEAR4 + r"|\d{2})(?![\w/]|-\d|\.\d)",
          check=_numeric_date),
    # 03.04.2021, 03.04.21
    _rule("date", r"(?<![\w/.-])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?:" + YEAR4 + r"|\d{2})(?![\w/]|[.-]\d)",
          check=_numeric_date),
    # 2021-03-04, 2021/03/04, 2021.03.04 (a time may follow: 2021-03-04T10:22)
    _rule("date", r"(?<![\w/.-])" + YEAR4 + r"([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?![\d/]|[.-]\d)"),
    # March 4, 2021 / Mar. 4th / March 4-6, 2021 / Mar 4 '21
    _rule("date", MONTH + r"[ \t]{0,2}" + DAY + r"(?:[ \t]*[-–][ \t]*" + DAY + r")?(?:,?[ \t]{1,2}(?:" + YEAR4 +
          r"|'\d{2}))?(?![\d:])"),
    # March 2021, Mar. of 2021
    _rule("date", MONTH + r",?[ \t]{1,2}(?:of[ \t]+)?" + YEAR4 + r"(?!\d)"),
    # 4 Mar 2021, 04-MAR-2021, 4th of March, 4Mar21
    _rule("date", r"(?<![\w.])" + DAY + r"(?:[ \t]+of)?[ \t-]{0,2}" + MONTH + r"(?:[ \t,-]{0,2}(?:" + YEAR4 +
          r"|\d{2}(?!\d)))?"),
    # 03/2021
    _rule("date", r"(?<![\w/.-])(?:0?[1-9]|1[0-2])/" + YEAR4 + r"(?![\w/])"),
    # on 3/4, since 12/25 (a month/day alone is a fraction or a score unless a word says date)
    _rule("date", _ci(_DATE_CONTEXT) + r"(?:[ \t]{1,2}|[ \t]?\n[ \t]{0,2})(?P<d>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))"
          r"(?![\d/])(?![ \t]*(?:tab|cap|dose|mg|pill|strength|amp|vial|NS\b|of\b))", group="d", word_start=True),
    # "recheck INR 12/6", "repeat CBC 3/14": a test named between the word and the month/day
    _rule("date", _ci(_RECHECK) + r"[ \t]{1,2}[A-Z][A-Za-z0-9]{1,5}[ \t]{1,2}"
          r"(?P<d>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))(?![\d/]|[ \t]*[a-z])", group="d", word_start=True),
    # a month/day with a time of day: "3/28 22:14", "5/6 @ 0800"
    _rule("date", r"(?<![\w/.-])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?=[ \t]{1,3}(?:@[ \t]?|at[ \t])?"
          r"(?:[01]?\d|2[0-3]):?[0-5]\d(?![\d/.:]))", check=lambda m, text: None if _SCORE_BEFORE.search(
              text, max(0, m.start() - 16), m.start()) else m.end()),
    # "(SLP 11/28)", "(CXR 3/4)": a service or test and its month/day in parentheses (not a score: "(MRC 4/5)")
    _rule("date", r"\((?!" + _alt(_SCORE_WORDS) + r"[ \t])[A-Z][A-Za-z]{1,5}[ \t]{1,2}(?P<d>(?:0?[1-9]|1[0-2])/"
          r"(?:1[3-9]|2\d|3[01]))\)", group="d"),
    # "UDS 12/11: negative", "CXR 3/4: clear": a test named before a month/day that opens its result
    _rule("date", r"(?<![\w/-])(?!" + _alt(_SCORE_WORDS) + r"[ \t])[A-Z][A-Za-z0-9]{1,5}[ \t]{1,2}"
          r"(?P<d>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))(?=:[ \t])", group="d"),
    # "on the 24th", "since the 3rd,": a day of the month alone (not "on the 2nd floor")
    _rule("date", _ci(("on", "since", "until", "till", "starting", "effective", "due", "as of")) +
          r"[ \t]+the[ \t]+(?P<d>(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th))"
          r"(?=[ \t]*(?:[,.;:)\n]|$)|[ \t]+(?:for|regarding|about|at|when|with|in|because|but|so|"
          r"per|as|re|if|without|we|I|she|he|they)\b)(?![ \t]*,[ \t]*\d{1,2}(?:st|nd|rd|th))", group="d", word_start=True),
    # Mon 5/6, Tuesday, 3/12
    _rule("date", _alt([w for d in _WEEKDAYS for w in (d, d.upper())]) + r"\.?,?[ \t]{1,2}"
          r"(?P<d>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))(?![\d/])", group="d", word_start=True),
    # DOB: 19520304
    _rule("date", _ci(("DOB", "D.O.B.", "date of birth", "birth date", "birthdate", "date", "DOS", "collected",
                       "admitted", "discharged", "dated")) +
          r"[ \t]*(?:[:#]|\.{2,}:?)?[ \t]*(?P<d>(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)", group="d",
          word_start=True),
)

_AGE_NUM = r"(?:9\d|1[0-2]\d)"
_ONES = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_YEARS_OLD = (r"(?=(?:[ \t-]{0,2}|[ \t]?\n[ \t]{0,2})(?:(?:years?|yrs?|y)[ \t-]{0,2}(?:old|o\.?(?![a-z]))|(?:years?|yrs?)[ \t]+of[ \t]+age"
              r"|yo(?![a-z])|y/o|y\.o\.|(?:years?|yrs?)(?![a-z])))")
_AGE_UNIT = r"(?:[yY](?:[rR][sS]?|[oO]|/[oO])?(?![A-Za-z]))?"  # 96Y, 96yo, 96yrs, 96y/o: one token
AGE_RULES = (
    # "age ninety-four", "Age: one hundred and two"
    _rule("age", _ci(("age", "aged")) + r"[ \t]*[:=]?[ \t]*(?P<n>" + _ci(("ninety", "one hundred", "one-hundred")) +
          r"(?i:(?<=ninety)(?:[- ]" + _ONES + r")?|(?<=hundred)(?:[- ]and)?(?:[- ](?:" + _ONES +
          r"|ten|eleven|twelve))?))(?![\w-])", group="n", word_start=True),
    # "Mrs. Kalinowski (99)", "Mr. Ames, 94,": an age after a titled name
    _rule("age", r"(?<![\w'’-])(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+[A-Z][\w'’-]{1,30}(?:[ \t][A-Z][\w'’-]{1,30})?"
          r"(?:[ \t]*\(|,[ \t]*)(?P<a>" + _AGE_NUM + r")(?:\)|(?=,))", group="a"),
    _rule("age", r"(?<![\w.])" + _AGE_NUM + _YEARS_OLD + _AGE_UNIT, flags=re.I),
    _rule("age", _ci(("age", "aged", "ages", "age/sex", "age/gender", "age / sex")) +
          r"(?:[ \t]*\((?i:years?|yrs?|y)\))?[ \t]*[:=]?[ \t]*(?P<n>" +
          _AGE_NUM + _AGE_UNIT + r")(?![\d.])", group="n", word_start=True),
    _rule("age", r"(?<![\w.])" + _AGE_NUM + r"(?:st|nd|rd|th)(?=[ \t]+(?i:birthday))"),
    _rule("age", _ci(("ninety", "one hundred", "one-hundred")) + r"(?i:(?<=ninety)(?:[- ]" + _ONES +
          r")?|(?<=hundred)(?:[- ]and)?(?:[- ](?:" + _ONES + r"|ten|eleven|twelve))?)(?i:" + _YEARS_OLD + ")",
          word_start=True),
    # "Aurelio Ruiz, ninety-three, lives ...": an age in words set off by commas after a name
    _rule("age", r"(?<=[A-Za-zÀ-ÿ.)]),[ \t]{1,2}(?P<n>" + _ci(("ninety", "one hundred", "one-hundred")) +
          r"(?i:(?<=ninety)(?:[- ]" + _ONES + r")?|(?<=hundred)(?:[- ]and)?(?:[- ](?:" + _ONES +
          r"|ten|eleven|twelve))?))(?=[ \t]*(?:[,;)\n]|\.(?!\d)|$))", group="n"),
    # "died at 94", "passed away at age 91", "she was ninety-two": an age after a death or "was/is"
    _rule("age", _ci(("died", "passed", "passed away", "death", "deceased", "expired")) +
          r"(?:[ \t]+(?:in|at)[ \t]+[A-Z][\w'’-]{1,30}(?:[ \t][A-Z][\w'’-]{1,30})?)?[ \t]+(?:at|aged)[ \t]+"
          r"(?:(?:the[ \t]+)?age[ \t]+(?:of[ \t]+)?)?(?P<n>" + _AGE_NUM + r")(?![\w:/%-]|\.\d)", group="n",
          word_start=True),
    _rule("age", _ci(("was", "is", "turned", "turns", "turning", "aged", "at")) + r"[ \t]+(?P<n>" +
          _ci(("ninety", "one hundred", "one-hundred")) + r"(?i:(?<=ninety)(?:[- ]" + _ONES +
          r")?|(?<=hundred)(?:[- ]and)?(?:[- ](?:" + _ONES + r"|ten|eleven|twelve))?))(?![\w-])"
          r"(?![ \t]+(?i:percent|per|minutes?|mins?|seconds?|days?|weeks?|months?|pounds?|lbs?|mg|ml|beats|times|degrees))",
          group="n", word_start=True),
    # "mom (95)", "his mother, 93,": an age in parentheses or between commas after a relation
    _rule("age", _ci(lx.RELATION_WORDS + ("mom", "dad", "mum", "mama", "papa", "grandmother", "grandfather")) +
          r"(?:[ \t]*\(|,[ \t]{1,2})(?P<n>" + _AGE_NUM + r")(?:\)|(?=[,;.][ \t\n]|[,;.]$))", group="n", word_start=True),
    # "Canab Jama, 91." / "Tova Lefkowitz, 93, lives": a number of 90 or more set off after a name
    _rule("age", r"(?<=[a-z]),[ \t](?P<n>" + _AGE_NUM + r")(?=[ \t]*(?:[,;)\n]|\.(?!\d)|$))",
          group="n", check=lambda m, text: m.end("n") if re.search(
              r"(?<![\w'’-])[A-Z][a-z'’-]+[ \t]+[A-Z][a-z'’-]{2,}$", text[max(0, m.start() - 60):m.start()]) else None),
    _rule("age", _ci(("in his", "in her", "in their")) + r"[ \t]+(?i:early[ \t]+|mid[ \t-]+|late[ \t]+)?"
          r"(?P<n>(?:9|1[0-2])0'?s|nineties)\b", group="n", word_start=True),
)

# ----------------------------------------------------------------------------- contact, network
_TLDS = ("com", "org", "net", "edu", "gov", "mil", "int", "io", "info", "biz", "health", "care", "clinic",
         "hospital", "app", "online", "site", "us", "uk", "ca", "au", "nz", "ie", "ai", "ly", "me", "co")


def _url_end(m: re.Match[str], text: str) -> int:
    """URLs end before the punctuation that closes a sentence or a bracket around them."""
    end = m.end()
    while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
        end -= 1
    return end


def _ipv6(m: re.Match[str], text: str) -> int | None:
    value = m.group()
    if value.count(":") < 2:
        return None
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    return m.end()


_PHONE_CUE = re.compile(r"(?:#|\b(?i:call|called|calling|callback|call-back|reach|reached|phone|ph|tel|number|cell|"
                        r"mobile|home|work|pager|page|beeper|text|fax|contact|line|dial|at|ext|no))\W{0,3}$")


def _seven_digit_phone(m: re.Match[str], text: str) -> int | None:
    """555-0183 is a phone number in parentheses or after a word such as call, phone, cell, at; a range
    such as 250-1000 (mL) is not."""
    before = text[max(0, m.start() - 12):m.start()]
    if before.endswith("(") and text[m.end():m.end() + 1] == ")":
        return m.end()
    return m.end() if _PHONE_CUE.search(before) else None


CONTACT_RULES = (
    _rule("url", r"(?<![\w.@/-])(?:(?i:https?|ftp|sftp)://|(?i:www)\.)[^\s<>\"'`]{1,2000}", check=_url_end),
    _rule("email", r"(?<![\w.%+'-])[\w.%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}"
          r"(?![\w-])"),
    # bare domains: portal.example.org, mychart.bostonhealth.org/login
    _rule("url", r"(?<![\w.@/%+-])(?:[A-Za-z0-9-]{1,63}\.){1,5}" + _alt(_TLDS + tuple(t.upper() for t in _TLDS))
          + r"(?![\w-]|\.[A-Za-z0-9])(?:/[^\s<>\"'`]{0,2000})?", check=_url_end),
    _rule("ip", r"(?<![\w.:-])(?<!EC )(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|"
          r"[1-9]?\d)(?![\w-]|\.\d)"),  # EC 2.4.1.41 is an enzyme
    _rule("ip", r"(?<![\w:.-])[0-9A-Fa-f:]{2,39}(?![\w:])", check=_ipv6),
    _rule("ssn", r"(?<![\w.+/-])(?!000|666|9\d\d)\d{3}([- .])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]|\.\d)"),
    _rule("ssn", _ci(("SSN", "SS#", "SS No", "SS No.", "social security", "soc sec", "soc. sec.")) +
          r"(?i:[ \t]+(?:number|num|no\.?|#))?[ \t]*(?i:#|no\.?)?[ \t]*[:#]?[ \t]*"
          r"(?P<s>\d{3}[- .]?\d{2}[- .]?\d{4}|(?:\*{3}|X{3}|x{3})[- .]?(?:\*{2}|X{2}|x{2})[- .]?\d{4})(?![\w-])",
          group="s", word_start=True),
    # "SSN last 4: 6610", "last four of SSN 6610"
    _rule("ssn", _ci(("SSN", "SS#", "social security", "social")) + r"(?:[ \t]+(?i:number|no\.?|#))?[ \t]*[:#(]?[ \t]*"
          r"(?i:last[ \t]+(?:4|four)(?:[ \t]+digits)?|l4)\)?[ \t]*[:#=]?[ \t]*(?P<s>\d{4})(?![\w-])", group="s",
          word_start=True),
    _rule("ssn", _ci(("last 4 of SSN", "last four of SSN", "last 4 of social", "last four of social", "last 4 SSN",
                      "last four SSN", "SSN4", "L4SSN")) + r"(?:[ \t]+(?i:security))?[ \t]*[:#=(]?[ \t]*(?P<s>\d{4})(?![\w-])",
          group="s", word_start=True),
    # North American numbers: (617) 555-0123, 617.555.0123, +1 617 555 0123, 617/555-0123 x12
    _rule("phone", r"(?<![\w+/.-])(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t]?|\d{3}(?:[ \t.-]|/))\d{3}[ \t.-]\d{4}"
          r"(?:,?[ \t]*(?:x|X|ext\.?|Ext\.?|EXT\.?|extension)[ \t]*\d{1,6})?(?![\w-]|\.\d|/\d)"),
    # E.164 without separators: +16175550123
    _rule("phone", r"(?<![\w+])\+1[2-9]\d{2}[2-9]\d{6}(?![\w-]|\.\d)"),
    _rule("phone", r"(?<![\w+/.-])[2-9]\d{2}[-.]\d{4}(?![\w-]|[.,]\d|[ \t]*(?:%|/|x\b|"
          r"(?i:mg|mcg|ml|cc|units?|iu|g\b|kg|mmol|meq|ng|pg|cells|copies|times)))", check=_seven_digit_phone),
    # a pager or extension of four or five digits: "Pager 4821", "ext. 40112"
    _rule("phone", _ci(("pager", "beeper", "ext", "extension")) + r"(?![\w])\.?[ \t]*(?i:#|no\.?|number)?[ \t]*[:#]?"
          r"[ \t]*(?P<p>\d{4,5})(?![\d/-]|[.,]\d|[ \t]*(?i:mg|mcg|ml|units?)\b)", group="p", word_start=True),
    _rule("phone", r"(?<![\w+])\+[2-9]\d{0,2}(?:[ \t.-]\(?\d{1,5}\)?){2,5}(?![\w-]|\.\d)"),
    _rule("phone", _ci(("phone", "tel", "telephone", "fax", "facsimile", "cell", "cellphone", "mobile", "pager",
                        "beeper", "ph", "call", "contact", "home", "work", "ext", "extension", "voicemail", "vm",
                        "cb", "call back", "callback", "call-back", "cb#", "cbn")) +
          r"(?![\w])\.?[ \t]*(?i:#|no\.?|number|num)?[ \t]*[:#]?[ \t]*(?P<p>\+?\(?\d[\d \t().-]{3,18}\d)(?![\d/])",
          group="p", word_start=True),
)

# ----------------------------------------------------------------------------- record numbers
_STATE_CODES_RE = _alt(lx.US_STATES)
_VALUE = r"(?P<v>(?=[A-Za-z0-9-]{0,24}\d)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){2,24})(?![\w-])"
_SEP = r"\.?[ \t]*(?i:#|no\.?|number|num|id)?[ \t]*(?:is[ \t]+)?(?:[:#=]|\.{2,}:?)?[ \t]*"  # "MRN....... 123": a leader


def _value_check(min_digits: int) -> Callable[[re.Match[str], str], int | None]:
    def check(m: re.Match[str], text: str) -> int | None:
        value = m["v"]
        return m.end("v") if sum(c.isdigit() for c in value) >= min_digits and len(value) >= 4 else None
    return check


# Grants, trials and registrations number themselves as records do ("RL-15-1579"): not after such words.
_RESEARCH_BEFORE = re.compile(r"(?i:grant|funded|funding|fund|award|trial|registration|registered|registry|approval|"
                              r"approved|protocol|ethics|committee|board|council|foundation|program|programme|project|"
                              r"cultivar|strain|accession|compound|inhibitor|gene|locus|allele|SNP|variant)\b[^.;\n]*$")


def _code_number(m: re.Match[str], text: str) -> int | None:
    """Six digits or more with a letter prefix; the last part a number of four digits, or eight digits in all."""
    value = m.group()
    digits, last = sum(c.isdigit() for c in value), value.rsplit("-", 1)[-1]
    if digits < 6 or not (len(last) >= 4 or digits >= 8) or _RESEARCH_BEFORE.search(text, max(0, m.start() - 60),
                                                                                    m.start()):
        return None
    return m.end()


_ACCESSION_PREFIXES = ("ZINC", "LOC", "EVM", "APP", "NCT", "PMC", "PMID", "SRR", "SRX", "SRP", "SRS", "ERR", "ERX", "DRR", "GSE", "GSM", "GPL",
                       "CHEMBL", "DB", "CID", "SID", "ENSG", "ENST", "ENSP", "ISRCTN", "ACTRN", "ChiCTR", "CTRI",
                       "DRKS", "EUCTR", "UMIN", "PRJNA", "SAMN", "MN", "MT", "MW", "NC", "NM", "NR", "NP", "XM",
                       "XP", "CAS", "EC", "UNII", "RXCUI", "ATCC", "CRD", "KCT", "JPRN", "IRCT", "TCTR", "PACTR")
_MRN_LABEL = (_ci(("MRN", "MR#", "MR No", "MR No.", "Med Rec", "Med. Rec.", "Medical Record", "Medical Records",
                     "Med Record", "Health Record")) + "|" +
              _ci(("hospital", "hosp", "unit", "chart", "patient", "pt")) +
              r"(?=[ \t]*(?i:number|num|no\b|#|id\b|identifier))")
_ID_STRONG = ("account", "acct", "member", "membership", "subscriber", "policy", "medicare", "medicaid", "mbi",
              "hicn", "beneficiary", "encounter", "enc", "csn", "fin", "har", "claim", "accession", "specimen",
              "license", "licence", "driver's license", "drivers license", "driver license", "dl", "lic", "dea",
              "npi", "upin", "tin", "ein", "serial", "vin", "license plate", "plate", "passport", "udi",
              "insurance", "ins", "certificate", "cert", "badge", "employee", "authorization", "auth",
              "prior auth", "referral", "invoice", "guarantor", "empi", "inmate", "booking", "military", "dod",
              "edipi", "alien", "green card", "visa", "mychart", "MyChart", "tag", "session", "ICN", "DFN", "UNOS",
              "requisition", "incident", "transmitter", "IMEI", "imei", "MEID", "ICCID", "kit")
_ID_WEAK = ("visit", "episode", "admission", "case", "order", "requisition", "lab", "device", "implant", "lot",
            "group", "plan", "health plan", "tracking", "reference", "ref", "confirmation", "ticket", "voucher",
            "student", "record", "document", "report", "exam", "tax", "id", "portal", "user", "login",
            "card", "prescription", "rx", "bill", "billing", "vehicle", "pin", "app", "resident", "screening",
            "monitor", "sensor", "pump", "machine", "client", "subject", "run", "donor", "recipient", "transplant")
RECORD_RULES = (
    _rule("mrn", "(?:" + _MRN_LABEL + ")" + _SEP + _VALUE, group="v", check=_value_check(2), word_start=True),
    # a record number grouped 2-3-3 ("07-418-225"), the shape no phone, SSN or date takes
    _rule("mrn", r"(?<![\w/.:-])\d{2}-\d{3}-\d{3}(?![\w-]|[.:]\d)"),
    # "MRN at MGH 6681204", "MRN at Lahey: 0042"
    _rule("mrn", _ci(("MRN", "MR#", "Medical Record Number", "Med Rec #", "chart number")) +
          r"[ \t]+(?:at|from|@|with)[ \t]+(?:the[ \t]+)?[A-Z][\w'’&.-]{1,30}(?:[ \t][A-Z][\w'’&.-]{1,30}){0,3}"
          + _SEP + _VALUE, group="v", check=_value_check(4), word_start=True),
    _rule("id", _ci(_ID_STRONG) + r"(?![\w])" + _SEP + r"\(?" + _VALUE, group="v", check=_value_check(2),
          word_start=True),
    _rule("id", _ci(_ID_WEAK) + r"[ \t]*(?i:id|identifier|number|num|no\.|#|code)[ \t]*(?:is[ \t]+)?[:#=]?[ \t]*" +
          _VALUE, group="v", check=_value_check(2), word_start=True),
    # "plate CT 7HK-R42", "license plate NY KMB 4420": a state's code may come first
    _rule("id", _ci(("plate", "plates", "license plate", "licence plate", "tag", "plate number", "plate no",
                     "plate #")) + r"(?![\w])[ \t]*[:#]?[ \t]*(?:(?:" + _STATE_CODES_RE + r")[ \t]{1,2})?"
          r"(?P<v>(?=[A-Z0-9 -]{0,9}\d)[A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,2})(?![\w-])", group="v",
          check=_value_check(2), word_start=True),
    # device serial and lot numbers: "serial SN 4471-AXB-2290", "lot LOT 88Q12C", "S/N: 12345"
    _rule("id", _ci(("serial", "serial number", "serial no", "serial no.", "s/n", "sn", "lot", "lot number",
                     "lot no", "lot no.", "batch", "batch number", "batch no", "device id", "device identifier",
                     "implant id", "model/serial")) +
          r"(?![\w/])(?:[ \t]*(?:(?i:number|num|no\.?|#|[:=])|SN|S/N|LOT|REF)(?![\w/])){0,3}[ \t]*" + _VALUE,
          group="v", check=_value_check(2), word_start=True),
    _rule("id", r"(?<![\w-])ID[ \t]*[:#][ \t]*" + _VALUE, group="v", check=_value_check(2)),
    # "ProviderOne ID 108834572WA", "UNOS ID KX41920": a value of four digits or more after ID
    _rule("id", r"(?<![\w-])(?:ID|Id|I\.D\.)[ \t]+" + _VALUE, group="v", check=_value_check(4)),
    # a device identifier in the GS1 form a UDI barcode prints: (01)00884838002366(17)250101(10)A12B
    _rule("id", r"\(01\)\d{14}(?:\(\d{2,4}\)[A-Za-z0-9-]{1,20}){0,5}"),
    # a weak label and a number of five digits or more without "#": "group 0048813", "case 2231907"
    _rule("id", _ci(_ID_WEAK + ("application", "enrollment", "enrolment")) + r"(?:[ \t]+|[ \t]*[:=][ \t]*)"
          r"(?P<v>\d{5,15})(?![\w-]|[.,]\d|[ \t]*(?i:mg|mcg|ml|units?|cells|copies|patients|cases|people)\b)",
          group="v", word_start=True),
    # a structured record number, labelled or not: a letter prefix and three or more parts, six digits or
    # more in all ("WSP-23-118842", "FA-24-01972", "NP24-S-06117"); drug codes have two parts (BMS-936558)
    _rule("id", r"(?<![\w/.-])[A-Z]{1,4}\d{0,4}(?:-[A-Z0-9]{1,10}){1,3}-\d{2,10}(?![\w-]|\.\d)", check=_code_number),
    # a letter prefix (digits may follow it), a hyphen and seven to twelve digits: "QX-4482190", "LB7700-5531902"
    _rule("id", r"(?<![\w/.-])(?!" + _alt(_ACCESSION_PREFIXES) + r"-)[A-Z]{1,4}\d{0,5}-\d{7,12}(?![\w-]|\.\d)",
          check=lambda m, text: None if _RESEARCH_BEFORE.search(text, max(0, m.start() - 60), m.start()) else m.end()),
    # letters and seven digits or more in one token: "D08441937", "91827364A", "YPB882145930" (not a
    # registry or database accession: NCT01234567, PMC1234567, SRR1234567)
    _rule("id", r"(?<![\w/.-])(?!" + _alt(_ACCESSION_PREFIXES) + r"\d)(?!(?:[ACGT]\d+[ACGT]|[A-Z]\d+[A-Z]{1,3})(?![\w-]))"
          r"(?:[A-Z]\d{8,14}[A-Z]{0,3}|[A-Z]{2,4}\d{8,14}[A-Z]{0,3}|\d{7,14}[A-Z]{1,3})(?![\w-]|\.\d)",
          check=lambda m, text: None if _RESEARCH_BEFORE.search(text, max(0, m.start() - 60), m.start()) else m.end()),
)

# ----------------------------------------------------------------------------- places
_STATE_NAMES = _alt(lx.US_STATES.values())
_STATE_CODES = _alt(lx.US_STATES)
_ZIP = r"\d{5}(?:-\d{4})?"
_CITY_WORD = rf"(?:(?:St|Ste|Ft|Mt|ST|FT|MT)\.|{_WP}(?:-(?:in|on|upon|by|the|de|la|le|du|sur|of)-{_WP})?|{_U})"
_CITY = rf"{_CITY_WORD}(?:[ \t-]{_CITY_WORD}){{0,3}}"
_TITLE_CITY = rf"(?:(?:St|Ft|Mt)\.|{_WP})(?:[ \t-](?:(?:St|Ft|Mt)\.|{_WP})){{0,3}}"
_STREET_TYPES = _alt([t for w in lx.STREET_TYPES for t in (w, w.upper())]) + r"\.?(?![\w'’])"
_UNIT = (r"(?:,?[ \t]{1,2}(?:" + _alt([u for w in lx.UNIT_WORDS for u in (w, w.upper())]) +
         r"\.?[ \t]*#?[ \t]*|#[ \t]?)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,6}(?![\w-]))")
_LIVES = ("lives", "living", "live", "resides", "residing", "resident", "moved", "moving", "relocated", "located",
          "born", "raised", "grew up", "visiting", "visited", "returned", "traveled", "travelled", "home",
          "vacation", "vacationing", "works", "worked", "employed", "stationed", "native", "hometown", "originally",
          "hails", "commutes", "commuting", "drove", "flew", "driving", "traveling", "travelling", "trip", "stays",
          "staying", "lived", "family", "relatives", "daughter", "son", "sister", "brother", "parents", "children",
          "travels", "commute", "visits", "relocating", "husband", "wife",
          "spouse", "partner", "mother", "father", "niece", "nephew", "aunt", "uncle", "cousin", "grandson",
          "granddaughter", "friend", "neighbor", "daughters", "sons", "sisters", "brothers", "siblings", "lives alone",
          "lives independently")
# A person, then "from" and a town: "a woman from Kalamazoo", "retired machinist from Duluth".
_PERSON_NOUNS = ("man", "woman", "gentleman", "lady", "male", "female", "boy", "girl", "child", "infant", "toddler",
                 "teen", "teenager", "adolescent", "patient", "pt", "veteran", "retiree", "native", "resident",
                 "student", "farmer", "worker", "machinist", "mechanic", "teacher", "driver", "trucker", "fisherman",
                 "miner", "carpenter", "electrician", "plumber", "engineer", "accountant", "lawyer", "attorney",
                 "officer", "firefighter", "homemaker", "housewife", "clerk", "cashier", "waitress", "waiter",
                 "cook", "chef", "laborer", "contractor", "rancher", "logger", "welder", "painter", "professor",
                 "immigrant", "refugee", "transplant", "visitor", "tourist", "traveler", "nurse", "widow", "widower",
                 "couple", "family", "mother", "father", "grandmother", "grandfather", "here", "originally")
# Streets whose type comes first: "1209 Calle de la Paz", "55 Avenue of the Americas", "12 Rue St-Denis".
_PREFIX_STREET = _alt(("Calle", "Camino", "Avenida", "Via", "Vía", "Rue", "Rua", "Paseo", "Carretera", "Calzada",
                       "Callejon", "Callejón", "Circulo", "Placita", "Vereda", "Corte", "Entrada", "Avenue of the",
                       "Boulevard of the", "Avenue of", "Plaza de", "Plaza del"))


def _prefix_street(m: re.Match[str], text: str) -> int | None:
    """Ends at the street's last capitalized word (or its unit), not at a trailing "de"."""
    if m["unit"]:
        return m.end()
    return m.start() + [w.end() for w in re.finditer(r"\S+", m.group()) if not w.group()[:1].islower()][-1]


# Words that begin many towns' names though notes write them capitalized alone: "New Orleans", "West
# Bloomfield", "Fort Lee", "Lake Forest".
_TOWN_LEAD_WORDS = frozenset({"New", "North", "South", "East", "West", "Mount", "Fort", "Port", "Lake", "Saint",
                              "Glen", "Grand", "Little", "Upper", "Lower", "Old", "Point", "Palm", "Bay", "Cape",
                              "Mount", "Great", "Central", "Twin", "Round", "Long", "Red", "White", "Green", "Black"})


def _town_lead(words: list[str]) -> bool:
    """A first word that may begin a town's name, followed by a word that names: "New Orleans"."""
    return len(words) > 1 and words[0] in _TOWN_LEAD_WORDS and words[1] not in lx.NOT_NAME and \
        words[1] not in lx.SERVICE_WORDS and words[1] not in lx.US_STATES.values() and \
        words[1] not in lx.COUNTRIES_AND_REGIONS and " ".join(words[:2]) not in lx.US_STATES.values()


def _city(m: re.Match[str], text: str) -> int | None:
    words = m["city"].replace("-", " ").split()
    if any(w.strip(".") in lx.NOT_NAME and w not in ("St", "St.", "Mt.", "Ft.") for w in words[:1]) and \
            not _town_lead(words):
        return None
    if m["zip"]:
        return m.end("city")
    # Without a ZIP code: "City, ST" with the comma, in title case, and not a list of states, a
    # credential ("Jane Doe, MD") or a label ("Device ID:"); "Early CT", "SV, CO", "Iowa, Kansas" stay.
    if "," not in text[m.end("city"):m.start("state")] or m["state"] in lx.CREDENTIAL_STATE_CODES:
        return None
    if m["city"].isupper() or m["city"] in lx.US_STATES.values() or re.match(r"[ \t]*[:#]", text[m.end():m.end() + 3]):
        return None
    return m.end("city")


_STATE_BEFORE = re.compile(rf"(?<![\w-])(?:{_STATE_CODES}|{_STATE_NAMES}),?(?:[ \t]{{1,2}}|[ \t]?\n[ \t]{{0,2}})$")


def _after_state(m: re.Match[str], text: str) -> int | None:
    """A ZIP code is five digits after a state ("MA 02115"); other five digits are lab values."""
    return m.end() if _STATE_BEFORE.search(text, max(0, m.start() - 24), m.start()) else None


def _place(m: re.Match[str], text: str) -> int | None:
    words = [w for w in re.split(r"[ \t]+", m["place"]) if w]
    kept = words[:1] if _town_lead(words) else []
    for w in words[len(kept):]:
        if w in lx.SERVICE_WORDS or w in lx.COUNTRIES_AND_REGIONS or w in lx.US_STATES.values() or w in lx.US_STATES:
            break
        kept.append(w)
    if not kept or " ".join(kept) in lx.US_STATES.values():
        return None
    return m.start("place") + len(" ".join(kept)) if len(kept) < len(words) else m.end("place")


PLACE_RULES = (
    _rule("address", r"(?<![\w.,/$#-])\d{1,6}[A-Z]?(?:-\d{1,4})?[ \t]{1,2}(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)"
          r"\.?[ \t]{1,2})?(?:(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][A-Za-z'’-]{0,30})[ \t]{1,2}){1,3}" + _STREET_TYPES +
          r"(?:[ \t]{1,2}(?:NE|NW|SE|SW|N|S|E|W)\.?(?![\w]))?" + _UNIT + "?"),
    _rule("address", r"(?<![\w.,/$#-])\d{1,6}[A-Z]?[ \t]{1,2}" + _PREFIX_STREET + r"(?:[ \t]{1,2}(?:de|del|la|las|"
          r"los|el|des|du|of|the|St\.|Ste\.|[A-Z][A-Za-z'’-]{0,30})(?![\w'’-])){1,4}(?P<unit>" + _UNIT + ")?",
          check=_prefix_street),
    # 1234 Route 9, 55 County Road 12, 800 State Highway 121
    _rule("address", r"(?<![\w.,/$#-])\d{1,6}[ \t]{1,2}(?:(?:State|US|U\.S\.|County|Farm to Market|FM)[ \t]+)?"
          r"(?:Route|Rte\.?|Highway|Hwy\.?|Road|Rd\.?|Interstate)[ \t]+\d{1,4}[A-Z]?(?![\w-])" + _UNIT + "?"),
    _rule("address", _alt(("Apt", "APT", "Apartment", "Suite", "SUITE", "Ste", "STE", "Unit")) +
          r"(?:\.[ \t]*#?|[ \t]+#?|[ \t]*#)[ \t]*\d[A-Za-z0-9-]{0,5}(?![\w-])", word_start=True),
    _rule("address", r"[Pp](?<![\w'’-][Pp])\.?[ \t]?[Oo]\.?[ \t]?(?:Box|BOX|box)[ \t]*#?[ \t]*\d{1,6}(?!\d)"),
    # rural routes and star routes: "RR 2 Box 118", "Rt. 4, Box 22A", "HC 61 Box 9"
    _rule("address", r"(?<![\w'’-])(?:RR|R\.R\.|Rt|RT|Rte|RTE|Route|ROUTE|Rural[ \t]+Route|HC|H\.C\.|Star[ \t]+Route)\.?"
          r"[ \t]*#?[ \t]*\d{1,4},?[ \t]{1,2}(?:Box|BOX|box)[ \t]*#?[ \t]*\d{1,6}[A-Z]?(?![\w-])"),
    # Boston, MA 02115 / Salt Lake City UT / St. Louis, Missouri
    _rule("location", rf"(?<![\w'’.-])(?P<city>{_CITY}),?[ \t]{{1,2}}(?P<state>{_STATE_CODES}|{_STATE_NAMES})"
          rf"(?![\w-])(?![ \t]+City(?!\w))(?:[ \t]{{1,2}}(?P<zip>{_ZIP})(?![\d-]))?", group="city", check=_city),
    # "lives in Duluth", "lives with his wife in Forest Park" (not a state or a country: Safe Harbor keeps them)
    _rule("location", _ci(_LIVES) + r"(?:[ \t]+with(?:[ \t]+[\w'’-]{1,20}){1,4}?|[ \t]+(?:him|her|them|me|us|the[ \t]+"
          rf"patient)|[ \t]+{_W}(?:[ \t]{_W})?(?=[ \t]+(?:in|from)[ \t]))?[ \t]+(?:in|to|from|at|near|"
          rf"outside(?:[ \t]+of)?)[ \t]+(?P<place>{_TITLE_CITY})(?![\w'’])", group="place",
          check=_place, word_start=True),
    # "on Candler Rd", "off Route Street": a street named without its number
    _rule("address", r"(?<![\w'’-])(?:on|off|at)[ \t]+(?P<st>[A-Z][a-z]{2,20}(?:[ \t][A-Z][a-z]{2,20})?[ \t]+(?:Road|Rd|"
          r"Street|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Highway|Hwy|Pike|Parkway|Pkwy|Terrace|Court|Ct)\.?)(?![\w'’-])",
          group="st", check=lambda m, text: None if m["st"].split()[0] in lx.NOT_NAME else m.end("st")),
    # "will drive him from Ukiah", "called from Kingman"
    _rule("location", _ci(("drive", "drives", "driving", "drove", "bring", "brings", "bringing", "brought", "fly",
                           "flies", "flew", "pick", "picks", "picked", "take", "taking", "took")) +
          r"[ \t]+(?:him|her|them|me|us|the[ \t]+patient)(?:[ \t]+(?:up|down|back|home))?[ \t]+(?:from|to|in)[ \t]+"
          rf"(?P<place>{_TITLE_CITY})(?![\w'’])", group="place", check=_place, word_start=True),
    # "son flying in from Eldoret", "coming from Fresno", "drives an hour each way from Gallup"
    _rule("location", _ci(("coming", "comes", "came", "flying", "flies", "flew", "driving", "drives", "drove",
                           "traveling", "travelling", "travels", "traveled", "travelled", "visiting", "arriving",
                           "arrives", "arrived", "commutes", "commuting", "relocated", "relocating", "emigrated",
                           "immigrated", "each way", "miles", "hours", "minutes", "hour", "mile")) +
          r"(?:[ \t]+(?:in|up|down|over|back|here|home))?[ \t]+from[ \t]+" rf"(?P<place>{_TITLE_CITY})(?![\w'’])",
          group="place", check=_place, word_start=True),
    # "died in Marrakesh", "born in Tbilisi", "grew up in Flagstaff"
    _rule("location", _ci(("died", "born", "raised", "grew up", "buried", "lived", "passed away")) +
          r"[ \t]+in[ \t]+" rf"(?P<place>{_TITLE_CITY})(?![\w'’])", group="place", check=_place, word_start=True),
    # "a cousin, Orly, in Eilat,": a town set off by commas after a person
    _rule("location", r"(?<=[a-z]),[ \t]in[ \t]+" rf"(?P<place>{_TITLE_CITY})(?=,)", group="place", check=_place),
    # "in Pine Bluff, 71601": a town before its ZIP code
    _rule("location", r"(?<![\w'’-])in[ \t]+" rf"(?P<place>{_TITLE_CITY}),?[ \t]{{1,2}}(?=\d{{5}}(?:-\d{{4}})?(?![\w-]))",
          group="place", check=_place),
    # "at our Willits office"
    _rule("location", _ci(("our", "the", "their")) + r"[ \t]+" rf"(?P<place>{_TITLE_CITY})[ \t]+"
          r"(?=(?:office|location|site|satellite|branch)\b)", group="place", check=_place, word_start=True),
    _rule("location", _ci(("called", "calling", "calls", "phoned", "phoning", "texted", "writes", "wrote")) +
          rf"[ \t]+from[ \t]+(?P<place>{_TITLE_CITY})(?![\w'’])", group="place", check=_place, word_start=True),
    _rule("location", _ci(_PERSON_NOUNS) + r"[ \t]+from[ \t]+" rf"(?P<place>{_TITLE_CITY})(?![\w'’])", group="place",
          check=_place, word_start=True),
    # City: Gloucester, Place of birth: Duluth
    _rule("location", _ci(("city", "town", "hometown", "home town", "birthplace", "place of birth", "city of birth",
                           "city/town", "municipality", "village")) + r"[ \t]*:[ \t]*"
          rf"(?P<place>{_TITLE_CITY})(?![\w'’])", group="place", check=_place, word_start=True),
    # in Phoenix, from Tucson, near Tulsa: a city of the list after a word that leads to a place
    _rule("location", _ci(("in", "from", "to", "near", "outside", "outside of", "around", "toward", "towards",
                           "visiting", "via", "of", "at")) +
          rf"[ \t]+(?P<place>{_alt(lx.us_cities())})(?![\w'’-])(?![ \t]+(?:[A-Z][a-z]+[ \t]+)?(?:Study|Trial|Cohort|"
          rf"Project|Program)(?![\w]))(?![ \t]+(?:County|Parish|"
          rf"{_alt(lx.EPONYM_NOUNS)})(?![\w]))", group="place",
          word_start=True),
    _rule("location", rf"(?<![\w'’-])(?:{_WP}[ \t])?{_WP}[ \t](?:County|Parish|Borough|Township)(?![\w])"),
    # "..., near exit 31, Bridgeport": a city of the list after a comma, ending its clause
    _rule("location", rf",[ \t]{{1,2}}(?P<place>{_alt(lx.us_cities())})(?=[ \t]*(?:[.;\n]|$))", group="place"),
    _rule("zip", r"\d(?<![\w-]\d)\d{4}(?:-\d{4})?(?![\d-])", check=_after_state),
    _rule("zip", _ci(("zip", "zip code", "zipcode", "postal code")) + rf"[ \t]*[:#]?[ \t]*(?P<z>{_ZIP})(?![\d-])",
          group="z", word_start=True),
)

_FAC_WORD = rf"(?:(?:St|Mt|Ft|ST|MT|FT)\.|[{_UP}][{_UP}{_LO}'’&-]{{0,30}})"
_FAC_CONNECT = r"(?:[ \t]+(?:of|for|the|and|&|at|on|de|la|del|los|las|el)){0,2}"
_FAC_TAIL = (rf"(?:[ \t]+(?:(?:and|&)[ \t]+)?{_alt(lx.FACILITY_TAIL_WORDS + tuple(w.upper() for w in lx.FACILITY_TAIL_WORDS))}"
             rf"\.?(?![\w'’-])|[ \t]+(?:and|&)[ \t]+{_alt(lx.FACILITY_SPECIALTY_WORDS)}(?![\w'’-])){{0,3}}")
# a store or site number: "Walgreens #10482", "CVS Pharmacy Store 2231"
_STORE = r"(?:[ \t]*(?:#[ \t]?|(?:Store|STORE|store)[ \t]*#?[ \t]*)\d{2,6}(?![\w-]))?"
_FACILITY_RE = re.compile(
    rf"(?<![\w'’-])(?P<pre>{_FAC_WORD}(?:{_FAC_CONNECT}[ \t]{{1,2}}{_FAC_WORD}){{0,6}}[ \t]{{1,2}})?"
    rf"(?P<kw>{_alt(lx.FACILITY_KEYWORDS + tuple(k.upper() for k in lx.FACILITY_KEYWORDS))})(?![\w'’-])(?P<tail>{_FAC_TAIL})"
    rf"(?P<post>[ \t]+(?:of|for|at)[ \t]+(?:the[ \t]+)?{_FAC_WORD}(?:[ \t]+(?:of[ \t]+)?{_FAC_WORD}){{0,3}})?"
    rf"(?P<store>{_STORE})")
_WEAK_FACILITY_RE = re.compile(
    rf"(?<![\w'’-])(?P<pre>{_FAC_WORD}(?:{_FAC_CONNECT}[ \t]{{1,2}}{_FAC_WORD}){{0,4}}[ \t]{{1,2}})"
    rf"(?P<kw>{_alt(lx.WEAK_FACILITY_KEYWORDS + tuple(k.upper() for k in lx.WEAK_FACILITY_KEYWORDS))})(?![\w'’-])"
    rf"(?P<tail>{_FAC_TAIL})"
    rf"(?P<post>[ \t]+(?:of|at)[ \t]+(?:Greater[ \t]+)?{_WP}(?:[ \t]{_WP})?(?=[ \t]*(?:[,.;:()\n]|$)))?(?P<store>{_STORE})"
    rf"(?![ \t][A-Z0-9](?![\w'’-]*[ \t]*(?:\n|$)))")  # "World Health Organization", "Health Outcomes Survey": part of
    # a longer name (but a town may end its line: "Spaulding Outpatient Center Braintree")
_KNOWN_FACILITY_RE = re.compile(rf"(?<![\w'’-])(?:{_alt(lx.KNOWN_FACILITIES)}|Children['’]s[ \t]+{_STATE_NAMES})(?![\w])")
# A health system's short name and a city: "Kaiser Vallejo", "Sutter Roseville", "Banner Tucson"
_SYSTEM_CITY_RE = re.compile(rf"(?<![\w'’-]){_alt(lx.HEALTH_SYSTEMS + tuple(w.upper() for w in lx.HEALTH_SYSTEMS))}"
                             rf"[ \t]+(?:{_alt(lx.us_cities() + tuple(c.upper() for c in lx.us_cities()))})(?![\w'’-])")
_PHARMACY_RE = re.compile(rf"(?<![\w'’-]){_alt(lx.KNOWN_PHARMACIES)}(?![\w'’-])(?:[ \t]+Pharmacy(?![\w]))?{_STORE}")
# St. Luke's, Saint Mary's, St. Elizabeth's: a saint's name with 's names a hospital (not St. John's wort)
_SAINT_RE = re.compile(r"(?<![\w'’-])(?:St\.?|ST\.?|Saint|SAINT|Ste\.?|Sainte)[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?"
                       r"['’]s(?![\w'’-])(?![ \t]+(?i:wort|fire|dance|day|eve|score|scores|scale|questionnaire|"
                       r"respiratory|incontinence|criteria|index|grading|classification|sign|disease|syndrome))")
# After a facility's name, a town that is not a word of a note: "Quest Diagnostics Marlborough."
_FAC_TOWN_RE = re.compile(rf"[ \t]+(?:in[ \t]+|[-–][ \t]+)?(?P<town>{_WP}(?:[ \t]{_WP}){{0,2}})(?=[ \t]*(?:[,.;:)\n]|$))")
_FAC_COMMA_TOWN_RE = re.compile(rf",[ \t]{{0,2}}(?P<place>{_TITLE_CITY})(?=[ \t]*(?:[.;)\n]|$))")
_FAC_RUN = (rf"(?P<run>(?:(?:St|Mt|Ft)\.|{_FAC_WORD}(?![\w]))(?:(?:[ \t]+(?:of|the|and|&|at|on|de|la|del|los|las|el|for)){{0,2}}"
            rf"[ \t]+(?:(?:St|Mt|Ft)\.|{_FAC_WORD}(?![\w]))){{0,6}}(?:[ \t]*,[ \t]*(?:LLC|Inc\.?|PC|PLLC))?)"
            rf"(?P<store>{_STORE})")
_FAC_LABEL_RE = re.compile(rf"{_ci(lx.FACILITY_LABELS)}(?:[ \t]*(?:name|#))?[ \t]*(?::|[ \t]-|\.{{2,}}:?)[ \t]*"
                           rf"{_FAC_RUN}")
_FAC_CUE_RE = re.compile(rf"{_ci(lx.FACILITY_CUES)}[ \t]+(?:the[ \t]+|an?[ \t]+)?{_FAC_RUN}")
# "return to the Sutter Roseville emergency department", "via the Conway Regional ED"
_FAC_ED_RE = re.compile(rf"{_ci(('the', 'at', 'to', 'from', 'via'))}[ \t]+(?:the[ \t]+|THE[ \t]+)?{_FAC_RUN}(?=[ \t]+"
                        r"(?:ED|ER|(?i:emergency[ \t]+(?:department|room|dept\.?)))(?![\w]))")
# Words that may lead a facility's name though they lead no person's: "North Shore", "Bay Pines".
_PLACE_LEAD_WORDS = frozenset({"North", "South", "East", "West", "Northeast", "Northwest", "Southeast", "Southwest",
                               "Central", "Bay", "New", "Mount", "Good", "Lake", "Valley", "Upper", "Lower"})
# "St. Agnes" without 's: a facility after a word that leads to a place, on a line of its own or
# before a hospital area ("St. Agnes Main OR", "St. Agnes ED"); not a street ("St. Agnes Rd": an address).
_SAINT_PLACE_RE = re.compile(r"(?<![\w'’-])(?P<saint>(?:St\.|ST\.|Saint|SAINT)[ \t]+[A-Z][a-z]{2,20}(?:[ \t]+[A-Z][a-z]{2,20})?)"
                             r"(?![\w'’-])(?![ \t]+(?:[A-Z][a-z]*[ \t]+)?(?:Rd|Road|St|Street|Ave|Avenue|Blvd|Dr|Drive|Ln|Lane|"
                             r"Way|Pl|Ct|Ter|Pkwy|Hwy)\b)(?![ \t]+(?i:wort|fire|dance|day|eve)\b)"
                             r"(?P<area>(?=[ \t]+(?:Main[ \t]+OR|OR|ED|ER|ICU|Emergency|EMERGENCY|Campus|campus|"
                             r"emergency|Hospital|HOSPITAL|Medical|Regional|[A-Z][a-z]+[ \t]+Campus)\b))?")
_STATE_BEFORE_RE = re.compile(rf",[ \t]{{1,2}}(?:{_STATE_CODES}|{_STATE_NAMES})(?![\w-])")
# A run of capitalized words before a facility named in lowercase: "Brookdale Pleasant Prairie assisted living".
_FAC_NOUN_RE = re.compile(rf"(?<![\w'’-])(?P<run>{_WP}(?:[ \t]{_WP}){{0,3}})[ \t]+(?:assisted[ \t]+living|nursing[ \t]+home|"
                          r"skilled[ \t]+nursing(?:[ \t]+facility)?|rehab(?:ilitation)?[ \t]+(?:center|facility|hospital)|"
                          r"memory[ \t]+care|group[ \t]+home|(?:wound|urgent|walk-in)[ \t]+(?:care|clinic)|dialysis[ \t]+"
                          r"(?:center|unit|clinic)|office|branch|location|campus|shelter)(?![\w'’-])")
_THE_FACILITY_RE = re.compile(rf"(?<![\w'’-])(?:at|to|in|from|into)[ \t]+(?P<the>The[ \t]+(?P<run>{_WP}(?:[ \t]{_WP}){{0,2}}))"
                              r"(?![\w'’-])")
# A hospital's initials ending as most do (BIDMC, CPMC, UPMC, MGH, TGH), after a word that leads to a place.
_ACRONYM_FACILITY_RE = re.compile(r"(?<![\w'’-])(?:[A-Z]{2,4}MC|[A-Z]{1,2}GH)(?![\w'’-])")
_NOT_FACILITY_ACRONYMS = frozenset({"HGH", "RHGH", "PGH"})
_FAC_CITY_RE = re.compile(rf"[ \t]+(?:{_alt(lx.us_cities())})(?![\w'’-])")
# A town's police, sheriff, fire or EMS service: "brought by Oakland PD", "(Hamilton County EMS Medic 12)".
_AGENCY_RE = re.compile(rf"(?<![\w'’-])(?P<town>{_TITLE_CITY})[ \t]+(?:PD|P\.D\.|Police[ \t]+Department|Police[ \t]+Dept\.?|"
                        r"Police|Sheriff['’]s[ \t]+(?:Office|Department)|Sheriff|Fire[ \t]+Department|Fire[ \t]+Dept\.?|"
                        r"Fire[ \t]+Rescue|Fire|EMS|Ambulance)(?![\w-])")


def _not_agency(m: re.Match[str]) -> bool:
    words = m["town"].split()
    return any(w in lx.NOT_NAME or _service(w) or w.endswith(("ed", "ing", "ly")) for w in words[:1]) or \
        all(w in ("County", "City") for w in words)


_BUILDING_WORDS = frozenset({"Pavilion", "Pavilions", "Campus", "Tower", "Towers", "Annex", "Building", "Wing"})
_FAC_CONNECTORS = frozenset({"of", "for", "the", "and", "&", "at", "on", "de", "la", "del", "los", "las", "el"})
_FAC_KEY_WORDS = frozenset(w for k in lx.FACILITY_KEYWORDS + lx.WEAK_FACILITY_KEYWORDS + lx.FACILITY_TAIL_WORDS
                           for w in k.split())

_INSURER_CUE = re.compile(r"(?i:carrier|insurance|insurer|ins|plan|payer|payor|coverage|medicaid|medicare|hmo|ppo|"
                          r"epo|managed[ \t]+care|primary|secondary)[ \t]*(?:name)?[ \t]*[:(#-]?[ \t]*$")
_LINE_START = re.compile(r"(?:(?:^|\n)[ \t]*|[ \t]{3})$")  # a line of its own, or a column of a form
_PLACE_CUE = re.compile(r"(?:\b(?i:at|to|from|via|by|in|into|through|uses|using)(?:[ \t]+(?i:the))?|[:@>])[ \t]*$")
# More that lead to a facility named with a weak keyword: a heading's dash ("INTAKE NOTE - Pinecrest Behavioral
# Health"), a clinician's credential ("Ana Ruiz, MD, Desert Sun Community Health", "Ana Ruiz, MD (Kidcare Pediatrics)").
_WEAK_PLACE_CUE = re.compile(r"(?:[ \t][-–—]|\b(?:MD|DO|NP|PA-C|RN|APRN|FNP|DNP|PhD|DDS|DMD|DPM|OD|PharmD|LCSW|"
                             r"(?i:clinic|pharmacy|pediatrician|provider|pcp|practice|office)[ \t]*:[^\n]{0,50}|"
                             r"(?<![\w.])Dr\.?[ \t]+[A-Z][\w'’-]{1,20}(?:[ \t][A-Z][\w'’-]{1,20}){0,2}(?=,)),?"
                             r"[ \t]*[,(])[ \t]*$")


def _service(word: str) -> bool:
    """A word of a service, a role or a ward: "Heart Failure", "Neuro-oncology", "Step-Down"."""
    return word in lx.SERVICE_WORDS or word.title() in lx.SERVICE_WORDS or all(
        p in lx.SERVICE_WORDS or p.title() in lx.SERVICE_WORDS for p in word.split("-"))


def _facility_run(text: str, m: re.Match[str], anatomy: bool, cue: bool) -> PhiSpan | None:
    """The facility in a label's or a cue's run of capitalized words: its words up to the last that
    names (not "ICU", "ED" after it), none a body part after Location:/Site:, not only services."""
    words = [(w.start() + m.start("run"), w.end() + m.start("run"), w.group())
             for w in re.finditer(r"\S+", m["run"])]
    if not words or (words[0][2].strip(".") in lx.NOT_NAME and words[0][2] not in ("St.", "Mt.", "Ft.")):
        return None
    if words[0][2] in lx.TITLES or words[0][2].rstrip(".") in lx.TITLES:
        return None
    while words and (words[-1][2] in _FAC_CONNECTORS or (words[-1][2] in lx.NOT_NAME and
                                                          words[-1][2] not in _FAC_KEY_WORDS)):
        if len(words) > 1 and words[-1][2].title() in ("North", "South", "East", "West") and \
                words[-2][2] not in lx.NOT_NAME and not _service(words[-2][2]):
            break  # "Mercy West", "Baptist East"
        words.pop()
    named = [w for _, _, w in words if w not in _FAC_CONNECTORS and not _service(w) and w not in _FAC_KEY_WORDS]
    if any(w in lx.NOT_FACILITY_WORDS for _, _, w in words):
        return None
    if not named or all(w in lx.COUNTRIES_AND_REGIONS or w in lx.US_STATES.values() for w in named):
        return None
    if cue and len([w for _, _, w in words if w not in _FAC_CONNECTORS]) < 2 and not m["store"]:
        return None  # after "transferred from", one word may be anything ("the Golgi", "Embase")
    if anatomy and (any(w in lx.ANATOMY_WORDS for _, _, w in words) or len(words) == 1 and words[0][2].isupper()):
        return None
    if len(words) == 1 and words[0][2].isupper() and len(words[0][2]) <= 2:
        return None
    end = m.end("store") if m["store"] and words[-1][1] == m.end("run") else words[-1][1]
    return PhiSpan(words[0][0], end, "facility")


def facility_spans(text: str, protected: list[tuple[int, int]] | None = None) -> list[PhiSpan]:
    spans, cores = [], []
    for m in itertools.chain(_FACILITY_RE.finditer(text), _WEAK_FACILITY_RE.finditer(text)):
        start, end = m.start(), m.end()
        words = m["pre"].split() if m["pre"] else []
        cut = max((i for i, w in enumerate(words) if w in ("at", "on") and not (i and words[i - 1] in _BUILDING_WORDS)),
                  default=-1)  # not "Women's Pavilion at Holloway Memorial"
        if cut >= 0:  # "Followed at Heart Failure Clinic", "Dr. Okonkwo at Lakewalk Family Medicine"
            for w in words[:cut + 1]:
                start = text.index(w, start) + len(w)
            words = words[cut + 1:]
        while words and (words[0] in lx.NOT_NAME or words[0].lower() in ("of", "for", "the", "and", "at", "on")):
            if words[0].title() in _PLACE_LEAD_WORDS and len(words) > 1 and not _service(words[1]) and \
                    words[1] not in _FAC_KEY_WORDS:
                break  # "North Shore Medical Center", "Bay Pines VA", "New England Baptist Hospital"
            start = text.index(words[0], start) + len(words[0])
            words.pop(0)
        named = [w for w in words if not _service(w) and w.lower() not in _FAC_CONNECTORS]
        if not named and not m["post"]:
            continue
        while start < end and text[start] in " \t":
            start += 1
        if protected and any(a <= start < b for a, b in protected):
            continue  # "Snellen VA": an eponym's test, not a VA hospital
        if m.re is _WEAK_FACILITY_RE and not (m["store"] or _PLACE_CUE.search(text, max(0, start - 30), start)
                                        or _WEAK_PLACE_CUE.search(text, max(0, start - 30), start)
                                        or _LINE_START.search(text, max(0, start - 30), start)):
            continue  # "Riverbend Imaging" after "to", a label, or on a line of its own; not in a sentence
        if m.re is _WEAK_FACILITY_RE and (_INSURER_CUE.search(text, max(0, start - 30), start) or
                                         any(w in lx.NOT_FACILITY_WORDS for w in words)):
            continue  # "Carrier: Golden State Health", "Medicaid (Apple Health)": an insurer, not a place
        town = _FAC_TOWN_RE.match(text, end)
        if town and not any(w in lx.NOT_NAME or _service(w) or w in lx.US_STATES.values() or w in lx.COUNTRIES_AND_REGIONS
                            or w in lx.first_names() or w in lx.NOT_FACILITY_WORDS for w in town["town"].split()):
            end = town.end("town")
        spans.append(PhiSpan(start, end, "facility"))
        # its name without the keyword, to find again: "Mercy West" of "MERCY WEST HOSPITAL", "Lahey" of
        # "Lahey Hospital & Medical Center"
        if named and words and named[0] == words[0] and not m["post"] and \
                not all(w in _FAC_KEY_WORDS or w.title() in _FAC_KEY_WORDS for w in named):
            cores.append(" ".join(words))
    for regex in (_KNOWN_FACILITY_RE, _PHARMACY_RE, _SAINT_RE, _AGENCY_RE, _SYSTEM_CITY_RE):
        spans += (PhiSpan(m.start(), m.end(), "facility") for m in regex.finditer(text)
                  if not (regex is _AGENCY_RE and _not_agency(m)))
    for m in _FAC_NOUN_RE.finditer(text):  # "from Brookdale Pleasant Prairie assisted living", "Lincare Norfolk office"
        if not (_PLACE_CUE.search(text, max(0, m.start() - 30), m.start()) or
                _LINE_START.search(text, max(0, m.start() - 30), m.start())):
            continue
        words = m["run"].split()
        if words[0] in lx.NOT_NAME or any(_service(w) or w in lx.NOT_FACILITY_WORDS for w in words) or \
                all(w in lx.AMBIGUOUS_FIRST_NAMES for w in words) or (len(words) == 1 and words[0].isupper()):
            continue  # "Heart Failure office", "Parkinson clinic": services and eponyms
        spans.append(PhiSpan(m.start(), m.end("run"), "facility"))
    for m in _THE_FACILITY_RE.finditer(text):  # "a bed at The Miriam": "The" capitalized inside a sentence
        words = m["run"].split()
        if not any(w in lx.NOT_NAME or _service(w) or w in lx.NOT_FACILITY_WORDS or w in lx.US_STATES.values() or
                   w in lx.COUNTRIES_AND_REGIONS for w in words):
            spans.append(PhiSpan(m.start("the"), m.end(), "facility"))
    for m in _ACRONYM_FACILITY_RE.finditer(text):  # "records from MGH", "evaluation at CPMC"
        if m.group() not in _NOT_FACILITY_ACRONYMS and _PLACE_CUE.search(text, max(0, m.start() - 30), m.start()):
            spans.append(PhiSpan(m.start(), m.end(), "facility"))
    cities = set(lx.us_cities())
    for m in _SAINT_PLACE_RE.finditer(text):  # "at St. Agnes", "St. Agnes Main OR"; not "St. Louis, Missouri"
        if re.sub(r"^(?:ST|Saint|SAINT)\.?", "St.", m["saint"]) in cities or \
                _STATE_BEFORE_RE.match(text, m.end("saint")):
            continue
        if _PLACE_CUE.search(text, max(0, m.start() - 30), m.start()) or _LINE_START.search(
                text, max(0, m.start() - 30), m.start()) or m["area"] or text[max(0, m.start() - 2):m.start()] == "- ":
            spans.append(PhiSpan(m.start(), m.end("saint"), "facility"))
    for regex, anatomy_check in ((_FAC_LABEL_RE, True), (_FAC_CUE_RE, False), (_FAC_ED_RE, False)):
        for m in regex.finditer(text):
            if m.start() and _in_word(text[m.start() - 1]):
                continue
            if regex is _FAC_LABEL_RE and "-" in text[m.start():m.start("run")] and \
                    text[m.start():m.start("run")].isupper():
                continue  # "DEVICE CLINIC - PACEMAKER INTERROGATION": a heading, not a label
            label = text[m.start():m.start("run")].strip().lower()
            span = _facility_run(text, m, anatomy_check and label.startswith(("location", "site", "service loc",
                                                                                "performing loc", "ordering loc",
                                                                                "collection")),
                                 regex is _FAC_CUE_RE)
            if span:
                spans.append(span)
    for i, s in enumerate(spans):  # "Kaiser Vallejo", "Concentra Eastlake": a facility's town after it
        c = _FAC_CITY_RE.match(text, s.end)
        if c:
            spans[i] = PhiSpan(s.start, c.end(), "facility")
    towns = []
    for s in spans:  # "Parkview Regional Medical Center, Fort Wayne.", "Giant Eagle Pharmacy #6403, Stow"
        m = _FAC_COMMA_TOWN_RE.match(text, s.end)
        end = m and _place(m, text)
        if end:
            towns.append(PhiSpan(m.start("place"), end, "location"))
    repeats = _repeat(text, spans, "facility", extra=cores, any_case=True)
    return spans + towns + (_outside(repeats, protected) if protected is not None else repeats)


def _repeat(text: str, spans: list[PhiSpan], kind: str, extra: list[str] = (), any_case: bool = False) -> list[PhiSpan]:
    """Every other mention of a name of `kind` found once: "admitted to St. Luke's ... St. Luke's ED"
    (any_case: in capitals or title case too, "MERCY WEST HOSPITAL ... Mercy West")."""
    values = {text[s.start:s.end] for s in spans} | {v for v in extra if v.title() not in lx.AMBIGUOUS_FIRST_NAMES}
    values = {v for v in values if len(v) >= 4 and v.strip(".") not in lx.NOT_NAME}
    if any_case:
        values |= {v.upper() for v in values} | {" ".join(w[:1] + w[1:].lower() for w in v.split(" ")) for v in values
                                                  if v.isupper()}
    if not values:
        return []
    pattern = re.compile(rf"(?<![\w'’-]){_alt(values)}(?![\w'’-])")
    return [PhiSpan(m.start(), m.end(), kind) for m in pattern.finditer(text)]


# ----------------------------------------------------------------------------- names
_TITLE_RE = re.compile(rf"(?<![\w'’-])(?:{_alt(lx.TITLES)}\.?|(?<!\d )(?<!\d)Fr\.)[ \t]{{1,2}}(?P<n>{_RUN})")
_CRED_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})(?:,[ \t]{{0,2}}(?:{_alt(lx.STRONG_CREDENTIALS)}|"
                      rf"{_alt(lx.WEAK_CREDENTIALS)})|[ \t]{{1,2}}{_alt(lx.STRONG_CREDENTIALS)})(?![\w-])")
_PAREN_CRED_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})[ \t]{{0,2}}\({_alt(lx.PAREN_CREDENTIALS)}\)")
# A name and its role or relation in parentheses: "Ana Ruiz (hospitalist):", "Tom Lee (charge RN)", "Li Wei (son)".
# (Found from the role back: a run of names tried at every capital would cost a pass of its own.)
_PAREN_ROLE_RE = re.compile(rf"\((?:[a-z]{{2,12}}[ \t]){{0,2}}{_alt(lx.ROLE_WORDS + lx.RELATION_WORDS)}\)")
_NAME_BEFORE_PAREN_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})[ \t]{{0,2}}\Z")
# A quoted nickname between a first name and a surname: Margaret "Peggy" O'Neill.
_NICKNAME_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_W}[ \t]{{1,2}}[\"“]{_W}[\"”][ \t]{{1,2}}{_W}(?:[ \t]{_W})?)"
                          r"(?![\w'’-])")
# A name before a date of birth or a record number: "Ledbetter, Ray (DOB 1/2/1960)", "Jane Roe DOB: ...".
_DOB_RE = re.compile(r"(?<![\w])(?:DOB|D\.O\.B\.?|MRN|MR#|date of birth)(?![\w])")
_NAME_BEFORE_DOB_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})[ \t]*[(,;]?[ \t]*\Z")
# Names after plural relations, joined by "and": "daughters Ana and Rosa Lima", "sons Tom, Ed and Bo Ray".
_RELATIVES_RE = re.compile(rf"{_ci(lx.PLURAL_RELATIONS)}(?:[ \t]+(?:are|were|include|including))?[ \t]*[:,]?[ \t]+"
                           rf"(?P<n>{_W}(?:[ \t]{_W})?(?:(?:,[ \t]|[ \t](?:and|&)[ \t]){_W}(?:[ \t]{_W}){{0,2}}){{1,4}})")
# A role in lowercase, then an initial and a surname: "trooper K. Alvarado", "nurse J. Ruiz".
_ROLE_INITIAL_RE = re.compile(rf"{_ci(lx.ROLE_WORDS)}[ \t]+(?P<n>[A-Z]\.[ \t]?{_W}(?:[ \t]{{1,2}}{_W})?)(?![\w'’-])")
# "pt Horvath is asking": a surname after "pt" in lowercase, inside a sentence ("Pt" begins one).
_PT_NAME_RE = re.compile(rf"(?<![\w'’-])(?:pt|patient)[ \t]+(?P<n>{_W}(?:[ \t]{_W})?)(?=[ \t]+(?:is|was|has|had|says|said|"
                         r"states|stated|reports|reported|asks|asked|wants|wanted|called|came|went|refuses|refused|"
                         r"declined|and|who|agrees|agreed|requests|requested)\b|[ \t]*[,.;:])")
# "Jr", "Sr", "III" after a name found: part of it.
_SUFFIX_RE = re.compile(r",?[ \t]{1,2}(?:Jr|JR|Sr|SR)\b\.?")
# "by J. Castellanos", "to R. Patel": an initial and a surname after a word that introduces a person
# (not anywhere: "A. Hypertension" numbers a list, "S. Aureus" is a germ).
_INITIAL_SURNAME_RE = re.compile(rf"{_ci(('by', 'per', 'from', 'with', 'cc', 'attn'))}[ \t]+"
                                 rf"(?P<n>[A-Z]\.[ \t]{_W}(?:[ \t]{{1,2}}{_W})?)(?![\w'’-])")
# "MI: E" on a form: a middle initial, told apart from a myocardial infarction by its label and the
# first or last name label before it ("First: ROSARIO  MI: E"); "Middle initial: E" needs nothing.
_MIDDLE_INITIAL_RE = re.compile(r"(?P<label>M\.?I\.?|(?i:middle[ \t]+initial|middle[ \t]+name))[ \t]*:[ \t]*"
                                r"(?P<n>[A-Z])\.?(?![\w'’-])")
_COLON_LABELS = ("patient", "patient name", "pt name", "pt", "name", "full name", "legal name", "preferred name",
                 "attending", "attending physician", "resident", "intern", "fellow", "surgeon", "assistant",
                 "anesthesiologist", "anesthesia", "provider", "pcp", "primary care", "primary care physician",
                 "primary care provider", "referring physician", "referring provider", "referring doctor",
                 "referred by", "ordering provider", "ordering physician", "ordered by", "consultant",
                 "consulting physician", "physician", "clinician", "nurse", "case manager", "social worker",
                 "signed by", "electronically signed by", "dictated by", "transcribed by", "reviewed by",
                 "approved by", "authenticated by", "cosigned by", "co-signed by", "verified by", "read by",
                 "interpreted by", "performed by", "reported by", "author", "from", "to", "cc", "sender",
                 "recipient", "guarantor", "emergency contact", "contact", "next of kin", "nok", "spouse",
                 "mother", "father", "son", "daughter", "caregiver", "guardian", "interpreter", "witness",
                 "health care proxy", "healthcare proxy", "hcp", "proxy", "poa", "subscriber", "insured",
                 "policy holder", "policyholder", "responsible party", "parent", "mother's name", "father's name",
                 "maiden name", "alias", "aka", "student", "technologist", "tech", "scribe", "chaperone",
                 "participant", "subject", "client", "caller", "re", "ordering", "last", "first", "middle",
                 "parents", "visitor", "donor", "electronically signed", "e-signed", "signed", "attested by",
                 "note by", "written by", "prepared by", "completed by", "collected by", "received by",
                 "entered by", "documented by", "accepting physician", "sending physician", "receiving physician",
                 "primary nurse", "charge nurse", "bedside nurse", "therapist", "pharmacist",
                 "dietitian", "counselor", "midwife", "chaplain", "coordinator", "study coordinator",
                 "contact person", "contact name", "legal guardian", "husband", "wife", "partner", "grandmother",
                 "grandfather", "sister", "brother", "family contact", "last name", "first name",
                 "surname", "given name", "covering", "covering physician", "on call", "on-call", "member",
                 "member name", "insured name", "beneficiary", "enrollee", "decedent", "deceased", "proband",
                 "employee", "employee name", "crew", "prescriber", "referring MD", "ordering MD", "attending MD",
                 "primary MD", "referring dr", "pcp name", "resident name", "student name", "child", "infant",
                 "baby", "mother name", "patient/caller", "claimant", "claimant name", "applicant", "informant",
                 "veteran", "resident name", "requestor", "requester", "requested by", "handled by")
_PHRASE_LABELS = ("seen by", "seen with", "evaluated by", "examined by", "discussed with", "spoke with", "spoke to",
                  "talked with", "talked to", "signed by", "dictated by", "reviewed by", "accompanied by",
                  "referred by", "referring", "covering for", "message from", "message to", "reply from",
                  "husband", "wife", "son",
                  "daughter", "mother", "father", "brother", "sister", "friend", "partner", "caregiver", "grandson",
                  "granddaughter", "niece", "nephew", "aunt", "uncle", "cousin", "roommate", "neighbor", "neighbour",
                  "boyfriend", "girlfriend", "fiance", "fiancee", "fiancé", "stepson", "stepdaughter", "guardian",
                  "sponsor", "dear", "hi", "hello", "hey", "good morning", "good afternoon", "thanks", "thank you",
                  "sincerely", "regards", "best regards", "kind regards", "best", "respectfully", "cordially",
                  "warmly", "cheers", "/s/", "sig", "signature", "patient", "client", "participant", "parents",
                  "daughter-in-law", "son-in-law", "mother-in-law", "father-in-law", "stepmother", "stepfather",
                  "sister-in-law", "brother-in-law", "grandmother", "grandfather", "grandma", "grandpa",
                  "stepsister", "stepbrother", "half-sister", "half-brother", "ex-husband", "ex-wife", "mom",
                  "dad", "spouse", "companion", "significant other", "godmother", "godfather", "coworker",
                  "co-worker", "landlord", "caseworker", "case worker", "report called to", "report given to",
                  "handed off to", "signed out to", "co-signed by", "cosigned by", "attested by",
                  "prefers to be called", "prefers to go by", "goes by", "known as", "coordinator",
                  "visit with", "video visit with", "met with", "meeting with", "call with", "phone call with",
                  "conference with", "telephone call with", "left message for", "left a message for",
                  "husband is", "wife is", "son is", "daughter is", "mother is", "father is", "brother is",
                  "sister is", "partner is", "spouse is", "caregiver is", "husband,", "wife,", "son,", "daughter,",
                  "stepchild", "grandchild", "granddaughter is", "grandson is", "nicknamed", "handled by",
                  "processed by", "released by", "taken by", "my name is")
# Two patterns, each starting with its plain words (see _ci); the word boundary is checked after.
_LABEL_RES = (re.compile(rf"{_ci(_COLON_LABELS)}(?:[ \t]*\([^()\n]{{1,40}}\)(?=[ \t]*[:#]))?(?:[ \t]*[:(#]|[ \t]+-|"
                         rf"\.{{2,}}:?)[ \t]*[\"“]?(?P<n>{_RUN})"),
              re.compile(rf"{_ci(_PHRASE_LABELS)}(?![\w'’-]),?[ \t]*(?:\n[ \t]*){{0,2}}(?P<n>{_RUN})"))
_NOT_AFTER_NAME_LABEL = frozenset({"drug", "brand", "generic", "trade", "medication", "product", "file", "user",
                                   "test", "procedure", "study", "device", "company", "street", "facility", "hospital",
                                   "program", "plan", "practice", "clinic", "pharmacy", "exam", "document", "code"})
# A name before an age and sex: "Pt Wiremu Tane Parata, 58M", "Jaylen Okoro-Whitfield, 15M", "Nguyen Van
# Long, 93, recently arrived" (that age, over 89, is PHI too).
_AGE_SEX_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_W}(?:[ \t]{{1,2}}(?:{_W}|{_PARTICLE}|[A-Z]\.)){{1,3}}),[ \t]{{1,2}}\(?"
                         r"(?:(?P<age>\d{1,3})[ \t]?(?:[MF]|yo|y/o|y\.o\.|yr|yrs|years?|-year-old)(?![\w/])|"
                         r"(?P<old>9\d|1[0-2]\d)(?=\)?,))")
# "Subject initials: R.T.W.", "Pt initials JQ"
_INITIALS_RE = re.compile(r"(?i:initials)[ \t]*[:#]?[ \t]*(?P<n>[A-Z]\.?[A-Z]\.?(?:[A-Z]\.?){0,2})(?![\w])")
_IS_A_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_W}(?:[ \t]{_W})?)(?=[ \t]+(?:is|was)[ \t]+an?[ \t]+"
                      r"(?:\d{1,3}(?![\d.])|ninety|one hundred|(?:very[ \t]+)?pleasant|(?:previously[ \t]+)?healthy))")
_CHAIN_RE = re.compile(rf"{_NO_WORD_BEFORE}(?:{_W}|{_U})(?!\w)(?:(?:,[ \t]?|[ \t]{{1,2}})(?:{_W}(?!\w)|{_U}(?!\w)|"
                       rf"[A-Z]\.|[A-Z](?![\w'’])|{_PARTICLE}))*")
# An eponym may chain names, with a particle between: "Ellis-van Creveld syndrome", "Wolff-Parkinson-White
# syndrome", "Creutzfeldt Jakob disease". Bounded repetition: linear on any input.
_EPONYM_NAME = rf"{_WP}(?:['’]s)?"
_EPONYM_CHAIN = rf"{_EPONYM_NAME}(?:[ \t-](?:(?:van|von|de|der|du|da|la|le)[ \t-])?{_EPONYM_NAME}){{0,3}}"
_EPONYM_RE = re.compile(rf"(?<![\w'’-])(?:{_alt(lx.EPONYM_PHRASES)}|(?:{_EPONYM_CHAIN})(?=[ \t]+"
                        rf"{_alt(lx.EPONYM_NOUNS)}(?![\w])))")


_STATE_WORDS = frozenset(lx.US_STATES.values())  # "traveled to Florida": Florida is a first name too


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group()) for m in _TOKEN_RE.finditer(text[start:end])]


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1 and word[0].isupper()


@lru_cache(maxsize=65536)
def _is_name_word(word: str, strict: bool = False) -> bool:
    """A word that can be part of a name here (strict: no initials or particles)."""
    if _is_initial(word):
        return not strict
    if word == "," or word.strip(".") in lx.NOT_NAME or word.title().strip(".") in lx.NOT_NAME:
        return False
    if word in lx.US_STATES or word.title() in lx.COUNTRIES_AND_REGIONS:
        return False
    head, dash, tail = word.partition("-")
    if dash and tail.islower() and (head.title() in lx.NOT_NAME or tail in lx.HYPHEN_TAILS):
        return False
    if strict and (len(word.rstrip(".")) == 1 or word.islower()):
        return False
    return True


def _trim(tokens: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The name in a run: from its first name-like word (or initial) to the last, without labels or
    commas at the edges; a word that cannot be part of a name ends the run, a comma does not."""
    while tokens and not (_is_name_word(tokens[0][2], strict=True) or _is_initial(tokens[0][2]) and len(tokens) > 1
                          and _is_name_word(tokens[1][2])):
        tokens = tokens[1:]
    for i, tok in enumerate(tokens):
        if tok[2] != "," and not _is_name_word(tok[2]):
            tokens = tokens[:i]
            break
    while tokens and (tokens[-1][2] == "," or tokens[-1][2].islower()):
        tokens = tokens[:-1]
    return tokens


def _run_span(text: str, m: re.Match[str], group: str = "n", acronym_ok: bool = False) -> PhiSpan | None:
    """The name in group `group`; acronym_ok: one word in capitals may be a name (after "Name:"; after
    "evaluated by" or before ", MD" it is a method: "evaluated by MTT assay", "FA, MD and ...")."""
    tokens = _trim(_tokens(text, m.start(group), m.end(group)))
    words = [t[2] for t in tokens if _is_name_word(t[2], strict=True)]
    if not words or not acronym_ok and len(words) == 1 and words[0].isupper() and not (
            len(tokens) >= 2 and _is_initial(tokens[0][2]) and len(words[0]) >= 3):  # "T. MORGENSTERN, RN"
        return None
    return PhiSpan(tokens[0][0], tokens[-1][1], "name")


def _first_name_spans(text: str) -> Iterator[PhiSpan]:
    """John Smith, JOHN A. SMITH, Smith, John, and a known first name alone."""
    first = lx.first_names()
    for m in _CHAIN_RE.finditer(text):
        tokens = _tokens(text, m.start(), m.end())
        i = 0
        while i < len(tokens):
            word = tokens[i][2]
            known = word.title() in first or ("-" in word and word.split("-")[0].title() in first and
                                              len(word.split("-")[1]) >= 2)
            if word == "," or not _is_name_word(word, strict=True) or not known or \
                    word.title() in _STATE_WORDS:
                i += 1
                continue
            j = i + 1
            while j < len(tokens) and j - i <= 3 and tokens[j][2] != "," and _is_name_word(tokens[j][2]):
                j += 1
            while j - 1 > i and (tokens[j - 1][2].islower() or tokens[j - 1][2] == ","):
                j -= 1
            if word.isupper() and j == i + 1 and not (i >= 2 and tokens[i - 1][2] == ","):
                i += 1  # ELISA, SALOME: a first name in capitals needs a surname next to it
                continue
            s = i
            # "Smith, John": a name-like word and a comma before the first name
            if i >= 2 and tokens[i - 1][2] == "," and _is_name_word(tokens[i - 2][2], strict=True) and \
                    (i == 2 or tokens[i - 3][2] == ","):
                s = i - 2
            yield PhiSpan(tokens[s][0], tokens[j - 1][1], "name")
            i = j


def _label_spans(text: str) -> Iterator[PhiSpan]:
    for colon, regex in zip((True, False), _LABEL_RES):
        pos = 0
        while m := regex.search(text, pos):
            # the next search starts inside this run: "Last: QUINTANILLA First: ROSARIO" holds two labels
            pos = max(m.start("n"), m.start() + 1)
            if m.start() and _in_word(text[m.start() - 1]):
                continue
            span = _label_span(text, m, colon)
            if span:
                yield span


def _label_span(text: str, m: re.Match[str], colon: bool) -> PhiSpan | None:
    label = text[m.start():m.start("n")].strip().lower()
    first = _TOKEN_RE.search(text, m.start("n"), m.end("n"))
    if first and first.group().strip(".") in lx.NOT_NAME and first.group().strip(".") not in lx.TITLES:
        return None  # "To: Cardiology Clinic Pool", "Patient: Pt states ..."
    if label.startswith("name"):
        before = text[max(0, m.start() - 20):m.start()].split()
        if before and before[-1].lower().strip(":") in _NOT_AFTER_NAME_LABEL:
            return None  # "Drug name: Lasix"
    span = _run_span(text, m, acronym_ok=colon)
    if span and label.rstrip(":#-( \t") == "cc":
        toks = _tokens(text, span.start, span.end)
        if sum(_is_name_word(t[2], strict=True) for t in toks) < 2 and not _is_initial(toks[0][2]):
            return None  # "CC: FEVER X 3 DAYS", "CC: Dizziness": a chief complaint, not a copy to
    return span


def _propagate(text: str, spans: list[PhiSpan]) -> Iterator[PhiSpan]:
    """Every other mention of a word of a name already found: "Mrs. Garcia ... Garcia reports"."""
    words = set()
    for span in spans:
        for _, _, word in _tokens(text, span.start, span.end):
            if len(word) >= 3 and _is_name_word(word, strict=True) and word.title() not in lx.AMBIGUOUS_FIRST_NAMES \
                    and word.title() not in lx.SERVICE_WORDS and word.title() not in _FAC_KEY_WORDS:
                words.update({word, word.upper(), word.title()})
    if not words:
        return
    pattern = re.compile(rf"(?<![\w'’-]){_alt(words)}(?![\w'’-])(?:[ \t][A-Z]\.(?![\w]))?")
    for m in pattern.finditer(text):
        yield PhiSpan(m.start(), m.end(), "name")


# Notes typed in lower case: "dr okafor", "mr. tran", "dtr maribel", "-jk" (a sign-off's initials).
_LOWER_TITLE_RE = re.compile(r"(?<![\w'’.-])(?:dr|mr|mrs|ms)\.?[ \t]+(?P<n>[a-z][a-z'’-]{1,20})(?![\w'’-])")
_LOWER_RELATION_RE = re.compile(r"(?<![\w'’.-])(?:dtr|daughter|son|brother|sister|wife|husband|mom|dad|mother|father|"
                                r"niece|nephew|grandson|granddaughter|friend|neighbor|caregiver)(?:[ \t]+of)?[ \t]+"
                                r"(?P<n>[a-z]{2,20})(?![\w'’-])")
_NOT_LOWER_NAME = frozenset(("office", "appt", "appointment", "visit", "note", "notes", "order", "orders", "said",
                             "says", "told", "wants", "will", "would", "called", "calls", "aware", "notified", "and",
                             "or", "to", "at", "in", "on", "is", "was", "has", "had", "the", "a", "an", "who", "that",
                             "here", "there", "today", "also", "not", "no", "yes", "ok", "re", "from", "with", "by",
                             "states", "reports", "visiting", "present", "at bedside", "bedside", "lives", "can"))
_SIGNOFF_RE = re.compile(r"(?m)(?<=[ \t])-(?P<n>[a-z]{2,3})(?=[ \t]*$)|(?<=[.!?][ \t])-(?P<c>[A-Z][a-z]{2,20}),[ \t]")
# A census or list in capitals: "OKONJO, T" before a column gap: a surname and an initial.
_CAPS_SURNAME_INITIAL_RE = re.compile(r"(?<![\w'’-])(?P<n>[A-Z]{3,20}(?:[-'’][A-Z]{2,20})?,[ \t][A-Z])(?=[ \t]{2,}|[ \t]*$)",
                                      re.M)


def _lower_name_spans(text: str) -> Iterator[PhiSpan]:
    first = lx.first_names()
    for m in _LOWER_TITLE_RE.finditer(text):
        w = m["n"]
        if w not in _NOT_LOWER_NAME and w.title() not in lx.NOT_NAME:
            yield PhiSpan(m.start("n"), m.end("n"), "name")
    for m in _LOWER_RELATION_RE.finditer(text):
        w = m["n"]
        if w.title() in first and w not in _NOT_LOWER_NAME and w.title() not in lx.NOT_NAME:
            yield PhiSpan(m.start("n"), m.end("n"), "name")
    for m in _SIGNOFF_RE.finditer(text):
        g = "n" if m["n"] else "c"
        if m[g].title() not in lx.NOT_NAME and m[g] not in ("ve", "ish", "ed", "er"):
            yield PhiSpan(m.start(g), m.end(g), "name")
    for m in _CAPS_SURNAME_INITIAL_RE.finditer(text):
        if m["n"].split(",")[0].title() not in lx.NOT_NAME:
            yield PhiSpan(m.start("n"), m.end("n"), "name")


def name_spans(text: str, protected: list[tuple[int, int]] | None = None) -> list[PhiSpan]:
    spans: list[PhiSpan] = list(_lower_name_spans(text))
    for m in _TITLE_RE.finditer(text):
        tokens = _tokens(text, m.start("n"), m.end("n"))
        kept = []
        for tok in tokens:  # after a title any capitalized word is a name, up to a word that cannot be
            if not kept and tok[2].rstrip(".") in lx.TITLES:
                continue  # "Chaplain Rev. Ambrose Kiplagat": titles in a row
            if tok[2] == "," or (kept and not _is_name_word(tok[2])) or (not kept and tok[2].strip(".") in lx.NOT_NAME):
                break
            kept.append(tok)
        while kept and (kept[-1][2].islower() or len(kept[-1][2].rstrip(".")) == 1 and len(kept) > 1):
            kept.pop()
        if len(kept) == 1 and kept[0][2].isupper() and len(kept[0][2]) <= 3:
            continue  # "DR MRI" (a pacing mode), "Deputy ME": an abbreviation, not a surname
        if kept:
            spans.append(PhiSpan(kept[0][0], kept[-1][1], "name"))
    for regex in (_CRED_RE, _IS_A_RE):
        spans += filter(None, (_run_span(text, m) for m in regex.finditer(text)))
    for m in _PAREN_CRED_RE.finditer(text):  # two words at least: "Registered Nurse (RN)" is a role
        span = _run_span(text, m)
        if span and len(_tokens(text, span.start, span.end)) >= 2:
            spans.append(span)
    spans += filter(None, (_run_span(text, m) for m in _PT_NAME_RE.finditer(text)))
    for anchor, before in ((_PAREN_ROLE_RE, _NAME_BEFORE_PAREN_RE), (_DOB_RE, _NAME_BEFORE_DOB_RE)):
        for a in anchor.finditer(text):  # the name just before "(hospitalist)", "(DOB" or "MRN"
            m = before.search(text, max(0, a.start() - 120), a.start())
            span = m and _run_span(text, m)
            if span:
                spans.append(span)
    for m in _NICKNAME_RE.finditer(text):
        words = re.findall(r"[^\s\"“”'‘’()]+", m["n"])
        if all(_is_name_word(w, strict=True) for w in words):
            spans.append(PhiSpan(m.start("n"), m.end("n"), "name"))
    for regex in (_RELATIVES_RE, _ROLE_INITIAL_RE):
        for m in regex.finditer(text):
            if m.start() and _in_word(text[m.start() - 1]):
                continue
            for part in re.finditer(rf"{_W}(?:[ \t]{_W})*|[A-Z]\.[ \t]?{_W}(?:[ \t]{_W})*", m["n"]):
                words = [w for w in part.group().split() if not _is_initial(w)]
                if words and all(_is_name_word(w, strict=True) for w in words):
                    spans.append(PhiSpan(m.start("n") + part.start(), m.start("n") + part.end(), "name"))
    for m in _INITIAL_SURNAME_RE.finditer(text):
        if not (m.start() and _in_word(text[m.start() - 1])):
            span = _run_span(text, m)
            if span and _is_initial(_tokens(text, span.start, span.end)[0][2]):
                spans.append(span)
    for m in _MIDDLE_INITIAL_RE.finditer(text):
        if m.start() and _in_word(text[m.start() - 1]):
            continue
        if m["label"][0] == "M" and "." not in m["label"] and not re.search(
                r"(?i:first|last|given|surname)(?:[ \t]+name)?[ \t]*:", text[max(0, m.start() - 80):m.start()]):
            continue
        spans.append(PhiSpan(m.start("n"), m.end("n"), "name"))
    for m in _AGE_SEX_RE.finditer(text):
        span = _run_span(text, m)
        if span and len([t for t in _tokens(text, span.start, span.end) if _is_name_word(t[2], strict=True)]) >= 2:
            spans.append(span)
            if m["old"] or 90 <= int(m["age"]) <= 129:
                g = "old" if m["old"] else "age"
                spans.append(PhiSpan(m.start(g), m.end(g), "age"))
    spans += (PhiSpan(m.start("n"), m.end("n"), "name") for m in _INITIALS_RE.finditer(text))
    spans += _label_spans(text)
    spans += _first_name_spans(text)
    if protected is None:
        protected = [m.span() for m in _EPONYM_RE.finditer(text)]
    spans = _outside(spans, protected)
    spans += _propagate(text, spans)
    spans = _outside(spans, protected)
    for i, sp in enumerate(spans):  # "CHAVARRIA, OSVALDO JR", "John Smith Sr."
        if (suffix := _SUFFIX_RE.match(text, sp.end)) and not text[suffix.end():suffix.end() + 1].isalnum():
            spans[i] = PhiSpan(sp.start, suffix.end(), "name")
    return spans


def _outside(spans: list[PhiSpan], protected: list[tuple[int, int]]) -> list[PhiSpan]:
    """The spans that overlap none of `protected` (sorted, disjoint: finditer's matches)."""
    if not protected:
        return spans
    starts = [a for a, _ in protected]

    def clear(s: PhiSpan) -> bool:
        i = bisect_left(starts, s.end) - 1  # the last protected span starting before s ends
        return i < 0 or protected[i][1] <= s.start

    return [s for s in spans if clear(s)]


# After a street address, its town (and ZIP code): "78 Harbor View Terrace, Apt 3, Gloucester.",
# "3318 W Camelback Rd, Phoenix 85017".
_TOWN_AFTER_ADDRESS_RE = re.compile(rf",[ \t]{{0,2}}(?P<place>{_TITLE_CITY})(?:,?[ \t]{{1,2}}(?P<zip>{_ZIP})(?![\d-]))?"
                                    rf"(?=[ \t]*(?:[,.;:)\n]|$)|,?[ \t]{{1,2}}(?:{_STATE_CODES}|{_STATE_NAMES})"
                                    rf"(?![\w-]))")


_ZIP_AFTER_ADDRESS_RE = re.compile(rf",?[ \t]{{1,2}}(?P<zip>{_ZIP})(?![\d-])")


def place_spans(text: str, spans: list[PhiSpan], protected: list[tuple[int, int]]) -> list[PhiSpan]:
    """Towns after the addresses found, then every other mention of a town found ("from Duluth ...
    Duluth, MN"), but not inside an eponym ("Austin Flint murmur")."""
    found = []
    for s in spans:
        if s.kind != "address":
            continue
        m = _TOWN_AFTER_ADDRESS_RE.match(text, s.end)
        if not m or any(w.strip(".") in lx.STREET_TYPES or w in lx.UNIT_WORDS for w in m["place"].split()):
            continue
        end = _place(m, text)
        if end:
            found.append(PhiSpan(m.start("place"), end, "location"))
            if m["zip"] and end == m.end("place"):
                found.append(PhiSpan(m.start("zip"), m.end("zip"), "zip"))
    for s in spans:  # "45 Oaklawn Ave, 02920"
        if s.kind == "address" and (z := _ZIP_AFTER_ADDRESS_RE.match(text, s.end)):
            found.append(PhiSpan(z.start("zip"), z.end("zip"), "zip"))
    towns = [s for s in spans + found if s.kind == "location"]
    return found + _outside(_repeat(text, towns, "location"), protected)


# ----------------------------------------------------------------------------- structured exports
# HL7 v2 segments: the fields that hold PHI, by segment and field number (MSH counts its "|" as field 1).
# "xcn": a person given as id^family^given^middle; "xad": an address street^other^city^state^zip.
_HL7_FIELDS: dict[str, dict[int, str]] = {
    "MSH": {4: "facility", 6: "facility", 7: "date"},
    "EVN": {2: "date", 6: "date"},
    "PID": {2: "mrn", 3: "mrn", 4: "mrn", 5: "name", 6: "name", 7: "date", 9: "name", 11: "xad", 12: "location",
            13: "phone", 14: "phone", 18: "id", 19: "ssn", 20: "id", 21: "id", 23: "location", 29: "date"},
    "MRG": {1: "mrn", 2: "mrn", 3: "id", 5: "id", 7: "name"},
    "PD1": {3: "facility", 4: "xcn"},
    "NK1": {2: "name", 4: "xad", 5: "phone", 6: "phone", 30: "name", 31: "phone", 32: "xad"},
    "PV1": {7: "xcn", 8: "xcn", 9: "xcn", 17: "xcn", 19: "id", 39: "facility", 44: "date", 45: "date", 50: "id"},
    "GT1": {2: "id", 3: "name", 5: "xad", 6: "phone", 7: "phone", 8: "date", 12: "ssn"},
    "IN1": {8: "id", 16: "name", 18: "date", 19: "xad", 36: "id", 49: "id"},
    "ORC": {2: "id", 3: "id", 9: "date", 10: "xcn", 11: "xcn", 12: "xcn", 15: "date"},
    "OBR": {2: "id", 3: "id", 6: "date", 7: "date", 8: "date", 14: "date", 16: "xcn", 22: "date", 32: "xcn",
            33: "xcn", 34: "xcn"},
    "OBX": {14: "date", 16: "xcn", 19: "date"},
    "TXA": {4: "date", 5: "xcn", 6: "date", 7: "date", 9: "xcn", 10: "xcn", 11: "xcn", 12: "id"},
}
_HL7_SEGMENT_RE = re.compile(r"(?m)^(?P<seg>[A-Z][A-Z0-9]{2})\|(?P<body>[^\n]*)")
_HL7_XAD_KINDS = ("address", "address", "location", None, "zip")


def _hl7_parts(body: str, offset: int, sep: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    for part in body.split(sep):
        yield offset + pos, offset + pos + len(part), part
        pos += len(part) + 1


def _hl7_field_spans(kind: str, start: int, field: str) -> Iterator[PhiSpan]:
    for r_start, _, rep in _hl7_parts(field, start, "~"):
        comps = list(_hl7_parts(rep, r_start, "^"))
        if kind in ("xcn", "xad"):
            kinds = (("id", "name", "name", "name") if kind == "xcn" else _HL7_XAD_KINDS)
            for (c_start, c_end, comp), k in zip(comps, kinds):
                if k and comp.strip() and (k != "id" or any(ch.isdigit() for ch in comp)):
                    yield PhiSpan(c_start, c_end, k)
        elif kind in ("mrn", "id", "facility", "ssn", "phone", "date"):
            # the value, not its assigning authority or type code: RMC0074419^^^RMC^MR
            c_start, c_end, comp = comps[0]
            if comp.strip() and (kind == "facility" or any(ch.isdigit() for ch in comp)):
                yield PhiSpan(c_start, c_end, kind)
        else:  # names and places: every component but a degree or a code
            yield from (PhiSpan(c_start, c_end, kind) for c_start, c_end, comp in comps[:4]
                        if comp.strip() and not any(ch.isdigit() for ch in comp))


# An HL7 message shown field per line by a viewer: "PID-5   Patient name ....... DOE^JANE^A".
_HL7_VIEWER_RE = re.compile(r"(?m)^[ \t]{0,4}(?P<seg>[A-Z][A-Z0-9]{2})[-.](?P<num>\d{1,2})(?![\d.-])[ \t]+"
                            r"[A-Za-z'’/#() -]{0,40}?(?:[ \t]*\.{2,}[ \t]*|[ \t]*:[ \t]*|[ \t]{2,})(?P<value>[^ \t\n][^\n]{0,300})")


def hl7_spans(text: str) -> list[PhiSpan]:
    """The PHI fields of HL7 v2 segments (PID-5 the name, PID-7 the birth date, PV1-7 the attending ...)."""
    spans: list[PhiSpan] = []
    for m in _HL7_VIEWER_RE.finditer(text):
        kind = _HL7_FIELDS.get(m["seg"], {}).get(int(m["num"]))
        if kind:
            value = m["value"].split("  ")[0].rstrip()
            spans += _hl7_field_spans(kind, m.start("value"), value)
    if "|" not in text:
        return spans
    for m in _HL7_SEGMENT_RE.finditer(text):
        fields = _HL7_FIELDS.get(m["seg"])
        if not fields:
            continue
        first = 2 if m["seg"] == "MSH" else 1
        for i, (start, end, field) in enumerate(_hl7_parts(m["body"], m.start("body"), "|")):
            kind = fields.get(i + first)
            if not kind or not field.strip():
                continue
            spans += _hl7_field_spans(kind, start, field)
    return spans


# Tables (CSV, tab-separated, or columns aligned with spaces) whose header names the columns: the
# cells under a PHI column, when they have the shape of its kind.
_TABLE_SPLIT = re.compile(r"[ \t]{2,}|\t")
_HEADER_CELL = re.compile(r"[A-Za-z][A-Za-z0-9 _#/.()-]{0,40}")
_COLUMN_KINDS = (
    (("code", "icd", "cpt", "dx", "sex", "gender", "race", "state", "status", "result", "value", "unit", "type",
      "qty", "dose", "room", "rm", "bed", "ward", "floor", "lang", "count", "score", "amount", "charge", "balance",
      "flag", "class"), None),
    (("ssn", "social"), "ssn"), (("email", "e_mail"), "email"),
    (("phone", "tel", "fax", "cell", "mobile", "pager"), "phone"), (("zip", "postal"), "zip"),
    (("city", "town", "county", "municipality"), "location"), (("address", "street", "addr"), "address"),
    (("dob", "birth", "date", "admit", "discharge", "dos", "dod", "_dt", "dt_"), "date"),
    (("name",), "name"),
    (("mrn", "mr#", "mr_no", "medical_record", "med_rec", "chart", "patient_id", "pat_id", "pt_id", "unit_no"), "mrn"),
    (("account", "acct", "member", "policy", "subscriber", "encounter", "csn", "claim", "fin", "npi", "_id", "id_",
      "number", "_no", "#"), "id"),
    (("name", "last", "first", "patient", "pcp", "provider", "physician", "attending", "doctor", "surgeon", "nurse",
      "guarantor", "contact", "md", "prescriber", "referring"), "name"),
    (("age",), "age"),
)
_CELL_SHAPES = {
    "ssn": re.compile(r"\d{3}-?\d{2}-?\d{4}"), "email": re.compile(r"\S+@\S+"),
    "phone": re.compile(r"[+(]?\d[\d ().-]{5,18}\d(?:[ \t]*x\d{1,5})?"), "zip": re.compile(r"\d{5}(?:-\d{4})?"),
    "location": re.compile(rf"{_TITLE_CITY}|{_U}(?:[ \t]{_U}){{0,2}}"),
    "address": re.compile(r"(?=.{0,60}\d)(?=.{0,60}[A-Za-z])[A-Za-z0-9 .,#'-]{3,60}"),
    "date": re.compile(r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|(?:19|20)\d{6}(?:\d{2,6})?"),
    "mrn": re.compile(r"(?=[A-Za-z0-9-]{0,24}\d)[A-Za-z0-9][A-Za-z0-9-]{2,24}"),
    "id": re.compile(r"(?=[A-Za-z0-9-]{0,24}\d)[A-Za-z0-9][A-Za-z0-9-]{2,24}"),
    "name": re.compile(rf"(?:{_PARTICLE}[ \t])?(?:{_W}|{_U})(?:,?[ \t](?:{_W}|{_U}|[A-Z]\.?|{_PARTICLE})){{0,3}}"),
    "age": re.compile(r"(?:9\d|1[0-2]\d)(?:[ \t]?(?:y|yo|yrs?|Y))?"),
}


def _column_kind(header: str) -> str | None:
    key = "_" + re.sub(r"[^a-z0-9#]+", "_", header.lower()).strip("_") + "_"
    for words, kind in _COLUMN_KINDS:
        if any(w in key if not w.isalpha() else re.search(rf"(?<![a-z]){w}(?![a-z])", key) for w in words):
            return kind
    return None


def _cells(line: str, start: int, delim: str | None) -> list[tuple[int, int, str]]:
    if delim:
        return [(a, b, line[a - start:b - start]) for a, b, _ in _hl7_parts(line, start, delim)]
    cells, pos = [], 0
    for m in _TABLE_SPLIT.finditer(line):
        cells.append((start + pos, start + m.start(), line[pos:m.start()]))
        pos = m.end()
    cells.append((start + pos, start + len(line), line[pos:]))
    return [c for c in cells if c[2]]


def table_spans(text: str) -> list[PhiSpan]:
    spans: list[PhiSpan] = []
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        start, line = lines[i]
        i += 1
        delim = "," if line.count(",") >= 2 else "\t" if line.count("\t") >= 2 else ";" if line.count(";") >= 2 else None
        header = _cells(line, start, delim) if line.count(",") <= 60 and line.count("\t") <= 60 and \
            line.count(";") <= 60 and len(line) < 2000 else []
        if len(header) < 3 or len(header) > 60 or not all(_HEADER_CELL.fullmatch(c[2].strip()) for c in header):
            continue
        kinds = [_column_kind(c[2].strip()) for c in header]
        if sum(k is not None for k in kinds) < max(2, len(kinds) / 2) or any(len(c[2].split()) > 3 for c in header):
            continue  # a header names its columns in a word or three, most of them PHI here
        while i < len(lines) and lines[i][1].strip():
            r_start, row = lines[i]
            if delim:
                cells = _cells(row, r_start, delim)
                if len(cells) != len(header):
                    break
                pairs = zip(cells, kinds)
            else:  # aligned columns: each word goes to the column whose header starts at or before it
                col_starts = [c[0] - start for c in header]
                grouped: list[list] = []  # [column, start, end] of the words of one cell
                for w in re.finditer(r"\S+", row):
                    col = max((j for j, cs in enumerate(col_starts) if cs <= w.start() + 2), default=0)
                    if grouped and grouped[-1][0] == col:
                        grouped[-1][2] = w.end()
                    else:
                        grouped.append([col, w.start(), w.end()])
                pairs = [((r_start + a, r_start + b, row[a:b]), kinds[col]) for col, a, b in grouped]
            found = 0
            for (a, b, cell), kind in pairs:
                value = cell.strip()
                if not kind or not value:
                    continue
                a += len(cell) - len(cell.lstrip())
                if _CELL_SHAPES[kind].fullmatch(value) and not (kind in ("name", "location") and all(
                        w.strip(",.") in lx.NOT_NAME for w in value.split())):
                    spans.append(PhiSpan(a, a + len(value), kind))
                    found += 1
            if not found:
                break
            i += 1
    return spans


# Text of a scanned form, OCR'd with its letters spread out ("S S N :  3 1 2 - 4 4 - 9 0 1 7"): read
# again with the runs closed up and the spaces squeezed, the spans mapped back.
def _spread_runs(text: str) -> int:
    """How many runs of five or more one-character words, one space apart, the text holds."""
    runs = length = 0
    last_end = -2
    for tok in re.finditer(r"\S+", text):
        if len(tok.group()) == 1:
            length = length + 1 if length and tok.start() == last_end + 1 else 1
        else:
            length = 0
        last_end = tok.end()
        runs += length == 5
    return runs


def _closed_up(text: str) -> tuple[str, list[int]]:
    """The text with spread-out runs closed up and runs of spaces squeezed; for each character kept,
    its index in `text`."""
    out, index = [], []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == " ":
            j = i
            while j < n and text[j] == " ":
                j += 1
            prev_single = i >= 1 and not text[i - 1].isspace() and (i < 2 or text[i - 2].isspace())
            next_single = j < n and not text[j].isspace() and (j + 1 >= n or text[j + 1].isspace())
            if j - i == 1 and prev_single and next_single:
                pass  # inside "3 1 2": drop the space
            elif j < n and text[j] in ",:;.)" and (j + 1 >= n or text[j + 1].isspace()):
                pass  # "GRABOWSKI ," and "Zip :" close up
            else:
                out.append(" ")
                index.append(i)
            i = j
            continue
        out.append(ch)
        index.append(i)
        i += 1
    return "".join(out), index


# ----------------------------------------------------------------------------- the de-identifier
RULES: tuple[Rule, ...] = DATE_RULES + AGE_RULES + CONTACT_RULES + RECORD_RULES + PLACE_RULES


# What a note puts in parentheses right after a person's name: a record number ("Ana Ruiz (4471093)",
# "Ruiz, Ana (QH-2281094, DOB ...)") or an age ("Ana Ruiz (93)").
_PAREN_AFTER_NAME_RE = re.compile(r"[ \t]{0,2}\n?[ \t]{0,2}\([ \t]?(?:(?P<v>(?=[A-Z0-9-]{0,16}\d{6})[A-Z]{0,4}-?\d{6,12})(?=[ \t]*[),;])|"
                                  r"(?P<a>(?:9\d|1[01]\d))(?:[ \t]?(?:yo|y/o|y|yrs?))?\))")
_NAME_BEFORE_ID_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})(?=[ \t]{{0,2}}\([ \t]?[A-Z]{{0,4}}-?\d{{6,12}}[ \t]*[),;])")


def _after_name_spans(text: str, spans: list[PhiSpan]) -> list[PhiSpan]:
    out: list[PhiSpan] = []
    names = [s for s in spans if s.kind == "name"]
    for m in _NAME_BEFORE_ID_RE.finditer(text):
        span = _run_span(text, m)
        if span and span.end == m.end("n") and len([t for t in _tokens(text, span.start, span.end)
                                                     if _is_name_word(t[2], strict=True)]) >= 2:
            names.append(span)
            out.append(span)
    for sp in names:
        m = _PAREN_AFTER_NAME_RE.match(text, sp.end)
        if m and m["v"]:
            out.append(PhiSpan(m.start("v"), m.end("v"), "mrn"))
        elif m and m["a"]:
            out.append(PhiSpan(m.start("a"), m.end("a"), "age"))
    return out


class RulesDeidentifier(Deidentifier):
    """Regular expressions and word lists (see the module docstring for what each kind covers)."""

    name = "rules"

    def find(self, text: str) -> list[PhiSpan]:
        spans = self._find(text)
        if _spread_runs(text) >= 2:
            closed, index = _closed_up(text)
            spans += (PhiSpan(index[s.start], index[s.end - 1] + 1, s.kind) for s in self._find(closed))
        return spans

    @staticmethod
    def _find(text: str) -> list[PhiSpan]:
        spans = [span for rule in RULES for span in rule.spans(text)]
        for kind in ("mrn", "id", "ssn"):  # a record number found once, everywhere: 'labeled "NPA-558102"'
            numbers = [s for s in spans if s.kind == kind and sum(c.isdigit() for c in text[s.start:s.end]) >= 5]
            spans += _repeat(text, numbers, kind) if numbers else []
        protected = [m.span() for m in _EPONYM_RE.finditer(text)]
        spans += place_spans(text, spans, protected)
        spans += facility_spans(text, protected)
        spans += name_spans(text, protected)
        spans += hl7_spans(text) + table_spans(text)
        spans += _after_name_spans(text, spans)
        return spans
