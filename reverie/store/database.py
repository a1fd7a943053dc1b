"""Engines for a study database: SQLite (WAL, one writer, ``BEGIN IMMEDIATE``) or PostgreSQL.

Why the SQLite ceremony: pysqlite's own transaction handling starts transactions lazily and
deferred, so two processes writing the same study (``reverie serve`` and ``reverie transcribe``)
could both read and then fail to upgrade to a write lock ("database is locked"). Taking the
write lock up front with ``BEGIN IMMEDIATE``, with a generous busy timeout, makes writers queue.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("reverie_sqlite_immediate", default=False)

BUSY_TIMEOUT_MS = 30_000


class immediate_transactions:
    """Within this block, SQLite transactions begin with ``BEGIN IMMEDIATE`` (they take the write lock)."""

    def __enter__(self):
        self._token = _immediate.set(True)
        return self

    def __exit__(self, *exc):
        _immediate.reset(self._token)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, creator: Callable[[], Any] | None = None, module: Any = None) -> Engine:
    """An engine for a study database URL; ``creator`` and ``module`` supply SQLCipher connections."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, future=True)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}}
    if creator is not None:
        # SQLCipher connections come from the caller; an explicit pool, as the default crashes with threads.
        kwargs = {"creator": creator, "module": module, "poolclass": QueuePool, "pool_size": 5, "max_overflow": 5}
    engine = create_engine(url, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # On the driver's connection: through ``exec_driver_sql`` the BEGIN cost a short read
        # (a code-frequency table) a tenth of its time.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")
