"""Shared fixtures: a real study folder on SQLite, and on the real PostgreSQL server.

PostgreSQL tests get a schema of their own per test (the server is shared and never assumed
empty); when no server answers they skip, except in CI where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from reverie.services.study.studies import Identity, init_study

PG_URL = os.environ.get("REVERIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TM = Identity(name="Tom Moore", initials="TM")


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
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} in CI")
        pytest.skip("no PostgreSQL server on this machine")
    return PG_URL


@pytest.fixture
def pg_schema_url(pg_server):
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    plain = pg_server.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield f"{pg_server}?options=-csearch_path%3D{schema},public"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def make_study(tmp_path, backend, request):
    """A factory for empty studies on the parametrised backend."""
    opened = []

    def make(name: str = "study", title: str = "Test study"):
        database = request.getfixturevalue("pg_schema_url") if backend == "postgresql" else None
        study = init_study(tmp_path / name, title=title, database=database, identity=TM)
        opened.append(study)
        return study

    yield make
    for study in opened:
        study.close()


@pytest.fixture
def study(make_study):
    return make_study()


@pytest.fixture
def sqlite_study(tmp_path):
    study = init_study(tmp_path / "study", title="Test study", identity=TM)
    yield study
    study.close()


INTERVIEW_TEXT = """I: Can you tell me about a time when working with a peer support worker felt valuable?
P1: I remember once a… peer said to a service user that she would need milk at home. It was such a little thing, really important though, and none of us had thought of it.
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


@pytest.fixture
def populated(study, transcript_file):
    """A study with P1 (round 1 transcribed and locked) and P2 (no interview yet)."""
    from reverie.services.study import interviews, participants
    from reverie.services.transcripts import versions as transcripts

    participants.add_participant(study, "P1", gender="F", profession="Occupational Therapist", setting="Acute Care",
                                 years_band=">15", recruitment_channel="email")
    participants.add_participant(study, "P2", gender="F", profession="Psychologist", setting="Community",
                                 years_band=">15", recruitment_channel="email")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", duration_min=62, location_type="workplace")
    transcripts.import_transcript(study, "P1", 1, transcript_file, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1)
    return study
