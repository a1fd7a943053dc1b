"""One PostgreSQL team study, its accounts, and the real ``reverie server`` process serving it.

The study, the users and the server are made once for the whole of tests/team (starting a server and
hashing passwords with Argon2 are the slow parts). The server is the real CLI command,
``python -m reverie.cli server --config team.toml``, run as a subprocess on a free port.

The schema also holds a second study (a second ``studies`` row with its own consultation and
lead), so cross-study requests can be made with real foreign ids.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from reverie.services.analysis import extracts
from reverie.services.involvement import consultations
from reverie.services.study import interviews, participants, studies
from reverie.services.system import members as accounts
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import Study
from tests.conftest import TM

PASSWORD = "correct horse battery staple"
TEXT = """I: Can you tell me about the first time you worked alongside a peer support worker?
{code}: It was on the ward, and honestly I did not know what to expect from her at all.
I: What happened?
{code}: She asked him whether he had milk at home and I thought that is such a little thing.
"""

# username → (role, participant, group); "other-lead" belongs to the second study only.
USERS = {
    "lead": ("lead", None, None), "ana": ("analyst", None, None), "tess": ("transcriber", None, None),
    "audrey": ("auditor", None, None), "rev-p1": ("participant_reviewer", "P1", None),
    "rev-p2": ("participant_reviewer", "P2", None), "ppi-a": ("ppi_member", None, "PPI-A"),
    "ppi-b": ("ppi_member", None, "PPI-B"), "locky": ("analyst", None, None),
}


@dataclass
class Team:
    url: str
    root: Path
    db_url: str
    config: Path
    ids: dict[str, int]


@pytest.fixture(scope="session")
def team_schema(pg_server):
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    plain = pg_server.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield f"{pg_server}?options=-csearch_path%3D{schema},public"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def build_team_study(root: Path, db_url: str) -> dict[str, int]:
    """P1, P2 with locked transcripts and an extract each; member reflections and PPI sessions; accounts."""
    study = studies.init_study(root, title="Peer support team study", database=db_url, identity=TM)
    ids: dict[str, int] = {}
    try:
        for code in ("P1", "P2"):
            participants.add_participant(study, code, gender="Female", profession="Nurse", setting="Community",
                                         years_band="10-15", status="consented")
            interviews.add_interview(study, code, 1, held_on="2019-03-01")
            path = root / f"{code}.txt"
            path.write_text(TEXT.format(code=code), encoding="utf-8")
            transcripts.import_transcript(study, code, 1, path, layout="per-turn")
            path.unlink()
            transcripts.lock_transcript(study, code, 1)
            ids[code] = extracts.add_extract(study, code, 2, 2, why="expectation").id
        for label in ("PPI-A", "PPI-B"):
            consultations.add_ppi_group(study, label, composition_summary="carers")
        for key, kind, who in (("c_p1", "member_reflection", {"participant": "P1"}),
                               ("c_p2", "member_reflection", {"participant": "P2"}),
                               ("c_ppi_a", "ppi_analysis", {"group": "PPI-A"}),
                               ("c_ppi_b", "ppi_analysis", {"group": "PPI-B"})):
            ids[key] = consultations.add_consultation(study, kind, held_on="2019-06-01", **who).id
        for key, handles in (("c_p1", ["E1"]), ("c_p2", ["E2"]), ("c_ppi_a", ["E1", "E2"]), ("c_ppi_b", ["E2"])):
            for handle in handles:
                consultations.show_extract(study, ids[key], handle, with_memo=False)
        ids["response"] = consultations.add_response(study, ids["c_p2"], summary="seen by the team",
                                                     types=["affirm"], target="whole_analysis").id
        for username, (role, participant, group) in USERS.items():
            accounts.add_user(study, username, PASSWORD, role=role, participant=participant, group=group)
        with study.write("test.second_study") as s:
            other = Study(title="Another study", created_by="TM")
            s.add(other)
            s.flush()
        ids["other_study"] = other.id
        elsewhere = replace(study, study_id=other.id)
        consultations.add_ppi_group(elsewhere, "PPI-Z")
        ids["c_foreign"] = consultations.add_consultation(elsewhere, "ppi_analysis", group="PPI-Z").id
        accounts.add_user(elsewhere, "other-lead", PASSWORD, role="lead")
    finally:
        study.close()
    return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(config: Path) -> Iterator[str]:
    """Run ``reverie server --config CONFIG`` as a subprocess until the block ends; yields its URL (no slash)."""
    process = subprocess.Popen([sys.executable, "-m", "reverie.cli", "server", "--config", str(config)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), (url, process.stderr.read() if process.poll() else "")
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "login").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url.rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=10)


def team_config(path: Path, root: Path, extra: str = "") -> Path:
    """A team.toml serving the study at ``root`` on a free port of 127.0.0.1, with ``extra`` settings."""
    path.write_text(f'study = "{root}"\nhost = "127.0.0.1"\nport = {free_port()}\n{extra}', encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def team(tmp_path_factory, team_schema):
    """The running team server (a subprocess) and what the tests need to know about its study."""
    base = tmp_path_factory.mktemp("team")
    root = base / "study"
    ids = build_team_study(root, team_schema)
    config = team_config(base / "team.toml", root)
    with serving(config) as url:
        yield Team(url=url, root=root, db_url=team_schema, config=config, ids=ids)


def login_form_token(client: httpx.Client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


def sign_in(team: Team, username: str, password: str = PASSWORD) -> httpx.Client:
    """A client signed in as ``username``, with its session's CSRF token in ``client.csrf``."""
    client = httpx.Client(base_url=team.url, follow_redirects=False, timeout=20)
    token = login_form_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 303, (username, response.status_code, response.text[:300])
    landing = client.get(response.headers["location"])
    assert landing.status_code == 200
    found = re.search(r'name="(?:(?:reverie-)?csrf(?:-token)?" content|csrf_token" value)="([^"]+)"', landing.text)
    client.csrf = found[1]
    return client


@pytest.fixture(scope="session")
def clients(team):
    """One signed-in client per account of the served study."""
    made = {username: sign_in(team, username) for username in USERS if username != "locky"}
    yield made
    for client in made.values():
        client.close()
