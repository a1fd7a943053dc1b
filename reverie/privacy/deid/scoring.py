"""Measure de-identification suggestions against a hand-labelled answer key.

Shared by the tests and ``bench/deid_bench.py`` so both count hits the same way. A labelled
snippet marks each identifying span inline as ``{LABEL|text}``; a suggestion is a hit when it
overlaps a key span whose label falls in the same coarse group (person, place, time, contact,
identifier) — what matters to a reviewer is that the text is flagged as the right kind of thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reverie.core.errors import InvalidInput
from reverie.privacy.deid.suggestion import COARSE, Suggestion

_MARK = re.compile(r"\{([A-Z_]+)\|([^{}]*)\}")


@dataclass(frozen=True)
class KeySpan:
    """One span of the answer key."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Snippet:
    """A snippet of labelled transcript: its plain text and its answer key."""

    text: str
    key: tuple[KeySpan, ...]


@dataclass(frozen=True)
class Score:
    """Recall over key spans and precision over suggestions."""

    key_spans: int
    found: int
    suggestions: int
    correct: int
    words: int

    @property
    def recall(self) -> float:
        return self.found / self.key_spans if self.key_spans else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.suggestions if self.suggestions else 1.0


def parse_marked(marked: str) -> Snippet:
    """Turn ``"I saw {PERSON|Fiona}"`` into the plain text and its key spans."""
    plain, key, pos = [], [], 0
    length = 0
    for m in _MARK.finditer(marked):
        label, body = m.group(1), m.group(2)
        if label not in COARSE:
            raise InvalidInput(f"unknown label {label!r} in answer key near {body!r}")
        before = marked[pos : m.start()]
        plain.append(before)
        length += len(before)
        key.append(KeySpan(length, length + len(body), label))
        plain.append(body)
        length += len(body)
        pos = m.end()
    plain.append(marked[pos:])
    text = "".join(plain)
    if "{" in text or "}" in text:
        raise InvalidInput(f"unbalanced answer-key markup in {marked[:60]!r}")
    return Snippet(text, tuple(key))


def load_snippets(source: str) -> list[Snippet]:
    """Snippets from a labelled file's text: blank-line separated, ``#`` lines are comments."""
    lines = [line for line in source.splitlines() if not line.startswith("#")]
    blocks = "\n".join(lines).split("\n\n")
    return [parse_marked(block.strip("\n")) for block in blocks if block.strip()]


def score(
    snippets: Iterable[Snippet], suggest: Callable[[str], list[Suggestion]]
) -> tuple[Score, list[str]]:
    """Score ``suggest`` on ``snippets``; also return readable lines for each miss and false alarm."""
    key_total = found = suggested = correct = words = 0
    report = []
    for snippet in snippets:
        suggestions = suggest(snippet.text)
        words += len(snippet.text.split())
        key_total += len(snippet.key)
        suggested += len(suggestions)
        for k in snippet.key:
            if any(_hit(s, k) for s in suggestions):
                found += 1
            else:
                report.append(f"missed {k.label}: {snippet.text[k.start:k.end]!r}")
        for s in suggestions:
            if any(_hit(s, k) for k in snippet.key):
                correct += 1
            else:
                report.append(f"false {s.label}: {s.text!r}")
    return Score(key_total, found, suggested, correct, words), report


def _hit(s: Suggestion, k: KeySpan) -> bool:
    return s.start < k.end and k.start < s.end and COARSE[s.label] == COARSE[k.label]
