"""The review portal: what a participant reviewer or PPI member may read and answer.

A reviewer's membership names their participant or group (:mod:`reverie.services.system.members`),
and that binding is all this module lets them reach: their own consultations' packets, and
responses about the passages in them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, select

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.reportmodel import Packet
from reverie.services.involvement.consultations import (
    ConsultationView,
    ResponseView,
    add_response,
    get_consultation,
)
from reverie.services.involvement.packets import build_packet
from reverie.services.output.reports import withheld_reason
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import consent_status
from reverie.services.system.members import Member
from reverie.store.models import Consultation, Response


@dataclass(frozen=True)
class Review:
    """A consultation a reviewer may answer, with the packet made for it and what they have sent so far.

    ``passages`` are the extract handles behind the packet's quoted items, in the same order, so a
    reviewer answers "passage 2" and never names (or guesses) an extract handle.
    """

    consultation_id: int
    kind: str
    title: str
    held_on: object
    packet: Packet | None
    note: str
    passages: tuple[str, ...]
    sent: tuple[ResponseView, ...]


def _reviewable(member: Member):
    """The SQL condition for the consultations made for this reviewer, and nothing else."""
    if member.role == "participant_reviewer" and member.participant_id is not None:
        return and_(Consultation.kind == "member_reflection", Consultation.participant_id == member.participant_id)
    if member.role == "ppi_member" and member.group_id is not None:
        return and_(Consultation.kind.like("ppi\\_%", escape="\\"), Consultation.group_id == member.group_id)
    return false()


def reviews(study: OpenStudy, member: Member) -> list[tuple[int, str, str, object]]:
    """(id, kind, title, date) of each consultation this reviewer may read and answer."""
    with study.read() as s:
        rows = s.execute(select(Consultation.id, Consultation.kind, Consultation.title, Consultation.held_on)
                         .where(Consultation.study_id == study.study_id, _reviewable(member))
                         .order_by(Consultation.held_on, Consultation.id)).all()
    return [tuple(row) for row in rows]


def _own(study: OpenStudy, member: Member, consultation_id: int) -> None:
    if consultation_id not in {row[0] for row in reviews(study, member)}:
        raise NotFound(f"no consultation {consultation_id} for you")


def _passages(study: OpenStudy, view: ConsultationView, packet: Packet, member_reflection: bool) -> tuple[str, ...]:
    """Handles of the extracts the packet quotes, in its order (as build_packet orders and withholds them)."""
    handles: list[str] = []
    for material in view.materials:
        extract = material.get("extract") or {}
        handle, code = extract.get("handle"), extract.get("participant")
        if not handle or handle in handles:
            continue
        if not member_reflection and withheld_reason(code, consent_status(study, code)):
            continue
        handles.append(handle)
    quoted = [item for item in packet.items if item.quote]
    return tuple(handles) if len(handles) == len(quoted) else ()


def review(study: OpenStudy, member: Member, consultation_id: int) -> Review:
    """One of this reviewer's consultations with its packet; anyone else's is :class:`NotFound`."""
    _own(study, member, consultation_id)
    view = get_consultation(study, consultation_id)
    try:
        packet, note = build_packet(study, consultation_id), ""
    except (InvalidInput, Conflict):
        packet, note = None, "There is nothing for you to read here yet."
    mine = member.participant if member.role == "participant_reviewer" else member.group
    passages = _passages(study, view, packet, view.kind == "member_reflection") if packet else ()
    return Review(view.id, view.kind, view.title, view.held_on, packet, note, passages,
                  tuple(r for r in view.responses if r.respondent == mine))


def answer_review(study: OpenStudy, member: Member, consultation_id: int, *, summary: str, types,
                  passage: int | None = None, resonance: int | None = None) -> Response:
    """Record a reviewer's response on their own packet, about one passage or the analysis as a whole.

    The respondent is their participant code or group label, as the consultation says.
    """
    current = review(study, member, consultation_id)
    if passage is None:
        return add_response(study, consultation_id, summary=summary, types=types, target="whole_analysis",
                            resonance=resonance)
    if not 1 <= passage <= len(current.passages):
        raise InvalidInput(f"there is no passage {passage} in your packet")
    return add_response(study, consultation_id, summary=summary, types=types, target="extract",
                        extract=current.passages[passage - 1], resonance=resonance)
