"""A transcript line as the reader shows it, with where each shown character comes from.

The reading view hides notation ("I was [laughs] so tired" reads "I was so tired") and the
analysis view draws measured pauses into the text. Highlights and selections are made on the
shown text but stored as offsets into the stored text, so each shown line carries a map:
``positions[i]`` is the stored offset (within the line) of shown character ``i``, and
``positions[len(shown)]`` is the line's length. The map never decreases; characters the view
adds (a space where a mark was, a drawn pause) take the position of the stored text they stand for.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from reverie.core.notation import _DROPPED_IN_READING, _GAP_IN_READING, reading_text, tokenize

_SPACE_RUN = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:?!)\]”’])")


@dataclass(frozen=True)
class ShownText:
    """Shown text and, per shown character (plus one for its end), the stored offset within the line."""

    text: str
    positions: tuple[int, ...]

    def shown_offset(self, stored: int) -> int:
        """The first shown index at or after stored offset ``stored`` (within the line)."""
        return bisect_left(self.positions, stored, 0, len(self.text))

    def stored_offset(self, shown: int) -> int:
        """The stored offset (within the line) of shown index ``shown`` (the end is the stored end)."""
        return self.positions[max(0, min(shown, len(self.text)))]

    def stored_end(self, shown: int) -> int:
        """The stored offset just after shown character ``shown - 1``: the end of a selection ending there."""
        if shown <= 0:
            return self.positions[0] if self.text else 0
        if shown >= len(self.text):
            return self.positions[len(self.text)]
        return self.positions[shown - 1] + 1


def identity(text: str) -> ShownText:
    """The line shown as stored."""
    return ShownText(text, tuple(range(len(text) + 1)))


def _sub(chars: list[str], where: list[int], pattern: re.Pattern[str], repl: str) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    out_c: list[str] = []
    out_w: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        out_c.extend(chars[last:match.start()])
        out_w.extend(where[last:match.start()])
        out_c.extend(repl)
        out_w.extend([where[match.start()]] * len(repl))
        last = match.end()
    out_c.extend(chars[last:])
    out_w.extend(where[last:])
    return out_c, out_w


def _strip(chars: list[str], where: list[int]) -> tuple[list[str], list[int]]:
    low, high = 0, len(chars)
    while low < high and chars[low].isspace():
        low += 1
    while high > low and chars[high - 1].isspace():
        high -= 1
    return chars[low:high], where[low:high]


def reading(text: str, profile: str) -> ShownText:
    """The reading view of one line (:func:`reverie.core.notation.reading_text`), with its map."""
    chars: list[str] = []
    where: list[int] = []
    for token in tokenize(text, profile):
        if token.kind in _GAP_IN_READING:
            chars.append(" ")
            where.append(token.start)
        elif token.kind == "inaudible":
            shown = "[inaudible]"
            chars.extend(shown)
            where.extend(min(token.start + k, token.end - 1) for k in range(len(shown)))
        elif token.kind not in _DROPPED_IN_READING:
            chars.extend(token.text)
            where.extend(range(token.start, token.end))
    chars, where = _sub(chars, where, _SPACE_RUN, " ")
    chars, where = _sub(chars, where, _SPACE_BEFORE_PUNCT, "")
    chars, where = _strip(chars, where)
    shown = ShownText("".join(chars), (*where, len(text)))
    if "\n" in text or shown.text != reading_text(text, profile):
        return _aligned(reading_text(text, profile), text)
    return shown


def with_pauses(text: str, marks: list[tuple[int, str]]) -> ShownText:
    """The analysis view of a line with measured pauses drawn in at their offsets, with its map."""
    chars, where = list(text), list(range(len(text)))
    for position, mark in sorted(marks, reverse=True):
        position = max(0, min(position, len(chars)))
        at = where[position] if position < len(where) else len(text)
        left_c, left_w = chars[:position], where[:position]
        while left_c and left_c[-1].isspace():
            left_c.pop()
            left_w.pop()
        right_c, right_w = chars[position:], where[position:]
        while right_c and right_c[0].isspace():
            right_c.pop(0)
            right_w.pop(0)
        chars, where = [], []
        for part_c, part_w in ((left_c, left_w), (list(mark), [at] * len(mark)), (right_c, right_w)):
            if not part_c:
                continue
            if chars:
                chars.append(" ")
                where.append(part_w[0])
            chars.extend(part_c)
            where.extend(part_w)
    return ShownText("".join(chars), (*where, len(text)))


def _aligned(shown: str, stored: str) -> ShownText:
    """A map found by walking both texts (a view this module does not know how to mirror)."""
    where: list[int] = []
    j = 0
    for char in shown:
        found = stored.find(char, j)
        if found < 0:
            where.append(min(j, len(stored)))
        else:
            where.append(found)
            j = found + 1
    return ShownText(shown, (*where, len(stored)))
