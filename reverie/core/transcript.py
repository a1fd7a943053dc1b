"""The shape of a transcript as Reverie holds it in memory, independent of any file format.

Importers (``reverie.formats``) and the speech engine (``reverie.speech``) produce a
:class:`ParsedTranscript`; the services turn it into a stored, versioned transcript.

A version's canonical text is the turns' texts joined by a single ``"\\n"`` (speaker labels are
*not* part of the text: they belong to the turn). Offsets are Unicode code points into that text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """A recognised word with its times in seconds from the start of the recording."""

    text: str
    start: float
    end: float
    probability: float | None = None


@dataclass(frozen=True)
class SourceLine:
    """A line number that the source file carried, as offsets into its turn's text.

    Kept so the ``imported`` layout reproduces a published transcript's numbering exactly.
    """

    number: int
    start: int
    end: int


@dataclass
class Turn:
    """One speaker turn: who spoke, what was said, and when (when the source knows)."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    words: tuple[Word, ...] = ()
    source_lines: tuple[SourceLine, ...] = ()


@dataclass
class ParsedTranscript:
    """What an importer or the speech engine read: turns plus any warnings for the researcher."""

    turns: list[Turn]
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def has_line_numbers(self) -> bool:
        return any(turn.source_lines for turn in self.turns)


@dataclass(frozen=True)
class TurnSpan:
    """Where a turn sits in a version's canonical text."""

    index: int
    speaker: str
    start: int
    end: int


TURN_SEPARATOR = "\n"


def canonical(text: str) -> str:
    """NFC-normalise and turn every line end into LF, as every stored text must be."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def assemble(turns: list[Turn]) -> tuple[str, list[TurnSpan]]:
    """Join turns into a version's canonical text and say where each turn lies in it."""
    parts: list[str] = []
    spans: list[TurnSpan] = []
    offset = 0
    for index, turn in enumerate(turns):
        text = canonical(turn.text).replace("\n", " ")
        spans.append(TurnSpan(index, turn.speaker, offset, offset + len(text)))
        parts.append(text)
        offset += len(text) + len(TURN_SEPARATOR)
    return TURN_SEPARATOR.join(parts), spans
