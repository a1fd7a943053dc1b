"""Spans stay on the right words when a corrected version replaces a transcript."""


import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reverie.core.anchoring import (
    QuoteSelector,
    diff_versions,
    make_selector,
    map_line_numbers,
    reanchor,
)
from reverie.core.errors import InvalidInput
from reverie.core.layout import LineLayout, layout_lines
from reverie.core.transcript import Turn, assemble

OLD = ("I remember once a…peer brought in some milk for a client.\n"
       "Mm.\n"
       "And it was just the little things, you know, really important.\n")


def span(text, quote, span_id=None):
    start = text.index(quote)
    return (span_id or quote, start, start + len(quote), None)


def test_selector_keeps_context_either_side():
    start = OLD.index("milk")
    assert make_selector(OLD, start, start + 4, context=8) == QuoteSelector("milk", "in some ", " for a c")
    with pytest.raises(InvalidInput):
        make_selector(OLD, 5, 2)


def test_untouched_spans_are_unchanged_and_later_ones_move():
    new = OLD.replace("Mm.", "Mm, yes.")
    results = reanchor(OLD, new, [span(OLD, "peer brought"), span(OLD, "really important")])
    assert [(r.status, new[r.new_start:r.new_end]) for r in results] == [
        ("unchanged", "peer brought"), ("moved", "really important")]


def test_an_edited_span_is_changed_and_a_deleted_one_lost():
    new = OLD.replace("some milk for a client", "some milk for the client").replace(
        "And it was just the little things, you know, really important.\n", "")
    changed, lost = reanchor(OLD, new, [span(OLD, "some milk for a client"),
                                        span(OLD, "just the little things")])
    assert changed.status == "changed"
    assert new[changed.new_start:changed.new_end] == "some milk for the client"
    assert (lost.status, lost.new_start, lost.new_end) == ("lost", None, None)


def test_a_moved_passage_is_found_by_its_quote():
    new = "Mm.\nAnd it was just the little things, you know, really important.\n" + OLD.split("\n")[0] + "\n"
    [result] = reanchor(OLD, new, [span(OLD, "brought in some milk")])
    assert result.status == "moved"
    assert new[result.new_start:result.new_end] == "brought in some milk"


def test_context_picks_the_right_occurrence_of_a_repeated_quote():
    old = "P: I don't know what she did.\nI: Mm.\nP: I don't know why it helped.\n"
    new = "P: I really don't know what she did, honestly.\nI: Mm.\nP: I don't know why it helped.\n"
    start = old.index("I don't know why")
    selector = make_selector(old, start, start + len("I don't know"))
    [result] = reanchor(old, new.replace("I: Mm.\n", ""), [("s", start, start + 12, selector)])
    assert result.new_start == new.replace("I: Mm.\n", "").index("I don't know why")


def test_spans_outside_the_old_text_are_refused():
    with pytest.raises(InvalidInput):
        reanchor(OLD, OLD, [("s", 0, len(OLD) + 1, None)])


def test_diff_maps_offsets_monotonically_and_widens_over_changes():
    old, new = "alpha beta gamma", "alpha BETA gamma"
    diff = diff_versions(old, new)
    assert diff.map_offset(0) == 0 and diff.map_offset(len(old), "right") == len(new)
    assert diff.map_span(old.index("gamma"), len(old)) == (new.index("gamma"), len(new))
    mapped = [diff.map_offset(i) for i in range(len(old) + 1)]
    assert mapped == sorted(mapped)


def test_line_numbers_map_across_a_correction():
    old_turns = [Turn("I", "Can you tell me about a time?"), Turn("P1", "Yes I remember it well"),
                 Turn("I", "Mm."), Turn("P1", "It was the milk")]
    new_turns = [Turn("I", "Can you tell me about a time?"), Turn("P1", "Yes I remember it very well indeed"),
                 Turn("P1", "It was the milk")]
    old_text, old_spans = assemble(old_turns)
    new_text, new_spans = assemble(new_turns)
    layout = LineLayout(width=20)
    old_lines = layout_lines(old_text, old_spans, layout)
    new_lines = layout_lines(new_text, new_spans, layout)
    assert [old_text[line.start:line.end] for line in old_lines] == [
        "Can you tell me", "about a time?", "Yes I remember", "it well", "Mm.", "It was the milk"]
    assert [new_text[line.start:line.end] for line in new_lines] == [
        "Can you tell me", "about a time?", "Yes I remember", "it very well indeed",
        "It was the milk"]
    assert map_line_numbers(old_lines, new_lines, old_text, new_text) == {
        1: (1,), 2: (2,), 3: (3,), 4: (4,), 5: (), 6: (5,)}


def test_a_twenty_thousand_line_transcript_reanchors_quickly():
    turns = [Turn("P1" if i % 2 else "I", f"turn {i}: so I remember once a peer worker brought in milk "
                  f"and it was the little things that mattered on ward {i % 97}")
             for i in range(20_000)]
    old_text, old_spans = assemble(turns)
    turns[5_000].text = turns[5_000].text.replace("little", "small")
    del turns[12_000]
    turns.insert(15_000, Turn("I", "Mm, go on."))
    new_text, new_spans = assemble(turns)
    spans = [(i, old_spans[i].start, old_spans[i].end, None) for i in range(0, 20_000, 20)]
    diff = diff_versions(old_text, new_text)
    results = reanchor(old_text, new_text, spans, diff=diff)
    layout = LineLayout()
    map_line_numbers(layout_lines(old_text, old_spans, layout),
                     layout_lines(new_text, new_spans, layout), old_text, new_text, diff)
    statuses = {r.id: r.status for r in results}
    assert statuses[0] == "unchanged" and statuses[5_000] == "changed" and statuses[12_000] == "lost"
    assert statuses[19_980] == "moved"


@st.composite
def edited_texts(draw):
    words = st.sampled_from(["peer", "milk", "um", "I", "the", "care", "…", "ward", "really"])
    separators = st.sampled_from([" ", " ", "\n", ", "])
    pieces = draw(st.lists(st.tuples(words, separators), min_size=4, max_size=40))
    old = "".join(word + sep for word, sep in pieces)
    start = draw(st.integers(0, len(old) - 1))
    end = draw(st.integers(start + 1, min(len(old), start + 30)))
    # The edit lies wholly before or wholly after the span, and may touch its edge.
    if draw(st.booleans()) and start > 0:
        a = draw(st.integers(0, start))
        b = draw(st.integers(a, start))
    else:
        a = draw(st.integers(end, len(old)))
        b = draw(st.integers(a, len(old)))
    inserted = draw(st.text(alphabet=st.sampled_from("abc mk\n…"), max_size=12))
    return old, start, end, a, b, inserted


@settings(max_examples=300, deadline=None)
@given(edited_texts())
def test_spans_the_edit_did_not_touch_survive(case):
    old, start, end, a, b, inserted = case
    new = old[:a] + inserted + old[b:]
    assume(new != old)
    [result] = reanchor(old, new, [("s", start, end, None)])
    quote = old[start:end]
    assert result.status in ("unchanged", "moved")
    assert new[result.new_start:result.new_end] == quote
    occurrences = sum(new.startswith(quote, i) for i in range(len(new)))
    if occurrences == 1:
        assert result.new_start == (start + len(inserted) - (b - a) if b <= start else start)
