"""A mouse selection in the reader, turned into code-point offsets on the version being read.

The browser knows which lines the selection starts and ends on and, within each line's shown text,
UTF-16 offsets; it also sends the text it saw. Where the shown line is the stored line (the
analysis view), the offsets are converted exactly (:mod:`reverie.core.offsets`). Where the view
changed the text (the reading view hides notation; measured pauses are drawn in), the selected
words are looked for in the stored lines instead, nearest the offsets given, so a selection never
lands on text the researcher did not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from reverie.core.errors import InvalidInput
from reverie.core.layout import line_range_for_span
from reverie.core.offsets import utf16_to_cp
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.versions import (
    text_window,
    version_info,
    version_lines,
)


class Selection(BaseModel):
    """What the reader sends: line numbers, UTF-16 offsets within each line, the text selected."""

    start_line: int
    start_offset: int = Field(ge=0)
    end_line: int
    end_offset: int = Field(ge=0)
    exact: str = Field(min_length=1, max_length=200_000)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    first_line: int
    last_line: int


def _squash(text: str) -> str:
    return " ".join(text.split())


def resolve(study: OpenStudy, code: str, round_no: int, selection: Selection) -> Span:
    """The code-point span of the current version that the selection covers."""
    if (selection.end_line, selection.end_offset) <= (selection.start_line, selection.start_offset):
        raise InvalidInput("the selection is empty; select some words of the transcript")
    info = version_info(study, code, round_no)
    chosen = version_lines(study, info.id, selection.start_line, selection.end_line)
    first, last = chosen[0], chosen[-1]
    base = first.start
    with study.read() as session:  # only the selected lines' stretch of the text, not all of it
        text = text_window(session, info.id, base, last.end)
    try:
        start = utf16_to_cp(text[:first.end - base], selection.start_offset)
        end = last.start - base + utf16_to_cp(text[last.start - base:], selection.end_offset)
    except InvalidInput:
        start = end = -1
    if not (0 <= start < end and _squash(text[start:end]) == _squash(selection.exact)):
        start, end = _find_quote(text, 0, len(text), selection.exact, near=max(start, 0))
    return Span(base + start, base + end, *line_range_for_span(chosen, base + start, base + end))


def _find_quote(text: str, lo: int, hi: int, exact: str, near: int) -> tuple[int, int]:
    words = exact.split()
    if not words:
        raise InvalidInput("the selection holds no words")
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    found = [m for m in pattern.finditer(text, lo, hi)]
    if not found:
        raise InvalidInput("the selected words are not in the stored transcript lines (the reading view hides "
                           "notation); switch to the analysis view and select again")
    best = min(found, key=lambda m: abs(m.start() - near))
    return best.start(), best.end()
