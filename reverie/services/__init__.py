"""The use cases of the method, grouped as the method is: each subpackage states what it owns.

- :mod:`reverie.services.study`: studies, their context, participants, interviews, encryption,
  backup and retention.
- :mod:`reverie.services.transcripts`: versions, corrections, transcription, prosody,
  de-identification, annotations and search.
- :mod:`reverie.services.analysis`: the codebook and coding, the reflexive log, extracts, memos,
  themes, decisions and provenance.
- :mod:`reverie.services.involvement`: member reflections and PPI consultations, packets and the
  review portal.
- :mod:`reverie.services.output`: reports and REFI-QDA export and import.
- :mod:`reverie.services.system`: jobs, auditing, settings and team members.
- :mod:`reverie.services.demo`: the demo study, built through the services above.

``from reverie.services import studies, participants, interviews, transcripts`` is the short form
the README uses; each name is imported on first use, so importing one service imports no other.
"""


import importlib

_SHORT_NAMES = {
    "studies": "reverie.services.study.studies",
    "participants": "reverie.services.study.participants",
    "interviews": "reverie.services.study.interviews",
}


def __getattr__(name: str):
    if name in _SHORT_NAMES:
        return importlib.import_module(_SHORT_NAMES[name])
    raise AttributeError(f"module 'reverie.services' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SHORT_NAMES])
