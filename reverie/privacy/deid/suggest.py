"""Suggest the stretches of a transcript that could identify someone.

Suggestions are for a researcher to accept or reject, never applied silently: recall matters more
than precision (a missed name is a breach, a wrong suggestion costs a click). The analysis is
Presidio with the small English spaCy model plus UK rules (:mod:`.numbers`, :mod:`.names`); this
module turns Presidio's results into :class:`Suggestion` objects, drops what the study allows,
adds every mention of names already confirmed, and merges pieces of one name or place.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from reverie.core.errors import InvalidInput
from reverie.privacy.deid.names import FUNCTION_WORDS, is_generic
from reverie.privacy.deid.suggestion import (
    COARSE,
    DATE,
    EMAIL,
    LABELS,
    LOCATION,
    ORGANISATION,
    PERSON,
    WARD,
    Suggestion,
)

# Terms that look like names to a model but identify nobody in a UK health-care interview.
DEFAULT_ALLOW = frozenset(
    """I P Interviewer Participant Researcher Int GP GPs PALS NHS A&E ICU ITU HDU CAMHS CMHT CPN AMHP
    OT HCA RMN RGN SHO F1 F2 FY1 FY2 CQC NICE HCPC NMC GMC BMA RCN DWP PIP ESA DBS MDT MHA Covid
    COVID Covid-19 COVID-19 Coronavirus Brexit God Jesus Christmas Easter Ramadan Diwali Eid 111 999
    UK Britain Mind Samaritans Alzheimer's Alzheimers Parkinson's Crohn's Down's Asperger's
    Section Sertraline Olanzapine Clozapine Lithium Diazepam Lorazepam Paracetamol Zoom Teams
    Facebook WhatsApp Google YouTube Mm Mhm Erm Um Yeah Okay OK CHI H&C""".split()
) | frozenset(
    {"NHS England", "NHS Scotland", "NHS Wales", "NHS 24", "NHS Direct", "Mental Health Act", "Care Act",
     "Microsoft Teams"}
)

_SPEAKER_CODE = re.compile(r"^(?:p|pt|i|int|r|participant|interviewer|researcher)\s*\d*$", re.IGNORECASE)

_PRESIDIO_TO_LABEL = {
    "PERSON": PERSON,
    "LOCATION": LOCATION,
    "ORGANIZATION": ORGANISATION,
    "DATE_TIME": DATE,
    "EMAIL_ADDRESS": EMAIL,
} | {label: label for label in LABELS}

_SPECIFIC_DATE = re.compile(
    r"\b(?:1[89]\d\d|20[0-4]\d)\b(?!s)|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?=.*\b(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third|\w+teenth|\w+tieth|\w+th)\b)"
    r"(?=.*\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)"
)
_LEADING_TITLE = re.compile(
    r"(?:(?:my|our|his|her|me|the)\s+)?(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Sister|Nurse"
    r"|Matron|Father|Fr|Rev|Reverend|Auntie|Aunty|Aunt|Uncle|Nana|Nan|Cllr|Councillor)\.?\s+",
    re.IGNORECASE,
)
_EDGE_JUNK = " \t\n,.;:!?\"'[]—–-…"

_lock = threading.Lock()
_analyzer: Any = None


def analyzer() -> Any:
    """The process-wide Presidio analyser, built on first use (loading spaCy takes seconds)."""
    global _analyzer
    with _lock:
        if _analyzer is None:
            from reverie.privacy.deid.recognisers import build_analyzer

            _analyzer = build_analyzer()
    return _analyzer


# Which detector to believe when two disagree about the same words: a researcher's confirmation,
# then the UK rules and e-mail pattern, then the gazetteer, then the statistical model.
_CONFIRMED = 4
_PRIORITY = {"UkTranscriptRecognizer": 3, "OfflineEmailRecognizer": 3, "UkPlacesRecognizer": 2}
_MODEL = 1
# Labels whose every mention in a text is suggested once one mention is found.
_NAMED = (PERSON, LOCATION, ORGANISATION, WARD)


@dataclass(frozen=True)
class _Found:
    suggestion: Suggestion
    priority: int


def suggest(
    text: str,
    *,
    allow_list: Iterable[str] = (),
    confirmed: Iterable[str | tuple[str, str]] = (),
) -> list[Suggestion]:
    """Return suggested identifying spans in ``text``, in order, with code-point offsets.

    ``allow_list`` holds study terms never to suggest (speaker labels, service names, study
    vocabulary), matched case-insensitively on the whole suggestion. ``confirmed`` holds text the
    researcher has already accepted — a name string (taken as a person) or a ``(text, label)``
    pair — and every mention of it is suggested, including a confirmed person's first or family
    name on its own. Within one text, a name found once is suggested at each of its mentions, with
    one label throughout.
    """
    if not isinstance(text, str):
        raise InvalidInput("de-identification needs text")
    if not text.strip():
        return []
    allowed = {_normalise(term) for term in (*DEFAULT_ALLOW, *allow_list)}
    found = [f for f in _detect(text) if not _is_allowed(f.suggestion.text, allowed)]
    found = _consistent(text, found)
    found.extend(_confirmed_mentions(text, confirmed))
    return _merge(text, found)


def _detect(text: str) -> list[_Found]:
    results = analyzer().analyze(text=text, language="en")
    found = []
    for r in results:
        label = _PRESIDIO_TO_LABEL.get(r.entity_type)
        if label is None:
            continue
        start, end = _strip_edges(text, r.start, r.end)
        if label == PERSON:
            start = _after_title(text, start, end)
        span = text[start:end]
        if start >= end or not any(c.isalnum() for c in span):
            continue
        if r.entity_type == "DATE_TIME" and not _SPECIFIC_DATE.search(span):
            continue  # "last year", "two weeks", "Tuesday" identify nobody
        if label in _NAMED and _only_function_words(span):
            continue
        if label == ORGANISATION and is_generic(span):
            continue  # "the Intensive Care Unit" names a kind of service, not a place
        recognizer = (r.recognition_metadata or {}).get("recognizer_name")
        suggestion = Suggestion(start, end, span, label, round(float(r.score), 3))
        found.append(_Found(suggestion, _PRIORITY.get(recognizer, _MODEL)))
    return found


def _consistent(text: str, found: list[_Found]) -> list[_Found]:
    """Give each distinct name the label its most trusted detection gave it, at every mention."""
    best: dict[str, _Found] = {}
    for f in found:
        key = f.suggestion.text
        if key not in best or (f.priority, f.suggestion.score) > (best[key].priority, best[key].suggestion.score):
            best[key] = f
    relabelled = [
        _Found(replace(f.suggestion, label=best[f.suggestion.text].suggestion.label), f.priority) for f in found
    ]
    for name, f in best.items():
        if f.suggestion.label not in _NAMED or len(name) < 3:
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            relabelled.append(_Found(replace(f.suggestion, start=m.start(), end=m.end()), f.priority))
    return relabelled


def _confirmed_mentions(text: str, confirmed: Iterable[str | tuple[str, str]]) -> list[_Found]:
    found = []
    for item in confirmed:
        real, label = (item, PERSON) if isinstance(item, str) else item
        if label not in LABELS:
            raise InvalidInput(f"unknown de-identification label {label!r}")
        real = " ".join(real.split())
        if not real:
            continue
        forms = {real}
        if label == PERSON:
            title = _LEADING_TITLE.match(real)
            body = real[title.end() :] if title else real
            forms |= {body} | {
                part for part in body.split() if len(part) >= 3 and part.lower() not in FUNCTION_WORDS
            }
        for form in forms:
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, form.split())) + r"(?!\w)"
            for m in re.finditer(pattern, text, re.IGNORECASE):
                found.append(_Found(Suggestion(m.start(), m.end(), m.group(), label, 1.0), _CONFIRMED))
    return found


def _merge(text: str, found: list[_Found]) -> list[Suggestion]:
    """One suggestion per stretch of text: overlaps resolved, adjacent pieces joined."""
    found.sort(key=lambda f: (f.suggestion.start, -f.suggestion.end))
    clusters: list[list[_Found]] = []
    end = -1
    for f in found:
        if clusters and f.suggestion.start < end:
            clusters[-1].append(f)
            end = max(end, f.suggestion.end)
        else:
            clusters.append([f])
            end = f.suggestion.end
    merged: list[Suggestion] = []
    for s in (_resolve(text, cluster) for cluster in clusters):
        prev = merged[-1] if merged else None
        if prev and prev.label == s.label and _joinable(text[prev.end : s.start]):
            merged[-1] = Suggestion(prev.start, s.end, text[prev.start : s.end], s.label, max(prev.score, s.score))
        else:
            merged.append(s)
    return merged


def _resolve(text: str, cluster: list[_Found]) -> Suggestion:
    """Overlapping suggestions: the most trusted, then longest, decides the label; pieces of the
    same kind are joined into one span."""
    best = max(cluster, key=lambda f: (f.priority, f.suggestion.end - f.suggestion.start, f.suggestion.score))
    label = best.suggestion.label
    same = [f.suggestion for f in cluster if COARSE[f.suggestion.label] == COARSE[label]]
    start, end = min(s.start for s in same), max(s.end for s in same)
    return Suggestion(start, end, text[start:end], label, max(s.score for s in same))


def _joinable(gap: str) -> bool:
    return (gap.strip() == "" and "\n" not in gap) or gap == "-"


def _strip_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim punctuation and spaces, keeping brackets that pair up ("(01632) 960382")."""
    while True:
        before = (start, end)
        while start < end and text[start] in _EDGE_JUNK:
            start += 1
        while end > start and text[end - 1] in _EDGE_JUNK:
            end -= 1
        if start < end and text[start] == "(" and ")" not in text[start:end]:
            start += 1
        if start < end and text[end - 1] == ")" and "(" not in text[start:end]:
            end -= 1
        if (start, end) == before:
            return start, end


def _after_title(text: str, start: int, end: int) -> int:
    m = _LEADING_TITLE.match(text, start, end)
    return m.end() if m and m.end() < end else start


def _only_function_words(span: str) -> bool:
    return all(w.lower().strip("'’") in FUNCTION_WORDS for w in span.split())


def _normalise(term: str) -> str:
    term = " ".join(term.casefold().split())
    return term[4:] if term.startswith("the ") else term


def _is_allowed(span: str, allowed: set[str]) -> bool:
    return _normalise(span) in allowed or bool(_SPEAKER_CODE.match(span.strip()))
