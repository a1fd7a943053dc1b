"""Convert offsets between Unicode code points (Reverie's) and UTF-16 code units (browsers').

Reverie stores every offset in code points. Browsers' selection APIs and some REFI-QDA producers
count UTF-16 code units, in which an emoji or other character outside the Basic Multilingual
Plane takes two units. Converting at the edges keeps one truth inside.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from reverie.core.errors import InvalidInput

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Index:
    """Where a text's astral characters are, so each conversion is a binary search."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral_cp = [] if text.isascii() else [m.start() for m in _ASTRAL.finditer(text)]
        # In UTF-16 every astral character before this one has pushed it one unit further.
        self._astral_utf16 = [cp + i for i, cp in enumerate(self._astral_cp)]
        self.utf16_length = self.length + len(self._astral_cp)

    def to_utf16(self, offset: int) -> int:
        """The UTF-16 offset of code-point ``offset``."""
        if not 0 <= offset <= self.length:
            raise InvalidInput(f"offset {offset} is outside the text (0-{self.length})")
        return offset + bisect_left(self._astral_cp, offset)

    def to_cp(self, offset: int) -> int:
        """The code-point offset of UTF-16 ``offset``; refuses one that splits a surrogate pair."""
        if not 0 <= offset <= self.utf16_length:
            raise InvalidInput(
                f"UTF-16 offset {offset} is outside the text (0-{self.utf16_length})"
            )
        before = bisect_left(self._astral_utf16, offset)
        if before and self._astral_utf16[before - 1] == offset - 1:
            raise InvalidInput(f"UTF-16 offset {offset} falls inside a character (an emoji?)")
        return offset - before


@lru_cache(maxsize=16)
def _index(text: str) -> Utf16Index:
    return Utf16Index(text)


def utf16_to_cp(text: str, offset: int) -> int:
    """Code-point offset in ``text`` for a UTF-16 offset (as a browser selection gives it)."""
    if text.isascii():
        if not 0 <= offset <= len(text):
            raise InvalidInput(f"UTF-16 offset {offset} is outside the text (0-{len(text)})")
        return offset
    return _index(text).to_cp(offset)


def cp_to_utf16(text: str, offset: int) -> int:
    """UTF-16 offset in ``text`` for a code-point offset (to hand a browser or an exporter)."""
    if text.isascii():
        if not 0 <= offset <= len(text):
            raise InvalidInput(f"offset {offset} is outside the text (0-{len(text)})")
        return offset
    return _index(text).to_utf16(offset)
