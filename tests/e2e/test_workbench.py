"""The researcher's path through the workbench, in a real browser against the real server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

SELECT = """([line, from, to]) => {
  const text = document.querySelector(`#L${line} .tx`).firstChild;
  const range = document.createRange();
  range.setStart(text, from);
  range.setEnd(text, to);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  document.getElementById('reader').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""

SELECT_LINES = """([first, last]) => {
  const range = document.createRange();
  range.setStart(document.querySelector(`#L${first} .tx`).firstChild, 0);
  const end = document.querySelector(`#L${last} .tx`).firstChild;
  range.setEnd(end, end.length);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  document.getElementById('reader').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


def open_transcript(page: Page, code: str) -> None:
    page.get_by_label(f"Read the transcript of {code} round 1").click()
    expect(page.locator("#L1")).to_be_visible()


def select_words(page: Page, line: int, words: str) -> None:
    text = page.locator(f"#L{line} .tx").text_content()
    start = len(text[:text.index(words)].encode("utf-16-le")) // 2
    page.evaluate(SELECT, [line, start, start + len(words.encode("utf-16-le")) // 2])
    expect(page.locator("#selection-menu")).to_be_visible()


def test_overview_to_coded_extract_memo_and_provenance(page: Page):
    expect(page.get_by_role("heading", name="Table 1. Participants")).to_be_visible()
    expect(page.get_by_role("cell", name="Occupational Therapist")).to_be_visible()
    expect(page.locator(".status-locked").first).to_be_visible()
    open_transcript(page, "P1")
    expect(page.locator("audio#audio")).to_have_count(1)

    # Select words after the emoji (UTF-16 offsets ≠ code points there) and code them.
    select_words(page, 6, "and I")
    page.get_by_role("menuitem", name="Apply a code to the selection").click()
    dialog = page.locator("#dlg-code")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Code label (new or existing)").fill("milk as emblem")
    dialog.get_by_role("button", name="Apply code").click()
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 6-6 as 'milk as emblem'")

    # The focused line, coded from the keyboard with an existing code.
    page.locator("#L10").click()
    page.keyboard.press("c")
    dialog.get_by_label("Code label (new or existing)").fill("milk as emblem")
    dialog.get_by_role("button", name="Apply code").click()
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 10-10")

    # Lines 10-11 become a candidate extract.
    page.evaluate(SELECT_LINES, [10, 11])
    page.get_by_role("menuitem", name="Make the selected lines a candidate extract").click()
    extract_dialog = page.locator("#dlg-extract")
    extract_dialog.get_by_label("Why this extract was selected").fill("psychology or tablets: the contrast")
    extract_dialog.get_by_label("researcher affect").check()
    extract_dialog.get_by_role("button", name="Make extract").click()
    expect(page.locator("#messages")).to_contain_text("E1")

    # A reflexive note on line 6.
    select_words(page, 6, "milk at home")
    page.get_by_role("menuitem", name="Write a reflexive note on the selected lines").click()
    note = page.locator("#dlg-note")
    note.get_by_label("emotional response").fill("a lump in my throat")
    note.get_by_role("button", name="Save note").click()
    expect(page.locator("#messages")).to_contain_text("log entry")

    # The board: a move asks for its reason.
    page.get_by_role("link", name="Extracts").click()
    card = page.locator("article.card", has=page.get_by_role("link", name="E1", exact=True))
    card.get_by_label("New status for E1").select_option("shortlisted")
    card.get_by_label("Reason for moving E1").fill("exemplifies the medical model")
    card.get_by_role("button", name="Move E1").click()
    expect(page.locator("#col-shortlisted")).to_contain_text("(1)")

    # The memo keeps a draft as it is typed; Save makes a version.
    page.get_by_label("Memo on E1").click()
    page.get_by_label("Action orientation").press_sequentially("contrasts care with treatment")
    expect(page.locator("#memo-status")).to_contain_text("Draft kept")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#memo-status")).to_contain_text("Saved version 1")

    # A PPI session is shown E1 with its memo and responds.
    page.get_by_role("link", name="Consultations").click()
    page.get_by_label("PPI group label, e.g. PPI-A").fill("PPI-A")
    page.get_by_role("button", name="Add the PPI group").click()
    expect(page.get_by_role("listitem").filter(has_text="PPI-A")).to_be_visible()
    page.get_by_label("Kind of consultation").select_option("ppi_analysis")
    page.get_by_label("PPI group, for a PPI session").select_option("PPI-A")
    page.get_by_role("button", name="Record the consultation").click()
    expect(page.get_by_role("heading", name="Consultation 1")).to_be_visible()
    page.get_by_label("Show E1").check()
    page.get_by_role("button", name="Add the chosen extracts").click()
    expect(page.locator("#shown")).to_be_visible()
    expect(page.get_by_text("with memo version 1")).to_be_visible()
    page.get_by_label("Summary of what was said").fill("milk means being held in mind")
    page.get_by_label("extend", exact=True).check()
    page.get_by_label("Which extract").select_option("E1")
    page.get_by_role("button", name="Record the response").click()
    expect(page.get_by_role("article", name="Response 1")).to_contain_text("milk means being held in mind")

    # Provenance shows the selection, the move, the showing and the response.
    page.goto(page.url.split("/consultations")[0] + "/extracts/E1")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("psychology or tablets: the contrast")
    expect(timeline).to_contain_text("exemplifies the medical model")
    expect(timeline).to_contain_text("held in mind")

    # The report downloads.
    page.get_by_role("link", name="Report").click()
    page.get_by_label("Report format").select_option("md")
    with page.expect_download() as download:
        page.get_by_role("button", name="Write and download the report").click()
    assert download.value.suggested_filename == "report-v1.md"
    assert "Table 1" in download.value.path().read_text(encoding="utf-8")


def test_search_opens_the_transcript_at_the_line(page: Page):
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Search words").fill("tablets")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Open P1 round 1 at line 11").click()
    line = page.locator("#L11")
    expect(line).to_have_class("line target")
    expect(line).to_be_in_viewport()
    expect(line).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator("#L10")).to_be_focused()
    page.keyboard.press("j")
    expect(line).to_be_focused()


def test_a_20000_line_transcript_opens_at_a_line(page: Page, big_transcript_lines: int):
    """The time it takes is measured in bench/page_bench.py, not asserted here."""
    base = page.url.rstrip("/")
    target = big_transcript_lines - 1000
    page.goto(f"{base}/interviews/P2/1/transcript#L{target}")
    line = page.locator(f"#L{target}")
    expect(line).to_be_focused(timeout=10_000)
    assert page.locator(".line").count() <= 1000  # only a window is in the page
    page.keyboard.press("c")
    expect(page.locator("#dlg-code")).to_be_visible()


def test_a_dialog_sends_on_enter_and_closes_unsent_on_escape(page: Page):
    open_transcript(page, "P1")
    dialog = page.locator("#dlg-code")
    page.locator("#L2").click()
    page.keyboard.press("c")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Code label (new or existing)").fill("left unsaid")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#L2 .bars .on")).to_have_count(0)
    expect(page.locator("#messages")).not_to_contain_text("coded")

    page.locator("#L4").click()
    page.keyboard.press("c")
    label = dialog.get_by_label("Code label (new or existing)")
    label.fill("not knowing what to expect")
    label.press("Enter")
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 4-4 as 'not knowing what to expect'")
    expect(dialog).to_be_hidden()


def test_without_the_token_the_browser_gets_403(browser, server):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(server.split("?")[0])
    assert response.status == 403
    context.close()
