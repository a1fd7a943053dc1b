"""Keep codings, extracts and annotations attached to the right words when a transcript changes.

Every anchored span stores offsets into one version plus a quote selector (the exact text with
a little context either side), as the W3C Web Annotation model does. When a correction makes a
new version, each span is carried across in the way Hypothesis re-anchors annotations:

1. map its offsets through a diff of the two versions and check the text there is unchanged;
2. otherwise take the exact quote where the diff says the span went, or failing that the
   occurrence anywhere whose surrounding text best matches the selector's context;
3. otherwise accept a close, slightly edited match near where the diff put it ("changed");
4. otherwise report it lost, so a researcher decides.

The diff works on lines, then words, then characters only inside small changed stretches, so a
20,000-line transcript is compared in well under a second.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from reverie.core.errors import InvalidInput
from reverie.core.layout import Line, lines_for_span

DEFAULT_CONTEXT = 32
# How alike an edited quote must be to the original to count as the same passage, changed.
FUZZY_THRESHOLD = 0.8
# Changed stretches up to this many characters a side are aligned character by character.
_CHARACTER_DIFF_LIMIT = 400
# Changed lines are paired by likeness when there are at most this many (old, new) pairs ...
_LINE_PAIRING_LIMIT = 64
# ... and when they are at least this alike.
_SIMILAR_LINE_RATIO = 0.5
# Above this many element pairs, SequenceMatcher gives way to anchoring on unique elements.
_SMALL_DIFF = 250_000
# Rounds of anchoring within anchoring before a stretch is left unmatched.
_MAX_ANCHOR_DEPTH = 64

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class QuoteSelector:
    """The quoted text with up to a few dozen characters of context before and after it."""

    exact: str
    prefix: str = ""
    suffix: str = ""


def make_selector(text: str, start: int, end: int, context: int = DEFAULT_CONTEXT) -> QuoteSelector:
    """The selector to store with a span of ``text`` so it can be found again after edits."""
    _check_span(text, start, end)
    return QuoteSelector(
        exact=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
    )


@dataclass(frozen=True)
class VersionDiff:
    """What two versions share: (old_start, new_start, length) blocks, in order in both texts."""

    blocks: tuple[tuple[int, int, int], ...]
    old_length: int
    new_length: int
    _old_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_old_starts", tuple(block[0] for block in self.blocks))

    def map_offset(self, offset: int, side: Literal["left", "right"] = "left") -> int:
        """Where ``offset`` lands in the new text.

        Inside an unchanged stretch it moves with the text. Inside a changed stretch it goes to
        the start of the replacement (``side="left"``, for span starts) or its end
        (``side="right"``, for span ends), so a span widens over the change rather than shrinks.
        """
        if not 0 <= offset <= self.old_length:
            raise InvalidInput(f"offset {offset} is outside the old text (0-{self.old_length})")
        if side == "left":
            index = bisect_right(self._old_starts, offset) - 1
        else:
            index = bisect_left(self._old_starts, offset) - 1
        if index >= 0:
            old_start, new_start, length = self.blocks[index]
            if offset <= old_start + length:
                return new_start + offset - old_start
        if side == "left":
            return 0 if index < 0 else self.blocks[index][1] + self.blocks[index][2]
        return self.blocks[index + 1][1] if index + 1 < len(self.blocks) else self.new_length

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Where the span [start, end) lands in the new text (never inverted)."""
        new_start = self.map_offset(start, "left")
        return new_start, max(new_start, self.map_offset(end, "right"))


def diff_versions(old_text: str, new_text: str) -> VersionDiff:
    """Compare two versions of a transcript: lines first, then words and characters in changes."""
    old_lines, new_lines = _lines(old_text), _lines(new_text)
    old_starts, new_starts = _starts(old_lines), _starts(new_lines)
    blocks: list[tuple[int, int, int]] = []
    for i1, i2, j1, j2, size in _runs_and_gaps(old_lines, new_lines):
        if i1 < i2 and j1 < j2:
            blocks.extend(_diff_changed_lines(
                old_text, old_lines, old_starts, i1, i2, new_text, new_lines, new_starts, j1, j2
            ))
        if size:
            blocks.append((old_starts[i2], new_starts[j2], old_starts[i2 + size] - old_starts[i2]))
    return VersionDiff(_merged(blocks), len(old_text), len(new_text))


def _diff_changed_lines(
    old_text: str, old_lines: Sequence[str], old_starts: Sequence[int], i1: int, i2: int,
    new_text: str, new_lines: Sequence[str], new_starts: Sequence[int], j1: int, j2: int,
) -> Iterable[tuple[int, int, int]]:
    """Align the words of a stretch of changed lines (old i1:i2 became new j1:j2)."""
    # Lines paired with their corrected selves are compared one pair at a time; what lies
    # between pairs (lines added, removed, split or merged) is compared as one stretch.
    for i, j in [*_similar_lines(old_lines, i1, i2, new_lines, j1, j2), (i2, j2)]:
        if i1 < i and j1 < j:
            yield from _diff_words(
                old_text, old_starts[i1], old_starts[i], new_text, new_starts[j1], new_starts[j]
            )
        if i < i2:
            yield from _diff_words(
                old_text, old_starts[i], old_starts[i + 1], new_text, new_starts[j], new_starts[j + 1]
            )
        i1, j1 = i + 1, j + 1


def _similar_lines(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pair each changed old line with the new line it most resembles, in order, as difflib's
    Differ does; a large stretch of as many new lines as old is paired line by line."""
    if (ahi - alo) * (bhi - blo) > _LINE_PAIRING_LIMIT:
        return [(alo + k, blo + k) for k in range(ahi - alo)] if ahi - alo == bhi - blo else []
    best: tuple[int, int] | None = None
    best_ratio = _SIMILAR_LINE_RATIO
    for i in range(alo, ahi):
        old_words = _TOKEN.findall(a[i])
        for j in range(blo, bhi):
            matcher = SequenceMatcher(None, old_words, _TOKEN.findall(b[j]), autojunk=False)
            if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio:
                ratio = matcher.ratio()
                if ratio > best_ratio:
                    best, best_ratio = (i, j), ratio
    if best is None:
        return []
    i, j = best
    return [*_similar_lines(a, alo, i, b, blo, j), best, *_similar_lines(a, i + 1, ahi, b, j + 1, bhi)]


def _runs_and_gaps(a: Sequence[str], b: Sequence[str]) -> Iterable[tuple[int, int, int, int, int]]:
    """Each stretch that differs, then the run that matches after it: (i1, i2, j1, j2, size).

    a[i1:i2] and b[j1:j2] differ; a[i2:i2+size] equals b[j2:j2+size]. The last has size 0.
    """
    i = j = 0
    for run_i, run_j, size in [*_matching_runs(a, b), (len(a), len(b), 0)]:
        yield i, run_i, j, run_j, size
        i, j = run_i + size, run_j + size


def _lines(text: str) -> list[str]:
    pieces = text.split("\n")
    return [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def _starts(pieces: Sequence[str]) -> list[int]:
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    return starts


def _diff_words(
    old_text: str, o1: int, o2: int, new_text: str, n1: int, n2: int
) -> Iterable[tuple[int, int, int]]:
    old_tokens = _TOKEN.findall(old_text, o1, o2)
    new_tokens = _TOKEN.findall(new_text, n1, n2)
    old_starts = [o1 + s for s in _starts(old_tokens)]
    new_starts = [n1 + s for s in _starts(new_tokens)]
    for i1, i2, j1, j2, size in _runs_and_gaps(old_tokens, new_tokens):
        a1, a2, b1, b2 = old_starts[i1], old_starts[i2], new_starts[j1], new_starts[j2]
        # Inside a changed word or two, align characters so "peer" -> "peers" keeps "peer".
        if a1 < a2 and b1 < b2 and max(a2 - a1, b2 - b1) <= _CHARACTER_DIFF_LIMIT:
            for a, b, length in _matching_runs(old_text[a1:a2], new_text[b1:b2]):
                yield a1 + a, b1 + b, length
        if size:
            yield a2, b2, old_starts[i2 + size] - a2


def _matching_runs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int]]:
    """Runs (i, j, size) with a[i:i+size] == b[j:j+size], in order in both sequences."""
    runs: list[tuple[int, int, int]] = []
    _collect_runs(a, 0, len(a), b, 0, len(b), runs)
    return runs


def _collect_runs(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int,
    runs: list[tuple[int, int, int]], depth: int = 0,
) -> None:
    # Shared beginnings and endings are the common case (a few edited turns) and cost nothing.
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    if head:
        runs.append((alo, blo, head))
    alo, blo = alo + head, blo + head
    tail = 0
    while ahi - tail > alo and bhi - tail > blo and a[ahi - tail - 1] == b[bhi - tail - 1]:
        tail += 1
    ahi, bhi = ahi - tail, bhi - tail
    if alo < ahi and blo < bhi:
        if (ahi - alo) * (bhi - blo) <= _SMALL_DIFF:
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            runs.extend((alo + i, blo + j, size) for i, j, size in matcher.get_matching_blocks() if size)
        else:
            # SequenceMatcher is quadratic on long, repetitive input (a find-and-replace over
            # the whole transcript). Anchor on elements that occur once on each side, as
            # patience diff does, and compare what lies between the anchors.
            # With no such anchor (or after many nested rounds) the stretch is left unmatched:
            # spans in it are found again by their quotes instead.
            anchors = _unique_anchors(a, alo, ahi, b, blo, bhi) if depth < _MAX_ANCHOR_DEPTH else []
            for i, j in [*anchors, (ahi, bhi)] if anchors else []:
                _collect_runs(a, alo, i, b, blo, j, runs, depth + 1)
                if i < ahi:
                    runs.append((i, j, 1))
                alo, blo = i + 1, j + 1
    if tail:
        runs.append((ahi, bhi, tail))


def _unique_anchors(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pairs of positions of elements found once in each range, the longest in-order chain."""
    in_a = Counter(a[alo:ahi])
    in_b = Counter(b[blo:bhi])
    where_in_b = {b[j]: j for j in range(blo, bhi) if in_b[b[j]] == 1 and in_a[b[j]] == 1}
    pairs = [(i, where_in_b[a[i]]) for i in range(alo, ahi) if a[i] in where_in_b]
    # Longest increasing subsequence of the b positions (patience sorting).
    tops: list[int] = []
    top_index: list[int] = []
    previous = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile] = j
            top_index[pile] = index
        previous[index] = top_index[pile - 1] if pile else -1
    chain: list[tuple[int, int]] = []
    index = top_index[-1] if top_index else -1
    while index != -1:
        chain.append(pairs[index])
        index = previous[index]
    return chain[::-1]


def _merged(blocks: list[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    merged: list[tuple[int, int, int]] = []
    for old_start, new_start, length in blocks:
        if not length:
            continue
        if merged:
            last_old, last_new, last_length = merged[-1]
            if last_old + last_length == old_start and last_new + last_length == new_start:
                merged[-1] = (last_old, last_new, last_length + length)
                continue
        merged.append((old_start, new_start, length))
    return tuple(merged)


@dataclass(frozen=True)
class ReanchorResult:
    """Where a span ended up in the new version; offsets are None when it was lost."""

    id: object
    status: str  # "unchanged" | "moved" | "changed" | "lost"
    new_start: int | None
    new_end: int | None


def reanchor(
    old_text: str,
    new_text: str,
    spans: Iterable[tuple[object, int, int, QuoteSelector | None]],
    diff: VersionDiff | None = None,
) -> list[ReanchorResult]:
    """Carry (id, start, end, selector) spans from the old version to the new one.

    A missing selector is made from the old text. Pass ``diff`` when it was already computed
    for the same two texts (the line map needs it too).
    """
    diff = diff or diff_versions(old_text, new_text)
    results = []
    for span_id, start, end, selector in spans:
        _check_span(old_text, start, end)
        selector = selector or make_selector(old_text, start, end)
        results.append(_reanchor_one(span_id, start, end, selector, new_text, diff))
    return results


def _reanchor_one(
    span_id: object, start: int, end: int, selector: QuoteSelector, text: str, diff: VersionDiff
) -> ReanchorResult:
    quote = selector.exact
    mapped_start, mapped_end = diff.map_span(start, end)

    def found(new_start: int, new_end: int) -> ReanchorResult:
        if text[new_start:new_end] != quote:
            status = "changed"
        elif (new_start, new_end) == (start, end):
            status = "unchanged"
        else:
            status = "moved"
        return ReanchorResult(span_id, status, new_start, new_end)

    if text[mapped_start:mapped_end] == quote:
        return found(mapped_start, mapped_end)
    occurrences = _occurrences(text, quote)
    # The diff widens a span over any change at its edges, so an occurrence within that
    # stretch (give or take the context) is the span itself, whatever its neighbours became.
    slack = len(quote) + len(selector.prefix) + len(selector.suffix)
    inside = [
        position for position in occurrences
        if mapped_start - slack <= position and position + len(quote) <= mapped_end + slack
    ]
    if inside:
        nearest = min(inside, key=lambda position: abs(position - mapped_start))
        return found(nearest, nearest + len(quote))
    best = _best_in_context(text, selector, occurrences, mapped_start)
    if best is not None and best[1] >= 0.5:
        return found(best[0], best[0] + len(quote))
    fuzzy = _best_fuzzy(text, quote, mapped_start, mapped_end)
    if fuzzy is not None:
        return found(*fuzzy)
    if best is not None:
        return found(best[0], best[0] + len(quote))
    return ReanchorResult(span_id, "lost", None, None)


def _occurrences(text: str, quote: str) -> list[int]:
    positions: list[int] = []
    if quote:
        position = text.find(quote)
        while position != -1:
            positions.append(position)
            position = text.find(quote, position + 1)
    return positions


def _best_in_context(
    text: str, selector: QuoteSelector, occurrences: Sequence[int], near: int
) -> tuple[int, float] | None:
    """The occurrence whose surroundings best match the selector's, and how well (0-1)."""
    context_length = len(selector.prefix) + len(selector.suffix)
    best: tuple[float, int, float] | None = None
    for position in occurrences:
        before = text[max(0, position - len(selector.prefix)) : position]
        after = text[position + len(selector.exact) : position + len(selector.exact) + len(selector.suffix)]
        agreeing = _common_suffix(before, selector.prefix) + _common_prefix(after, selector.suffix)
        context = agreeing / context_length if context_length else 1.0
        # A short quote recurs ("I don't know"): context decides, distance breaks ties.
        score = 20 * context - 2 * abs(position - near) / max(len(text), 1)
        if best is None or score > best[0]:
            best = (score, position, context)
    return None if best is None else (best[1], best[2])


def _best_fuzzy(text: str, quote: str, mapped_start: int, mapped_end: int) -> tuple[int, int] | None:
    """A lightly edited version of the quote near where the diff put it, if there is one."""
    if not quote or mapped_end == mapped_start:
        # The diff says every character of the quote was deleted: a look-alike nearby is
        # another passage, not this one edited.
        return None
    candidates = [(mapped_start, mapped_end)]
    reach = len(quote) + 2 * DEFAULT_CONTEXT
    window_start = max(0, mapped_start - reach)
    window = text[window_start : mapped_end + reach]
    blocks = [b for b in SequenceMatcher(None, quote, window, autojunk=False).get_matching_blocks() if b.size]
    if blocks:
        first, last = blocks[0], blocks[-1]
        begin = window_start + max(0, first.b - first.a)
        finish = window_start + min(len(window), last.b + last.size + len(quote) - last.a - last.size)
        candidates.append((begin, finish))
    best: tuple[float, int, int] | None = None
    for begin, finish in candidates:
        if finish <= begin:
            continue
        ratio = SequenceMatcher(None, quote, text[begin:finish], autojunk=False).ratio()
        if ratio >= FUZZY_THRESHOLD and (best is None or ratio > best[0]):
            best = (ratio, begin, finish)
    return None if best is None else (best[1], best[2])


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def _check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(text):
        raise InvalidInput(f"span {start}-{end} is outside the text (0-{len(text)})")


def map_line_numbers(
    old_lines: Sequence[Line],
    new_lines: Sequence[Line],
    old_text: str,
    new_text: str,
    diff: VersionDiff | None = None,
) -> dict[int, tuple[int, ...]]:
    """For the line map: each old line number and the new line numbers its text now occupies.

    An old line whose text was deleted maps to no line at all.
    """
    diff = diff or diff_versions(old_text, new_text)
    mapping: dict[int, tuple[int, ...]] = {}
    for line in old_lines:
        start, end = diff.map_span(line.start, line.end)
        deleted = end == start and line.end > line.start
        mapping[line.number] = (
            () if deleted or not new_lines
            else tuple(new.number for new in lines_for_span(new_lines, start, end))
        )
    return mapping
