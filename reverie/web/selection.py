"""A mouse selection in the reader, turned into code-point offsets on the version being read.

The browser knows which lines the selection starts and ends on and, within each line's shown text,
UTF-16 offsets, the view it was in and the text it saw. The offsets are converted to code points
on the line as that view shows it (:mod:`reverie.core.offsets`), then mapped back to the stored
text (:mod:`reverie.core.shown`: the reading view hides notation, the analysis view draws measured
pauses in). Only if the text seen does not match is it looked for in the stored lines instead, so
a selection never lands on text the researcher did not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from reverie.core.errors import InvalidInput
from reverie.core.layout import Line, line_range_for_span
from reverie.core.offsets import utf16_to_cp
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.annotations import current_version, shown_lines
from reverie.services.transcripts.versions import text_window, version_lines


class Selection(BaseModel):
    """What the reader sends: line numbers, UTF-16 offsets within each line, the text selected."""

    start_line: int
    start_offset: int = Field(ge=0)
    end_line: int
    end_offset: int = Field(ge=0)
    exact: str = Field(min_length=1, max_length=200_000)
    view: Literal["reading", "analysis"] = "analysis"  # the view the offsets were taken in


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    first_line: int
    last_line: int


def _squash(text: str) -> str:
    return " ".join(text.split())


def resolve(study: OpenStudy, code: str, round_no: int, selection: Selection) -> Span:
    """The code-point span of the current version that the selection covers.

    The offsets are on the lines as the selection's view showed them; each shown line maps back
    to stored offsets, so a selection across a hidden ``[laughs]`` covers it in the stored text.
    """
    if (selection.end_line, selection.end_offset) <= (selection.start_line, selection.start_offset):
        raise InvalidInput("the selection is empty; select some words of the transcript")
    version_id, profile = current_version(study, code, round_no)
    shown = shown_lines(study, version_id, profile, selection.start_line, selection.end_line, selection.view)
    if len(shown) != selection.end_line - selection.start_line + 1:
        version_lines(study, version_id, selection.start_line, selection.end_line)  # names the missing lines
        raise InvalidInput(f"lines {selection.start_line}-{selection.end_line} are not all in the transcript")
    chosen = [Line(line.number, line.start, line.end, line.turn_seq, line.first_of_turn) for line in shown]
    first, last = shown[0], shown[-1]
    try:
        a = utf16_to_cp(first.text, selection.start_offset)
        b = utf16_to_cp(last.text, selection.end_offset)
    except InvalidInput:
        a = b = -1
    if a >= 0 and b >= 0:
        seen = [first.text[a:]] if first is not last else [first.text[a:b]]
        if first is not last:
            seen += [line.text for line in shown[1:-1]] + [last.text[:b]]
        if _squash("\n".join(seen)) == _squash(selection.exact):
            start = first.start + first.map.stored_offset(a)
            end = last.start + last.map.stored_end(b)
            if start < end:
                return Span(start, end, *line_range_for_span(chosen, start, end))
    base = chosen[0].start
    with study.read() as session:  # only the selected lines' stretch of the text, not all of it
        text = text_window(session, version_id, base, chosen[-1].end)
    found = _find_quote(text, 0, len(text), selection.exact, near=0)
    start, end = base + found[0], base + found[1]
    return Span(start, end, *line_range_for_span(chosen, start, end))


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
