"""Numbered lines of a transcript version, derived from its text and its line layout.

Researchers cite extracts by line number ("Lines 978-81"), but Reverie stores offsets. A
version's :class:`LineLayout` turns offsets into numbered lines and back, so a locked version
always yields the same numbers (METHOD.md §8.2):

- ``imported`` keeps the numbers of a transcript that arrived already numbered, so published
  citations can be reproduced exactly;
- ``fixed_width`` word-wraps each turn as a word processor with a monospace font would, the
  speaker label ("P1: ") taking room on the turn's first line, numbering continuously;
- ``per_turn`` numbers speaker turns (paragraph numbering).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from reverie.core.errors import InvalidInput
from reverie.core.transcript import SourceLine, TurnSpan

LAYOUT_MODES = ("imported", "fixed_width", "per_turn")

_NON_SPACE = re.compile(r"\S+")


def parse_layout_name(name: str) -> str:
    """The layout mode a researcher meant: "fixed-width", "Fixed_Width" and "per turn" all work."""
    mode = re.sub(r"[\s-]+", "_", name.strip().lower())
    if mode not in LAYOUT_MODES:
        raise InvalidInput(
            f"unknown line layout {name!r}; choose one of "
            f"{', '.join(m.replace('_', '-') for m in LAYOUT_MODES)}"
        )
    return mode


@dataclass(frozen=True)
class LineLayout:
    """How a version's text is cut into numbered lines."""

    mode: str = "fixed_width"
    width: int = 80
    numbering_start: int = 1

    def __post_init__(self) -> None:
        if self.mode not in LAYOUT_MODES:
            raise InvalidInput(f"unknown line layout {self.mode!r}")
        if self.width < 1:
            raise InvalidInput(f"line width must be at least 1 character, not {self.width}")
        if self.numbering_start < 0:
            raise InvalidInput(f"line numbering cannot start below 0 ({self.numbering_start})")


@dataclass(frozen=True)
class Line:
    """One numbered line: ``text[start:end]`` is what it shows, without its speaker label."""

    number: int
    start: int
    end: int
    turn_index: int
    first_of_turn: bool


def layout_lines(
    text: str,
    turns: Sequence[TurnSpan],
    layout: LineLayout,
    source_lines: Sequence[Sequence[SourceLine]] | None = None,
) -> list[Line]:
    """Number the lines of a version; ``source_lines`` (one list per turn) serve ``imported``."""
    if layout.mode == "fixed_width":
        return _fixed_width(text, turns, layout)
    if layout.mode == "per_turn":
        return [
            Line(layout.numbering_start + i, *_trimmed(text, turn.start, turn.end), turn.index, True)
            for i, turn in enumerate(turns)
        ]
    if source_lines is None or len(source_lines) != len(turns):
        raise InvalidInput(
            "the imported line layout needs the source file's line numbers for every turn"
        )
    return _imported(text, turns, source_lines)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding whitespace; an all-space stretch becomes empty."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _fixed_width(text: str, turns: Sequence[TurnSpan], layout: LineLayout) -> list[Line]:
    lines: list[Line] = []
    number = layout.numbering_start
    for turn in turns:
        # The label is printed, not stored, but it takes room on the turn's first line.
        room = layout.width - len(f"{turn.speaker}: ")
        line_start: int | None = None
        line_end = turn.start
        first = True
        for word in _NON_SPACE.finditer(text, turn.start, turn.end):
            if line_start is not None and word.end() - line_start > room:
                lines.append(Line(number, line_start, line_end, turn.index, first))
                number += 1
                first = False
                room = layout.width
                line_start = None
            if line_start is None:
                line_start = word.start()
            line_end = word.end()
        if line_start is None:  # an empty turn still shows its speaker label on a line
            line_start = line_end = turn.start
        lines.append(Line(number, line_start, line_end, turn.index, first))
        number += 1
    return lines


def _imported(
    text: str, turns: Sequence[TurnSpan], source_lines: Sequence[Sequence[SourceLine]]
) -> list[Line]:
    lines: list[Line] = []
    for turn, numbered in zip(turns, source_lines, strict=True):
        if not numbered and text[turn.start : turn.end].strip():
            raise InvalidInput(
                f"turn {turn.index + 1} ({turn.speaker}) has no line numbers in the source file"
            )
        length = turn.end - turn.start
        for position, source in enumerate(numbered):
            if not 0 <= source.start <= source.end <= length:
                raise InvalidInput(
                    f"line {source.number} lies outside its turn "
                    f"({turn.speaker}, turn {turn.index + 1})"
                )
            if lines and source.number <= lines[-1].number:
                raise InvalidInput(
                    f"line numbers must increase: line {source.number} "
                    f"follows line {lines[-1].number}"
                )
            start, end = _trimmed(text, turn.start + source.start, turn.start + source.end)
            lines.append(Line(source.number, start, end, turn.index, position == 0))
    return lines


def _index_for_offset(lines: Sequence[Line], offset: int) -> int:
    if not lines:
        raise InvalidInput("the transcript has no lines")
    if offset < 0:
        raise InvalidInput(f"offset {offset} is outside the transcript")
    return max(bisect_right(lines, offset, key=lambda line: line.start) - 1, 0)


def line_for_offset(lines: Sequence[Line], offset: int) -> Line:
    """The line holding ``offset``; a space where a line wrapped belongs to the line before."""
    return lines[_index_for_offset(lines, offset)]


def _describe(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"line range {first}-{last}"


def lines_in_range(lines: Sequence[Line], first: int, last: int) -> list[Line]:
    """The lines numbered ``first`` to ``last`` inclusive, refusing a range the transcript lacks."""
    if not lines:
        raise InvalidInput("the transcript has no lines")
    if last < first:
        raise InvalidInput(f"line range {first}-{last} ends before it starts")
    lowest, highest = lines[0].number, lines[-1].number
    if first < lowest or last > highest:
        raise InvalidInput(
            f"{_describe(first, last)} is outside the transcript (lines {lowest}-{highest})"
        )
    begin = bisect_left(lines, first, key=lambda line: line.number)
    stop = bisect_right(lines, last, key=lambda line: line.number)
    if begin == stop:  # imported numbering may skip numbers
        raise InvalidInput(f"the transcript has no {_describe(first, last)}")
    return list(lines[begin:stop])


def offsets_for_lines(lines: Sequence[Line], first: int, last: int) -> tuple[int, int]:
    """The text offsets (start, end) that lines ``first`` to ``last`` cover."""
    chosen = lines_in_range(lines, first, last)
    return chosen[0].start, chosen[-1].end


def lines_for_span(lines: Sequence[Line], start: int, end: int) -> list[Line]:
    """The lines a text span touches, in order (an empty span touches the line it sits on)."""
    if end < start:
        raise InvalidInput(f"span {start}-{end} ends before it starts")
    first = _index_for_offset(lines, start)
    # A span that starts in the gap after a line (a wrap space, a turn break) begins on the next.
    if start >= lines[first].end > lines[first].start and first + 1 < len(lines) and end > start:
        first += 1
    last = max(bisect_left(lines, end, key=lambda line: line.start) - 1, first)
    return list(lines[first : last + 1])


def line_range_for_span(lines: Sequence[Line], start: int, end: int) -> tuple[int, int]:
    """The first and last line numbers a text span touches, as a citation gives them."""
    touched = lines_for_span(lines, start, end)
    return touched[0].number, touched[-1].number
