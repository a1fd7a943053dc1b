"""Team accounts: users with Argon2id password hashes, their role in a study, logins and sessions.

A team server (``reverie server --config team.toml``) serves one study on PostgreSQL to several
people. Each person is a :class:`~reverie.store.models.User` (one per database) with a
:class:`~reverie.store.models.Membership` in the study giving their role (``vocab.TEAM_ROLES``);
a participant reviewer's membership names their participant, a PPI member's their group, and
that binding is what limits them to their own review packet.

Two pieces of state live in the server's memory, not the database, on purpose:

- **sessions** (:class:`Sessions`): a random id in an HttpOnly cookie, mapped here to the user
  and the session's CSRF token. A restart signs everyone out, which is the safe failure; the
  user and membership are re-read on every request, so disabling someone takes effect at once.
- **login throttling** (:class:`LoginThrottle`): failures counted per username *and* client
  address; after :data:`MAX_FAILURES` within :data:`LOCK_SECONDS` that pair is locked out for
  :data:`LOCK_SECONDS` (the password is not even checked while locked). Counting in memory
  needs no schema change and the counters cannot be reset by anyone outside the server process.

Password hashes are never logged or shown; audit events name the user, never the hash.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, false, select
from sqlalchemy.exc import OperationalError

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reverie.core.reportmodel import Packet
from reverie.services.config import TeamSettings, open_configured
from reverie.services.consultations import (
    ConsultationView,
    ResponseView,
    add_response,
    find_group,
    get_consultation,
)
from reverie.services.context import OpenStudy, connect, database_url, read_manifest
from reverie.services.packets import build_packet
from reverie.services.participants import consent_status, find_participant
from reverie.services.reports import withheld_reason
from reverie.store import migrate
from reverie.store.models import (
    Consultation,
    Membership,
    Participant,
    PPIGroup,
    Response,
    User,
)

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
SESSION_IDLE_SECONDS = 60 * 60
SESSION_MAX_SECONDS = 12 * 60 * 60
MIN_PASSWORD = 12
MAX_TRACKED = 10_000  # failure records kept before stale ones are swept, so guessing names cannot fill memory
MAX_PASSWORD = 1024  # Argon2 hashes anything; a cap stops a megabyte "password" costing the server
REVIEWER_ROLES = ("participant_reviewer", "ppi_member")

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# argon2-cffi's defaults are Argon2id with RFC 9106's low-memory parameters.
_hasher = PasswordHasher()
_dummy_hash: list[str] = []


class LoginRefused(PermissionDenied):
    """Wrong username or password, or no account in this study (one message for all, on purpose)."""


class LockedOut(PermissionDenied):
    """Too many failed logins for this username from this address."""


@dataclass(frozen=True)
class Member:
    """A user as this study knows them: who, in which role, reviewing for whom."""

    user_id: int
    username: str
    display_name: str
    role: str
    participant: str | None
    group: str | None
    participant_id: int | None
    group_id: int | None
    disabled: bool

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES


def hash_password(password: str) -> str:
    """An Argon2id hash of an acceptable password (at least :data:`MIN_PASSWORD` characters)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters; a few words make a good one")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password may have at most {MAX_PASSWORD} characters")
    return _hasher.hash(password)


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(f"username {username!r}: use 2-63 letters, digits, '.', '_' or '-'")
    return name


def _binding(session, study: OpenStudy, role: str, participant: str | None, group: str | None):
    """The participant or group a role is tied to; reviewers need theirs, nobody else has one."""
    if role not in vocab.TEAM_ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(vocab.TEAM_ROLES)}")
    if role == "participant_reviewer":
        if not participant or group:
            raise InvalidInput("a participant reviewer needs --participant (their code, e.g. P1) and no --group")
        return find_participant(session, study, participant).id, None
    if role == "ppi_member":
        if not group or participant:
            raise InvalidInput("a PPI member needs --group (e.g. PPI-A) and no --participant")
        return None, find_group(session, study, group).id
    if participant or group:
        raise InvalidInput(f"only reviewers are tied to a participant or group, not a {role}")
    return None, None


def add_user(study: OpenStudy, username: str, password: str, *, role: str, participant: str | None = None,
             group: str | None = None, display_name: str = "") -> Member:
    """Make an account with its role in this study; the password is stored only as an Argon2id hash."""
    name = _check_username(username)
    digest = hash_password(password)
    payload = {"username": name, "role": role, "participant": participant, "group": group}
    with study.write("user.add", target=f"user:{name}", payload=payload) as s:
        participant_id, group_id = _binding(s, study, role, participant, group)
        if s.execute(select(User.id).where(User.username == name)).first():
            raise Conflict(f"a user named {name!r} already exists")
        user = User(username=name, display_name=display_name or name, password_hash=digest, created_by=study.actor)
        s.add(user)
        s.flush()
        s.add(Membership(user_id=user.id, study_id=study.study_id, role=role, participant_id=participant_id,
                         group_id=group_id, created_by=study.actor))
    return get_member(study, name)


def _members(session, study: OpenStudy, *where) -> list[Member]:
    rows = session.execute(
        select(User, Membership, Participant.code, PPIGroup.label)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Participant, Participant.id == Membership.participant_id)
        .outerjoin(PPIGroup, PPIGroup.id == Membership.group_id)
        .where(Membership.study_id == study.study_id, *where)
        .order_by(User.username)
    ).all()
    return [Member(user.id, user.username, user.display_name, m.role, code, label, m.participant_id, m.group_id,
                   user.disabled) for user, m, code, label in rows]


def list_members(study: OpenStudy) -> list[Member]:
    """Everyone with a role in this study, by username."""
    with study.read() as s:
        return _members(s, study)


def get_member(study: OpenStudy, username: str) -> Member:
    """One member of this study by username."""
    with study.read() as s:
        found = _members(s, study, User.username == username.strip().lower())
    if not found:
        raise NotFound(f"no user {username!r} in this study")
    return found[0]


def active_member(study: OpenStudy, user_id: int) -> Member | None:
    """The member behind a session, or None once they are disabled or no longer in this study."""
    with study.read() as s:
        found = _members(s, study, User.id == user_id, User.disabled.is_(False))
    return found[0] if found else None


def disable_user(study: OpenStudy, username: str, *, why: str = "") -> Member:
    """Stop an account logging in; its open sessions end at their next request."""
    member = get_member(study, username)
    with study.write("user.disable", target=f"user:{member.username}", why=why) as s:
        s.get(User, member.user_id).disabled = True
    return replace(member, disabled=True)


@dataclass
class _Failures:
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failed logins per (username, client address) in memory; locks a pair out for a while."""

    def __init__(self, max_failures: int = MAX_FAILURES, lock_seconds: float = LOCK_SECONDS,
                 clock=time.monotonic):
        self.max_failures, self.lock_seconds, self.clock = max_failures, lock_seconds, clock
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        with self._lock:
            record = self._failures.get((username, address))
            left = record.locked_until - self.clock() if record else 0
        if left > 0:
            raise LockedOut(f"too many failed logins; try again in {int(left // 60) + 1} minutes")

    def failed(self, username: str, address: str) -> bool:
        """Count a failure; True when this one starts a lock-out."""
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._failures = {key: r for key, r in self._failures.items()
                                  if r.locked_until > now or now - r.first <= self.lock_seconds}
            record = self._failures.setdefault((username, address), _Failures(first=now))
            if now - record.first > self.lock_seconds:
                record.count, record.first = 0, now
            record.count += 1
            if record.count >= self.max_failures:
                record.locked_until, record.count, record.first = now + self.lock_seconds, 0, now
                return True
        return False

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username, address), None)


def login(study: OpenStudy, username: str, password: str, *, address: str, throttle: LoginThrottle) -> Member:
    """The member whose password this is, or :class:`LoginRefused` / :class:`LockedOut`.

    An unknown name costs the same Argon2 verification as a wrong password, so timing does not
    tell which usernames exist.
    """
    name = username.strip().lower()[:120]
    throttle.check(name, address)
    with study.read() as s:
        user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
        members = _members(s, study, User.username == name) if user else []
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash(secrets.token_hex(16)))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash[0], password[:MAX_PASSWORD])
        ok = user is not None and not user.disabled and bool(members)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        if throttle.failed(name, address):
            with study.write("login.locked", target=f"user:{name}", actor=name or "-",
                             payload={"address": address, "minutes": int(throttle.lock_seconds // 60)}):
                pass
        raise LoginRefused("wrong username or password")
    throttle.succeeded(name, address)
    rehash = _hasher.check_needs_rehash(user.password_hash)
    with study.write("login", target=f"user:{name}", actor=name, payload={"address": address}) as s:
        if rehash:
            s.get(User, user.id).password_hash = _hasher.hash(password)
    return members[0]


@dataclass
class Session:
    """A signed-in browser: the cookie holds ``id``; forms and HTMX calls carry ``csrf``."""

    id: str
    user_id: int
    csrf: str
    started: float
    seen: float = field(default=0.0)


class Sessions:
    """Server-side sessions in memory, ended by logout, idleness, age or a restart."""

    def __init__(self, idle_seconds: float = SESSION_IDLE_SECONDS, max_seconds: float = SESSION_MAX_SECONDS,
                 clock=time.monotonic):
        self.idle_seconds, self.max_seconds, self.clock = idle_seconds, max_seconds, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, member: Member) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), member.user_id, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._sessions = {key: s for key, s in self._sessions.items() if not self._expired(s, now)}
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (and note that it was used), or None."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.seen = now
            return session

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.seen > self.idle_seconds or now - session.started > self.max_seconds

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


def open_team_study(settings: TeamSettings) -> OpenStudy:
    """Open the configured study for a team server: PostgreSQL only, migrated first, then as workers see it.

    Why PostgreSQL only: a team's study is reached by a server and by workers on other machines,
    and a SQLite file on shared storage is not safe for that.
    """
    manifest = read_manifest(settings.study)
    url = database_url(settings.study, replace(manifest, database=settings.database or manifest.database))
    if not url.startswith("postgresql"):
        raise InvalidInput(f"{settings.study}: a team server needs a PostgreSQL study (its study.toml names "
                           "study.db); make the study with `reverie init --database postgresql://…`")
    engine = connect(url)
    try:
        migrate.ensure_current(engine, db_path=None, backups=None)
    except OperationalError as exc:
        raise InvalidInput(f"{settings.study}: cannot reach the study database ({exc.orig})") from exc
    finally:
        engine.dispose()
    return open_configured(settings)


# --- the reviewer portal ---------------------------------------------------------------------

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
