"""Line ranges as researchers write them in reports: "Lines 978-81", "415-9", "99-102".

Published psychosocial papers cite extracts by line range with the end abbreviated. Which digits
are dropped differs by guide, so the style is a study setting (METHOD.md §8.3). Whatever
``format_range`` writes, ``parse_range`` reads back to the same pair of numbers.
"""

from __future__ import annotations

import re

from reverie.core.errors import InvalidInput

RANGE_STYLES = ("minimal", "oxford", "chicago", "full")

_RANGE = re.compile(
    r"^\s*(?:lines?\s+)?(\d+)\s*(?:(?:-|–|—|\bto\b)\s*(\d+))?\s*$",
    re.IGNORECASE,
)


def format_range(start: int, end: int, style: str = "minimal", dash: str = "-") -> str:
    """Write a line range with its end abbreviated the way ``style`` does it ("978-81")."""
    _check_bounds(start, end)
    if style not in RANGE_STYLES:
        raise InvalidInput(
            f"unknown range style {style!r}; choose one of {', '.join(RANGE_STYLES)}"
        )
    if start == end:
        return str(start)
    return f"{start}{dash}{_abbreviated_end(start, end, style)}"


def parse_range(text: str) -> tuple[int, int]:
    """Read "978-81", "978–981", "978 to 981" or "987" back into (first, last) line numbers."""
    match = _RANGE.match(text)
    if match is None:
        raise InvalidInput(f"{text!r} is not a line range (write it like 978-81 or 987)")
    first_digits, last_digits = match.group(1), match.group(2)
    start = int(first_digits)
    if last_digits is None:
        return start, start
    if len(last_digits) < len(first_digits):
        # An abbreviated end borrows the leading digits of the start: 978-81 is 978-981.
        last_digits = first_digits[: len(first_digits) - len(last_digits)] + last_digits
    end = int(last_digits)
    if end < start:
        raise InvalidInput(f"line range {text.strip()!r} ends before it starts")
    return start, end


def lines_word(start: int, end: int) -> str:
    """"Line" for a single line, "Lines" for a range, as the citation needs."""
    return "Line" if start == end else "Lines"


def _check_bounds(start: int, end: int) -> None:
    if start < 0 or end < 0:
        raise InvalidInput(f"line numbers cannot be negative ({start}, {end})")
    if end < start:
        raise InvalidInput(f"line range {start}-{end} ends before it starts")


def _changed_digits(first: str, last: str) -> str:
    """The end's digits from the first one that differs from the start's."""
    common = 0
    while first[common] == last[common]:
        common += 1
    return last[common:]


def _abbreviated_end(start: int, end: int, style: str) -> str:
    first, last = str(start), str(end)
    if style == "full" or len(first) != len(last):
        return last
    changed = _changed_digits(first, last)
    if style == "minimal":
        return changed
    if style == "oxford":
        # New Hart's keeps both digits of the teens: 415-19, not 415-9.
        if len(changed) == 1 and 10 <= end % 100 <= 19:
            return last[-2:]
        return changed
    # Chicago Manual of Style's table for inclusive numbers.
    if start < 100 or start % 100 == 0:
        return last
    if start % 100 < 10:
        return changed
    if len(first) == 4 and len(changed) >= 3:
        return last
    return changed if len(changed) >= 2 else last[-2:]
