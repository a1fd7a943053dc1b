"""The study's set-up in the browser: the New study page, participants, consent, interviews and the schedule.

Each test drives the real app through a signed-in TestClient and checks both what the page shows
and what the study's SQLite file holds (read with plain SQL).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reverie.web.security import LocalAccess
from reverie.web.setup import StudySwitch
from tests.web.conftest import PREFIX

HTMX = {"HX-Request": "true"}


def rows(study_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(sql, args).fetchall()


def slot(page: str, form: str, name: str = "") -> str:
    """The text of a form's error slot (the control's, or the form's own when ``name`` is empty)."""
    slot_id = f"{form}-{name}-error" if name else f"{form}-error"
    found = re.search(rf'<p class="field-error" id="{slot_id}"[^>]*>([^<]*)</p>', page)
    assert found, f"no error slot {slot_id} in the answer"
    return html.unescape(found[1])


def sign_in(client: TestClient, access: LocalAccess) -> None:
    client.get(f"/?once={access.issue_code()}")
    page = client.get("/")
    client.headers["X-CSRF-Token"] = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]


@pytest.fixture
def switch(tmp_path: Path):
    made = StudySwitch(tmp_path / "new-study", LocalAccess(PREFIX), announce=lambda *a, **k: None)
    yield made
    made.close()


@pytest.fixture
def setup_client(switch: StudySwitch):
    with TestClient(switch, base_url=f"http://testserver{PREFIX}/") as client:
        sign_in(client, switch.access)
        yield client


NEW_STUDY = {"title": "Peer workers", "name": "Tess Moreau", "initials": "TM", "layout": "per_turn", "width": "70",
             "notation": "jefferson_lite"}


# --- the New study page ------------------------------------------------------------------------

def test_new_study_page_makes_the_study_and_the_same_session_opens_its_workbench(switch, setup_client):
    page = setup_client.get("/")
    assert page.status_code == 200 and "<h1>New study</h1>" in page.text
    assert "There is no study in" in page.text
    made = setup_client.post("/", data=NEW_STUDY, headers=HTMX)
    assert made.status_code == 200 and made.headers["HX-Redirect"] == f"{PREFIX}/"
    # The same browser session, no new link: the workbench now answers, with the set-up links.
    overview = setup_client.get("/")
    assert overview.status_code == 200 and "Peer workers" in overview.text
    assert "Add a participant" in overview.text and "reverie participants add" not in overview.text
    assert setup_client.get("/participants").status_code == 200
    root = switch.directory
    (title, layout, notation, settings), = rows(root, "SELECT title, line_layout, notation_profile, settings "
                                                      "FROM studies")
    assert title == "Peer workers" and notation == "jefferson_lite"
    assert json.loads(layout)["mode"] == "per_turn"
    assert json.loads(settings)["identity"] == {"name": "Tess Moreau", "initials": "TM"}
    assert rows(root, "SELECT actor FROM audit_events WHERE action = 'study.create'") == [("TM",)]


def test_the_new_study_page_keeps_the_local_guard(switch):
    with TestClient(switch, base_url=f"http://testserver{PREFIX}/", follow_redirects=False) as anonymous:
        assert anonymous.get("/").status_code == 403
        assert anonymous.post("/", data=NEW_STUDY).status_code == 403
    assert not switch.directory.exists()


def test_a_change_without_the_csrf_token_makes_nothing(switch, setup_client):
    del setup_client.headers["X-CSRF-Token"]
    assert setup_client.post("/", data=NEW_STUDY).status_code == 403
    assert not switch.directory.exists()


def test_bad_initials_and_width_are_shown_beside_their_boxes_and_nothing_is_made(switch, setup_client):
    answer = setup_client.post("/", data={**NEW_STUDY, "initials": "T M!"}, headers=HTMX)
    assert answer.status_code == 422
    assert "initials 'T M!' must be letters or digits" in slot(answer.text, "new-study", "initials")
    assert slot(answer.text, "new-study", "title") == ""
    answer = setup_client.post("/", data={**NEW_STUDY, "width": "wide"}, headers=HTMX)
    assert "whole number" in slot(answer.text, "new-study", "width")
    assert not switch.directory.exists()


def test_encryption_needs_matching_strong_passphrases(switch, setup_client):
    different = {**NEW_STUDY, "encrypt": "1", "passphrase": "lantern orbit velvet cactus", "passphrase_again": "x"}
    answer = setup_client.post("/", data=different, headers=HTMX)
    assert "passphrases differ" in slot(answer.text, "new-study", "passphrase_again")
    weak = {**NEW_STUDY, "encrypt": "1", "passphrase": "password1234", "passphrase_again": "password1234"}
    answer = setup_client.post("/", data=weak, headers=HTMX)
    assert "too weak" in slot(answer.text, "new-study", "passphrase")
    assert not switch.directory.exists() or not any(switch.directory.iterdir())


def test_an_encrypted_study_is_made_and_opened(switch, setup_client):
    strong = {**NEW_STUDY, "encrypt": "1", "passphrase": "lantern orbit velvet cactus",
              "passphrase_again": "lantern orbit velvet cactus"}
    assert setup_client.post("/", data=strong, headers=HTMX).headers["HX-Redirect"] == f"{PREFIX}/"
    assert "encrypted = true" in (switch.directory / "study.toml").read_text()
    assert (switch.directory / "study.key.json").is_file()
    assert "Peer workers" in setup_client.get("/").text
    with pytest.raises(sqlite3.DatabaseError):  # unreadable without the passphrase
        rows(switch.directory, "SELECT title FROM studies")


def test_a_folder_holding_other_files_is_not_turned_into_a_study(tmp_path: Path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.docx").write_bytes(b"not a study")
    switch = StudySwitch(folder, LocalAccess(PREFIX), announce=lambda *a, **k: None)
    with TestClient(switch, base_url=f"http://testserver{PREFIX}/") as client:
        sign_in(client, switch.access)
        page = client.get("/").text
        assert "already holds other files" in page and "notes.docx" in page
        answer = client.post("/", data=NEW_STUDY, headers=HTMX)
        assert answer.status_code == 422 and "name a new folder" in slot(answer.text, "new-study", "folder")
        assert sorted(p.name for p in folder.iterdir()) == ["notes.docx"]
        assert client.post("/", data={**NEW_STUDY, "folder": "../elsewhere"}, headers=HTMX).status_code == 422
        assert client.post("/", data={**NEW_STUDY, "folder": "peer-study"}, headers=HTMX).status_code == 200
        assert "Peer workers" in client.get("/").text
    switch.close()
    assert sorted(p.name for p in folder.iterdir()) == ["notes.docx", "peer-study"]
    assert rows(folder / "peer-study", "SELECT title FROM studies") == [("Peer workers",)]


def test_a_plain_form_post_gets_the_page_again_with_what_was_typed(switch, setup_client):
    answer = setup_client.post("/", data={**NEW_STUDY, "initials": "??", "encrypt": "1", "passphrase": "secret words",
                                          "passphrase_again": "secret words"})
    assert answer.status_code == 422 and "<h1>New study</h1>" in answer.text
    assert 'value="Peer workers"' in answer.text and 'value="??"' in answer.text
    assert "secret words" not in answer.text  # passphrases are never written back into a page
    assert "must be letters or digits" in slot(answer.text, "new-study", "initials")


# --- participants, consent, withdrawal ---------------------------------------------------------

def test_add_a_participant_with_a_custom_attribute(client, study_dir):
    page = client.get("/participants")
    assert page.status_code == 200 and "Add a participant" in page.text and "Open participant P1" in page.text
    answer = client.post("/participants", headers=HTMX, data={
        "code": "P4", "gender": "Male", "profession": "Nurse", "setting": "Acute Care", "years_band": ">15",
        "recruitment_channel": "email", "status": "consented", "attr_key": ["age band", ""],
        "attr_value": ["40-49", ""], "why": "recruited at the team meeting"})
    assert answer.headers["HX-Redirect"] == f"{PREFIX}/participants/P4"
    shown = client.get("/participants/P4").text
    assert "Participant P4" in shown and 'value="age band"' in shown and 'value="40-49"' in shown
    assert "age band: 40-49" in client.get("/participants").text
    (profession, setting, years, channel, attributes), = rows(
        study_dir, "SELECT profession, setting, years_band, recruitment_channel, attributes FROM participants "
                   "WHERE code = 'P4'")
    assert (profession, setting, years, channel) == ("Nurse", "Acute Care", ">15", "email")
    assert json.loads(attributes) == {"age band": "40-49"}
    assert rows(study_dir, "SELECT why FROM audit_events WHERE action = 'participant.add' AND target = "
                           "'participant:P4'") == [("recruited at the team meeting",)]


def test_participant_mistakes_are_shown_beside_the_control_and_store_nothing(client, study_dir):
    before = rows(study_dir, "SELECT count(*) FROM participants")
    answer = client.post("/participants", headers=HTMX, data={"code": "Jane Smith", "status": "consented"})
    assert answer.status_code == 422
    assert "participant code 'Jane Smith' must start with a letter" in slot(answer.text, "add-participant", "code")
    answer = client.post("/participants", headers=HTMX, data={"code": "P1"})
    assert answer.status_code == 409 and "already exists" in slot(answer.text, "add-participant", "code")
    answer = client.post("/participants", headers=HTMX, data={"code": "P9", "attr_key": [""], "attr_value": ["x"]})
    assert "needs a name" in slot(answer.text, "add-participant", "attributes")
    assert rows(study_dir, "SELECT count(*) FROM participants") == before
    # Without a script the whole page comes back, the typed values in their boxes.
    plain = client.post("/participants", data={"code": "Jane Smith", "profession": "Ward nurse",
                                                "attr_key": ["team"], "attr_value": ["north"]})
    assert plain.status_code == 422 and 'value="Ward nurse"' in plain.text and 'value="north"' in plain.text


def test_edit_a_participant_with_why_and_record_consent_and_withdrawal(client, study_dir):
    page = client.get("/participants/P2")
    assert page.status_code == 200 and "No consent recorded yet." in page.text
    client.post("/participants/P2", headers=HTMX, data={
        "gender": "Female", "profession": "Mental Health Nurse", "setting": "Community", "years_band": "10-15",
        "status": "consented", "attr_key": ["team size"], "attr_value": ["8"], "why": "corrected at interview"})
    assert rows(study_dir, "SELECT profession, attributes FROM participants WHERE code = 'P2'") == [
        ("Mental Health Nurse", '{"team size": "8"}')]
    assert rows(study_dir, "SELECT why FROM audit_events WHERE action = 'participant.update'") == [
        ("corrected at interview",)]
    answer = client.post("/participants/P2/consent", headers=HTMX, data={
        "consented_on": "2019-02-20", "take_part": "1", "audio_recording": "1", "second_interview": "1",
        "how": "written", "form_version": "v2"})
    assert answer.headers["HX-Redirect"] == f"{PREFIX}/participants/P2"
    assert rows(study_dir, "SELECT consented_on, anonymised_quotes, archiving, form_version FROM consent_records "
                           "JOIN participants ON participants.id = participant_id WHERE code = 'P2'") == [
        ("2019-02-20", 0, 0, "v2")]
    page = client.get("/participants/P2").text
    assert "2019-02-20" in page and "anonymised quotations in reports" in page
    bad = client.post("/participants/P2/consent", headers=HTMX, data={"consented_on": "20/02/2019"})
    assert "invalid consent date" in slot(bad.text, "consent", "consented_on")
    missing = client.post("/participants/P2/withdrawal", headers=HTMX, data={"data": "keep"})
    assert "withdrawal date" in slot(missing.text, "withdrawal", "withdrawn_on")
    client.post("/participants/P2/withdrawal", headers=HTMX, data={
        "withdrawn_on": "2019-04-01", "scope": "the second interview", "data": "keep", "why": "moved abroad"})
    assert rows(study_dir, "SELECT status FROM participants WHERE code = 'P2'") == [("withdrawn",)]
    assert rows(study_dir, "SELECT withdrawn_on, withdrawal_scope, keep_data_collected FROM consent_records "
                           "JOIN participants ON participants.id = participant_id WHERE code = 'P2'") == [
        ("2019-04-01", "the second interview", 1)]
    page = client.get("/participants/P2").text
    assert "withdrew on 2019-04-01" in page and "Record consent" not in page


# --- interviews ---------------------------------------------------------------------------------

def test_add_and_edit_an_interview(client, study_dir):
    client.post("/schedule", headers=HTMX, data={"kind": ["opening"], "question": ["Tell me about your work."]})
    page = client.get("/interviews")
    assert "Add an interview" in page.text and "version 1 (1 questions)" in page.text
    answer = client.post("/interviews", headers=HTMX, data={
        "participant": "P2", "round_no": "2", "held_on": "2019-05-02", "duration_min": "55", "purpose": "fani_followup",
        "location_type": "workplace", "interviewer": "TR", "schedule_version": "1", "why": "follow-up"})
    assert answer.headers["HX-Redirect"] == f"{PREFIX}/interviews"
    assert "Edit the round 2 interview of P2" in client.get("/interviews").text
    assert rows(study_dir, "SELECT i.held_on, i.duration_min, i.purpose, i.location_type, s.version FROM interviews i "
                           "JOIN participants p ON p.id = i.participant_id JOIN schedules s ON s.id = i.schedule_id "
                           "WHERE p.code = 'P2' AND i.round = 2") == [("2019-05-02", 55.0, "fani_followup",
                                                                        "workplace", 1)]
    again = client.post("/interviews", headers=HTMX, data={"participant": "P2", "round_no": "2"})
    assert again.status_code == 409 and "already has a round 2 interview" in slot(again.text, "add-interview",
                                                                                 "round_no")
    dated = client.post("/interviews", headers=HTMX, data={"participant": "P2", "round_no": "3", "held_on": "May"})
    assert "invalid interview date" in slot(dated.text, "add-interview", "held_on")
    edit = client.get("/interviews/P2/2/details")
    assert edit.status_code == 200 and 'value="workplace"' in edit.text and "version 1" in edit.text
    client.post("/schedule", headers=HTMX, data={"kind": ["opening"], "question": ["Tell me about your team."]})
    client.post("/interviews/P2/2/details", headers=HTMX, data={
        "held_on": "2019-05-03", "duration_min": "55", "purpose": "fani_followup", "location_type": "video call",
        "interviewer": "TR", "schedule_version": "2", "why": "moved online"})
    assert rows(study_dir, "SELECT i.held_on, i.location_type, s.version, r.label FROM interviews i "
                           "JOIN schedules s ON s.id = i.schedule_id JOIN researchers r ON r.id = i.interviewer_id "
                           "WHERE i.round = 2 AND i.participant_id = (SELECT id FROM participants WHERE code = 'P2')"
                           ) == [("2019-05-03", "video call", 2, "TR")]
    assert {why for why, in rows(study_dir, "SELECT why FROM audit_events WHERE action = 'interview.update'")} == {
        "moved online"}
    unknown = client.post("/interviews/P2/2/details", headers=HTMX, data={
        "purpose": "narrative", "interviewer": "TR", "schedule_version": "9"})
    assert "no interview schedule version 9" in slot(unknown.text, "edit-interview", "schedule_version")
    client.post("/interviews/P2/2/pointers", headers=HTMX, data={"words": "milk at home"})
    assert "milk at home" in client.get("/interviews/P2/2/details").text


# --- the schedule -------------------------------------------------------------------------------

def test_schedule_versions_with_their_question_check(client, study_dir):
    page = client.get("/schedule")
    assert "No schedule yet" in page.text and 'aria-label="Question 3"' in page.text
    empty = client.post("/schedule", headers=HTMX, data={"kind": ["narrative"], "question": [""]})
    assert "at least one question" in slot(empty.text, "add-schedule", "questions")
    answer = client.post("/schedule", headers=HTMX, data={
        "kind": ["opening", "narrative", "narrative"],
        "question": ["Can you tell me about your work?", "Why did you become a nurse?", ""],
        "pilot_tested": "1", "note": "first draft", "why": "ethics submission"})
    assert answer.headers["HX-Redirect"] == f"{PREFIX}/schedule?version=1"
    shown = client.get("/schedule?version=1").text
    assert "Version 1 and its question check" in shown and "Why did you become a nurse?" in shown
    assert "Pilot tested." in shown and "no advice" in shown
    assert rows(study_dir, "SELECT seq, kind, text FROM schedule_items ORDER BY seq") == [
        (1, "opening", "Can you tell me about your work?"), (2, "narrative", "Why did you become a nurse?")]
    assert rows(study_dir, "SELECT version, pilot_tested, note FROM schedules") == [(1, 1, "first draft")]
    assert client.get("/schedule?version=7").status_code == 422


def test_withdrawal_is_not_a_status_to_pick_and_removing_data_says_what_went(client, study_dir):
    answer = client.post("/participants/P1", headers=HTMX, data={"status": "withdrawn"})
    assert answer.status_code == 422 and "Withdrawal form" in slot(answer.text, "edit-participant", "status")
    assert rows(study_dir, "SELECT status FROM participants WHERE code = 'P1'") == [("consented",)]
    client.post("/participants/P1/withdrawal", headers=HTMX, data={"withdrawn_on": "2019-04-01", "data": "remove",
                                                                   "why": "asked for their words to be removed"})
    assert rows(study_dir, "SELECT keep_data_collected FROM consent_records") == [(0,)]
    assert rows(study_dir, "SELECT count(*) FROM transcript_lines l JOIN transcript_versions v ON v.id = l.version_id "
                           "JOIN transcripts t ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
                           "JOIN participants p ON p.id = i.participant_id WHERE p.code = 'P1'") == [(0,)]
    page = " ".join(client.get("/participants/P1").text.split())
    assert "data collected so far removed: 1 transcript version(s), 1 recording(s), 0 coding(s)" in page


def test_set_up_pages_carry_the_security_headers(client, setup_client):
    for answer in (client.get("/participants"), client.get("/interviews"), client.get("/schedule"),
                   setup_client.get("/")):
        assert answer.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")
        assert "<script>" not in answer.text and " onclick=" not in answer.text


def test_every_error_slot_a_refusal_can_fill_is_on_its_page(client, setup_client):
    """A refused form's answer swaps each of its slots by id; a slot missing from the page would be lost."""
    from reverie.web.forms import slot_id
    from reverie.web.routes import interviews, participants, schedule
    from reverie.web.setup import NEW_STUDY

    client.post("/schedule", headers=HTMX, data={"kind": ["opening"], "question": ["Tell me about your work."]})
    pages = {"/participants": [participants.ADD], "/participants/P2": [participants.EDIT, participants.CONSENT,
                                                                        participants.WITHDRAW],
             "/interviews": [interviews.ADD], "/interviews/P1/1/details": [interviews.EDIT, interviews.POINTER],
             "/schedule": [schedule.ADD]}
    for path, specs in pages.items():
        page = client.get(path).text
        for spec in specs:
            for name in spec.slots():
                assert f'id="{slot_id(spec.id, name)}"' in page, f"{path} lacks the slot {slot_id(spec.id, name)}"
    page = setup_client.get("/").text
    assert all(f'id="{slot_id(NEW_STUDY.id, name)}"' in page for name in NEW_STUDY.slots())
