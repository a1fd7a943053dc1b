"""Speaker turns from typed transcript lines, as plain-text and Word transcripts are written.

A turn starts on a line with a speaker label (``I:``, ``P1:``, ``Interviewer:``); lines without
one continue the current turn and are joined to it with one space. A published transcript may
carry its own line numbers (``978  P1: I remember once…``); they are kept as
:class:`SourceLine` offsets into the turn's text so the ``imported`` layout reproduces the
numbers that citations use. Whether a file is numbered is decided from the whole file, because
an unnumbered line may also happen to begin with a number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, SourceLine, Turn

from .speakers import SpeakerResolver
from .stamps import STAMP, clock_seconds, is_stamp, split_leading_stamp

_NUMBERED = re.compile(r"\s*(?P<number>\d{1,7})(?:[ \t]+(?P<rest>.*)|\s*)")
_LABELLED = re.compile(rf"(?P<label>[^\W\d_][\w.'’\- ]{{0,39}}?)\s*(?:{STAMP})?\s*:\s*(?P<rest>.*)")
# A file counts as numbered when this share of its non-blank lines starts with a number and
# most consecutive numbers increase; the few that do not are then reported as errors.
_NUMBERED_SHARE = 0.8
_RISING_SHARE = 0.5


class SourceText(NamedTuple):
    """One line of a transcript and where it is, in words the researcher can find it by."""

    where: str
    text: str


@dataclass
class _OpenTurn:
    speaker: str
    start: float | None
    text: str = ""
    source_lines: list[SourceLine] = field(default_factory=list)

    def add(self, piece: str, number: int | None) -> None:
        if piece and self.text:
            self.text += " "
        begin = len(self.text)
        self.text += piece
        if number is not None:
            self.source_lines.append(SourceLine(number, begin, len(self.text)))

    def extend_last_line(self, piece: str) -> None:
        """Join an unnumbered piece to the last numbered line, so numbers still cover the text."""
        self.add(piece, None)
        if self.source_lines:
            last = self.source_lines[-1]
            self.source_lines[-1] = SourceLine(last.number, last.start, len(self.text))

    def close(self) -> Turn:
        lines = tuple(self.source_lines)
        return Turn(self.speaker, self.text, start=self.start, source_lines=lines)


def _is_numbered(lines: Sequence[SourceText]) -> bool:
    numbers = []
    for line in lines:
        match = _NUMBERED.fullmatch(line.text)
        if match:
            numbers.append(int(match["number"]))
    if len(numbers) < 2 or len(numbers) < _NUMBERED_SHARE * len(lines):
        return False
    rising = sum(1 for before, after in pairwise(numbers) if after > before)
    return rising >= _RISING_SHARE * (len(numbers) - 1)


def _speaker_and_rest(
    content: str, resolver: SpeakerResolver
) -> tuple[str | None, float | None, str]:
    """The speaker code, start time and text of a line that opens a turn; (None, None, line) else.

    The time may stand before the label, between label and colon, or after the colon.
    """
    before, unstamped = split_leading_stamp(content)
    match = _LABELLED.fullmatch(unstamped)
    code = resolver.code_for(match["label"]) if match else None
    if code is None:
        return None, None, content
    clock = match["bracketed"] or match["parenthesised"]
    start = before if before is not None else clock_seconds(clock) if clock else None
    rest = match["rest"]
    if start is None:
        start, rest = split_leading_stamp(rest)
    return code, start, rest.strip()


def turns_from_lines(
    lines: Sequence[SourceText], resolver: SpeakerResolver, source: str
) -> ParsedTranscript:
    """Parse typed lines into turns, or InvalidInput naming the file and the line at fault."""
    written = [line for line in lines if line.text.strip()]
    if not written:
        raise InvalidInput(f"{source} is empty")
    numbered = _is_numbered(written)
    turns: list[Turn] = []
    current: _OpenTurn | None = None
    skipped: list[str] = []
    unnumbered: list[str] = []
    last_number: tuple[int, str] | None = None
    # Some services put the time on its own line above the speaker's first line.
    stamp_above: float | None = None

    for line in written:
        number = None
        content = line.text
        if numbered:
            match = _NUMBERED.fullmatch(content)
            if match:
                number = int(match["number"])
                if last_number is not None and number <= last_number[0]:
                    raise InvalidInput(
                        f"{source}, {line.where}: line number {number} follows "
                        f"{last_number[0]} ({last_number[1]}); numbered lines must increase"
                    )
                last_number = (number, line.where)
                content = match["rest"] or ""
        content = content.strip()
        if not content:
            continue  # a numbered blank line carries no words to cite
        if is_stamp(content):
            stamp_above, _ = split_leading_stamp(content)
            continue
        speaker, start, rest = _speaker_and_rest(content, resolver)
        if start is None and speaker is not None:
            start = stamp_above
        stamp_above = None
        if current is None and speaker is None:
            skipped.append(line.where)
            continue
        if numbered and number is None:
            unnumbered.append(line.where)
        if speaker is not None:
            if current is not None:
                turns.append(current.close())
            current = _OpenTurn(speaker, start)
            current.add(rest, number)
        elif numbered and number is None:
            # A wrapped line the numbering skipped: keep its words with the line before, so
            # every word still sits on a numbered line.
            current.extend_last_line(content)
        else:
            current.add(content, number)

    if current is None:
        raise InvalidInput(
            f"{source}: no line starts with a speaker label such as 'I:' or 'P1:'; "
            "configure the speaker labels this transcript uses"
        )
    turns.append(current.close())
    warnings = []
    if skipped:
        warnings.append(
            f"{source}: skipped {len(skipped)} line(s) before the first speaker label "
            f"({_span(skipped)})."
        )
    if unnumbered:
        warnings.append(
            f"{source}: {len(unnumbered)} line(s) of this numbered transcript have no number "
            f"({_span(unnumbered)}); check that no page header was read as transcript text."
        )
    return ParsedTranscript(turns, source_name=source, warnings=warnings + resolver.warnings)


def _span(places: list[str]) -> str:
    return places[0] if len(places) == 1 else f"{places[0]} to {places[-1]}"
