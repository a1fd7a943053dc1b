"""In Chromium: record the study facts and an ethics approval, then download the Word report and read it back.

The server runs on the reference study (METHOD.md §11) with its study-level facts unrecorded, so the
first report must say MISSING where the last one states what the researcher typed in the browser.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from reverie.services.study.studies import update_study
from tests.services.test_reports import EXPECTED_CITATIONS, reference_with_quotes


@pytest.fixture(scope="module")
def study_template(tmp_path_factory) -> Path:
    """The reference study with its two inline quotations, and no study-level relationship or return recorded."""
    study = reference_with_quotes(tmp_path_factory.mktemp("facts"))
    update_study(study, prior_relationship="", transcripts_returned="")
    root = study.root
    study.close()
    return root


def _coreq(document) -> dict[int, tuple[str, str]]:
    """COREQ's rows in the Word file: item number → (value, status)."""
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "Item" and len(t.rows) == 33]
    assert tables, "no COREQ table in the report"
    return {int(row.cells[0].text): (row.cells[3].text, row.cells[4].text) for row in tables[0].rows[1:]}


def _download_docx(page: Page, tmp_path: Path, name: str):
    page.get_by_role("link", name="Report", exact=True).click()
    page.get_by_label("Report format").select_option("docx")
    page.get_by_label("Append the COREQ, SRQR and GRIPP2-SF checklists").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Write and download the report").click()
    path = tmp_path / name
    download.value.save_as(path)
    return docx.Document(str(path))


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "study" / "study.db") as db:
        return db.execute(sql).fetchall()


def test_study_facts_typed_in_the_browser_reach_the_word_report(page: Page, tmp_path: Path):
    before = _coreq(_download_docx(page, tmp_path, "before.docx"))
    for item in (6, 23, 26):
        assert before[item][1] == "MISSING", (item, before[item])
    assert before[6][0] != "none" and before[23][0] != "no"

    page.get_by_role("link", name="Study", exact=True).click()
    expect(page.get_by_role("heading", name="Study facts", exact=True)).to_be_visible()
    page.get_by_label("Design", exact=True).fill("Qualitative longitudinal interview study")
    page.get_by_label("Relationship with participants before the study").fill("none with any participant")
    page.get_by_label("Data saturation statement").fill("Not claimed; n=5 justified by close reading.")
    page.get_by_label("Who transcribed").fill("TM")
    page.get_by_label("Transcripts returned to participants").select_option("no")
    page.get_by_label("How themes were derived").select_option("derived from the data")
    expect(page.get_by_label("Page size")).to_have_value("A4")
    # A refused value shows beside its field, and everything typed stays.
    page.get_by_label("Sampling strategy").fill("purposive " * 20)
    page.get_by_role("button", name="Save study facts").click()
    expect(page.locator("#study-facts-sampling_strategy-error")).to_contain_text("keep it to 120 characters")
    expect(page.get_by_label("Design", exact=True)).to_have_value("Qualitative longitudinal interview study")
    page.get_by_label("Sampling strategy").fill("purposive")
    page.get_by_label("Why", exact=True).first.fill("from the protocol")
    page.get_by_role("button", name="Save study facts").click()
    expect(page.locator("#study-facts-sampling_strategy-error")).to_be_empty()
    expect(page.get_by_label("Transcripts returned to participants")).to_have_value("no")

    page.get_by_label("Approving body").fill("HRA")
    page.get_by_label("Reference", exact=True).fill("IRAS 237366")
    page.get_by_label("Date of approval").fill("2018-05-01")
    page.get_by_role("button", name="Add ethics approval").click()
    expect(page.get_by_role("list", name="Ethics approvals")).to_contain_text("HRA · IRAS 237366 · approved 2018-05-01")

    expect(page.get_by_label("Initials")).to_have_value("TM")
    page.get_by_label("Name", exact=True).fill("Tom Moore")
    page.get_by_label("Credentials").fill("MSc")
    page.get_by_role("button", name="Save researcher profile").click()
    expect(page.get_by_role("table", name="Researchers")).to_contain_text("MSc")

    facts = json.loads(_rows(tmp_path, "SELECT settings FROM studies")[0][0])["facts"]
    assert facts["prior_relationship"] == "none with any participant" and facts["transcripts_returned"] == "no"
    assert _rows(tmp_path, "SELECT body, reference FROM ethics_approvals") == [("HRA", "IRAS 237366")]
    assert ("study.update", "from the protocol") in _rows(tmp_path, "SELECT action, why FROM audit_events")

    document = _download_docx(page, tmp_path, "after.docx")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.core_properties.author == "Tom Moore"
    text = "\n".join(p.text for p in document.paragraphs)
    assert [c for c in EXPECTED_CITATIONS if c in text] == EXPECTED_CITATIONS
    assert "Design: Qualitative longitudinal interview study" in text and "round(s)" not in text
    coreq = _coreq(document)
    assert coreq[6] == ("none with any participant", "filled")
    assert coreq[23] == ("no", "filled")
    assert coreq[26] == ("derived from the data", "needs confirming")
    assert coreq[2] == ("TM: MSc", "needs confirming")
    # The page previews what was downloaded.
    expect(page.locator(".report-preview")).to_contain_text("Ethics approval: HRA IRAS 237366.")
