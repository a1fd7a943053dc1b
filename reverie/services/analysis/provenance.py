"""The life of an extract, rebuilt from the records: why it was chosen, shown, revised, kept.

METHOD.md §5.2 asks for a per-extract timeline, "flagged by affect → shortlisted → presented
(R2 P1; PPI group A, B) → responses → revisions → final", so a reader can check that every change
to the selection or the reading traces back to the researcher's affect, a participant or a PPI
group. Nothing here is stored separately: the timeline is derived from log entries, decisions,
status changes, consultation materials, responses (and the audit events of their dispositions)
and memo versions, so it cannot drift from them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from reverie.services.analysis.extracts import find_extract, handle_of
from reverie.services.analysis.memos import diff_contents, memo_content, object_label
from reverie.services.involvement.consultations import describe_target
from reverie.services.study.context import OpenStudy
from reverie.store.models import (
    AuditEvent,
    Coding,
    Consultation,
    ConsultationMaterial,
    Decision,
    ExtractStatusChange,
    LineMap,
    LogAnchor,
    Memo,
    Participant,
    PPIGroup,
    ReflexiveEntry,
    Response,
)


@dataclass(frozen=True)
class HistoryEvent:
    """One moment in an extract's life, with the decision that justified it where there is one."""

    at: datetime
    kind: str  # flagged | selected | status | shown | response | disposition | memo | moved | changed
    summary: str
    decision_id: int | None = None
    evidence: tuple[dict, ...] = ()
    refs: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


@dataclass(frozen=True)
class ExtractHistory:
    """An extract's timeline: its citation, its status now, and every event in time order."""

    handle: str
    participant: str
    lines: tuple[int, int]
    status: str
    events: tuple[HistoryEvent, ...]

    def of_kind(self, kind: str) -> list[HistoryEvent]:
        return [event for event in self.events if event.kind == kind]


def _evidence_words(refs) -> str:
    if not refs:
        return ""
    return " (evidence: " + ", ".join(f"{r['kind'].replace('_', ' ')} {r['id']}" for r in refs) + ")"


def _consultation_words(session, consultation: Consultation) -> str:
    if consultation.participant_id:
        who = session.get(Participant, consultation.participant_id).code
    elif consultation.group_id:
        who = session.get(PPIGroup, consultation.group_id).label
    else:
        who = ""
    return f"{consultation.kind.replace('_', ' ')} {who}".strip()


def _decision_event(decision: Decision, kind: str, summary: str, refs: dict | None = None) -> HistoryEvent:
    return HistoryEvent(decision.created_at, kind, summary + _evidence_words(decision.evidence_refs), decision.id,
                        tuple(decision.evidence_refs or ()), refs or {})


def extract_history(study: OpenStudy, handle: str) -> ExtractHistory:
    """Everything that happened to an extract, in time order, each step with its decision and evidence."""
    with study.read() as s:
        extract = find_extract(s, study, handle)
        participant = s.get(Participant, extract.participant_id).code
        events: list[HistoryEvent] = []
        memos = s.execute(select(Memo).where(Memo.extract_id == extract.id).order_by(Memo.id)).scalars().all()
        memo_ids = {m.id for m in memos}

        entry_ids = s.execute(select(LogAnchor.entry_id).where(LogAnchor.extract_id == extract.id)).scalars().all()
        decisions = s.execute(select(Decision).where(Decision.study_id == study.study_id)
                              .order_by(Decision.id)).scalars().all()
        about_extract = [d for d in decisions if any(r.get("kind") == "extract" and r.get("id") == extract.id
                                                     for r in d.target_refs or [])]
        for decision in about_extract:
            entry_ids += [r["id"] for r in decision.evidence_refs or [] if r["kind"] == "log_entry"
                          and decision.type == "select_extract"]
        for entry_id in dict.fromkeys(entry_ids):
            entry = s.get(ReflexiveEntry, entry_id)
            feeling = (entry.parts or {}).get("emotional_response") or (entry.parts or {}).get("observation", "")
            said = f"log entry {entry.id} (affect {entry.affect_intensity}, {entry.stage}): {feeling}"
            events.append(HistoryEvent(entry.created_at, "flagged", said, refs={"log_entry": entry.id}))

        status_decisions = set()
        for change in s.execute(select(ExtractStatusChange).where(ExtractStatusChange.extract_id == extract.id)
                                .order_by(ExtractStatusChange.id)).scalars():
            decision = s.get(Decision, change.decision_id)
            status_decisions.add(decision.id)
            move = f"selected as {change.to_status}" if not change.from_status else \
                f"{change.from_status} → {change.to_status}"
            events.append(_decision_event(decision, "status", f"{move}: {decision.rationale}",
                                          {"from": change.from_status, "to": change.to_status}))
        for decision in about_extract:
            if decision.type == "select_extract" and decision.id not in status_decisions:
                events.append(_decision_event(decision, "selected", f"selected again: {decision.rationale}"))

        for material in s.execute(select(ConsultationMaterial).where(ConsultationMaterial.extract_id == extract.id)
                                  .order_by(ConsultationMaterial.id)).scalars():
            consultation = s.get(Consultation, material.consultation_id)
            memo = material.snapshot.get("memo")
            shown = f" with memo version {memo['version']}" if memo else ""
            events.append(HistoryEvent(material.created_at, "shown",
                                       f"shown in {_consultation_words(s, consultation)}{shown}",
                                       refs={"consultation": consultation.id, "material": material.id}))

        responses = s.execute(select(Response).where(or_(Response.extract_id == extract.id,
                                                         Response.memo_id.in_(memo_ids)))
                              .order_by(Response.id)).scalars().all()
        for response in responses:
            consultation = s.get(Consultation, response.consultation_id)
            citing = [d.id for d in decisions if {"kind": "response", "id": response.id} in (d.evidence_refs or [])]
            events.append(HistoryEvent(
                response.created_at, "response",
                f"{response.respondent} ({_consultation_words(s, consultation)}) on {describe_target(s, response)}: "
                f"{'/'.join(response.types)}: {response.summary} [now {response.disposition}]",
                refs={"response": response.id, "consultation": consultation.id, "disposition": response.disposition,
                      "cited_by_decisions": citing}))
            for audit in s.execute(select(AuditEvent).where(AuditEvent.study_id == study.study_id,
                                                            AuditEvent.action == "response.disposition",
                                                            AuditEvent.target == f"response:{response.id}")
                                   .order_by(AuditEvent.seq)).scalars():
                at = datetime.fromisoformat(audit.at).replace(tzinfo=None)
                reason = f": {audit.why}" if audit.why else ""
                events.append(HistoryEvent(at, "disposition", f"response {response.id} {_disposition(audit)}{reason}",
                                           refs={"response": response.id}))

        for memo in memos:
            about = f" ({object_label(s, memo)})" if memo.object_code_id else ""
            previous = None
            for version in memo.versions:
                content = memo_content(version)
                diff = diff_contents(previous, content, f"v{version.version - 1}", f"v{version.version}") \
                    if previous is not None else {}
                decision = s.get(Decision, version.decision_id) if version.decision_id else None
                if decision is None:
                    events.append(HistoryEvent(version.created_at, "memo", f"memo{about} version {version.version}",
                                               refs={"memo": memo.id, "version": version.version}))
                else:
                    event = _decision_event(decision, "memo",
                                            f"memo{about} version {version.version}: {decision.rationale}",
                                            {"memo": memo.id, "version": version.version})
                    events.append(HistoryEvent(version.created_at, event.kind, event.summary, event.decision_id,
                                               event.evidence, event.refs, "\n".join(diff.values())))
                previous = content

        events += _correction_events(s, extract)

    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]))
    return ExtractHistory(handle_of(extract), participant, (extract.start_line, extract.end_line), extract.status,
                          tuple(event for _, event in ordered))


def _lines_words(lines) -> str:
    if not lines:
        return "no line"
    first, last = lines
    return f"line {first}" if first == last else f"lines {first}-{last}"


def _correction_events(session, extract) -> list[HistoryEvent]:
    """Each transcript correction that moved the extract, or a coding inside it, or changed its words."""
    from reverie.store.models import TranscriptVersion

    events: list[HistoryEvent] = []
    coding_ids = set(session.execute(select(Coding.id).where(
        Coding.version_id == extract.version_id, Coding.start_offset < extract.end_offset,
        Coding.end_offset > extract.start_offset)).scalars())
    for line_map in session.execute(select(LineMap).order_by(LineMap.id)).scalars():
        for item in line_map.report or []:
            mine = item.get("kind") == "extract" and item.get("id") == extract.id
            inside = item.get("kind") == "coding" and item.get("id") in coding_ids
            if not (mine or inside):
                continue
            version = session.get(TranscriptVersion, line_map.to_version_id)
            what = "" if mine else f"{item.get('label', 'coding')} "
            summary = (f"{what}{item['status']} by the correction to version {version.number}: "
                       f"{_lines_words(item.get('old_lines'))} → {_lines_words(item.get('new_lines'))}")
            detail = ""
            if mine and item.get("old_text") != item.get("new_text"):
                summary += "; its words changed, check the display text"
                detail = f"was: {item.get('old_text', '')}\nnow: {item.get('new_text', '')}"
            events.append(HistoryEvent(line_map.created_at, "changed" if item["status"] == "changed" else "moved",
                                       summary, refs={"line_map": line_map.id, "old_lines": item.get("old_lines"),
                                                      "new_lines": item.get("new_lines"),
                                                      "old_text": item.get("old_text", ""),
                                                      "new_text": item.get("new_text", "")}, detail=detail))
    return events


def _disposition(audit: AuditEvent) -> str:
    payload = json.loads(audit.payload or "{}")
    return f"{payload.get('from', '?')} → {payload.get('to', '?')}".replace("_", " ")
