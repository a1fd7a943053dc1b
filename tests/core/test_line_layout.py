"""Numbered lines derived from a version's text: fixed-width, per-turn and imported layouts."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reverie.core.errors import InvalidInput
from reverie.core.layout import (
    Line,
    LineLayout,
    layout_lines,
    line_for_offset,
    line_range_for_span,
    lines_for_span,
    lines_in_range,
    offsets_for_lines,
    parse_layout_name,
)
from reverie.core.transcript import SourceLine, Turn, assemble


def laid_out(turns, layout=None, source_lines=None):
    text, spans = assemble(turns)
    return text, spans, layout_lines(text, spans, layout or LineLayout(), source_lines)


@pytest.mark.parametrize(("name", "mode"), [
    ("fixed-width", "fixed_width"), ("Fixed_Width", "fixed_width"), ("per-turn", "per_turn"),
    ("per turn", "per_turn"), ("imported", "imported"),
])
def test_layout_names_are_forgiving(name, mode):
    assert parse_layout_name(name) == mode


def test_unknown_layout_name_is_refused():
    with pytest.raises(InvalidInput, match="unknown line layout"):
        parse_layout_name("by-page")


def test_fixed_width_wraps_words_and_counts_the_speaker_label():
    turns = [Turn("I", "Can you tell me about a time?"),
             Turn("P1", "I remember once a peer brought in some milk for a client")]
    text, _, lines = laid_out(turns, LineLayout(width=20))
    shown = [(line.number, line.turn_index, line.first_of_turn, text[line.start:line.end])
             for line in lines]
    assert shown == [
        (1, 0, True, "Can you tell me"),  # "I: " takes 3 of the 20 characters
        (2, 0, False, "about a time?"),
        (3, 1, True, "I remember once"),  # "P1: " takes 4
        (4, 1, False, "a peer brought in"),
        (5, 1, False, "some milk for a"),
        (6, 1, False, "client"),
    ]


def test_a_word_longer_than_the_width_gets_a_line_of_its_own():
    text, _, lines = laid_out([Turn("P1", "so supercalifragilistic ok")], LineLayout(width=10))
    assert [text[line.start:line.end] for line in lines] == ["so", "supercalifragilistic", "ok"]


def test_numbering_start_and_per_turn_layout():
    turns = [Turn("I", "  Hello there. "), Turn("P1", "Hi."), Turn("I", "")]
    text, _, lines = laid_out(turns, LineLayout(mode="per_turn", numbering_start=10))
    assert [(line.number, text[line.start:line.end]) for line in lines] == [
        (10, "Hello there."), (11, "Hi."), (12, "")]


def test_imported_layout_keeps_the_source_numbers_exactly():
    numbered = (SourceLine(978, 0, 11), SourceLine(979, 11, 22))
    turns = [Turn("P1", "I remember once a peer", source_lines=numbered),
             Turn("I", "Mm.", source_lines=(SourceLine(980, 0, 3),))]
    text, spans, lines = laid_out(turns, LineLayout(mode="imported"),
                                  [turn.source_lines for turn in turns])
    assert [(line.number, text[line.start:line.end], line.first_of_turn) for line in lines] == [
        (978, "I remember", True), (979, "once a peer", False), (980, "Mm.", True)]
    assert offsets_for_lines(lines, 979, 980) == (spans[0].start + 11, spans[1].end)


def test_imported_numbers_must_increase():
    turns = [Turn("P1", "one two", source_lines=(SourceLine(5, 0, 3), SourceLine(5, 4, 7)))]
    with pytest.raises(InvalidInput, match="must increase"):
        laid_out(turns, LineLayout(mode="imported"), [turns[0].source_lines])


def test_imported_layout_needs_the_source_numbers():
    with pytest.raises(InvalidInput, match="needs the source file's line numbers"):
        laid_out([Turn("P1", "one")], LineLayout(mode="imported"))
    with pytest.raises(InvalidInput, match="no line numbers"):
        laid_out([Turn("P1", "one")], LineLayout(mode="imported"), [()])


def test_line_lookups():
    text, _, lines = laid_out([Turn("I", "aaa bbb ccc"), Turn("P1", "ddd eee")], LineLayout(width=10))
    assert [text[line.start:line.end] for line in lines] == ["aaa bbb", "ccc", "ddd", "eee"]
    assert line_for_offset(lines, text.index("ccc")).number == 2
    assert line_for_offset(lines, text.index("bbb") + 3).number == 1  # the wrap space
    assert line_range_for_span(lines, text.index("bbb"), text.index("ddd") + 3) == (1, 3)
    assert line_range_for_span(lines, text.index("bbb") + 3, text.index("ccc") + 1) == (2, 2)
    assert line_range_for_span(lines, text.index("ccc"), text.index("ccc")) == (2, 2)
    assert [line.number for line in lines_in_range(lines, 2, 3)] == [2, 3]
    assert offsets_for_lines(lines, 2, 2) == (text.index("ccc"), text.index("ccc") + 3)
    assert [line.number for line in lines_for_span(lines, 0, len(text))] == [1, 2, 3, 4]


def test_ranges_outside_the_transcript_are_refused_with_the_valid_range():
    lines = [Line(n, n * 10, n * 10 + 5, 0, n == 1) for n in range(1, 5)]
    with pytest.raises(InvalidInput, match=re.escape("line range 5-9 is outside the transcript (lines 1-4)")):
        lines_in_range(lines, 5, 9)
    with pytest.raises(InvalidInput, match="ends before it starts"):
        lines_in_range(lines, 3, 2)
    gappy = [Line(1, 0, 3, 0, True), Line(5, 4, 7, 0, False)]
    with pytest.raises(InvalidInput, match="has no line range 2-4"):
        lines_in_range(gappy, 2, 4)


def test_twenty_thousand_lines_lay_out_and_look_up():
    """Correctness at size; the speed is measured in bench/, not asserted here."""
    turns = [Turn("P1" if i % 2 else "I", "so I remember once a peer worker brought in milk " * 3)
             for i in range(10_000)]
    text, spans = assemble(turns)
    lines = layout_lines(text, spans, LineLayout())
    for offset in range(0, len(text), 997):
        first, last = line_range_for_span(lines, offset, min(offset + 300, len(text)))
        offsets_for_lines(lines, first, last)
    assert len(lines) >= 20_000


words = st.text(alphabet=st.sampled_from("abcdeé…-"), min_size=1, max_size=25)
turn_texts = st.lists(words, max_size=12).flatmap(
    lambda ws: st.sampled_from([" ", "  ", "\t"]).map(lambda gap: gap.join(ws)))


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(turn_texts, min_size=1, max_size=6),
       speakers=st.lists(st.sampled_from(["I", "P1", "Interviewer"]), min_size=6, max_size=6),
       width=st.integers(5, 40))
def test_fixed_width_never_splits_a_word_nor_loses_a_character(texts, speakers, width):
    turns = [Turn(speaker, text) for speaker, text in zip(speakers, texts, strict=False)]
    text, spans, lines = laid_out(turns, LineLayout(width=width))
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    covered = [0] * len(text)
    for line in lines:
        span = spans[line.turn_index]
        shown = text[line.start:line.end]
        assert shown == shown.strip()
        # No word is split: a line begins and ends at a word boundary inside its turn.
        assert line.start == span.start or text[line.start - 1].isspace() or not shown
        assert line.end == span.end or text[line.end].isspace() or not shown
        room = width - len(f"{span.speaker}: ") if line.first_of_turn else width
        assert len(shown) <= room or not re.search(r"\s", shown)
        for offset in range(line.start, line.end):
            covered[offset] += 1
    assert all(covered[i] == 1 for i, ch in enumerate(text) if not ch.isspace())
    for index in range(len(spans)):
        turn_lines = [line for line in lines if line.turn_index == index]
        assert turn_lines and turn_lines[0].first_of_turn
        assert not any(line.first_of_turn for line in turn_lines[1:])
