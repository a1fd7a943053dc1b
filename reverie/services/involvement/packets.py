"""Review packets: what a participant or a PPI group is given to read before a consultation.

A member-reflection packet goes to one participant and holds only their own extracts, with the
draft analysis written as plain prose, so they can challenge or extend it (METHOD.md §5). A PPI
packet holds the extracts and analyses chosen for that session. Both are built from the
consultation's materials, the frozen record of what was shown, so the packet and the audit
trail can never disagree; a member-reflection consultation whose materials include anyone
else's words is refused rather than quietly trimmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reverie.core.citation import CitationStyle, cite_inline
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.reportmodel import Packet, PacketItem, plain_analysis
from reverie.formats.report_writers import PACKET_FORMATS, render_packet
from reverie.services.output.reports import refuse_forbidden, withheld_reason
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import consent_status
from reverie.store.files import stage_file
from reverie.store.models import (
    Consultation,
    ConsultationMaterial,
    Extract,
    InterviewSchedule,
    Memo,
    MemoVersion,
    Participant,
    PPIGroup,
    Study,
)

MEMBER_INTRODUCTION = (
    "Thank you for talking with me. These are parts of your interview that I have been thinking about, "
    "with what I make of them so far. They are drafts: please tell me where you see things differently, "
    "what I have missed, and anything you would like to add. Only you are being shown these pages."
)
PPI_DESIGN_INTRODUCTION = (
    "These are the draft interview questions for the study. Please tell us which questions make sense, "
    "which could upset or confuse people, and what we have not thought to ask."
)
PPI_INTRODUCTION = (
    "These are the extracts and draft analyses chosen for this session. Participants are known only by "
    "codes such as P1. Please tell us what the extracts mean to you, where the analysis rings true or "
    "false, and what it misses. Please do not share these pages outside the group."
)


@dataclass(frozen=True)
class PacketResult:
    path: Path
    items: int
    omissions: tuple[str, ...]


def _find_consultation(s, study: OpenStudy, consultation_id: int) -> Consultation:
    consultation = s.get(Consultation, consultation_id)
    if consultation is None or consultation.study_id != study.study_id:
        raise NotFound(f"no consultation {consultation_id} in this study")
    if consultation.kind != "member_reflection" and not consultation.kind.startswith("ppi_"):
        raise InvalidInput(f"consultation {consultation_id} is a {consultation.kind.replace('_', ' ')}; "
                           "packets are made for member reflections and PPI consultations")
    return consultation


def build_packet(study: OpenStudy, consultation_id: int) -> Packet:
    """The packet for one consultation: its materials, in order, as the reviewers should read them."""
    with study.read() as s:
        consultation = _find_consultation(s, study, consultation_id)
        style = CitationStyle(**(s.get(Study, study.study_id).citation_style or {}))
        member = consultation.kind == "member_reflection"
        if member:
            reviewer = s.get(Participant, consultation.participant_id)
            if consent_status(study, reviewer.code).withdrawn:
                raise Conflict(f"{reviewer.code} has withdrawn; no packet is made for them")
            audience = reviewer.code
            title = f"Your interview: draft analysis for {reviewer.code}"
        else:
            group = s.get(PPIGroup, consultation.group_id)
            audience = f"PPI group {group.label}"
            title = consultation.title or f"Extracts and draft analyses for {audience}"
        items: list[PacketItem] = []
        omissions: list[str] = []
        for extract, analysis, schedule_version in _materials(s, consultation.materials):
            if extract is None:
                items.append(PacketItem(f"Draft interview questions (version {schedule_version})",
                                        analysis=analysis))
                continue
            owner = s.get(Participant, extract.participant_id)
            if member and owner.id != consultation.participant_id:
                raise Conflict(f"consultation {consultation_id} is a member reflection with {audience}, but its "
                               f"materials include an extract of {owner.code}; a member-reflection packet holds "
                               "only the participant's own words")
            if not member:
                reason = withheld_reason(owner.code, consent_status(study, owner.code))
                if reason:
                    omissions.append(f"An extract from {owner.code} is left out: {reason}.")
                    continue
            heading = (f"Passage {len(items) + 1} of your interview" if member
                       else f"Extract {len(items) + 1}")
            items.append(PacketItem(heading, extract.text,
                                    cite_inline(owner.code, extract.start_line, extract.end_line, style), analysis))
    if not items and not omissions:
        raise InvalidInput(f"consultation {consultation_id} has no materials to put in a packet; "
                           "record what will be shown first")
    introduction = {"member_reflection": MEMBER_INTRODUCTION, "ppi_design": PPI_DESIGN_INTRODUCTION}
    return Packet(title=title, audience=audience, introduction=introduction.get(consultation.kind, PPI_INTRODUCTION),
                  questions=consultation.questions_posed, items=tuple(items), omissions=tuple(omissions))


@dataclass(frozen=True)
class _Shown:
    """An extract as it was shown: the snapshot's words and lines where it kept them, else the extract's."""

    participant_id: int
    text: str
    start_line: int
    end_line: int


def _materials(s, materials: Iterable[ConsultationMaterial]):
    """(extract, plain analysis, schedule questions) per thing shown, read from the frozen snapshots.

    A snapshot holds ``extract`` (its lines and words as shown), ``memo`` (the memo content as it
    stood) or ``schedule`` (version and items); the referenced rows are read only for what a
    snapshot lacks.
    """
    order: list[int] = []
    extracts: dict[int, _Shown] = {}
    analyses: dict[int, tuple[str, ...]] = {}
    schedules: list[tuple[int, tuple[str, ...]]] = []
    for material in materials:
        snapshot = material.snapshot or {}
        if material.schedule_id is not None or "schedule" in snapshot:
            schedules.append(_schedule(s, material, snapshot.get("schedule")))
            continue
        extract_id = material.extract_id
        memo = snapshot.get("memo")
        if memo is None and material.memo_version_id is not None:
            version = s.get(MemoVersion, material.memo_version_id)
            memo = {"summary": version.summary, "willig": version.willig, "psychosocial": version.psychosocial}
            extract_id = extract_id or s.get(Memo, version.memo_id).extract_id
        if extract_id is None:
            continue
        if memo is not None:
            analyses[extract_id] = plain_analysis(str(memo.get("summary") or ""), memo.get("willig") or {},
                                                  memo.get("psychosocial") or {})
        if extract_id not in extracts:
            extracts[extract_id] = _shown(s.get(Extract, extract_id), snapshot.get("extract") or {})
            order.append(extract_id)
    for version, questions in schedules:
        yield None, questions, version
    for extract_id in order:
        yield extracts[extract_id], analyses.get(extract_id, ()), None


def _schedule(s, material: ConsultationMaterial, frozen: dict | None) -> tuple[int, tuple[str, ...]]:
    if frozen:
        return int(frozen.get("version", 0)), tuple(str(item.get("text", "")) for item in frozen.get("items", []))
    schedule = s.get(InterviewSchedule, material.schedule_id)
    return schedule.version, tuple(item.text for item in schedule.items)


def _shown(extract: Extract, frozen: dict) -> _Shown:
    first, last = frozen.get("lines") or (extract.start_line, extract.end_line)
    return _Shown(
        participant_id=extract.participant_id,
        text=str(frozen.get("display_text") or frozen.get("text") or extract.display_text or extract.text_snapshot),
        start_line=int(first),
        end_line=int(last),
    )


def packet_bytes(study: OpenStudy, consultation_id: int, fmt: str) -> bytes:
    """A consultation's packet (docx or html) made in memory, for a download: reading it writes nothing.

    The web serves packets this way so that a role that only reads (an auditor) leaves no file
    in the study and no "write" in its audit trail.
    """
    return render_packet(build_packet(study, consultation_id), fmt)


def write_packet(study: OpenStudy, consultation_id: int, path: Path | str, fmt: str, *,
                 forbidden_terms: Iterable[str] = ()) -> PacketResult:
    """Write a consultation's packet (docx or html); refuse if a pseudonym-key term appears in it."""
    if fmt not in PACKET_FORMATS:
        raise InvalidInput(f"unknown packet format {fmt!r}; choose one of {', '.join(PACKET_FORMATS)}")
    path = Path(path)
    packet = build_packet(study, consultation_id)
    payload = render_packet(packet, fmt)
    refuse_forbidden(payload, fmt, forbidden_terms, "packet")
    with stage_file(path, payload) as staged, study.write(
            "packet.write", target=f"consultation:{consultation_id}",
            payload={"format": fmt, "file": path.name, "audience": packet.audience,
                     "items": len(packet.items), "left_out": len(packet.omissions)}) as s:
        staged.commit_with(s)
    return PacketResult(path, len(packet.items), packet.omissions)
