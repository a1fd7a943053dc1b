"""Line ranges are written and read the way the reference paper and the style guides do."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reverie.core.errors import InvalidInput
from reverie.core.ranges import RANGE_STYLES, format_range, lines_word, parse_range

PAPER_RANGES = {(978, 981): "978-81", (982, 985): "982-5", (216, 222): "216-22",
                (415, 419): "415-9", (601, 604): "601-4", (99, 102): "99-102"}


@pytest.mark.parametrize(("bounds", "written"), PAPER_RANGES.items())
def test_minimal_style_reproduces_the_reference_paper(bounds, written):
    assert format_range(*bounds) == written
    assert parse_range(written) == bounds


@pytest.mark.parametrize(("bounds", "written"), [
    ((415, 419), "415-19"), ((410, 415), "410-15"), ((978, 981), "978-81"), ((982, 985), "982-5"),
    ((99, 102), "99-102"), ((216, 222), "216-22"),
])
def test_oxford_keeps_both_digits_of_the_teens(bounds, written):
    assert format_range(*bounds, style="oxford") == written


@pytest.mark.parametrize(("bounds", "written"), [
    ((982, 985), "982-85"), ((3, 10), "3-10"), ((71, 72), "71-72"), ((96, 117), "96-117"),
    ((100, 104), "100-104"), ((1100, 1113), "1100-1113"), ((101, 108), "101-8"),
    ((808, 833), "808-33"), ((1103, 1104), "1103-4"), ((321, 328), "321-28"),
    ((498, 532), "498-532"), ((1087, 1089), "1087-89"), ((1496, 1500), "1496-1500"),
    ((11564, 11615), "11564-615"), ((12991, 13001), "12991-3001"), ((2787, 2816), "2787-2816"),
])
def test_chicago_follows_its_table(bounds, written):
    assert format_range(*bounds, style="chicago") == written


def test_full_style_and_en_dash():
    assert format_range(978, 981, style="full") == "978-981"
    assert format_range(978, 981, dash="–") == "978–81"


def test_a_single_line_is_one_number_and_singular():
    assert format_range(987, 987) == "987"
    assert lines_word(987, 987) == "Line"
    assert lines_word(978, 981) == "Lines"


@pytest.mark.parametrize(("written", "bounds"), [
    ("978–81", (978, 981)), ("978 to 981", (978, 981)), (" 987 ", (987, 987)),
    ("Lines 415-9", (415, 419)), ("1095-102", (1095, 1102)),
])
def test_parse_accepts_the_common_spellings(written, bounds):
    assert parse_range(written) == bounds


@pytest.mark.parametrize("written", ["978-1", "981-978", "", "lines", "12-ab", "5--6"])
def test_parse_refuses_backwards_or_malformed_ranges(written):
    with pytest.raises(InvalidInput):
        parse_range(written)


def test_format_refuses_backwards_ranges_and_unknown_styles():
    with pytest.raises(InvalidInput, match="ends before it starts"):
        format_range(981, 978)
    with pytest.raises(InvalidInput, match="unknown range style"):
        format_range(1, 2, style="harvard")


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, 200_000), length=st.integers(0, 5_000),
       style=st.sampled_from(RANGE_STYLES), dash=st.sampled_from(["-", "–"]))
def test_whatever_is_written_reads_back(start, length, style, dash):
    end = start + length
    assert parse_range(format_range(start, end, style, dash)) == (start, end)
