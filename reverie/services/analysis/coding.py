"""Codes and codings: discursive objects, discourses, positions, storylines, applied to locked text.

A code is a study-level vocabulary entry (METHOD.md §10.5); renaming or merging one changes how
the analysis reads, so both are recorded as :class:`Decision`\\s with a reason (§1: "rename/merge
is a Decision"). A coding anchors a code on a locked transcript version by offsets, line numbers
and a quote selector, so it survives corrections. The statistics are plain SQL run through
SQLAlchemy ``text()``: they are benchmarked against the same SQL run directly on 50,000 codings.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import defer

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.decisions import record_decision
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import find_interview
from reverie.services.study.participants import ensure_not_withdrawn
from reverie.services.transcripts.versions import resolve_target
from reverie.store.models import Code, Coding, Interview, Participant, Transcript, TranscriptVersion

_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?)?$")
# Participant columns a crosstab may group by; anything else is read from ``attributes``.
PARTICIPANT_COLUMNS = ("gender", "profession", "setting", "years_band", "recruitment_channel", "status")
_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


@dataclass(frozen=True)
class CodeView:
    """A codebook entry as listed: its parent, status and how many codings it has."""

    id: int
    guid: str
    label: str
    kind: str
    definition: str
    color: str
    parent: str | None
    status: str
    merged_into: str | None
    codings: int


@dataclass(frozen=True)
class CodeFrequency:
    """How often a code was applied, and across how many participants and interviews."""

    label: str
    kind: str
    codings: int
    participants: int
    interviews: int


@dataclass(frozen=True)
class CoOccurrence:
    """Two codes whose codings overlap on the same transcript version, and how many such overlaps."""

    code_a: str
    code_b: str
    count: int


@dataclass(frozen=True)
class Crosstab:
    """Codings per code (rows) and participant attribute value (columns)."""

    by: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]


def locked_version(session, study: OpenStudy, code: str, round_no: int) -> TranscriptVersion:
    """The interview's current transcript version, refusing a draft: only locked line numbers can be cited."""
    # One query on the way every coding takes; the step-by-step lookup below only names what is missing.
    # The text (a megabyte for a long transcript) is read only if a caller needs it.
    version = session.execute(
        select(TranscriptVersion).options(defer(TranscriptVersion.text))
        .join(Transcript, Transcript.current_version_id == TranscriptVersion.id)
        .join(Interview, Interview.id == Transcript.interview_id)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(Participant.study_id == study.study_id, Participant.code == code, Interview.round == round_no)
    ).scalar_one_or_none()
    if version is None:
        interview = find_interview(session, study, code, round_no)
        transcript = session.execute(select(Transcript)
                                     .where(Transcript.interview_id == interview.id)).scalar_one_or_none()
        if transcript is None or transcript.current_version_id is None:
            raise NotFound(f"{code} round {round_no} has no transcript; import one with `reverie transcript import`")
        version = session.get(TranscriptVersion, transcript.current_version_id, options=[defer(TranscriptVersion.text)])
    if version.status != "locked":
        raise Conflict(f"{code} round {round_no} transcript version {version.number} is {version.status}, not locked; "
                       "lock it (`reverie transcript lock`) before coding or citing it, so its line numbers "
                       "never change")
    return version


def find_code(session, study: OpenStudy, ref: str) -> Code:
    """A code by its label (the live one, not a merged one) or its GUID."""
    code = session.execute(select(Code).where(Code.study_id == study.study_id, Code.label == ref,
                                              Code.status != "merged")).scalar_one_or_none()
    if code is None:
        code = session.execute(select(Code).where(Code.study_id == study.study_id,
                                                  Code.guid == ref)).scalar_one_or_none()
    if code is None:
        raise NotFound(f"no code {ref!r} in this study; add it with `reverie codes add`")
    return code


def _check_label_free(session, study: OpenStudy, label: str) -> None:
    if not label.strip():
        raise InvalidInput("a code needs a label")
    taken = session.execute(select(Code.id).where(Code.study_id == study.study_id, Code.label == label,
                                                  Code.status != "merged")).first()
    if taken:
        raise Conflict(f"a code labelled {label!r} already exists")


def add_code(study: OpenStudy, label: str, *, kind: str = "free", definition: str = "", color: str = "",
             parent: str | None = None, why: str = "") -> Code:
    """Add a code (a discursive object, discourse, subject position, storyline, theme seed or free code)."""
    if kind not in vocab.CODE_KINDS:
        raise InvalidInput(f"code kind {kind!r} is not one of {', '.join(vocab.CODE_KINDS)}")
    if not _COLOUR.match(color):
        raise InvalidInput(f"colour {color!r} must look like #1f77b4")
    payload: dict[str, Any] = {"label": label, "kind": kind, "parent": parent}
    with study.write("code.add", target=f"code:{label}", why=why, payload=payload) as s:
        _check_label_free(s, study, label)
        parent_id = find_code(s, study, parent).id if parent else None
        code = Code(study_id=study.study_id, guid=str(uuid.uuid4()), kind=kind, label=label.strip(),
                    definition=definition, color=color, parent_id=parent_id, created_by=study.actor)
        s.add(code)
        s.flush()
        payload.update(id=code.id, guid=code.guid)
    return code


def list_codes(study: OpenStudy, *, include_merged: bool = False) -> list[CodeView]:
    """The codebook, with each code's parent and how many codings it has."""
    with study.read() as s:
        codes = s.execute(select(Code).where(Code.study_id == study.study_id).order_by(Code.id)).scalars().all()
        counts = dict(s.execute(select(Coding.code_id, func.count(Coding.id)).join(Code, Code.id == Coding.code_id)
                                .where(Code.study_id == study.study_id).group_by(Coding.code_id)).all())
        labels = {c.id: c.label for c in codes}
        return [CodeView(c.id, c.guid, c.label, c.kind, c.definition, c.color, labels.get(c.parent_id), c.status,
                         labels.get(c.merged_into_id), counts.get(c.id, 0))
                for c in codes if include_merged or c.status != "merged"]


def apply_code(study: OpenStudy, code: str, participant: str, *, round_no: int = 1,
               lines: tuple[int, int] | None = None, span: tuple[int, int] | None = None, note: str = "") -> Coding:
    """Code a line range or a character span of a participant's locked transcript; the coder is you.

    The same code on the very same span twice is refused: it would count twice and say nothing more.
    """
    if (lines is None) == (span is None):
        raise InvalidInput("give either a line range or a character span to code")
    ensure_not_withdrawn(study, participant)
    payload: dict[str, Any] = {"code": code, "participant": participant, "round": round_no}
    with study.write("coding.add", target=f"code:{code}", payload=payload) as s:
        coding = _insert_coding(s, study, code, participant, round_no, lines, span, note, payload)
    return coding


def _insert_coding(s, study: OpenStudy, code: str, participant: str, round_no: int,
                   lines: tuple[int, int] | None, span: tuple[int, int] | None, note: str, payload: dict,
                   guid: str | None = None) -> Coding:
    record = find_code(s, study, code)
    if record.status != "active":
        raise Conflict(f"code {code!r} is {record.status}; apply the code it was merged into")
    version = locked_version(s, study, participant, round_no)
    target = resolve_target(study, s, version.id, lines, span)
    # The same coder twice on the same words is a slip; another coder on them is how agreement is read.
    twin = s.execute(select(Coding.id).where(Coding.version_id == version.id, Coding.code_id == record.id,
                                             Coding.start_offset == target.start, Coding.end_offset == target.end,
                                             Coding.coder == study.actor)).first()
    if twin:
        where = (f"line {target.first_line}" if target.first_line == target.last_line
                 else f"lines {target.first_line}-{target.last_line}")
        raise Conflict(f"{record.label!r} is already applied to exactly these words by you ({participant} {where}); "
                       "select other words or choose another code")
    coding = Coding(guid=guid or str(uuid.uuid4()), code_id=record.id, version_id=version.id,
                    start_offset=target.start, end_offset=target.end, start_line=target.first_line,
                    end_line=target.last_line, selector=target.selector, coder=study.actor, note=note,
                    created_by=study.actor)
    s.add(coding)
    s.flush()
    payload.update(id=coding.id, lines=[target.first_line, target.last_line], version=version.number)
    return coding


@dataclass(frozen=True)
class RemovedCoding:
    """What a removed coding was, enough to put it back exactly (the undo of a removal)."""

    id: int
    guid: str
    code: str
    participant: str
    round: int
    start_offset: int
    end_offset: int
    start_line: int
    end_line: int
    note: str
    coder: str


def _coding_place(s, coding_id: int) -> tuple[Coding, Code, str, int]:
    row = s.execute(select(Coding, Code, Participant.code, Interview.round)
                    .join(Code, Code.id == Coding.code_id)
                    .join(TranscriptVersion, TranscriptVersion.id == Coding.version_id)
                    .join(Transcript, Transcript.id == TranscriptVersion.transcript_id)
                    .join(Interview, Interview.id == Transcript.interview_id)
                    .join(Participant, Participant.id == Interview.participant_id)
                    .where(Coding.id == coding_id)).first()
    if row is None:
        raise NotFound(f"no coding {coding_id}; it may have been removed already")
    return tuple(row)


def remove_coding(study: OpenStudy, coding_id: int, why: str = "", *, action: str = "coding.remove",
                  participant: str | None = None, round_no: int | None = None) -> RemovedCoding:
    """Take a coding off its words; the audit event keeps what it was, so it can be put back.

    ``participant`` and ``round_no``, when given, must be the coding's interview (a page removes
    only codings of the transcript it shows).
    """
    payload: dict[str, Any] = {"id": coding_id}
    with study.write(action, target=f"coding:{coding_id}", why=why, payload=payload) as s:
        coding, code, on, round_on = _coding_place(s, coding_id)
        if code.study_id != study.study_id or (participant is not None and (on, round_on) != (participant, round_no)):
            raise NotFound(f"no coding {coding_id} on this transcript")
        participant, round_no = on, round_on
        removed = RemovedCoding(coding.id, coding.guid, code.label, participant, round_no, coding.start_offset,
                                coding.end_offset, coding.start_line, coding.end_line, coding.note, coding.coder)
        payload.update(guid=coding.guid, code=code.label, code_guid=code.guid, participant=participant,
                       round=round_no, version_id=coding.version_id, span=[coding.start_offset, coding.end_offset],
                       lines=[coding.start_line, coding.end_line], coder=coding.coder, note=coding.note,
                       # the quoted words as top-level word fields, so a withdrawal can erase them
                       **{k: v for k, v in (coding.selector or {}).items() if k in ("exact", "prefix", "suffix")})
        s.delete(coding)
    return removed


def undo_apply(study: OpenStudy, coding_id: int, *, participant: str | None = None,
               round_no: int | None = None) -> RemovedCoding:
    """Undo the coding just applied: it is removed again, recorded as an undo."""
    return remove_coding(study, coding_id, why="undo", action="coding.undo_add", participant=participant,
                         round_no=round_no)


def restore_coding(study: OpenStudy, removed: RemovedCoding) -> Coding:
    """Undo a removal: the same code on the same span again, with its note and GUID, recorded as an undo."""
    ensure_not_withdrawn(study, removed.participant)
    payload: dict[str, Any] = {"code": removed.code, "participant": removed.participant, "round": removed.round,
                               "restores": removed.id, "guid": removed.guid}
    with study.write("coding.undo_remove", target=f"code:{removed.code}", why="undo", payload=payload) as s:
        taken = s.execute(select(Coding.id).where(Coding.guid == removed.guid)).first()
        coding = _insert_coding(s, study, removed.code, removed.participant, removed.round, None,
                                (removed.start_offset, removed.end_offset), removed.note, payload,
                                guid=None if taken else removed.guid)
    return coding


# Drawn for a code that has no colour of its own (most do not): distinct, readable on white, and
# the same for a code wherever it is shown, because it is chosen by the code's id.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f00",
           "#393b79")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")


@dataclass(frozen=True)
class AppliedCode:
    """A coding as the reader and the timeline draw it: the code, its colour, where it lies, who coded it."""

    id: int
    code_id: int
    label: str
    kind: str
    color: str
    start_line: int
    end_line: int
    start_offset: int
    end_offset: int
    coder: str
    note: str


def current_version_id(session, study: OpenStudy, participant: str, round_no: int) -> int:
    """The id of the interview's current transcript version, whatever its status."""
    interview = find_interview(session, study, participant, round_no)
    version_id = session.execute(select(Transcript.current_version_id)
                                 .where(Transcript.interview_id == interview.id)).scalar_one_or_none()
    if version_id is None:
        raise NotFound(f"{participant} round {round_no} has no transcript; import one with `reverie transcript import`")
    return version_id


def code_colour(code_id: int, stored: str) -> str:
    """The code's own colour when it is a valid hex colour (imports may carry anything), else one from the palette."""
    return stored if _HEX.match(stored or "") else PALETTE[code_id % len(PALETTE)]


def list_codings(study: OpenStudy, participant: str, round_no: int = 1, *, lines: tuple[int, int] | None = None,
                 kinds: tuple[str, ...] | None = None) -> list[AppliedCode]:
    """The codings on the interview's current transcript version, in text order.

    ``lines`` keeps the codings that touch that line range (a reader's window); ``kinds`` keeps the
    codes of those kinds (``("discursive_object",)`` for the affect timeline).
    """
    with study.read() as s:
        version_id = current_version_id(s, study, participant, round_no)
        # Plain columns, not ORM objects: a reader's window may hold a thousand codings.
        query = (select(Coding.id, Code.id, Code.label, Code.kind, Code.color, Coding.start_line, Coding.end_line,
                        Coding.start_offset, Coding.end_offset, Coding.coder, Coding.note)
                 .join(Code, Code.id == Coding.code_id).where(Coding.version_id == version_id)
                 .order_by(Coding.start_offset, Coding.id))
        if lines is not None:
            query = query.where(Coding.start_line <= lines[1], Coding.end_line >= lines[0])
        if kinds is not None:
            query = query.where(Code.kind.in_(kinds))
        return [AppliedCode(i, c, label, kind, code_colour(c, colour), *rest)
                for i, c, label, kind, colour, *rest in s.execute(query).all()]


def rename_code(study: OpenStudy, code: str, new_label: str, *, rationale: str) -> int:
    """Rename a code, recording the decision and its reason; returns the decision id."""
    with study.write("code.rename", target=f"code:{code}", why=rationale, payload={"to": new_label}) as s:
        record = find_code(s, study, code)
        _check_label_free(s, study, new_label)
        decision = record_decision(study, "rename_code", rationale,
                                   target_refs=[{"kind": "code", "id": record.id, "guid": record.guid}],
                                   before={"label": record.label}, after={"label": new_label.strip()})
        record.label = new_label.strip()
    return decision.id


def merge_code(study: OpenStudy, source: str, into: str, *, rationale: str) -> int:
    """Merge one code into another: its codings and children move over; returns the decision id."""
    with study.write("code.merge", target=f"code:{source}", why=rationale, payload={"into": into}) as s:
        old, new = find_code(s, study, source), find_code(s, study, into)
        if old.id == new.id:
            raise InvalidInput("a code cannot be merged into itself")
        moved = s.execute(select(func.count(Coding.id)).where(Coding.code_id == old.id)).scalar()
        decision = record_decision(study, "merge_code", rationale,
                                   target_refs=[{"kind": "code", "id": old.id, "guid": old.guid},
                                                {"kind": "code", "id": new.id, "guid": new.guid}],
                                   before={"label": old.label, "codings": moved}, after={"merged_into": new.label})
        s.execute(update(Coding).where(Coding.code_id == old.id).values(code_id=new.id))
        s.execute(update(Code).where(Code.parent_id == old.id, Code.id != new.id).values(parent_id=new.id))
        if new.parent_id == old.id:
            new.parent_id = old.parent_id
        old.status, old.merged_into_id = "merged", new.id
    return decision.id


# --- statistics (plain SQL: benchmarked against running it directly) -----------------------------

FREQUENCY_SQL = """
SELECT c.label, c.kind, COUNT(g.id) AS codings,
       COUNT(DISTINCT i.participant_id) AS participants, COUNT(DISTINCT i.id) AS interviews
FROM codes c
LEFT JOIN codings g ON g.code_id = c.id
LEFT JOIN transcript_versions v ON v.id = g.version_id
LEFT JOIN transcripts t ON t.id = v.transcript_id
LEFT JOIN interviews i ON i.id = t.interview_id
WHERE c.study_id = :study AND c.status <> 'merged'
GROUP BY c.id, c.label, c.kind
ORDER BY codings DESC, c.label
"""

# Each overlapping pair of codings is counted once, from the one that starts first (ties: lower id),
# so the join only scans codings that start inside the first one: an index range on
# (version_id, start_offset) instead of every coding of the version.
COOCCURRENCE_SQL = """
WITH pairs AS (
    SELECT CASE WHEN a.code_id < b.code_id THEN a.code_id ELSE b.code_id END AS low,
           CASE WHEN a.code_id < b.code_id THEN b.code_id ELSE a.code_id END AS high
    FROM codings a
    JOIN codes c ON c.id = a.code_id
    JOIN codings b ON b.version_id = a.version_id
                  AND b.start_offset >= a.start_offset AND b.start_offset < a.end_offset
                  AND (b.start_offset > a.start_offset OR b.id > a.id)
                  AND b.code_id <> a.code_id
    WHERE c.study_id = :study
)
SELECT ca.label AS code_a, cb.label AS code_b, COUNT(*) AS n
FROM pairs
JOIN codes ca ON ca.id = pairs.low
JOIN codes cb ON cb.id = pairs.high
GROUP BY pairs.low, pairs.high, ca.label, cb.label
ORDER BY n DESC, ca.label, cb.label
"""

CROSSTAB_SQL = """
SELECT c.label, {value} AS value, COUNT(*) AS n
FROM codings g
JOIN codes c ON c.id = g.code_id
JOIN transcript_versions v ON v.id = g.version_id
JOIN transcripts t ON t.id = v.transcript_id
JOIN interviews i ON i.id = t.interview_id
JOIN participants p ON p.id = i.participant_id
WHERE c.study_id = :study
GROUP BY c.label, value
"""


def code_frequencies(study: OpenStudy) -> list[CodeFrequency]:
    """How often each live code was applied, and across how many participants and interviews."""
    with study.read() as s:
        return [CodeFrequency(*row) for row in s.execute(text(FREQUENCY_SQL), {"study": study.study_id}).all()]


def cooccurrence(study: OpenStudy) -> list[CoOccurrence]:
    """Pairs of codes whose codings overlap on the same transcript version, most frequent first."""
    with study.read() as s:
        return [CoOccurrence(*row) for row in s.execute(text(COOCCURRENCE_SQL), {"study": study.study_id}).all()]


def crosstab_sql(by: str, dialect: str) -> tuple[str, dict[str, Any]]:
    """The crosstab query for a participant column or an attribute key, in the database's JSON dialect."""
    if by in PARTICIPANT_COLUMNS:
        return CROSSTAB_SQL.format(value=f"p.{by}"), {}
    if not _ATTRIBUTE.match(by):
        raise InvalidInput(f"cannot group by {by!r}: use a participant field "
                           f"({', '.join(PARTICIPANT_COLUMNS)}) or an attribute name")
    value = "json_extract(p.attributes, '$.' || :key)" if dialect == "sqlite" else "(p.attributes ->> :key)"
    return CROSSTAB_SQL.format(value=value), {"key": by}


def crosstab(study: OpenStudy, by: str = "profession") -> Crosstab:
    """Codings of each code by a participant attribute (profession, setting, or any attribute key)."""
    query, params = crosstab_sql(by, study.engine.dialect.name)
    with study.read() as s:
        rows = s.execute(text(query), {"study": study.study_id, **params}).all()
    columns = tuple(sorted({str(value if value is not None else "") for _, value, _ in rows}))
    table: dict[str, list[int]] = {}
    for label, value, count in rows:
        table.setdefault(label, [0] * len(columns))[columns.index(str(value if value is not None else ""))] += count
    return Crosstab(by, columns, tuple((label, tuple(counts)) for label, counts in sorted(table.items())))
