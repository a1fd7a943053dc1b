"""Browser (UTF-16) offsets and Reverie's code-point offsets convert both ways."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reverie.core.errors import InvalidInput
from reverie.core.offsets import Utf16Index, cp_to_utf16, utf16_to_cp


def test_an_emoji_takes_two_utf16_units():
    text = "a😀b"
    assert [cp_to_utf16(text, i) for i in range(4)] == [0, 1, 3, 4]
    assert [utf16_to_cp(text, u) for u in (0, 1, 3, 4)] == [0, 1, 2, 3]


def test_an_offset_inside_a_surrogate_pair_is_refused():
    with pytest.raises(InvalidInput, match="inside a character"):
        utf16_to_cp("a😀b", 2)


def test_offsets_outside_the_text_are_refused():
    with pytest.raises(InvalidInput):
        cp_to_utf16("abc", 4)
    with pytest.raises(InvalidInput):
        utf16_to_cp("a😀", 4)


def test_text_without_astral_characters_is_unchanged():
    text = "café … naïve"
    assert all(cp_to_utf16(text, i) == i == utf16_to_cp(text, i) for i in range(len(text) + 1))


def test_a_long_text_converts_quickly():
    text = ("word " * 50 + "🙂\n") * 4000
    index = Utf16Index(text)
    assert index.utf16_length == len(text.encode("utf-16-le")) // 2
    assert index.to_cp(index.to_utf16(len(text) - 1)) == len(text) - 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é…\n😀🧠𝔸"), max_size=60), st.data())
def test_round_trip_matches_python_utf16_encoding(text, data):
    offset = data.draw(st.integers(0, len(text)))
    units = cp_to_utf16(text, offset)
    assert units == len(text[:offset].encode("utf-16-le")) // 2
    assert utf16_to_cp(text, units) == offset
