"""``team.toml``: the settings of a team server and its workers, as one validated model.

:class:`TeamSettings` holds every setting with its default and its help text, and
``docs/settings.md`` is generated from it (``scripts/settings-docs``). Values that would be
unsafe or would quietly misbehave are refused at start-up with a message naming the setting and
the file: a Redis server on another machine without a password, a password in a file others can
read, a worker heartbeat so short that a busy worker looks dead and its chunk runs twice.

Environment variables override the file: ``REVERIE_PORT=8001``, and ``REVERIE_WORKER__PROCESSES=4``
for the ``[worker]`` table. Relative paths are relative to the settings file's folder.

Only the team server and its workers import this module, so everyday commands never pay for
pydantic-settings.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import stat
import tomllib
from contextlib import suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from reverie.core.errors import InvalidInput
from reverie.services.study.context import (
    OpenStudy,
    connect,
    database_url,
    read_manifest,
)
from reverie.services.study.lifecycle import study_on_current_schema
from reverie.store.media import MediaStore

# How often an idle worker polls Redis (ms); its heartbeat rides on these polls.
POLL_MS = 1000

ENV_PREFIX = "REVERIE_"
ENV_NESTING = "__"

EXAMPLE = """\
study = "/srv/reverie/study"                 # the study folder (study.toml names its database)
database = "postgresql://reverie@db/study"   # optional: how this machine reaches the database
media = "/mnt/shared/reverie-media"          # optional: where this machine sees the media folder
redis = "redis://:secret@queue.internal:6379/0"
host = "127.0.0.1"
port = 8000
trusted_proxies = ["127.0.0.1"]               # optional: the reverse proxy whose X-Forwarded-For counts

[worker]
processes = 2
chunk_time_limit_s = 300
"""

# The settings file being read, while it is read: its folder anchors relative paths.
_reading: ContextVar[Path | None] = ContextVar("reverie_settings_file", default=None)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}, not {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string, not {value!r}")
    return value


def _folder(value: Any) -> Path | None:
    if value is None:
        return None
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string naming a folder or file, not {value!r}")
    reading = _reading.get()
    base = reading.parent if reading is not None else Path.cwd()
    return (base / Path(value).expanduser()).resolve()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _proxy(value: str) -> str:
    """One trusted proxy as an address or a network; "*" or a /0 network would trust every client."""
    try:
        found = ipaddress.ip_network(value.strip()) if "/" in value else ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or a network such as 10.1.0.0/24 (host names are "
                         "not accepted: a proxy is named by the address it connects from)") from None
    if isinstance(found, (ipaddress.IPv4Network, ipaddress.IPv6Network)) and found.prefixlen == 0:
        raise ValueError(f"{value!r} would trust every address, letting any client choose the address it is "
                         "counted as; name the proxies themselves")
    return str(found)


class WorkerSettings(BaseModel):
    """The ``[worker]`` table: how `reverie worker` runs chunks on this machine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    processes: int = Field(1, description="Worker processes `reverie worker` starts on this machine, 1-64 "
                                          "(one per 2 CPU cores suits Whisper).")
    threads: int = Field(1, description="Chunks each worker process runs at once, 1-32 "
                                        "(1: recognition already uses several cores).")
    chunk_time_limit_s: float = Field(300, description="Seconds a chunk may run before it is stopped and retried, "
                                                       "10-3600 (a chunk is a few minutes of audio).")
    max_retries: int = Field(3, description="Times a failed chunk is retried automatically before it is left "
                                            "for `retry`, 0-10.")
    min_backoff_s: float = Field(1, description="Seconds before the first automatic retry, doubling each time "
                                                "(above 0, at most max_backoff_s).")
    max_backoff_s: float = Field(10, description="Longest wait between automatic retries, in seconds (at most 600).")
    heartbeat_timeout_s: float = Field(10, description="Seconds without a heartbeat after which a worker counts "
                                                       "as dead and its chunk is handed out again, "
                                                       f"{3 * POLL_MS // 1000}-600.")
    recovery_check_chance: float = Field(0.2, description="Share of Redis calls (above 0, at most 1) that also look "
                                                          "for dead workers' chunks; higher recovers sooner.")
    dead_message_ttl_s: float = Field(3 * 24 * 3600, description="Seconds that chunks which failed every retry stay "
                                                                 "in Redis for inspection (a minute to 30 days).")

    @field_validator("processes", mode="before")
    @classmethod
    def _processes(cls, value: Any) -> int:
        return _whole(value, 1, 64)

    @field_validator("threads", mode="before")
    @classmethod
    def _threads(cls, value: Any) -> int:
        return _whole(value, 1, 32)

    @field_validator("max_retries", mode="before")
    @classmethod
    def _retries(cls, value: Any) -> int:
        return _whole(value, 0, 10)

    @field_validator("chunk_time_limit_s", "min_backoff_s", "max_backoff_s", "heartbeat_timeout_s",
                     "recovery_check_chance", "dead_message_ttl_s", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> float:
        return _number(value)

    @field_validator("chunk_time_limit_s")
    @classmethod
    def _chunk_time(cls, value: float) -> float:
        if not 10 <= value <= 3600:
            raise ValueError("must be 10-3600 s: a chunk is a few minutes of audio, and a stuck chunk should be "
                             "stopped and retried, not hold a worker for hours")
        return value

    @field_validator("heartbeat_timeout_s")
    @classmethod
    def _heartbeat(cls, value: float) -> float:
        if not 3 * POLL_MS / 1000 <= value <= 600:
            raise ValueError(f"must be {3 * POLL_MS // 1000}-600 s: shorter, and a live worker between two polls "
                             "looks dead, so its chunk runs twice")
        return value

    @field_validator("recovery_check_chance")
    @classmethod
    def _chance(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError("must be above 0 and at most 1")
        return value

    @field_validator("dead_message_ttl_s")
    @classmethod
    def _dead_ttl(cls, value: float) -> float:
        if not 60 <= value <= 30 * 24 * 3600:
            raise ValueError("must be between a minute and 30 days")
        return value

    @model_validator(mode="after")
    def _backoff(self) -> WorkerSettings:
        if not 0 < self.min_backoff_s <= self.max_backoff_s <= 600:
            raise ValueError("backoff must satisfy 0 < min_backoff_s <= max_backoff_s <= 600")
        return self


class TeamSettings(BaseSettings):
    """Everything a team server and its workers need to know, from ``team.toml`` and ``REVERIE_*``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_NESTING, extra="forbid",
                                      frozen=True)

    study: Path = Field(description="The study folder; its study.toml names the database (study.db or a "
                                    "PostgreSQL URL).")
    database: str | None = Field(None, description="How this machine reaches the study's database, when not as "
                                                   "study.toml says (a postgresql:// URL).")
    media: Path | None = Field(None, description="Where this machine sees the study's media folder, when not "
                                                 "media/ in the study folder (shared storage).")
    media_key_file: Path | None = Field(None, description="The key that encrypts the study's media at rest, when "
                                                          "not where study.toml's media_key names it (new studies "
                                                          "keep it outside the study folder, in "
                                                          "~/.config/reverie/keys; older ones in media.key in the "
                                                          "study folder). Keep it 0600.")
    redis: str = Field("redis://127.0.0.1:6379/0", description="The Redis server that carries jobs to workers "
                       "(redis://, rediss:// or unix://); one on another machine must require a password.")
    namespace: str = Field("reverie", description="Prefix of every Redis key this deployment uses, so studies "
                           "sharing a Redis never mix jobs (letters, digits, '-', '_', '.').")
    host: str = Field("127.0.0.1", description="Address the web server binds; 127.0.0.1 unless a reverse proxy "
                      "on another machine forwards to it (then cookies are Secure).")
    port: int = Field(8000, description="Port the web server listens on (1024-65535).")
    trusted_proxies: tuple[str, ...] = Field((), description="Addresses or networks (CIDR) of the reverse proxies "
                                             "whose X-Forwarded-For and X-Forwarded-Proto the server believes; from "
                                             "anyone else they are ignored, so a client cannot choose the address "
                                             "its failed sign-ins count against (e.g. [\"127.0.0.1\"] for a proxy "
                                             "on this machine).")
    media_limit_bytes: int = Field(4 << 30, description="The largest recording (bytes) a request may upload; "
                                   "it is streamed to disk and refused (413) past this. Every other request body "
                                   "is refused past 10 MB. Default 4 GiB, as in local mode.")
    worker: WorkerSettings = Field(default_factory=WorkerSettings, description="The [worker] table: how "
                                   "`reverie worker` runs chunks on this machine.")

    _source: Path | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments beat REVERIE_* variables, which beat the file; no .env and no secrets folder.
        reading = _reading.get()
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, _Environment(settings_cls, env_settings))
        if reading is not None:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=reading),)
        return sources

    def model_post_init(self, context: Any) -> None:
        self._source = _reading.get()

    @field_validator("study", "media", "media_key_file", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Path | None:
        return _folder(value)

    @field_validator("redis", "namespace", "host", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> str:
        return _text(value)

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any) -> str | None:
        if value is not None and not (isinstance(value, str)
                                      and value.startswith(("postgresql://", "postgresql+psycopg://"))):
            raise ValueError("must be a postgresql:// URL; a SQLite study is named by its folder (`study`)")
        return value

    @field_validator("media_limit_bytes", mode="before")
    @classmethod
    def _media_limit(cls, value: Any) -> int:
        return _whole(value, 1 << 20, 1 << 40)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 65535:
            raise ValueError(f"must be between 1024 and 65535, not {value!r}")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> tuple[str, ...]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"must be a list of addresses or networks such as [\"10.0.0.5\", \"10.1.0.0/24\"], "
                             f"not {value!r}")
        return tuple(_proxy(item) for item in value)

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not value.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError(f"{value!r}: use letters, digits, '-', '_' or '.'")
        return value

    @field_validator("redis")
    @classmethod
    def _redis(cls, value: str) -> str:
        redis = urlsplit(value)
        if redis.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"must be a redis://, rediss:// or unix:// URL, not {value!r}")
        if redis.scheme != "unix" and not _is_loopback(redis.hostname or "") and not redis.password:
            raise ValueError(f"at {redis.hostname} has no password: a Redis reachable from other machines "
                             "must require one (redis://:PASSWORD@host:6379/0)")
        return value

    @property
    def source(self) -> Path | None:
        """The settings file these were read from (None when made in code)."""
        return self._source

    @property
    def names_redis(self) -> bool:
        """Whether the file or REVERIE_REDIS names a Redis server (then jobs go to workers)."""
        return "redis" in self.model_fields_set

    @property
    def media_dir(self) -> Path:
        return self.media or self.study / "media"

    @property
    def media_key(self) -> Path:
        from reverie.services.study.encryption import media_key_path

        return self.media_key_file or media_key_path(self.study, read_manifest(self.study))


class _Environment(PydanticBaseSettingsSource):
    """``REVERIE_*`` variables, their numbers read as numbers (as TOML reads them).

    Variables are always text; reading numbers here lets the model still refuse a quoted number
    in ``team.toml``.
    """

    def __init__(self, settings_cls: type[BaseSettings], variables: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._variables = variables

    def get_field_value(self, field, field_name):  # the values come whole from __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _numbers_read(self._variables(), self.settings_cls)


def _numbers_read(values: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    read = {}
    for name, value in values.items():
        field = model.model_fields.get(name)
        kind = field.annotation if field is not None else None
        if isinstance(value, dict) and isinstance(kind, type) and issubclass(kind, BaseModel):
            value = _numbers_read(value, kind)
        elif isinstance(value, str) and kind in (int, float):
            with suppress(ValueError):
                value = kind(value)
        read[name] = value
    return read


def load_settings(path: Path | str) -> TeamSettings:
    """Read and check a ``team.toml``, with ``REVERIE_*`` variables overriding it.

    Raises InvalidInput naming the file and the setting when a value is missing, unknown or unsafe.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise InvalidInput(f"{path}: no such settings file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: not valid TOML ({exc})") from exc
    token = _reading.set(path.resolve())
    try:
        settings = TeamSettings()
    except ValidationError as exc:
        raise InvalidInput(explain(exc, path)) from None
    finally:
        _reading.reset(token)
    if _holds_secret(data):
        _refuse_readable_by_others(path)
    return settings


def explain(error: ValidationError, path: Path | str | None = None) -> str:
    """One line per refused value, each naming the file, the setting and what is wrong."""
    where = f"{path}: " if path is not None else ""
    return "; ".join(where + _problem(problem) for problem in error.errors(include_url=False))


def _problem(problem: dict) -> str:
    loc = tuple(str(part) for part in problem["loc"])
    name = ".".join(loc)
    variable = _variable_for(loc)
    named = f"{name} (from {variable})" if variable else name
    kind = problem["type"]
    if kind == "value_error":
        message = str(problem["ctx"]["error"])
        return f"{named} {message}" if name else message
    if kind == "missing":
        return f"`{name}` is required ({_field(loc).description})"
    if kind == "extra_forbidden":
        known = sorted(_model(loc[:-1]).model_fields)
        return f"unknown setting {named} (known: {', '.join(known)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"[{name}] must be a table"
    return f"{named}: {problem['msg']}"


def _model(loc: tuple[str, ...]) -> type[BaseModel]:
    model: type[BaseModel] = TeamSettings
    for part in loc:
        model = model.model_fields[part].annotation
    return model


def _field(loc: tuple[str, ...]):
    return _model(loc[:-1]).model_fields[loc[-1]]


def _variable_for(loc: tuple[str, ...]) -> str | None:
    """The REVERIE_* variable that set this value, when one did."""
    if not loc:
        return None
    wanted = (ENV_PREFIX + ENV_NESTING.join(loc)).upper()
    return next((name for name in os.environ if name.upper() == wanted), None)


def _holds_secret(data: dict) -> bool:
    return any(isinstance(data.get(name), str) and urlsplit(data[name]).password for name in ("redis", "database"))


def _refuse_readable_by_others(path: Path) -> None:
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(f"{path} holds a password but others can read it; run `chmod 600 {path}`")


# --- the reference in docs/settings.md ---------------------------------------------------------

def settings_reference() -> str:
    """docs/settings.md: every setting with its default, its variable and its help, from the model."""
    lines = [
        "# Settings",
        "",
        "`reverie server --config team.toml` and `reverie worker --config team.toml` read one TOML file.",
        "Relative paths in it are relative to the file's folder. Environment variables override it:",
        f"`{ENV_PREFIX}<SETTING>`, and `{ENV_PREFIX}WORKER{ENV_NESTING}<SETTING>` for the `[worker]` table.",
        "Unsafe values are refused at start-up with a message naming the setting and the file, and a file",
        "holding a password must be readable by its owner only (`chmod 600 team.toml`).",
        "",
        "This page is generated from `reverie/services/system/config.py` by `scripts/settings-docs`.",
        "",
        "```toml",
        EXAMPLE.rstrip("\n"),
        "```",
        "",
        "| setting | default | environment variable | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for loc, field in _documented_fields():
        name = ".".join(loc)
        default = "required" if field.is_required() else _shown(field.get_default(call_default_factory=True))
        variable = (ENV_PREFIX + ENV_NESTING.join(loc)).upper()
        if _is_table(field):
            variable += ENV_NESTING + "<SETTING>"
        lines.append(f"| `{name}` | {default} | `{variable}` | {(field.description or '').replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _documented_fields():
    """Every setting a user can set, as (location, field); tables are expanded into their settings."""
    for name, field in TeamSettings.model_fields.items():
        if _is_table(field):
            yield (name,), field
            for inner, inner_field in field.annotation.model_fields.items():
                yield (name, inner), inner_field
        else:
            yield (name,), field


def _is_table(field) -> bool:
    return isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "table"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


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
    study_id, actor = study_on_current_schema(
        root, engine, stale="the database schema is not current; open the study once with `reverie` on the "
                            "server to migrate it, then start the workers")
    from reverie.services.study.encryption import media_encryption

    # A team (PostgreSQL) study's media are encrypted at rest; a SQLite study served locally is not.
    encrypted = not url.startswith("sqlite") or settings.media_key.exists()
    cipher = media_encryption(settings.media_key) if encrypted else None
    return OpenStudy(root=root, url=url, engine=engine, study_id=study_id, actor=actor,
                     media=MediaStore(settings.media_dir, cipher), manifest=manifest)
