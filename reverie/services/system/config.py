"""``team.toml``: one validated settings object for a team server and its workers.

Every setting has a default and help text (:data:`HELP`), and values that would be unsafe or
would quietly misbehave are refused at start-up with a message naming the setting: a Redis
server on another machine without a password, a password in a file others can read, a worker
heartbeat so short that a busy worker looks dead and its chunk runs twice.

Example::

    study = "/srv/reverie/study"            # the study folder (study.toml names its database)
    database = "postgresql://reverie@db/study"   # optional: how this machine reaches the database
    media = "/mnt/shared/reverie-media"     # optional: where this machine sees the media folder
    redis = "redis://:secret@queue.internal:6379/0"
    host = "127.0.0.1"
    port = 8000

    [worker]
    processes = 2
    chunk_time_limit_s = 300
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from reverie.core.errors import InvalidInput
from reverie.services.study.context import (
    OpenStudy,
    connect,
    database_url,
    read_manifest,
)
from reverie.store import migrate
from reverie.store.media import MediaStore
from reverie.store.models import Study

# How often an idle worker polls Redis (ms); its heartbeat rides on these polls.
POLL_MS = 1000

HELP: dict[str, str] = {
    "study": "The study folder; its study.toml names the database (study.db or a PostgreSQL URL).",
    "database": "How this machine reaches the study's database, when not as study.toml says (a PostgreSQL URL).",
    "media": "Where this machine sees the study's media folder, when not <study>/media (shared storage).",
    "media_key_file": "The key that encrypts the study's media at rest, when not <study>/media.key (keep it 0600).",
    "redis": "The Redis server that carries jobs to workers (redis://, rediss:// or unix://).",
    "namespace": "Prefix of every Redis key this deployment uses, so studies sharing a Redis never mix jobs.",
    "host": "Address the web server binds; 127.0.0.1 unless a reverse proxy on another machine forwards to it.",
    "port": "Port the web server listens on (1024-65535).",
    "worker.processes": "Worker processes `reverie worker` starts on this machine (one per 2 CPU cores suits Whisper).",
    "worker.threads": "Chunks each worker process runs at once (1: recognition already uses several cores).",
    "worker.chunk_time_limit_s": "Seconds a chunk may run before it is stopped and retried (a few minutes of audio).",
    "worker.max_retries": "Times a failed chunk is retried automatically before it is left for `retry`.",
    "worker.min_backoff_s": "Wait before the first automatic retry, doubling each time.",
    "worker.max_backoff_s": "Longest wait between automatic retries.",
    "worker.heartbeat_timeout_s": "Seconds without a heartbeat after which a worker counts as dead and its chunk is handed out again.",
    "worker.recovery_check_chance": "Share of Redis calls (0-1) that also look for dead workers' chunks; higher recovers sooner.",
    "worker.dead_message_ttl_s": "How long chunks that failed every retry stay in Redis for inspection.",
}


@dataclass(frozen=True)
class WorkerSettings:
    processes: int = 1
    threads: int = 1
    chunk_time_limit_s: float = 300
    max_retries: int = 3
    min_backoff_s: float = 1
    max_backoff_s: float = 10
    heartbeat_timeout_s: float = 10
    recovery_check_chance: float = 0.2
    dead_message_ttl_s: float = 3 * 24 * 3600


@dataclass(frozen=True)
class TeamSettings:
    study: Path
    database: str | None = None
    media: Path | None = None
    media_key_file: Path | None = None
    redis: str = "redis://127.0.0.1:6379/0"
    namespace: str = "reverie"
    host: str = "127.0.0.1"
    port: int = 8000
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    source: Path | None = None

    @property
    def media_dir(self) -> Path:
        return self.media or self.study / "media"

    @property
    def media_key(self) -> Path:
        return self.media_key_file or self.study / "media.key"


def load_settings(path: Path | str) -> TeamSettings:
    """Read and check a ``team.toml``; relative paths in it are relative to the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such settings file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: not valid TOML ({exc})") from exc
    worker = data.pop("worker", {})
    if not isinstance(worker, dict):
        raise InvalidInput(f"{path}: [worker] must be a table")
    _refuse_unknown(path, data, {f.name for f in dataclasses.fields(TeamSettings)} - {"worker", "source"}, "")
    _refuse_unknown(path, worker, {f.name for f in dataclasses.fields(WorkerSettings)}, "worker.")
    if "study" not in data:
        raise InvalidInput(f"{path}: `study` is required ({HELP['study']})")
    base = path.resolve().parent
    try:
        settings = TeamSettings(
            study=_path(base, data.pop("study")), media=_path(base, data.pop("media")) if "media" in data else None,
            media_key_file=_path(base, data.pop("media_key_file")) if "media_key_file" in data else None,
            worker=WorkerSettings(**{k: _number(path, f"worker.{k}", v) for k, v in worker.items()}),
            source=path, **{k: v for k, v in data.items()},
        )
    except TypeError as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    check_settings(settings)
    if _has_secret(settings):
        _refuse_readable_by_others(path)
    return settings


def _refuse_unknown(path: Path, data: dict, known: set[str], prefix: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"{path}: unknown setting {prefix}{unknown[0]} (known: {', '.join(sorted(known))})")


def _path(base: Path, value) -> Path:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"a folder setting must be a non-empty string, not {value!r}")
    return (base / Path(value).expanduser()).resolve()


def _number(path: Path, name: str, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{path}: {name} must be a number, not {value!r}")
    return value


def check_settings(settings: TeamSettings) -> None:
    """Refuse values that are unsafe or that would make jobs misbehave."""
    w = settings.worker
    for name in ("redis", "namespace", "host"):
        if not isinstance(getattr(settings, name), str) or not getattr(settings, name):
            raise InvalidInput(f"{name} must be a non-empty string ({HELP[name]})")
    if settings.database is not None and not str(settings.database).startswith(("postgresql://", "postgresql+psycopg://")):
        raise InvalidInput("database must be a postgresql:// URL; a SQLite study is named by its folder (`study`)")
    if not isinstance(settings.port, int) or not 1024 <= settings.port <= 65535:
        raise InvalidInput(f"port must be between 1024 and 65535, not {settings.port!r}")
    if not settings.namespace.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput(f"namespace {settings.namespace!r}: use letters, digits, '-', '_' or '.'")
    redis = urlsplit(settings.redis)
    if redis.scheme not in ("redis", "rediss", "unix"):
        raise InvalidInput(f"redis must be a redis://, rediss:// or unix:// URL, not {settings.redis!r}")
    if redis.scheme != "unix" and not _is_loopback(redis.hostname or "") and not redis.password:
        raise InvalidInput(f"redis at {redis.hostname} has no password: a Redis reachable from other machines "
                           "must require one (redis://:PASSWORD@host:6379/0)")
    ints = {"processes": (1, 64), "threads": (1, 32), "max_retries": (0, 10)}
    for name, (low, high) in ints.items():
        value = getattr(w, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(f"worker.{name} must be a whole number from {low} to {high}, not {value!r}")
    if not 10 <= w.chunk_time_limit_s <= 3600:
        raise InvalidInput("worker.chunk_time_limit_s must be 10-3600 s: a chunk is a few minutes of audio, "
                           "and a stuck chunk should be stopped and retried, not hold a worker for hours")
    if not 0 < w.min_backoff_s <= w.max_backoff_s <= 600:
        raise InvalidInput("worker backoff must satisfy 0 < min_backoff_s <= max_backoff_s <= 600")
    if w.heartbeat_timeout_s < 3 * POLL_MS / 1000 or w.heartbeat_timeout_s > 600:
        raise InvalidInput(f"worker.heartbeat_timeout_s must be {3 * POLL_MS // 1000}-600 s: shorter, and a live "
                           "worker between two polls looks dead, so its chunk runs twice")
    if not 0 < w.recovery_check_chance <= 1:
        raise InvalidInput("worker.recovery_check_chance must be above 0 and at most 1")
    if not 60 <= w.dead_message_ttl_s <= 30 * 24 * 3600:
        raise InvalidInput("worker.dead_message_ttl_s must be between a minute and 30 days")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _has_secret(settings: TeamSettings) -> bool:
    return bool(urlsplit(settings.redis).password or (settings.database and urlsplit(settings.database).password))


def _refuse_readable_by_others(path: Path) -> None:
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(f"{path} holds a password but others can read it; run `chmod 600 {path}`")


def open_configured(settings: TeamSettings) -> OpenStudy:
    """Open the configured study as a worker does: through its database URL and shared media folder.

    Workers never migrate; the server does (backing the study up first), so a worker meeting an
    older schema stops with a message instead of racing the server.
    """
    root = settings.study
    manifest = read_manifest(root)
    if settings.database:
        manifest = dataclasses.replace(manifest, database=settings.database)
    if manifest.encrypted:
        raise InvalidInput(f"{root}: an encrypted study is single-user and cannot be served to workers")
    url = database_url(root, manifest)
    engine = connect(url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            raise InvalidInput(f"{root}: the database schema is not current; open the study once with "
                               "`reverie` on the server to migrate it, then start the workers")
        with engine.connect() as connection:
            row = connection.execute(select(Study.id, Study.settings).order_by(Study.id)).first()
    except OperationalError as exc:
        engine.dispose()
        raise InvalidInput(f"{root}: cannot reach the study database ({exc.orig})") from exc
    except InvalidInput:
        engine.dispose()
        raise
    if row is None:
        engine.dispose()
        raise InvalidInput(f"{root}: the study database holds no study")
    identity = (row.settings or {}).get("identity", {})
    from reverie.services.study.encryption import media_encryption

    # A team (PostgreSQL) study's media are encrypted at rest; a SQLite study served locally is not.
    encrypted = not url.startswith("sqlite") or settings.media_key.exists()
    cipher = media_encryption(settings.media_key) if encrypted else None
    return OpenStudy(root=root, url=url, engine=engine, study_id=row.id, actor=identity.get("initials", "R"),
                     media=MediaStore(settings.media_dir, cipher), manifest=manifest)
