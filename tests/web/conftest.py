"""A small study made through the services, and a TestClient signed in to its workbench."""

from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from reverie.web.app import create_app
from reverie.web.security import LocalAccess

PREFIX = "/s-test-prefix"  # where the workbench lives; a real server picks a random one

# P1's locked interview: the emoji checks UTF-16 → code-point conversion of selections.
# A backslash at the end of a source line continues the same turn: the text has no line break there.
P1_TEXT = """I: Can you tell me about the first time you worked alongside a peer support worker?
P1: It was on the ward, and honestly I did not know what to expect from her at all.
I: What happened?
P1: She asked him whether he had milk at home 🥛 and I thought that is such a little thing, such a silly thing, \
but it was really important to him.
I: Why was it important?
P1: Because nobody else had asked. We were all busy with psychology or tablets.
"""

P2_TEXT = """I: Tell me about your team.
P2: We are a community team of eight and we have had a peer worker for a year.
"""


def silent_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return path


def build_study(root: Path, scratch: Path) -> Path:
    """P1 (locked transcript, recording), P2 (draft transcript), P3 (a planned round-2 interview)."""
    study = studies.init_study(root, title="Peer support study", identity=studies.Identity("Test Researcher", "TR"))
    for code, profession in (("P1", "Occupational Therapist"), ("P2", "Nurse"), ("P3", "Psychiatrist")):
        participants.add_participant(study, code, gender="Female", profession=profession, setting="Community",
                                     years_band="10-15", status="consented")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", duration_min=62,
                             recording=silent_wav(scratch / "p1.wav"))
    interviews.add_interview(study, "P2", 1, held_on="2019-03-08", duration_min=48)
    interviews.add_interview(study, "P3", 2, purpose="member_reflection")
    for code, text in (("P1", P1_TEXT), ("P2", P2_TEXT)):
        path = scratch / f"{code}.txt"
        path.write_text(text, encoding="utf-8")
        transcripts.import_transcript(study, code, 1, path, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1, why="checked against the recording")
    study.close()
    return root


@pytest.fixture(scope="session")
def built_study(tmp_path_factory) -> Path:
    scratch = tmp_path_factory.mktemp("scratch")
    return build_study(tmp_path_factory.mktemp("template") / "study", scratch)


@pytest.fixture
def study_dir(built_study: Path, tmp_path: Path) -> Path:
    """A fresh copy of the study for each test (copying the folder copies the study)."""
    return Path(shutil.copytree(built_study, tmp_path / "study"))


@pytest.fixture
def app(study_dir: Path):
    return create_app(study_dir, LocalAccess(PREFIX))


@pytest.fixture
def anonymous(app):
    """A client that never opened a sign-in link; its paths are relative to the workbench's prefix."""
    with TestClient(app, base_url=f"http://testserver{PREFIX}/", follow_redirects=False) as client:
        yield client


@pytest.fixture
def client(app):
    """A client that opened a one-time link, holds the session cookie and sends its CSRF token on changes."""
    with TestClient(app, base_url=f"http://testserver{PREFIX}/") as client:
        client.get(f"/?once={app.state.access.issue_code()}")
        page = client.get("/")
        client.headers["X-CSRF-Token"] = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
        yield client
