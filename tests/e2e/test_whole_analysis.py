"""The analysis half of the method in the browser alone, from coded transcripts to a paper-ready report.

A reflexive note with affect flags an extract → a memo written in every field, kept through a
reload and a refused save → themes, the extract placed → a member reflection and a PPI response →
the memo revised citing the response → the extract final → the study's facts → the report,
downloaded and read back (A4, its author, the extract's citation, COREQ with nothing from a
default). The study is the e2e study (P1 locked, with a recording); no CLI command or service
call here: every step is checked on the page and in the study file.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import docx
from playwright.sync_api import Page, expect

from tests.e2e.test_study_facts import _coreq as coreq_rows
from tests.e2e.test_workbench import SELECT_LINES, open_transcript


def rows(tmp_path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql, params).fetchall()


def settled(tmp_path: Path, sql: str, expected: list[tuple], *, seconds: float = 10.0) -> None:
    """The records reach ``expected`` once the page's request has been answered (bounded wait, no timing)."""
    deadline = time.monotonic() + seconds
    while (found := rows(tmp_path, sql)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found == expected


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Workbench").get_by_role("link", name=name, exact=True).click()


def memo_boxes(page: Page):
    """The memo's own text boxes (not the reason for a revision, not the evidence ticks)."""
    return [box for box in page.locator("#memo").get_by_role("textbox").all()
            if not (box.get_attribute("aria-label") or box.get_attribute("id") or "").lower().startswith(
                ("reason", "memo-why"))
            and box.is_visible()]


def test_from_a_felt_note_to_a_cited_report(page: Page, tmp_path: Path):
    # 1. A reflexive note with a strong feeling flags lines 10-11 as a candidate extract.
    open_transcript(page, "P1")
    page.evaluate(SELECT_LINES, [10, 11])
    page.get_by_role("menuitem", name="Write a reflexive note on the selected lines").click()
    note = page.locator("#dlg-note")
    note.get_by_label("emotional response").fill("a lump in my throat: nobody had asked him")
    note.get_by_label("Strength of feeling, 0 to 3").select_option("3")
    note.get_by_label("Flag these lines as a candidate extract").check()
    note.get_by_role("button", name="Save note").click()
    expect(page.locator("#messages")).to_contain_text("E1")
    assert rows(tmp_path, "SELECT handle_no, status, start_line, end_line FROM extracts") == [(1, "candidate", 10, 11)]
    assert rows(tmp_path, "SELECT affect_intensity FROM reflexive_entries") == [(3,)]

    # 2. The memo: every field written, as plain text and rows; Save makes version 1.
    page.goto(page.url.split("/interviews/")[0] + "/extracts/E1/memo")
    expect(page.locator("#memo")).to_be_visible()
    boxes = memo_boxes(page)
    assert len(boxes) >= 8, f"only {len(boxes)} memo fields found"
    for number, box in enumerate(boxes, 1):
        label = box.get_attribute("name") or f"field {number}"
        if label.endswith("lines"):
            box.fill("10-11")
        else:
            box.fill(f"{label}: written by hand {number}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Saved version 1")
    assert rows(tmp_path, "SELECT COUNT(*) FROM memo_versions") == [(1,)]
    assert "{" not in page.locator("#memo").inner_text()  # no JSON anywhere in the form

    # 3. Typing is kept as a draft: a reload in the middle of it loses nothing.
    action = page.get_by_label("Action orientation")
    action.fill("")
    action.press_sequentially("contrasts care with treatment")
    expect(page.locator("#memo-status")).to_contain_text("Draft kept")
    page.reload()
    expect(page.get_by_label("Action orientation")).to_have_value("contrasts care with treatment")
    assert rows(tmp_path, "SELECT COUNT(*) FROM memo_versions") == [(1,)]  # a draft is not a version
    assert rows(tmp_path, "SELECT COUNT(*) FROM memo_drafts") == [(1,)]

    # 4. A refused save keeps every field and says what is wrong beside the field.
    typed = {box.get_attribute("name"): box.input_value() for box in memo_boxes(page)}
    lines = page.get_by_label("Lines, positioning act 1")
    lines_name = lines.get_attribute("name")
    lines.fill("eleven to ten")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Not saved")
    expect(lines).to_have_attribute("aria-invalid", "true")
    for box in memo_boxes(page):
        name = box.get_attribute("name")
        if name in typed and name != lines_name:
            expect(box).to_have_value(typed[name])
    lines.fill("10-11")

    # 5. Themes: two made, E1 placed in one by choosing it.
    nav(page, "Themes")
    for label in ("Being held in mind", "Expertise by experience"):
        page.get_by_label("Label of the new theme").fill(label)
        page.get_by_role("button", name="Add theme").click()
        expect(page.get_by_role("heading", name=re.compile(label))).to_be_visible()
    page.get_by_label("Theme for E1").select_option(label="Being held in mind")
    page.get_by_role("button", name="Place E1 in the chosen theme").click()
    settled(tmp_path, "SELECT t.label FROM themes t JOIN extracts x ON x.theme_id = t.id", [("Being held in mind",)])

    # 6. A member reflection with P1 and a PPI session respond to E1.
    nav(page, "Consultations")
    page.get_by_label("PPI group label, e.g. PPI-A").fill("PPI-A")
    page.get_by_role("button", name="Add the PPI group").click()
    for kind, who in (("member_reflection", ("Participant, for a member reflection", "P1")),
                      ("ppi_analysis", ("PPI group, for a PPI session", "PPI-A"))):
        nav(page, "Consultations")
        page.get_by_label("Kind of consultation").select_option(kind)
        page.get_by_label(who[0]).select_option(who[1])
        page.get_by_role("button", name="Record the consultation").click()
        page.get_by_label(re.compile(r"^Show E1")).check()
        page.get_by_role("button", name="Add the chosen extracts").click()
        expect(page.get_by_role("region", name="Shown (frozen as shown)").get_by_role("article")).to_have_count(1)
        page.get_by_label("Summary of what was said").fill(
            "it was the fridge, not the form" if kind == "member_reflection" else "milk means being held in mind")
        page.get_by_label("extend", exact=True).check()
        page.get_by_label("Which extract").select_option("E1")
        page.get_by_role("button", name="Record the response").click()
        expect(page.get_by_role("article", name=re.compile(r"^Response \d"))).to_be_visible()
    assert rows(tmp_path, "SELECT c.kind, r.summary FROM responses r "
                          "JOIN consultations c ON c.id = r.consultation_id ORDER BY r.id") == [
        ("member_reflection", "it was the fridge, not the form"), ("ppi_analysis", "milk means being held in mind")]

    # 7. The memo revised, citing the PPI response as the reason's evidence.
    page.goto(page.url.split("/consultations")[0] + "/extracts/E1/memo")
    page.get_by_label("Action orientation").fill("care as being held in mind, as the PPI group put it")
    page.get_by_label(re.compile(r"^Reason for revising version 1")).fill("the PPI group's reading")
    page.get_by_text("Evidence for the reason (optional)").click()
    page.get_by_role("group", name="Evidence for the reason").get_by_label(re.compile("milk means being held")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Saved version 2")
    [(evidence,)] = rows(tmp_path, "SELECT evidence_refs FROM decisions WHERE rationale = 'the PPI group''s reading'")
    assert json.loads(evidence) == [{"kind": "response", "id": 2}]

    # 8. E1 becomes final, by the moves the method allows (it already has its theme).
    following = {"candidate": "shortlisted", "shortlisted": "analysed", "analysed": "final", "presented": "final",
                 "refined": "final"}
    while (status := rows(tmp_path, "SELECT status FROM extracts WHERE handle_no = 1")[0][0]) != "final":
        nav(page, "Extracts")
        card = page.locator("article.card", has=page.get_by_role("link", name="E1", exact=True))
        card.get_by_label("New status for E1").select_option(following[status])
        card.get_by_label("Reason for moving E1").fill(f"{following[status]}: the PPI reading holds")
        card.get_by_role("button", name="Move E1").click()
        settled(tmp_path, "SELECT status FROM extracts WHERE handle_no = 1", [(following[status],)])
    assert rows(tmp_path, "SELECT t.label FROM extracts x JOIN themes t ON t.id = x.theme_id") == [
        ("Being held in mind",)]

    # 9. The study's facts, typed on the Study page: nothing in the report comes from a default.
    nav(page, "Study")
    page.get_by_label("Design", exact=True).fill("Qualitative interview study, two rounds")
    page.get_by_label("Sampling strategy").fill("purposive")
    page.get_by_label("Relationship with participants before the study").fill("none with any participant")
    page.get_by_label("Data saturation statement").fill("Not claimed: five cases read closely.")
    page.get_by_label("Who transcribed").fill("TM")
    page.get_by_label("Transcripts returned to participants").select_option("no")
    page.get_by_label("How themes were derived").select_option("derived from the data")
    with page.expect_navigation():  # the saved page comes back: what is typed next must not go before it
        page.get_by_role("button", name="Save study facts").click()
    expect(page.get_by_label("Design", exact=True)).to_have_value("Qualitative interview study, two rounds")
    page.get_by_label("Approving body").fill("HRA")
    page.get_by_label("Reference", exact=True).fill("IRAS 237366")
    page.get_by_label("Date of approval").fill("2018-05-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Add ethics approval").click()
    expect(page.get_by_role("list", name="Ethics approvals")).to_contain_text("HRA")
    page.get_by_label("Name", exact=True).fill("Tess Moreau")
    page.get_by_role("button", name="Save researcher profile").click()
    expect(page.get_by_role("table", name="Researchers")).to_contain_text("Tess Moreau")

    # 10. The report, downloaded as Word with its checklists and read back.
    nav(page, "Report")
    page.get_by_label("Report format").select_option("docx")
    page.get_by_label("Append the COREQ, SRQR and GRIPP2-SF checklists").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Write and download the report").click()
    document = docx.Document(str(download.value.path()))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert document.core_properties.author == "Tess Moreau"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "(Extract 1. P1, Occupational Therapist. Lines 10-1)" in text
    assert "Being held in mind" in text and "round(s)" not in text
    coreq = coreq_rows(document)
    assert coreq[6] == ("none with any participant", "filled")
    assert coreq[23] == ("no", "filled")
    assert all(value not in ("none", "no") or item in (6, 23) for item, (value, _status) in coreq.items())
