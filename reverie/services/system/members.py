"""Team members: users with Argon2id password hashes, their role in a study, and signing in.

A team server (``reverie server --config team.toml``) serves one study on PostgreSQL to several
people. Each person is a :class:`~reverie.store.models.User` (one per database) with a
:class:`~reverie.store.models.Membership` in the study giving their role (``vocab.TEAM_ROLES``);
a participant reviewer's membership names their participant, a PPI member's their group, and
that binding is what limits them to their own review packet.

Sessions and the login throttle are the team server's own state and live with it
(:mod:`reverie.web.team.sessions`); :func:`login` takes the throttle it is handed. Every failed
sign-in is audited with the name tried and the address, under the actor ``anonymous``: whoever
typed a name is not known to be its owner, so the audit trail never blames the victim.

A :class:`Member` carries a ``stamp`` (a digest of the password hash): the server compares it and
the role with those its session started with on every request, so a password changed or a role
changed from the CLI in another process ends the account's sessions at once.

Password hashes are never logged or shown; audit events name the user, never the hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

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
    """Too many failed logins for this username from this address, or from this address at all."""


class Throttle(Protocol):
    """The login budget a server keeps (:class:`reverie.web.team.sessions.LoginThrottle`)."""

    def admit(self, username: str, address: str) -> None: ...
    def failed(self, username: str, address: str) -> bool: ...
    def succeeded(self, username: str, address: str) -> None: ...


ANONYMOUS = "anonymous"  # the audit actor of a failed sign-in: the name typed is not proof of who typed it


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
    stamp: str  # changes when the password does; never the hash itself

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
                   user.disabled, _stamp(user.password_hash)) for user, m, code, label in rows]


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


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


def normal_username(username: str) -> str:
    """The form a typed username is looked up, throttled and audited under."""
    return username.strip().lower()[:120]


def login(study: OpenStudy, username: str, password: str, *, address: str, throttle: Throttle) -> Member:
    """The member whose password this is, or :class:`LoginRefused` / :class:`LockedOut`.

    The throttle admits the attempt (spending one from this name-and-address's budget and this
    address's, in one step) before the password is checked, so concurrent guesses cannot all
    be checked against a budget they have not yet spent. An unknown name costs the same Argon2
    verification as a wrong password, so timing does not tell which usernames exist.
    """
    name = normal_username(username)
    try:
        throttle.admit(name, address)
    except LockedOut:
        _failed(study, name, address, "over the sign-in budget")
        raise
    member = _verified(study, name, password)
    if member is None:
        _failed(study, name, address, "wrong username or password", locked=throttle.failed(name, address))
        raise LoginRefused("wrong username or password")
    throttle.succeeded(name, address)
    study.record("login", target=f"user:{name}", actor=name, payload={"address": address})
    return member


def _failed(study: OpenStudy, name: str, address: str, reason: str, *, locked: bool = False) -> None:
    payload = {"username": name, "address": address, "reason": reason, **({"locked": True} if locked else {})}
    study.record("login.failed", target=f"user:{name}", actor=ANONYMOUS, payload=payload)


def _verified(study: OpenStudy, name: str, password: str) -> Member | None:
    """The active member with this name and password (rehashing an outdated hash), else None."""
    with study.read() as s:
        user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
        members = _members(s, study, User.username == name) if user else []
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash(secrets.token_hex(16)))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash[0], password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled or not members:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with study.write("user.rehash", target=f"user:{name}", actor=name) as s:
            s.get(User, user.id).password_hash = _hasher.hash(password)
        return get_member(study, name)
    return members[0]


def change_password(study: OpenStudy, member: Member, current: str, new: str, *, address: str,
                    throttle: Throttle) -> Member:
    """A member's own password change: the current one is checked (and throttled) as a sign-in is.

    The new stamp ends every other session of the account at its next request.
    """
    digest = hash_password(new)
    try:
        throttle.admit(member.username, address)
    except LockedOut:
        _failed(study, member.username, address, "over the sign-in budget (password change)")
        raise
    if _verified(study, member.username, current) is None:
        _failed(study, member.username, address, "wrong current password (password change)",
                locked=throttle.failed(member.username, address))
        raise LoginRefused("the current password is not right")
    throttle.succeeded(member.username, address)
    with study.write("user.password", target=f"user:{member.username}", payload={"address": address}) as s:
        s.get(User, member.user_id).password_hash = digest
    return get_member(study, member.username)


def set_password(study: OpenStudy, username: str, password: str, *, why: str = "") -> Member:
    """Give an account a new password (from the CLI); its open sessions end at their next request."""
    member = get_member(study, username)
    digest = hash_password(password)
    with study.write("user.password", target=f"user:{member.username}", why=why) as s:
        s.get(User, member.user_id).password_hash = digest
    return get_member(study, member.username)


def set_role(study: OpenStudy, username: str, role: str, *, participant: str | None = None,
             group: str | None = None, why: str = "") -> Member:
    """Change an account's role in this study (and who a reviewer reviews for); its sessions end at once."""
    member = get_member(study, username)
    payload = {"role": role, "was": member.role, "participant": participant, "group": group}
    with study.write("user.role", target=f"user:{member.username}", why=why, payload=payload) as s:
        participant_id, group_id = _binding(s, study, role, participant, group)
        row = s.execute(select(Membership).where(Membership.user_id == member.user_id,
                                                 Membership.study_id == study.study_id)).scalar_one()
        row.role, row.participant_id, row.group_id = role, participant_id, group_id
    return get_member(study, member.username)


def enable_user(study: OpenStudy, username: str, *, why: str = "") -> Member:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    member = get_member(study, username)
    with study.write("user.enable", target=f"user:{member.username}", why=why) as s:
        s.get(User, member.user_id).disabled = False
    return replace(member, disabled=False)


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


