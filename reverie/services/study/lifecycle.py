"""Opening a study to read without writing a byte, and sweeping what killed processes left behind.

A normal open may write: it runs pending migrations (after a backup), finishes or undoes
recordings a crash left half-stored, marks interrupted jobs failed and removes leftover ``.part``
files. A read-only open (``reverie interviews list``, ``jobs list``, ``search`` and the other
commands that only print) does none of that: a study on a read-only disk, or one an auditor was
given to inspect, is left exactly as it was, file times included. SQLite is opened ``mode=ro``,
and ``immutable`` when no other connection holds it (no ``-wal`` file), so that not even SQLite's
``-wal`` and ``-shm`` files are made.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import OperationalError

from reverie.core.errors import InvalidInput
from reverie.services.study.context import OpenStudy, connect, database_url, media_store, read_manifest
from reverie.services.study.reading import first_study, read_only_url
from reverie.store import migrate
from reverie.store.leftovers import sweep_parts

# Folders of a study where outputs are written through ``.part`` files (media sweeps its own).
PART_FOLDERS = ("", "exports", "backups")


def open_read_only(root: Path | str, *, passphrase: str | None = None) -> OpenStudy:
    """Open a study for reading only: no migration, recovery or sweep, and nothing written."""
    root = Path(root)
    manifest = read_manifest(root)
    url = database_url(root, manifest)
    db_file = root / manifest.database
    if url.startswith("sqlite") and not db_file.is_file():
        raise InvalidInput(f"{root}: not a Reverie study ({manifest.database} is missing)")
    creator = dbapi_module = cipher = None
    if manifest.encrypted:
        from reverie.services.study.encryption import unlock

        unlocked = unlock(root, passphrase)
        creator, dbapi_module, cipher = unlocked.creator, unlocked.module, unlocked.cipher
    else:
        from reverie.services.study.encryption import study_media_cipher

        cipher = study_media_cipher(root, manifest, url)
    engine_url = read_only_url(db_file) if url.startswith("sqlite") and creator is None else url
    engine = connect(engine_url, creator, dbapi_module)
    study_id, actor = study_on_current_schema(
        root, engine, stale="the study needs upgrading to this version of Reverie before it can be read; run "
                            "a command that changes it (or `reverie serve`) once")
    return OpenStudy(root=root, url=url, engine=engine, study_id=study_id, actor=actor,
                     media=media_store(root, cipher), manifest=manifest)


def study_on_current_schema(root: Path, engine, *, stale: str) -> tuple[int, str]:
    """The study's id and its researcher's initials, from a database that must not be migrated here.

    Read-only opens and workers never migrate (a server or a writing command does, after a
    backup), so a schema that is not current stops them with ``stale`` instead. The engine is
    disposed of when the study cannot be read.
    """
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            raise InvalidInput(f"{root}: {stale}")
        with engine.connect() as connection:
            row = first_study(connection)
    except OperationalError as exc:
        engine.dispose()
        raise InvalidInput(f"{root}: cannot reach the study database ({exc.orig})") from exc
    except InvalidInput:
        engine.dispose()
        raise
    if row is None:
        engine.dispose()
        raise InvalidInput(f"{root}: the study database holds no study")
    study_id, settings = row
    return study_id, settings.get("identity", {}).get("initials", "R")


def sweep_leftovers(study: OpenStudy) -> dict[str, list]:
    """Mark interrupted jobs failed and remove ``.part`` files whose writers are gone.

    Runs at every writable open; a live process's jobs and files are left alone.
    """
    from reverie.services.system.job_reading import sweep_interrupted_jobs

    parts = [path for name in PART_FOLDERS if (study.root / name).is_dir()
             for path in sweep_parts(study.root / name)]
    return {"jobs": sweep_interrupted_jobs(study), "parts": parts}
