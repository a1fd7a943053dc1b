"""Analytic decisions: the append-only audit trail of METHOD.md §5.2.

Every change to the selection of extracts or to an interpretation must be traceable to the
researcher's affect, a participant's response or a PPI response. A :class:`Decision` carries the
reason and the evidence (references to log entries, responses, memos) so the report can show,
per extract, why it moved; decisions are never edited, a correction is a new decision that
points at the one it corrects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from reverie.core import vocab
from reverie.core.errors import InvalidInput, NotFound
from reverie.services.study.context import OpenStudy
from reverie.store.models import (
    Consultation,
    Decision,
    Extract,
    Memo,
    MemoVersion,
    ReflexiveEntry,
    Response,
)

# The kinds of record a decision may cite as evidence, and the table each lives in.
EVIDENCE_KINDS: dict[str, type] = {
    "log_entry": ReflexiveEntry,
    "response": Response,
    "memo": Memo,
    "memo_version": MemoVersion,
    "consultation": Consultation,
    "extract": Extract,
    "decision": Decision,
}
# Short names a researcher types on the command line ("log:12", "response:4").
_ALIASES = {"log": "log_entry", "entry": "log_entry"}


def parse_evidence_ref(text: str) -> dict[str, Any]:
    """Read ``KIND:ID`` (``response:4``, ``log:12``, ``memo:3``) into an evidence reference."""
    kind, _, number = text.partition(":")
    kind = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if kind not in EVIDENCE_KINDS or not number.strip().isdigit():
        raise InvalidInput(f"evidence {text!r} must be KIND:ID with KIND one of "
                           f"{', '.join(sorted(EVIDENCE_KINDS))} (or log), e.g. response:4")
    return {"kind": kind, "id": int(number)}


def _check_evidence(session, study: OpenStudy, refs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refuse evidence that points at nothing: an audit trail citing a missing record proves nothing."""
    checked = []
    for ref in refs:
        kind, ident = ref.get("kind"), ref.get("id")
        model = EVIDENCE_KINDS.get(kind)
        if model is None:
            raise InvalidInput(f"unknown evidence kind {kind!r}; use one of {', '.join(sorted(EVIDENCE_KINDS))}")
        if not isinstance(ident, int) or session.get(model, ident) is None:
            raise NotFound(f"the evidence {kind} {ident} does not exist")
        checked.append({"kind": kind, "id": ident})
    return checked


def record_decision(study: OpenStudy, type_: str, rationale: str, *, target_refs: Iterable[dict] = (),
                    evidence_refs: Iterable[dict] = (), before: dict | None = None, after: dict | None = None,
                    corrects: int | None = None) -> Decision:
    """Record one analytic decision with its reason and evidence; refuses an empty reason."""
    if type_ not in vocab.DECISION_TYPES:
        raise InvalidInput(f"decision type {type_!r} is not one of {', '.join(vocab.DECISION_TYPES)}")
    if not (rationale or "").strip():
        raise InvalidInput(f"a {type_.replace('_', ' ')} decision needs a reason")
    payload: dict[str, Any] = {"type": type_, "targets": list(target_refs)}
    with study.write("decision.record", target=f"decision:{type_}", why=rationale, payload=payload) as s:
        evidence = _check_evidence(s, study, evidence_refs)
        if corrects is not None and s.get(Decision, corrects) is None:
            raise NotFound(f"decision {corrects} does not exist, so it cannot be corrected")
        decision = Decision(study_id=study.study_id, type=type_, actor=study.actor, target_refs=payload["targets"],
                            rationale=rationale.strip(), evidence_refs=evidence, before=before or {},
                            after=after or {}, corrects_id=corrects, created_by=study.actor)
        s.add(decision)
        s.flush()
        payload.update(id=decision.id, evidence=evidence)
    return decision


def list_decisions(study: OpenStudy, *, type_: str | None = None) -> list[Decision]:
    """All decisions of the study in the order they were made."""
    with study.read() as s:
        query = select(Decision).where(Decision.study_id == study.study_id)
        if type_ is not None:
            query = query.where(Decision.type == type_)
        return list(s.execute(query.order_by(Decision.id)).scalars())


def decisions_citing(study: OpenStudy, kind: str, ident: int) -> list[Decision]:
    """The decisions whose evidence includes this record (a response, a log entry, a memo …)."""
    wanted = {"kind": kind, "id": ident}
    return [d for d in list_decisions(study) if wanted in (d.evidence_refs or [])]


def decisions_targeting(study: OpenStudy, kind: str, ident: int) -> list[Decision]:
    """The decisions about one record (an extract, a code, a memo), in order."""
    return [d for d in list_decisions(study)
            if any(ref.get("kind") == kind and ref.get("id") == ident for ref in d.target_refs or [])]
