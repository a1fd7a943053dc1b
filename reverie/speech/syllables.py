"""How many syllables an English word has: CMUdict first, numbers spelled out, rules for the rest.

Why a dictionary: counting vowel groups miscounts a good share of everyday words ("idea",
"business", "every", "create"), and a speech rate is only as good as its syllable count. The
table (``data/syllables.txt.gz``, built by ``scripts/convert_cmudict.py``) holds the count of
each CMUdict word's first pronunciation; it is read once, on first use, in a fraction of a second.
Numbers are said the way people read them: "1813" as "eighteen thirteen", "2,500" as "two
thousand five hundred", "3rd" as "third", "4.5" as "four point five".
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib import resources

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_PIECES = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?(?:st|nd|rd|th|s)?|[^\W\d_]+(?:'[^\W\d_]+)*", re.UNICODE)
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"))
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
            "nine": "ninth", "twelve": "twelfth"}
_SYMBOLS = {"%": "percent", "&": "and", "+": "plus", "$": "dollars", "£": "pounds", "€": "euros"}


@lru_cache(maxsize=1)
def _table() -> dict[str, int]:
    """Word (lower case) → syllables, from the shipped CMUdict table."""
    counts: dict[str, int] = {}
    data = resources.files("reverie.speech").joinpath("data/syllables.txt.gz").read_bytes()
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        count, *words = line.split(" ")
        n = int(count)
        counts.update(dict.fromkeys(words, n))
    return counts


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10])
        n %= 10
        if n:
            words.append(_ONES[n])
    elif n or not words:
        words.append(_ONES[n])
    return words


def cardinal(n: int) -> list[str]:
    """A whole number as words: 2500 → two thousand five hundred."""
    if n < 1000:
        return _below_thousand(n)
    words: list[str] = []
    for size, name in _SCALES:
        if n >= size:
            words += cardinal(n // size) + [name]
            n %= size
    if n:
        words += _below_thousand(n)
    return words


def spell_number(token: str) -> list[str]:
    """How a written number is read aloud, as words: years in pairs, ordinals, decimals."""
    token = token.lower()
    suffix = ""
    for ending in ("st", "nd", "rd", "th", "s"):
        if token.endswith(ending):
            token, suffix = token[: -len(ending)], ending
            break
    whole, _, fraction = token.replace(",", "").partition(".")
    n = int(whole or 0)
    if suffix in ("", "s") and "," not in token and not fraction and len(whole) == 4 and (
            1100 <= n <= 1999 or 2010 <= n <= 2099):
        # read as a year, in pairs: 1813 → eighteen thirteen; 1900 → nineteen hundred
        high, low = divmod(n, 100)
        words = _below_thousand(high) + (["hundred"] if low == 0 else
                                         (["oh"] + _below_thousand(low) if low < 10 else _below_thousand(low)))
    else:
        words = cardinal(n)
    if fraction:
        words += ["point"] + [_ONES[int(digit)] for digit in fraction]
    if suffix in ("st", "nd", "rd", "th"):
        last = words[-1]
        words[-1] = _ORDINAL.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    elif suffix == "s":  # the 1980s
        words[-1] = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
    return words


def rule_syllables(word: str) -> int:
    """English syllables by vowel groups, with a silent final e; at least one per word with letters."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 0
    groups = len(_VOWEL_GROUPS.findall(letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(groups, 1)


def _word_syllables(word: str) -> int:
    table = _table()
    found = table.get(word.lower())
    if found is None and word.lower().endswith("'s"):
        stem = table.get(word.lower()[:-2])
        found = None if stem is None else stem
    if found is None:
        return rule_syllables(word)
    return max(found, 1)  # "hmm" and "mm" are voiced: one syllable, not CMUdict's syllabic nasal


def count_syllables(text: str) -> int:
    """Syllables in a recognised word or phrase ("1813" counts 4; "(1.5)" and "–" count 0)."""
    if re.fullmatch(r"\s*[(\[].*[)\]]\s*", text):
        return 0  # a transcription mark such as (1.5) or [laughs], not speech
    total = sum(_word_syllables(_SYMBOLS[char]) for char in text if char in _SYMBOLS)
    for piece in _PIECES.findall(text):
        if piece[0].isdigit():
            total += sum(_word_syllables(word) for word in spell_number(piece))
        else:
            total += _word_syllables(piece)
    return total
