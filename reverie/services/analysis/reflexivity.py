"""The reflexive log: what happened, what it might mean, and what the researcher felt (METHOD.md §4).

Entries are append-only: an edit writes a new version that supersedes the old one, because the
first impression is itself data. The researcher's feelings guide selection in this method, so an
entry can flag lines as an extract candidate: it creates (or links to) a candidate extract whose
selection source is ``researcher_affect`` and records a ``select_extract`` decision whose
evidence is the entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import lines_in_range
from reverie.services.analysis.coding import locked_version
from reverie.services.analysis.decisions import record_decision
from reverie.services.analysis.extracts import (
    add_extract,
    add_selection_source,
    find_extract,
    handle_of,
)
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import find_interview
from reverie.services.transcripts.versions import version_lines
from reverie.store.models import (
    Consultation,
    Extract,
    ExtractStatusChange,
    Interview,
    LogAnchor,
    Participant,
    ReflexiveEntry,
    Study,
    Transcript,
    TranscriptVersion,
)

DEFAULT_TEMPLATE = "three_part"


@dataclass(frozen=True)
class Anchor:
    """What an entry is about. Lines need the participant (and round) whose locked transcript they cite."""

    participant: str | None = None
    round: int = 1
    time_s: float | None = None
    lines: tuple[int, int] | None = None
    extract: str | None = None
    consultation: int | None = None


@dataclass(frozen=True)
class EntryView:
    """A log entry version as read back, its anchors described in words."""

    id: int
    version: int
    author: str
    created_at: Any
    stage: str
    template: str
    parts: dict
    affect_intensity: int | None
    tags: tuple[str, ...]
    flags_extract_candidate: bool
    anchors: tuple[str, ...]
    supersedes: int | None
    superseded: bool


@dataclass(frozen=True)
class AffectLine:
    """Lines the researcher's feelings flagged, with how strongly and what was felt."""

    participant: str
    round: int
    first: int
    last: int
    intensity: int
    entry_id: int
    feeling: str
    extract: str | None = None


@dataclass(frozen=True)
class AddedEntry:
    """The entry written, and the extract and decision an extract flag produced."""

    entry_id: int
    version: int
    extract: str | None = None
    decision_id: int | None = None
    warnings: tuple[str, ...] = field(default=())


def template_fields(template: str) -> tuple[tuple[str, str], ...]:
    """The (field, prompt) pairs of a log template."""
    if template not in vocab.LOG_TEMPLATES:
        raise InvalidInput(f"log template {template!r} is not one of {', '.join(vocab.LOG_TEMPLATES)}")
    return vocab.LOG_TEMPLATES[template]


def study_template(study: OpenStudy) -> str:
    """The study's default log template (``three_part`` unless configured)."""
    with study.read() as s:
        return (s.get(Study, study.study_id).settings or {}).get("log_template", DEFAULT_TEMPLATE)


def set_study_template(study: OpenStudy, template: str) -> None:
    """Choose the log template new entries use by default."""
    template_fields(template)
    with study.write("log.template", target=f"study:{study.study_id}", payload={"template": template}) as s:
        record = s.get(Study, study.study_id)
        record.settings = {**(record.settings or {}), "log_template": template}


def _check(template: str, parts: dict[str, str], stage: str, affect: int | None) -> None:
    names = [name for name, _ in template_fields(template)]
    unknown = set(parts) - set(names)
    if unknown:
        raise InvalidInput(f"the {template} log has no part(s) {', '.join(sorted(unknown))}; "
                           f"its parts are {', '.join(names)}")
    if not any((value or "").strip() for value in parts.values()):
        raise InvalidInput("a log entry needs some text in at least one part")
    if stage not in vocab.LOG_STAGES:
        raise InvalidInput(f"stage {stage!r} is not one of {', '.join(vocab.LOG_STAGES)}")
    if affect is not None and not 0 <= affect <= 3:
        raise InvalidInput(f"affect intensity must be 0-3, not {affect}")


def _anchor_row(session, study: OpenStudy, anchor: Anchor) -> LogAnchor:
    row = LogAnchor(time_s=anchor.time_s)
    if anchor.time_s is not None and anchor.time_s < 0:
        raise InvalidInput("a time in the recording cannot be negative")
    if anchor.participant is not None:
        interview = find_interview(session, study, anchor.participant, anchor.round)
        row.interview_id = interview.id
        if anchor.lines is not None:
            transcript = session.execute(select(Transcript).where(
                Transcript.interview_id == interview.id)).scalar_one_or_none()
            if transcript is None or transcript.current_version_id is None:
                raise NotFound(f"{anchor.participant} round {anchor.round} has no transcript to anchor lines on")
            row.version_id = transcript.current_version_id
            lines_in_range(version_lines(study, row.version_id), *anchor.lines)
            row.start_line, row.end_line = anchor.lines
    elif anchor.lines is not None or anchor.time_s is not None:
        raise InvalidInput("lines or a recording time need the participant (and round) they belong to")
    if anchor.extract is not None:
        row.extract_id = find_extract(session, study, anchor.extract).id
    if anchor.consultation is not None:
        if session.get(Consultation, anchor.consultation) is None:
            raise NotFound(f"no consultation {anchor.consultation}")
        row.consultation_id = anchor.consultation
    return row


def add_entry(study: OpenStudy, parts: dict[str, str], *, template: str | None = None, stage: str = "analysis",
              affect_intensity: int | None = None, tags=(), anchors: list[Anchor] = (),
              flags_extract_candidate: bool = False) -> AddedEntry:
    """Write a reflexive log entry; flagging lines makes (or links to) a candidate extract."""
    template = template or study_template(study)
    _check(template, parts, stage, affect_intensity)
    line_anchors = [a for a in anchors if a.lines is not None and a.participant is not None]
    if flags_extract_candidate and not line_anchors:
        raise InvalidInput("flagging an extract candidate needs a line anchor (participant and lines)")
    payload: dict[str, Any] = {"stage": stage, "template": template, "affect": affect_intensity,
                               "flags_extract_candidate": flags_extract_candidate}
    with study.write("log.add", target="log", payload=payload) as s:
        entry = ReflexiveEntry(study_id=study.study_id, guid=str(uuid.uuid4()), author=study.actor, stage=stage,
                               template=template, parts=dict(parts), affect_intensity=affect_intensity,
                               flags_extract_candidate=flags_extract_candidate, tags=list(tags),
                               created_by=study.actor)
        entry.anchors = [_anchor_row(s, study, a) for a in anchors]
        s.add(entry)
        s.flush()
        payload["id"] = entry.id
        result = AddedEntry(entry.id, 1)
        if flags_extract_candidate:
            result = _flag_candidate(s, study, entry, line_anchors[0])
            payload.update(extract=result.extract, decision=result.decision_id)
    return result


def _rationale(entry: ReflexiveEntry) -> str:
    parts = entry.parts or {}
    said = parts.get("emotional_response") or parts.get("interpretation") or next(
        (v for v in parts.values() if v), "")
    return f"flagged by reflexive log entry {entry.id}: {said}".strip()


def _flag_candidate(session, study: OpenStudy, entry: ReflexiveEntry, anchor: Anchor) -> AddedEntry:
    """Create or link the candidate extract the entry flags, with the entry as the decision's evidence."""
    version = locked_version(session, study, anchor.participant, anchor.round)
    first, last = anchor.lines
    existing = session.execute(select(Extract).where(
        Extract.study_id == study.study_id, Extract.version_id == version.id, Extract.start_line == first,
        Extract.end_line == last)).scalars().first()
    evidence = [{"kind": "log_entry", "id": entry.id}]
    if existing is None:
        view = add_extract(study, anchor.participant, first, last, round_no=anchor.round, why=_rationale(entry),
                           selection_sources=["researcher_affect"], evidence_refs=evidence)
        handle = view.handle
        decision_id = session.execute(select(ExtractStatusChange.decision_id)
                                      .where(ExtractStatusChange.extract_id == view.id)).scalar_one()
    else:
        handle = handle_of(existing)
        add_selection_source(study, handle, "researcher_affect")
        decision_id = record_decision(study, "select_extract", _rationale(entry), evidence_refs=evidence,
                                      target_refs=[{"kind": "extract", "id": existing.id, "handle": handle}]).id
    extract_id = find_extract(session, study, handle).id
    entry.anchors.append(LogAnchor(extract_id=extract_id))
    return AddedEntry(entry.id, entry.version, handle, decision_id)


def revise_entry(study: OpenStudy, entry_id: int, *, parts: dict[str, str] | None = None,
                 affect_intensity: int | None = None, tags=None, stage: str | None = None) -> AddedEntry:
    """Write a new version of an entry; the old one is kept, marked superseded, never overwritten."""
    payload: dict[str, Any] = {"supersedes": entry_id}
    with study.write("log.revise", target=f"log:{entry_id}", payload=payload) as s:
        old = s.get(ReflexiveEntry, entry_id)
        if old is None or old.study_id != study.study_id:
            raise NotFound(f"no log entry {entry_id}")
        if old.superseded:
            raise Conflict(f"log entry {entry_id} has already been revised; revise its latest version")
        new_parts = {**(old.parts or {}), **(parts or {})}
        affect = old.affect_intensity if affect_intensity is None else affect_intensity
        new_stage = stage or old.stage
        _check(old.template, new_parts, new_stage, affect)
        entry = ReflexiveEntry(study_id=study.study_id, guid=str(uuid.uuid4()), author=study.actor, stage=new_stage,
                               template=old.template, parts=new_parts, affect_intensity=affect,
                               flags_extract_candidate=old.flags_extract_candidate,
                               tags=list(old.tags if tags is None else tags), version=old.version + 1,
                               supersedes_id=old.id, created_by=study.actor)
        entry.anchors = [LogAnchor(interview_id=a.interview_id, time_s=a.time_s, version_id=a.version_id,
                                   start_line=a.start_line, end_line=a.end_line, extract_id=a.extract_id,
                                   consultation_id=a.consultation_id) for a in old.anchors]
        old.superseded = True
        s.add(entry)
        s.flush()
        payload.update(id=entry.id, version=entry.version)
    return AddedEntry(entry.id, entry.version)


def _describe_anchor(session, anchor: LogAnchor) -> str:
    pieces = []
    if anchor.interview_id is not None:
        interview = session.get(Interview, anchor.interview_id)
        pieces.append(f"{session.get(Participant, interview.participant_id).code} R{interview.round}")
    if anchor.time_s is not None:
        pieces.append(f"at {anchor.time_s:g}s")
    if anchor.start_line is not None:
        pieces.append(f"lines {anchor.start_line}-{anchor.end_line}")
    if anchor.extract_id is not None:
        pieces.append(handle_of(session.get(Extract, anchor.extract_id)))
    if anchor.consultation_id is not None:
        pieces.append(f"consultation {anchor.consultation_id}")
    return " ".join(pieces)


def list_entries(study: OpenStudy, *, include_superseded: bool = False, stage: str | None = None,
                 tag: str | None = None) -> list[EntryView]:
    """The log in the order it was written (latest versions only, unless asked for all)."""
    with study.read() as s:
        query = select(ReflexiveEntry).where(ReflexiveEntry.study_id == study.study_id)
        if not include_superseded:
            query = query.where(ReflexiveEntry.superseded.is_(False))
        if stage is not None:
            query = query.where(ReflexiveEntry.stage == stage)
        views = []
        for e in s.execute(query.order_by(ReflexiveEntry.id)).scalars():
            if tag is not None and tag not in (e.tags or []):
                continue
            views.append(EntryView(e.id, e.version, e.author, e.created_at, e.stage, e.template, dict(e.parts or {}),
                                   e.affect_intensity, tuple(e.tags or ()), e.flags_extract_candidate,
                                   tuple(_describe_anchor(s, a) for a in e.anchors), e.supersedes_id, e.superseded))
        return views


def affect_lines(study: OpenStudy) -> list[AffectLine]:
    """The lines the researcher's feelings flagged, strongest feeling first (latest entry versions only)."""
    with study.read() as s:
        rows = s.execute(
            select(ReflexiveEntry, LogAnchor, Participant.code, Interview.round)
            .join(LogAnchor, LogAnchor.entry_id == ReflexiveEntry.id)
            .join(TranscriptVersion, TranscriptVersion.id == LogAnchor.version_id)
            .join(Transcript, Transcript.id == TranscriptVersion.transcript_id)
            .join(Interview, Interview.id == Transcript.interview_id)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(ReflexiveEntry.study_id == study.study_id, ReflexiveEntry.superseded.is_(False),
                   LogAnchor.start_line.is_not(None))
        ).all()
        found = []
        for entry, anchor, code, round_no in rows:
            extract = next((handle_of(s.get(Extract, a.extract_id)) for a in entry.anchors if a.extract_id), None)
            found.append(AffectLine(code, round_no, anchor.start_line, anchor.end_line, entry.affect_intensity or 0,
                                    entry.id, (entry.parts or {}).get("emotional_response", ""), extract))
    return sorted(found, key=lambda a: (-a.intensity, a.entry_id))
