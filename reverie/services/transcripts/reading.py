"""Reading transcripts in plain SQL: which version is current, its numbered lines, showing them, citing them.

:mod:`.versions` names these functions too (``versions.show_lines``, ``versions.cite``); they live
here, on the light imports of :mod:`reverie.services.study.reading`, so that ``reverie cite`` and
``reverie transcript show`` run them without loading the ORM models, and the web runs the same
queries on its ORM session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from reverie.core.citation import CitationStyle, cite_inline
from reverie.core.errors import InvalidInput, NotFound
from reverie.core.layout import Line
from reverie.core.notation import parse_profile_name, reading_text
from reverie.services.study.reading import (
    ReadableStudy,
    citation_style_in,
    interview_id,
    json_value,
    participant_id,
    unknown_interview,
)


@dataclass(frozen=True)
class ShownLine:
    """A line as a reader sees it: number, the speaker label on a turn's first line, the text."""

    number: int
    speaker: str | None
    text: str
    time_start: float | None = None
    time_end: float | None = None


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    status: str
    layout: dict
    notation_profile: str
    first_line: int
    last_line: int
    code: str
    round: int
    interview_id: int
    transcriber: str
    origin: str


def version_info(study: ReadableStudy, code: str, round_no: int, version: int | None = None) -> VersionInfo:
    """The current version (or version number ``version``) of ``code``'s round ``round_no`` transcript."""
    with study.read() as db:
        interview = interview_id(db, study.study_id, code, round_no)
        return version_info_at(db, interview, round_no, code, version)


def version_info_at(db, interview: int, round_no: int, code: str, number: int | None = None) -> VersionInfo:
    """:func:`version_info` of interview ``interview`` (its round and participant code given), read in ``db``."""
    transcript = db.execute(text("SELECT id, current_version_id, notation_profile FROM transcripts "
                                 "WHERE interview_id = :interview"), {"interview": interview}).first()
    if transcript is None or transcript.current_version_id is None:
        raise NotFound(f"{code} round {round_no} has no transcript; import one with `reverie transcript import`")
    columns = "id, number, status, line_layout, transcriber, origin"
    if number is None:
        row = db.execute(text(f"SELECT {columns} FROM transcript_versions WHERE id = :id"),
                         {"id": transcript.current_version_id}).first()
    else:
        row = db.execute(text(f"SELECT {columns} FROM transcript_versions WHERE transcript_id = :transcript "
                              "AND number = :number"), {"transcript": transcript.id, "number": number}).first()
        if row is None:
            raise NotFound(f"{code} round {round_no} has no transcript version {number}")
    # Two single-aggregate queries: each is one index probe, where count/min/max together scan every line.
    first = db.execute(text("SELECT min(number) FROM transcript_lines WHERE version_id = :v"), {"v": row.id}).scalar()
    last = db.execute(text("SELECT max(number) FROM transcript_lines WHERE version_id = :v"), {"v": row.id}).scalar()
    return VersionInfo(row.id, row.number, row.status, json_value(row.line_layout), transcript.notation_profile,
                       first or 0, last or 0, code, round_no, interview, row.transcriber, row.origin)


def version_lines(study: ReadableStudy, version_id: int, first: int | None = None,
                  last: int | None = None) -> list[Line]:
    """The numbered lines of a version as core :class:`Line` objects.

    With ``first`` and ``last`` only those lines are read (by index, so citing or coding in a
    20,000-line transcript does not load it all), and a range the version lacks is refused.
    """
    with study.read() as db:
        return version_lines_in(db, version_id, first, last)


def version_lines_in(db, version_id: int, first: int | None = None, last: int | None = None) -> list[Line]:
    """:func:`version_lines`, read in the caller's session or connection."""
    statement = ("SELECT number, start_offset, end_offset, turn_seq, first_of_turn FROM transcript_lines "
                 "WHERE version_id = :v")
    params = {"v": version_id}
    if first is not None and last is not None:
        if last < first:
            raise InvalidInput(f"line range {first}-{last} ends before it starts")
        low, high = db.execute(text("SELECT min(number), max(number) FROM transcript_lines WHERE version_id = :v"),
                               params).one()
        described = f"line {first}" if first == last else f"line range {first}-{last}"
        if low is None:
            raise InvalidInput("the transcript has no lines")
        if first < low or last > high:
            raise InvalidInput(f"{described} is outside the transcript (lines {low}-{high})")
        statement += " AND number >= :first AND number <= :last"
        params.update(first=first, last=last)
    rows = db.execute(text(statement + " ORDER BY number"), params).all()
    if first is not None and not rows:
        raise InvalidInput(f"the transcript has no line {first}" + (f"-{last}" if last != first else ""))
    return [Line(number, start, end, turn, bool(first_of_turn)) for number, start, end, turn, first_of_turn in rows]


def show_lines(study: ReadableStudy, code: str, round_no: int, *, first: int | None = None, last: int | None = None,
               view: str = "analysis", notation: str | None = None, version: int | None = None) -> list[ShownLine]:
    """Lines of a transcript for reading: ``analysis`` shows notation, ``reading`` hides it."""
    if view not in ("reading", "analysis"):
        raise InvalidInput(f"unknown view {view!r}: use reading or analysis")
    with study.read() as db:
        info = version_info_at(db, interview_id(db, study.study_id, code, round_no), round_no, code, version)
        profile = parse_profile_name(notation) if notation else info.notation_profile
        if notation:
            view = "analysis"
        statement = ("SELECT number, start_offset, speaker, first_of_turn, text, time_start, time_end "
                     "FROM transcript_lines WHERE version_id = :v")
        params = {"v": info.id}
        if first is not None or last is not None:
            first = info.first_line if first is None else first
            last = info.last_line if last is None else last
            version_lines_in(db, info.id, first, last)  # refuses a range the version lacks
            statement += " AND number >= :first AND number <= :last"
            params.update(first=first, last=last)
        # Plain rows, not ORM objects: building 20,000 objects was most of exporting a long transcript.
        rows = db.execute(text(statement + " ORDER BY number"), params).all()
        pauses = _pause_marks(db, info.id, profile) if view == "analysis" else {}
    shown = []
    for row in rows:
        line_text = row.text if view == "analysis" else reading_text(row.text, profile)
        if row.number in pauses:
            line_text = _with_pauses(row, pauses[row.number])
        shown.append(ShownLine(row.number, row.speaker if row.first_of_turn else None, line_text, row.time_start,
                               row.time_end))
    return shown


def _pause_marks(db, version_id: int, profile: str) -> dict[int, list[tuple[int, str]]]:
    """Measured pauses (from the speech engine) rendered in the chosen notation, by line."""
    from bisect import bisect_right

    from reverie.core.notation import merged_pause_seconds, render_pause

    rows = db.execute(text("SELECT start_offset, data FROM annotations WHERE version_id = :v AND kind = 'pause'"),
                      {"v": version_id}).all()
    if not rows:
        return {}
    lines = db.execute(text("SELECT number, start_offset, end_offset FROM transcript_lines WHERE version_id = :v "
                            "ORDER BY start_offset"), {"v": version_id}).all()
    starts = [line.start_offset for line in lines]
    # Pauses at one place are one silence (a click inside it split it in two): one mark.
    at_offset: dict[int, list[dict]] = {}
    for offset, data in rows:
        at_offset.setdefault(offset, []).append(json_value(data))
    marks: dict[int, list[tuple[int, str]]] = {}
    for offset, pauses in at_offset.items():
        index = max(bisect_right(starts, offset) - 1, 0)
        line = lines[index]
        marks.setdefault(line.number, []).append((offset - line.start_offset,
                                                  render_pause(merged_pause_seconds(pauses), profile)))
    return marks


def _with_pauses(row, marks: list[tuple[int, str]]) -> str:
    """The line's text (``row.text``) with measured pauses written in at their places."""
    line_text = row.text
    for position, mark in sorted(marks, reverse=True):
        position = max(0, min(position, len(line_text)))
        left, right = line_text[:position].rstrip(), line_text[position:].lstrip()
        line_text = " ".join(part for part in (left, mark, right) if part)
    return line_text


def cite(study: ReadableStudy, code: str, first: int, last: int, *, round_no: int | None = None,
         style: CitationStyle | None = None) -> str:
    """An inline citation such as "(P1. Lines 978-81)", checked against the transcript's lines.

    Without ``round_no`` it cites the first round that has a transcript.
    """
    with study.read() as db:
        style = style or citation_style_in(db, study.study_id)
        if last < first:
            raise InvalidInput(f"line range {first}-{last} ends before it starts")
        person = participant_id(db, study.study_id, code)
        statement = ("SELECT i.round, t.current_version_id FROM interviews i "
                     "LEFT JOIN transcripts t ON t.interview_id = i.id WHERE i.participant_id = :person")
        params = {"person": person}
        if round_no is not None:
            statement += " AND i.round = :round"
            params["round"] = round_no
        interviews = db.execute(text(statement + " ORDER BY i.round"), params).all()
        if round_no is not None and not interviews:
            raise unknown_interview(code, round_no)
        version = next((current for _, current in interviews if current), None)
        if version is None:
            raise NotFound(f"{code} has no transcript to cite" + (f" in round {round_no}" if round_no else ""))
        version_lines_in(db, version, first, last)
    return cite_inline(code, first, last, style)
