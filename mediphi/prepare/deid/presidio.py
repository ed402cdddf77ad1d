"""Microsoft Presidio's analyzer: spaCy named entities plus Presidio's pattern recognizers.

Not in any extra: presidio-analyzer brings spaCy, and the English spaCy pipelines are not
published on PyPI by their authors (spaCy downloads them from GitHub releases). Install by hand:
`pip install presidio-analyzer` and an English pipeline package (`python -m spacy download
en_core_web_lg`). The first installed en_core_web_* pipeline is used; MEDIPHI_SPACY_MODEL names
another. Presidio finds no ages, record numbers, addresses or facilities of its own.
"""
from __future__ import annotations

import os

from mediphi.prepare.deid.base import Deidentifier, DeidentifierUnavailable, PhiSpan

# Presidio's entities -> ours (NRP, nationalities and religions, is not PHI and is not asked for)
_KINDS = {"PERSON": "name", "DATE_TIME": "date", "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email", "URL": "url",
          "IP_ADDRESS": "ip", "US_SSN": "ssn", "US_ITIN": "ssn", "LOCATION": "location", "MEDICAL_LICENSE": "id",
          "US_DRIVER_LICENSE": "id", "US_PASSPORT": "id", "US_BANK_NUMBER": "id", "CREDIT_CARD": "id",
          "IBAN_CODE": "id"}


def _spacy_model() -> str:
    import spacy.util

    wanted = os.environ.get("MEDIPHI_SPACY_MODEL")
    installed = sorted(spacy.util.get_installed_models())
    if wanted:
        if wanted not in installed:
            raise DeidentifierUnavailable(f"MEDIPHI_SPACY_MODEL={wanted} is not an installed spaCy pipeline "
                                          f"(installed: {', '.join(installed) or 'none'})")
        return wanted
    english = [m for m in installed if m.startswith("en_core_web")]
    if not english:
        # Presidio would try to download one; this machine may have no network, so say what to do.
        raise DeidentifierUnavailable("de-identifier 'presidio' needs an English spaCy pipeline: "
                                      "python -m spacy download en_core_web_lg (or set MEDIPHI_SPACY_MODEL)")
    # lg before md before sm: larger pipelines find more names
    return sorted(english, key=lambda m: ({"lg": 0, "md": 1, "sm": 2}.get(m.split("_")[3][:2], 3), m))[0]


class PresidioDeidentifier(Deidentifier):
    name = "presidio"

    def __init__(self) -> None:
        try:
            from presidio_analyzer import AnalyzerEngine
            from presidio_analyzer.nlp_engine import NlpEngineProvider
        except ImportError as e:
            raise DeidentifierUnavailable(
                f"de-identifier 'presidio' needs presidio-analyzer ({e.name} is missing): pip install "
                "presidio-analyzer, then an English spaCy pipeline (python -m spacy download en_core_web_lg)") from e
        model = _spacy_model()
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
        self.model = model
        self._analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
        self._entities = sorted(set(_KINDS) & set(self._analyzer.get_supported_entities("en")))

    def find(self, text: str) -> list[PhiSpan]:
        results = self._analyzer.analyze(text=text, language="en", entities=self._entities)
        return [PhiSpan(r.start, r.end, _KINDS[r.entity_type]) for r in results]
