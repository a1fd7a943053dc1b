"""Reading a study in plain SQL: a quick read-only open for commands that only print, and the
study-level reads (participants, Table 1, the citation style) that the services share with it.

Every command used to open its study through the ORM, which costs a command more than half a
second of imports (the models, the audit module, the services they pull in) before it reads a
row. The reads here need none of that: they run ``text()`` SQL on whatever
``study.read()`` yields, an ORM session from an :class:`~reverie.services.study.context.OpenStudy`
(the web, the services) or a Core connection from a :class:`StudyReader` (the CLI's everyday
reads), so both fronts go through the same queries. Modules built on this one keep their imports
as light: no ORM models, no audit, no pydantic.

:func:`open_reader` opens only the common case, a plain local SQLite study on the current
schema; for anything else (an encrypted or team study, one that needs migrating, a missing or
broken database) it returns None and the caller opens the study the normal way, which asks for
the passphrase, migrates, audits or refuses with its own message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Date, text
from sqlalchemy.exc import DBAPIError

from reverie.core.citation import CitationStyle
from reverie.core.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy import Engine


class ReadableStudy(Protocol):
    """What the plain-SQL reads need of a study: an :class:`OpenStudy` and a :class:`StudyReader` both have it."""

    study_id: int

    @property
    def is_sqlite(self) -> bool: ...

    def read(self) -> Any:
        """A context manager yielding something that runs ``text()`` statements (a session or a connection)."""


@dataclass
class StudyReader:
    """A local SQLite study opened read-only through SQLAlchemy Core, for commands that only print."""

    root: Path
    url: str
    engine: Engine
    study_id: int
    is_sqlite: bool = True

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.engine.connect() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()


def read_only_url(db_file: Path) -> str:
    """The URL that opens a SQLite study file without writing to it, nor beside it.

    ``mode=ro``, and ``immutable`` when no other connection holds the file (no ``-wal`` file), so
    that not even SQLite's ``-wal`` and ``-shm`` files are made.
    """
    wal = db_file.with_name(db_file.name + "-wal").exists()
    return f"sqlite:///file:{db_file.resolve()}?mode=ro{'' if wal else '&immutable=1'}&uri=true"


def first_study(connection) -> tuple[int, dict] | None:
    """The study record's id and settings (the one study a database holds), or None when it holds none."""
    row = connection.execute(text("SELECT id, settings FROM studies ORDER BY id LIMIT 1")).first()
    return None if row is None else (row[0], json_value(row[1]) or {})


def open_reader(root: Path | str) -> StudyReader | None:
    """A plain local SQLite study on the current schema, opened to read; None for any other study.

    The manifest is read as every open reads it (its errors are the same); whatever else is not
    the common case is left to the normal open, see the module's docstring.
    """
    from reverie.services.study.context import database_url, read_manifest
    from reverie.store.database import make_engine
    from reverie.store.migrate import current_revision, head_revision

    root = Path(root)
    manifest = read_manifest(root)
    if manifest.encrypted or "://" in manifest.database:
        return None
    db_file = root / manifest.database
    if not db_file.is_file():
        return None
    engine = make_engine(read_only_url(db_file))
    try:
        if current_revision(engine) != head_revision():
            engine.dispose()
            return None
        with engine.connect() as connection:
            study = first_study(connection)
    except DBAPIError:
        engine.dispose()
        return None
    if study is None:
        engine.dispose()
        return None
    return StudyReader(root=root, url=database_url(root, manifest), engine=engine, study_id=study[0])


def json_value(value: Any) -> Any:
    """A JSON column's value as the ORM gives it: SQLite hands back its text, PostgreSQL the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


# --- study-level reads -------------------------------------------------------------------------

def citation_style_in(db, study_id: int) -> CitationStyle:
    """The study's citation style, read in the caller's session or connection."""
    row = db.execute(text("SELECT citation_style FROM studies WHERE id = :id"), {"id": study_id}).first()
    if row is None:
        raise NotFound("the study record is missing")
    return CitationStyle(**(json_value(row[0]) or {}))


def citation_style(study: ReadableStudy) -> CitationStyle:
    """How the study cites lines and extracts (its range style and templates)."""
    with study.read() as db:
        return citation_style_in(db, study.study_id)


def study_title(study: ReadableStudy) -> str:
    """The study's title, for every page's header."""
    with study.read() as db:
        row = db.execute(text("SELECT title FROM studies WHERE id = :id"), {"id": study.study_id}).first()
    if row is None:
        raise NotFound("the study record is missing")
    return row[0]


def participant_id(db, study_id: int, code: str) -> int:
    """The id of participant ``code``; refused naming the participants the study has."""
    found = db.execute(text("SELECT id FROM participants WHERE study_id = :study AND code = :code"),
                       {"study": study_id, "code": code}).first()
    if found is None:
        known = db.execute(text("SELECT code FROM participants WHERE study_id = :study ORDER BY id"),
                           {"study": study_id}).scalars().all()
        raise unknown_participant(code, known)
    return found[0]


def unknown_participant(code: str, known: list[str]) -> NotFound:
    """The error for a participant code the study lacks, listing the codes it has."""
    hint = f" (known: {', '.join(known)})" if known else " (the study has no participants yet)"
    return NotFound(f"no participant {code!r} in this study{hint}")


def unknown_interview(code: str, round_no: int) -> NotFound:
    return NotFound(f"{code} has no round {round_no} interview; add it with `reverie interviews add`")


def interview_id(db, study_id: int, code: str, round_no: int) -> int:
    """The id of ``code``'s round ``round_no`` interview; refused when the participant or the round is missing."""
    person = participant_id(db, study_id, code)
    found = db.execute(text("SELECT id FROM interviews WHERE participant_id = :person AND round = :round"),
                       {"person": person, "round": round_no}).first()
    if found is None:
        raise unknown_interview(code, round_no)
    return found[0]


# --- Table 1 -----------------------------------------------------------------------------------

TABLE_COLUMNS = (
    ("Participant", "code"),
    ("Gender", "gender"),
    ("Profession", "profession"),
    ("Mental health work setting", "setting"),
    ("Years post-qualification experience", "years_band"),
)


@dataclass(frozen=True)
class ParticipantTable:
    """Table 1 of a paper: one row per participant, the columns the reference paper shows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_csv(self) -> str:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()

    def to_markdown(self) -> str:
        def row(cells):
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [row(self.columns), "| " + " | ".join("---" for _ in self.columns) + " |"]
        lines += [row(r) for r in self.rows]
        return "\n".join(lines) + "\n"


def participant_table(study: ReadableStudy, *, include_withdrawn: bool = False) -> ParticipantTable:
    """Table 1: Participant, Gender, Profession, Mental health work setting, Years post-qualification experience.

    A participant who withdrew but let their data be kept is listed, as the report's Table 1 lists
    them; one whose data were removed is listed only with ``include_withdrawn``. Invited and
    declined people never took part and are left out.
    """
    columns = ", ".join(f"p.{attr}" for _, attr in TABLE_COLUMNS)
    # Whether to keep a withdrawn participant's data is what their latest consent record says
    # (a participant with no record keeps it).
    statement = text(f"SELECT {columns}, p.status, (SELECT c.keep_data_collected FROM consent_records c "
                     "WHERE c.participant_id = p.id ORDER BY c.id DESC LIMIT 1) AS keep "
                     "FROM participants p WHERE p.study_id = :study ORDER BY p.id")
    with study.read() as db:
        found = db.execute(statement, {"study": study.study_id}).all()
    rows = []
    for *cells, status, keep in found:
        if status in ("declined", "invited"):
            continue
        if status == "withdrawn" and not include_withdrawn and keep is not None and not keep:
            continue
        rows.append(tuple(str(cell or "") for cell in cells))
    return ParticipantTable(tuple(title for title, _ in TABLE_COLUMNS), tuple(rows))


# --- interviews --------------------------------------------------------------------------------

@dataclass(frozen=True)
class InterviewSummary:
    code: str
    round: int
    purpose: str
    held_on: date | None
    duration_min: float | None
    location_type: str
    status: str
    recordings: int
    transcript_versions: int


def interview_status(has_recording: bool, version_status: str | None, analysed: bool) -> str:
    """One word for where an interview is: planned, recorded, transcribed, locked or analysed."""
    if analysed:
        return "analysed"
    if version_status == "locked":
        return "locked"
    if version_status in ("draft", "verified"):
        return "transcribed"
    return "recorded" if has_recording else "planned"


# One query, counts and the analysed flag as correlated subqueries: the overview page runs it on
# every start-up, and a query per interview would grow with the study. ``held_on`` is typed so
# that SQLite's text comes back as a date, as PostgreSQL's does.
INTERVIEWS = text(
    "SELECT p.code, i.round, i.purpose, i.held_on, i.duration_min, i.location_type, "
    "(SELECT count(r.id) FROM recordings r WHERE r.interview_id = i.id AND r.deleted_at IS NULL) AS recordings, "
    "(SELECT count(v.id) FROM transcript_versions v WHERE v.transcript_id = t.id) AS versions, "
    "cv.status, "
    "CASE WHEN EXISTS (SELECT 1 FROM codings c WHERE c.version_id = cv.id) "
    "OR EXISTS (SELECT 1 FROM extracts e WHERE e.version_id = cv.id) THEN 1 ELSE 0 END AS analysed "
    "FROM participants p JOIN interviews i ON i.participant_id = p.id "
    "LEFT OUTER JOIN transcripts t ON t.interview_id = i.id "
    "LEFT OUTER JOIN transcript_versions cv ON cv.id = t.current_version_id "
    "WHERE p.study_id = :study ORDER BY i.round, p.id"
).columns(held_on=Date)


def list_interviews(study: ReadableStudy) -> list[InterviewSummary]:
    """Every interview, by participant and round, with how far it has come."""
    with study.read() as db:
        rows = db.execute(INTERVIEWS, {"study": study.study_id}).all()
    return [InterviewSummary(code, round_no, purpose, held_on, duration_min, location_type,
                             interview_status(bool(n_recordings), status, bool(is_analysed)), n_recordings, n_versions)
            for (code, round_no, purpose, held_on, duration_min, location_type, n_recordings, n_versions, status,
                 is_analysed) in rows]
