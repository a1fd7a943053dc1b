"""Back a study up into one archive, and restore it into a new folder with its audit chain checked.

An archive is a tar file holding ``reverie-backup.json`` (what is inside, with SHA-256s),
``study.toml``, the database and ``media/``. A SQLite study's database is a consistent copy
made with SQLite's online backup API (it sees WAL content and never blocks writers for long); a
PostgreSQL study's rows are read in one repeatable-read transaction and written as JSON, so the
archive restores onto either backend. Media are content-addressed and never change, so copying
them after the database snapshot is consistent: a file the snapshot names cannot have changed.

Restoring treats the archive as untrusted: every member is checked before anything is unpacked
(:mod:`reverie.formats.archives`: no absolute paths, no ``..``, no links, size caps), only the
expected names, every file checked against its SHA-256; it builds the study in a temporary
folder next to the target and moves it into place only when the audit chain verifies. The
archive itself is written whole or not at all (:func:`reverie.store.files.atomic_write`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, LargeBinary, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from reverie.core.errors import Conflict, InvalidInput
from reverie.formats.archives import ArchiveLimits, tar_members
from reverie.services.study.context import (
    DB_NAME,
    MANIFEST,
    Manifest,
    OpenStudy,
    connect,
    database_url,
)
from reverie.services.study.encryption import MEDIA_KEY_FILE, media_key_path
from reverie.store import audit, migrate
from reverie.store.files import atomic_write, private_workdir, write_file
from reverie.store.models import Base, Recording, Study

FORMAT = 1
INDEX = "reverie-backup.json"
ROWS = "rows.json"
# A long video interview fits in one member, a study's recordings in the whole.
BACKUP_LIMITS = ArchiveLimits(max_members=200_000, max_member_bytes=8 << 30, max_total_bytes=200 << 30)
MAX_INDEX_BYTES = 64 << 20
_MEDIA_NAME = re.compile(r"^media/([0-9a-f]{2})/([0-9a-f]{64})$")


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    database: str
    media_files: int
    bytes: int
    audit_events: int


@dataclass(frozen=True)
class RestoreSummary:
    root: Path
    database: str
    tables: int
    rows: int
    media_files: int
    audit_events: int


def default_archive(study: OpenStudy) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return study.backups / f"study-{stamp}.tar"


def backup_study(study: OpenStudy, output: Path | str | None = None) -> BackupSummary:
    """Write a consistent archive of the study (database, study.toml, media) to ``output``."""
    if study.manifest.encrypted:
        raise InvalidInput("an encrypted study is backed up by copying its folder while nothing runs "
                           "(its database and media are already encrypted)")
    output = Path(output) if output else default_archive(study)
    if output.exists():
        raise Conflict(f"{output}: already exists; choose a new file")
    output.parent.mkdir(parents=True, exist_ok=True)
    # Recorded first, so the archive's own chain shows that it was made.
    study.record("study.backup", target=f"study:{study.study_id}", payload={"file": str(output.resolve())})
    # The snapshot is the whole study in plaintext: a 0700 folder, swept if this process is killed.
    with private_workdir("backup") as work:
        files: dict[str, dict] = {}
        with atomic_write(output) as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
            if study.is_sqlite:
                snapshot = Path(work) / DB_NAME
                migrate.snapshot_sqlite(study.db_path, snapshot)
                _add(tar, files, snapshot, DB_NAME)
                hashes = _recording_hashes_sqlite(snapshot)
                kind = "sqlite"
            else:
                rows = Path(work) / ROWS
                rows.write_bytes(_dump_rows(study))
                _add(tar, files, rows, ROWS)
                recordings = json.loads(rows.read_bytes())["tables"].get("recordings", {})
                hashes = {sha for sha, gone in zip(recordings.get("sha256", []), recordings.get("deleted_at", []))
                          if gone is None}
                kind = "postgresql"
            missing = []
            for sha in sorted(hashes):
                path = study.media.path_for(sha)
                if path.is_file():
                    _add(tar, files, path, f"media/{sha[:2]}/{sha}")
                else:
                    missing.append(sha)
            manifest = Manifest(database=DB_NAME, encrypted=False).dump().encode()
            add_bytes(tar, files, manifest, MANIFEST)
            media_encrypted = study.media.cipher is not None
            if media_encrypted:
                # The media stay encrypted in the archive; the key travels with it so a restore can read
                # them, which makes the archive as sensitive as the study folder itself.
                _add(tar, files, media_key_path(study.root, study.manifest), MEDIA_KEY_FILE)
            # The chain is signed with this key: without it the restored study could not verify.
            _add(tar, files, study.root / audit.KEY_FILE, audit.KEY_FILE)
            with study.read() as s:
                events = audit.verify(s, study.study_id, study.audit_key).events
            index = {"format": FORMAT, "made_at": datetime.now(UTC).isoformat(), "database": kind,
                     "media_encrypted": media_encrypted,
                     "schema": migrate.head_revision(), "files": files, "missing_media": missing, "purged": [],
                     "audit_events": events}
            add_bytes(tar, {}, json.dumps(index, indent=1, sort_keys=True).encode(), INDEX)
    size = sum(f["size"] for f in files.values())
    return BackupSummary(output, kind, sum(1 for n in files if n.startswith("media/")), size, events)


def _recording_hashes_sqlite(db: Path) -> set[str]:
    connection = sqlite3.connect(db)
    try:
        return {row[0] for row in connection.execute("SELECT sha256 FROM recordings WHERE deleted_at IS NULL")}
    finally:
        connection.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _add(tar: tarfile.TarFile, files: dict, path: Path, name: str) -> None:
    files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def add_bytes(tar: tarfile.TarFile, files: dict, data: bytes, name: str) -> None:
    files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- rows as JSON (PostgreSQL studies) --------------------------------------------------------

def _dump_rows(study: OpenStudy) -> bytes:
    """Every table's rows, column by column, read in one snapshot so they agree with each other."""
    tables: dict[str, dict[str, list]] = {}
    with study.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            for table in Base.metadata.sorted_tables:
                rows = connection.execute(select(table)).mappings().all()
                tables[table.name] = {c.name: [_to_json(row[c.name]) for row in rows] for c in table.columns}
    return json.dumps({"format": FORMAT, "tables": tables}, separators=(",", ":"), default=str).encode()


def _to_json(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _from_json(column, value):
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _load_rows(engine, data: dict) -> tuple[int, int]:
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InvalidInput("the archive's rows.json has no tables")
    known = {t.name: t for t in Base.metadata.sorted_tables}
    unknown = set(tables) - set(known)
    if unknown:
        raise InvalidInput(f"the archive holds unknown tables: {', '.join(sorted(unknown))}")
    count = 0
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in Base.metadata.sorted_tables:
            columns = tables.get(table.name) or {}
            names = [c for c in columns if c in table.columns]
            length = len(columns[names[0]]) if names else 0
            if any(len(columns[n]) != length for n in names):
                raise InvalidInput(f"rows.json: table {table.name} has columns of different lengths")
            rows = [{n: _from_json(table.columns[n], columns[n][i]) for n in names} for i in range(length)]
            if rows:
                connection.execute(insert(table), rows)
                count += len(rows)
            if engine.dialect.name == "postgresql" and "id" in table.columns and rows:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"(SELECT MAX(id) FROM {table.name}))"))
    return len(tables), count


# --- restore ---------------------------------------------------------------------------------

def _safe_members(tar: tarfile.TarFile, where: str) -> list[tarfile.TarInfo]:
    """The archive's plain files, once every member has been checked and only expected names are found."""
    members = []
    for member in tar_members(tar, where, BACKUP_LIMITS):
        if member.isdir():
            continue
        if (member.name not in (DB_NAME, ROWS, MANIFEST, INDEX, MEDIA_KEY_FILE, audit.KEY_FILE)
                and not _MEDIA_NAME.match(member.name)):
            raise InvalidInput(f"Refused {where}: it holds an unexpected file, {member.name!r}.")
        members.append(member)
    return members


def read_index(archive: Path) -> dict:
    with tarfile.open(archive, "r:") as tar:
        member = next((m for m in _safe_members(tar, archive.name) if m.name == INDEX), None)
        if member is None or member.size > MAX_INDEX_BYTES:
            raise InvalidInput(f"{archive}: not a Reverie backup (no {INDEX})")
        return json.loads(tar.extractfile(member).read())


def restore_study(archive: Path | str, target: Path | str, *, database: str | None = None) -> RestoreSummary:
    """Rebuild a study from an archive into a new folder (``database``: a PostgreSQL URL instead of study.db)."""
    archive, target = Path(archive), Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(f"{target}: exists and is not empty; restore into a new folder")
    if not archive.is_file():
        raise InvalidInput(f"{archive}: no such archive")
    try:
        index = read_index(archive)
    except (tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{archive}: not a readable Reverie backup ({exc})") from exc
    if index.get("format") != FORMAT or not isinstance(index.get("files"), dict):
        raise InvalidInput(f"{archive}: unsupported backup format {index.get('format')!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))
    try:
        summary = _restore_into(archive, index, staging, database)
        _reapply_purges(staging, index.get("purged", []))
        if target.exists():
            target.rmdir()
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreSummary(target, *summary)


def _reapply_purges(root: Path, purged: list[str]) -> None:
    """Recordings deleted by retention after this archive was made stay deleted when it is restored."""
    if not purged:
        return
    from reverie.services.study.studies import open_study

    study = open_study(root)
    try:
        with study.write("retention.reapply", target=f"study:{study.study_id}", payload={"sha256": purged}) as s:
            for recording in s.execute(select(Recording).where(Recording.sha256.in_(purged),
                                                               Recording.deleted_at.is_(None))).scalars():
                recording.deleted_at = datetime.now(UTC).replace(tzinfo=None)
    finally:
        study.close()


def _restore_into(archive: Path, index: dict, root: Path, database: str | None) -> tuple:
    files = index["files"]
    (root / "media").mkdir()
    (root / "backups").mkdir()
    with tarfile.open(archive, "r:") as tar:
        for member in _safe_members(tar, archive.name):
            if member.name == INDEX:
                continue
            expected = files.get(member.name)
            if expected is None:
                raise InvalidInput(f"{member.name} is in the archive but not in its index")
            dest = root / member.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with tar.extractfile(member) as src, dest.open("wb") as out:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
            if member.name in (MEDIA_KEY_FILE, audit.KEY_FILE):
                dest.chmod(0o600)
            # Plain media are named by their content's hash; encrypted ones by the hash before encryption.
            media = None if index.get("media_encrypted") else _MEDIA_NAME.match(member.name)
            if digest.hexdigest() != expected["sha256"] or (media and media.group(2) != expected["sha256"]):
                raise InvalidInput(f"{member.name} does not match its checksum: the archive is damaged")
    absent = [name for name in files if not (root / name).is_file()]
    if absent:
        raise InvalidInput(f"the archive lacks {len(absent)} file(s) its index lists, e.g. {absent[0]}")
    manifest = Manifest(database=database or DB_NAME)
    write_file(root / MANIFEST, manifest.dump().encode("utf-8"))
    url = database_url(root, manifest)
    engine = connect(url)
    try:
        if index["database"] == "sqlite":
            if database:
                raise InvalidInput("a SQLite backup restores into study.db; restore it, then move it to a server")
            migrate.ensure_current(engine, db_path=root / DB_NAME, backups=root / "backups")
            tables, rows = len(Base.metadata.tables), None
        else:
            data = json.loads((root / ROWS).read_bytes())
            (root / ROWS).unlink()
            if not url.startswith("sqlite") and migrate.current_revision(engine) is not None:
                raise Conflict(f"{database}: already holds a study; restore into an empty database or schema")
            migrate.upgrade(engine, index.get("schema") or "head")
            tables, rows = _load_rows(engine, data)
            migrate.ensure_current(engine, db_path=None, backups=None)
        return _verify(engine, index, root, url, tables, rows)
    except SQLAlchemyError as exc:
        raise InvalidInput(f"the archive's database could not be restored ({exc})") from exc
    finally:
        engine.dispose()


def _verify(engine, index: dict, root: Path, url: str, tables: int, rows: int | None) -> tuple:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        study_id = session.execute(select(Study.id).order_by(Study.id)).scalar()
        if study_id is None:
            raise InvalidInput("the archive's database holds no study")
        # An archive made before audit keys carries none: its chain is checked the old way and signed now.
        audit.reanchor(session, study_id, root / audit.KEY_FILE, actor="reverie")
        session.commit()
        check = audit.verify(session, study_id, audit.read_key(root / audit.KEY_FILE))
        if not check.ok:
            raise InvalidInput(f"the restored audit chain does not verify: {check.reason}")
        if rows is None:
            rows = sum(session.execute(select(text("count(*)")).select_from(t)).scalar()
                       for t in Base.metadata.sorted_tables)
        live = set(session.execute(select(Recording.sha256).where(Recording.deleted_at.is_(None))).scalars())
    purged = set(index.get("purged", [])) | set(index.get("missing_media", []))
    lost = sorted(sha for sha in live - purged if not (root / "media" / sha[:2] / sha).is_file())
    if lost:
        raise InvalidInput(f"the archive lacks the recording {lost[0][:12]}… that its database names")
    media = sum(1 for _ in (root / "media").glob("??/*"))
    return ("sqlite" if url.startswith("sqlite") else "postgresql", tables, rows, media, check.events)
