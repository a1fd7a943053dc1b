"""Browser tests: the real ``reverie serve`` on a free port, driven by Debian's Chromium.

Without Chromium these tests skip on a developer's machine but FAIL in CI (CI=true), so a CI
image that lost its browser cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from tests.team.conftest import team, team_schema  # noqa: F401 - fixtures: test_team_browser.py signs in to this server
from tests.web.conftest import silent_wav

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BIG_LINES = 20_000

# A backslash at the end of a source line continues the same turn: the text has no line break there.
P1_TEXT = """I: Can you tell me about the first time you worked alongside a peer support worker?
P1: It was on the ward, and honestly I did not know what to expect from her at all.
I: What happened?
P1: She asked him whether he had milk at home 🥛 and I thought that is such a little thing, such a silly thing, \
but it was really important to him.
I: Why was it important?
P1: Because nobody else had asked. We were all busy with psychology or tablets.
"""


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
                                "browser tests must run in CI")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


def build_study(root: Path, scratch: Path) -> Path:
    """P1: a short locked interview with a recording; P2: a locked 20,000-line interview."""
    study = studies.init_study(root, title="Peer support study", identity=studies.Identity("Test Researcher", "TR"))
    participants.add_participant(study, "P1", gender="Female", profession="Occupational Therapist",
                                 setting="Community", years_band="10-15", status="consented")
    participants.add_participant(study, "P2", gender="Male", profession="Nurse", setting="Inpatient",
                                 years_band="5-10", status="consented")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", duration_min=62,
                             recording=silent_wav(scratch / "p1.wav", 2.0))
    interviews.add_interview(study, "P2", 1, held_on="2019-03-08", duration_min=80)
    small = scratch / "p1.txt"
    small.write_text(P1_TEXT, encoding="utf-8")
    big = scratch / "p2.txt"
    big.write_text("".join(f"{'I' if n % 2 else 'P2'}: turn {n} about the ward and the team\n"
                           for n in range(BIG_LINES)), encoding="utf-8")
    for code, path in (("P1", small), ("P2", big)):
        transcripts.import_transcript(study, code, 1, path, layout="fixed-width", width=60)
        transcripts.lock_transcript(study, code, 1, why="checked against the recording")
    study.close()
    return root


@pytest.fixture(scope="session")
def big_transcript_lines() -> int:
    """How many turns P2's transcript has (each a line or more)."""
    return BIG_LINES


@pytest.fixture(scope="session")
def study_template(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("e2e") / "study", tmp_path_factory.mktemp("e2e-scratch"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reverie_command() -> list[str]:
    script = Path(sys.executable).with_name("reverie")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reverie.cli"]


@pytest.fixture
def server(study_template: Path, tmp_path: Path):
    """The real CLI server on a fresh copy of the study; yields the URL it printed first."""
    study_dir = shutil.copytree(study_template, tmp_path / "study")
    process = subprocess.Popen([*reverie_command(), "serve", str(study_dir), "--port", str(free_port()),
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().strip()
        if not first.startswith("http://127.0.0.1:"):
            process.kill()
            raise AssertionError(f"serve printed {first!r} first; stderr: {process.stderr.read()}")
        yield first
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def script_errors(page) -> list[str]:
    """The page's uncaught script errors and console errors, gathered as it runs (the test asserts none).

    A 4xx or 5xx answer logs "Failed to load resource" in the console; the workbench shows those
    answers on purpose (a refusal, a validation message), so they are not script errors.
    """
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text} ({message.location})")

    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", console)
    return errors


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = script_errors(page)
    page.goto(server)
    yield page
    context.close()
    assert not errors, "the page's scripts failed:\n" + "\n".join(errors)


# --- tests/e2e/test_whole_study.py: the files a researcher brings, made here so the test calls no service ---

WHOLE_P1 = [
    ("I", "Can you tell me about the first time you worked alongside a peer support worker?"),
    ("P1", "It was on the ward, and honestly I did not know what to expect from her at all."),
    ("I", "What happened?"),
    ("P1", "She asked him whether he had milk at home and I thought that is such a little thing, "
           "such a silly thing, but it was really important to him."),
    ("I", "Why was it important?"),
    ("P1", "Because nobody else had asked. We were all busy with the risk forms and the medication."),
]
WHOLE_P2 = """I: Tell me about your team.
P2: We are a community team of eight, and we have had a peer worker for a year now.
I: What has changed?
P2: People talk about home more. The peer worker asks about milk and bills and the dog.
"""


@pytest.fixture
def researcher_files(tmp_path: Path) -> dict[str, Path]:
    """P1's interview as Word (one paragraph a turn, as a transcription service sends it) and P2's as text."""
    from docx import Document

    folder = tmp_path / "from the transcriber"
    folder.mkdir()
    document = Document()
    for speaker, words in WHOLE_P1:
        document.add_paragraph(f"{speaker}: {words}")
    document.save(folder / "P1 interview.docx")
    (folder / "P2 interview.txt").write_text(WHOLE_P2, encoding="utf-8")
    return {"P1": folder / "P1 interview.docx", "P2": folder / "P2 interview.txt"}


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "peer-study"
    folder.mkdir()
    return folder


@pytest.fixture
def new_study_page(browser, empty_folder: Path):
    """`reverie serve` on an empty folder, and a page that opened the link it printed (the New study page)."""
    process = subprocess.Popen([*reverie_command(), "serve", str(empty_folder), "--port", str(free_port()),
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    context = browser.new_context(accept_downloads=True)
    try:
        link = process.stdout.readline().strip()
        assert link.startswith("http://127.0.0.1:"), f"serve printed {link!r} first; stderr: {process.stderr.read()}"
        assert process.stdout.readline().startswith("Each link opens the workbench once")
        assert "holds no study yet" in process.stdout.readline()
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = script_errors(page)
        page.goto(link)
        yield page
        assert not errors, "the page's scripts failed:\n" + "\n".join(errors)
    finally:
        context.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- tests/e2e/test_reference_study.py: the reference study's transcripts as files a researcher uploads ---

REFERENCE_TRANSCRIPTS = ("P1", "P2", "P3", "P4")  # P5 is in Table 1 but never quoted


@pytest.fixture
def reference_transcripts(tmp_path: Path) -> dict[str, Path]:
    """Plain-text round-1 transcripts with their own line numbers ("978  P1: I remember once a…"), so the
    paper's cited lines exist when they are imported keeping those numbers; the text around the extracts
    is generated (tests/fixtures/reference_study.py), only the data is written here."""
    from tests.fixtures.reference_study import LENGTHS, PASSAGES, numbered_transcript

    folder = tmp_path / "reference transcripts"
    folder.mkdir()
    files = {}
    for seed, code in enumerate(REFERENCE_TRANSCRIPTS, 1):
        files[code] = folder / f"{code} round 1.txt"
        files[code].write_text(numbered_transcript(code, LENGTHS[code], PASSAGES[code], seed=seed), encoding="utf-8")
    return files
