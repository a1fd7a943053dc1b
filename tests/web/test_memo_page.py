"""The memo page: plain text and rows, never JSON; drafts kept without audit events; Save makes one
version; a refused save keeps every field and names the field at fault."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest
from fastapi.testclient import TestClient

from reverie.services.analysis import extracts, memos
from reverie.services.demo import build_demo
from reverie.services.transcripts import versions as transcripts
from reverie.web.app import create_app
from reverie.web.security import LocalAccess
from tests.web.conftest import PREFIX

CONTROL_VALUES = re.compile(r"<textarea[^>]*>(.*?)</textarea>|<input[^>]*\bvalue=\"([^\"]*)\"", re.S)


def control_values(page: str) -> list[str]:
    return [html.unescape(a or b) for a, b in CONTROL_VALUES.findall(page)]


def assert_no_json(page: str, where: str) -> None:
    for value in control_values(page):
        assert "[{" not in value and '{"' not in value and not value.lstrip().startswith('["') \
            and not re.fullmatch(r"\s*\[[\d,\s]+\]\s*", value), \
            f"{where}: a form field shows JSON: {value[:120]!r}"


def rows(study_dir, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(study_dir / "study.db") as connection:
        return connection.execute(sql, args).fetchall()


def count(study_dir, sql: str, *args) -> int:
    return rows(study_dir, sql, *args)[0][0]


@pytest.fixture
def with_extract(client):
    study = client.app.state.study
    number = next(line.number for line in transcripts.show_lines(study, "P1", 1) if "milk" in line.text)
    extracts.add_extract(study, "P1", number, number + 1, why="the milk")
    return client


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    study = build_demo(tmp_path_factory.mktemp("demo") / "reverie-demo")
    root = study.root
    study.close()
    return root


def test_no_memo_page_of_the_demo_renders_json_into_a_field(demo_dir):
    app = create_app(demo_dir, LocalAccess(PREFIX))
    with TestClient(app, base_url=f"http://testserver{PREFIX}/") as client:
        client.get(f"/?once={app.state.access.issue_code()}")
        handles = [h for (h,) in rows(demo_dir, "SELECT 'E' || e.handle_no FROM extracts e "
                                                "JOIN memos m ON m.extract_id = e.id")]
        assert handles, "the demo has memos"
        for handle in handles:
            page = client.get(f"/extracts/{handle}/memo")
            assert page.status_code == 200
            assert_no_json(page.text, handle)
            versions = count(demo_dir, "SELECT count(*) FROM memo_versions v JOIN memos m ON m.id = v.memo_id "
                                       "JOIN extracts e ON e.id = m.extract_id WHERE 'E' || e.handle_no = ?", handle)
            for version in range(1, versions + 1):
                assert_no_json(client.get(f"/extracts/{handle}/memo", params={"version": version}).text,
                               f"{handle} v{version}")
        # The demo's positioning act on E1 shows as a row of plain words.
        e1 = client.get("/extracts/E1/memo").text
        assert 'name="positioning.positioner"' in e1 and ">the peer</textarea>" in e1
        assert '<option value="third" selected>third</option>' in e1


def test_a_draft_is_kept_without_an_audit_event_and_restored_on_reload(with_extract, study_dir):
    client = with_extract
    events = count(study_dir, "SELECT count(*) FROM audit_events")
    answer = client.post("/extracts/E1/memo/draft", data={"willig.action_orientation": "contrast with tablets",
                                                          "willig.discourses": ["relational care", "biomedical"]})
    assert answer.status_code == 200 and answer.json()["kept_at"]
    assert count(study_dir, "SELECT count(*) FROM audit_events") == events
    assert count(study_dir, "SELECT count(*) FROM memo_versions") == 0
    [(author, fields)] = rows(study_dir, "SELECT author, fields FROM memo_drafts")
    assert author == "TR" and "contrast with tablets" in fields
    page = client.get("/extracts/E1/memo").text
    assert ">contrast with tablets</textarea>" in page and ">biomedical</textarea>" in page
    assert "Your unsaved text" in page and "data-dirty" in page


def test_save_makes_one_version_and_drops_the_draft(with_extract, study_dir):
    client = with_extract
    client.post("/extracts/E1/memo/draft", data={"willig.action_orientation": "contrast"})
    answer = client.post("/extracts/E1/memo", data={
        "willig.action_orientation": "contrast with tablets",
        "positioning.positioner": ["P1", "the doctors"], "positioning.positioned": ["the peer", "carers"],
        "positioning.position_label": ["voice of the marginalised", "time-wasters"],
        "positioning.storyline": ["", "the busy clinic"], "positioning.lines": ["", ""],
        "positioning.mode": ["interactive", ""], "positioning.uptake": ["taken_up", ""],
        "psychosocial.whole_case_check": "yes"})
    assert answer.status_code == 200 and 'data-saved-version="1"' in answer.text
    assert count(study_dir, "SELECT count(*) FROM memo_versions") == 1
    assert count(study_dir, "SELECT count(*) FROM memo_drafts") == 0
    assert count(study_dir, "SELECT count(*) FROM audit_events WHERE action = 'memo.save'") == 1
    fields = {f.path: f.value for f in memos.show_memo(client.app.state.study, "E1").fields}
    assert fields["positioning"] == [
        {"positioner": "P1", "positioned": "the peer", "position_label": "voice of the marginalised",
         "mode": "interactive", "uptake": "taken_up"},
        {"positioner": "the doctors", "positioned": "carers", "position_label": "time-wasters",
         "storyline": "the busy clinic"}]
    assert fields["psychosocial.whole_case_check"] is True
    page = client.get("/extracts/E1/memo").text
    assert_no_json(page, "E1")
    assert "Reason for revising version 1 (required)" in page


def test_a_refused_save_keeps_every_field_and_names_the_field(with_extract, study_dir):
    client = with_extract
    form = {"willig.action_orientation": "contrast with tablets", "willig.subjectivity": "held in mind",
            "positioning.positioner": ["P1"], "positioning.positioned": ["the peer"],
            "positioning.position_label": ["voice"], "positioning.storyline": ["milk"],
            "positioning.lines": ["around line nine"]}
    refused = client.post("/extracts/E1/memo", data=form, headers={"Accept": "application/json"})
    assert refused.status_code == 422
    assert refused.json()["field"] == "positioning" and refused.json()["row"] == 1
    assert "lines must be a line number" in refused.json()["error"]
    assert count(study_dir, "SELECT count(*) FROM memo_versions") == 0
    [(fields,)] = rows(study_dir, "SELECT fields FROM memo_drafts")
    assert "around line nine" in fields and "held in mind" in fields
    page = client.get("/extracts/E1/memo").text
    assert 'value="around line nine"' in page and ">held in mind</textarea>" in page

    outside = client.post("/extracts/E1/memo", data={**form, "positioning.lines": ["400-420"]},
                          headers={"Accept": "application/json"})
    assert outside.status_code == 422 and outside.json()["field"] == "positioning"

    client.post("/extracts/E1/memo", data={**form, "positioning.lines": ["1-2"]})
    assert count(study_dir, "SELECT count(*) FROM memo_versions") == 1
    unreasoned = client.post("/extracts/E1/memo", data={**form, "positioning.lines": ["1-2"],
                                                        "willig.subjectivity": "being held in mind"},
                             headers={"Accept": "application/json"})
    assert unreasoned.status_code == 422 and unreasoned.json()["field"] == "why"
    assert "needs a reason" in unreasoned.json()["error"]
    assert "being held in mind" in rows(study_dir, "SELECT fields FROM memo_drafts")[0][0]
    saved = client.post("/extracts/E1/memo", data={**form, "positioning.lines": ["1-2"],
                                                   "willig.subjectivity": "being held in mind",
                                                   "why": "P1 said so in round 2"})
    assert 'data-saved-version="2"' in saved.text
    assert count(study_dir, "SELECT count(*) FROM decisions WHERE type = 'revise_interpretation' "
                            "AND rationale = 'P1 said so in round 2'") == 1


def test_fields_left_as_they_were_keep_their_stored_value(with_extract):
    client = with_extract
    study = client.app.state.study
    constructions = [{"label": "milk", "line_range": [1, 2], "note": "a gift"}, "the little things"]
    memos.save_memo(study, "E1", willig={"constructions": constructions, "discourses": ["care", "biomedical"]})
    page = client.get("/extracts/E1/memo").text
    assert_no_json(page, "E1")
    assert ">milk</textarea>" in page and 'value="1–2"' in page and ">the little things</textarea>" in page
    form = {"willig.constructions.label": ["milk", "the little things"], "willig.constructions.wording": ["", ""],
            "willig.constructions.lines": ["1–2", ""], "willig.discourses": ["care", "biomedical"],
            "willig.subjectivity": "held in mind", "why": "added subjectivity"}
    assert client.post("/extracts/E1/memo", data=form).status_code == 200
    saved = {f.path: f.value for f in memos.show_memo(study, "E1").fields}
    assert saved["willig.constructions"] == constructions and saved["willig.discourses"] == ["care", "biomedical"]
    # A row removed and a row changed: the kept row keeps its whole record.
    form.update({"willig.constructions.label": ["milk", "tea"], "why": "tea, not little things"})
    client.post("/extracts/E1/memo", data=form)
    saved = {f.path: f.value for f in memos.show_memo(study, "E1").fields}
    assert saved["willig.constructions"] == [constructions[0], "tea"]


def test_diff_is_field_by_field_in_words(with_extract):
    client = with_extract
    client.post("/extracts/E1/memo", data={"willig.action_orientation": "contrast with tablets",
                                           "willig.discourses": ["care"]})
    client.post("/extracts/E1/memo", data={"willig.action_orientation": "contrast with psychology and tablets",
                                           "willig.discourses": ["care", "biomedical"], "why": "re-read"})
    diff = client.get("/extracts/E1/memo/diff", params={"old": 1, "new": 2}).text
    assert "<h3" in diff and "Action orientation" in diff and "Discourses" in diff
    assert "<ins>psychology and </ins>" in diff and "biomedical</ins>" in diff
    assert "2 words inserted, 0 deleted" in diff and "1 word inserted, 0 deleted" in diff


def test_an_auditor_reads_a_memo_but_the_page_offers_no_editing(with_extract, monkeypatch):
    from reverie.web.routes import memos as page

    monkeypatch.setattr(page, "may_edit", lambda request: False)
    client = with_extract
    client.post("/extracts/E1/memo", data={"willig.action_orientation": "contrast"})
    shown = client.get("/extracts/E1/memo").text
    assert "contrast</textarea>" in shown and "data-memo" not in shown and "Save</button>" not in shown
