"""The memo editor in Chromium: every field written (two positioning acts among them), a reload
mid-typing and a refused save that lose nothing, the refusal shown beside its field, a revision
saved with its reason, and what changed shown field by field. Each step is checked on the page and
in the rows the server stored."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reverie.services.analysis import extracts, reflexivity
from reverie.services.study import studies

TEXT_FIELDS = {
    "Action orientation": "The contrast accounts for why professionals missed the milk.",
    "Subjectivity": "Being held in mind (speculative).",
    "Anxieties": "Fear of seeming silly.",
    "Investments": "A sense of self as someone who notices.",
    "Identifications": "With the peer's attention to ordinary needs.",
    "Ambivalence and contradictions": "Praises the peer yet calls it silly.",
    "Association links": "Tablets come right after the milk.",
    "Embodied and non-verbal": "A laugh before 'silly'.",
    "Summary": "Milk as care that professionals missed.",
}
ROWS = {
    "Construction, construction 1": "milk",
    "Wording, construction 1": "milk at home",
    "Lines, construction 1": "4",
    "Discourse 1": "relational care",
    "Subject position 1": "the peer as the one who notices",
    "Enabled practice 1": "asking about home",
    "Constrained practice 1": "talking only of tablets",
    "Defence 1": "idealisation",
}
ACTS = [
    {"Positioner": "P1", "Positioned": "the peer", "Position": "voice of the marginalised",
     "Storyline": "the little things matter", "Lines": "4–5"},
    {"Positioner": "P1", "Positioned": "the professionals", "Position": "too busy to notice",
     "Storyline": "a time-pressed ward", "Lines": "6"},
]


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study with extract E1 on P1's milk passage and one reflexive log entry."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("memo") / "study"))
    study = studies.open_study(root)
    extracts.add_extract(study, "P1", 4, 5, why="the milk")
    reflexivity.add_entry(study, {"emotional_response": "A lump in my throat."}, affect_intensity=2)
    study.close()
    return root


def rows(tmp_path: Path, sql: str, *params) -> list:
    """What the server stored, read with plain SQL from its study folder."""
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql, params).fetchall()


def field(page: Page, name: str):
    return page.get_by_label(name, exact=True)


def log_entry(page: Page, group: str):
    """Log entry 1's box in a picker (researcher affect, or the evidence for a reason)."""
    return page.get_by_role("group", name=group, exact=True).get_by_role("checkbox", name=re.compile(r"Log entry 1 · "))


def check_everything_is_there(page: Page, summary: str) -> None:
    for name, text in {**TEXT_FIELDS, "Summary": summary}.items():
        expect(field(page, name)).to_have_value(text)
    for name, text in ROWS.items():
        expect(field(page, name)).to_have_value(text)
    expect(field(page, "Discourse 2")).to_have_value("biomedical")
    for number, act in enumerate(ACTS, 1):
        for part, text in act.items():
            expect(field(page, f"{part}, positioning act {number}")).to_have_value(text)
    expect(field(page, "Uptake, positioning act 1")).to_have_value("taken_up")
    expect(log_entry(page, "Researcher affect (log entries)")).to_be_checked()
    expect(field(page, "Fits the whole case")).to_have_value("yes")


def test_a_memo_is_written_kept_refused_revised_and_compared(page: Page, tmp_path: Path):
    base = page.url.split("?")[0].rstrip("/")
    page.goto(f"{base}/extracts/E1/memo")
    expect(page.get_by_role("heading", name="Memo on E1")).to_be_visible()
    expect(page.locator("#memo-status")).to_have_text("Not saved yet.")

    # Every field: text, rows added, two positioning acts, the log entry and the whole-case check.
    for name, text in TEXT_FIELDS.items():
        field(page, name).fill(text)
    for name, text in ROWS.items():
        field(page, name).fill(text)
    page.get_by_role("button", name="Add a discourse").click()
    field(page, "Discourse 2").fill("biomedical")
    page.get_by_role("button", name="Add a positioning act").click()
    for number, act in enumerate(ACTS, 1):
        for part, text in act.items():
            field(page, f"{part}, positioning act {number}").fill(text)
    page.get_by_text("More about positioning act 1").click()
    field(page, "Uptake, positioning act 1").select_option("taken_up")
    log_entry(page, "Researcher affect (log entries)").check()
    field(page, "Fits the whole case").select_option("yes")
    expect(page.locator("#memo-status")).to_contain_text("Draft kept")
    assert rows(tmp_path, "SELECT count(*) FROM memo_versions") == [(0,)]
    assert rows(tmp_path, "SELECT count(*) FROM audit_events WHERE action LIKE 'memo.%'") == [(0,)]
    [(draft,)] = rows(tmp_path, "SELECT fields FROM memo_drafts")
    assert "too busy to notice" in draft
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Saved version 1")
    assert rows(tmp_path, "SELECT count(*) FROM memo_versions") == [(1,)]
    assert rows(tmp_path, "SELECT count(*) FROM memo_drafts") == [(0,)]
    expect(page.get_by_label("Reason for revising version 1 (required)")).to_be_visible()
    for value in page.locator("#memo textarea, #memo input").evaluate_all("els => els.map(e => e.value)"):
        assert "[{" not in value and '{"' not in value

    # A reload mid-typing loses nothing (leaving without a reason keeps the text as a draft).
    summary = TEXT_FIELDS["Summary"] + " Also: being held in mind"
    field(page, "Summary").press_sequentially(" Also: being held in mind", delay=10)
    page.reload()
    check_everything_is_there(page, summary)
    assert rows(tmp_path, "SELECT count(*) FROM memo_versions") == [(1,)]
    expect(page.locator("#memo-status")).not_to_contain_text("Saved")

    # With the connection lost the text stays in the page and the draft is retried until it is back.
    page.context.set_offline(True)
    field(page, "Investments").press_sequentially(" Offline words.", delay=10)
    expect(page.locator("#memo-status")).to_contain_text("Connection lost")
    page.context.set_offline(False)
    expect(page.locator("#memo-status")).to_contain_text("Draft kept", timeout=15_000)
    [(draft,)] = rows(tmp_path, "SELECT fields FROM memo_drafts")
    assert "Offline words." in draft and "being held in mind" in draft
    field(page, "Investments").fill(TEXT_FIELDS["Investments"])

    # A revision without a reason is refused beside the reason; one on lines that are no lines, beside the acts.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-why-error")).to_contain_text("needs a reason")
    expect(page.get_by_label("Reason for revising version 1 (required)")).to_have_attribute("aria-invalid", "true")
    field(page, "Lines, positioning act 2").fill("the end")
    page.get_by_label("Reason for revising version 1 (required)").fill("P1 re-read it in round 2")
    page.get_by_text("Evidence for the reason (optional)").click()
    log_entry(page, "Evidence for the reason").check()
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#memo-positioning-error")
    expect(error).to_contain_text("positioning act 2: lines must be a line number")
    lines = field(page, "Lines, positioning act 2")
    expect(lines).to_have_attribute("aria-invalid", "true")
    assert "memo-positioning-error" in lines.get_attribute("aria-describedby")
    expect(page.locator("#memo-status")).to_contain_text("Not saved")
    expect(page.locator("#memo-status")).not_to_contain_text("Saved version")
    expect(lines).to_have_value("the end")
    expect(field(page, "Summary")).to_have_value(summary)
    assert rows(tmp_path, "SELECT count(*) FROM memo_versions") == [(1,)]
    [(draft,)] = rows(tmp_path, "SELECT fields FROM memo_drafts")
    assert "the end" in draft and "being held in mind" in draft

    # Corrected and saved with its reason: version 2 and its decision.
    lines.fill("6–7")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Saved version 2")
    expect(lines).not_to_have_attribute("aria-invalid", "true")
    assert rows(tmp_path, "SELECT version FROM memo_versions ORDER BY version") == [(1,), (2,)]
    assert rows(tmp_path, "SELECT type, evidence_refs FROM decisions WHERE rationale = ?",
                "P1 re-read it in round 2") == [("revise_interpretation", '[{"kind": "log_entry", "id": 1}]')]
    [(psychosocial,)] = rows(tmp_path, "SELECT psychosocial FROM memo_versions WHERE version = 2")
    assert '"researcher_affect": [1]' in psychosocial
    assert rows(tmp_path, "SELECT count(*) FROM memo_drafts") == [(0,)]
    [(summary_stored, positioning)] = rows(tmp_path, "SELECT summary, positioning FROM memo_versions "
                                                     "WHERE version = 2")
    assert summary_stored == summary and '"line_range": [6, 7]' in positioning

    # What changed, field by field, in words.
    page.get_by_role("link", name="What changed from version 1 to 2").click()
    diff = page.locator("#memo-diff")
    expect(diff.get_by_role("heading", name="Summary")).to_be_visible()
    expect(diff.get_by_role("heading", name="Positioning acts")).to_be_visible()
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff).to_contain_text("Also: being held in mind")
    expect(diff.get_by_role("heading", name="Anxieties")).to_have_count(0)
