"""Shared fixtures: a real study folder on SQLite, and on the real PostgreSQL server.

Migrating a schema is the slow part of making a study, so each kind of study is made once per
test session (a template) and every test gets a copy of it: on SQLite a copy of the study folder
(copying the folder copies the study), on PostgreSQL a database made with ``CREATE DATABASE …
TEMPLATE`` plus a copy of the folder pointing at it. Both are as real as a study made by
``init_study``: the same files, the same migrated schema, the same study record and audit chain.

Service tests run on SQLite. Tests marked ``both_backends`` run on PostgreSQL as well: those
where the backend matters (search, locking, jobs, backend-specific SQL, backup and restore).
PostgreSQL tests skip when no server answers, except in CI where a missing server is a failure.
The server is shared and never assumed empty: every database or schema made here has a unique
name and is dropped afterwards.

Tests needing something ``scripts/install`` installs (espeak-ng, sox, the hibari voice, the
Whisper and spaCy model packages, the speech and crypto libraries) use ``require`` and
``require_tool``: a skip on a machine without it, a failure in CI. A missing ../shared folder
stays a skip: it is absent outside this workplace.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from reverie.services.study.context import MANIFEST, OpenStudy, read_manifest
from reverie.services.study.studies import Identity, init_study, open_study

PG_URL = os.environ.get("REVERIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TM = Identity(name="Tom Moore", initials="TM")
BOTH_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_configure(config):
    # Team studies made by the tests keep their media keys (outside the study folder) here, not in
    # the user's ~/.config; the servers and commands the tests start inherit it.
    keys = tempfile.mkdtemp(prefix="reverie-test-keys-")
    os.environ.setdefault("REVERIE_KEY_DIR", keys)
    config.add_cleanup(lambda: shutil.rmtree(keys, ignore_errors=True))
    config.addinivalue_line(
        "markers", "both_backends: the test's study runs on SQLite and on PostgreSQL, because the backend "
                   "matters to it (search, locking, jobs, backend-specific SQL); other tests use SQLite only")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", BOTH_BACKENDS, indirect=True)


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def missing(reason: str) -> NoReturn:
    """Skip for something ``scripts/install`` installs, or fail in CI, where it must be there."""
    if in_ci():
        pytest.fail(f"{reason}; CI runs scripts/install, so it must be there", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str, reason: str | None = None) -> ModuleType:
    """``pytest.importorskip`` for a package the project installs (a model package, a speech
    library): a skip on a machine without it, a failure in CI."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing(reason or f"could not import {module!r}: {exc}")


def require_tool(command: str, install: str = "") -> str:
    """The path of a program the project installs (espeak-ng, sox); a skip without it, a failure in CI."""
    path = shutil.which(command)
    if path is None:
        missing(f"{command} is not installed" + (f" ({install})" if install else ""))
    return path


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a clean skip when this machine has no shared folder."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available on this machine")
    return path


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server():
    if not _pg_available():
        if in_ci():
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} in CI")
        pytest.skip("no PostgreSQL server on this machine")
    return PG_URL


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(statement)


def _pg_database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def unique_name(prefix: str) -> str:
    """A database or schema name no other test run on the shared server uses."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pg_schema_url(pg_server):
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped after the test."""
    schema = unique_name("t")
    _pg_admin(f"CREATE SCHEMA {schema}")
    yield f"{pg_server}?options=-csearch_path%3D{schema},public"
    _pg_admin(f"DROP SCHEMA {schema} CASCADE")


Build = Callable[[Path, "str | None"], "OpenStudy | Path"]


def empty_study(title: str = "Test study") -> Build:
    """A builder for an empty study, made by ``init_study`` as ``reverie init`` makes one."""
    return lambda place, database: init_study(place / "study", title=title, database=database, identity=TM)


class StudyTemplates:
    """Studies made once per test session, handed to each test as a copy of its own.

    A template is made the first time its key is asked for, by ``build(place, database)``: it
    makes a study anywhere inside the empty folder ``place`` (scratch files too) and returns it
    (open or closed: its folder). ``database`` is ``None`` for SQLite, or the URL of an empty
    PostgreSQL database that then serves as the template database. Templates are closed once
    built, so a SQLite file is whole (its WAL checkpointed) before anything copies it, and nobody
    is connected to a template database when ``CREATE DATABASE … TEMPLATE`` copies it.
    """

    def __init__(self, base: Path):
        self.base = base
        self._made: dict[tuple[str, str], tuple[Path, str | None]] = {}
        self._databases: list[str] = []  # every one made, built or not, to drop at the end
        self._dropper: ThreadPoolExecutor | None = None
        self._drops: list[Future] = []

    def template(self, key: str, build: Build, backend: str = "sqlite") -> tuple[Path, str | None]:
        """The template's folder, and its database on PostgreSQL."""
        slot = (backend, key)
        if slot not in self._made:
            place = Path(tempfile.mkdtemp(prefix="template-", dir=self.base))
            name = url = None
            if backend == "postgresql":
                name = unique_name("reverie_template")
                _pg_admin(f"CREATE DATABASE {name}")
                self._databases.append(name)
                url = _pg_database_url(name)
            made = build(place, url)
            if isinstance(made, OpenStudy):
                made.close()
                made = made.root
            self._made[slot] = (Path(made), name)
        return self._made[slot]

    def copy(self, key: str, build: Build, target: Path, backend: str = "sqlite") -> tuple[Path, str | None]:
        """A copy of the template at ``target``: its folder, and on PostgreSQL a database of its own.

        The folder is copied whole (a team study's media key included, as copying a study folder
        would); its manifest then names the new database. The caller drops that database.
        """
        folder, template_db = self.template(key, build, backend)
        if template_db is None:
            return Path(shutil.copytree(folder, target)), None
        name = unique_name("t")
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template_db}")
        try:
            shutil.copytree(folder, target)
            manifest = dataclasses.replace(read_manifest(target), database=_pg_database_url(name))
            (target / MANIFEST).write_text(manifest.dump(), encoding="utf-8")
        except BaseException:
            drop_database(name)
            raise
        return target, name

    def drop_later(self, name: str) -> None:
        """Drop a test's database while the next tests run: a drop waits for a checkpoint."""
        if self._dropper is None:
            self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
        self._drops.append(self._dropper.submit(drop_database, name))

    def drop_databases(self) -> None:
        """Drop every database made here (at the end of the session); a failed drop fails loudly."""
        if self._dropper is not None:
            self._dropper.shutdown(wait=True)
        while self._databases:
            drop_database(self._databases.pop())
        for drop in self._drops:
            drop.result()


def drop_database(name: str) -> None:
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def reference_study(place: Path, _database: str | None) -> OpenStudy:
    """A builder for the reference study (METHOD.md §11), the biggest study the tests use."""
    from tests.fixtures.reference_study import build_reference_study

    return build_reference_study(place)


def open_copy(templates: StudyTemplates, key: str, build: Build, target: Path) -> OpenStudy:
    """A copy of a SQLite template study, opened; for fixtures wider than one test (the caller closes it)."""
    root, _ = templates.copy(key, build, target)
    return open_study(root)


@pytest.fixture(scope="session")
def study_templates(tmp_path_factory):
    templates = StudyTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_databases()


@pytest.fixture
def backend(request):
    """The study's database: SQLite, or both SQLite and PostgreSQL for tests marked ``both_backends``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def study_copy(study_templates, tmp_path, request):
    """A factory for a test's own copy of a template study, opened (or closed, ``folder_only``).

    ``study_copy(key, build)`` builds the template once per session and copies it for this test;
    everything opened or created here is closed and dropped after the test.
    """
    opened: list[OpenStudy] = []
    databases: list[str] = []

    def copy(key: str, build: Build, *, name: str = "study", backend: str = "sqlite", folder_only: bool = False):
        if backend == "postgresql":
            request.getfixturevalue("pg_server")
        root, database = study_templates.copy(key, build, tmp_path / name, backend)
        if database is not None:
            databases.append(database)
        if folder_only:
            return root
        study = open_study(root)
        opened.append(study)
        return study

    yield copy
    for study in opened:
        study.close()
    for database in databases:
        study_templates.drop_later(database)


@pytest.fixture
def make_study(study_copy, backend):
    """A factory for empty studies on the test's backend."""

    def make(name: str = "study", title: str = "Test study") -> OpenStudy:
        return study_copy(f"empty:{title}", empty_study(title), name=name, backend=backend)

    return make


@pytest.fixture
def study(make_study):
    return make_study()


@pytest.fixture
def sqlite_study(study_copy):
    return study_copy("empty:Test study", empty_study())


# A backslash at the end of a source line continues the same turn: the text has no line break there.
INTERVIEW_TEXT = """I: Can you tell me about a time when working with a peer support worker felt valuable?
P1: I remember once a… peer said to a service user that she would need milk at home. It was such a little thing, \
really important though, and none of us had thought of it.
I: Mm.
P1: As a professional it was kind of i-i-it (laughs) humbling. The café on the ward had milk, but home did not.
I: What happened next?
P1: We talked about it in the team, and the peer's voice was heard in a way that mine was not.
"""


@pytest.fixture
def transcript_file(tmp_path) -> Path:
    path = tmp_path / "p1-round1.txt"
    path.write_text(INTERVIEW_TEXT, encoding="utf-8")
    return path


def _populate(place: Path, database: str | None) -> OpenStudy:
    from reverie.services.study import interviews, participants
    from reverie.services.transcripts import versions as transcripts

    study = init_study(place / "study", title="Test study", database=database, identity=TM)
    participants.add_participant(study, "P1", gender="F", profession="Occupational Therapist", setting="Acute Care",
                                 years_band=">15", recruitment_channel="email")
    participants.add_participant(study, "P2", gender="F", profession="Psychologist", setting="Community",
                                 years_band=">15", recruitment_channel="email")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", duration_min=62, location_type="workplace")
    source = place / "p1-round1.txt"
    source.write_text(INTERVIEW_TEXT, encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, source, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1)
    return study


@pytest.fixture
def populated(study_copy, backend):
    """A study with P1 (round 1 transcribed and locked) and P2 (no interview yet)."""
    return study_copy("populated", _populate, backend=backend)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run: Playwright's sync API allows one running instance per thread,
    so the browser tests of every folder share this one."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
