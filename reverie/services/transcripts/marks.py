"""Where a version's codings fall on the lines of a transcript as exported, for marking them in the file.

A coding is stored as character offsets into the version's text; an exported line may differ from
the stored one (the reading view hides notation, the analysis view writes measured pauses in), so
each coding's columns are carried from the stored line to the line as shown by aligning the two
(only for lines whose text changed).
"""

from __future__ import annotations

from bisect import bisect_right
from difflib import SequenceMatcher

from sqlalchemy import select

from reverie.formats.transcripts.word_writer import MarkedCoding
from reverie.services.analysis.coding import code_colour
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.versions import ShownLine
from reverie.store.models import Code, Coding, TranscriptLine


def _column_map(stored: str, shown: str):
    """A function from a column of ``stored`` to the matching column of ``shown``."""
    if stored == shown:
        return lambda column: column
    blocks = SequenceMatcher(None, stored, shown, autojunk=False).get_matching_blocks()

    def carry(column: int) -> int:
        for a, b, size in blocks:
            if column < a:
                return b
            if column <= a + size:
                return b + column - a
        return len(shown)

    return carry


def marked_codings(study: OpenStudy, version_id: int, shown: list[ShownLine]) -> list[MarkedCoding]:
    """The version's codings, in the order they were made, as (line, column) ranges of the shown lines."""
    with study.read() as s:
        codings = s.execute(select(Coding.start_offset, Coding.end_offset, Code.id, Code.label, Code.color,
                                   Coding.coder, Coding.created_at)
                            .join(Code, Code.id == Coding.code_id).where(Coding.version_id == version_id)
                            .order_by(Coding.id)).all()
        if not codings:
            return []
        lines = s.execute(select(TranscriptLine.number, TranscriptLine.start_offset, TranscriptLine.text)
                          .where(TranscriptLine.version_id == version_id)
                          .order_by(TranscriptLine.start_offset)).all()
    starts = [line.start_offset for line in lines]
    shown_text = {line.number: line.text for line in shown}
    maps: dict[int, object] = {}

    def place(offset: int) -> tuple[int, int]:
        line = lines[max(bisect_right(starts, offset) - 1, 0)]
        if line.number not in maps:
            maps[line.number] = _column_map(line.text, shown_text.get(line.number, line.text))
        return line.number, maps[line.number](min(offset - line.start_offset, len(line.text)))

    marked = []
    for start, end, code_id, label, color, coder, created_at in codings:
        first_line, first_column = place(start)
        last_line, last_column = place(end - 1)
        if first_line not in shown_text or last_line not in shown_text:
            continue  # outside the lines exported
        marked.append(MarkedCoding(label, code_colour(code_id, color), coder,
                                   created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if created_at else "",
                                   first_line, first_column, last_line, last_column + 1))
    return marked
