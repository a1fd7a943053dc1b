"""Transcript files in and out: Word, plain text, WebVTT/SRT captions and noScribe HTML.

:func:`read_transcript` picks an importer from the registry by the file's content, then by its
suffix, and returns a :class:`~reverie.core.transcript.ParsedTranscript` holding only study
speaker codes. :func:`render_lines` makes a line-numbered transcript for citing outside Reverie.
Third-party formats plug in through the ``register_transcript_importers`` hook
(:mod:`reverie.hookspecs`), as the built-in ones do below.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript
from reverie.hookspecs import hookimpl

from .captions import SRT, WEBVTT
from .export import ExportFormat, render_lines
from .noscribe import NoScribeImporter
from .registry import (
    HEAD_BYTES,
    ImportOptions,
    TranscriptImporter,
    importer_for,
    registered_importers,
)
from .speakers import SpeakerLabels, UnmappedVoices
from .text import PlainTextImporter
from .word import WordImporter

__all__ = [
    "ExportFormat",
    "ImportOptions",
    "SpeakerLabels",
    "TranscriptImporter",
    "UnmappedVoices",
    "read_transcript",
    "registered_importers",
    "render_lines",
]

# Larger files are not interview transcripts; refusing them early keeps a mistaken upload cheap.
MAX_TRANSCRIPT_BYTES = 100 * 1024 * 1024

# Consulted in this order: formats with a signature first, plain text (chosen by suffix) last.
BUILT_IN_IMPORTERS = (NoScribeImporter(), SRT, WEBVTT, WordImporter(), PlainTextImporter())


@hookimpl(trylast=True)
def register_transcript_importers():
    return list(BUILT_IN_IMPORTERS)


def read_transcript(
    path: str | Path,
    *,
    speaker_labels: SpeakerLabels | None = None,
    participant_code: str | None = None,
    voice_map: Mapping[str, str] | None = None,
) -> ParsedTranscript:
    """Read a transcript file into turns with study speaker codes, times and source line numbers.

    Raises InvalidInput (naming the file, and the line where it helps) when the file is empty,
    binary, malformed or has no recognisable speakers; :class:`UnmappedVoices` when real names
    in it have no entry in ``voice_map``.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{path.name} is empty")
    if size > MAX_TRANSCRIPT_BYTES:
        raise InvalidInput(f"{path.name} is larger than 100 MB; it is not a transcript")
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    options = ImportOptions(
        speaker_labels=speaker_labels or SpeakerLabels(),
        participant_code=participant_code,
        voice_map=dict(voice_map or {}),
    )
    return importer_for(path, head).read(path, options)
