"""Source text as REFI-QDA producers write it, and their selection offsets mapped onto ours.

The standard says offsets count the characters of the plain-text file. Producers disagree on
what a character is: NVivo for Windows counts UTF-16 code units (an emoji counts two) and
counts the CR of each CRLF; a tool that reads files in text mode would count CRLF as one.
Reverie stores LF-only text and code-point offsets, so every offset read is mapped from the
producer's convention onto the LF-normalised text.

Which convention a file used is not written down anywhere, so :func:`detect_convention`
tries each plausible one and keeps the one under which the selections stay inside the text,
do not split a character or a line end, and start and end on word boundaries (coders select
words). When the text has no character beyond U+FFFF and no CRLF, every convention gives the
same answer and nothing needs deciding.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")


class OffsetUnit(StrEnum):
    """What one unit of a producer's offset counts."""

    CODE_POINTS = "code points"
    UTF16 = "UTF-16 code units"


@dataclass(frozen=True)
class OffsetConvention:
    """How a source's offsets were counted, and why we believe so (for the import report)."""

    unit: OffsetUnit
    crlf_counts_two: bool
    evidence: str

    def describe(self) -> str:
        """One line for the researcher, e.g. "UTF-16 code units, CRLF counted as two (…)"."""
        line_ends = "CRLF counted as two" if self.crlf_counts_two else "CRLF counted as one"
        return f"{self.unit}, {line_ends} ({self.evidence})"


@dataclass(frozen=True)
class MappedOffset:
    """An offset into the LF-normalised text; ``clean`` is False when the original offset fell
    inside a surrogate pair or between the CR and LF of a line end and had to be moved."""

    index: int
    clean: bool


class SourceText:
    """A source's original text (byte-order mark already removed) and its LF-only form.

    Lone CRs (old Mac files) become LF too; that keeps every length, so only CRLF needs mapping.
    """

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original.replace("\r\n", "\n").replace("\r", "\n")
        # Index, in the original, of the CR of every CRLF.
        self._crlf = [match.start() for match in _CRLF.finditer(original)]

    @property
    def has_crlf(self) -> bool:
        return bool(self._crlf)

    @cached_property
    def _astral_original(self) -> list[int]:
        return [match.start() for match in _ASTRAL.finditer(self.original)]

    @property
    def has_astral(self) -> bool:
        return bool(self._astral_original)

    @cached_property
    def _utf16_starts(self) -> dict[bool, list[int]]:
        """Per line-end convention: where each astral character starts, in UTF-16 units.

        The j-th astral character at code-point index ``a`` starts at unit ``a + j``.
        """
        in_text = [a - bisect_left(self._crlf, a) for a in self._astral_original]
        return {
            True: [a + j for j, a in enumerate(self._astral_original)],
            False: [a + j for j, a in enumerate(in_text)],
        }

    def map_offset(
        self, offset: int, unit: OffsetUnit, crlf_counts_two: bool
    ) -> MappedOffset | None:
        """Map a producer's offset onto ``self.text``; None when it lies outside the text."""
        if offset < 0:
            return None
        clean = True
        index = offset
        if unit is OffsetUnit.UTF16:
            starts = self._utf16_starts[crlf_counts_two]
            # Astral characters starting before the offset each took one unit more; when the
            # offset is one past such a start it points between the two halves of a pair.
            before = bisect_left(starts, offset)
            index = offset - before
            clean = not (before and offset == starts[before - 1] + 1)
        counted_length = len(self.original) if crlf_counts_two else len(self.text)
        if index > counted_length:
            return None
        if crlf_counts_two:
            crs_before = bisect_left(self._crlf, index)
            if crs_before and self._crlf[crs_before - 1] == index - 1:
                clean = False  # between CR and LF: lands on the line end itself
            index -= crs_before
        return MappedOffset(index, clean)


def _on_word_boundary(text: str, index: int) -> bool:
    return index in (0, len(text)) or not (text[index - 1].isalnum() and text[index].isalnum())


def detect_convention(source: SourceText, spans: Sequence[tuple[int, int]]) -> OffsetConvention:
    """Decide how ``spans`` (start, end as the producer wrote them) were counted.

    Candidates are scored by, in order: selections inside the text, selections that split
    nothing, selections with both ends on word boundaries. Ties go to the standard's reading
    (code points, the file's characters as they are), so an undecidable case changes nothing.
    """
    units = [OffsetUnit.CODE_POINTS] + ([OffsetUnit.UTF16] if source.has_astral else [])
    line_ends = [True] + ([False] if source.has_crlf else [])
    candidates = [(unit, crlf) for crlf in line_ends for unit in units]
    if len(candidates) == 1:
        return OffsetConvention(
            OffsetUnit.CODE_POINTS,
            True,
            "no character beyond U+FFFF and no CRLF, so all conventions agree",
        )
    if not spans:
        return OffsetConvention(
            OffsetUnit.CODE_POINTS, True, "no selections to tell conventions apart"
        )

    def score(candidate: tuple[OffsetUnit, bool]) -> tuple[int, int, int]:
        inside = unsplit = on_words = 0
        for start, end in spans:
            first = source.map_offset(start, *candidate)
            last = source.map_offset(end, *candidate)
            if first is None or last is None or first.index > last.index:
                continue
            inside += 1
            unsplit += first.clean and last.clean
            on_words += _on_word_boundary(source.text, first.index) and _on_word_boundary(
                source.text, last.index
            )
        return inside, unsplit, on_words

    scores = {candidate: score(candidate) for candidate in candidates}
    # max() keeps the first of equal scores, and candidates start with the standard's reading.
    best = max(candidates, key=scores.__getitem__)
    others = ", ".join(
        f"{unit} with CRLF as {'two' if crlf else 'one'}: {scores[(unit, crlf)][2]}"
        for unit, crlf in candidates
        if (unit, crlf) != best
    )
    evidence = (
        f"{scores[best][2]} of {len(spans)} selections start and end on word boundaries "
        f"this way; {others}"
    )
    return OffsetConvention(best[0], best[1], evidence)
