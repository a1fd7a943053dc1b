"""The pages render from the services, and a service's error reads as a message, never a trace."""

from __future__ import annotations

from reverie.services.study import studies
from reverie.services.transcripts import corrections
from reverie.services.transcripts import versions as transcripts


def test_overview_shows_table1_interviews_by_round_and_jobs(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "Table 1" in html and "Occupational Therapist" in html and "Psychiatrist" in html
    assert "Round 1" in html and "Round 2" in html
    assert "status-locked" in html and "status-transcribed" in html and "status-planned" in html
    assert 'id="jobs"' in html and "No jobs" in html


def test_jobs_fragment_polls_only_while_a_job_runs(client, study_dir):
    from reverie.services.system.jobs import create_job

    assert "hx-trigger" not in client.get("/jobs").text
    study = client.app.state.study
    create_job(study, "count", {"n": 3})
    fragment = client.get("/jobs").text
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment and "queued" in fragment


def test_reader_page_carries_bounds_and_windows_come_as_fragments(client):
    page = client.get("/interviews/P1/1/transcript").text
    assert 'data-first="1"' in page and 'id="reader"' in page and "<audio" in page
    assert 'aria-label="Transcript lines"' in page
    window = client.get("/interviews/P1/1/lines", params={"first": 3, "count": 2}).text
    assert window.count('class="line') == 2 and 'id="L3"' in window and 'id="L4"' in window
    assert '<span class="sp">P1</span>' in window
    past_the_end = client.get("/interviews/P1/1/lines", params={"first": 999}).text
    assert 'class="line' not in past_the_end


def test_transcript_text_is_data_not_markup(client, study_dir, tmp_path):
    study = client.app.state.study
    source = tmp_path / "p2.txt"
    source.write_text("I: Go on.\nP2: <script>alert(1)</script> [laughs] & so on\n", encoding="utf-8")
    transcripts.import_transcript(study, "P2", 1, source, replace=True)
    window = client.get("/interviews/P2/1/lines", params={"first": 1}).text
    assert "<script>alert" not in window and "&lt;script&gt;" in window and "[laughs]" in window


def test_search_results_open_the_transcript_at_their_line(client):
    page = client.get("/search", params={"q": "milk", "participant": "", "round_no": "", "speaker": ""}).text
    assert "<mark>milk</mark>" in page
    assert "/interviews/P1/1/transcript#L" in page


def test_correction_editor_saves_a_new_version_keeping_speakers_and_reason(client):
    page = client.get("/interviews/P2/1/correct").text
    assert 'name="speaker"' in page and 'name="text"' in page and "F4" in page
    study = client.app.state.study
    turns = corrections.current_turns(study, "P2", 1)
    form = {"version": "1", "why": "checked against the recording",
            "speaker": [t.speaker for t in turns][::-1],  # swap the two speakers
            "text": [turns[0].text, turns[1].text.replace("eight", "nine") + " [inaudible 00:01:05]"]}
    answer = client.post("/interviews/P2/1/correct", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("saved=2")
    after = corrections.current_turns(study, "P2", 1)
    assert [t.speaker for t in after] == ["P2", "I"] and "nine" in after[1].text
    summary = client.get("/interviews/P2/1/correct", params={"saved": 2}).text
    assert "Saved as version 2" in summary and "Correction summary" in summary
    stale = client.post("/interviews/P2/1/correct", data=form, headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "reload the editor" in stale.text


def test_verify_and_lock_from_the_page(client):
    study = client.app.state.study
    answer = client.post("/interviews/P2/1/status", data={"status": "verified"}, headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"].endswith("/interviews/P2/1/transcript")
    assert transcripts.version_info(study, "P2", 1).status == "verified"
    client.post("/interviews/P2/1/status", data={"status": "locked"})
    assert transcripts.version_info(study, "P2", 1).status == "locked"
    again = client.post("/interviews/P2/1/status", data={"status": "locked"})
    assert again.status_code == 409 and "already locked" in again.text


def test_errors_read_as_messages_in_the_shape_the_caller_can_show(client):
    page = client.get("/interviews/P9/1/transcript")
    assert page.status_code == 404
    assert "no participant &#39;P9&#39; in this study" in page.text and "Traceback" not in page.text
    fragment = client.get("/interviews/P9/1/transcript", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Retarget"] == "#messages" and 'role="alert"' in fragment.text
    assert "<html" not in fragment.text
    data = client.get("/interviews/P9/1/transcript", headers={"Accept": "application/json"})
    assert data.json() == {"error": "no participant 'P9' in this study (known: P1, P2, P3)"}
    bad = client.get("/interviews/P1/one/transcript")
    assert bad.status_code == 422 and "round_no" in bad.text and "Traceback" not in bad.text
    assert client.get("/no/such/page").status_code == 404
    query = client.get("/search", params={"q": "AND"})
    assert query.status_code in (200, 422) and "Traceback" not in query.text


def test_study_title_heads_every_page(client):
    study = client.app.state.study
    studies.update_study(study, title="Milk, not tablets")
    assert "Milk, not tablets" in client.get("/search").text
