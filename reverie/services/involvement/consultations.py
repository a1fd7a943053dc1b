"""Consultations: member reflections and PPI sessions, what was shown, and what people said.

One model serves both (METHOD.md §5.1): a member reflection is a participant's round-2
interview, a PPI session belongs to a group of contributors who are not research participants
(§6). What was shown is frozen as a snapshot at the moment it is shown (§10.8 invariant 4), so a
later memo revision never changes what the record says people responded to. Setting a
response's disposition is audited, with a reason whenever the response was not simply taken up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.extracts import find_extract, get_extract, handle_of
from reverie.services.analysis.memos import memo_content, object_label
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import (
    add_interview,
    add_response_note,
    find_interview,
)
from reverie.services.study.participants import find_participant, parse_date
from reverie.store.models import (
    Consultation,
    ConsultationMaterial,
    Extract,
    Interview,
    InterviewSchedule,
    Memo,
    Participant,
    PPIGroup,
    Response,
)

RECORDING_MODES = ("audio", "video", "notes_only")
# Dispositions that say the response was taken up need no reason; every other one does.
_NO_REASON_NEEDED = ("pending", "incorporated")


@dataclass(frozen=True)
class ResponseView:
    """A response as listed: who, on what, of which types, and what became of it."""

    id: int
    respondent: str
    target: str
    types: tuple[str, ...]
    resonance: int | None
    summary: str
    disposition: str
    rationale: str


@dataclass(frozen=True)
class ConsultationView:
    """A consultation with its frozen materials and its responses."""

    id: int
    kind: str
    title: str
    held_on: date | None
    who: str
    materials: tuple[dict, ...]
    responses: tuple[ResponseView, ...]


def find_group(session, study: OpenStudy, label: str) -> PPIGroup:
    """A PPI group by its label."""
    group = session.execute(select(PPIGroup).where(PPIGroup.study_id == study.study_id,
                                                   PPIGroup.label == label)).scalar_one_or_none()
    if group is None:
        raise NotFound(f"no PPI group {label!r}; add it with `reverie consult group`")
    return group


def find_consultation(session, study: OpenStudy, consultation_id: int) -> Consultation:
    """A consultation of this study by its id."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.study_id != study.study_id:
        raise NotFound(f"no consultation {consultation_id} in this study")
    return consultation


def add_ppi_group(study: OpenStudy, label: str, *, composition_summary: str = "", size: int | None = None,
                  recruitment_route: str = "", payment_recognition: str = "", stages=()) -> PPIGroup:
    """Record a PPI group by its composition (no individual identities: contributors are not participants)."""
    if not label.strip():
        raise InvalidInput("a PPI group needs a label, e.g. PPI-A")
    if size is not None and size < 1:
        raise InvalidInput("a PPI group's size must be at least 1")
    payload: dict[str, Any] = {"label": label, "stages": list(stages)}
    with study.write("ppi_group.add", target=f"ppi_group:{label}", payload=payload) as s:
        if s.execute(select(PPIGroup.id).where(PPIGroup.study_id == study.study_id, PPIGroup.label == label)).first():
            raise Conflict(f"a PPI group labelled {label!r} already exists")
        group = PPIGroup(study_id=study.study_id, label=label, composition_summary=composition_summary, size=size,
                         recruitment_route=recruitment_route, payment_recognition=payment_recognition,
                         stages=list(stages), created_by=study.actor)
        s.add(group)
        s.flush()
        payload["id"] = group.id
    return group


def _member_interview(study: OpenStudy, participant: str, round_no: int, held_on, duration_min,
                      location_type: str) -> int:
    """The round-N interview a member reflection happens in, made (or re-purposed) as member_reflection."""
    with study.read() as s:
        try:
            interview = find_interview(s, study, participant, round_no)
        except NotFound:
            interview = None
    if interview is None:
        return add_interview(study, participant, round_no, purpose="member_reflection", held_on=held_on,
                             duration_min=duration_min, location_type=location_type).id
    with study.write("interview.update", target=f"interview:{participant}/{round_no}",
                     payload={"purpose": "member_reflection"}) as s:
        s.get(Interview, interview.id).purpose = "member_reflection"
    return interview.id


def add_consultation(study: OpenStudy, kind: str, *, participant: str | None = None, group: str | None = None,
                     round_no: int = 2, held_on: str | date | None = None, duration_min: float | None = None,
                     mode: str = "in_person", location_type: str = "", title: str = "", questions_posed: str = "",
                     recording: str = "notes_only", transcribed: bool = False,
                     attendees: dict | None = None) -> Consultation:
    """Record a member reflection (a participant's round-2 interview) or a PPI session (a group, a stage)."""
    if kind not in vocab.CONSULTATION_KINDS:
        raise InvalidInput(f"consultation kind {kind!r} is not one of {', '.join(vocab.CONSULTATION_KINDS)}")
    if recording not in RECORDING_MODES:
        raise InvalidInput(f"recording {recording!r} is not one of {', '.join(RECORDING_MODES)}")
    if kind == "member_reflection" and (participant is None or group is not None):
        raise InvalidInput("a member reflection needs the participant (and no PPI group)")
    if kind.startswith("ppi_") and (group is None or participant is not None):
        raise InvalidInput("a PPI session needs its group, and no participant: PPI contributors are not participants")
    when = parse_date(held_on, "consultation date")
    payload: dict[str, Any] = {"kind": kind, "participant": participant, "group": group, "held_on": str(when)}
    with study.write("consultation.add", target=f"consultation:{kind}", payload=payload) as s:
        participant_id = find_participant(s, study, participant).id if participant else None
        group_id = find_group(s, study, group).id if group else None
        interview_id = None
        if kind == "member_reflection":
            interview_id = _member_interview(study, participant, round_no, when, duration_min, location_type)
            if s.execute(select(Consultation.id).where(Consultation.interview_id == interview_id)).first():
                raise Conflict(f"{participant} round {round_no} is already recorded as a consultation")
        consultation = Consultation(
            study_id=study.study_id, kind=kind, title=title, held_on=when, duration_min=duration_min, mode=mode,
            location_type=location_type, participant_id=participant_id, group_id=group_id, interview_id=interview_id,
            attendees=attendees or {}, questions_posed=questions_posed, recording=recording, transcribed=transcribed,
            created_by=study.actor)
        s.add(consultation)
        s.flush()
        payload["id"] = consultation.id
    return consultation


def show_extract(study: OpenStudy, consultation_id: int, extract: str, *, with_memo: bool = True,
                 object_code: str | None = None) -> ConsultationMaterial:
    """Record that an extract (and its memo as it stands now) was shown; the snapshot is frozen."""
    payload: dict[str, Any] = {"extract": extract}
    with study.write("consultation.material", target=f"consultation:{consultation_id}", payload=payload) as s:
        find_consultation(s, study, consultation_id)
        record = find_extract(s, study, extract)
        view = get_extract(study, extract)
        snapshot: dict[str, Any] = {"extract": {
            "handle": view.handle, "participant": view.participant, "round": view.round,
            "transcript_version": view.version, "lines": [view.start_line, view.end_line],
            "citation": view.citation, "text": view.text, "display_text": view.display_text, "status": view.status}}
        memo_version_id = None
        if with_memo:
            memos = s.execute(select(Memo).where(Memo.extract_id == record.id)).scalars().all()
            memo = next((m for m in memos if object_label(s, m) == object_code and m.versions), None)
            if memo is not None:
                latest = memo.versions[-1]
                memo_version_id = latest.id
                snapshot["memo"] = {"memo_id": memo.id, "object": object_code, "version": latest.version,
                                    **memo_content(latest)}
        material = ConsultationMaterial(consultation_id=consultation_id, kind="extract", extract_id=record.id,
                                        memo_version_id=memo_version_id, snapshot=snapshot, created_by=study.actor)
        s.add(material)
        s.flush()
        payload.update(id=material.id, memo_version=memo_version_id)
    return material


def show_schedule(study: OpenStudy, consultation_id: int, version: int) -> ConsultationMaterial:
    """Record that a version of the interview schedule was shown (a PPI design consultation)."""
    with study.write("consultation.material", target=f"consultation:{consultation_id}",
                     payload={"schedule": version}) as s:
        find_consultation(s, study, consultation_id)
        schedule = s.execute(select(InterviewSchedule).where(InterviewSchedule.study_id == study.study_id,
                                                             InterviewSchedule.version == version)).scalar_one_or_none()
        if schedule is None:
            raise NotFound(f"no interview schedule version {version}")
        snapshot = {"schedule": {"version": version,
                                 "items": [{"seq": i.seq, "kind": i.kind, "text": i.text} for i in schedule.items]}}
        material = ConsultationMaterial(consultation_id=consultation_id, kind="schedule", schedule_id=schedule.id,
                                        snapshot=snapshot, created_by=study.actor)
        s.add(material)
    return material


def _target(session, study: OpenStudy, target: str, extract: str | None, object_code: str | None,
            detail: str) -> dict[str, Any]:
    if target not in vocab.RESPONSE_TARGETS:
        raise InvalidInput(f"response target {target!r} is not one of {', '.join(vocab.RESPONSE_TARGETS)}")
    fields: dict[str, Any] = {"target_kind": target, "target_detail": detail}
    if target in ("extract", "memo", "construction"):
        if extract is None:
            raise InvalidInput(f"a response to a {target} needs the extract (e.g. E1)")
        record = find_extract(session, study, extract)
        fields["extract_id"] = record.id
        if target == "memo":
            memos = session.execute(select(Memo).where(Memo.extract_id == record.id)).scalars().all()
            memo = next((m for m in memos if object_label(session, m) == object_code), None)
            if memo is None:
                raise NotFound(f"{handle_of(record)} has no memo to respond to")
            fields["memo_id"] = memo.id
    if target in ("construction", "theme", "schedule_item") and not detail.strip():
        raise InvalidInput(f"a response to a {target} needs to say which one (detail), e.g. \"milk\"")
    return fields


def add_response(study: OpenStudy, consultation_id: int, *, summary: str, types, target: str = "extract",
                 extract: str | None = None, object_code: str | None = None, detail: str = "",
                 respondent: str = "", resonance: int | None = None, timecode_s: float | None = None,
                 disposition: str = "pending", rationale: str = "") -> Response:
    """Record what a participant or PPI group said about an extract, memo, construction, theme …"""
    types = list(dict.fromkeys(types))
    if not types or any(t not in vocab.RESPONSE_TYPES for t in types):
        raise InvalidInput(f"response types must be some of {', '.join(vocab.RESPONSE_TYPES)}")
    if not summary.strip():
        raise InvalidInput("a response needs a summary of what was said")
    if resonance is not None and not 0 <= resonance <= 3:
        raise InvalidInput(f"resonance must be 0-3, not {resonance}")
    payload: dict[str, Any] = {"consultation": consultation_id, "types": types, "target": target}
    with study.write("response.add", target=f"consultation:{consultation_id}", payload=payload) as s:
        consultation = find_consultation(s, study, consultation_id)
        fields = _target(s, study, target, extract, object_code, detail)
        if not respondent:
            who = s.get(Participant, consultation.participant_id) if consultation.participant_id else None
            group = s.get(PPIGroup, consultation.group_id) if consultation.group_id else None
            respondent = who.code if who else group.label if group else ""
        response = Response(consultation_id=consultation.id, respondent=respondent, types=types, resonance=resonance,
                            summary=summary.strip(), recording_timecode=timecode_s, created_by=study.actor, **fields)
        s.add(response)
        s.flush()
        payload["id"] = response.id
        if timecode_s is not None and consultation.interview_id is not None:
            interview = s.get(Interview, consultation.interview_id)
            code = s.get(Participant, interview.participant_id).code
            add_response_note(study, code, interview.round, summary, timecode_s=timecode_s, response_id=response.id)
        if disposition != "pending":
            set_disposition(study, response.id, disposition, rationale=rationale)
    return response


def set_disposition(study: OpenStudy, response_id: int, disposition: str, *, rationale: str = "") -> Response:
    """Say what became of a response; anything short of incorporating it needs a reason."""
    if disposition not in vocab.DISPOSITIONS:
        raise InvalidInput(f"disposition {disposition!r} is not one of {', '.join(vocab.DISPOSITIONS)}")
    if disposition not in _NO_REASON_NEEDED and not rationale.strip():
        raise InvalidInput(f"a response that is {disposition.replace('_', ' ')} needs a rationale")
    payload: dict[str, Any] = {"to": disposition}
    with study.write("response.disposition", target=f"response:{response_id}", why=rationale, payload=payload) as s:
        response = s.get(Response, response_id)
        if response is None:
            raise NotFound(f"no response {response_id}")
        find_consultation(s, study, response.consultation_id)
        payload["from"] = response.disposition
        response.disposition, response.disposition_rationale = disposition, rationale.strip()
    return response


def _who(session, consultation: Consultation) -> str:
    if consultation.participant_id:
        return session.get(Participant, consultation.participant_id).code
    if consultation.group_id:
        return session.get(PPIGroup, consultation.group_id).label
    return ""


def describe_target(session, response: Response) -> str:
    """A response's target in words: "construction 'milk' in E1", "memo on E4", "theme 'Challenge'"."""
    handle = handle_of(session.get(Extract, response.extract_id)) if response.extract_id else ""
    if response.target_kind == "construction":
        return f"construction {response.target_detail!r} in {handle}"
    if response.target_kind == "memo":
        return f"memo on {handle}"
    if response.target_kind == "extract":
        return handle
    return f"{response.target_kind.replace('_', ' ')} {response.target_detail!r}".strip()


def _view(session, consultation: Consultation) -> ConsultationView:
    responses = tuple(ResponseView(r.id, r.respondent, describe_target(session, r), tuple(r.types or ()),
                                   r.resonance, r.summary, r.disposition, r.disposition_rationale)
                      for r in consultation.responses)
    materials = tuple({"id": m.id, "kind": m.kind, **m.snapshot} for m in consultation.materials)
    return ConsultationView(consultation.id, consultation.kind, consultation.title, consultation.held_on,
                            _who(session, consultation), materials, responses)


def get_consultation(study: OpenStudy, consultation_id: int) -> ConsultationView:
    """A consultation with the frozen snapshots of what was shown and the responses."""
    with study.read() as s:
        return _view(s, find_consultation(s, study, consultation_id))


def list_consultations(study: OpenStudy) -> list[ConsultationView]:
    """Every consultation, by date, with what was shown and the responses."""
    with study.read() as s:
        rows = s.execute(select(Consultation).where(Consultation.study_id == study.study_id)
                         .order_by(Consultation.held_on, Consultation.id)).scalars()
        return [_view(s, c) for c in rows]


def list_groups(study: OpenStudy) -> list[dict[str, Any]]:
    """The PPI groups by their composition and the stages they were involved in."""
    with study.read() as s:
        rows = s.execute(select(PPIGroup).where(PPIGroup.study_id == study.study_id).order_by(PPIGroup.id)).scalars()
        return [{"label": g.label, "composition": g.composition_summary, "size": g.size,
                 "stages": list(g.stages or [])} for g in rows]
