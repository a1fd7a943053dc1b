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
from itertools import groupby
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.anchoring import make_selector
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import offsets_for_lines
from reverie.core.status import check_extract_move
from reverie.services.analysis.coding import find_code, locked_version
from reverie.services.analysis.decisions import record_decision
from reverie.services.analysis.extract_views import (  # noqa: F401  (listing extracts is named here too)
    ExtractView,
    extract_views,
    handle_for,
    list_extracts,
)
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import ensure_not_withdrawn, find_participant
from reverie.services.transcripts.versions import version_lines
from reverie.store.models import (
    Decision,
    Extract,
    ExtractObject,
    ExtractStatusChange,
    Memo,
    MemoVersion,
    SpeakerTurn,
    TranscriptVersion,
    utcnow,
)

_HANDLE = re.compile(r"^[Ee]?(\d+)$")
_BRACKETED = re.compile(r"\[[^\]]*\]")
# The decision type recorded for a move into each status (anything else is a generic move).
_MOVE_DECISIONS = {"shortlisted": "shortlist_extract", "set_aside": "set_aside_extract", "final": "finalise_extract"}
TITLE_LIMIT = 300


@dataclass(frozen=True)
class MoveResult:
    """A status move and the decision that records it."""

    handle: str
    from_status: str
    to_status: str
    decision_id: int


def handle_of(extract: Extract) -> str:
    """The stable handle of an extract: E1, E2 … in the order they were selected."""
    return handle_for(extract.handle_no)


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


def _squash(text: str) -> str:
    return " ".join(text.split())


def _matched(source: str, display: str) -> list[tuple[int, int]]:
    """Where each piece of the display text outside [brackets] lies in the (squashed) source, in order."""
    cursor, found = 0, []
    for piece in _BRACKETED.split(display):
        piece = _squash(piece)
        if not piece:
            continue
        at = source.find(piece, cursor)
        if at < 0:
            raise InvalidInput(f"the display text's {piece!r} is not in the cited lines; put the researcher's "
                               "own words in [square brackets]")
        found.append((at, at + len(piece)))
        cursor = at + len(piece)
    return found


def check_display_text(snapshot: str, display: str) -> None:
    """Refuse display text that says something the transcript does not.

    Square brackets mark the researcher's elisions and clarifications; everything outside them
    must appear in the cited text, in order, so the citation still holds.
    """
    _matched(_squash(snapshot), display)


def _quoted_turns(study: OpenStudy, session, version: TranscriptVersion, first: int,
                  last: int) -> list[tuple[str, str]]:
    """The cited lines as (speaker, words), one pair per speech turn they touch."""
    lines = version_lines(study, version.id, first, last)
    seqs = {line.turn_index for line in lines}
    speakers = dict(session.execute(select(SpeakerTurn.seq, SpeakerTurn.speaker)
                                    .where(SpeakerTurn.version_id == version.id, SpeakerTurn.seq.in_(seqs))).all())
    turns = []
    for seq, group in groupby(lines, key=lambda line: line.turn_index):
        held = list(group)
        turns.append((speakers.get(seq, ""), version.text[held[0].start:held[-1].end]))
    return turns


def _across_speakers(turns: list[tuple[str, str]]) -> bool:
    return len({speaker for speaker, _ in turns}) > 1


def labelled_text(turns: list[tuple[str, str]]) -> str:
    """Words of several speakers as a reader must see them: each turn after its speaker's label."""
    return "\n".join(f"{speaker}: {words}" for speaker, words in turns)


def check_quoted_display(turns: list[tuple[str, str]], display: str) -> None:
    """Check display text against the cited turns; across speakers, each quoted turn keeps its label.

    An extract in one speaker's words is checked as :func:`check_display_text` does. One that
    crosses speakers ("P1: … I: …") is checked against the labelled text, and when it quotes more
    than one speaker, each quoted turn must keep the label that says who spoke it.
    """
    if not _across_speakers(turns):
        check_display_text("\n".join(words for _, words in turns), display)
        return
    parts, places, at = [], [], 0
    for speaker, words in turns:
        label, body = f"{speaker}:", _squash(words)
        part = f"{label} {body}" if body else label
        places.append((speaker, (at, at + len(label)), (at + len(label) + 1, at + len(part))))
        parts.append(part)
        at += len(part) + 1
    try:
        matched = _matched(" ".join(parts), display)
    except InvalidInput:
        # Right words but no labels between them: say what is missing, not that the words are wrong.
        speakers = list(dict.fromkeys(speaker for speaker, _ in turns))
        unlabelled = re.sub(r"(?:^|(?<=\s))(?:" + "|".join(re.escape(sp) for sp in speakers) + r"):", " ", display)
        _matched(_squash(" ".join(words for _, words in turns)), unlabelled)
        labels = ", ".join(f"'{speaker}:'" for speaker in speakers)
        raise InvalidInput(f"the display text runs several speakers' words together; an extract across speakers "
                           f"keeps each speaker's label ({labels}) before their words") from None
    quoted = [(speaker, any(start <= label_start and end >= label_end for start, end in matched))
              for speaker, (label_start, label_end), (body_start, body_end) in places
              if any(start < body_end and end > body_start for start, end in matched)]
    if len({speaker for speaker, _ in quoted}) < 2:
        return  # the other speakers' words are all elided: one voice, nobody to tell apart
    for speaker, labelled in quoted:
        if not labelled:
            raise InvalidInput(f"the display text quotes {speaker}'s words without the label '{speaker}:'; an "
                               "extract across speakers keeps each speaker's label before their words")


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
        turns = _quoted_turns(study, s, version, first, last)
        if display_text:
            check_quoted_display(turns, display_text)
        elif _across_speakers(turns):
            display_text = labelled_text(turns)
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
    """Set how the extract is shown (elisions, clarifying insertions); the citation does not change.

    Empty display text shows the cited lines as they are (with speaker labels when they cross speakers).
    """
    with study.write("extract.display_text", target=f"extract:{handle}", why=why,
                     payload={"display_text": display_text}) as s:
        extract = find_extract(s, study, handle)
        turns = _quoted_turns(study, s, s.get(TranscriptVersion, extract.version_id), extract.start_line,
                              extract.end_line)
        display_text = display_text.strip()
        if display_text:
            check_quoted_display(turns, display_text)
        elif _across_speakers(turns):
            display_text = labelled_text(turns)
        extract.display_text = display_text
    return get_extract(study, handle)


def set_title(study: OpenStudy, handle: str, title: str, *, why: str = "") -> ExtractView:
    """Give an extract a short working title (it is the researcher's, not a quotation)."""
    title = " ".join(title.split())
    if len(title) > TITLE_LIMIT:
        raise InvalidInput(f"the title is {len(title)} characters long; keep it to {TITLE_LIMIT}")
    with study.write("extract.title", target=f"extract:{handle}", why=why, payload={"title": title}) as s:
        extract = find_extract(s, study, handle)
        if extract.title == title:
            raise Conflict(f"{handle_of(extract)}'s title is already {title!r}" if title
                           else f"{handle_of(extract)} has no title to clear")
        extract.title = title
    return get_extract(study, handle)


def _display_problem(study: OpenStudy, session, extract: Extract) -> str:
    if not extract.display_text:
        return ""
    version = session.get(TranscriptVersion, extract.version_id)
    lines = f"line {extract.start_line}" if extract.start_line == extract.end_line else \
        f"lines {extract.start_line}-{extract.end_line}"
    try:
        check_quoted_display(_quoted_turns(study, session, version, extract.start_line, extract.end_line),
                             extract.display_text)
    except InvalidInput as exc:
        return (f"{handle_of(extract)}'s display text no longer matches {lines} of the transcript "
                f"(version {version.number}): {exc}")
    return ""


def display_text_problem(study: OpenStudy, handle: str) -> str:
    """Why an extract's display text no longer matches its cited lines (after a correction); empty when it does."""
    with study.read() as s:
        return _display_problem(study, s, find_extract(s, study, handle))


def display_text_problems(study: OpenStudy, *, status: str | None = None) -> list[str]:
    """Every extract (with this status) whose display text no longer matches its cited lines, in handle order."""
    with study.read() as s:
        query = select(Extract).where(Extract.study_id == study.study_id, Extract.display_text != "")
        if status is not None:
            query = query.where(Extract.status == status)
        extracts = s.execute(query.order_by(Extract.handle_no)).scalars().all()
        return [problem for problem in (_display_problem(study, s, e) for e in extracts) if problem]


def _select_decision(session, study: OpenStudy, extract: Extract):
    decisions = session.execute(select(Decision).where(Decision.study_id == study.study_id)
                                .order_by(Decision.id)).scalars().all()
    mine = [d for d in decisions if any(r.get("kind") == "extract" and r.get("id") == extract.id
                                        for r in d.target_refs or [])]
    selected = next((d for d in mine if d.type == "select_extract"), None)
    edits = [d for d in mine if d.type == "other" and "evidence" in (d.after or {})]
    return selected, edits


def extract_evidence(study: OpenStudy, handle: str) -> list[dict[str, Any]]:
    """The records an extract's selection rests on (log entries, responses, memos), as evidence references.

    They are the evidence of its select decision, as amended by any later evidence decision.
    """
    with study.read() as s:
        selected, edits = _select_decision(s, study, find_extract(s, study, handle))
        if edits:
            return list(edits[-1].after["evidence"])
        return list(selected.evidence_refs or []) if selected else []


def set_evidence(study: OpenStudy, handle: str, evidence_refs, *, reason: str) -> int:
    """Change the evidence an extract's selection rests on; a decision (with a reason) that corrects the old one.

    Decisions are never edited: the new one points at the select decision it amends and keeps the
    evidence before and after. Returns the decision's id.
    """
    refs = list({(r["kind"], r["id"]): {"kind": r["kind"], "id": r["id"]} for r in evidence_refs}.values())
    if not (reason or "").strip():
        raise InvalidInput("changing an extract's evidence needs a reason")
    with study.write("extract.evidence", target=f"extract:{handle}", why=reason,
                     payload={"evidence": refs}) as s:
        extract = find_extract(s, study, handle)
        selected, edits = _select_decision(s, study, extract)
        before = list(edits[-1].after["evidence"]) if edits else list(selected.evidence_refs or []) if selected else []
        if before == refs:
            raise Conflict(f"{handle_of(extract)}'s evidence is unchanged")
        decision = record_decision(study, "other", reason, evidence_refs=refs,
                                   target_refs=[{"kind": "extract", "id": extract.id, "handle": handle_of(extract)}],
                                   before={"evidence": before}, after={"evidence": refs},
                                   corrects=(edits[-1].id if edits else selected.id if selected else None))
    return decision.id


def _final_problems(session, extract: Extract) -> list[str]:
    problems = []
    has_memo = session.execute(select(MemoVersion.id).join(Memo, Memo.id == MemoVersion.memo_id)
                               .where(Memo.extract_id == extract.id).limit(1)).first()
    if not has_memo:
        problems.append("it has no analysis memo (write one on its memo page, or `reverie memo edit`)")
    if extract.theme_id is None:
        problems.append("it belongs to no theme (choose its theme)")
    return problems


def move_extract(study: OpenStudy, handle: str, to_status: str, *, reason: str, evidence_refs=(),
                 theme: str | None = None) -> MoveResult:
    """Move an extract to a new status, recording the decision and its evidence.

    Refuses an empty reason, a move the method does not allow, and a move to final for an
    extract without a memo or a theme. ``theme`` (a label) places it in that theme first, in the
    same transaction: the answer to "which theme?" when a themeless extract becomes final.
    """
    if to_status not in vocab.EXTRACT_STATUSES:
        raise InvalidInput(f"status {to_status!r} is not one of {', '.join(vocab.EXTRACT_STATUSES)}")
    if not (reason or "").strip():
        raise InvalidInput("moving an extract needs a reason")
    payload: dict[str, Any] = {"to": to_status}
    with study.write("extract.move", target=f"extract:{handle}", why=reason, payload=payload) as s:
        extract = find_extract(s, study, handle)
        check_extract_move(extract.status, to_status)
        if theme:
            from reverie.services.analysis.themes import find_theme, place_extract

            if extract.theme_id != find_theme(s, study, theme).id:
                place_extract(study, theme, handle_of(extract))
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


def get_extract(study: OpenStudy, handle: str) -> ExtractView:
    """One extract by handle, as a researcher sees it."""
    with study.read() as s:
        (view,) = extract_views(s, study.study_id, extract_id=find_extract(s, study, handle).id)
        return view


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
