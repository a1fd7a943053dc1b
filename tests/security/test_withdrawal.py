"""A participant who withdraws with --remove-data is gone from the study, not hidden from one screen.

Issue 13, point 11: before, ``participants withdraw --remove-data`` only set a flag, and the
transcript, search hits and recording stayed readable. Here the real ``reverie serve`` is running
while the real ``reverie participants withdraw`` runs in another process; afterwards the
participant's words are asked for everywhere: the workbench's pages, search, the recording route,
a REFI-QDA export, a report, the audit log, every table read with plain SQL, and the bytes of
``study.db`` itself. The withdrawal record is kept and names the backup made before it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from reverie.services.analysis import coding, extracts, memos, themes
from reverie.services.output.reports import set_inline_quotes
from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from tests.e2e.conftest import free_port, reverie_command
from tests.web.conftest import silent_wav

# Words only P1 said: none of them is in any other participant's transcript or in Reverie's own pages.
WORDS = ("marmalade", "quetzal", "zeppelin", "Wolverhampton")
P1_TEXT = """I: What do you remember about the ward?
P1: The nurse brought marmalade toast every morning, and I thought of a quetzal in a cage.
I: Why a cage?
P1: Because the zeppelin of paperwork floated over everything we did in Wolverhampton.
"""
P2_TEXT = """I: Tell me about your team.
P2: We are a community team of eight and we have had a peer worker for a year.
"""


def build(root: Path, scratch: Path) -> Path:
    """P1 and P2 with locked transcripts and recordings; P1's words coded, extracted, quoted and noted."""
    study = studies.init_study(root, title="Withdrawal study", identity=studies.Identity("Tom Moore", "TM"))
    for code in ("P1", "P2"):
        participants.add_participant(study, code, gender="Female", profession="Nurse", setting="Community",
                                     years_band="10-15", status="consented")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", recording=silent_wav(scratch / "p1.wav", 1.0))
    interviews.add_interview(study, "P2", 1, held_on="2019-03-08", recording=silent_wav(scratch / "p2.wav", 2.0))
    interviews.add_interview(study, "P1", 2, purpose="member_reflection")
    for code, text in (("P1", P1_TEXT), ("P2", P2_TEXT)):
        path = scratch / f"{code}.txt"
        path.write_text(text, encoding="utf-8")
        transcripts.import_transcript(study, code, 1, path, layout="fixed-width", width=60)
        transcripts.lock_transcript(study, code, 1, why="checked against the recording")
    last = transcripts.version_info(study, "P1", 1).last_line
    coding.add_code(study, "care", kind="discursive_object")
    coding.apply_code(study, "care", "P1", lines=(1, last))
    extracts.add_extract(study, "P1", 1, last, why="the ward as a cage", objects=["care"])
    extracts.set_display_text(study, "E1", "The nurse brought marmalade toast […] a quetzal in a cage.")
    memos.save_memo(study, "E1", willig={"action_orientation": "A cage of routine."})
    themes.add_theme(study, "Routine", dimension="organisational context")
    themes.place_extract(study, "Routine", "E1")
    interviews.add_response_note(study, "P1", 2, "She said the zeppelin of paperwork is still there.")
    set_inline_quotes(study, [{"participant": "P1", "line": 2, "quote": "marmalade toast"}])
    study.close()
    return root


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("withdrawal") / "study", tmp_path_factory.mktemp("withdrawal-scratch"))


@pytest.fixture
def study_dir(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "study"))


def reverie(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def workbench(study_dir: Path):
    """The real ``reverie serve`` on the study, and an httpx client signed in to it (paths relative to its base)."""
    process = subprocess.Popen([*reverie_command(), "serve", str(study_dir), "--port", str(free_port()),
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        link = process.stdout.readline().strip()
        assert link.startswith("http://127.0.0.1:"), f"serve printed {link!r}; stderr: {process.stderr.read()}"
        with httpx.Client(follow_redirects=True, timeout=30) as client:
            base = str(client.get(link).url).split("?")[0]
            client.base_url = base
            yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


PAGES = ("interviews/P1/1/transcript", "interviews/P1/1/lines?first=1", "interviews/P1/2/transcript",
         "search?q=marmalade", "search?q=quetzal", "extracts", "extracts/E1", "extracts/E1/memo", "report", "log",
         "consultations", "")


def said(text: str) -> list[str]:
    return [word for word in WORDS if word.lower() in text.lower()]


def database_text(db: Path) -> str:
    """Every row of every table, as plain SQL reads them."""
    with sqlite3.connect(db) as connection:
        return "\n".join(connection.iterdump())


def media_files(root: Path) -> set[str]:
    return {p.name for p in (root / "media").rglob("*") if p.is_file()}


def test_withdrawal_with_remove_data_leaves_none_of_their_words_anywhere(study_dir, workbench, tmp_path):
    audio = workbench.get("interviews/P1/1/audio")
    assert audio.status_code == 200  # the recording plays before
    assert said(workbench.get("interviews/P1/1/lines?first=1").text)  # and the words are there to find
    assert said(workbench.get("search?q=marmalade").text)
    before_media = media_files(study_dir)
    backup = reverie("backup", study_dir)
    assert backup.returncode == 0, backup.stderr
    backup_file = next((study_dir / "backups").glob("*.tar"))

    result = reverie("participants", "withdraw", study_dir, "--code", "P1", "--date", "2026-01-10", "--remove-data")
    assert result.returncode == 0, result.stderr
    assert backup_file.name in result.stdout  # the backup that still holds the words is named

    for page in PAGES:
        answer = workbench.get(page)
        assert answer.status_code in (200, 404), (page, answer.status_code)
        shown = answer.text.replace(page.partition("q=")[2] or "\0", "")  # the search form repeats the query
        assert not said(shown), f"{page} still shows {said(shown)}"
    assert "0 lines found" in workbench.get("search?q=marmalade").text
    assert workbench.get("interviews/P1/1/audio").status_code == 404
    assert len(before_media - media_files(study_dir)) == 1 and len(media_files(study_dir)) == 1  # P2's stays

    search = reverie("search", study_dir, "marmalade OR quetzal OR zeppelin OR Wolverhampton")
    assert search.returncode == 0 and not said(search.stdout), search.stdout
    qdpx = tmp_path / "study.qdpx"
    assert reverie("refi", "export", study_dir, "-o", qdpx).returncode == 0
    with zipfile.ZipFile(qdpx) as archive:
        for name in archive.namelist():
            assert not said(archive.read(name).decode("utf-8", "replace")), f"{name} in the REFI export"
    report = tmp_path / "report.md"
    made = reverie("report", study_dir, "--format", "md", "-o", report)
    assert made.returncode == 0, made.stderr
    assert not said(report.read_text(encoding="utf-8"))
    assert reverie("audit", "verify", study_dir).returncode == 0  # erased quotations keep their digests

    db = study_dir / "study.db"
    assert not said(database_text(db)), "plain SQL still finds their words"
    with sqlite3.connect(db) as connection:
        erased = connection.execute("SELECT count(*) FROM audit_words WHERE text IS NULL").fetchone()[0]
        record = connection.execute("SELECT withdrawn_on, keep_data_collected, removed FROM consent_records JOIN "
                                    "participants ON participants.id = participant_id WHERE code = 'P1'").fetchone()
    assert erased >= 3  # the display text, the response note and the report's inline quotation
    assert record[0] == "2026-01-10" and not record[1]
    removed = json.loads(record[2])
    assert removed["extracts"] == ["E1"] and removed["recordings"] == ["p1.wav"] and removed["codings"] == 1
    assert [entry["file"] for entry in removed["made_before"]] == [f"backups/{backup_file.name}"]


def test_their_words_are_not_left_in_the_database_file(study_dir, tmp_path):
    raw = (study_dir / "study.db").read_bytes()
    assert b"marmalade" in raw
    result = reverie("participants", "withdraw", study_dir, "--code", "P1", "--date", "2026-01-10", "--remove-data")
    assert result.returncode == 0, result.stderr
    for name in ("study.db", "study.db-wal"):
        path = study_dir / name
        if path.exists():
            left = [word for word in WORDS if word.encode() in path.read_bytes()]
            assert not left, f"{name} still holds {left} in its bytes"
