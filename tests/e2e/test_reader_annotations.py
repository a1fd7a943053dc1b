"""The reader in a real browser: annotations and codes on the lines, a few windows at a time, the playing line."""

from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reverie.services.study import interviews, studies
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import TranscriptLine

# Select `words` in a line's text, across the highlight spans it may be cut into.
SELECT = """([line, words]) => {
  const text = document.querySelector(`#L${line} .tx`);
  const start = text.textContent.indexOf(words);
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.data.length;
    if (start >= seen && start <= seen + length) range.setStart(node, start - seen);
    if (start + words.length >= seen && start + words.length <= seen + length) {
      range.setEnd(node, start + words.length - seen);
      break;
    }
    seen += length;
  }
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  document.getElementById('reader').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""
TARGET = re.compile(r"\btarget\b")
SECONDS_PER_LINE = 0.00009  # P2's 20,000 lines spread over the first 1.8 s of a 2 s recording


@pytest.fixture(scope="module")
def study_template(study_template: Path, tmp_path_factory) -> Path:
    """The e2e study, with P2's long transcript timed against a recording (what transcription would store)."""
    root = Path(shutil.copytree(study_template, tmp_path_factory.mktemp("timed") / "study"))
    recording = tmp_path_factory.mktemp("timed-audio") / "p2.wav"
    with wave.open(str(recording), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 16000)
    study = studies.open_study(root)
    interviews.attach_recording(study, "P2", 1, recording, duration_s=2.0)
    version_id = transcripts.version_info(study, "P2", 1).id
    with study.write("test.times") as s:
        for line in s.execute(select(TranscriptLine).where(TranscriptLine.version_id == version_id)).scalars():
            line.time_start = round(line.number * SECONDS_PER_LINE, 5)
            line.time_end = round(line.time_start + SECONDS_PER_LINE * 0.9, 5)
    study.close()
    return root


def open_reader(page: Page, code: str, line: int = 1) -> None:
    page.goto(f"{page.url.split('?')[0].rstrip('/')}/interviews/{code}/1/transcript#L{line}")
    expect(page.locator(f"#L{line}")).to_be_focused()


def scroll_until(page: Page, scroll: str, done: str, tries: int = 30) -> None:
    """Scroll the reader (letting it fetch and drop windows) until ``done`` holds in the page."""
    for _ in range(tries):
        page.locator("#reader").evaluate(scroll)
        page.wait_for_timeout(150)
        if page.evaluate(done):
            return
    raise AssertionError(f"scrolling never made {done} true")


def test_a_nonverbal_annotation_from_the_menu_becomes_a_keyboard_reachable_margin_mark(page: Page):
    open_reader(page, "P1")
    page.evaluate(SELECT, [7, "such a silly thing"])
    page.get_by_role("menuitem", name="Add a non-verbal annotation to the selection").click()
    dialog = page.locator("#dlg-nonverbal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Kind of non-verbal impression").select_option("tearfulness")
    dialog.get_by_label("Description of the non-verbal impression").fill("eyes welling, voice breaks")
    dialog.get_by_label("Where the impression comes from").select_option("interviewer_notes")
    dialog.get_by_label("Start time, hh:mm:ss").fill("1:05")
    dialog.get_by_label("End time, hh:mm:ss").fill("00:01:09")
    dialog.get_by_role("button", name="Add annotation").click()
    expect(page.locator("#messages")).to_contain_text("noted tearfulness on P1 lines 7-7")

    mark = page.locator("#L7").get_by_role("button", name="Non-verbal annotation: tearfulness")
    expect(mark).to_be_visible()
    tip = page.locator("#L7 .tip")
    expect(tip).to_be_hidden()
    page.locator("#L7").click(position={"x": 5, "y": 5})
    page.keyboard.press("Tab")  # from the line, Tab reaches its annotations
    expect(mark).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_text("tearfulness: eyes welling, voice breaks, from the interviewer notes, "
                             "at 00:01:05–00:01:09, line 7 (TR)")
    expect(mark).to_have_accessible_description("tearfulness: eyes welling, voice breaks, from the interviewer "
                                                "notes, at 00:01:05–00:01:09, line 7 (TR)")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#L7")).to_be_focused()
    expect(tip).to_be_hidden()


def test_codes_and_reported_speech_appear_on_their_lines_as_soon_as_they_are_saved(page: Page):
    open_reader(page, "P1")
    page.evaluate(SELECT, [6, "milk at home"])
    page.get_by_role("menuitem", name="Apply a code to the selection").click()
    code = page.locator("#dlg-code")
    code.get_by_label("Code label (new or existing)").fill("milk as emblem")
    code.get_by_label("Kind of a new code").select_option("discursive_object")
    code.get_by_role("button", name="Apply code").click()
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 6-6")
    expect(page.locator("#L6 .bars")).to_have_attribute("aria-label", "Coded: milk as emblem")
    expect(page.locator("#L6 .code-tag .code-label")).to_have_text("milk as emblem")
    expect(page.locator("#L5 .bars i.on")).to_have_count(0)

    page.evaluate(SELECT, [6, "She asked him whether he had milk"])
    page.get_by_role("menuitem", name="Mark the selection as reported speech").click()
    reported = page.locator("#dlg-reported")
    reported.get_by_label("Voiced figure").fill("the peer")
    reported.get_by_role("button", name="Mark reported speech").click()
    expect(page.locator("#L6").get_by_role("button", name="Reported speech voiced by the peer")).to_be_visible()

    page.get_by_role("link", name="Affect timeline of this interview").click()
    expect(page.get_by_role("link", name="Discursive object milk as emblem, lines 6-6, coded by TR")).to_be_attached()


def test_the_reader_keeps_a_few_windows_and_fetches_dropped_ones_again(page: Page, big_transcript_lines: int):
    open_reader(page, "P2")
    scroll_until(page, "r => { r.scrollTop = r.scrollHeight; }", "!!document.getElementById('L1700')")
    expect(page.locator("#L1")).to_have_count(0)
    assert page.locator("#reader > .window").count() <= 3
    assert page.locator(".line").count() <= 1200

    # Scrolling back up fetches the dropped windows again.
    scroll_until(page, "r => { r.scrollTop = 0; }", "!!document.getElementById('L1')")
    assert page.locator("#reader > .window").count() <= 3

    # An anchor to a dropped line still opens it, highlighted and focused; j and k still step.
    page.evaluate("location.hash = '#L1500'")
    expect(page.locator("#L1500")).to_be_focused()
    expect(page.locator("#L1500")).to_have_class(TARGET)
    page.keyboard.press("j")
    expect(page.locator("#L1501")).to_be_focused()

    # The highlight survives its window being dropped and fetched again.
    scroll_until(page, "r => { r.scrollTop = r.scrollHeight; }", "!document.getElementById('L1500')")
    scroll_until(page, "r => { r.scrollTop = 0; }", "!!document.getElementById('L1500')")
    expect(page.locator("#L1500")).to_have_class(TARGET)
    page.evaluate(f"location.hash = '#L{big_transcript_lines - 5}'")
    expect(page.locator(f"#L{big_transcript_lines - 5}")).to_be_focused()
    assert page.locator("#reader > .window").count() <= 3


def test_the_playing_line_is_fetched_when_its_window_is_not_in_the_page(page: Page):
    open_reader(page, "P2")
    page.wait_for_function("document.getElementById('audio').readyState >= 1")
    playing_at = 1.5
    expected = int(playing_at / SECONDS_PER_LINE)
    assert page.locator(f"#L{expected}").count() == 0
    page.evaluate(f"document.getElementById('audio').currentTime = {playing_at}")
    line = page.locator(".line.playing")
    expect(line).to_have_count(1)
    assert abs(int(line.get_attribute("data-n")) - expected) <= 1
    expect(line).to_be_in_viewport()
    assert page.locator("#reader > .window").count() <= 3
