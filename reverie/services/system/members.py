"""Team members: users with Argon2id password hashes, their role in a study, and signing in.

A team server (``reverie server --config team.toml``) serves one study on PostgreSQL to several
people. Each person is a :class:`~reverie.store.models.User` (one per database) with a
:class:`~reverie.store.models.Membership` in the study giving their role (``vocab.TEAM_ROLES``);
a participant reviewer's membership names their participant, a PPI member's their group, and
that binding is what limits them to their own review packet.

Sessions and the login throttle are the team server's own state and live with it
(:mod:`reverie.web.team.sessions`); :func:`login` takes the throttle it is handed.

Password hashes are never logged or shown; audit events name the user, never the hash.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reverie.services.involvement.consultations import find_group
from reverie.services.study.context import OpenStudy, connect, database_url, read_manifest
from reverie.services.study.participants import find_participant
from reverie.store import migrate
from reverie.store.models import Membership, Participant, PPIGroup, User

if TYPE_CHECKING:  # settings are loaded only by the server and worker, not by `reverie users`
    from reverie.services.system.config import TeamSettings

MIN_PASSWORD = 12
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


def login(study: OpenStudy, username: str, password: str, *, address: str, throttle) -> Member:
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
            study.record("login.locked", target=f"user:{name}", actor=name or "-",
                         payload={"address": address, "minutes": int(throttle.lock_seconds // 60)})
        raise LoginRefused("wrong username or password")
    throttle.succeeded(name, address)
    rehash = _hasher.check_needs_rehash(user.password_hash)
    with study.write("login", target=f"user:{name}", actor=name, payload={"address": address}) as s:
        if rehash:
            s.get(User, user.id).password_hash = _hasher.hash(password)
    return members[0]


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
    from reverie.services.system.config import open_configured

    return open_configured(settings)


