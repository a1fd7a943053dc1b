"""The themes board and the extract page through the web: each change checked on the page and in the records.

Themes are made, renamed (with a reason), described and ordered; extracts are placed by choice (and by the
form a drag posts), moved inside a theme and taken out; an extract's title, display text, theme and evidence
change from its page, a refused change answering with its message beside the control; a move to final asks
for the theme in the same status form.
"""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

import pytest

from reverie.services.analysis import extracts, memos, reflexivity
from reverie.services.study import studies
from tests.web.conftest import PREFIX


@pytest.fixture
def study_dir(study_dir: Path) -> Path:
    """The web study with three candidate extracts of P1: E1 (lines 6-8), E2 (9-11, across speakers), E3 (3-4)."""
    study = studies.open_study(study_dir)
    entry = reflexivity.add_entry(study, {"observation": "He smiled at the milk", "interpretation": "care",
                                          "emotional_response": "I was moved"}, affect_intensity=3).entry_id
    extracts.add_extract(study, "P1", 6, 8, why="the milk", evidence_refs=[{"kind": "log_entry", "id": entry}])
    extracts.add_extract(study, "P1", 9, 11, why="nobody asked")
    extracts.add_extract(study, "P1", 3, 4, why="not knowing")
    study.close()
    return study_dir


def rows(study_dir: Path, sql: str, *params) -> list:
    with sqlite3.connect(study_dir / "study.db") as db:
        return db.execute(sql, params).fetchall()


def theme_id(study_dir: Path, label: str) -> int:
    return rows(study_dir, "SELECT id FROM themes WHERE label = ?", label)[0][0]


def htmx(client, url: str, data: dict):
    return client.post(url, data=data, headers={"HX-Request": "true"})


def slot(page: str, slot_id: str) -> str:
    found = re.search(rf'id="{re.escape(slot_id)}"[^>]*>([^<]*)<', page)
    return html.unescape(found[1]).strip() if found else ""


def named(page: str, name: str) -> bool:
    """Whether a control on the page has this accessible name (its aria-label or its visible label)."""
    return f'aria-label="{name}"' in page or f">{name}</label>" in page


def test_themes_are_made_renamed_described_and_ordered(client, study_dir):
    page = client.get("/themes")
    assert page.status_code == 200 and "No themes yet" in page.text
    assert f'href="{PREFIX}/themes"' in page.text  # the nav link
    for label in ("Embodied affect", "Challenge"):
        answer = htmx(client, "/themes", {"label": label, "kind": "major", "origin": "from_data", "dimension": ""})
        assert answer.headers["HX-Redirect"] == f"{PREFIX}/themes"
    refused = htmx(client, "/themes", {"label": "Challenge", "kind": "major", "origin": "from_data"})
    assert refused.status_code == 409 and refused.headers["HX-Reswap"] == "none"
    assert "a theme labelled 'Challenge' already exists" in slot(refused.text, "new-theme-label-error")

    challenge = theme_id(study_dir, "Challenge")
    refused = htmx(client, f"/themes/{challenge}/rename", {"new_label": "Organisational challenge", "reason": ""})
    assert "renaming a theme needs a reason" in slot(refused.text, f"rename-theme-{challenge}-reason-error")
    htmx(client, f"/themes/{challenge}/rename", {"new_label": "Organisational challenge", "reason": "more exact"})
    htmx(client, f"/themes/{challenge}/describe", {"description": "Where the service pushes back", "kind": "minor",
                                                   "dimension": "organisational context", "origin": "from_data"})
    htmx(client, f"/themes/{challenge}/shift", {"steps": "-1"})
    assert rows(study_dir, "SELECT label, position, kind, dimension FROM themes ORDER BY position") == [
        ("Organisational challenge", 1, "minor", "organisational context"), ("Embodied affect", 2, "major", "")]
    assert rows(study_dir, "SELECT type, rationale FROM decisions WHERE type = 'rename_theme'") == [
        ("rename_theme", "more exact")]
    page = client.get("/themes").text
    assert page.index("Organisational challenge") < page.index("Embodied affect")
    assert 'aria-label="Move theme Embodied affect earlier"' in page
    assert "Where the service pushes back" in page and "minor theme · organisational context" in page


def test_extracts_are_placed_by_choice_and_by_drag_ordered_and_taken_out(client, study_dir):
    htmx(client, "/themes", {"label": "Little things", "kind": "major", "origin": "from_data"})
    little = theme_id(study_dir, "Little things")
    page = client.get("/themes").text
    assert 'aria-label="Theme for E1"' in page and 'aria-label="Extracts with no theme"' in page
    htmx(client, "/themes/place", {"extract": "E1", "theme": str(little)})          # the select
    htmx(client, "/themes/place", {"extract": "E3", "theme": str(little), "position": "1"})  # a drag onto E1
    htmx(client, "/themes/extracts/E1/shift", {"steps": "-1"})
    assert rows(study_dir, "SELECT handle_no, theme_position FROM extracts WHERE theme_id = ? "
                           "ORDER BY theme_position", little) == [(1, 1), (3, 2)]
    page = client.get("/themes").text
    held = page[page.index('aria-label="Extracts in Little things"'):page.index('aria-label="Extracts with no theme"')]
    assert held.index('data-handle="E1"') < held.index('data-handle="E3"')
    assert 'aria-label="Move E3 earlier in Little things"' in held
    htmx(client, "/themes/place", {"extract": "E3", "theme": ""})  # dragged back to "No theme yet"
    assert rows(study_dir, "SELECT theme_id FROM extracts WHERE handle_no = 3") == [(None,)]
    refused = htmx(client, "/themes/place", {"extract": "E9", "theme": str(little)})
    assert refused.status_code == 404 and "no extract E9" in slot(refused.text, "place-E9-theme-error")


def test_an_extract_is_edited_on_its_page_and_each_change_is_audited(client, study_dir):
    htmx(client, "/themes", {"label": "Little things", "kind": "major", "origin": "from_data"})
    page = client.get("/extracts/E1").text
    for name in ("Title of E1", "Theme of E1", "New status for E1", "Reason for moving E1",
                 "Reason for changing the evidence of E1", "Why the display text of E1 changed"):
        assert named(page, name), name
    assert "Log entry 1 · analysis, affect 3" in page and "I was moved" in page  # the picker, by name
    assert re.search(r'value="log:1" checked', page)

    assert htmx(client, "/extracts/E1/title", {"title": "Milk at home", "why": "name it"}).headers["HX-Redirect"]
    refused = htmx(client, "/extracts/E1/display", {"display_text": "She asked him about cake", "why": ""})
    assert refused.status_code == 422
    assert "'She asked him about cake' is not in the cited lines" in slot(refused.text,
                                                                         "extract-display-display_text-error")
    htmx(client, "/extracts/E1/display", {"display_text": "She asked him whether he had milk at home [\u2026] "
                                                          "such a little thing", "why": "shorter"})
    htmx(client, "/extracts/E1/theme", {"theme": str(theme_id(study_dir, "Little things")), "why": ""})
    memos.save_memo(studies.open_study(study_dir), "E1", summary="care carried home")
    refused = client.post("/extracts/E1/evidence", data={"evidence": ["log:1", "memo:1"], "reason": ""},
                          headers={"HX-Request": "true"})
    assert "needs a reason" in slot(refused.text, "extract-evidence-reason-error")
    client.post("/extracts/E1/evidence", data={"evidence": ["memo:1"], "reason": "the memo carries it"},
                headers={"HX-Request": "true"})

    assert rows(study_dir, "SELECT title, display_text, theme_id IS NOT NULL FROM extracts WHERE handle_no = 1") == [
        ("Milk at home", "She asked him whether he had milk at home [\u2026] such a little thing", 1)]
    assert [r[0] for r in rows(study_dir, "SELECT action FROM audit_events WHERE target LIKE '%E1' "
                                          "AND action LIKE 'extract.%' ORDER BY seq")] == [
        "extract.title", "extract.display_text", "extract.evidence"]
    assert rows(study_dir, "SELECT rationale, evidence_refs FROM decisions WHERE type = 'other'") == [
        ("the memo carries it", '[{"kind": "memo", "id": 1}]')]
    page = client.get("/extracts/E1").text
    assert "Milk at home" in page and "Theme: Little things" in page and "memo:1" in page


def test_an_extract_across_speakers_shows_their_labels(client):
    page = client.get("/extracts/E2").text
    assert "I: Why was it important?\nP1: Because nobody else had asked." in page


def test_moving_to_final_asks_for_the_theme_beside_the_status_form(client, study_dir):
    htmx(client, "/themes", {"label": "Little things", "kind": "major", "origin": "from_data"})
    little = str(theme_id(study_dir, "Little things"))
    for status in ("shortlisted", "analysed"):
        board = htmx(client, "/extracts/E1/move", {"to_status": status, "reason": "closer"})
        assert board.status_code == 200 and 'id="board"' in board.text
    memos.save_memo(studies.open_study(study_dir), "E1", summary="care")
    board = client.get("/extracts").text
    assert 'aria-label="Theme for E1 when it becomes final"' in board
    assert "E1 has no theme yet: a final extract belongs to a theme" in board

    refused = htmx(client, "/extracts/E1/move", {"to_status": "final", "reason": "resonant", "theme": ""})
    assert refused.status_code == 409 and refused.headers["HX-Reswap"] == "none"
    assert "belongs to no theme (choose its theme)" in slot(refused.text, "move-E1-theme-error")
    page = client.get("/extracts/E1").text
    assert 'aria-label="Theme for E1 when it becomes final"' in page
    refused = htmx(client, "/extracts/E1/status", {"to_status": "final", "reason": "resonant", "theme": ""})
    assert "choose its theme" in slot(refused.text, "extract-status-theme-error")
    assert rows(study_dir, "SELECT status, theme_id FROM extracts WHERE handle_no = 1") == [("analysed", None)]

    answer = client.post("/extracts/E1/status", data={"to_status": "final", "reason": "resonant", "theme": little,
                                                      "evidence": ["log:1"]}, headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"] == f"{PREFIX}/extracts/E1"
    assert rows(study_dir, "SELECT status, theme_id FROM extracts WHERE handle_no = 1") == [("final", int(little))]
    assert rows(study_dir, "SELECT evidence_refs FROM decisions WHERE type = 'finalise_extract'") == [
        ('[{"kind": "log_entry", "id": 1}]',)]
    page = client.get("/extracts/E1").text
    assert "Theme: Little things" in page and 'aria-label="Theme for E1 when it becomes final"' not in page


def test_display_text_left_behind_by_a_correction_is_flagged_on_the_extract_page(client, study_dir):
    from reverie.core.transcript import Turn
    from reverie.services.transcripts import corrections

    study = studies.open_study(study_dir)
    extracts.set_display_text(study, "E1", "She asked him whether he had milk at home [\u2026]")
    turns = corrections.current_turns(study, "P1", 1)
    corrections.correct_transcript(study, "P1", 1, [Turn(t.speaker, t.text.replace("had milk", "wanted milk"))
                                                    for t in turns], why="mis-heard")
    study.close()
    page = client.get("/extracts/E1").text
    flag = html.unescape(re.search(r'id="display-flag" role="alert">([^<]*)<', page)[1])
    assert "E1's display text no longer matches lines 6-8 of the transcript (version 2)" in flag
