"""Themes and extracts in Chromium: themes made, an extract placed by choice and by drag, themes reordered and
renamed; an extract's title, display text and evidence (picked by name) edited on its page; a move to final
that asks for the theme. Each step is checked on the page and in the rows the server stored."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reverie.services.analysis import extracts, memos, reflexivity
from reverie.services.study import studies


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study with a log entry and three extracts of P1: E1 (lines 6-8, analysed, with a memo),
    E2 (lines 3-4) and E3 (lines 9-11, across two speakers)."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("themes") / "study"))
    study = studies.open_study(root)
    reflexivity.add_entry(study, {"observation": "He smiled at the milk", "interpretation": "care",
                                  "emotional_response": "I was moved"}, affect_intensity=3)
    extracts.add_extract(study, "P1", 6, 8, why="the milk")
    extracts.add_extract(study, "P1", 3, 4, why="not knowing what to expect")
    extracts.add_extract(study, "P1", 9, 11, why="nobody else had asked")
    for status in ("shortlisted", "analysed"):
        extracts.move_extract(study, "E1", status, reason="a closer reading")
    memos.save_memo(study, "E1", summary="milk as care carried home")
    study.close()
    return root


def rows(tmp_path: Path, sql: str, *params) -> list:
    """What the server stored, read with plain SQL from its study folder."""
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql, params).fetchall()


def placed(tmp_path: Path) -> list[tuple[str, str, int]]:
    return rows(tmp_path, "SELECT t.label, 'E' || e.handle_no, e.theme_position FROM extracts e "
                          "JOIN themes t ON t.id = e.theme_id ORDER BY t.position, e.theme_position")


def card(page: Page, handle: str):
    return page.locator(f".theme-card[data-handle='{handle}']")


def column(page: Page, label: str):
    return page.locator(".theme-column", has=page.get_by_role("heading", name=re.compile(re.escape(label))))


def add_theme(page: Page, label: str, dimension: str = "") -> None:
    form = page.locator("#new-theme")
    form.get_by_label("Label of the new theme").fill(label)
    if dimension:
        form.get_by_label("Dimension of the new theme").fill(dimension)
    form.get_by_role("button", name="Add theme").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(label)))).to_be_visible()


def test_themes_are_made_filled_by_choice_and_by_drag_ordered_and_an_extract_becomes_final(page: Page,
                                                                                           tmp_path: Path):
    page.get_by_role("link", name="Themes", exact=True).click()
    expect(page.get_by_role("heading", name="Themes", exact=True)).to_be_visible()
    add_theme(page, "Little things", "subjective experience for practice")
    add_theme(page, "Embodied affect", "emotional impact")
    assert rows(tmp_path, "SELECT label, position, dimension FROM themes ORDER BY position") == [
        ("Little things", 1, "subjective experience for practice"), ("Embodied affect", 2, "emotional impact")]

    # Placed by choice: the keyboard's way.
    card(page, "E2").get_by_label("Theme for E2").select_option(label="Little things")
    card(page, "E2").get_by_role("button", name="Place E2 in the chosen theme").click()
    expect(column(page, "Little things").locator(".theme-card[data-handle='E2']")).to_be_visible()
    assert placed(tmp_path) == [("Little things", "E2", 1)]

    # Placed by drag: E3 onto Embodied affect, then onto E2's card, to go before it.
    card(page, "E3").drag_to(column(page, "Embodied affect"))
    expect(column(page, "Embodied affect").locator(".theme-card[data-handle='E3']")).to_be_visible()
    assert placed(tmp_path) == [("Little things", "E2", 1), ("Embodied affect", "E3", 1)]
    card(page, "E3").drag_to(card(page, "E2"))
    expect(column(page, "Little things").locator(".theme-card").first).to_have_attribute("data-handle", "E3")
    assert placed(tmp_path) == [("Little things", "E3", 1), ("Little things", "E2", 2)]
    page.get_by_role("button", name="Move E2 earlier in Little things").click()
    expect(column(page, "Little things").locator(".theme-card").first).to_have_attribute("data-handle", "E2")
    assert placed(tmp_path) == [("Little things", "E2", 1), ("Little things", "E3", 2)]

    # Themes reordered and renamed (a decision, with its reason).
    page.get_by_role("button", name="Move theme Embodied affect earlier").click()
    expect(page.locator(".theme-column h2").first).to_contain_text("Embodied affect")
    page.get_by_label("Edit theme Little things").click()
    page.get_by_label("New label for Little things").fill("The 'Little' Things")
    page.get_by_label("Reason for renaming Little things").fill("the participants' own words")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name=re.compile("The 'Little' Things"))).to_be_visible()
    assert rows(tmp_path, "SELECT label, position FROM themes ORDER BY position") == [
        ("Embodied affect", 1), ("The 'Little' Things", 2)]
    assert rows(tmp_path, "SELECT rationale FROM decisions WHERE type = 'rename_theme'") == [
        ("the participants' own words",)]

    # The extracts board's status form asks for a theme only when a themeless extract is to become final.
    page.get_by_role("link", name="Extracts", exact=True).click()
    board_card = page.locator("article.card", has=page.get_by_role("link", name="E1", exact=True))
    board_choice = board_card.get_by_label("Theme for E1 when it becomes final")
    expect(board_choice).to_be_hidden()
    board_card.get_by_label("New status for E1").select_option("final")
    expect(board_choice).to_be_visible()
    expect(board_card).to_contain_text("E1 has no theme yet: a final extract belongs to a theme")

    # The extract's page: title, display text (a refusal beside the control first), evidence from the picker.
    board_card.get_by_role("link", name="E1", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^E1"))).to_be_visible()
    page.get_by_label("Title of E1", exact=True).fill("Milk at home")
    page.get_by_role("button", name="Save the title of E1").click()
    expect(page.get_by_role("heading", name=re.compile("E1 Milk at home"))).to_be_visible()
    display = page.get_by_label("Display text of E1", exact=True)
    display.fill("She asked him about cake")
    page.get_by_role("button", name="Save the display text of E1").click()
    expect(page.locator("#extract-display-display_text-error")).to_contain_text("'She asked him about cake' is not in "
                                                                                  "the cited lines")
    expect(display).to_have_value("She asked him about cake")
    display.fill("She asked him whether he had milk at home [\u2026] it was really important to him.")
    page.get_by_role("button", name="Save the display text of E1").click()
    expect(page.locator("blockquote.extract")).to_have_text(
        "She asked him whether he had milk at home [\u2026] it was really important to him.")
    picker = page.locator("#extract-evidence")
    picker.get_by_label(re.compile(r"Log entry 1 · analysis, affect 3")).check()
    picker.get_by_label(re.compile(r"Memo 1 · on E1")).check()
    page.get_by_label("Reason for changing the evidence of E1").fill("the note and the memo are why it stays")
    page.get_by_role("button", name="Save the evidence of E1").click()
    expect(page.locator("section[aria-labelledby=evidence-heading]")).to_contain_text("memo:1")
    assert rows(tmp_path, "SELECT title, display_text FROM extracts WHERE handle_no = 1") == [
        ("Milk at home", "She asked him whether he had milk at home [\u2026] it was really important to him.")]
    assert rows(tmp_path, "SELECT evidence_refs FROM decisions WHERE type = 'other'") == [
        ('[{"kind": "log_entry", "id": 1}, {"kind": "memo", "id": 1}]',)]

    # Moving to final asks for the theme: the choice appears only for final, and is required then.
    choice = page.get_by_label("Theme for E1 when it becomes final")
    expect(choice).to_be_hidden()
    page.get_by_label("New status for E1").select_option("final")
    expect(choice).to_be_visible()
    expect(page.locator("#extract-status")).to_contain_text("E1 has no theme yet: a final extract belongs to a theme")
    choice.select_option(label="The 'Little' Things")
    page.get_by_label("Reason for moving E1").fill("the most resonant of the three")
    page.get_by_role("button", name="Move E1").click()
    expect(page.get_by_role("heading", name=re.compile("E1 Milk at home"))).to_contain_text("final")
    expect(page.get_by_text("Theme: The 'Little' Things")).to_be_visible()
    assert rows(tmp_path, "SELECT e.status, t.label, e.theme_position FROM extracts e JOIN themes t "
                          "ON t.id = e.theme_id WHERE e.handle_no = 1") == [("final", "The 'Little' Things", 3)]
    assert rows(tmp_path, "SELECT rationale FROM decisions WHERE type = 'finalise_extract'") == [
        ("the most resonant of the three",)]

    # On the board the themes show their extracts in report order.
    page.get_by_role("link", name="Themes", exact=True).click()
    little = column(page, "The 'Little' Things").locator(".theme-card")
    expect(little).to_have_count(3)
    assert [little.nth(i).get_attribute("data-handle") for i in range(3)] == ["E2", "E3", "E1"]
