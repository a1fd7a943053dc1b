"""People, health and care organisations, wards and street addresses found by the way UK
participants talk about them.

Why rules on top of the language model: a small spaCy model misses names that follow a title or a
kinship or role word ("Sister Quinn", "me nan", "a nurse called rose"), often in lower case in a
verbatim transcript, and it does not know that "… NHS Foundation Trust", "NHS Lothian", "Ward 42"
or "the Acorn ward" name a place of care. Finders return ``(start, end, label, score)`` tuples;
``doc`` is the spaCy ``Doc`` of the same text when one is available, used to tell a lower-case
name from an ordinary word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

from reverie.privacy.deid.suggestion import LOCATION, ORGANISATION, PERSON, WARD

Hit = tuple[int, int, str, float]

_UPPER = r"[A-ZÀ-ÖØ-Þ]"
_NAME = rf"{_UPPER}[^\W\d_]*(?:['’-]{_UPPER}?[^\W\d_]+)*"
_LOWER_NAME = r"[a-zß-öø-ÿ][^\W\d_]+(?:['’-][^\W\d_]+)*"

# Capitalised words that begin sentences or fill speech but are never names.
FUNCTION_WORDS = frozenset(
    """i i'm i'd i've i'll me my we our us you your he him his she her they them their it its the a an
    and but so then yeah yes yep no nope well oh um uhm er erm uh ah mm hmm like because cos when what
    who whom how why where which that this these those there here okay ok anyway actually honestly
    right sorry look see just really basically obviously god if or not all any some every each both
    was is are were be been being had has have do did does would could should will can may might
    must shall sir madam at in on of to from for with by about as into over after before up down out
    back off again also only even still very too more most less least much many own same other such
    called named said says told asked went came got aye ach och naw nae hiya ta cheers innit""".split()
)

_TITLE = (
    r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Sister|Nurse|Matron|Father|Fr|Rev|Reverend"
    r"|Pastor|Councillor|Cllr|Auntie|Aunty|Aunt|Uncle|Nana|Nanna|Grandma|Grandad|Granda|Lord|Lady"
    r"|Sir|Dame)"
)
_TITLE_WORD = re.compile(rf"(?i:{_TITLE})\.?")
# Titles that are never ordinary words, so a lower-case name after them is still a name.
_HONORIFIC = r"(?:dr|mr|mrs|ms|miss|mx|prof)"

_KIN = (
    r"(?:husband|wife|partner|son|daughter|mum|mam|mom|mother|dad|father|brother|sister|nan|nana"
    r"|nanna|gran|granny|grandad|grandma|grandson|granddaughter|grandmother|grandfather|aunt|auntie"
    r"|aunty|uncle|cousin|niece|nephew|friend|pal|mate|neighbour|boyfriend|girlfriend|fianc[ée]e?"
    r"|stepdad|stepmum|stepson|stepdaughter|colleague|manager|boss|supervisor|mentor|key\s?worker"
    r"|carer|consultant|psychiatrist|psychologist|therapist|counsellor|social\s+worker|CPN|GP|OT"
    r"|physio|nurse|doctor|registrar|midwife|health\s+visitor|team\s+leader|lead|matron|chaplain"
    r"|care\s+coordinator|support\s+worker|advocate|lodger|flatmate|lad|lass|fella|bloke|chap|guy"
    r"|girl|boy|woman|man|lady|gentleman|patient|client|service\s+user|resident|student)s?"
)
_POSSESSIVE = r"(?:my|our|his|her|their|your|me|the|a|this|that|one)"

_TITLED = re.compile(rf"\b{_TITLE}\.?\s+(?P<name>{_NAME}(?:\s+{_NAME})?)")
_HONORIFIC_LOWER = re.compile(rf"\b{_HONORIFIC}\.?\s+(?P<name>{_LOWER_NAME})", re.IGNORECASE)
_KIN_NAME = re.compile(
    rf"\b(?i:{_POSSESSIVE}\s+{_KIN}(?:-in-law)?),?\s+(?P<name>{_NAME}(?:\s+{_NAME})?|{_LOWER_NAME})"
)
_CALLED = re.compile(
    rf"\b(?i:called|named|call(?:ing)?\s+(?:him|her|them)|(?:first\s+|real\s+)?name(?:'s|\s+is|\s+was))"
    rf"\s+(?P<name>{_NAME}(?:\s+{_NAME})?|{_LOWER_NAME})"
)
_NOT_CALLED = frozenset(
    "back out up in round over off ambulance police security everyone everybody someone somebody "
    "anyone anybody nobody people something anything nothing".split()
)

_ORG_SUFFIX = (
    r"(?:NHS\s+(?:Foundation\s+)?Trust|(?:University\s+)?Health\s+Board|Health\s+and\s+Social\s+Care"
    r"\s+Trust|Integrated\s+Care\s+Board|Ambulance\s+Service|(?:University\s+)?Hospitals?|Infirmary"
    r"|Medical\s+Practice|Medical\s+Centre|Health\s+Centre|Surgery|Practice|Clinic|Hospice|Unit"
    r"|Centre|Care\s+Home|Nursing\s+Home|House|Council|University|Trust)"
)
_ORG = re.compile(
    rf"(?P<org>(?:{_NAME}\.?\s+(?:(?:of|and|&|upon|on|y|the)\s+)*){{1,7}}{_ORG_SUFFIX}\b"
    rf"(?:\s+(?:of|in)\s+{_NAME}(?:\s+{_NAME})?)?)"
)
_NHS_BOARD = re.compile(
    rf"\bNHS\s+(?!(?:Trust|Number|No|App|Direct|Choices|England|Scotland|Wales|Digital|Jobs"
    rf"|Pensions?|Foundation|Mail|Login|Professionals|Inform|Wales|Trusts|Net)\b)"
    rf"{_NAME}(?:\s+(?:(?:and|&)\s+)?{_NAME}){{0,3}}"
)
_YSBYTY = re.compile(rf"\bYsbyty\s+{_NAME}(?:\s+{_NAME})?")
# Words that describe a kind of service rather than name one: "Intensive Care Unit" is not an
# identifier, "Rowan Unit" is.
_GENERIC = frozenset(
    """intensive care critical coronary high dependency acute mental health medical assessment
    admissions admission day psychiatric community general district local mother baby maternity
    stroke renal cancer children's childrens child eating disorders disorder secure forensic rehab
    rehabilitation learning disability disabilities perinatal specialist regional national private
    teaching nhs trust emergency urgent minor injuries injury job social services family sure start
    city county foundation university hospital hospitals the a an and of our their my his her your
    new old main royal this that same other next another big small women's men's older adult adults
    adolescent young people's elderly geriatric psychiatry liaison memory sexual treatment walk-in
    care home nursing primary secondary out-of-hours gp practice surgery clinic centre unit house
    council trust board integrated ambulance service dental eye burns spinal cardiac heart lung
    respiratory infectious diseases isolation short stay long day-case neonatal special""".split()
)

_WARD_NUMBER = re.compile(r"\b[Ww]ard\s+(?:\d{1,3}[A-Za-z]?|[A-Z]\d{0,2})\b")
_WARD_NAME = re.compile(rf"\b(?:the\s+)?(?P<name>{_NAME}(?:\s+{_NAME})?)\s+[Ww]ard\b")

_STREET = re.compile(
    rf"\b(?:\d{{1,4}}[A-Za-z]?,?\s+)?(?:{_NAME}\s+){{1,3}}(?:Road|Street|Lane|Avenue|Drive|Close"
    rf"|Crescent|Terrace|Gardens|Place|Way|Court|Grove|Row|Square|Walk|Mews|Wynd|Brae|Estate)\b"
)


def find_all(text: str, doc: Any | None = None) -> list[Hit]:
    """All people, organisations, wards and streets that the rules find in ``text``."""
    tokens = _TokenIndex(doc)
    return [
        *_people(text, tokens),
        *_organisations(text),
        *_wards(text),
        *_streets(text),
    ]


def _people(text: str, tokens: _TokenIndex) -> Iterator[Hit]:
    for pattern, score in ((_TITLED, 0.75), (_HONORIFIC_LOWER, 0.6), (_KIN_NAME, 0.7), (_CALLED, 0.75)):
        for m in pattern.finditer(text):
            start, end = _trim_name(text, m.start("name"), m.end("name"))
            if start >= end:
                continue
            word = text[start:end]
            if _TITLE_WORD.fullmatch(word.split()[0]):
                continue  # "my consultant, Mr Okafor": the titled rule finds the name itself
            if word[0].islower() and not _lower_case_name(pattern, word, start, tokens):
                continue
            yield start, end, PERSON, score


def _lower_case_name(pattern: re.Pattern[str], word: str, start: int, tokens: _TokenIndex) -> bool:
    """Whether a lower-case word after a title, kinship word or "called" is a name."""
    if pattern is _KIN_NAME:
        # "my sister fiona" but not "my sister rang": only what the model calls a proper noun.
        return tokens.is_proper(start)
    if pattern is _CALLED:
        # After "called" almost anything but a function word is a name, even "rose" or "hope".
        return word.lower() not in FUNCTION_WORDS and word.lower() not in _NOT_CALLED
    return not tokens.is_ordinary(start)


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop trailing words of a two-word match that are not names ("Fiona And")."""
    words = list(re.finditer(r"\S+", text[start:end]))
    kept = []
    for w in words:
        if w.group().lower().strip("’'") in FUNCTION_WORDS:
            break
        kept.append(w)
    if not kept:
        return start, start
    return start + kept[0].start(), start + kept[-1].end()


def _organisations(text: str) -> Iterator[Hit]:
    for m in _ORG.finditer(text):
        start = m.start()
        words = list(re.finditer(r"[^\s]+", m.group()))
        # A sentence-initial "So", "At", "The" is swept up by the capitalised-words pattern.
        while words and words[0].group().lower().rstrip(".") in FUNCTION_WORDS:
            words.pop(0)
        if not words:
            continue
        if is_generic(" ".join(w.group() for w in words)):
            continue
        yield start + words[0].start(), m.end(), ORGANISATION, 0.7
    for pattern in (_NHS_BOARD, _YSBYTY):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), ORGANISATION, 0.75


def is_generic(span: str) -> bool:
    """True if every word describes a kind of service ("Mental Health Unit"), naming none."""
    return all(w.lower().strip(".,'’") in _GENERIC or w.lower() in FUNCTION_WORDS for w in span.split())


def _wards(text: str) -> Iterator[Hit]:
    for m in _WARD_NUMBER.finditer(text):
        yield m.start(), m.end(), WARD, 0.8
    for m in _WARD_NAME.finditer(text):
        if is_generic(m.group("name")):
            continue
        yield m.start(), m.end(), WARD, 0.7


def _streets(text: str) -> Iterator[Hit]:
    for m in _STREET.finditer(text):
        words = list(re.finditer(r"\S+", m.group()))
        while words and words[0].group().lower() in FUNCTION_WORDS:
            words.pop(0)
        if len(words) >= 2:
            yield m.start() + words[0].start(), m.end(), LOCATION, 0.6


class _TokenIndex:
    """Look up the spaCy token that starts at a character offset (if a ``Doc`` was given)."""

    def __init__(self, doc: Any | None) -> None:
        self.doc = doc
        self.starts = [t.idx for t in doc] if doc is not None else []

    def _token(self, start: int) -> Any | None:
        i = bisect.bisect_left(self.starts, start)
        if i < len(self.starts) and self.starts[i] == start:
            return self.doc[i]
        return None

    def is_proper(self, start: int) -> bool:
        token = self._token(start)
        return token is not None and (token.pos_ == "PROPN" or token.ent_type_ == "PERSON")

    def is_ordinary(self, start: int) -> bool:
        token = self._token(start)
        if token is None:
            return False
        return token.is_stop or token.pos_ in {"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM"}
