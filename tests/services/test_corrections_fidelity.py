"""Corrections keep a published transcript's line numbers (issue 16, part 1).

A 1,000+-line transcript imported with its own numbers (layout ``imported``) is coded and cited;
correcting a word elsewhere, correcting a word inside the extract and inserting a line each make
a new locked version whose numbers are the ones a reader of the paper would check.
"""

from __future__ import annotations

import pytest

from reverie.core.errors import InvalidInput
from reverie.core.transcript import Turn
from reverie.services.analysis import coding, extracts
from reverie.services.analysis.provenance import extract_history
from reverie.services.output import reports
from reverie.services.study import interviews, participants
from reverie.services.transcripts import corrections
from reverie.services.transcripts import versions as transcripts

EXTRACT = {
    976: "I: And what did the peer do?",
    977: "P1: Well it was the discharge meeting and we'd done the",
    978: "plans. I remember once a peer said, \"does she have milk in my fridge",
    979: "at home?\" such a little thing, such a silly little thing,",
    980: "and none of us had thought of it, not one of us, and it",
    981: "was (laughs) really important.",
    982: "I: Mm.",
}
LAST = 1010


def _line(number: int) -> str:
    if number in EXTRACT:
        return EXTRACT[number]
    speaker = "I" if number % 2 else "P1"
    return f"{speaker}: line {number} talks of ward{number} and shift{number}"


def _numbered(lines: dict[int, str]) -> str:
    return "\n".join(f"{number}  {text}" for number, text in lines.items()) + "\n"


def _source() -> dict[int, str]:
    return {number: _line(number) for number in range(1, LAST + 1)}


@pytest.fixture
def published(study, tmp_path):
    participants.add_participant(study, "P1", profession="Occupational Therapist")
    interviews.add_interview(study, "P1", 1)
    path = tmp_path / "p1.txt"
    path.write_text(_numbered(_source()), encoding="utf-8")
    result = transcripts.import_transcript(study, "P1", 1, path)
    assert result.layout == "imported" and result.lines == LAST
    transcripts.lock_transcript(study, "P1", 1)
    coding.add_code(study, "milk")
    coding.apply_code(study, "milk", "P1", lines=(978, 981))
    extracts.add_extract(study, "P1", 978, 981, why="the milk moment")
    extracts.add_extract(study, "P1", 100, 101, why="an early moment")
    reports.set_inline_quotes(study, [{"participant": "P1", "line": 990, "quote": "ward990 and shift990"}])
    return study


def _correct(study, tmp_path, lines: dict[int, str], why: str):
    path = tmp_path / f"corrected-{len(list(tmp_path.iterdir()))}.txt"
    path.write_text(_numbered(lines), encoding="utf-8")
    return corrections.correct_from_file(study, "P1", 1, path, why=why)


def test_a_word_elsewhere_keeps_every_number(published, tmp_path):
    lines = _source()
    lines[500] = lines[500].replace("ward500", "wards500")
    result = _correct(published, tmp_path, lines, "mis-heard word")
    info = transcripts.version_info(published, "P1", 1)
    assert info.number == 2 and info.status == "locked"
    assert transcripts.cite(published, "P1", 978, 981) == "(P1. Lines 978-81)"
    e1 = extracts.get_extract(published, "E1")
    assert (e1.start_line, e1.end_line) == (978, 981) and e1.citation == "(P1. Lines 978-81)"
    assert all(result.line_map[n] == (n,) for n in range(1, LAST + 1))
    assert not [r for r in result.report if r.label == "E1"]


def test_a_word_inside_the_extract_is_flagged(published, tmp_path):
    lines = _source()
    lines[978] = lines[978].replace("in my fridge", "in the fridge")
    result = _correct(published, tmp_path, lines, "mis-heard word in the extract")
    e1 = extracts.get_extract(published, "E1")
    assert (e1.start_line, e1.end_line) == (978, 981) and e1.citation == "(P1. Lines 978-81)"
    flagged = [r for r in result.report if r.label == "E1"]
    assert flagged and flagged[0].status == "changed"
    assert "my fridge" in flagged[0].old_text and "the fridge" in flagged[0].new_text
    history = extract_history(published, "E1")
    changed = history.of_kind("changed")
    assert changed and "my fridge" in changed[-1].detail and "the fridge" in changed[-1].detail


def test_an_inserted_line_moves_later_extracts_by_one(published, tmp_path):
    lines = _source()
    renumbered = {n: t for n, t in lines.items() if n <= 500}
    renumbered[501] = "P1: a line the transcriber missed"
    renumbered.update({n + 1: t for n, t in lines.items() if n > 500})
    result = _correct(published, tmp_path, renumbered, "a missed line")
    assert result.line_map[978] == (979,) and result.line_map[100] == (100,)
    e1, e2 = extracts.get_extract(published, "E1"), extracts.get_extract(published, "E2")
    assert (e1.start_line, e1.end_line) == (979, 982) and (e2.start_line, e2.end_line) == (100, 101)
    moved = extract_history(published, "E1").of_kind("moved")
    assert any("lines 978-981 → lines 979-982" in event.summary and event.refs["new_lines"] for event in moved)
    assert any(event.summary.startswith("coding") for event in moved)  # the coding it carries
    assert not extract_history(published, "E2").of_kind("moved")
    with published.read() as s:
        from reverie.store.models import Study

        quotes = s.get(Study, published.study_id).settings["inline_quotes"]
    assert quotes[0]["line"] == 991
    assert transcripts.version_info(published, "P1", 1).status == "locked"


def test_a_numbered_correction_must_number_every_line_in_order(published, tmp_path):
    lines = _source()
    gap = {n: t for n, t in lines.items() if n != 600}
    with pytest.raises(InvalidInput, match="line 601 .*line 600 is missing"):
        _correct(published, tmp_path, gap, "gap")
    falling = dict(lines)
    text = "\n".join(f"{n}  {t}" for n, t in falling.items()).replace("\n700  ", "\n699  ", 1)
    path = tmp_path / "falling.txt"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 699"):
        corrections.correct_from_file(published, "P1", 1, path, why="dup")
    assert transcripts.version_info(published, "P1", 1).number == 1


def test_an_unnumbered_correction_keeps_numbers_and_numbers_inserted_turns(published):
    turns = corrections.current_turns(published, "P1", 1)
    edited = [Turn(t.speaker, t.text.replace("ward300 ", "wards300 ")) for t in turns]
    index = next(i for i, t in enumerate(edited) if "ward400 " in t.text)
    edited.insert(index + 1, Turn("P1", "a turn the transcriber missed"))
    result = corrections.correct_transcript(published, "P1", 1, edited, why="web edit")
    assert result.line_map[300] == (300,) and result.line_map[400] == (400,)
    assert result.line_map[401] == (402,) and result.line_map[978] == (979,)
    assert transcripts.cite(published, "P1", 401, 401) == "(P1. Line 401)"
    shown = transcripts.show_lines(published, "P1", 1, first=401, last=401)
    assert shown[0].text == "a turn the transcriber missed"
    e1 = extracts.get_extract(published, "E1")
    assert (e1.start_line, e1.end_line) == (979, 982)
