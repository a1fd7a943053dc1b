"""Clock times written in transcripts and captions, read as seconds from the recording's start.

Transcribers mark where a turn begins with ``[hh:mm:ss]``, ``[mm:ss]`` or ``(hh:mm:ss)``; caption
files write ``hh:mm:ss.mmm`` (WebVTT) or ``hh:mm:ss,mmm`` (SRT). A bracketed stamp is only taken
from the start of a turn, so ``[inaudible 00:16:05]`` and Jefferson's ``(0.5)`` stay in the text.
The parenthesised form needs hours so a timed pause is never mistaken for a clock.
"""

from __future__ import annotations

import re

CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LONG_CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
STAMP = rf"(?:\[(?P<bracketed>{CLOCK})\]|\((?P<parenthesised>{_LONG_CLOCK})\))"
_PADDED_STAMP = re.compile(rf"\s*{STAMP}\s*")


def clock_seconds(clock: str) -> float:
    """Seconds for ``hh:mm:ss[.fff]`` or ``mm:ss[.fff]`` (a comma before the fraction is fine)."""
    fields = clock.strip().replace(",", ".").split(":")
    if not 2 <= len(fields) <= 3 or not all(fields):
        raise ValueError(f"not a clock time: {clock!r}")
    seconds = 0.0
    for field in fields:
        seconds = seconds * 60 + float(field)
    return seconds


def split_leading_stamp(text: str) -> tuple[float | None, str]:
    """The time a turn's text starts with, if any, and the text without it."""
    match = _PADDED_STAMP.match(text)
    if match is None:
        return None, text
    clock = match.group("bracketed") or match.group("parenthesised")
    return clock_seconds(clock), text[match.end() :]


def is_stamp(text: str) -> bool:
    """Whether the text is nothing but one clock stamp (as noScribe's coloured spans are)."""
    return _PADDED_STAMP.fullmatch(text) is not None
