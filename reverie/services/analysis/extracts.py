"""Extracts: cited line ranges of a locked transcript chosen for close analysis (METHOD.md §10.5).

An extract keeps a stable handle (E1, E2 … in creation order) because the numbers a report
prints ("Extract 3") are assigned per report by first appearance (see ``themes``). Its citation
never changes once taken: the display text may elide ("[…]") or clarify ("[support worker]"),
but the lines and the text snapshot stay what the locked version says. Every status change is a
:class:`Decision` with a reason, checked against the method's status machine.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.anchoring import make_selector
from reverie.core.citation import cite_inline
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import offsets_for_lines
from reverie.core.status import check_extract_move
from reverie.services.analysis.coding import find_code, locked_version
from reverie.services.analysis.decisions import record_decision
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import ensure_not_withdrawn, find_participant
from reverie.services.transcripts.versions import version_lines
from reverie.store.models import (
    Code,
    Extract,
    ExtractObject,
    ExtractStatusChange,
    Interview,
    Memo,
    MemoVersion,
    Participant,
    Theme,
    Transcript,
    TranscriptVersion,
    utcnow,
)

_HANDLE = re.compile(r"^[Ee]?(\d+)$")
_BRACKETED = re.compile(r"\[[^\]]*\]")
# The decision type recorded for a move into each status (anything else is a generic move).
_MOVE_DECISIONS = {"shortlisted": "shortlist_extract", "set_aside": "set_aside_extract", "final": "finalise_extract"}


@dataclass(frozen=True)
class ExtractView:
    """What a researcher sees of an extract: its handle, citation, text, status and links."""

    handle: str
    id: int
    participant: str
    round: int
    version: int
    start_line: int
    end_line: int
    status: str
    text: str
    display_text: str
    title: str
    selection_sources: tuple[str, ...]
    objects: tuple[str, ...]
    theme: str | None
    citation: str


@dataclass(frozen=True)
class MoveResult:
    """A status move and the decision that records it."""

    handle: str
    from_status: str
    to_status: str
    decision_id: int


def handle_of(extract: Extract) -> str:
    """The stable handle of an extract: E1, E2 … in the order they were selected."""
    return f"E{extract.handle_no}"


def find_extract(session, study: OpenStudy, handle: str) -> Extract:
    """The extract with handle ``E3`` (or ``3``)."""
    match = _HANDLE.match(str(handle).strip())
    if match is None:
        raise InvalidInput(f"{handle!r} is not an extract handle; use E1, E2 …")
    extract = session.execute(select(Extract).where(Extract.study_id == study.study_id,
                                                    Extract.handle_no == int(match[1]))).scalar_one_or_none()
    if extract is None:
        raise NotFound(f"no extract E{match[1]} in this study")
    return extract


def check_display_text(snapshot: str, display: str) -> None:
    """Refuse display text that says something the transcript does not.

    Square brackets mark the researcher's elisions and clarifications; everything outside them
    must appear in the cited text, in order, so the citation still holds.
    """
    def squash(text: str) -> str:
        return " ".join(text.split())

    source, cursor = squash(snapshot), 0
    for piece in _BRACKETED.split(display):
        piece = squash(piece)
        if not piece:
            continue
        found = source.find(piece, cursor)
        if found < 0:
            raise InvalidInput(f"the display text's {piece!r} is not in the cited lines; put the researcher's "
                               "own words in [square brackets]")
        cursor = found + len(piece)


def _check_sources(sources) -> list[str]:
    bad = [s for s in sources if s not in vocab.SELECTION_SOURCES]
    if bad:
        raise InvalidInput(f"selection source {bad[0]!r} is not one of {', '.join(vocab.SELECTION_SOURCES)}")
    return list(dict.fromkeys(sources))


def add_extract(study: OpenStudy, participant: str, first: int, last: int, *, why: str, round_no: int = 1,
                selection_sources=(), evidence_refs=(), display_text: str = "", title: str = "",
                objects=()) -> ExtractView:
    """Select lines of a locked transcript as a candidate extract, recording why (a select_extract decision)."""
    sources = _check_sources(selection_sources)
    ensure_not_withdrawn(study, participant)
    payload: dict[str, Any] = {"participant": participant, "round": round_no, "lines": [first, last],
                               "sources": sources}
    with study.write("extract.add", target=f"participant:{participant}", why=why, payload=payload) as s:
        version = locked_version(s, study, participant, round_no)
        lines = version_lines(study, version.id, first, last)
        start, end = offsets_for_lines(lines, first, last)
        snapshot = version.text[start:end]
        if display_text:
            check_display_text(snapshot, display_text)
        number = (s.execute(select(func.max(Extract.handle_no)).where(Extract.study_id == study.study_id)).scalar()
                  or 0) + 1
        extract = Extract(study_id=study.study_id, handle_no=number,
                          participant_id=find_participant(s, study, participant).id, version_id=version.id,
                          start_line=first, end_line=last, start_offset=start, end_offset=end,
                          text_snapshot=snapshot, display_text=display_text, title=title,
                          selector=asdict(make_selector(version.text, start, end)), status="candidate",
                          selection_sources=sources, created_by=study.actor)
        s.add(extract)
        s.flush()
        decision = record_decision(study, "select_extract", why, evidence_refs=evidence_refs,
                                   target_refs=[{"kind": "extract", "id": extract.id, "handle": handle_of(extract)}],
                                   after={"status": "candidate", "lines": [first, last]})
        s.add(ExtractStatusChange(extract_id=extract.id, from_status="", to_status="candidate",
                                  decision_id=decision.id, at=utcnow()))
        for label in objects:
            _link_object(s, study, extract, label)
        payload.update(handle=handle_of(extract), decision=decision.id)
    return get_extract(study, handle_of(extract))


def _link_object(session, study: OpenStudy, extract: Extract, label: str) -> None:
    code = find_code(session, study, label)
    exists = session.get(ExtractObject, (extract.id, code.id))
    if exists is None:
        session.add(ExtractObject(extract_id=extract.id, code_id=code.id))


def add_objects(study: OpenStudy, handle: str, labels: list[str]) -> ExtractView:
    """Link the discursive objects (codes) an extract exemplifies."""
    with study.write("extract.objects", target=f"extract:{handle}", payload={"objects": list(labels)}) as s:
        extract = find_extract(s, study, handle)
        for label in labels:
            _link_object(s, study, extract, label)
    return get_extract(study, handle)


def add_selection_source(study: OpenStudy, handle: str, source: str) -> None:
    """Note another reason an extract was chosen (e.g. researcher affect for an extract already selected)."""
    _check_sources([source])
    with study.write("extract.selection_source", target=f"extract:{handle}", payload={"source": source}) as s:
        extract = find_extract(s, study, handle)
        if source not in (extract.selection_sources or []):
            extract.selection_sources = [*(extract.selection_sources or []), source]


def set_display_text(study: OpenStudy, handle: str, display_text: str, *, why: str = "") -> ExtractView:
    """Set how the extract is shown (elisions, clarifying insertions); the citation does not change."""
    with study.write("extract.display_text", target=f"extract:{handle}", why=why,
                     payload={"display_text": display_text}) as s:
        extract = find_extract(s, study, handle)
        if display_text:
            check_display_text(extract.text_snapshot, display_text)
        extract.display_text = display_text
    return get_extract(study, handle)


def _final_problems(session, extract: Extract) -> list[str]:
    problems = []
    has_memo = session.execute(select(MemoVersion.id).join(Memo, Memo.id == MemoVersion.memo_id)
                               .where(Memo.extract_id == extract.id).limit(1)).first()
    if not has_memo:
        problems.append("it has no analysis memo (`reverie memo edit`)")
    if extract.theme_id is None:
        problems.append("it belongs to no theme")
    return problems


def move_extract(study: OpenStudy, handle: str, to_status: str, *, reason: str, evidence_refs=()) -> MoveResult:
    """Move an extract to a new status, recording the decision and its evidence.

    Refuses an empty reason, a move the method does not allow, and a move to final for an
    extract without a memo or a theme.
    """
    if to_status not in vocab.EXTRACT_STATUSES:
        raise InvalidInput(f"status {to_status!r} is not one of {', '.join(vocab.EXTRACT_STATUSES)}")
    if not (reason or "").strip():
        raise InvalidInput("moving an extract needs a reason")
    payload: dict[str, Any] = {"to": to_status}
    with study.write("extract.move", target=f"extract:{handle}", why=reason, payload=payload) as s:
        extract = find_extract(s, study, handle)
        check_extract_move(extract.status, to_status)
        if to_status == "final":
            problems = _final_problems(s, extract)
            if problems:
                raise Conflict(f"{handle_of(extract)} cannot be final: " + "; ".join(problems))
        from_status = extract.status
        decision = record_decision(study, _MOVE_DECISIONS.get(to_status, "move_extract"), reason,
                                   evidence_refs=evidence_refs,
                                   target_refs=[{"kind": "extract", "id": extract.id, "handle": handle_of(extract)}],
                                   before={"status": from_status}, after={"status": to_status})
        s.add(ExtractStatusChange(extract_id=extract.id, from_status=from_status, to_status=to_status,
                                  decision_id=decision.id, at=utcnow()))
        extract.status = to_status
        payload.update(handle=handle_of(extract), decision=decision.id, **{"from": from_status})
    return MoveResult(handle_of(extract), from_status, to_status, decision.id)


def _view(session, extract: Extract) -> ExtractView:
    participant = session.get(Participant, extract.participant_id)
    version = session.get(TranscriptVersion, extract.version_id)
    interview = session.execute(select(Interview).join(Transcript, Transcript.interview_id == Interview.id)
                                .where(Transcript.id == version.transcript_id)).scalar_one()
    objects = session.execute(select(Code.label).join(ExtractObject, ExtractObject.code_id == Code.id)
                              .where(ExtractObject.extract_id == extract.id).order_by(Code.label)).scalars().all()
    theme = session.get(Theme, extract.theme_id).label if extract.theme_id else None
    return ExtractView(handle_of(extract), extract.id, participant.code, interview.round, version.number,
                       extract.start_line, extract.end_line, extract.status, extract.text_snapshot,
                       extract.display_text or extract.text_snapshot, extract.title,
                       tuple(extract.selection_sources or ()), tuple(objects), theme,
                       cite_inline(participant.code, extract.start_line, extract.end_line))


def get_extract(study: OpenStudy, handle: str) -> ExtractView:
    """One extract by handle, as a researcher sees it."""
    with study.read() as s:
        return _view(s, find_extract(s, study, handle))


def list_extracts(study: OpenStudy, *, status: str | None = None) -> list[ExtractView]:
    """The study's extracts in handle order, optionally only those with one status."""
    with study.read() as s:
        query = select(Extract).where(Extract.study_id == study.study_id)
        if status is not None:
            query = query.where(Extract.status == status)
        return [_view(s, e) for e in s.execute(query.order_by(Extract.handle_no)).scalars()]


def extract_problems(study: OpenStudy, handle: str) -> list[str]:
    """Why an extract breaks the invariants of METHOD.md §10.8 (empty when it holds them).

    (1) it lies inside a locked version and its snapshot is that version's text there;
    (2) a final extract has a memo and a theme.
    """
    with study.read() as s:
        extract = find_extract(s, study, handle)
        version = s.get(TranscriptVersion, extract.version_id)
        problems = []
        if version.status != "locked":
            problems.append(f"its transcript version {version.number} is {version.status}, not locked")
        try:
            lines = version_lines(study, version.id, extract.start_line, extract.end_line)
            start, end = offsets_for_lines(lines, extract.start_line, extract.end_line)
        except InvalidInput as exc:
            problems.append(str(exc))
        else:
            if version.text[start:end] != extract.text_snapshot:
                problems.append(f"its text no longer matches lines {extract.start_line}-{extract.end_line}")
        if extract.status == "final":
            problems += _final_problems(s, extract)
        return problems
