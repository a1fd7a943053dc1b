"""Notation marks are found, so views can show them (analysis) or hide them (reading)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reverie.core.errors import InvalidInput
from reverie.core.notation import (
    PROFILES,
    parse_profile_name,
    reading_text,
    render_pause,
    tokenize,
)


def marks(text, profile="verbatim_health"):
    return [(token.kind, token.text) for token in tokenize(text, profile) if token.kind != "space"]


def test_verbatim_health_marks():
    text = ('I remember once a…peer [support worker] i-i-it wa- was, um, (laughs) '
            '[laughs] [ward name] [inaudible 00:16:05] "we can" ….')
    assert marks(text) == [
        ("word", "I"), ("word", "remember"), ("word", "once"), ("word", "a"), ("pause", "…"),
        ("word", "peer"), ("insertion", "[support worker]"), ("false_start", "i-"),
        ("false_start", "i-"), ("word", "it"), ("cut_off", "wa-"), ("word", "was"),
        ("punct", ","), ("filler", "um"), ("punct", ","), ("nonverbal", "(laughs)"),
        ("nonverbal", "[laughs]"), ("insertion", "[ward name]"),
        ("inaudible", "[inaudible 00:16:05]"), ("quote", '"'), ("word", "we"), ("word", "can"),
        ("quote", '"'), ("pause", "…."),
    ]


def test_compound_words_are_not_false_starts():
    assert marks("well-being and peer-led, c-can") == [
        ("word", "well-being"), ("word", "and"), ("word", "peer-led"), ("punct", ","),
        ("false_start", "c-"), ("word", "can")]


def test_jefferson_lite_marks():
    text = "so [we went]= (0.5) wo:rd wor- REALLY °quiet° >fast< <slow> .hh hh ((laughs)) heh wo(h)rd (.)"
    assert marks(text, "jefferson_lite") == [
        ("word", "so"), ("overlap", "["), ("word", "we"), ("word", "went"), ("overlap", "]"),
        ("latch", "="), ("timed_pause", "(0.5)"), ("word", "wo"), ("stretch", ":"), ("word", "rd"),
        ("cut_off", "wor-"), ("loud", "REALLY"), ("quiet", "°"), ("word", "quiet"),
        ("quiet", "°"), ("fast", ">"), ("word", "fast"), ("fast", "<"), ("slow", "<"),
        ("word", "slow"), ("slow", ">"), ("breath", ".hh"), ("breath", "hh"),
        ("nonverbal", "((laughs))"), ("laughter", "heh"), ("word", "wo"),
        ("laugh_particle", "(h)"), ("word", "rd"), ("micropause", "(.)"),
    ]


def test_a_lone_angle_bracket_is_punctuation():
    assert ("punct", ">") in marks("more > less", "jefferson_lite")


def test_reading_view_hides_notation_but_keeps_words_and_fillers():
    text = "I remember once a…peer i-i-it was, um, really (laughs). [inaudible 00:16:05] ok\nI: yes"
    assert reading_text(text) == "I remember once a peer it was, um, really. [inaudible] ok\nI: yes"
    assert reading_text("so [we went]= (0.5) wo:rd .hh wo(h)rd (.) ye:s.", "jefferson-lite") == (
        "so we went word word yes.")


def test_pauses_render_per_profile():
    assert render_pause(2.3) == "…"
    assert [render_pause(s, "jefferson_lite") for s in (0.1, 0.2, 1.44, 2)] == [
        "(.)", "(0.2)", "(1.4)", "(2.0)"]
    with pytest.raises(InvalidInput):
        render_pause(-1)


def test_profile_names_accept_hyphens_and_refuse_unknown_profiles():
    assert parse_profile_name("Jefferson-Lite") == "jefferson_lite"
    assert set(PROFILES) == {"verbatim_health", "jefferson_lite"}
    with pytest.raises(InvalidInput, match="unknown notation profile"):
        parse_profile_name("gat2")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab I-…().:[]=°<>h0\n \"'"), max_size=60),
       st.sampled_from(sorted(PROFILES)))
def test_tokens_cover_the_text_exactly(text, profile):
    tokens = tokenize(text, profile)
    assert "".join(token.text for token in tokens) == text
    assert all(text[t.start:t.end] == t.text and t.start < t.end for t in tokens)
    assert all(a.end == b.start for a, b in zip(tokens, tokens[1:], strict=False))
    # The reading view keeps the turn breaks, so its lines still match the transcript's turns.
    assert reading_text(text, profile).count("\n") == text.count("\n")


def test_each_token_says_whether_the_reading_view_hides_it():
    hidden = [(t.text, t.hidden_in_reading) for t in tokenize("a…um (laughs)") if t.kind != "space"]
    assert hidden == [("a", False), ("…", True), ("um", False), ("(laughs)", True)]
