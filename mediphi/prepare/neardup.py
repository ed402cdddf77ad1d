"""Near-duplicates: MinHash signatures, an LSH index, and who stays when two documents match.

Exact dedup (dedup.py) runs first and stays the fast pass; this catches what it cannot: the same
abstract re-typeset, a note with a few words changed. Two documents are near-duplicates when the
Jaccard similarity of their word 3-gram sets, estimated from NUM_PERM MinHash values, reaches
prepare.near_dup_threshold.

Who stays, in one order for every decision (`resolve`):
  1. eval documents before train / val ones: a train or val document that near-copies an eval
     document goes, with reason eval_leak. The eval split is the hold-out; dropping its copy
     elsewhere keeps eval as it is and keeps its text out of training.
  2. then corpus order (prepare.corpora), then the smallest doc_id: the later copy goes, with
     reason near_duplicate (or duplicate, for an exact copy found across corpora).
A document that goes is not indexed, so a chain A~B~C keeps A and C when A and C differ enough.
A corpus may keep its own near-duplicates (CorpusConfig.near_dedup; icd10cm does by default): its
documents are then compared only with other corpora's.

With prepare.dedup off, exact copies still go here when a threshold is set (their similarity is 1).

Signatures are computed where the rows are (a Ray map over each block) and travel as 512 bytes a
document; the LSH index lives on the driver, like the exact-dedup ledger: some 7 KB and 0.2 ms a
document (measured with 150-word documents), so a million documents take minutes and a few GB there.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from datasketch import LeanMinHash, MinHash, MinHashLSH

from mediphi.config import CorpusConfig

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"  # datasketch's 32-bit hash values: 4 bytes each, what the signatures store
SHINGLE_WORDS = 3  # a word changed alters 3 shingles: a few edits in an abstract stay above 0.8
LSH_RECALL = 0.99  # chance that a pair exactly at the threshold becomes a candidate
_WORD = re.compile(r"\w+")
# Code lists: sibling codes differ in a word or two ("initial" / "subsequent encounter"; "Open" /
# "Percutaneous Approach") and all are needed.
CODE_KINDS = ("icd10cm", "icd10pcs", "atc")


def near_dedup_within(corpus: CorpusConfig) -> bool:
    """Whether a corpus loses its own near-duplicates. Code lists (CODE_KINDS) do not by default."""
    return corpus.near_dedup if corpus.near_dedup is not None else corpus.kind not in CODE_KINDS


# ----------------------------------------------------------------------------- signatures
def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        # Too short for one shingle: the words themselves (or, with no word at all, the raw text)
        # so that two different short texts never look alike for lack of shingles.
        return [" ".join(words).encode() if words else text.encode("utf-8", "replace")]
    return [" ".join(words[i:i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)]


def signatures(texts: Iterable[str]) -> list[bytes]:
    """One MinHash signature per text, NUM_PERM uint32 values as bytes."""
    hashes = MinHash.bulk([shingles(t) for t in texts], num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return [m.hashvalues.astype(np.uint32).tobytes() for m in hashes]


def add_signatures(batch: pa.Table, columns: list[str]) -> pa.Table:
    """A block of document rows -> its `columns` plus `minhash` (null where the row is not kept)."""
    status, texts = batch["status"].to_pylist(), batch["text"].to_pylist()
    kept = [i for i, s in enumerate(status) if s == "kept"]
    sigs: list[bytes | None] = [None] * len(status)
    for i, sig in zip(kept, signatures(texts[i] for i in kept)):
        sigs[i] = sig
    return batch.select(columns).append_column("minhash", pa.array(sigs, pa.binary()))


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype=np.uint32)


def jaccard(a: bytes, b: bytes) -> float:
    """The MinHash estimate of two texts' shingle Jaccard similarity."""
    return float(np.mean(_values(a) == _values(b)))


def lsh_params(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) with the most rows whose recall at `threshold` is LSH_RECALL.

    datasketch's own choice balances false positives and negatives, which at 0.8 finds only ~40%
    of the pairs right at the threshold; here candidates are verified anyway, so a false positive
    costs one comparison and a false negative a duplicate: favour recall.
    """
    for rows in range(NUM_PERM // 2, 0, -1):
        bands = NUM_PERM // rows
        if 1 - (1 - threshold ** rows) ** bands >= LSH_RECALL:
            return bands, rows
    return NUM_PERM, 1


# ----------------------------------------------------------------------------- deciding
@dataclass(frozen=True)
class Doc:
    key: str  # what a verdict is keyed by: a ledger row_uid, or a doc_id across corpora
    doc_id: str
    corpus: str
    split: str
    text_hash: str
    minhash: bytes | None


@dataclass(frozen=True)
class Verdict:
    reason: str  # "eval_leak" | "near_duplicate" | "duplicate"
    twin: Doc  # the document that stays
    similarity: float

    def text(self) -> str:
        """The ledger reason: the kind, then which document stays."""
        if self.reason == "eval_leak":
            return f"eval_leak: near-copy of {self.twin.doc_id} (eval, jaccard~{self.similarity:.2f})"
        if self.reason == "duplicate":
            return f"duplicate: of {self.twin.doc_id} (corpus {self.twin.corpus})"
        return f"near_duplicate: of {self.twin.doc_id} (jaccard~{self.similarity:.2f})"


class _Index:
    """The documents that stay, found by exact text hash and, with a threshold, by MinHash LSH."""

    def __init__(self, threshold: float | None):
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=lsh_params(threshold)) \
            if threshold is not None else None
        self.docs: list[Doc] = []
        self.by_hash: dict[str, list[int]] = {}

    def add(self, doc: Doc) -> None:
        self.by_hash.setdefault(doc.text_hash, []).append(len(self.docs))
        if self.lsh is not None and doc.minhash is not None:
            self.lsh.insert(len(self.docs), self._lean(doc.minhash), check_duplication=False)
        self.docs.append(doc)

    def matches(self, doc: Doc) -> list[tuple[Doc, float]]:
        found = {i: 1.0 for i in self.by_hash.get(doc.text_hash, ())}
        if self.lsh is not None and doc.minhash is not None:
            for i in self.lsh.query(self._lean(doc.minhash)):
                if i not in found and self.docs[i].minhash is not None:
                    similarity = jaccard(doc.minhash, self.docs[i].minhash)
                    if similarity >= self.threshold:
                        found[i] = similarity
        return [(self.docs[i], s) for i, s in found.items()]

    @staticmethod
    def _lean(sig: bytes) -> LeanMinHash:
        return LeanMinHash(seed=SEED, hashvalues=_values(sig), scheme=SCHEME)


def resolve(docs: list[Doc], threshold: float | None, drop_copies: bool, across_corpora: bool,
            corpus_rank: dict[str, int] | None = None) -> dict[str, Verdict]:
    """key -> Verdict for every document that goes (see the module docstring for who stays).

    threshold None: exact copies (same text_hash) only. drop_copies False: only eval leaks go.
    across_corpora: pairs inside one corpus are not compared (each corpus settled its own).
    """
    rank = corpus_rank or {}
    order = sorted(docs, key=lambda d: (d.split != "eval", rank.get(d.corpus, 0), d.corpus, d.doc_id))
    index = _Index(threshold)
    verdicts: dict[str, Verdict] = {}
    for doc in order:
        found = [(m, s) for m, s in index.matches(doc) if not (across_corpora and m.corpus == doc.corpus)]
        # Most similar first; among equals, the first in the keeping order.
        found.sort(key=lambda ms: (-ms[1], ms[0].split != "eval", rank.get(ms[0].corpus, 0), ms[0].doc_id))
        leaks = [ms for ms in found if ms[0].split == "eval"] if doc.split != "eval" else []
        if leaks:
            verdicts[doc.key] = Verdict("eval_leak", *leaks[0])
        elif found and drop_copies:
            twin, similarity = found[0]
            exact = twin.text_hash == doc.text_hash
            verdicts[doc.key] = Verdict("duplicate" if exact else "near_duplicate", twin, similarity)
        else:
            index.add(doc)
    return verdicts


def examples(verdicts: Iterable[tuple[Doc, Verdict]], limit: int = 20) -> list[dict[str, object]]:
    """A few decided pairs for the manifest (the full list is in the ledger reasons)."""
    rows = sorted(({"doc_id": d.doc_id, "split": d.split, "reason": v.reason, "kept": v.twin.doc_id,
                    "kept_split": v.twin.split, "jaccard": round(v.similarity, 3)} for d, v in verdicts),
                  key=lambda r: (r["reason"], r["doc_id"]))
    return rows[:limit]

