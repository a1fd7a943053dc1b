"""Transcription notation: find pauses, false starts, overlaps and the like in transcript text.

A transcript keeps how something was said as well as what (METHOD.md §8.1). The same text is
read two ways: the analysis view shows every mark, the reading view hides the marks so the talk
reads as prose. Both need the marks found, which is what :func:`tokenize` does for a notation
profile; :func:`reading_text` builds the reading view from the tokens.

Tokens cover the text exactly: joining their texts gives the text back, so any view can be
rebuilt from them without losing a character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from reverie.core.errors import InvalidInput

# Kinds the reading view drops outright (marks inside or beside a word) ...
_DROPPED_IN_READING = frozenset(
    {"false_start", "cut_off", "overlap", "latch", "quiet", "fast", "slow", "stretch",
     "laugh_particle"}
)
# ... and kinds it replaces with a space, because they stand between words ("a…peer").
_GAP_IN_READING = frozenset(
    {"pause", "timed_pause", "micropause", "nonverbal", "breath", "laughter"}
)


@dataclass(frozen=True)
class Token:
    """A stretch of transcript text and what it is ("word", "pause", "overlap", …)."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def hidden_in_reading(self) -> bool:
        """Whether the reading view leaves this mark out."""
        return self.kind in _DROPPED_IN_READING or self.kind in _GAP_IN_READING


@dataclass(frozen=True)
class NotationProfile:
    """A transcription convention: the marks it uses, in the order they must be tried."""

    name: str
    description: str
    rules: tuple[tuple[str, str], ...]
    classify_word: Callable[[str], str]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One regex trying the rules in order; the name of the group that matched is the kind."""
        return re.compile(
            "|".join(f"(?P<{kind}>{regex})" for kind, regex in self.rules), re.DOTALL
        )


_WORD = r"\w+(?:['’]\w+)*"
# A word with hyphens, maybe ending in one: "i-i-it", "wa-", "well-being". Which hyphens mark a
# false start and which join a compound is decided afterwards, by looking at the parts.
_HYPHENATED = rf"{_WORD}(?:-{_WORD})*-?"
_FILLER = re.compile(r"u+m+|u+h+m*|e+r+m*|h+m+|m{2,}", re.IGNORECASE)
_LAUGHTER = re.compile(r"h[ae]h(?:[ae]h?)*", re.IGNORECASE)

_NONVERBAL_WORDS = frozenset(
    {"laughs", "laughing", "laughter", "laugh", "sighs", "sigh", "sighing", "coughs", "cough",
     "coughing", "cries", "crying", "tearful", "tearfully", "pause", "pauses", "long",
     "silence", "clears", "sniffs", "smiles", "smiling", "gestures", "nods", "shrugs",
     "crosstalk", "whispers", "whispering", "exhales", "inhales", "tuts", "claps"}
)


def _verbatim_word(word: str) -> str:
    return "filler" if _FILLER.fullmatch(word) else "word"


def _jefferson_word(word: str) -> str:
    if _FILLER.fullmatch(word):
        return "filler"
    if _LAUGHTER.fullmatch(word):
        return "laughter"
    # Capitals mark loud talk; an acronym ("NHS") is indistinguishable and is marked too.
    if len(word) > 1 and word.isupper():
        return "loud"
    return "word"


VERBATIM_HEALTH = NotationProfile(
    name="verbatim_health",
    description=(
        "Health-research verbatim: … for pauses, hyphens for false starts (i-i-it, wa-), "
        "fillers kept, [insertions] and [redactions], (laughs), [inaudible 00:16:05]"
    ),
    rules=(
        ("inaudible", r"\[(?i:inaudible|unclear|indistinct)\b[^\[\]\n]*\]"),
        ("bracket", r"\[[^\[\]\n]+\]"),
        ("nonverbal", r"\([^()\n]+\)"),
        ("pause", r"…[.…]*|\.{3,}[.…]*"),
        ("hyphenated", _HYPHENATED),
        ("quote", r"[\"“”‘’']"),
        ("space", r"\s+"),
        ("punct", r"."),
    ),
    classify_word=_verbatim_word,
)

JEFFERSON_LITE = NotationProfile(
    name="jefferson_lite",
    description=(
        "The core of Jefferson's conversation-analytic notation: (0.5) and (.) pauses, [ ] "
        "overlap, = latching, wo:rd, wor-, WORD, °quiet°, >fast< <slow>, .hh/hh, laughter"
    ),
    rules=(
        ("nonverbal", r"\(\([^()\n]*\)\)"),
        ("micropause", r"\(\.\)"),
        ("timed_pause", r"\((?:\d+(?:\.\d*)?|\.\d+)\)"),
        ("laugh_particle", r"\(h+\)"),
        ("breath", r"(?<!\w)\.?h{2,}(?!\w)"),
        ("overlap", r"[\[\]]"),
        ("latch", r"="),
        ("quiet", r"°"),
        ("pace_mark", r"[<>]"),
        ("hyphenated", _HYPHENATED),
        ("stretch", r"(?<=\w):+|:+(?=\w)"),
        ("quote", r"[\"“”‘’']"),
        ("space", r"\s+"),
        ("punct", r"."),
    ),
    classify_word=_jefferson_word,
)

PROFILES: dict[str, NotationProfile] = {
    VERBATIM_HEALTH.name: VERBATIM_HEALTH,
    JEFFERSON_LITE.name: JEFFERSON_LITE,
}
DEFAULT_PROFILE = VERBATIM_HEALTH.name


def parse_profile_name(name: str) -> str:
    """The profile a researcher meant: "jefferson-lite" and "Jefferson_Lite" both work."""
    key = name.strip().lower().replace("-", "_")
    if key not in PROFILES:
        raise InvalidInput(
            f"unknown notation profile {name!r}; choose one of "
            f"{', '.join(n.replace('_', '-') for n in PROFILES)}"
        )
    return key


def _profile(profile: str | NotationProfile) -> NotationProfile:
    return profile if isinstance(profile, NotationProfile) else PROFILES[parse_profile_name(profile)]


def tokenize(text: str, profile: str | NotationProfile = DEFAULT_PROFILE) -> list[Token]:
    """Cut ``text`` into words, spaces, punctuation and the notation marks of ``profile``."""
    chosen = _profile(profile)
    tokens: list[Token] = []
    for match in chosen.pattern.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        start, end = match.span()
        if kind == "hyphenated":
            tokens.extend(_split_hyphenated(match.group(), start, chosen.classify_word))
        elif kind == "bracket":
            tokens.append(Token(_bracket_kind(match.group()), start, end, match.group()))
        else:
            tokens.append(Token(kind, start, end, match.group()))
    return _pair_pace_marks(tokens, text)


def _split_hyphenated(
    chunk: str, offset: int, classify_word: Callable[[str], str]
) -> list[Token]:
    """Tell false starts ("i-i-it"), cut-offs ("wa-") and compounds ("well-being") apart."""
    parts = chunk.split("-")
    tokens: list[Token] = []
    position = offset
    index = 0
    # A part is a false start when the next part begins the same way: i-i-it, c-can, wa-was.
    while index + 1 < len(parts) and parts[index + 1] and (
        parts[index + 1].lower().startswith(parts[index].lower())
    ):
        fragment = parts[index] + "-"
        tokens.append(Token("false_start", position, position + len(fragment), fragment))
        position += len(fragment)
        index += 1
    rest = "-".join(parts[index:])
    kind = "cut_off" if rest.endswith("-") else classify_word(rest)
    tokens.append(Token(kind, position, position + len(rest), rest))
    return tokens


def _bracket_kind(bracketed: str) -> str:
    """[laughs] describes the talk; [ward name] or [support worker] stands in for words."""
    words = bracketed[1:-1].strip().lower().split()
    return "nonverbal" if words and words[0] in _NONVERBAL_WORDS else "insertion"


def _pair_pace_marks(tokens: list[Token], text: str) -> list[Token]:
    """>fast< and <slow> are pairs on one line; a lone < or > is ordinary punctuation."""
    marks = [i for i, token in enumerate(tokens) if token.kind == "pace_mark"]
    kinds = {i: "punct" for i in marks}
    pending = 0
    while pending + 1 < len(marks):
        opening, closing = tokens[marks[pending]], tokens[marks[pending + 1]]
        if opening.text != closing.text and "\n" not in text[opening.end : closing.start]:
            kinds[marks[pending]] = kinds[marks[pending + 1]] = (
                "fast" if opening.text == ">" else "slow"
            )
            pending += 2
        else:
            pending += 1
    for i, kind in kinds.items():
        token = tokens[i]
        tokens[i] = Token(kind, token.start, token.end, token.text)
    return tokens


_SPACE_RUN = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:?!)\]”’])")


def reading_text(text: str, profile: str | NotationProfile = DEFAULT_PROFILE) -> str:
    """The talk as prose: pauses, overlaps, timing and non-verbal marks hidden, words and fillers kept."""
    parts: list[str] = []
    for token in tokenize(text, profile):
        if token.kind in _GAP_IN_READING:
            parts.append(" ")
        elif token.kind == "inaudible":
            parts.append("[inaudible]")  # the reader should still see that talk is missing
        elif token.kind not in _DROPPED_IN_READING:
            parts.append(token.text)
    lines = _SPACE_RUN.sub(" ", "".join(parts)).split("\n")
    return "\n".join(_SPACE_BEFORE_PUNCT.sub("", line).strip() for line in lines)


def render_pause(seconds: float, profile: str | NotationProfile = DEFAULT_PROFILE) -> str:
    """How a measured silence is written: "…" in verbatim_health, "(.)" or "(1.4)" in Jefferson."""
    if seconds < 0:
        raise InvalidInput(f"a pause cannot last {seconds} seconds")
    if _profile(profile).name == VERBATIM_HEALTH.name:
        return "…"
    # Conversation analysts call anything under about two tenths of a second a micropause.
    if seconds < 0.2:
        return "(.)"
    return f"({seconds:.1f})"


def merged_pause_seconds(pauses: list[dict]) -> float:
    """How long measured pauses at one place in the text last together, for one mark.

    A click or a breath inside a silence splits it in two; written "(0.5) (2.2)" it would read as
    two pauses. Together they run from the first one's start to the last one's end (the click
    included) when their times are known, else their lengths are added.
    """
    timed = [p for p in pauses if p.get("start") is not None and p.get("end") is not None]
    if len(pauses) > 1 and len(timed) == len(pauses):
        return max(float(p["end"]) for p in timed) - min(float(p["start"]) for p in timed)
    return sum(float(p.get("seconds", 0)) for p in pauses)
