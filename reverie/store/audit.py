"""The append-only audit log, chained with a key: every write appends one event, the study folder
verifies it, and an anchor kept outside the study proves it was not rewritten since.

Each event's link is an HMAC-SHA256, keyed with the study's ``audit.key``, over the previous link
and the event's canonical JSON (sorted keys, no spaces, UTF-8). That JSON carries digests of the
payload rather than the payload, so:

- a program that edits the database without the key cannot re-sign the chain after a change;
- the words a participant said that an event quotes are kept apart (``audit_words``), where a
  withdrawal can erase them while their digest, and so the chain, stay whole.

Someone who holds the whole folder holds the key and can rewrite the chain; an anchor (the head's
sequence number and link, :func:`head`) written into a lab notebook or an ethics file catches
that, because no rewrite reproduces the link the anchor recorded (:func:`check_anchor`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from reverie.core.errors import InvalidInput
from reverie.store.files import PRIVATE, open_part, sync_folder
from reverie.store.models import AuditEvent, AuditHead, AuditWords

GENESIS = "0" * 64
KEY_FILE = "audit.key"
# Payload fields that can quote what a participant said (a command's arguments too: a search query)
# are kept apart from the chain so that they can be erased.
WORD_FIELDS = frozenset({"text", "display_text", "quote", "quotes", "words", "exact", "prefix", "suffix", "args"})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def create_key(path: Path) -> bytes:
    """Make the study's audit key (0600) unless it exists; two processes racing end with one key."""
    if path.exists():
        return read_key(path)
    fd, part = open_part(path, mode=PRIVATE)
    try:
        os.write(fd, secrets.token_hex(32).encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(part, path)  # fails if another process made the key first: theirs wins
        sync_folder(path.parent)
    except FileExistsError:
        pass
    finally:
        part.unlink(missing_ok=True)
    return read_key(path)


def read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: the audit key is missing; the audit chain cannot be signed or verified "
                           "without it (restore it from a backup of the study folder)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: unreadable audit key ({exc})") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise InvalidInput(f"{path}: not an audit key (expected 64 hexadecimal digits)")
    return key


def link(key: bytes, prev_hash: str, event: AuditEvent) -> str:
    body = canonical_json({"seq": event.seq, "at": event.at, "actor": event.actor, "os_user": event.os_user,
                           "action": event.action, "target": event.target, "why": event.why,
                           "payload": event.payload_digest, "words": event.words_digest})
    return hmac.new(key, (prev_hash + "\n" + body).encode("utf-8"), hashlib.sha256).hexdigest()


def _legacy_link(prev_hash: str, event: AuditEvent) -> str:
    """The unkeyed SHA-256 link of studies made before the key, checked once when they are re-anchored."""
    body = canonical_json({"seq": event.seq, "at": event.at, "actor": event.actor, "action": event.action,
                           "target": event.target, "why": event.why, "payload": event.payload})
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def participant_of(target: str, payload: dict) -> str:
    """The participant an event is about, when its target or payload says (for erasure on withdrawal)."""
    named = payload.get("participant")
    if isinstance(named, str) and named:
        return named
    kind, _, rest = target.partition(":")
    if kind == "participant":
        return rest
    if kind == "interview":
        return rest.partition("/")[0]
    return ""


def append(session: Session, study_id: int, *, key: bytes, actor: str, action: str, target: str = "",
           why: str = "", payload: dict | None = None, os_user: str = "") -> AuditEvent:
    """Append one event inside the caller's transaction, locking the chain head first."""
    (event,) = append_many(session, study_id, key=key, actor=actor, os_user=os_user,
                           events=[(action, target, why, payload)])
    return event


def append_many(session: Session, study_id: int, *, key: bytes, actor: str, os_user: str = "",
                events: Sequence[tuple[str, str, str, dict | None]]) -> list[AuditEvent]:
    """Append events ``(action, target, why, payload)`` in order inside the caller's transaction.

    The events and the head's new link are written by plain statements, all the events in one,
    rather than the ORM's unit of work: a folder import appends an event per transcript, and a
    flush of each one (an INSERT and an UPDATE through the unit of work, plus a fresh SELECT of the
    head) cost more than storing a short transcript's lines. The events returned are detached:
    their rows are already written.
    """
    head = _locked_head(session, study_id)
    if not head.keyed:
        raise InvalidInput("the audit chain was made before audit keys; open the study with `reverie` "
                           "once to re-anchor it under its key")
    made, quoted = [], []
    seq, prev = head.seq, head.hash
    for action, target, why, payload in events:
        payload = payload or {}
        words = {k: v for k, v in payload.items() if k in WORD_FIELDS and v not in (None, "", [], {})}
        public = {k: v for k, v in payload.items() if k not in words}
        words_text = canonical_json(words) if words else ""
        seq += 1
        event = AuditEvent(study_id=study_id, seq=seq, at=datetime.now(UTC).isoformat(timespec="microseconds"),
                           actor=actor, os_user=os_user, action=action, target=target, why=why,
                           payload=canonical_json(public), prev_hash=prev, hash="")
        event.payload_digest = digest(event.payload)
        event.words_digest = digest(words_text) if words else ""
        event.hash = prev = link(key, prev, event)
        made.append(event)
        quoted.append((words_text, participant_of(target, payload)) if words else None)
    if not made:
        return []
    connection = session.connection()
    ids = connection.execute(_INSERT_EVENT, [{column: getattr(event, column) for column in _EVENT_COLUMNS}
                                             for event in made]).scalars().all()
    for event, event_id in zip(made, ids):
        event.id = event_id
    words_rows = [{"event_id": event.id, "study_id": study_id, "text": words[0], "participant": words[1],
                   "erased_at": None} for event, words in zip(made, quoted) if words]
    if words_rows:
        connection.execute(_INSERT_WORDS, words_rows)
    connection.execute(_MOVE_HEAD, {"head_study": study_id, "seq": seq, "hash": prev})
    # The head object now says what its row says, without being flushed again.
    set_committed_value(head, "seq", seq)
    set_committed_value(head, "hash", prev)
    for event in made:
        make_transient_to_detached(event)
    return made


_EVENT_COLUMNS = ("study_id", "seq", "at", "actor", "os_user", "action", "target", "why", "payload", "prev_hash",
                  "hash", "payload_digest", "words_digest")
# Built once: making a statement is a good part of the cost of running it.
_INSERT_EVENT = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id, sort_by_parameter_order=True)
_INSERT_WORDS = insert(AuditWords.__table__)
_MOVE_HEAD = update(AuditHead.__table__).where(AuditHead.__table__.c.study_id == bindparam("head_study"))
_LOCKED_HEAD = "reverie.audit.locked_head"


def _locked_head(session: Session, study_id: int) -> AuditHead:
    """The chain head, locked for the rest of the transaction (selected once per transaction).

    Once this transaction holds the head's lock (``FOR UPDATE`` on PostgreSQL; on SQLite the
    ``BEGIN IMMEDIATE`` write lock) no one else can move it, so the object it loaded stays true and
    the next event of the same transaction need not select it again.
    """
    transaction = session.get_transaction()
    held = session.info.pop(_LOCKED_HEAD, None)
    savepoint = session.in_nested_transaction()  # a savepoint rolled back would leave a kept head stale
    if held is not None and not savepoint and held[0] is transaction and held[1] == study_id and held[2] in session:
        session.info[_LOCKED_HEAD] = held
        return held[2]
    head = session.execute(
        select(AuditHead).where(AuditHead.study_id == study_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(study_id=study_id, seq=0, hash=GENESIS, keyed=True)
        session.add(head)
        session.flush()
    if not savepoint:
        session.info[_LOCKED_HEAD] = (transaction, study_id, head)
    return head


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def _events(session: Session, study_id: int):
    return session.execute(select(AuditEvent).where(AuditEvent.study_id == study_id)
                           .order_by(AuditEvent.seq)).scalars()


def verify(session: Session, study_id: int, key: bytes) -> ChainCheck:
    """Walk the chain in order and name the first event whose link, content or words do not hold."""
    head = session.get(AuditHead, study_id)
    if head is not None and not head.keyed:
        return ChainCheck(False, 0, 1, "the chain has not been re-anchored under audit.key yet "
                                       "(open the study with `reverie` once)")
    words = {w.event_id: w for w in session.execute(
        select(AuditWords).where(AuditWords.study_id == study_id)).scalars()}
    prev, expected_seq, count = GENESIS, 1, 0
    for event in _events(session, study_id):
        count += 1
        if event.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"event {expected_seq} is missing (found {event.seq} next)")
        if event.prev_hash != prev:
            return ChainCheck(False, count, event.seq, f"event {event.seq} does not link to the event before it")
        if digest(event.payload or "") != event.payload_digest:
            return ChainCheck(False, count, event.seq, f"event {event.seq} ({event.action}): its payload was changed")
        quoted = words.get(event.id)
        if event.words_digest and quoted is None:
            return ChainCheck(False, count, event.seq,
                              f"event {event.seq} ({event.action}): its quoted words were deleted without an erasure")
        if quoted is not None and quoted.text is not None and digest(quoted.text) != event.words_digest:
            return ChainCheck(False, count, event.seq, f"event {event.seq} ({event.action}): its quoted words were "
                                                       "changed")
        if not hmac.compare_digest(link(key, prev, event), event.hash):
            return ChainCheck(False, count, event.seq,
                              f"event {event.seq} ({event.action}) was changed after it was written, "
                              "or signed without this study's audit.key")
        prev = event.hash
        expected_seq += 1
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainCheck(False, count, expected_seq,
                          f"the chain ends at event {expected_seq - 1} but its head says {head.seq}: "
                          "events were removed")
    return ChainCheck(True, count, head_seq=expected_seq - 1, head_hash=prev)


def check_anchor(session: Session, study_id: int, key: bytes, seq: int, anchored_hash: str,
                 where: str = "the anchor") -> ChainCheck:
    """Prove the chain verifies and still passes through the link an anchor recorded."""
    check = verify(session, study_id, key)
    if not check.ok:
        return check
    if check.head_seq < seq:
        return ChainCheck(False, check.events, check.head_seq + 1,
                          f"the chain ends at event {check.head_seq} but {where} records event {seq}: "
                          "events at or before the anchor were removed")
    event = session.execute(select(AuditEvent).where(AuditEvent.study_id == study_id,
                                                     AuditEvent.seq == seq)).scalar_one()
    if not hmac.compare_digest(event.hash, anchored_hash):
        return ChainCheck(False, check.events, seq,
                          f"event {seq} is not the one {where} records: events at or before it were changed, "
                          "removed or re-signed")
    return check


def reanchor(session: Session, study_id: int, key_file: Path, *, actor: str, os_user: str = "") -> int | None:
    """Sign a chain made before audit keys under the key in ``key_file``, once, after checking it the old way.

    The key is made only once the old chain has verified. Returns how many events were re-signed
    (None when the chain was already keyed). The old head is recorded in an ``audit.rekey`` event,
    so an old printout of it can still be matched.
    """
    head = session.execute(select(AuditHead).where(AuditHead.study_id == study_id)
                           .with_for_update()).scalar_one_or_none()
    if head is None or head.keyed:
        return None
    prev, count = GENESIS, 0
    events = list(_events(session, study_id))
    for event in events:
        count += 1
        if event.seq != count or event.prev_hash != prev or _legacy_link(prev, event) != event.hash:
            raise InvalidInput(f"the audit chain breaks at event {event.seq} ({event.action}); Reverie will not "
                               "sign a chain it cannot verify: restore the study from a backup")
        prev = event.hash
    if head.seq != count or head.hash != prev:
        raise InvalidInput(f"the audit chain ends at event {count} but its head says {head.seq}: events were "
                           "removed; restore the study from a backup")
    old_head = prev
    key = create_key(key_file)
    prev = GENESIS
    for event in events:
        event.payload_digest = digest(event.payload or "")
        event.words_digest = ""
        event.prev_hash = prev
        event.hash = link(key, prev, event)
        prev = event.hash
    head.hash, head.keyed = prev, True
    session.flush()
    append(session, study_id, key=key, actor=actor, os_user=os_user, action="audit.rekey",
           target=f"study:{study_id}", why="the audit chain is now signed with audit.key",
           payload={"events": count, "unkeyed_head": old_head})
    return count


def erase_words(session: Session, study_id: int, participant: str, passages: list[str], handles: set[str],
                min_chars: int = 20) -> list[int]:
    """Erase the quoted words of every event about ``participant`` or quoting them; returns the sequence
    numbers of the events whose words were erased (their digests stay, so the chain still verifies).

    An event is about them when it names them (its target, or a ``participant`` field anywhere in
    its words, as a report's quotation list does) or one of ``handles``; it quotes them when one of
    its passages holds one of theirs, or one of its own (``min_chars`` or longer) is found in theirs.
    """
    theirs = [_spaced(p) for p in passages if len(_spaced(p)) >= min_chars]
    joined = "\n".join(theirs)
    rows = session.execute(select(AuditWords, AuditEvent).join(AuditEvent, AuditEvent.id == AuditWords.event_id)
                           .where(AuditWords.study_id == study_id, AuditWords.text.is_not(None))).all()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    erased = []
    for quoted, event in rows:
        value = json.loads(quoted.text)
        pieces = [_spaced(piece) for piece in _strings(value)]
        about = quoted.participant == participant or event.target in handles or participant in _named(value)
        if (about or any(passage in piece for passage in theirs for piece in pieces)
                or any(len(piece) >= min_chars and piece in joined for piece in pieces)):
            quoted.text, quoted.erased_at = None, now
            erased.append(event.seq)
    return sorted(erased)


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _named(value: Any) -> set[str]:
    """Every participant a payload's words name (``{"participant": "P1", ...}`` at any depth)."""
    if isinstance(value, dict):
        found = {value["participant"]} if isinstance(value.get("participant"), str) else set()
        return found.union(*(_named(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_named(item) for item in value))
    return set()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
