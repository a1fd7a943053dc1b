"""Coding in Chromium: by mouse and by keyboard, highlighted in the code's colour, coding stripes,
removing from the margin, Undo and Ctrl+Z, a duplicate refused in the dialog, coding from the reading
view across [laughs], and a draft offering Lock. Each step is checked on the page and in the rows."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reverie.services.analysis.coding import code_colour
from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from tests.e2e.test_reader_annotations import SELECT

PICKED = re.compile(r"\bpicked\b")

P3_TEXT = "I: And after the shift?\nP3: Well I was [laughs] so tired… you know (.) really tired of it all.\n"
P4_TEXT = "I: Tell me about the ward.\nP4: It is busy.\n"


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study with P3 (locked, with a non-verbal mark and pauses) and P4 (a draft)."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("coding") / "study"))
    scratch = tmp_path_factory.mktemp("coding-texts")
    study = studies.open_study(root)
    for code, text in (("P3", P3_TEXT), ("P4", P4_TEXT)):
        participants.add_participant(study, code, status="consented")
        interviews.add_interview(study, code, 1)
        path = scratch / f"{code}.txt"
        path.write_text(text, encoding="utf-8")
        transcripts.import_transcript(study, code, 1, path, layout="per-turn")
    transcripts.lock_transcript(study, "P3", 1, why="checked")
    study.close()
    return root


def rows(tmp_path: Path, sql: str, *params) -> list:
    """What the server stored, read with plain SQL from its study folder."""
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql, params).fetchall()


def open_reader(page: Page, code: str, view: str = "analysis") -> None:
    page.goto(f"{page.url.split('?')[0].split('/interviews/')[0].rstrip('/')}/interviews/{code}/1/transcript"
              f"?view={view}")
    expect(page.locator("#L1")).to_be_visible()


def apply_from_menu(page: Page, label: str, kind: str | None = None) -> None:
    page.get_by_role("menuitem", name="Apply a code to the selection").click()
    dialog = page.locator("#dlg-code")
    expect(dialog.get_by_label("Code label (new or existing)")).to_have_value("")  # opens empty
    dialog.get_by_label("Code label (new or existing)").fill(label)
    if kind:
        dialog.get_by_label("Kind of a new code").select_option(kind)
    dialog.get_by_role("button", name="Apply code").click()


def test_code_by_mouse_see_the_highlight_remove_it_and_undo(page: Page, tmp_path: Path):
    open_reader(page, "P1")
    page.evaluate(SELECT, [6, "milk at home"])
    apply_from_menu(page, "milk as emblem", "discursive_object")
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 6-6 as 'milk as emblem'")
    [(code_id, stored_colour)] = rows(tmp_path, "SELECT id, color FROM codes WHERE label = 'milk as emblem'")
    colour = code_colour(code_id, stored_colour)
    mark = page.locator("#L6 .hl")
    expect(mark).to_have_text("milk at home")
    expect(mark).to_have_attribute("style", f"--c1: {colour};")
    expect(mark).to_have_attribute("title", "Coded: milk as emblem")
    assert rows(tmp_path, "SELECT json_extract(selector, '$.exact'), start_line FROM codings") == [("milk at home", 6)]

    # remove from the margin, then Undo from the message line
    page.get_by_role("button", name="Remove code milk as emblem from lines 6–6").click()
    expect(page.locator("#messages")).to_contain_text("removed 'milk as emblem' from P1 lines 6-6")
    expect(page.locator("#L6 .hl")).to_have_count(0)
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings") == [(0,)]
    assert rows(tmp_path, "SELECT COUNT(*) FROM audit_events WHERE action = 'coding.remove'") == [(1,)]
    page.locator("#messages").get_by_role("button", name="Undo: removed 'milk as emblem' from P1 lines 6-6").click()
    expect(page.locator("#messages")).to_contain_text("undone: 'milk as emblem' is back on P1 lines 6-6")
    expect(page.locator("#L6 .hl")).to_have_text("milk at home")
    assert rows(tmp_path, "SELECT json_extract(selector, '$.exact') FROM codings") == [("milk at home",)]

    # remove through the highlight's menu (by keyboard), then Ctrl+Z
    page.locator("#L6").click(position={"x": 5, "y": 5})
    page.keyboard.press("Tab")
    expect(page.locator("#L6 .hl")).to_be_focused()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Codes on these words")
    expect(menu).to_be_visible()
    menu.get_by_role("menuitem", name="Remove code milk as emblem from lines 6–6").press("Enter")
    expect(page.locator("#L6 .hl")).to_have_count(0)
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings") == [(0,)]
    page.locator("#L2").click()
    page.keyboard.press("Control+z")
    expect(page.locator("#L6 .hl")).to_have_text("milk at home")
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings") == [(1,)]
    assert rows(tmp_path, "SELECT COUNT(*) FROM audit_events WHERE action = 'coding.undo_remove'") == [(2,)]

    # the same code on the same words again is refused beside the label, keeping what was typed
    page.evaluate(SELECT, [6, "milk at home"])
    apply_from_menu(page, "milk as emblem")
    label = page.locator("#dlg-code").get_by_label("Code label (new or existing)")
    expect(label).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#dlg-code .field-error")).to_contain_text("is already applied to exactly these words")
    expect(label).to_have_value("milk as emblem")
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings") == [(1,)]
    page.keyboard.press("Escape")
    expect(page.locator("#dlg-code")).to_be_hidden()


def test_code_lines_by_keyboard_and_show_coding_stripes(page: Page, tmp_path: Path):
    open_reader(page, "P1")
    page.locator("#L3").click()
    page.keyboard.press("Shift+J")
    expect(page.locator("#L3")).to_have_class(PICKED)
    expect(page.locator("#L4")).to_have_class(PICKED)
    page.keyboard.press("c")
    dialog = page.locator("#dlg-code")
    expect(dialog).to_contain_text("P1 lines 3-4")
    label = dialog.get_by_label("Code label (new or existing)")
    label.fill("not knowing")
    label.press("Enter")
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 3-4 as 'not knowing'")
    assert rows(tmp_path, "SELECT start_line, end_line FROM codings") == [(3, 4)]
    expect(page.locator("#L3 .hl")).to_have_count(1)
    expect(page.locator("#L4 .hl")).to_have_text("expect from her at all.")

    # an extract of two lines, by keyboard too
    page.locator("#L6").click()
    page.keyboard.press("Shift+J")
    page.keyboard.press("e")
    extract = page.locator("#dlg-extract")
    expect(extract.get_by_label("Why this extract was selected")).to_have_value("")
    extract.get_by_label("Why this extract was selected").fill("the milk")
    extract.get_by_label("Why this extract was selected").press("Control+Enter")
    expect(page.locator("#L6 .extract-mark")).to_have_text("E1")
    assert rows(tmp_path, "SELECT start_line, end_line FROM extracts") == [(6, 7)]

    # and a reflexive note on two lines
    page.locator("#L9").click()
    page.keyboard.press("Shift+J")
    page.keyboard.press("n")
    note = page.locator("#dlg-note")
    expect(note).to_contain_text("P1 lines 9-10")
    note.get_by_label("observation").fill("nobody else had asked")
    note.get_by_role("button", name="Save note").click()
    expect(page.locator("#L9").get_by_role("button", name="Reflexive note on lines 9–10")).to_be_visible()
    assert rows(tmp_path, "SELECT start_line, end_line FROM log_anchors WHERE start_line IS NOT NULL") == [(9, 10)]

    toggle = page.get_by_role("button", name="Coding stripes")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#L3 .stripe-label")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#reader")).to_have_class("reader stripes")
    expect(page.locator("#L3 .stripe-label")).to_have_text("not knowing")
    expect(page.locator("#L3 .stripe-label")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Coding stripes")).to_have_attribute("aria-pressed", "true")


def test_coding_in_the_reading_view_covers_the_hidden_notation(page: Page, tmp_path: Path):
    open_reader(page, "P3", view="reading")
    line = page.locator("#L2 .tx")
    expect(line).to_have_text("Well I was so tired you know really tired of it all.")
    page.evaluate(SELECT, [2, "was so tired you know"])
    apply_from_menu(page, "fatigue", "discursive_object")
    expect(page.locator("#messages")).to_contain_text("coded P3 lines 2-2 as 'fatigue'")
    assert rows(tmp_path, "SELECT json_extract(selector, '$.exact') FROM codings") == [
        ("was [laughs] so tired… you know",)]
    expect(page.locator("#L2 .hl")).to_have_text("was so tired you know")
    open_reader(page, "P3")
    expect(page.locator("#L2 .hl")).to_have_text("was [laughs] so tired… you know")


def test_a_draft_offers_lock_where_the_coding_tools_would_be(page: Page, tmp_path: Path):
    open_reader(page, "P4")
    notice = page.get_by_role("note", name="Why there are no coding tools")
    expect(notice).to_contain_text("Codes go on a locked version, so line numbers never change")
    expect(notice.get_by_role("button", name="Lock version 1: its line numbers will never change")).to_be_visible()
    expect(page.locator("#selection-menu")).to_have_count(0)
    page.once("dialog", lambda d: d.accept())
    notice.get_by_role("button", name="Lock version 1: its line numbers will never change").click()
    expect(page.locator(".status-locked")).to_be_visible()
    expect(page.locator("#selection-menu")).to_have_count(1)
    expect(notice).to_have_count(0)
    assert rows(tmp_path, "SELECT v.status FROM transcript_versions v "
                          "JOIN transcripts t ON t.current_version_id = v.id "
                          "JOIN interviews i ON i.id = t.interview_id "
                          "JOIN participants p ON p.id = i.participant_id WHERE p.code = 'P4'") == [("locked",)]
