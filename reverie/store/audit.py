"""The append-only, hash-chained audit log: every write appends one event; anyone can verify the chain.

Each event's hash covers the previous hash and the event's canonical JSON (sorted keys, no
spaces, UTF-8), so editing, deleting or reordering any event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reverie.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str, why: str, payload: str) -> str:
    body = canonical_json(
        {"seq": seq, "at": at, "actor": actor, "action": action, "target": target, "why": why, "payload": payload}
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def append(session: Session, study_id: int, *, actor: str, action: str, target: str = "", why: str = "",
           payload: dict | None = None) -> AuditEvent:
    """Append one event inside the caller's transaction, locking the chain head first."""
    head = session.execute(
        select(AuditHead).where(AuditHead.study_id == study_id).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(study_id=study_id, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    seq = head.seq + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    payload_text = canonical_json(payload or {})
    digest = event_hash(head.hash, seq, at, actor, action, target, why, payload_text)
    event = AuditEvent(study_id=study_id, seq=seq, at=at, actor=actor, action=action, target=target, why=why,
                       payload=payload_text, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = seq, digest
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify(session: Session, study_id: int) -> ChainCheck:
    """Walk the chain in order and name the first event whose link or content does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = session.execute(
        select(AuditEvent).where(AuditEvent.study_id == study_id).order_by(AuditEvent.seq)
    ).scalars()
    for event in rows:
        count += 1
        if event.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"event {expected_seq} is missing (found {event.seq} next)")
        if event.prev_hash != prev:
            return ChainCheck(False, count, event.seq, f"event {event.seq} does not link to the event before it")
        digest = event_hash(prev, event.seq, event.at, event.actor, event.action, event.target, event.why,
                            event.payload)
        if digest != event.hash:
            return ChainCheck(False, count, event.seq,
                              f"event {event.seq} ({event.action}) was changed after it was written")
        prev = event.hash
        expected_seq += 1
    head = session.get(AuditHead, study_id)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainCheck(False, count, expected_seq,
                          f"the chain ends at event {expected_seq - 1} but its head says {head.seq}: "
                          "events were removed")
    return ChainCheck(True, count)
