"""Offsets in a producer's convention map onto code points of LF-only text."""

from __future__ import annotations

from reverie.formats.refi.text import OffsetUnit, SourceText, detect_convention

TEXT = "a😀b\r\ncd"  # code points: a=0 😀=1 b=2 CR=3 LF=4 c=5 d=6; UTF-16 adds one after 😀


def test_code_points_with_crlf_counted_as_two() -> None:
    source = SourceText(TEXT)
    assert source.text == "a😀b\ncd"
    mapped = source.map_offset(5, OffsetUnit.CODE_POINTS, True)
    assert mapped is not None and source.text[mapped.index] == "c" and mapped.clean


def test_utf16_units_are_converted() -> None:
    source = SourceText(TEXT)
    mapped = source.map_offset(6, OffsetUnit.UTF16, True)  # a, 😀 (2), b, CR, LF -> c
    assert mapped is not None and source.text[mapped.index] == "c"
    mapped = source.map_offset(5, OffsetUnit.UTF16, False)  # a, 😀 (2), b, LF -> c
    assert mapped is not None and source.text[mapped.index] == "c"


def test_offsets_that_split_something_are_flagged() -> None:
    source = SourceText(TEXT)
    inside_pair = source.map_offset(2, OffsetUnit.UTF16, True)
    assert inside_pair is not None and not inside_pair.clean and inside_pair.index == 1
    inside_crlf = source.map_offset(4, OffsetUnit.CODE_POINTS, True)
    assert (
        inside_crlf is not None and not inside_crlf.clean and source.text[inside_crlf.index] == "\n"
    )


def test_offsets_past_the_end_do_not_map() -> None:
    source = SourceText(TEXT)
    assert source.map_offset(7, OffsetUnit.CODE_POINTS, True) is not None
    assert source.map_offset(8, OffsetUnit.CODE_POINTS, True) is None
    assert source.map_offset(8, OffsetUnit.UTF16, True) is not None
    assert source.map_offset(-1, OffsetUnit.CODE_POINTS, True) is None


def test_plain_text_needs_no_decision() -> None:
    convention = detect_convention(SourceText("plain words only\n"), [(0, 5)])
    assert convention.unit is OffsetUnit.CODE_POINTS and "agree" in convention.evidence
