"""UK identifiers written in figures or spoken as words: NHS/CHI/H&C numbers, phones, postcodes,
dates and ages.

Why rules and not the language model: these have fixed shapes (an NHS number's mod-11 check
digit, a postcode's letter positions), and interview transcripts spell them out the way people
say them ("oh one three one…", "double seven", "the twenty-third of December"), which a small
spaCy model does not recognise. Each finder returns ``(start, end, label, score)`` tuples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reverie.privacy.deid.suggestion import AGE, DATE, NHS_NUMBER, PHONE, POSTCODE

Hit = tuple[int, int, str, float]

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_DIGIT_WORDS = {w: str(i) for i, w in enumerate(_UNITS)} | {"oh": "0", "nought": "0", "o": "0"}

_NUMBER_WORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:])}))?|{'|'.join(_TEENS)}"
    rf"|{'|'.join(_UNITS[1:])}|a\s+hundred(?:\s+and\s+\w+)?)"
)
_ORDINAL_WORD = (
    r"(?:(?:twenty|thirty)[- ]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})"
_YEAR = r"(?:1[89]\d\d|20[0-4]\d)"
_SPOKEN_YEAR = (
    rf"(?:nineteen|twenty)[- ](?:oh[- ](?:{'|'.join(_UNITS[1:])})|{'|'.join(_TEENS)}"
    rf"|(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:])}))?)"
    rf"|two\s+thousand(?:\s+and)?(?:\s+(?:{'|'.join(_UNITS[1:])}|{'|'.join(_TEENS)}))?"
)

_DATE_PATTERNS = [
    # [Tuesday] [the] 9th [of] October [2016]
    rf"\b(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?:{_YEAR}|'\d\d|{_SPOKEN_YEAR}))?",
    # October [the] 9th [2016]
    rf"\b{_MONTH}\s+(?:the\s+)?{_DAY}\b(?:,?\s+{_YEAR})?",
    # March 2021, March nineteen eighty-nine
    rf"\b{_MONTH},?\s+(?:{_YEAR}\b|{_SPOKEN_YEAR})",
    # 02/05/1998, 2.5.98
    r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b",
    # in 2014 (not 2014s, not part of a longer number)
    rf"(?<![\d£$.,])\b{_YEAR}\b(?![\d%]|s\b|\s*(?:pounds|quid|patients|people|staff|miles))",
    # in nineteen eighty-nine: only after a word that introduces a year
    rf"\b(?:in|since|from|until|till|of|year)\s+(?P<spoken>{_SPOKEN_YEAR})\b",
]
_DATE = re.compile("|".join(f"(?:{p})" for p in _DATE_PATTERNS))

_AGE_NUMBER = rf"(?:\d{{1,3}}|{_NUMBER_WORD})"
_AGE_SUBJECT = (
    r"(?:I|I'm|he|she|they|we|you|who|mum|mam|mom|dad|nan|gran|son|daughter|wife|husband|partner"
    r"|brother|sister|[A-Z][a-z]+)"
)
_AGE_PATTERNS = [
    rf"\b(?P<a1>{_AGE_NUMBER})[- ]?(?:years?|yrs?)[- ]old\b",
    rf"\b(?P<a2>{_AGE_NUMBER})\s+years\s+of\s+age\b",
    rf"\b(?:aged|age\s+of|age)\s+(?P<a3>{_AGE_NUMBER})\b",
    rf"\b(?:turned|turning|turns)\s+(?P<a4>{_AGE_NUMBER})\b",
    rf"\b(?!(?:It|That|There|This|What|Which|Here|Where)\b){_AGE_SUBJECT}\s*,?(?:'s|'m|'re|'d\s+turned|'d\s+have\s+been|'ll\s+be"
    rf"|\s+(?:is|was|were|turned|had\s+turned|will\s+be|would\s+have\s+been))\s+(?:only\s+|just\s+|nearly\s+|about\s+|almost\s+)?"
    rf"(?P<a5>{_AGE_NUMBER})\b(?!\s*(?:%|percent|pounds|quid|minutes?|mins|hours?|days?|weeks?|months?"
    rf"|times|o'clock|am|pm|mg|miles|ml|beds|patients|people|of|in|on|to|or|-)|[-:.]\d)",
]
_AGE = re.compile("|".join(f"(?:{p})" for p in _AGE_PATTERNS))

_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA"
    r"|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)

_PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)\d{1,4}\)?(?:[\s-]?\d{2,4}){1,3}(?![\w])"
)
_TEN_DIGITS = re.compile(r"(?<![\d+])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])")

_SPOKEN_DIGIT = r"(?:oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine|\d{1,5})"
_SPOKEN_SEQUENCE = re.compile(
    rf"\b(?:plus\s+)?(?:(?:double|treble|triple)\s+)?{_SPOKEN_DIGIT}"
    rf"(?:(?:[\s,.-]|…|\b(?:er|erm|um|uh)\b)+(?:(?:double|treble|triple)\s+)?{_SPOKEN_DIGIT}\b)+",
    re.IGNORECASE,
)
# Words near a 10-digit number that say it is a health-service identifier, even when its check
# digit is wrong (misheard or misremembered numbers still identify).
_ID_CONTEXT = re.compile(
    r"\b(?:NHS|CHI|H\s?(?:and|&)\s?C|health\s+(?:and|&)\s+care|hospital)\s+(?:number|no\.?)",
    re.IGNORECASE,
)


def find_all(text: str) -> list[Hit]:
    """All number-shaped identifiers in ``text``."""
    return [
        *_dates(text),
        *_ages(text),
        *_postcodes(text),
        *_written_numbers(text),
        *_spoken_numbers(text),
    ]


def nhs_checksum_ok(digits: str) -> bool:
    """True if a 10-digit NHS (or CHI / H&C) number's mod-11 check digit is right."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == int(digits[9])


def _dates(text: str) -> Iterator[Hit]:
    for m in _DATE.finditer(text):
        if m.group("spoken"):
            yield m.start("spoken"), m.end("spoken"), DATE, 0.6
        else:
            yield m.start(), m.end(), DATE, 0.7


def _ages(text: str) -> Iterator[Hit]:
    for m in _AGE.finditer(text):
        group = next(g for g in ("a1", "a2", "a3", "a4", "a5") if m.group(g) is not None)
        value = m.group(group)
        if value.isdigit() and not 0 < int(value) <= 115:
            continue
        start = m.start(group)
        end = m.end() if group in ("a1", "a2") else m.end(group)
        yield start, end, AGE, 0.65


def _postcodes(text: str) -> Iterator[Hit]:
    for m in _POSTCODE.finditer(text):
        yield m.start(), m.end(), POSTCODE, 0.75


def _written_numbers(text: str) -> Iterator[Hit]:
    for m in _TEN_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if _near_id_context(text, m.start()):
            yield m.start(), m.end(), NHS_NUMBER, 0.8
        elif digits[0] != "0" and nhs_checksum_ok(digits):
            yield m.start(), m.end(), NHS_NUMBER, 0.7
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = digits[2:] if m.group().startswith("+") else digits
        national = national.removeprefix("0")  # the trunk 0, also as "+44 (0)20…"
        if 9 <= len(national) <= 10 and not _near_id_context(text, m.start()):
            yield m.start(), m.end(), PHONE, 0.6


def _spoken_numbers(text: str) -> Iterator[Hit]:
    for m in _SPOKEN_SEQUENCE.finditer(text):
        if m.group().replace(" ", "").isdigit():
            continue  # plain figures are handled by _written_numbers
        groups = _digit_groups(m.group(), m.start())
        # People repeat a number straight back ("…three one two, oh one seven…"), so a run of
        # digit words may hold several numbers: take the longest valid run of whole groups,
        # leftmost first.
        i = 0
        while i < len(groups):
            for j in range(len(groups), i, -1):
                digits = "".join(g[2] for g in groups[i:j])
                label = _spoken_label(digits, groups[i][3], text, groups[i][0])
                if label:
                    yield groups[i][0], groups[j - 1][1], label, 0.7
                    i = j
                    break
            else:
                i += 1


def _digit_groups(run: str, offset: int) -> list[tuple[int, int, str, bool]]:
    """Split a run of digit words at pauses (commas, fillers) into (start, end, digits, plus)."""
    groups = []
    for g in re.finditer(r"[^,…]+", run):
        words = list(re.finditer(r"plus|double|treble|triple|[a-z]+|\d+", g.group().lower()))
        digits, repeat, plus, first = "", 1, False, None
        for w in words:
            word = w.group()
            if word == "plus":
                plus = not digits
            elif word == "double":
                repeat = 2
            elif word in ("treble", "triple"):
                repeat = 3
            elif word.isdigit() or word in _DIGIT_WORDS:
                digits += (word if word.isdigit() else _DIGIT_WORDS[word]) * repeat
                repeat = 1
            else:
                continue
            first = w.start() if first is None else first
        if digits:
            last = words[-1].end()
            groups.append((offset + g.start() + first, offset + g.start() + last, digits, plus))
    return groups


def _spoken_label(number: str, plus: bool, text: str, start: int) -> str | None:
    if plus:
        return PHONE if number.startswith("44") and 11 <= len(number) <= 12 else None
    if len(number) == 10 and (_near_id_context(text, start) or nhs_checksum_ok(number)):
        return NHS_NUMBER
    if number.startswith("0") and 10 <= len(number) <= 11:
        return PHONE
    return None


def _near_id_context(text: str, start: int) -> bool:
    return _ID_CONTEXT.search(text, max(0, start - 60), start) is not None
