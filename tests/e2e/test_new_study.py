"""A study set up from nothing in the browser: `reverie serve` on an empty folder, driven in Chromium.

New study → a participant with a custom attribute → consent → an interview → a schedule version,
each checked on the page and in the study's SQLite file (plain SQL).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect


def rows(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "study.db") as db:
        return db.execute(sql).fetchall()


def test_new_study_to_participant_consent_interview_and_schedule(new_study_page: Page, empty_folder: Path):
    page = new_study_page
    expect(page.get_by_role("heading", name="New study")).to_be_visible()
    expect(page.get_by_role("navigation", name="Workbench")).to_have_count(0)

    # Encryption's passphrases show only when it is chosen.
    passphrase = page.get_by_label("Passphrase", exact=True)
    expect(passphrase).to_be_hidden()
    page.get_by_label("Encrypt the study with a passphrase").check()
    expect(passphrase).to_be_visible()
    passphrase.fill("short")
    page.get_by_label("Passphrase again").fill("short")
    page.get_by_label("Study title").fill("Peer support workers")
    page.get_by_role("button", name="Create the study").click()
    expect(page.locator("#new-study-passphrase-error")).to_contain_text("use at least 12")
    expect(passphrase).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Study title")).to_have_value("Peer support workers")  # what was typed stays
    assert not any(empty_folder.iterdir())
    page.get_by_label("Encrypt the study with a passphrase").uncheck()

    page.get_by_label("Your name").fill("Tess Moreau")
    page.get_by_label("Your initials").fill("TM")
    page.get_by_label("Line numbering").select_option("per_turn")
    page.get_by_label("Transcription notation").select_option("jefferson_lite")
    page.get_by_role("button", name="Create the study").click()

    # The same session now shows the study's workbench.
    expect(page.get_by_role("heading", name="Peer support workers", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Workbench")).to_be_visible()
    page.get_by_role("link", name="Add a participant").click()

    expect(page.get_by_role("heading", name="Participants", exact=True)).to_be_visible()
    page.get_by_label("Code", exact=True).fill("Jane Smith")
    page.get_by_role("button", name="Add participant").click()
    expect(page.locator("#add-participant-code-error")).to_contain_text("must start with a letter and hold only")
    expect(page.get_by_label("Code", exact=True)).to_have_value("Jane Smith")

    page.get_by_label("Code", exact=True).fill("P1")
    page.get_by_label("Gender").fill("Female")
    page.get_by_label("Profession").fill("Occupational Therapist")
    page.get_by_label("Work setting").fill("Acute Care")
    page.get_by_label("Years post-qualification experience").fill(">15")
    page.get_by_label("Recruitment channel").fill("email")
    page.get_by_label("Attribute 1 name").fill("age band")
    page.get_by_label("Attribute 1 value").fill("40-49")
    page.get_by_role("button", name="Add another attribute").click()
    page.get_by_label("Attribute 2 name").fill("team size")
    page.get_by_label("Attribute 2 value").fill("8")
    page.get_by_role("button", name="Add participant").click()

    expect(page.get_by_role("heading", name="Participant P1")).to_be_visible()
    page.get_by_label("Date of consent").fill("2019-02-20")
    page.get_by_label("Archiving the data").check()
    page.get_by_label("Anonymised quotations in reports").uncheck()
    page.get_by_label("Consent form version").fill("v2")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("cell", name="2019-02-20")).to_be_visible()

    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Interviews").click()
    page.get_by_label("Participant").select_option("P1")
    page.get_by_label("Round").fill("1")
    page.get_by_label("Date").fill("2019-03-01")
    page.get_by_label("Duration in minutes").fill("62")
    page.get_by_label("Where it took place").fill("workplace")
    page.get_by_role("button", name="Add interview").click()
    expect(page.get_by_role("link", name="Edit the round 1 interview of P1")).to_be_visible()

    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Schedule").click()
    page.get_by_label("Question 1 kind").select_option("opening")
    page.get_by_label("Question 1", exact=True).fill("Can you tell me about the first time you worked with a peer?")
    page.get_by_label("Question 2", exact=True).fill("Why did you agree to work with peers?")
    page.get_by_role("button", name="Save schedule version").click()
    expect(page.get_by_role("heading", name="Version 1 and its question check")).to_be_visible()
    expect(page.locator(".schedule-check li.advice")).to_have_count(1)
    expect(page.locator(".schedule-check li.advice")).to_contain_text("Why did you agree")

    # What the pages stored, read straight from the study's file.
    assert rows(empty_folder, "SELECT title, notation_profile, json_extract(line_layout, '$.mode') FROM studies") == [
        ("Peer support workers", "jefferson_lite", "per_turn")]
    (code, profession, attributes), = rows(empty_folder, "SELECT code, profession, attributes FROM participants")
    assert (code, profession) == ("P1", "Occupational Therapist")
    assert json.loads(attributes) == {"age band": "40-49", "team size": "8"}
    assert rows(empty_folder, "SELECT consented_on, anonymised_quotes, archiving, form_version, created_by "
                              "FROM consent_records") == [("2019-02-20", 0, 1, "v2", "TM")]
    assert rows(empty_folder, "SELECT round, held_on, duration_min, location_type FROM interviews") == [
        (1, "2019-03-01", 62.0, "workplace")]
    assert rows(empty_folder, "SELECT seq, kind, text FROM schedule_items ORDER BY seq") == [
        (1, "opening", "Can you tell me about the first time you worked with a peer?"),
        (2, "narrative", "Why did you agree to work with peers?")]
