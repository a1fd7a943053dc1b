"""An open study: where it lives, its database, its media, who is working, and the one write path.

Every service function takes an :class:`OpenStudy`. Reads use :meth:`OpenStudy.read`; every write
goes through :meth:`OpenStudy.write`, which serialises writers in this process, takes the database
write lock up front, and appends the audit event in the same transaction as the change; an event
that changes no row (an export, a backup) goes through :meth:`OpenStudy.record`. A file that the
event records is staged before the transaction and put in place when it commits
(:class:`reverie.store.files.StagedFile`).
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from reverie.core.errors import InvalidInput
from reverie.store.database import immediate_transactions, is_sqlite, make_engine
from reverie.store.files import private_file, private_folder
from reverie.store.media import MediaCipher, MediaStore

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

MANIFEST = "study.toml"
DB_NAME = "study.db"
FORMAT = 1


@dataclass(frozen=True)
class Manifest:
    """What ``study.toml`` says: the database (``study.db`` or a server URL) and whether it is encrypted."""

    database: str = DB_NAME
    encrypted: bool = False
    format: int = FORMAT
    # A team study's media key, kept outside the study folder (a path, never the key itself).
    media_key: str = ""

    def dump(self) -> str:
        return (
            "# A Reverie study folder. Copy the whole folder to copy the study.\n"
            f"format = {self.format}\n"
            f"database = {_toml_string(self.database)}\n"
            f"encrypted = {'true' if self.encrypted else 'false'}\n"
            + (f"media_key = {_toml_string(self.media_key)}\n" if self.media_key else "")
        )


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_manifest(root: Path) -> Manifest:
    path = root / MANIFEST
    if not root.is_dir():
        raise InvalidInput(f"{root}: no such study folder")
    if not path.is_file():
        raise InvalidInput(f"{root}: not a Reverie study (no {MANIFEST}); make one with `reverie init {root}`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: unreadable study manifest ({exc})") from exc
    return Manifest(database=str(data.get("database", DB_NAME)), encrypted=bool(data.get("encrypted", False)),
                    format=int(data.get("format", FORMAT)), media_key=str(data.get("media_key", "")))


def database_url(root: Path, manifest: Manifest) -> str:
    if "://" in manifest.database:
        if urlsplit(manifest.database).password:
            raise InvalidInput(f"{root / MANIFEST}: the database URL holds a password; remove it from the URL "
                               f"and {PASSWORD_PLACES}")
        return driver_url(manifest.database)
    return f"sqlite:///{(root / manifest.database).resolve()}"


# Where a PostgreSQL password lives instead of study.toml: libpq reads all three itself.
PASSWORD_PLACES = ("put the password in ~/.pgpass (0600), in a password file outside the study named by "
                   "PGPASSFILE, or in PGPASSWORD")


def driver_url(url: str) -> str:
    """A postgresql:// URL as SQLAlchemy reaches it (through psycopg 3)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def without_password(url: str) -> str:
    """``url`` with any password taken out: what may be written to ``study.toml``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))


def keep_private(root: Path, manifest: Manifest) -> None:
    """Make the study's files owner-only (0600) and its folders 0700, as new studies are made.

    Studies made before this held ``study.db`` and ``exports/`` readable by every user of the
    machine; opening one closes that (only what this user owns is changed).
    """
    media = root / "media"
    shards = sorted(media.glob("??")) if media.is_dir() else []
    for folder in (root, media, *shards, root / "backups", root / "exports"):
        if folder.is_dir() and not folder.is_symlink():
            private_folder(folder)
            for path in folder.iterdir():
                if path.is_file() and not path.is_symlink():
                    private_file(path, create=False)
    if "://" not in manifest.database:
        for suffix in ("", "-wal", "-shm"):
            private_file(root / f"{manifest.database}{suffix}", create=False)


@dataclass
class OpenStudy:
    root: Path
    url: str
    engine: Engine
    study_id: int
    actor: str
    media: MediaStore
    manifest: Manifest
    _sessions: sessionmaker = field(repr=False, default=None)  # type: ignore[assignment]
    _write_lock: threading.RLock = field(repr=False, default_factory=threading.RLock)
    _local: threading.local = field(repr=False, default_factory=threading.local)
    # Who really runs this process, recorded beside the declared identity (``actor``) in every event.
    os_user: str = field(default_factory=lambda: _os_user())
    _audit_key: bytes | None = field(repr=False, default=None)

    def __post_init__(self):
        if self._sessions is None:
            # Imported here, with the audit module below: this module's light top is what the quick
            # read-only opens of :mod:`reverie.services.study.reading` import.
            from sqlalchemy.orm import sessionmaker

            self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def audit_key(self) -> bytes:
        """The key the audit chain is signed with: ``audit.key`` in the study folder, read once."""
        if self._audit_key is None:
            from reverie.store import audit

            self._audit_key = audit.read_key(self.root / audit.KEY_FILE)
        return self._audit_key

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @property
    def db_path(self) -> Path | None:
        return self.root / self.manifest.database if self.is_sqlite else None

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; inside a write it is the writer's session, so reads see its changes.

        The writer's pending changes are flushed first: reads in plain SQL (``text()``, shared with
        the quick CLI reads) do not autoflush as ORM queries do.
        """
        current = getattr(self._local, "session", None)
        if current is not None:
            current.flush()
            yield current
            return
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self, action: str, *, target: str = "", why: str = "", payload: dict[str, Any] | None = None,
              actor: str | None = None) -> Iterator[Session]:
        """The one write path: a transaction holding the write lock, closed by its audit event.

        Nested writes join the outer transaction (each still appends its own event), so a
        composite operation is all-or-nothing.
        """
        from reverie.store import audit

        with self.quiet_write() as session:
            yield session
            session.flush()
            audit.append(session, self.study_id, key=self.audit_key, actor=actor or self.actor, action=action,
                         target=target, why=why, payload=payload, os_user=self.os_user)

    @contextmanager
    def quiet_write(self) -> Iterator[Session]:
        """The one writer (its lock, ``BEGIN IMMEDIATE``) without an audit event; joins an outer write.

        :meth:`write` is this writer closed by an audit event.

        For bookkeeping that is not a research decision: job progress, a memo's draft as it is typed.
        Everything that changes the analysis goes through :meth:`write` and its audit event.
        """
        current = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self._write_lock, immediate_transactions(), self._sessions() as session:
            self._local.session = session
            try:
                with session.begin():
                    yield session
            finally:
                self._local.session = None

    def record(self, action: str, *, target: str = "", why: str = "", payload: dict[str, Any] | None = None,
               actor: str | None = None) -> None:
        """Record an event that changes no row (a backup made, a sign-out, a key destroyed) in the
        audit trail, through the one write path."""
        with self.write(action, target=target, why=why, payload=payload, actor=actor):
            pass

    def record_many(self, events: Sequence[tuple[str, str, dict[str, Any]]], *, why: str = "") -> None:
        """Record events ``(action, target, payload)`` of one write together: a folder import's
        transcripts, each its own event, appended in one statement instead of one write each."""
        from reverie.store import audit

        with self.quiet_write() as session:
            session.flush()
            audit.append_many(session, self.study_id, key=self.audit_key, actor=self.actor, os_user=self.os_user,
                              events=[(action, target, why, payload) for action, target, payload in events])

    def close(self) -> None:
        self.engine.dispose()


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the number still says who
        import os

        return f"uid:{os.getuid()}"


def connect(url: str, creator=None, dbapi_module=None) -> Engine:
    return make_engine(url, creator=creator, module=dbapi_module)


def media_store(root: Path, cipher: MediaCipher | None = None) -> MediaStore:
    return MediaStore(root / "media", cipher)
