"""Retrieval: every passage coded with a code, in its context, with its citation, coder and date.

The passages of a code can be narrowed by a participant attribute (a participant column such as
profession, or any custom attribute), by interview round, and by a co-occurring code (another
code whose coding overlaps the passage). The queries are plain SQL through SQLAlchemy: one for
the page of codings, one for their lines with the context around them, so a code with 50,000
codings pages as fast as one with ten.

Citations are the study's own: the inline citation form (:func:`reverie.core.citation.cite_inline`)
with the participant's descriptor after their code, "(P1, Occupational Therapist. Lines 12-4)",
in the study's range style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text

from reverie.core.citation import CitationStyle, cite_inline
from reverie.core.errors import InvalidInput, NotFound
from reverie.services.analysis.coding import PARTICIPANT_COLUMNS, code_colour
from reverie.services.study.context import OpenStudy
from reverie.store.models import Code, Coding, Participant, Study

_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
# Participant columns a filter may name ("code" is the participant's code, P1); the rest are custom attributes.
_INTERNAL = {"id", "study_id", "attributes", "created_at", "created_by"}
COLUMNS = tuple(c for c in Participant.__table__.columns.keys() if c not in _INTERNAL)
PAGE = 50
MAX_CONTEXT = 200


@dataclass(frozen=True)
class PassageFilter:
    """What narrows a code's passages; empty fields do not filter."""

    attribute: str = ""  # a participant column (profession, setting …) or a custom attribute's key
    value: str = ""
    round_no: int | None = None
    with_code: int | None = None  # the id of a code whose codings must overlap the passage

    @property
    def active(self) -> bool:
        return bool((self.attribute and self.value) or self.round_no is not None or self.with_code is not None)


@dataclass(frozen=True)
class PassageLine:
    """A line around or inside a passage; ``coded`` is the part the coding covers (empty for context)."""

    number: int
    speaker: str
    before: str
    coded: str
    after: str
    first_of_turn: bool = True

    @property
    def in_passage(self) -> bool:
        return bool(self.coded)


@dataclass(frozen=True)
class Passage:
    """One coding as retrieved: the coded words, where they are, who coded them and when, in context."""

    coding_id: int
    code_id: int
    code: str
    color: str
    participant: str
    descriptor: str
    round: int
    start_line: int
    end_line: int
    citation: str
    coder: str
    coded_at: datetime
    note: str
    context: int
    lines: tuple[PassageLine, ...]
    more_before: bool
    more_after: bool

    @property
    def text(self) -> str:
        """The coded words alone, a line break between lines."""
        return "\n".join(line.coded for line in self.lines if line.coded)

    @property
    def coded_on(self) -> str:
        return self.coded_at.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class PassagePage:
    """A page of passages and how many there are in all."""

    items: tuple[Passage, ...]
    count: int
    offset: int
    limit: int | None

    @property
    def next_offset(self) -> int | None:
        if self.limit is None or self.offset + self.limit >= self.count:
            return None
        return self.offset + self.limit


def _participant_value(field: str, dialect: str, key_param: str) -> str:
    """SQL for a participant's column, or its custom attribute ``field`` as text."""
    if field in COLUMNS:
        return f"p.{field}"
    if not _ATTRIBUTE.match(field):
        raise InvalidInput(f"cannot filter by {field!r}: use a participant field "
                           f"({', '.join(PARTICIPANT_COLUMNS)}) or an attribute name")
    if dialect == "sqlite":
        return f"CAST(json_extract(p.attributes, '$.' || :{key_param}) AS TEXT)"
    return f"(p.attributes ->> :{key_param})"


def attribute_choices(study: OpenStudy) -> list[str]:
    """What passages can be filtered by: the participant columns, then every custom attribute in use."""
    with study.read() as s:
        rows = s.execute(select(Participant.attributes).where(Participant.study_id == study.study_id)).scalars().all()
    keys = sorted({key for attributes in rows for key in (attributes or {}) if _ATTRIBUTE.match(str(key))})
    return ["code", *PARTICIPANT_COLUMNS] + [k for k in keys if k not in COLUMNS]


def attribute_values(study: OpenStudy, attribute: str) -> list[str]:
    """The values an attribute takes among the study's participants (for a value list)."""
    if not attribute:
        return []
    value = _participant_value(attribute, study.engine.dialect.name, "key")
    with study.read() as s:
        rows = s.execute(text(f"SELECT DISTINCT {value} FROM participants p WHERE p.study_id = :study"),
                         {"study": study.study_id, "key": attribute}).scalars().all()
    return sorted({str(v) for v in rows if v not in (None, "")})


def rounds(study: OpenStudy) -> list[int]:
    """The interview rounds that have coded transcripts (what the round filter offers)."""
    with study.read() as s:
        return list(s.execute(text("SELECT DISTINCT i.round FROM interviews i JOIN participants p "
                                   "ON p.id = i.participant_id JOIN transcripts t ON t.interview_id = i.id "
                                   "WHERE p.study_id = :study ORDER BY i.round"), {"study": study.study_id}).scalars())


def _where(study: OpenStudy, code_ids: list[int], filters: PassageFilter,
           coding: int | None = None) -> tuple[str, dict[str, Any]]:
    clauses = ["g.code_id IN :codes", "p.study_id = :study"]
    params: dict[str, Any] = {"codes": code_ids, "study": study.study_id}
    if coding is not None:
        clauses.append("g.id = :coding")
        params["coding"] = coding
    if filters.attribute and filters.value:
        clauses.append(f"{_participant_value(filters.attribute, study.engine.dialect.name, 'attr_key')} = :attr_value")
        params.update(attr_key=filters.attribute, attr_value=filters.value)
    if filters.round_no is not None:
        clauses.append("i.round = :round")
        params["round"] = filters.round_no
    if filters.with_code is not None:
        clauses.append("EXISTS (SELECT 1 FROM codings o WHERE o.version_id = g.version_id AND o.code_id = :with_code "
                       "AND o.id <> g.id AND o.start_offset < g.end_offset AND o.end_offset > g.start_offset)")
        params["with_code"] = filters.with_code
    return " AND ".join(clauses), params


def _statement(sql: str):
    return text(sql).bindparams(bindparam("codes", expanding=True))


_FROM = """
FROM codings g
JOIN transcript_versions v ON v.id = g.version_id
JOIN transcripts t ON t.id = v.transcript_id
JOIN interviews i ON i.id = t.interview_id
JOIN participants p ON p.id = i.participant_id
"""


def _codes(session, study: OpenStudy, code_ids: list[int]) -> dict[int, Code]:
    codes = {c.id: c for c in session.execute(select(Code).where(Code.study_id == study.study_id,
                                                                 Code.id.in_(code_ids))).scalars()}
    missing = [str(i) for i in code_ids if i not in codes]
    if missing:
        raise NotFound(f"no code {', '.join(missing)} in this study")
    return codes


def _clip(line_text: str, line_start: int, start: int, end: int) -> tuple[str, str, str]:
    """A line split around the part of it inside [start, end) (offsets are the version's)."""
    left = min(max(start - line_start, 0), len(line_text))
    right = min(max(end - line_start, 0), len(line_text))
    if right <= left:
        return line_text, "", ""
    return line_text[:left], line_text[left:right], line_text[right:]


def passages(study: OpenStudy, code_ids: list[int] | int, filters: PassageFilter = PassageFilter(), *,
             context: int = 2, offset: int = 0, limit: int | None = PAGE, _coding: int | None = None) -> PassagePage:
    """The passages coded with these codes (ids), in transcript order, each with ``context`` lines around it."""
    code_ids = [code_ids] if isinstance(code_ids, int) else list(dict.fromkeys(code_ids))
    if not code_ids:
        raise InvalidInput("choose at least one code")
    if not 0 <= context <= MAX_CONTEXT:
        raise InvalidInput(f"context must be between 0 and {MAX_CONTEXT} lines")
    if offset < 0 or (limit is not None and limit < 1):
        raise InvalidInput("the page of passages is out of range")
    where, params = _where(study, code_ids, filters, _coding)
    with study.read() as s:
        record = s.get(Study, study.study_id)
        style = CitationStyle(**(record.citation_style or {}))
        codes = _codes(s, study, code_ids)
        if filters.with_code is not None:
            _codes(s, study, [filters.with_code])
        descriptor = _participant_value(style.descriptor_field, study.engine.dialect.name, "descriptor_key")
        params["descriptor_key"] = style.descriptor_field
        count = s.execute(_statement(f"SELECT COUNT(*) {_FROM} WHERE {where}"), params).scalar()
        page = (f"SELECT g.id, g.code_id, g.version_id, g.start_offset, g.end_offset, g.start_line, g.end_line, "
                f"g.coder, g.created_at, g.note, p.code AS pcode, {descriptor} AS descriptor, i.round, "
                f"p.id AS participant_id {_FROM} WHERE {where} "
                "ORDER BY p.id, i.round, g.start_offset, g.id"
                + (" LIMIT :limit OFFSET :offset" if limit is not None else ""))
        params.update(limit=limit, offset=offset)
        rows = s.execute(_statement(page), params).mappings().all()
        lines = _lines(s, [r["id"] for r in rows], context) if rows else {}
    items = []
    for row in rows:
        near = lines.get(row["id"], [])
        shown = tuple(PassageLine(number, speaker, *_clip(line_text, start, row["start_offset"], row["end_offset"]),
                                  first_of_turn=bool(first_turn))
                      for number, speaker, line_text, start, first_turn in near)
        first, last = (near[0][0], near[-1][0]) if near else (row["start_line"], row["end_line"])
        code = codes[row["code_id"]]
        descriptor_value = str(row["descriptor"] or "")
        who = f"{row['pcode']}, {descriptor_value}" if descriptor_value else row["pcode"]
        created = row["created_at"]
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        items.append(Passage(
            row["id"], code.id, code.label, code_colour(code.id, code.color), row["pcode"], descriptor_value,
            row["round"], row["start_line"], row["end_line"],
            cite_inline(who, row["start_line"], row["end_line"], style), row["coder"], created, row["note"] or "",
            context, shown, more_before=first > 1 and context > 0 and first == row["start_line"] - context,
            more_after=context > 0 and last == row["end_line"] + context))
    return PassagePage(tuple(items), count, offset, limit)


def _lines(session, coding_ids: list[int], context: int) -> dict[int, list[tuple[int, str, str, int, bool]]]:
    """Each coding's lines with ``context`` lines either side, in one query (the (version, number) index)."""
    statement = text("SELECT g.id, l.number, l.speaker, l.text, l.start_offset, l.first_of_turn FROM codings g "
                     "JOIN transcript_lines l ON l.version_id = g.version_id "
                     "AND l.number BETWEEN g.start_line - :context AND g.end_line + :context "
                     "WHERE g.id IN :ids ORDER BY g.id, l.number").bindparams(bindparam("ids", expanding=True))
    found: dict[int, list[tuple[int, str, str, int, bool]]] = {}
    for coding_id, *line in session.execute(statement, {"ids": coding_ids, "context": context}):
        found.setdefault(coding_id, []).append(tuple(line))
    return found


def passage(study: OpenStudy, coding_id: int, *, context: int = 2) -> Passage:
    """One coding's passage with ``context`` lines around it (the "more context" of the passages page)."""
    with study.read() as s:
        coding = s.get(Coding, coding_id)
        code = s.get(Code, coding.code_id) if coding is not None else None
        if code is None or code.study_id != study.study_id:
            raise NotFound(f"no coding {coding_id} in this study")
    return passages(study, [code.id], context=context, limit=None, _coding=coding_id).items[0]
