"""Evidence a decision can cite, offered by name: log entries, consultation responses and memos.

One syntax everywhere: ``log:12``, ``response:4``, ``memo:3`` (what ``--evidence`` takes on the
command line and what a picker's options carry as their value), read by
:func:`reverie.services.analysis.decisions.parse_evidence_ref`. A researcher never types an id in
the browser: :func:`evidence_choices` lists the study's records with words to recognise them by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reverie.services.study.context import OpenStudy
from reverie.store.models import (
    Code,
    Consultation,
    Extract,
    Memo,
    Participant,
    PPIGroup,
    ReflexiveEntry,
    Response,
)

# The kinds a picker offers, the short name of each in the KIND:ID syntax, and its words.
PICKED = {"log_entry": ("log", "Log entry"), "response": ("response", "Response"), "memo": ("memo", "Memo")}
_SHORT = 70


@dataclass(frozen=True)
class EvidenceChoice:
    """A record a decision may cite: its reference (``log:12``), kind, id and words to know it by."""

    ref: str
    kind: str
    id: int
    label: str

    def as_ref(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id}


def ref_text(ref: dict[str, Any]) -> str:
    """An evidence reference in the one syntax: ``log:12``, ``response:4``, ``memo:3``."""
    short = PICKED.get(ref["kind"], (ref["kind"], ""))[0]
    return f"{short}:{ref['id']}"


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _SHORT else text[:_SHORT - 1].rstrip() + "…"


def _entry_label(entry: ReflexiveEntry) -> str:
    parts = entry.parts or {}
    said = next((parts[k] for k in ("emotional_response", "observation", "interpretation") if parts.get(k)), "") \
        or next((v for v in parts.values() if v), "")
    affect = f", affect {entry.affect_intensity}" if entry.affect_intensity is not None else ""
    when = entry.created_at.strftime("%d %b %Y") if entry.created_at else ""
    return f"{entry.stage.replace('_', ' ')}{affect}, {when}: {_short(said)}"


def _response_label(session, response: Response) -> str:
    from reverie.services.involvement.consultations import describe_target

    consultation = session.get(Consultation, response.consultation_id)
    if consultation.participant_id:
        who = session.get(Participant, consultation.participant_id).code
    elif consultation.group_id:
        who = session.get(PPIGroup, consultation.group_id).label
    else:
        who = response.respondent
    return (f"{who} in a {consultation.kind.replace('_', ' ')} on {describe_target(session, response)}: "
            f"{_short(response.summary)}")


def _memo_label(session, memo: Memo) -> str:
    extract = session.get(Extract, memo.extract_id) if memo.extract_id else None
    on = f"on E{extract.handle_no}" if extract else "on no extract"
    about = f" ({session.get(Code, memo.object_code_id).label})" if memo.object_code_id else ""
    versions = len(memo.versions)
    return f"{on}{about}, {versions} version{'' if versions == 1 else 's'}"


def _choice(session, kind: str, record) -> EvidenceChoice:
    short, words = PICKED[kind]
    if kind == "log_entry":
        said = _entry_label(record)
    elif kind == "response":
        said = _response_label(session, record)
    else:
        said = _memo_label(session, record)
    return EvidenceChoice(f"{short}:{record.id}", kind, record.id, f"{words} {record.id} · {said}")


def evidence_choices(study: OpenStudy) -> list[EvidenceChoice]:
    """Every log entry (current versions), consultation response and memo of the study, by kind then id."""
    with study.read() as s:
        entries = s.execute(select(ReflexiveEntry).where(ReflexiveEntry.study_id == study.study_id,
                                                         ReflexiveEntry.superseded.is_(False))
                            .order_by(ReflexiveEntry.id)).scalars().all()
        responses = s.execute(select(Response).join(Consultation, Consultation.id == Response.consultation_id)
                              .where(Consultation.study_id == study.study_id).order_by(Response.id)).scalars().all()
        memos = s.execute(select(Memo).where(Memo.study_id == study.study_id).order_by(Memo.id)).scalars().all()
        return ([_choice(s, "log_entry", e) for e in entries] + [_choice(s, "response", r) for r in responses]
                + [_choice(s, "memo", m) for m in memos])


def describe_evidence(study: OpenStudy, refs: Iterable[dict[str, Any]]) -> list[EvidenceChoice]:
    """Evidence references in words (a record since removed is named by its reference alone)."""
    models = {"log_entry": ReflexiveEntry, "response": Response, "memo": Memo}
    described = []
    with study.read() as s:
        for ref in refs:
            model = models.get(ref.get("kind"))
            record = s.get(model, ref.get("id")) if model else None
            if record is None:
                text = ref_text(ref)
                described.append(EvidenceChoice(text, ref.get("kind", ""), ref.get("id", 0),
                                                f"{str(ref.get('kind', '')).replace('_', ' ')} {ref.get('id')}"))
            else:
                described.append(_choice(s, ref["kind"], record))
    return described
