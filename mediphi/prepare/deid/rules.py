"""The built-in de-identifier: regular expressions and word lists, no model, no dependency.

What it scrubs (kind: what, with the decisions that are not obvious):
  name      after a title (Dr. Smith), before a credential (Jane Doe, MD), after a label (Patient:,
            Name:, Attending:, From:, Dear, Thanks,), after a relation (her daughter Maria), before
            "is a 67-year-old"; first names from the Census list with the capitalized words after them
            (John Smith, JOHN SMITH, Smith, John); and every later mention of a name found so. Titles
            and credentials stay: "Dr. [NAME]". Eponyms ("Parkinson disease", "Marcus Gunn pupil") stay.
  date      every element of a date but a year alone: 03/04/2021, 3/4/21, 2021-03-04, 03.04.2021,
            March 4, 2021, Mar. 4th, 4 Mar 2021, 04-MAR-2021, 4th of March 2021, March 2021, 03/2021,
            "on 3/4" (a month/day needs a word such as on, since, until before it: 1/2 tablet and
            BP 120/80 stay). "in 2019" and "2018-2020" stay; a month name alone stays too ("in May").
  age       the number of an age over 89: "92-year-old", "age 93", "aged 95", "91 yo", "ninety-two
            years old", "in her 90s". Ages up to 89 stay.
  phone     North American numbers in every punctuation, with extensions; +country numbers; numbers
            after a label (Tel, Fax, Pager, Cell ...).
  email, url (schemes, www., bare domains with a known top-level domain), ip (v4 and v6).
  ssn       ddd-dd-dddd with -, space or . (or none after an SSN label).
  mrn, id   values after their labels (MRN, Medical record no., Patient ID / Account, Member ID,
            Policy, Encounter, CSN, Claim, Accession, License, DEA, NPI, Serial, VIN, Passport ...):
            the label stays, "MRN: [MRN]".
  address   number + street + type (+ unit), units alone (Apt 4B, Suite 210), PO boxes.
  location  a city before a state (Boston, MA / Boston, Massachusetts), a place after "lives in",
            "moved from" ... (not a state or country), counties. States stay (Safe Harbor allows them).
  zip       after a state or a ZIP label.
  facility  capitalized words ending in Hospital, Medical Center, Clinic, Nursing Home ... (not a
            service: "Heart Failure Clinic" stays), and a short list of systems known without them.

Every pattern runs in linear time: no nested unbounded quantifiers, every repeated group bounded,
and unbounded character runs guarded by a lookbehind so a long run is entered once, not at every
character: one 1 MB line of such runs takes a few seconds (benchmarks/deid.py), not hours.
"""
from __future__ import annotations

import ipaddress
from bisect import bisect_left
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from mediphi.prepare.deid import lexicon as lx
from mediphi.prepare.deid.base import Deidentifier, PhiSpan


def _alt(words) -> str:
    """A regex alternation of literal words, longest first (so "Medical Center" beats "Medical")."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


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
# One word of a name: Smith, O'Brien, McDonald, DeShawn, Smith-Jones; SMITH, O'BRIEN; initials.
_W = r"[A-Z](?:[a-z]{0,20}['’][A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+(?:[A-Z][a-z]+)?)?"
_U = r"[A-Z](?:['’][A-Z])?[A-Z]+(?:-[A-Z]{2,})?"
_INITIAL = r"[A-Z]\.?(?![\w'’])"
_PARTICLE = r"(?:de|del|della|da|di|du|van|von|der|den|la|le|dos|das|bin|ibn|al|el|ter|ten|y)(?=[ \t]+[A-Z])"
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
                 "visit", "surgery", "due", "between", "and")
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
    _rule("date", _ci(_DATE_CONTEXT) + r"[ \t]{1,2}(?P<d>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))"
          r"(?![\d/])(?![ \t]*(?:tab|cap|dose|mg|pill|strength|of\b))", group="d", word_start=True),
    # DOB: 19520304
    _rule("date", _ci(("DOB", "D.O.B.", "date of birth", "birth date", "birthdate")) +
          r"[ \t]*[:#]?[ \t]*(?P<d>(?:19|20)\d{6})(?!\d)", group="d", word_start=True),
)

_AGE_NUM = r"(?:9\d|1[0-2]\d)"
_ONES = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_YEARS_OLD = (r"(?=[ \t-]{0,2}(?:(?:years?|yrs?|y)[ \t-]{0,2}(?:old|o\.?(?![a-z]))|(?:years?|yrs?)[ \t]+of[ \t]+age"
              r"|yo(?![a-z])|y/o|y\.o\.|(?:years?|yrs?)(?![a-z])))")
AGE_RULES = (
    _rule("age", r"(?<![\w.])" + _AGE_NUM + _YEARS_OLD, flags=re.I),
    _rule("age", _ci(("age", "aged", "ages")) + r"[ \t]*[:=]?[ \t]*(?P<n>" + _AGE_NUM + r")(?![\d.])", group="n",
          word_start=True),
    _rule("age", _ci(("ninety", "one hundred", "one-hundred")) + r"(?i:(?<=ninety)(?:[- ]" + _ONES +
          r")?|(?<=hundred)(?:[- ]and)?(?:[- ](?:" + _ONES + r"|ten|eleven|twelve))?)(?i:" + _YEARS_OLD + ")",
          word_start=True),
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
    # North American numbers: (617) 555-0123, 617.555.0123, +1 617 555 0123, 617/555-0123 x12
    _rule("phone", r"(?<![\w+/.-])(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t]?|\d{3}(?:[ \t.-]|/))\d{3}[ \t.-]\d{4}"
          r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?![\w-]|\.\d|/\d)"),
    _rule("phone", r"(?<![\w+])\+[2-9]\d{0,2}(?:[ \t.-]\(?\d{1,5}\)?){2,5}(?![\w-]|\.\d)"),
    _rule("phone", _ci(("phone", "tel", "telephone", "fax", "facsimile", "cell", "cellphone", "mobile", "pager",
                        "beeper", "ph", "call", "contact", "home", "work", "ext", "extension", "voicemail", "vm")) +
          r"(?![\w])\.?[ \t]*(?i:#|no\.?|number|num)?[ \t]*[:#]?[ \t]*(?P<p>\+?\(?\d[\d \t().-]{3,18}\d)(?![\d/])",
          group="p", word_start=True),
)

# ----------------------------------------------------------------------------- record numbers
_VALUE = r"(?P<v>(?=[A-Za-z0-9-]{0,24}\d)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){2,24})(?![\w-])"
_SEP = r"[ \t]*(?i:#|no\.?|number|num|id)?[ \t]*(?:is[ \t]+)?(?:[:#=]|\.{2,}:?)?[ \t]*"  # "MRN....... 123": a leader


def _value_check(min_digits: int) -> Callable[[re.Match[str], str], int | None]:
    def check(m: re.Match[str], text: str) -> int | None:
        value = m["v"]
        return m.end("v") if sum(c.isdigit() for c in value) >= min_digits and len(value) >= 4 else None
    return check


_MRN_LABEL = (_ci(("MRN", "MR#", "MR No", "MR No.", "Med Rec", "Med. Rec.", "Medical Record", "Medical Records",
                     "Med Record", "Health Record")) + "|" +
              _ci(("hospital", "unit", "chart", "patient", "pt")) + r"(?=[ \t]*(?i:number|num|no\b|#|id\b|identifier))")
_ID_STRONG = ("account", "acct", "member", "membership", "subscriber", "policy", "medicare", "medicaid", "mbi",
              "hicn", "beneficiary", "encounter", "enc", "csn", "fin", "har", "claim", "accession", "specimen",
              "license", "licence", "driver's license", "drivers license", "driver license", "dl", "lic", "dea",
              "npi", "upin", "tin", "ein", "serial", "vin", "license plate", "plate", "passport", "udi",
              "insurance", "ins", "certificate", "cert", "badge", "employee")
_ID_WEAK = ("visit", "episode", "admission", "case", "order", "requisition", "lab", "device", "implant", "lot",
            "group", "plan", "health plan", "tracking", "reference", "ref", "confirmation", "ticket", "voucher",
            "student", "record", "document", "report", "study", "exam", "tax", "id")
RECORD_RULES = (
    _rule("mrn", "(?:" + _MRN_LABEL + ")" + _SEP + _VALUE, group="v", check=_value_check(2), word_start=True),
    _rule("id", _ci(_ID_STRONG) + r"(?![\w])" + _SEP + _VALUE, group="v", check=_value_check(2), word_start=True),
    _rule("id", _ci(_ID_WEAK) + r"[ \t]*(?i:id|identifier|number|num|no\.|#)[ \t]*[:#=]?[ \t]*" +
          _VALUE, group="v", check=_value_check(2), word_start=True),
    _rule("id", r"(?<![\w-])ID[ \t]*[:#][ \t]*" + _VALUE, group="v", check=_value_check(2)),
)

# ----------------------------------------------------------------------------- places
_STATE_NAMES = _alt(lx.US_STATES.values())
_STATE_CODES = _alt(lx.US_STATES)
_ZIP = r"\d{5}(?:-\d{4})?"
_CITY_WORD = rf"(?:(?:St|Ste|Ft|Mt|ST|FT|MT)\.|{_W}|{_U})"
_CITY = rf"{_CITY_WORD}(?:[ \t-]{_CITY_WORD}){{0,3}}"
_TITLE_CITY = rf"(?:(?:St|Ft|Mt)\.|{_W})(?:[ \t-](?:(?:St|Ft|Mt)\.|{_W})){{0,3}}"
_STREET_TYPES = _alt([t for w in lx.STREET_TYPES for t in (w, w.upper())]) + r"\.?(?![\w'’])"
_UNIT = (r"(?:,?[ \t]{1,2}(?:" + _alt([u for w in lx.UNIT_WORDS for u in (w, w.upper())]) +
         r"\.?[ \t]*#?[ \t]*|#[ \t]?)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,6}(?![\w-]))")
_LIVES = ("lives", "living", "live", "resides", "residing", "resident", "moved", "moving", "relocated", "located",
          "born", "raised", "grew up", "visiting", "visited", "returned", "traveled", "travelled", "home",
          "vacation", "vacationing", "works", "worked", "employed", "stationed", "native", "hometown")


def _city(m: re.Match[str], text: str) -> int | None:
    words = m["city"].replace("-", " ").split()
    if any(w.strip(".") in lx.NOT_NAME and w not in ("St", "St.", "Mt.", "Ft.") for w in words[:1]):
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


_STATE_BEFORE = re.compile(rf"(?<![\w-])(?:{_STATE_CODES}|{_STATE_NAMES}),?[ \t]{{1,2}}$")


def _after_state(m: re.Match[str], text: str) -> int | None:
    """A ZIP code is five digits after a state ("MA 02115"); other five digits are lab values."""
    return m.end() if _STATE_BEFORE.search(text, max(0, m.start() - 24), m.start()) else None


def _place(m: re.Match[str], text: str) -> int | None:
    words = [w for w in re.split(r"[ \t]+", m["place"]) if w]
    kept = []
    for w in words:
        if w in lx.NOT_NAME or w in lx.COUNTRIES_AND_REGIONS or w in lx.US_STATES.values() or w in lx.US_STATES:
            break
        kept.append(w)
    if not kept or " ".join(kept) in lx.US_STATES.values():
        return None
    return m.start("place") + len(" ".join(kept)) if len(kept) < len(words) else m.end("place")


PLACE_RULES = (
    _rule("address", r"(?<![\w.,/$#-])\d{1,6}[A-Z]?(?:-\d{1,4})?[ \t]{1,2}(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)"
          r"\.?[ \t]{1,2})?(?:(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][A-Za-z'’-]{0,30})[ \t]{1,2}){1,3}" + _STREET_TYPES +
          r"(?:[ \t]{1,2}(?:NE|NW|SE|SW|N|S|E|W)\.?(?![\w]))?" + _UNIT + "?"),
    _rule("address", _alt(("Apt", "APT", "Apartment", "Suite", "SUITE", "Ste", "STE", "Unit")) +
          r"(?:\.[ \t]*#?|[ \t]+#?|[ \t]*#)[ \t]*\d[A-Za-z0-9-]{0,5}(?![\w-])", word_start=True),
    _rule("address", r"[Pp](?<![\w'’-][Pp])\.?[ \t]?[Oo]\.?[ \t]?(?:Box|BOX|box)[ \t]*#?[ \t]*\d{1,6}(?!\d)"),
    # Boston, MA 02115 / Salt Lake City UT / St. Louis, Missouri
    _rule("location", rf"(?<![\w'’.-])(?P<city>{_CITY}),?[ \t]{{1,2}}(?P<state>{_STATE_CODES}|{_STATE_NAMES})"
          rf"(?![\w-])(?:[ \t]{{1,2}}(?P<zip>{_ZIP})(?![\d-]))?", group="city", check=_city),
    _rule("location", _ci(_LIVES) + r"[ \t]+(?:in|to|from|at|near|outside(?:[ \t]+of)?)[ \t]+"
          rf"(?P<place>{_TITLE_CITY})(?![\w'’])", group="place", check=_place, word_start=True),
    _rule("location", rf"(?<![\w'’-])(?:{_W}[ \t])?{_W}[ \t](?:County|Parish|Borough|Township)(?![\w])"),
    _rule("zip", r"\d(?<![\w-]\d)\d{4}(?:-\d{4})?(?![\d-])", check=_after_state),
    _rule("zip", _ci(("zip", "zip code", "zipcode", "postal code")) + rf"[ \t]*[:#]?[ \t]*(?P<z>{_ZIP})(?![\d-])",
          group="z", word_start=True),
)

_FAC_WORD = r"(?:(?:St|Mt|Ft)\.|[A-Z][A-Za-z'’&-]{0,30})"
_FAC_CONNECT = r"(?:[ \t]+(?:of|for|the|and|&|at|on|de|la)){0,2}"
_FACILITY_RE = re.compile(
    rf"(?<![\w'’-])(?P<pre>{_FAC_WORD}(?:{_FAC_CONNECT}[ \t]+{_FAC_WORD}){{0,6}}[ \t]+)?"
    rf"(?P<kw>{_alt(lx.FACILITY_KEYWORDS)})(?![\w])"
    rf"(?P<post>[ \t]+(?:of|for|at)[ \t]+(?:the[ \t]+)?{_FAC_WORD}(?:[ \t]+(?:of[ \t]+)?{_FAC_WORD}){{0,3}})?")
_KNOWN_FACILITY_RE = re.compile(rf"(?<![\w'’-]){_alt(lx.KNOWN_FACILITIES)}(?![\w])")


def facility_spans(text: str) -> Iterator[PhiSpan]:
    for m in _FACILITY_RE.finditer(text):
        start, end = m.start(), m.end()
        words = m["pre"].split() if m["pre"] else []
        while words and (words[0] in lx.NOT_NAME or words[0].lower() in ("of", "for", "the", "and", "at", "on")):
            start = text.index(words[0], start) + len(words[0])
            words.pop(0)
        named = [w for w in words if w not in lx.SERVICE_WORDS and w.lower() not in ("of", "for", "the", "and", "&",
                                                                                      "at", "on", "de", "la")]
        if not named and not m["post"]:
            continue
        while start < end and text[start] in " \t":
            start += 1
        yield PhiSpan(start, end, "facility")
    for m in _KNOWN_FACILITY_RE.finditer(text):
        yield PhiSpan(m.start(), m.end(), "facility")


# ----------------------------------------------------------------------------- names
_TITLE_RE = re.compile(rf"(?<![\w'’-]){_alt(lx.TITLES)}\.?[ \t]{{1,2}}(?P<n>{_RUN})")
_CRED_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_RUN})(?:,[ \t]{{0,2}}(?:{_alt(lx.STRONG_CREDENTIALS)}|"
                      rf"{_alt(lx.WEAK_CREDENTIALS)})|[ \t]{{1,2}}{_alt(lx.STRONG_CREDENTIALS)})(?![\w-])")
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
                 "parents", "visitor", "donor")
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
                  "daughter-in-law", "son-in-law", "mother-in-law", "father-in-law", "stepmother", "stepfather")
# Two patterns, each starting with its plain words (see _ci); the word boundary is checked after.
_LABEL_RES = (re.compile(rf"{_ci(_COLON_LABELS)}(?:[ \t]*[:(#]|[ \t]+-|\.{{2,}}:?)[ \t]*(?P<n>{_RUN})"),
              re.compile(rf"{_ci(_PHRASE_LABELS)}(?![\w'’-]),?[ \t]*(?:\n[ \t]*){{0,2}}(?P<n>{_RUN})"))
_NOT_AFTER_NAME_LABEL = frozenset({"drug", "brand", "generic", "trade", "medication", "product", "file", "user",
                                   "test", "procedure", "study", "device", "company", "street", "facility", "hospital",
                                   "program", "plan", "practice", "clinic", "pharmacy", "exam", "document", "code"})
_IS_A_RE = re.compile(rf"{_NO_WORD_BEFORE}(?P<n>{_W}(?:[ \t]{_W})?)(?=[ \t]+(?:is|was)[ \t]+an?[ \t]+"
                      r"(?:\d{1,3}(?![\d.])|ninety|one hundred|(?:very[ \t]+)?pleasant|(?:previously[ \t]+)?healthy))")
_CHAIN_RE = re.compile(rf"{_NO_WORD_BEFORE}(?:{_W}|{_U})(?!\w)(?:(?:,[ \t]?|[ \t]{{1,2}})(?:{_W}(?!\w)|{_U}(?!\w)|"
                       rf"[A-Z]\.|[A-Z](?![\w'’])|{_PARTICLE}))*")
# An eponym may chain names, with a particle between: "Ellis-van Creveld syndrome", "Wolff-Parkinson-White
# syndrome", "Creutzfeldt Jakob disease". Bounded repetition: linear on any input.
_EPONYM_NAME = rf"{_W}(?:['’]s)?"
_EPONYM_CHAIN = rf"{_EPONYM_NAME}(?:[ \t-](?:(?:van|von|de|der|du|da|la|le)[ \t-])?{_EPONYM_NAME}){{0,3}}"
_EPONYM_RE = re.compile(rf"(?<![\w'’-])(?:{_alt(lx.EPONYM_PHRASES)}|(?:{_EPONYM_CHAIN})(?=[ \t]+"
                        rf"{_alt(lx.EPONYM_NOUNS)}(?![\w])))")


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
    if not words or not acronym_ok and len(words) == 1 and words[0].isupper():
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
            if word == "," or not _is_name_word(word, strict=True) or word.title() not in first:
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
        for m in regex.finditer(text):
            if m.start() and _in_word(text[m.start() - 1]):
                continue
            span = _label_span(text, m, colon)
            if span:
                yield span


def _label_span(text: str, m: re.Match[str], colon: bool) -> PhiSpan | None:
    label = text[m.start():m.start("n")].strip().lower()
    if label.startswith("name"):
        before = text[max(0, m.start() - 20):m.start()].split()
        if before and before[-1].lower().strip(":") in _NOT_AFTER_NAME_LABEL:
            return None  # "Drug name: Lasix"
    return _run_span(text, m, acronym_ok=colon)


def _propagate(text: str, spans: list[PhiSpan]) -> Iterator[PhiSpan]:
    """Every other mention of a word of a name already found: "Mrs. Garcia ... Garcia reports"."""
    words = set()
    for span in spans:
        for _, _, word in _tokens(text, span.start, span.end):
            if len(word) >= 3 and _is_name_word(word, strict=True) and word.title() not in lx.AMBIGUOUS_FIRST_NAMES:
                words.update({word, word.upper(), word.title()})
    if not words:
        return
    pattern = re.compile(rf"(?<![\w'’-]){_alt(words)}(?![\w'’-])")
    for m in pattern.finditer(text):
        yield PhiSpan(m.start(), m.end(), "name")


def name_spans(text: str) -> list[PhiSpan]:
    spans: list[PhiSpan] = []
    for m in _TITLE_RE.finditer(text):
        tokens = _tokens(text, m.start("n"), m.end("n"))
        kept = []
        for tok in tokens:  # after a title any capitalized word is a name, up to a word that cannot be
            if tok[2] == "," or (kept and not _is_name_word(tok[2])) or (not kept and tok[2].strip(".") in lx.NOT_NAME):
                break
            kept.append(tok)
        while kept and (kept[-1][2].islower() or len(kept[-1][2].rstrip(".")) == 1 and len(kept) > 1):
            kept.pop()
        if kept:
            spans.append(PhiSpan(kept[0][0], kept[-1][1], "name"))
    for regex in (_CRED_RE, _IS_A_RE):
        spans += filter(None, (_run_span(text, m) for m in regex.finditer(text)))
    spans += _label_spans(text)
    spans += _first_name_spans(text)
    protected = [m.span() for m in _EPONYM_RE.finditer(text)]
    spans = _outside(spans, protected)
    spans += _propagate(text, spans)
    return _outside(spans, protected)


def _outside(spans: list[PhiSpan], protected: list[tuple[int, int]]) -> list[PhiSpan]:
    """The spans that overlap none of `protected` (sorted, disjoint: finditer's matches)."""
    if not protected:
        return spans
    starts = [a for a, _ in protected]

    def clear(s: PhiSpan) -> bool:
        i = bisect_left(starts, s.end) - 1  # the last protected span starting before s ends
        return i < 0 or protected[i][1] <= s.start

    return [s for s in spans if clear(s)]


# ----------------------------------------------------------------------------- the de-identifier
RULES: tuple[Rule, ...] = DATE_RULES + AGE_RULES + CONTACT_RULES + RECORD_RULES + PLACE_RULES


class RulesDeidentifier(Deidentifier):
    """Regular expressions and word lists (see the module docstring for what each kind covers)."""

    name = "rules"

    def find(self, text: str) -> list[PhiSpan]:
        spans = [span for rule in RULES for span in rule.spans(text)]
        spans += facility_spans(text)
        spans += name_spans(text)
        return spans
