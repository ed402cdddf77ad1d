"""UCSF Philter's rules through the philter-lite package (`pip install -e ".[deid]"`).

Philter keeps what its safe lists and patterns allow and scrubs every other word (its catch-all):
recall first, precision second. It types only some of what it scrubs (dates, SSNs, e-mails,
addresses, ages, names); the rest is "other" here. It part-of-speech tags every note with NLTK's
averaged perceptron tagger, whose data is not a Python package:
`python -m nltk.downloader averaged_perceptron_tagger_eng` (NLTK_DATA says where it looks).
"""
from __future__ import annotations

from importlib import resources

from mediphi.prepare.deid.base import Deidentifier, DeidentifierUnavailable, PhiSpan

# philter's PHI types -> ours
_KINDS = {"DATE": "date", "Patient_Social_Security_Number": "ssn", "Email": "email",
          "Provider_Address_or_Location": "address", "Age": "age", "Name": "name"}


class PhilterLiteDeidentifier(Deidentifier):
    name = "philter_lite"

    def __init__(self) -> None:
        try:
            import nltk
            import philter_lite
        except ImportError as e:
            raise DeidentifierUnavailable(
                f"de-identifier 'philter_lite' needs the philter-lite package ({e.name} is missing): "
                "pip install -e '.[deid]'") from e
        try:
            nltk.pos_tag(["Patient"])
        except LookupError as e:
            raise DeidentifierUnavailable(
                "de-identifier 'philter_lite' needs NLTK's part-of-speech tagger data: "
                "python -m nltk.downloader averaged_perceptron_tagger_eng") from e
        config = resources.files("philter_lite").joinpath("configs/philter_delta.toml")
        with resources.as_file(config) as path:
            self._filters = philter_lite.load_filters(str(path))
        self._detect = philter_lite.detect_phi

    def find(self, text: str) -> list[PhiSpan]:
        include_map, _, tracker = self._detect(text, self._filters)
        kept = bytearray(len(text))
        for start, stop in include_map.filecoords():
            kept[start:stop] = b"\x01" * (stop - start)
        kind_at: dict[int, str] = {}
        for entry in tracker.phi:
            for i in range(entry.start, entry.stop):
                kind_at.setdefault(i, _KINDS.get(entry.phi_type, "other"))
        # What philter replaces with asterisks: every letter and digit outside what it keeps.
        spans, start = [], None
        for i, ch in enumerate(text + " "):
            scrubbed = i < len(text) and ch.isalnum() and not kept[i]
            if scrubbed and start is None:
                start = i
            elif not scrubbed and start is not None:
                spans.append(PhiSpan(start, i, kind_at.get(start, "other")))
                start = None
        return spans
