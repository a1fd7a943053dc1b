"""Reverie's own records inside a ``.qdpx``, so a study survives a round trip through a file whole.

The REFI-QDA part of an archive carries what every tool understands; it cannot carry extracts
with their history, memo versions, the reflexive log's parts and affect, consultations, line
layouts, prosody, recordings or study facts. So an export also writes a ``reverie/`` folder, which
other tools leave alone:

- ``reverie/manifest.json``: the format name and version, the Reverie version, the SHA-256 of the
  ``project.qde`` written beside it, the tables with their row counts, and the recordings held;
- ``reverie/tables/<table>.jsonl``: JSON lines; the first names the columns, ``["key", column,
  ...]``, and each further line holds up to 2,000 rows, each an array of its values in that
  order, in the order the rows were made (version 1 wrote ``{"key": GUID, "row": {column:
  value}}`` per row; it still imports). A row's key is its ``guid`` column when it has one,
  else, for a row that other rows point at, a GUID derived from its content (so the same study
  gives the same keys in every export); rows nothing points at (transcript lines, turns, words)
  have no key, and their header starts with their first column. Integer ids are left out, and
  every foreign key (and every ``{"kind", "id"}`` reference inside a decision or a line map) is
  written as the key of the row it points at;
- ``reverie/media/<sha256>``: the bytes of each recording still held (REFI-QDA allows media in
  the archive).

Every table is carried except the audit log, jobs, and accounts and their memberships: those
belong to the study folder where they happened. Import writes the rows into a new study in one
transaction; the new study's audit log records the import with the archive's SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

import reverie
from reverie.core.errors import InvalidInput
from reverie.formats.archives import SafeZip
from reverie.formats.refi.writer import ZIP_LEVEL
from reverie.store.files import private_workdir
from reverie.store.models import Base, ResearcherProfile

FORMAT = "reverie-study"
#: Bumped when a table or column changes meaning; import refuses a newer version it cannot read.
FORMAT_VERSION = 2
PREFIX = "reverie/"
MANIFEST_MEMBER = f"{PREFIX}manifest.json"
#: What stays with the study folder: the audit log, jobs, and accounts with their memberships.
NOT_CARRIED = frozenset({"audit_events", "audit_words", "audit_heads", "jobs", "job_chunks", "users",
                         "memberships"})
#: The table each kind of ``{"kind": ..., "id": ...}`` reference points into.
REF_KINDS = {
    "log_entry": "reflexive_entries", "response": "responses", "memo": "memos", "memo_version": "memo_versions",
    "consultation": "consultations", "extract": "extracts", "decision": "decisions", "code": "codes",
    "annotation": "annotations", "coding": "codings",
}
#: JSON columns that hold lists of such references.
REF_COLUMNS = {("decisions", "target_refs"), ("decisions", "evidence_refs"), ("line_maps", "report")}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEYS = uuid.UUID("6f1d1c64-5b5e-4f0e-9a53-7e0d3c1b2a90")  # namespace of derived row keys


def carried_tables() -> list[Table]:
    """The tables an archive carries, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_CARRIED]


def _foreign_keys(table: Table) -> dict[str, str]:
    """column → the table it points at."""
    return {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}


def _deferred(table: Table) -> set[str]:
    """Columns filled after every row exists: keys closing a cycle (a transcript's current version)."""
    return {fk.parent.name for fk in table.foreign_keys if fk.use_alter or fk.constraint.use_alter}


def _id_column(table: Table) -> str | None:
    keys = list(table.primary_key.columns)
    return keys[0].name if len(keys) == 1 and keys[0].name == "id" else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _typed(table: Table, column: str, value: Any) -> Any:
    """A value read from an archive as the column stores it; ValueError when it cannot be one."""
    if value is None:
        return None
    kind = table.columns[column].type
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime | Date):
        if not isinstance(value, str):
            raise ValueError("not a date or time")
        return datetime.fromisoformat(value) if isinstance(kind, DateTime) else date.fromisoformat(value)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise ValueError("not true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not a whole number")
        return value
    if isinstance(kind, Float | Numeric):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("not a number")
        return value
    if isinstance(kind, String) and not isinstance(value, str):
        raise ValueError("not text")
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- export ---------------------------------------------------------------------------------

@dataclass
class StudyRecords:
    """What an export needs before it writes any row: every referenced row's key, and the media.

    Rows themselves are not held: :func:`add_records` reads each table again and writes it
    straight into the archive, so a study of a million transcript lines exports in bounded memory.
    """

    keys: dict[str, dict[Any, str]] = field(default_factory=lambda: defaultdict(dict))  # table → id → key
    counts: dict[str, int] = field(default_factory=dict)
    media: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def _referenced(tables: list[Table]) -> set[str]:
    """Tables some carried row points at (a foreign key or a ``{"kind", "id"}`` reference)."""
    return ({fk.column.table.name for table in tables for fk in table.foreign_keys}
            | set(REF_KINDS.values()) | {"studies"})


def _stream(session, table: Table):
    """The table's rows in the order they were made, fetched in batches rather than all at once."""
    order = list(table.primary_key.columns)
    return session.execute(select(table).order_by(*order).execution_options(yield_per=5000)).mappings()


def _ordinal_keys(table: Table):
    """GUID-shaped keys for rows with an empty ``guid`` that nothing points at: the table's own
    prefix and the row's place, unique in the table and in order."""
    prefix = str(uuid.uuid5(_KEYS, table.name))[:24]
    return (f"{prefix}{number:012x}" for number in range(1, 1 << 48))


def collect_records(session) -> StudyRecords:
    """The keys of every row another row points at (ids replaced by keys inside them), and the media."""
    tables = carried_tables()
    referenced = _referenced(tables)
    records = StudyRecords()
    keys = records.keys
    # Keys in table order, parents before children, so a child's key can name its parents'.
    for table in tables:
        if table.name not in referenced or _id_column(table) is None:
            continue
        if "guid" in table.columns:  # keys without reading the rows (codings carry large selectors)
            pairs = session.execute(select(table.c.id, table.c.guid).order_by(table.c.id)).all()
            if all(guid for _, guid in pairs):
                keys[table.name].update(pairs)
                continue
        fks, deferred, id_column = _foreign_keys(table), _deferred(table), _id_column(table)
        seen: dict[str, int] = defaultdict(int)
        for row in _stream(session, table):
            if "guid" in table.columns and row.get("guid"):
                key = row["guid"]
            elif table.name == "studies":
                key = str(uuid.uuid5(_KEYS, "study"))
            else:
                content = {}
                for column, value in row.items():
                    if column == id_column or column in deferred or (table.name, column) in REF_COLUMNS:
                        continue
                    if column in fks and value is not None:
                        value = keys[fks[column]].get(value)  # a later row of the same table: left out
                    content[column] = _plain(value)
                digest = _canonical([table.name, content])
                seen[digest] += 1
                key = str(uuid.uuid5(_KEYS, f"{digest}\x1f{seen[digest]}"))
            if id_column:
                keys[table.name][row[id_column]] = key
    held = {sha256 for sha256, deleted in session.execute(select(
        Base.metadata.tables["recordings"].c.sha256, Base.metadata.tables["recordings"].c.deleted_at))
        if sha256 and deleted is None}
    for (settings,) in session.execute(select(Base.metadata.tables["studies"].c.settings)):
        sources = ((settings or {}).get("refi") or {}).get("sources") or {}  # rich text an imported file brought
        held |= {kept["rich_text"]["sha256"] for kept in sources.values()
                 if isinstance(kept, dict) and (kept.get("rich_text") or {}).get("sha256")}
    records.media = sorted(held)
    return records


#: One encoder for every archive line: ``json.dumps`` would build a new one per row.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


#: Rows per line of a table member: one ``encode`` call per row would cost as much as the rows.
BATCH = 2000


def _table_lines(session, table: Table, records: StudyRecords, referenced: set[str]):
    """The table's member, line by line: its column names, then its rows, ids replaced by keys.

    Rows come as plain tuples and are written as arrays in the header's order, :data:`BATCH` to
    a line, and each column's handling is decided once per table, not per row: a large study
    carries over a million transcript lines. Counts the rows into ``records``.
    """
    names = [column.name for column in table.columns]
    at = {name: index for index, name in enumerate(names)}
    fks, id_column = _foreign_keys(table), _id_column(table)
    foreign = [(at[column], records.keys[target], column) for column, target in fks.items()]
    dated = [at[c.name] for c in table.columns if isinstance(c.type, DateTime | Date)]
    references = [(at[c.name], c.name) for c in table.columns if (table.name, c.name) in REF_COLUMNS]
    settings = at["settings"] if table.name == "studies" else None
    id_at = at[id_column] if id_column else None
    guid_at = at.get("guid")
    own = records.keys[table.name] if table.name in referenced and id_column else None
    keyed = guid_at is not None or own is not None  # rows nothing points at need no key
    ordinal = _ordinal_keys(table)
    yield _ENCODE([*(["key"] if keyed else []), *(name for name in names if name != id_column)]) + "\n"
    count = 0
    batch: list[list[Any]] = []
    for row in session.execute(select(table).order_by(*table.primary_key.columns).execution_options(yield_per=5000)):
        values = list(row)
        if not keyed:
            key = None
        elif guid_at is not None and values[guid_at]:
            key = values[guid_at]
        elif own is not None:
            key = own[values[id_at]]
        else:
            key = next(ordinal)
        for index, target_keys, column in foreign:
            value = values[index]
            if value is not None:
                found = target_keys.get(value)
                if found is None:
                    records.unresolved.append(f"{table.name}.{column} = {value}")
                values[index] = found
        for index, column in references:
            values[index] = _refs_out(values[index], records.keys, records.unresolved, f"{table.name}.{column}")
        if settings is not None:
            values[settings] = _settings_out(values[settings], records.keys)
        for index in dated:
            if values[index] is not None:
                values[index] = values[index].isoformat()
        if id_at is not None:
            del values[id_at]
        if keyed:
            values.insert(0, key)
        batch.append(values)
        if len(batch) == BATCH:
            yield _ENCODE(batch) + "\n"
            count += len(batch)
            batch = []
    if batch:
        yield _ENCODE(batch) + "\n"
        count += len(batch)
    records.counts[table.name] = count


def _refs_out(value: Any, keys: dict[str, dict[Any, str]], unresolved: list[str], where: str) -> Any:
    if not isinstance(value, list):
        return value
    out = []
    for ref in value:
        if isinstance(ref, dict) and ref.get("kind") in REF_KINDS and isinstance(ref.get("id"), int):
            target = keys[REF_KINDS[ref["kind"]]].get(ref["id"])
            if target is None:
                unresolved.append(f"{where}: {ref['kind']} {ref['id']}")
            else:
                ref = {**ref, "id": target}
        out.append(ref)
    return out


def _settings_out(value: Any, keys: dict[str, dict[Any, str]]) -> Any:
    """The study settings with the REFI block's participant and transcript ids as keys."""
    refi = (value or {}).get("refi") if isinstance(value, dict) else None
    if not isinstance(refi, dict):
        return value
    refi = dict(refi)
    for name, table in (("cases", "participants"), ("sources", "transcripts")):
        if isinstance(refi.get(name), dict):
            refi[name] = {keys[table].get(int(k), k) if str(k).isdigit() else k: v
                          for k, v in refi[name].items()}
    return {**value, "refi": refi}


def _table_member(name: str) -> str:
    return f"{PREFIX}tables/{name}.jsonl"


def _media_member(sha256: str) -> str:
    return f"{PREFIX}media/{sha256}"


def add_records(standard: bytes, session, records: StudyRecords, media) -> bytes:
    """The archive: ``standard`` as it is, with ``reverie/`` appended to it.

    The standard members are not compressed again. Each table is read from ``session`` and
    compressed into its member as it is read.
    """
    tables = carried_tables()
    referenced = _referenced(tables)
    out = io.BytesIO(standard)
    with zipfile.ZipFile(out, "a") as archive:
        stamp = archive.infolist()[0].date_time if archive.infolist() else (1980, 1, 1, 0, 0, 0)
        qde = archive.read("project.qde")

        def entry(name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = ZIP_LEVEL  # what ``ZipFile.open(info, "w")`` compresses at
            info.external_attr = 0o644 << 16
            return info

        held = []
        for sha256 in records.media:
            try:
                with archive.open(entry(_media_member(sha256)), "w", force_zip64=True) as handle:
                    for block in media.read(sha256):
                        handle.write(block)
                held.append(sha256)
            except InvalidInput:  # the record says held, the file is gone: say so in the manifest
                records.unresolved.append(f"recording {sha256} is missing from the media folder")
        for table in tables:
            with archive.open(entry(_table_member(table.name)), "w", force_zip64=True) as handle:
                for line in _table_lines(session, table, records, referenced):
                    handle.write(line.encode("utf-8"))
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "reverie": reverie.__version__,
            "project_sha256": hashlib.sha256(qde).hexdigest(),
            "tables": dict(records.counts),
            "media": held, "unresolved": records.unresolved,
        }
        archive.writestr(entry(MANIFEST_MEMBER), json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CarriedPart:
    """The ``reverie/`` part of an archive, read and checked."""

    manifest: dict[str, Any]
    tables: dict[str, list[tuple[str, dict[str, Any]]]]


def read_part(archive: SafeZip, where: str) -> tuple[CarriedPart | None, list[str]]:
    """The archive's Reverie part, or None with the reason it is not used (None, [] if it has none)."""
    if archive.find(MANIFEST_MEMBER) is None:
        return None, []
    try:
        manifest = json.loads(archive.read(MANIFEST_MEMBER))
    except ValueError as error:
        return None, [f"{MANIFEST_MEMBER} is not JSON ({error}); read the REFI-QDA part only."]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, [f"{MANIFEST_MEMBER} is not Reverie's; read the REFI-QDA part only."]
    if not isinstance(manifest.get("version"), int) or manifest["version"] > FORMAT_VERSION:
        return None, [f"{where} holds Reverie records in format version {manifest.get('version')}, newer than "
                      f"this Reverie reads ({FORMAT_VERSION}); read the REFI-QDA part only. Update Reverie to "
                      "import them."]
    qde = archive.find("project.qde")
    if qde is None or hashlib.sha256(archive.read(qde)).hexdigest() != manifest.get("project_sha256"):
        return None, ["The project was changed after Reverie wrote it (its project.qde is not the one Reverie's "
                      "records were written with): read the REFI-QDA part only, and left out Reverie's records."]
    known = {table.name for table in carried_tables()}
    tables: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name in manifest.get("tables", {}):
        if name not in known:
            raise InvalidInput(f"Cannot import {where}: its Reverie records hold an unknown table {name!r}.")
        member = archive.find(_table_member(name))
        if member is None:
            raise InvalidInput(f"Cannot import {where}: {_table_member(name)} is missing.")
        rows = _rows(archive.read(member).decode("utf-8").splitlines(), manifest["version"], where, member)
        if len(rows) != manifest["tables"][name]:
            raise InvalidInput(f"Cannot import {where}: {member} holds {len(rows)} rows, the manifest says "
                               f"{manifest['tables'][name]}.")
        tables[name] = rows
    return CarriedPart(manifest, tables), []


def _rows(lines: list[str], version: int, where: str, member: str) -> list[tuple[str, dict[str, Any]]]:
    """A table member's records as (key, {column: value}); a row written without a key gets its place.

    Version 2 writes a header of column names (``key`` first, unless nothing points at the
    table's rows), then lines of rows, each row an array in the header's order; version 1 wrote
    one ``{"key": ..., "row": {...}}`` per line, and archives made then still import.
    """
    rows = []
    columns: list[str] | None = None
    keyed = False
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
            if version < 2:
                rows.append((str(item["key"]), dict(item["row"])))
            elif columns is None:
                if not (isinstance(item, list) and item and all(isinstance(column, str) for column in item)):
                    raise ValueError
                keyed = item[0] == "key"
                columns = item[1:] if keyed else item
            else:
                for row in item:
                    if not isinstance(row, list) or len(row) != len(columns) + keyed:
                        raise ValueError
                    key = str(row[0]) if keyed else f"#{len(rows) + 1}"
                    rows.append((key, dict(zip(columns, row[1:] if keyed else row, strict=True))))
        except (ValueError, KeyError, TypeError):
            what = "a header of column names" if version >= 2 and number == 1 else "a line of records"
            raise InvalidInput(f"Cannot import {where}: {member} line {number} is not {what}.") from None
    return rows


def restore_records(session, study, part: CarriedPart, archive: SafeZip, where: str) -> dict[str, int]:
    """Write the carried rows into the fresh study open in ``session``; returns rows per table.

    The study row and the researcher made with the new study give way to the archive's. A record
    the study's rules refuse (a CHECK, a duplicate) refuses the import, naming the table.
    """
    try:
        return _restore(session, study, part, archive, where)
    except IntegrityError as error:
        raise InvalidInput(f"Cannot import {where}: Reverie's records break a rule of the study "
                           f"({error.orig}).") from None


def _restore(session, study, part: CarriedPart, archive: SafeZip, where: str) -> dict[str, int]:
    ids: dict[str, dict[str, Any]] = defaultdict(dict)  # table → key → new id
    later: list[tuple[Table, Any, dict[str, Any]]] = []  # (table, id, columns) to fill once all exist
    session.execute(delete(ResearcherProfile).where(ResearcherProfile.study_id == study.study_id))
    counts = {}
    for table in carried_tables():
        rows = part.tables.get(table.name, [])
        counts[table.name] = len(rows)
        fks, id_column = _foreign_keys(table), _id_column(table)
        deferred = _deferred(table)
        unknown = next((c for _, row in rows for c in row if c not in table.columns), None)
        if unknown:
            raise InvalidInput(f"Cannot import {where}: table {table.name} has no column {unknown!r}.")
        for key, row in rows:
            values, fill = {}, {}
            for column, value in row.items():
                if column in fks and value is not None:
                    target = ids[fks[column]].get(value)
                    if target is None and fks[column] != table.name and column not in deferred:
                        # Parents are all written before their children: this one is not there.
                        raise InvalidInput(f"Cannot import {where}: {table.name}.{column} points at a "
                                           f"{fks[column]} row the archive does not hold.")
                    if target is None or column in deferred:
                        fill[column] = (fks[column], value)
                        values[column] = None
                        continue
                    value = target
                elif (table.name, column) in REF_COLUMNS or (table.name, column) == ("studies", "settings"):
                    fill[column] = (None, value)
                    continue
                try:
                    values[column] = _typed(table, column, value)
                except ValueError as error:
                    raise InvalidInput(f"Cannot import {where}: {table.name} record {key} has {column} "
                                       f"{value!r}, {error}.") from None
            if table.name == "studies":
                session.execute(update(table).where(table.c.id == study.study_id).values(**values))
                new_id = study.study_id
            elif id_column:
                new_id = session.execute(insert(table).values(**values)).inserted_primary_key[0]
            else:
                session.execute(insert(table).values(**values))
                new_id = None
            if id_column:
                ids[table.name][key] = new_id
            if fill:
                if new_id is None:
                    raise InvalidInput(f"Cannot import {where}: a {table.name} row points at a row not yet made.")
                later.append((table, new_id, fill))
    for table, new_id, fill in later:
        values = {}
        for column, (target_table, value) in fill.items():
            if target_table is not None:
                if value not in ids[target_table]:
                    raise InvalidInput(f"Cannot import {where}: {table.name}.{column} points at a "
                                       f"{target_table} row the archive does not hold.")
                values[column] = ids[target_table][value]
            elif column == "settings":
                values[column] = _settings_in(value, ids)
            else:
                values[column] = _refs_in(value, ids)
        session.execute(update(table).where(table.c.id == new_id).values(**values))
    _restore_media(study, part, archive, where, session)
    return {name: count for name, count in counts.items() if count}


def _refs_in(value: Any, ids: dict[str, dict[str, Any]]) -> Any:
    if not isinstance(value, list):
        return value
    return [{**ref, "id": ids[REF_KINDS[ref["kind"]]].get(ref["id"], ref["id"])}
            if isinstance(ref, dict) and ref.get("kind") in REF_KINDS and isinstance(ref.get("id"), str) else ref
            for ref in value]


def _settings_in(value: Any, ids: dict[str, dict[str, Any]]) -> Any:
    refi = (value or {}).get("refi") if isinstance(value, dict) else None
    if not isinstance(refi, dict):
        return value
    refi = dict(refi)
    for name, table in (("cases", "participants"), ("sources", "transcripts")):
        if isinstance(refi.get(name), dict):
            refi[name] = {str(ids[table].get(k, k)): v for k, v in refi[name].items()}
    return {**value, "refi": refi}


def _restore_media(study, part: CarriedPart, archive: SafeZip, where: str, session) -> None:
    for sha256 in part.manifest.get("media", []):
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise InvalidInput(f"Cannot import {where}: its manifest lists media {sha256!r}, not a SHA-256.")
        member = archive.find(_media_member(sha256))
        if member is None:
            raise InvalidInput(f"Cannot import {where}: recording {sha256} is listed but not in the archive.")
        with private_workdir("refi-media") as work:
            plain = Path(work) / "recording"
            plain.write_bytes(archive.read(member))
            with study.media.stage(plain) as staged:
                if staged.sha256 != sha256:
                    raise InvalidInput(f"Cannot import {where}: {member} does not hold the bytes its name says.")
                staged.commit_with(session)


