"""The blind de-identification sets are well formed. Cheap: no de-identifier is run on them (running one
and looking at what it misses is how a blind set stops being blind)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mediphi.prepare.deid.base import PHI_KINDS
from mediphi.prepare.deid.blind import blind_documents
from mediphi.prepare.deid.blind2 import blind2_documents

DEID = Path(__file__).resolve().parents[1] / "mediphi" / "prepare" / "deid"

# (documents, least identifiers, least of each kind, least clean notes, the sets it must not copy from)
SETS = {
    "blind": (blind_documents, 300, 15, 8, ("heldout.py", "evalset.py")),
    # blind.py was tuned against once it had been scored, so the second blind set must not copy it either.
    "blind2": (blind2_documents, 560, 20, 10, ("heldout.py", "evalset.py", "blind.py")),
}


@pytest.mark.parametrize("name", sorted(SETS))
def test_blind_set_is_well_formed_and_not_copied(name):
    documents, least, least_per_kind, least_clean, tuned_on = SETS[name]
    docs = documents()
    assert len({d.doc_id for d in docs}) == len(docs)
    kinds: Counter[str] = Counter()
    for doc in docs:
        assert "{" not in doc.text and "}" not in doc.text and "|" not in doc.text, doc.doc_id
        for p in doc.phi:
            assert p.kind in PHI_KINDS, (doc.doc_id, p)
            assert doc.text[p.start:p.end] == p.value and p.value.strip() == p.value, (doc.doc_id, p)
            kinds[p.kind] += 1
    assert sum(kinds.values()) >= least
    assert {k: n for k, n in kinds.items() if n < least_per_kind} == {} and set(kinds) == set(PHI_KINDS), kinds
    assert sum(not d.phi for d in docs) >= least_clean

    # Not copied from the sets the rules were tuned on. Values under 5 characters (ages, short first
    # names, "12/3") are left out: they recur in any text by chance.
    tuned = "".join((DEID / f).read_text(encoding="utf-8") for f in tuned_on)
    copied = sorted({p.value for d in docs for p in d.phi if len(p.value) >= 5 and p.value in tuned})
    assert copied == []


def test_blind_sets_do_not_share_document_ids():
    first, second = {d.doc_id for d in blind_documents()}, {d.doc_id for d in blind2_documents()}
    assert first.isdisjoint(second)
