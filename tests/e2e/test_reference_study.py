"""The reference study (METHOD.md §11) entered through the browser alone still yields its seven citations.

From `reverie serve` on an empty folder: the study, Table 1's five participants, four round-1
transcripts uploaded as the plain-text files a transcriber sends (their own line numbers kept, so
the paper's lines exist), locked → the five extracts made from the reader at the paper's line
ranges → a memo on each → the three themes, each extract placed → every extract moved to final →
the citation style on the Study page → the two short quotations in running text on the Report
page → the report downloaded (Markdown and Word) and read back. No CLI command but `reverie
serve`, no service call: the facts below are the paper's, typed in as a researcher would.
"""

from __future__ import annotations

import re

import docx
from playwright.sync_api import Page, expect

from tests.e2e.test_whole_study import add_interview, add_participant, lock_from_reader, nav, rows, upload
from tests.e2e.test_workbench import SELECT_LINES
from tests.fixtures.reference_study import EXPECTED_CITATIONS

TITLE = "What NHS mental health professionals value about peer support workers"
PARTICIPANTS = (  # Table 1: code, gender, profession, setting
    ("P1", "F", "Occupational Therapist", "Acute Care"),
    ("P2", "F", "Psychologist", "Community"),
    ("P3", "F", "Nurse", "Community"),
    ("P4", "M", "Social Worker", "Specialist Services"),
    ("P5", "M", "Psychiatrist", "Community"),
)
ROUND_1 = {"P1": "2018-10-03", "P2": "2018-10-10", "P3": "2018-10-17", "P4": "2018-10-24"}
# The final extracts in the order the report numbers them: (participant, first line, last line, opening words).
EXTRACTS = (
    ("P1", 978, 981, "I remember once a"),
    ("P1", 982, 985, "as a professional it was kind of"),
    ("P2", 601, 604, "you could see the difference"),
    ("P2", 216, 222, "the feedback we got from clients"),
    ("P3", 415, 419, "the peer worker was in the room"),
)
THEMES = (("The 'Little' Things", "subjective experience for practice", ("E1", "E2")),
          ("Embodied affect", "emotional impact", ("E3", "E4")),
          ("Challenge", "organisational context", ("E5",)))
INLINE_QUOTES = (("P1", 987, "really important"), ("P4", 527, "psychology or tablets"))
# Any citation the report prints, block or inline, in the study's style.
CITATION = re.compile(r"\((?:Extract \d+\. )?P\d+(?:, [^.()]+)?\. Lines? [\d-]+\)")


def citations_in(text: str) -> list[str]:
    """Every citation the report prints, in order: one each, and no other."""
    return CITATION.findall(text)


def board_card(page: Page, status: str, handle: str):
    column = page.get_by_role("region", name=re.compile(rf"^{status} \(\d+\)"))
    return column.get_by_role("article", name=re.compile(rf"^{handle} \("))


def test_the_reference_study_entered_in_the_browser_yields_the_seven_citations(new_study_page, empty_folder,
                                                                                reference_transcripts):
    page, folder = new_study_page, empty_folder

    # 1. The study, from the page `reverie serve` opened on an empty folder.
    page.get_by_label("Study title").fill(TITLE)
    page.get_by_label("Your name").fill("Tom Moore")
    page.get_by_label("Your initials").fill("TM")
    page.get_by_role("button", name="Create the study").click()
    expect(page.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()

    # 2. Table 1, and a round-1 interview for each participant quoted.
    for code, gender, profession, setting in PARTICIPANTS:
        add_participant(page, code, profession, setting, gender=gender)
    for code, held_on in ROUND_1.items():
        add_interview(page, code, held_on)
    assert rows(folder, "SELECT code, gender, profession FROM participants ORDER BY code") == [
        row[:3] for row in PARTICIPANTS]

    # 3. The transcripts uploaded as plain text, keeping their own line numbers, each locked from its reader.
    for code, path in reference_transcripts.items():
        upload(page, code, path, "imported")
        lock_from_reader(page)
    assert rows(folder, "SELECT p.code, v.status, MIN(l.number), MAX(l.number) FROM transcript_lines l "
                        "JOIN transcript_versions v ON v.id = l.version_id "
                        "JOIN transcripts t ON t.id = v.transcript_id JOIN interviews i ON i.id = t.interview_id "
                        "JOIN participants p ON p.id = i.participant_id GROUP BY p.code ORDER BY p.code") == [
        ("P1", "locked", 1, 1000), ("P2", "locked", 1, 700), ("P3", "locked", 1, 500), ("P4", "locked", 1, 600)]

    # 4. The five extracts, made from the reader at the paper's line ranges.
    for number, (code, first, last, opening) in enumerate(EXTRACTS, 1):
        nav(page, "Overview")
        page.get_by_role("link", name=f"Read the transcript of {code} round 1").click()
        page.get_by_label("Line number to go to").fill(str(first))
        page.get_by_role("button", name="Go to that line").click()
        expect(page.locator(f"#L{first} .tx")).to_contain_text(opening)
        expect(page.locator(f"#L{first}")).to_be_focused()  # the reader has scrolled to the line
        page.locator(f"#L{last}").scroll_into_view_if_needed()  # all of it on screen, as a reader selects it
        page.evaluate(SELECT_LINES, [first, last])
        expect(page.locator("#selection-menu")).to_be_in_viewport()
        page.get_by_role("menuitem", name="Make the selected lines a candidate extract").click()
        dialog = page.locator("#dlg-extract")
        dialog.get_by_label("Why this extract was selected").fill(f"most meaning and resonance in {code}'s account")
        dialog.get_by_role("button", name="Make extract").click()
        expect(page.locator("#messages")).to_contain_text(f"E{number}")
    assert rows(folder, "SELECT x.handle_no, p.code, x.start_line, x.end_line, x.status FROM extracts x "
                        "JOIN participants p ON p.id = x.participant_id ORDER BY x.handle_no") == [
        (number, code, first, last, "candidate") for number, (code, first, last, _) in enumerate(EXTRACTS, 1)]

    # 5. A first close reading of each: the memo saved as version 1.
    for number in range(1, len(EXTRACTS) + 1):
        nav(page, "Extracts")
        page.get_by_role("link", name=f"Memo on E{number}").click()
        page.get_by_label("Action orientation").fill(f"what the account of E{number} does")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#memo-status")).to_contain_text("Saved version 1")

    # 6. The three themes in the paper's order, each extract placed in its own.
    nav(page, "Themes")
    for label, dimension, _ in THEMES:
        page.get_by_label("Label of the new theme").fill(label)
        page.get_by_label("Dimension of the new theme").fill(dimension)
        page.get_by_role("button", name="Add theme").click()
        expect(page.get_by_role("heading", name=re.compile(re.escape(label)))).to_be_visible()
    for label, _, handles in THEMES:
        for handle in handles:
            page.get_by_label(f"Theme for {handle}").select_option(label=label)
            page.get_by_role("button", name=f"Place {handle} in the chosen theme").click()
            column = page.get_by_role("region", name=re.compile(re.escape(label)))
            expect(column.get_by_role("listitem", name=re.compile(rf"^{handle} "))).to_be_visible()
    assert rows(folder, "SELECT t.label, x.handle_no FROM extracts x JOIN themes t ON t.id = x.theme_id "
                        "ORDER BY t.position, x.theme_position") == [
        (label, int(handle[1:])) for label, _, handles in THEMES for handle in handles]

    # 7. Every extract moved to final, by the moves the method allows, each with its reason.
    nav(page, "Extracts")
    for number in range(1, len(EXTRACTS) + 1):
        handle = f"E{number}"
        for before, after in (("candidate", "shortlisted"), ("shortlisted", "analysed"), ("analysed", "final")):
            card = board_card(page, before, handle)
            card.get_by_label(f"New status for {handle}").select_option(after)
            card.get_by_label(f"Reason for moving {handle}").fill(f"{after}: kept for the report")
            card.get_by_role("button", name=f"Move {handle}").click()
            expect(board_card(page, after, handle)).to_be_visible()
    assert rows(folder, "SELECT DISTINCT status FROM extracts") == [("final",)]

    # 8. The study facts: the paper's minimal citation style, chosen on the Study page.
    nav(page, "Study")
    page.get_by_label("Citation style (line ranges)").select_option("minimal")
    page.get_by_label("Sampling strategy").fill("purposive")
    page.get_by_label("Setting", exact=True).fill("Adult mental health services, one NHS Trust (UK)")
    with page.expect_navigation():
        page.get_by_role("button", name="Save study facts").click()
    expect(page.get_by_label("Citation style (line ranges)")).to_have_value("minimal")

    # 9. The two short quotations in running text, on the Report page.
    nav(page, "Report")
    for code, line, words in INLINE_QUOTES:
        form = page.get_by_role("form", name="Add a short quotation")
        form.get_by_label("Participant quoted").select_option(code)
        form.get_by_label("First line").fill(str(line))
        form.get_by_label("Quoted words").fill(words)
        with page.expect_navigation():
            form.get_by_role("button", name="Add the quotation").click()
        expect(page.get_by_role("table", name="Short quotations")).to_contain_text(f"({code}. Line {line})")
    checks = page.locator(".report-checks").inner_text()
    assert "not found" not in checks and "no transcript lines" not in checks  # the words are on the cited lines

    # 10. The report, downloaded as Markdown and as Word: exactly the seven citations, in the paper's order.
    page.get_by_label("Report format").select_option("md")
    with page.expect_download() as download:
        page.get_by_role("button", name="Write and download the report").click()
    markdown = download.value.path().read_text(encoding="utf-8")
    assert citations_in(markdown) == EXPECTED_CITATIONS
    page.get_by_label("Report format").select_option("docx")
    with page.expect_download() as download:
        page.get_by_role("button", name="Write and download the report").click()
    document = docx.Document(str(download.value.path()))
    assert citations_in("\n".join(p.text for p in document.paragraphs)) == EXPECTED_CITATIONS
    assert rows(folder, "SELECT format, json_array_length(settings, '$.citations') FROM reports ORDER BY version") == [
        ("md", 7), ("docx", 7)]
