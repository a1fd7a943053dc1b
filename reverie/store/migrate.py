"""Bring a study database to the current schema, backing up a SQLite study file first.

Every command opens a study, so the check that it is current is one plain query against
:data:`HEAD`; Alembic (a quarter of a second to import) is loaded only when a migration runs.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from reverie.store.files import private_file, private_folder

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0007"
"""The newest revision in ``migrations/versions`` (a test checks it is Alembic's head)."""


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return HEAD


def alembic_head() -> str:
    """The head as Alembic finds it from the migration scripts (what :data:`HEAD` must equal)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database no migration has run on."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no alembic_version table yet
            return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run migrations up to ``revision`` in one transaction on the given engine."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def backup_sqlite(db_path: Path, backups: Path, label: str) -> Path:
    """Copy a live SQLite file consistently (the online backup API sees WAL content too)."""
    private_folder(backups)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"study-{label}-{stamp}.db"
    snapshot_sqlite(db_path, target)
    return target


def snapshot_sqlite(db_path: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file, through the online backup API."""
    source = sqlite3.connect(db_path)
    try:
        private_file(target)  # a copy of the study is as private as the study
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()


def ensure_current(engine: Engine, *, db_path: Path | None, backups: Path | None) -> Path | None:
    """Run pending migrations; for a SQLite study, back the file up first. Returns the backup path."""
    current = current_revision(engine)
    if current == head_revision():
        return None
    backup = None
    if current is not None and db_path is not None and backups is not None:
        backup = backup_sqlite(db_path, backups, f"before-migration-from-{current}")
    upgrade(engine)
    return backup
