"""PIT tasks as data: what the teacher is asked, how its reply is read, what the student sees.

Each task turns one document into one (prompt, response) training pair, after Jiang et al. 2024
("Instruction-tuned language models are better knowledge learners"): QA pairs are trained
closed-book (the question alone is the prompt), so the answer must come from knowledge the model
absorbs from the raw documents in phase 2; the document-grounded tasks (summary, entities,
relations) show the document in the prompt.

Every teacher reply ends in one of three outcomes:
  kept         parsed and checked: becomes a task-data row
  filtered     well-formed but rejected by a content check (not grounded in the document, a
               question that only makes sense next to the text, a copy of the document)
  quarantined  unusable: empty, degenerate, or not in the asked format (the reason says which)
Small teachers often miss the format, so the parsers accept the usual variants (markdown, labels
on their own line, "Q:"/"A:", a bare question without labels) before giving up.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

KEPT, FILTERED, QUARANTINED = "kept", "filtered", "quarantined"


@dataclass(frozen=True)
class Parsed:
    status: str  # KEPT | FILTERED | QUARANTINED
    reason: str = ""  # why it was not kept; "" when kept
    fields: dict[str, str] = field(default_factory=dict)  # fills Task.student; "response" is the target


@dataclass(frozen=True)
class Task:
    name: str
    teacher: str  # the teacher's user turn; {doc} is the (cut) document
    student: str  # the training-time user turn; {doc} and the parsed fields
    parse: Callable[[str, str], Parsed]  # (teacher reply, document) -> Parsed

    def teacher_prompt(self, doc: str) -> str:
        return self.teacher.format(doc=doc)

    def training_pair(self, parsed: Parsed, doc: str) -> tuple[str, str]:
        return self.student.format(doc=doc, **parsed.fields), parsed.fields["response"]


def _keep(**fields: str) -> Parsed:
    return Parsed(KEPT, "", fields)


def _filter(reason: str) -> Parsed:
    return Parsed(FILTERED, reason)


def _quarantine(reason: str) -> Parsed:
    return Parsed(QUARANTINED, reason)


# ----------------------------------------------------------------------------- text helpers
_STOP = frozenset(
    "the and for with that this from are was were has have had not but its their which what when "
    "where who how why does did can may been into than then also such these those there about".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_BULLET = re.compile(r"^\s*(?:[-*•·]+|\d+[.)]|\(\d+\))\s*")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?(?=\s)")


def clean(text: str) -> str:
    """Markdown emphasis and headings out, blank-line structure kept."""
    text = re.sub(r"\*\*|__|`", "", text or "")
    text = re.sub(r"(?m)^\s*#+\s*", "", text)
    return "\n".join(line.strip() for line in text.strip().splitlines())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({w: str(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)})


def content_words(text: str) -> set[str]:
    """Words that carry content; numbers count at any length, spelled out or in digits."""
    out = set()
    for w in words(text):
        w = _NUMBER_WORDS.get(w, w)
        if w.isdigit() or (len(w) >= 4 and w not in _STOP):
            out.add(w)
    return out


def grounded(text: str, doc: str) -> bool:
    """Shares at least one content word with the document (a cheap hallucination screen)."""
    return bool(content_words(text) & content_words(doc))


def degenerate(text: str) -> bool:
    """Looping output: a long reply made of a handful of words repeated."""
    w = words(text)
    return len(w) >= 12 and len(set(w)) / len(w) < 0.3


def complete_sentences(text: str) -> str:
    """Drop a trailing sentence cut off by max_new_tokens, when a complete one precedes it."""
    text = text.strip()
    if not text or text[-1] in ".!?\"')]":
        return text
    ends = list(_SENTENCE_END.finditer(text))
    return text[:ends[-1].end()].strip() if ends else text


def first_paragraph(text: str) -> str:
    return re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0].strip()


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def list_items(text: str) -> list[str]:
    """Lines (or, for a one-line reply, comma-separated parts) without bullets or numbering."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = lines[0].split(",")
    return [_BULLET.sub("", ln).strip() for ln in lines if _BULLET.sub("", ln).strip()]


# ----------------------------------------------------------------------------- qa
_Q_LABEL = re.compile(r"(?:^|\n|\s)\W*(?:question|q)\s*\d*\s*[:：]\s*", re.I)
_A_LABEL = re.compile(r"(?:^|\n|\s)\W*(?:answer|a)\s*\d*\s*[:：]\s*", re.I)
_REFERS_TO_TEXT = re.compile(
    r"\b(?:the|this|that|above|given)\s+(?:text|passage|article|abstract|document|paragraph|excerpt)\b", re.I
)


def _question_of(head: str) -> str:
    """What follows the last "Question:" label, or else the last line before the answer."""
    labels = list(_Q_LABEL.finditer(head))
    if labels:
        return one_line(head[labels[-1].end():])
    lines = head.strip().splitlines()
    return one_line(lines[-1]) if lines else ""


def parse_qa(reply: str, doc: str) -> Parsed:
    text = clean(reply)
    if not text:
        return _quarantine("empty")
    if degenerate(text):
        return _quarantine("degenerate")
    a = _A_LABEL.search(text)
    if a:
        head, tail = text[:a.start()], text[a.end():]
    elif "?" in text:  # no labels: the first question, then what follows it
        i = text.index("?") + 1
        head, tail = text[:i], text[i:]
    else:
        return _quarantine("no_question")
    question = _question_of(head)
    next_q = _Q_LABEL.search(tail)  # a second pair: keep the first
    answer = one_line(complete_sentences(first_paragraph(tail[:next_q.start()] if next_q else tail)))
    if len(words(question)) < 3:
        return _quarantine("no_question")
    if not answer:
        return _quarantine("no_answer")
    if answer.lower() == question.lower():
        return _quarantine("answer_repeats_question")
    if _REFERS_TO_TEXT.search(question):
        return _filter("question_refers_to_text")  # closed-book training needs a self-contained question
    if words(answer)[:1] not in (["yes"], ["no"]) and not grounded(answer, doc):
        return _filter("answer_not_grounded")
    return _keep(question=question, response=answer)


# ----------------------------------------------------------------------------- summary
_SUMMARY_LABEL = re.compile(r"^\s*(?:summary|tl;?dr)\s*[:：]\s*", re.I)


def parse_summary(reply: str, doc: str) -> Parsed:
    text = clean(reply)
    if not text:
        return _quarantine("empty")
    if degenerate(text):
        return _quarantine("degenerate")
    summary = one_line(complete_sentences(_SUMMARY_LABEL.sub("", text)))
    if len(words(summary)) < 5:
        return _quarantine("too_short")
    if one_line(summary).lower() in one_line(doc).lower():
        return _filter("copies_document")
    if not grounded(summary, doc):
        return _filter("not_grounded")
    return _keep(response=summary)


# ----------------------------------------------------------------------------- entities
_MAX_ITEMS = 20


def _strip_type(item: str) -> str:
    """"Disease: typhoid fever" -> "typhoid fever" (a short type label before a colon)."""
    head, sep, tail = item.partition(":")
    return tail.strip() if sep and tail.strip() and len(head.split()) <= 3 else item


def parse_entities(reply: str, doc: str) -> Parsed:
    text = clean(reply)
    if not text:
        return _quarantine("empty")
    if degenerate(text):
        return _quarantine("degenerate")
    items, seen = [], set()
    for raw in list_items(text):
        item = _strip_type(raw).strip(" .;:")
        key = item.lower()
        if 1 <= len(item.split()) <= 8 and len(item) >= 2 and key not in seen:
            seen.add(key)
            items.append(item)
    if not items:
        return _quarantine("no_items")
    doc_l = doc.lower()
    found = [e for e in items if e.lower() in doc_l][:_MAX_ITEMS]  # entities must be named in the text
    if not found:
        return _filter("not_grounded")
    return _keep(response="\n".join(f"- {e}" for e in found))


# ----------------------------------------------------------------------------- relations
_TRIPLE_SEP = re.compile(r"\s*(?:\||->|→)\s*")


def parse_relations(reply: str, doc: str) -> Parsed:
    text = clean(reply)
    if not text:
        return _quarantine("empty")
    if degenerate(text):
        return _quarantine("degenerate")
    triples = []
    for line in list_items(text):
        parts = [p.strip(" .;") for p in _TRIPLE_SEP.split(line.strip(" |"))]
        if len(parts) == 3 and all(parts):
            triples.append(tuple(parts))
    if not triples:
        return _quarantine("no_triples")
    doc_l = doc.lower()
    found = list(dict.fromkeys(t for t in triples if t[0].lower() in doc_l or t[2].lower() in doc_l))
    if not found:
        return _filter("not_grounded")
    return _keep(response="\n".join(" | ".join(t) for t in found[:_MAX_ITEMS]))


# ----------------------------------------------------------------------------- registry
TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "qa",
            teacher=("Read the text below, then write one question that the text answers and the answer "
                     "to it. The question must make sense on its own, without the text.\n"
                     "Use exactly this format:\nQuestion: <the question>\nAnswer: <the answer>\n\n"
                     "Text:\n{doc}"),
            student="{question}",
            parse=parse_qa,
        ),
        Task(
            "summary",
            teacher="Summarize the following medical text in two or three sentences.\n\n{doc}",
            student="Summarize the following text.\n\n{doc}",
            parse=parse_summary,
        ),
        Task(
            "entities",
            teacher=("List the medical terms (diseases, drugs, organisms, tests, procedures, anatomy) "
                     "named in the text below, one per line, copied exactly as written.\n\nText:\n{doc}"),
            student="List the medical terms named in the following text, one per line.\n\n{doc}",
            parse=parse_entities,
        ),
        Task(
            "relations",
            teacher=("Extract the relations between medical concepts in the text below. Write one per "
                     "line in the format: subject | relation | object\n\nText:\n{doc}"),
            student=("List the relations between medical concepts in the following text, one per line "
                     "as subject | relation | object.\n\n{doc}"),
            parse=parse_relations,
        ),
    )
}
