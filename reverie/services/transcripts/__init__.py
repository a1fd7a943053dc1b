"""Transcripts and what is measured on them: versions, import, locking, citation and export
(:mod:`.versions`), corrections with line maps (:mod:`.corrections`), transcription on this
machine (:mod:`.transcription`), pauses and prosody (:mod:`.prosody`), de-identification
(:mod:`.deidentify`), annotations and the reader's window (:mod:`.annotations`) and search
(:mod:`.search`).

The package also answers for :mod:`.versions` (``transcripts.import_transcript``, ``transcripts.cite``)
so that ``from reverie.services import transcripts`` reads as the README shows; the module is
imported on first use.
"""


import importlib

_MODULES = {"annotations", "corrections", "deidentify", "prosody", "search", "transcription", "versions"}


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name.startswith("_"):
        raise AttributeError(name)
    versions = importlib.import_module("reverie.services.transcripts.versions")
    try:
        return getattr(versions, name)
    except AttributeError:
        raise AttributeError(f"module 'reverie.services.transcripts' has no attribute {name!r}") from None
