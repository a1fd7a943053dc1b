"""The codebook in Chromium: a nested codebook made, renamed, recoloured, re-nested (by choice and by
drag), merged and deleted with the count question; a code's passages opened, filtered, widened and
followed to the reader; coded segments exported as .csv, .docx and .html. Each step is checked on
the page and in the rows the server stored."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reverie.formats.report_writers import rendered_text
from reverie.services.analysis import coding
from reverie.services.study import participants, studies


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study with three codes already applied: milk (three codings), home and ward (one each)."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("codebook") / "study"))
    study = studies.open_study(root)
    participants.update_participant(study, "P2", attributes={"site": "North"})
    coding.add_code(study, "milk", kind="discursive_object")
    coding.add_code(study, "home")
    coding.add_code(study, "ward", kind="storyline")
    coding.apply_code(study, "milk", "P1", lines=(3, 4), note="the first mention")
    coding.apply_code(study, "milk", "P1", lines=(6, 7))
    coding.apply_code(study, "milk", "P2", lines=(10, 10))
    coding.apply_code(study, "home", "P1", lines=(6, 6))
    coding.apply_code(study, "ward", "P1", lines=(3, 3))
    study.close()
    return root


def rows(tmp_path: Path, sql: str, *params) -> list:
    """What the server stored, read with plain SQL from its study folder."""
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql, params).fetchall()


def parent_of(tmp_path: Path, label: str):
    found = rows(tmp_path, "SELECT p.label FROM codes c LEFT JOIN codes p ON p.id = c.parent_id "
                           "WHERE c.label = ? AND c.status <> 'merged'", label)
    return found[0][0] if found else "absent"


def node(page: Page, tmp_path: Path, label: str):
    """The code's item in the tree (its own, not an ancestor's that contains it)."""
    code_id = rows(tmp_path, "SELECT id FROM codes WHERE label = ? AND status <> 'merged'", label)[0][0]
    return page.locator(f".code-node[data-code-id='{code_id}']")


def open_edit(page: Page, label: str) -> None:
    page.get_by_label(f"Edit {label}", exact=True).click()
    expect(page.get_by_label(f"New label for {label}", exact=True)).to_be_visible()


def add_code(page: Page, label: str, kind: str, *, parent: str = "", colour: str = "", definition: str = "") -> None:
    form = page.locator("#new-code")
    form.get_by_label("Label of the new code").fill(label)
    form.get_by_label("Kind of the new code").select_option(label=kind)
    if definition:
        form.get_by_label("Definition of the new code").fill(definition)
    if colour:
        form.get_by_label("Colour of the new code").fill(colour)
    if parent:
        form.get_by_label("Parent of the new code").select_option(label=parent)
    form.get_by_role("button", name="Add code").click()
    expect(page.locator("#codebook .message")).to_contain_text(f"Added the code '{label}'")


def test_a_nested_codebook_is_made_changed_read_exported_and_pruned(page: Page, tmp_path: Path):
    page.get_by_role("link", name="Codebook", exact=True).click()
    expect(page.get_by_role("heading", name="Codebook", exact=True)).to_be_visible()
    tree = page.get_by_role("list", name="Codes")
    expect(tree).to_contain_text("discursive object")  # kinds in words
    expect(tree).not_to_contain_text("discursive_object")
    expect(page.get_by_role("group", name="milk: discursive object, 3 codings, 2 participants")).to_be_visible()

    # Create: a top-level code with its colour and definition, then one nested under it.
    add_code(page, "peer role", "discursive object", colour="#aa3300", definition="What a peer worker is for")
    add_code(page, "little things", "subject position", parent="peer role")
    assert rows(tmp_path, "SELECT kind, color, definition FROM codes WHERE label = 'peer role'") == [
        ("discursive_object", "#aa3300", "What a peer worker is for")]
    assert parent_of(tmp_path, "little things") == "peer role"
    expect(node(page, tmp_path, "peer role").locator("ul")).to_contain_text("little things")

    # Nest by choice: milk under peer role.
    open_edit(page, "milk")
    page.get_by_label("Parent of milk", exact=True).select_option(label="peer role")
    page.get_by_role("button", name="Save milk", exact=True).click()
    expect(page.locator("#codebook .message")).to_contain_text("Saved 'milk'")
    assert parent_of(tmp_path, "milk") == "peer role"

    # Nest by drag: ward onto little things.
    page.get_by_role("group", name="ward: storyline", exact=False).drag_to(
        page.get_by_role("group", name="little things: subject position", exact=False))
    expect(node(page, tmp_path, "little things").locator("ul")).to_contain_text("ward")
    assert parent_of(tmp_path, "ward") == "little things"

    # Rename, refused beside the field with what was typed kept, then done with a reason.
    open_edit(page, "little things")
    page.get_by_label("New label for little things", exact=True).fill("milk")
    page.get_by_label("Reason for renaming little things", exact=True).fill("Closer to the talk")
    page.get_by_role("button", name="Rename little things", exact=True).click()
    error = page.locator("#edit-{} .field-error".format(
        rows(tmp_path, "SELECT id FROM codes WHERE label = 'little things'")[0][0]))
    expect(error).to_contain_text("a code labelled 'milk' already exists")
    field = page.get_by_label("New label for little things", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Reason for renaming little things", exact=True)).to_have_value("Closer to the talk")
    field.fill("small kindnesses")
    page.get_by_role("button", name="Rename little things", exact=True).click()
    expect(page.locator("#codebook .message")).to_contain_text("Renamed 'little things' to 'small kindnesses'")

    # Recolour and describe.
    open_edit(page, "peer role")
    page.get_by_label("Colour of peer role", exact=True).fill("#1f9e89")
    page.get_by_label("Definition of peer role", exact=True).fill("What peers bring that staff do not")
    page.get_by_role("button", name="Save peer role", exact=True).click()
    expect(page.locator("#codebook .message")).to_contain_text("Saved 'peer role'")
    assert rows(tmp_path, "SELECT color, definition FROM codes WHERE label = 'peer role'") == [
        ("#1f9e89", "What peers bring that staff do not")]
    expect(node(page, tmp_path, "peer role")).to_have_attribute("style", "--code: #1f9e89")

    # Merge home into milk: its coding is milk's now.
    open_edit(page, "home")
    page.get_by_label("Merge home into", exact=True).select_option(label="\u2003milk")
    page.get_by_label("Reason for merging home", exact=True).fill("Home is where the milk is")
    page.get_by_role("button", name="Merge home", exact=True).click()
    expect(page.locator("#codebook .message")).to_contain_text("Merged 'home' into 'milk'")
    expect(page.get_by_role("group", name="milk: discursive object, 4 codings, 2 participants")).to_be_visible()
    assert rows(tmp_path, "SELECT type, rationale FROM decisions ORDER BY id") == [
        ("rename_code", "Closer to the talk"), ("merge_code", "Home is where the milk is")]

    # Milk's passages: in context, with citations, filtered, widened, and followed to the reader.
    page.get_by_role("link", name="milk", exact=True).click()
    expect(page.get_by_role("heading", name="milk discursive object")).to_be_visible()
    expect(page.locator("#passage-count")).to_have_text("4 passages.")
    first = page.get_by_role("article", name="milk: (P1, Occupational Therapist. Lines 3-4)")
    expect(first).to_contain_text("coded by TR on")
    expect(first).to_contain_text("the first mention")
    expect(first.locator("li.coded")).to_have_count(2)
    page.get_by_label("Participant attribute").select_option("site")
    page.get_by_label("Attribute value").fill("North")
    page.get_by_role("button", name="Filter passages").click()
    expect(page.locator("#passage-count")).to_have_text("1 passage match the filters.")
    expect(page.get_by_role("article")).to_have_count(1)
    expect(page.get_by_role("article")).to_contain_text("(P2, Nurse. Line 10)")
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Co-occurring code").select_option(label="\u2003\u2003ward")
    page.get_by_role("button", name="Filter passages").click()
    expect(page.locator("#passage-count")).to_have_text("1 passage match the filters.")
    widen = page.get_by_role("button", name="More context around (P1, Occupational Therapist. Lines 3-4)")
    expect(first.locator("li")).to_have_count(6)  # lines 1-6: two before reach the start, two after
    widen.click()
    expect(first.locator("li")).to_have_count(11)  # lines 1-11 with seven lines of context
    with page.expect_download() as waiting:
        page.get_by_label("Export format").select_option(".csv")
        page.get_by_role("button", name="Export these passages").click()
    table = list(csv.reader(io.StringIO(Path(waiting.value.path()).read_text(encoding="utf-8"))))
    assert [row[0] for row in table[1:]] == ["milk"] and table[1][5] == "(P1, Occupational Therapist. Lines 3-4)"
    first.get_by_role("link", name="Open P1 round 1 at line 3").click()
    expect(page).to_have_url(re.compile(r"/interviews/P1/1/transcript#L3$"))
    expect(page.locator("#L3")).to_be_visible()

    # Export milk and ward from the codebook as Word and HTML.
    page.get_by_role("link", name="Codebook", exact=True).click()
    page.get_by_label("Export milk", exact=True).check()
    page.get_by_label("Export ward", exact=True).check()
    for fmt in ("docx", "html"):
        with page.expect_download() as waiting:
            page.get_by_label("Export format").select_option(f".{fmt}")
            page.get_by_role("button", name="Export the ticked codes").click()
        download = waiting.value
        assert download.suggested_filename.endswith(f".{fmt}")
        shown = rendered_text(Path(download.path()).read_bytes(), fmt)
        assert "milk (4)" in shown and "ward (1)" in shown and "(P2, Nurse. Line 10)" in shown
    assert rows(tmp_path, "SELECT COUNT(*) FROM audit_events WHERE action = 'segments.export'") == [(3,)]

    # Delete: the count question first; "Keep it" keeps it, "Yes, delete" deletes code and codings.
    open_edit(page, "milk")
    page.get_by_label("Reason for deleting milk", exact=True).fill("Too broad to say anything")
    page.get_by_role("button", name="Delete milk", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Delete 'milk' and its 4 codings?")
    page.get_by_role("button", name="Keep milk").click()
    expect(page.get_by_label("Reason for deleting milk", exact=True)).to_be_visible()
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings JOIN codes ON codes.id = code_id "
                          "WHERE label = 'milk'") == [(4,)]
    page.get_by_label("Reason for deleting milk", exact=True).fill("Too broad to say anything")
    page.get_by_role("button", name="Delete milk", exact=True).click()
    page.get_by_role("button", name="Yes, delete 'milk' and its 4 codings").click()
    expect(page.locator("#codebook .message")).to_contain_text("Deleted 'milk' and its 4 codings.")
    expect(page.get_by_role("link", name="milk", exact=True)).to_have_count(0)
    assert rows(tmp_path, "SELECT COUNT(*) FROM codes WHERE label = 'milk'") == [(0,)]
    assert rows(tmp_path, "SELECT COUNT(*) FROM codings") == [(1,)]  # ward's
    assert rows(tmp_path, "SELECT type, rationale FROM decisions ORDER BY id DESC LIMIT 1") == [
        ("other", "Too broad to say anything")]
