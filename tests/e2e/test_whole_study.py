"""A whole small study in the browser alone, from `reverie serve` on an empty folder to retrieved, exported codes.

New study → participants → interviews → two transcripts uploaded (a .docx and a .txt) → locked
from the reader → a nested codebook → coding by mouse and by keyboard → uncoding → undo → a code's
passages retrieved → exported → search by code. No CLI command but `reverie serve`, no service call:
each step is checked on the page, as a screen reader finds it (roles and names), and in the study's
SQLite file with plain SQL.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import WHOLE_P2

# Where a phrase sits in the reader's line: its box on screen, for a real drag of the mouse across it.
PHRASE_BOX = """([line, words]) => {
  const text = document.querySelector(`#L${line} .tx`);
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let node, seen = '';
  while ((node = walker.nextNode())) {
    const at = (seen + node.data).indexOf(words);
    if (at >= 0 && at >= seen.length) {
      const range = document.createRange();
      range.setStart(node, at - seen.length);
      range.setEnd(node, at - seen.length + words.length);
      const boxes = range.getClientRects();
      const first = boxes[0], last = boxes[boxes.length - 1];
      return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
    }
    seen += node.data;
  }
  return null;
}"""


def rows(folder: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(folder / "study.db") as db:
        return db.execute(sql, params).fetchall()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Workbench").get_by_role("link", name=name, exact=True).click()


def drag_select(page: Page, line: int, words: str) -> None:
    """Select ``words`` on a line the way a researcher does: press, drag across them, release."""
    expect(page.locator(f"#L{line} .tx")).to_contain_text(words)  # the reader fetches its lines in windows
    box = page.evaluate(PHRASE_BOX, [line, words])
    assert box, f"{words!r} is not on line {line}"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def add_participant(page: Page, code: str, profession: str, setting: str, gender: str = "Female") -> None:
    nav(page, "Participants")
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_label("Gender").fill(gender)
    page.get_by_label("Profession").fill(profession)
    page.get_by_label("Work setting").fill(setting)
    page.get_by_label("Years post-qualification experience").fill(">15")
    page.get_by_role("button", name="Add participant").click()
    expect(page.get_by_role("heading", name=f"Participant {code}")).to_be_visible()


def add_interview(page: Page, code: str, held_on: str) -> None:
    nav(page, "Interviews")
    page.get_by_label("Participant").select_option(code)
    page.get_by_role("spinbutton", name="Round").fill("1")
    page.get_by_label("Date").fill(held_on)
    page.get_by_label("Duration in minutes").fill("60")
    page.get_by_role("button", name="Add interview").click()
    expect(page.get_by_role("link", name=f"Edit the round 1 interview of {code}")).to_be_visible()


def upload(page: Page, code: str, path: Path, layout: str) -> None:
    nav(page, "Import")
    section = page.get_by_role("region", name="Upload a transcript")
    section.get_by_label("Interview", exact=True).select_option(f"{code}/1")
    section.get_by_label("Transcript file").set_input_files(str(path))
    section.get_by_label("Line layout").select_option(layout)
    section.get_by_role("button", name="Import transcript").click()
    page.get_by_role("link", name=f"Read the imported transcript of {code} round 1").click()


def lock_from_reader(page: Page) -> None:
    notice = page.get_by_role("note", name="Why there are no coding tools")
    expect(notice).to_contain_text("Codes go on a locked version")
    notice.get_by_role("button", name=re.compile(r"^Lock version 1")).click()
    expect(page.locator(".status-locked").first).to_be_visible()


def code_from_dialog(page: Page, label: str) -> None:
    dialog = page.locator("#dlg-code")
    field = dialog.get_by_label("Code label (new or existing)")
    expect(field).to_have_value("")  # every dialog opens empty
    field.fill(label)
    field.press("Enter")  # Enter submits


def test_a_whole_study_from_an_empty_folder_to_retrieved_and_exported_codes(new_study_page, empty_folder,
                                                                            researcher_files):
    page, folder = new_study_page, empty_folder

    # 1. A new study, from the page `reverie serve` opened on an empty folder.
    expect(page.get_by_role("heading", name="New study")).to_be_visible()
    page.get_by_label("Study title").fill("Peer support workers")
    page.get_by_label("Your name").fill("Tess Moreau")
    page.get_by_label("Your initials").fill("TM")
    page.get_by_role("button", name="Create the study").click()
    expect(page.get_by_role("heading", name="Peer support workers", exact=True)).to_be_visible()
    assert rows(folder, "SELECT title FROM studies") == [("Peer support workers",)]

    # 2. Participants and their interviews.
    add_participant(page, "P1", "Occupational Therapist", "Acute Care")
    add_participant(page, "P2", "Nurse", "Community")
    add_interview(page, "P1", "2019-03-01")
    add_interview(page, "P2", "2019-03-08")
    assert rows(folder, "SELECT p.code, p.profession, i.round, i.held_on FROM participants p "
                        "JOIN interviews i ON i.participant_id = p.id ORDER BY p.code") == [
        ("P1", "Occupational Therapist", 1, "2019-03-01"), ("P2", "Nurse", 1, "2019-03-08")]

    # 3. Two transcripts uploaded (Word and plain text), each locked from its reader.
    upload(page, "P1", researcher_files["P1"], "per-turn")
    expect(page.locator("#L4 .tx")).to_contain_text("milk at home")
    lock_from_reader(page)
    upload(page, "P2", researcher_files["P2"], "per-turn")
    expect(page.locator("#L4 .tx")).to_contain_text("milk and bills")
    lock_from_reader(page)
    assert rows(folder, "SELECT p.code, v.status, v.source_name FROM transcript_versions v "
                        "JOIN transcripts t ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
                        "JOIN participants p ON p.id = i.participant_id ORDER BY p.code") == [
        ("P1", "locked", "P1 interview.docx"), ("P2", "locked", "P2 interview.txt")]

    # 4. A nested codebook: two discursive objects under one parent.
    nav(page, "Codebook")
    for label, kind, parent in (("Care objects", "discursive_object", None), ("Milk", "discursive_object",
                                                                               "Care objects"),
                                ("Peer voice", "discourse", None)):
        page.get_by_label("Label of the new code").fill(label)
        page.get_by_label("Kind of the new code").select_option(kind)
        if parent:
            page.get_by_label("Parent of the new code").select_option(label=parent)
        page.get_by_role("button", name="Add code").click()
        expect(page.get_by_role("list", name="Codes").get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("group", name=re.compile(r"^Milk: discursive object"))).to_be_visible()  # kinds in words
    assert rows(folder, "SELECT c.label, c.kind, p.label FROM codes c LEFT JOIN codes p ON p.id = c.parent_id "
                        "ORDER BY c.id") == [("Care objects", "discursive_object", None),
                                             ("Milk", "discursive_object", "Care objects"),
                                             ("Peer voice", "discourse", None)]

    # 5. Code by mouse: drag across words in P1's reader, apply "Milk" from the selection menu.
    nav(page, "Overview")
    page.get_by_role("link", name="Read the transcript of P1 round 1").click()
    drag_select(page, 4, "milk at home")
    page.get_by_role("menuitem", name="Apply a code to the selection").click()
    code_from_dialog(page, "Milk")
    expect(page.locator("#messages")).to_contain_text("as 'Milk'")
    expect(page.locator("#L4 .hl")).to_contain_text("milk at home")
    [(quoted, milk_lines)] = rows(folder, "SELECT json_extract(g.selector, '$.exact'), g.start_line FROM codings g "
                                          "JOIN codes c ON c.id = g.code_id WHERE c.label = 'Milk'")
    assert "milk at home" in quoted and milk_lines == 4

    # 6. Code by keyboard: line 2, Shift+J takes line 3 too, c opens the code dialog.
    page.locator("#L2").click()
    page.keyboard.press("Shift+J")
    page.keyboard.press("c")
    code_from_dialog(page, "Peer voice")
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 2-3 as 'Peer voice'")
    assert rows(folder, "SELECT g.start_line, g.end_line, g.coder FROM codings g JOIN codes c ON c.id = g.code_id "
                        "WHERE c.label = 'Peer voice'") == [(2, 3, "TM")]

    # 7. Uncode from the margin, then Undo from the message line.
    page.get_by_role("button", name="Remove code Peer voice from lines 2–3").click()
    expect(page.locator("#messages")).to_contain_text("removed 'Peer voice' from P1 lines 2-3")
    assert rows(folder, "SELECT COUNT(*) FROM codings g JOIN codes c ON c.id = g.code_id "
                        "WHERE c.label = 'Peer voice'") == [(0,)]
    page.locator("#messages").get_by_role("button", name=re.compile(r"^Undo: removed 'Peer voice'")).click()
    expect(page.locator("#messages")).to_contain_text("is back on P1 lines 2-3")
    assert rows(folder, "SELECT start_line, end_line FROM codings g JOIN codes c ON c.id = g.code_id "
                        "WHERE c.label = 'Peer voice'") == [(2, 3)]
    assert rows(folder, "SELECT action FROM audit_events WHERE action LIKE 'coding.%' ORDER BY seq") == [
        ("coding.add",), ("coding.add",), ("coding.remove",), ("coding.undo_remove",)]

    # P2's words about milk too, so the code's passages come from two people.
    nav(page, "Overview")
    page.get_by_role("link", name="Read the transcript of P2 round 1").click()
    drag_select(page, 4, "asks about milk")
    page.get_by_role("menuitem", name="Apply a code to the selection").click()
    code_from_dialog(page, "Milk")
    expect(page.locator("#L4 .hl")).to_contain_text("asks about milk")

    # 8. Retrieve: the code's page lists each passage with its citation, in context, filterable.
    nav(page, "Codebook")
    page.get_by_role("list", name="Codes").get_by_role("link", name="Milk", exact=True).click()
    expect(page.get_by_text("(P1, Occupational Therapist. Line 4)")).to_be_visible()
    expect(page.get_by_text("(P2, Nurse. Line 4)")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^More context around \(P1")).click()
    expect(page.get_by_text("Why was it important?")).to_be_visible()

    # 9. Export the passages as CSV, each with its citation.
    page.get_by_label("Export format").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export these passages").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(exported)))
    assert sorted((row["Participant"], row["Citation"], row["Code"]) for row in table) == [
        ("P1", "(P1, Occupational Therapist. Line 4)", "Milk"), ("P2", "(P2, Nurse. Line 4)", "Milk")]
    assert "milk at home" in next(row["Text"] for row in table if row["Participant"] == "P1")

    # 10. Search by code alone, then by code and words; snippets never cut a word.
    nav(page, "Search")
    page.get_by_label("Only lines coded with this code").select_option(label="Milk")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("list", name="Results")
    expect(results.get_by_role("link")).to_have_count(2)
    expect(results.get_by_role("link", name="Open P1 round 1 at line 4")).to_be_visible()
    expect(results.get_by_role("link", name="Open P2 round 1 at line 4")).to_be_visible()
    page.get_by_label("Search words: phrases in quotes, prefix*, AND, OR, NOT").fill("bills")
    page.get_by_role("button", name="Search").click()
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results.locator("mark")).to_have_text("bills")
    shown = "".join(results.locator(part).text_content() for part in (".before", "mark", ".after")).strip(" …")
    assert shown in WHOLE_P2 and shown.endswith("the dog.")  # whole words of the line, none cut
    results.get_by_role("link", name="Open P2 round 1 at line 4").click()
    expect(page.locator("#L4")).to_be_visible()
