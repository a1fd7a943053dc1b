"""Replace accepted identifying text with study-wide pseudonyms, and keep the key apart.

Why a study-wide key: "[Name 1]" must mean the same person in every transcript of a study, so an
analyst can follow a colleague or relative through the interviews without knowing who they are.
The key (real text → pseudonym) re-identifies people, so it lives in its own small JSON file at
a path the caller chooses — away from the study folder, ideally on encrypted storage — and can be
destroyed when the protocol says so.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reverie.core.errors import InvalidInput
from reverie.privacy.deid.suggestion import (
    AGE,
    DATE,
    EMAIL,
    LABELS,
    LOCATION,
    NHS_NUMBER,
    ORGANISATION,
    PERSON,
    PHONE,
    POSTCODE,
    WARD,
    Suggestion,
)

# Numbered categories: each distinct real text gets the next number in its category.
_NUMBERED = {PERSON: "Name", LOCATION: "Place", WARD: "Ward"}
# Organisations are numbered by kind, so a reader still knows a hospital from a surgery.
_ORGANISATION_KINDS = (
    (re.compile(r"hospital|infirmary|ysbyty|royal\b", re.I), "Hospital"),
    (re.compile(r"surgery|medical practice|health centre|medical centre|practice", re.I), "Practice"),
    (re.compile(r"trust|health board|\bnhs\b|integrated care", re.I), "Trust"),
    (re.compile(r"\bunit\b|\bclinic\b|hospice|centre|care home|nursing home", re.I), "Unit"),
)
# Unnumbered categories: the value itself never matters to the analysis.
_PLAIN = {
    DATE: "[Date]",
    AGE: "[Age]",
    PHONE: "[Phone]",
    NHS_NUMBER: "[NHS number]",
    POSTCODE: "[Postcode]",
    EMAIL: "[Email]",
}

_PSEUDONYM = re.compile(r"^\[(?P<category>[A-Za-z ]+) (?P<number>\d+)\]$")
_KEY_FORMAT = "reverie-pseudonym-key"


@dataclass(frozen=True)
class Replacement:
    """Replace ``text[start:end]`` (which must read ``original``) with ``pseudonym``."""

    start: int
    end: int
    original: str
    pseudonym: str


class Pseudonymiser:
    """Assigns consistent pseudonyms across a study, given the key built so far."""

    def __init__(self, key: Mapping[str, str] | None = None) -> None:
        self.key: dict[str, str] = dict(key or {})
        self._by_form = {_form(real): pseudonym for real, pseudonym in self.key.items()}
        self._counts: dict[str, int] = {}
        for pseudonym in self.key.values():
            m = _PSEUDONYM.match(pseudonym)
            if m:
                category = m.group("category")
                self._counts[category] = max(self._counts.get(category, 0), int(m.group("number")))

    def assign(self, accepted: Iterable[Suggestion]) -> tuple[list[Replacement], dict[str, str]]:
        """Return a replacement for each accepted suggestion and the updated key.

        A person already in the key keeps their pseudonym, and so does a mention of just their
        first or family name ("Fiona" after "Fiona Campbell"); if that part belongs to two people
        in the key, the mention gets its own pseudonym and the researcher can edit the key.
        """
        replacements = []
        for s in sorted(accepted, key=lambda s: s.start):
            if s.label not in LABELS:
                raise InvalidInput(f"unknown de-identification label {s.label!r}")
            replacements.append(Replacement(s.start, s.end, s.text, self._pseudonym(s)))
        return replacements, dict(self.key)

    def _pseudonym(self, s: Suggestion) -> str:
        if s.label in _PLAIN:
            return _PLAIN[s.label]
        form = _form(s.text)
        if form in self._by_form:
            return self._by_form[form]
        if s.label == PERSON:
            owners = {p for real, p in self.key.items() if form in _form(real).split() and " " in _form(real)}
            if len(owners) == 1:
                return owners.pop()
        category = _category(s)
        self._counts[category] = self._counts.get(category, 0) + 1
        pseudonym = f"[{category} {self._counts[category]}]"
        self.key[" ".join(s.text.split())] = pseudonym
        self._by_form[form] = pseudonym
        return pseudonym


def apply(text: str, replacements: Iterable[Replacement]) -> str:
    """Return ``text`` with each replacement made (right to left, so offsets stay valid)."""
    ordered = sorted(replacements, key=lambda r: r.start, reverse=True)
    limit = len(text)
    for r in ordered:
        if not 0 <= r.start <= r.end <= limit:
            raise InvalidInput(f"replacement {r.start}–{r.end} overlaps another or lies outside the text")
        if text[r.start : r.end] != r.original:
            raise InvalidInput(
                f"the text at {r.start}–{r.end} is {text[r.start:r.end]!r}, not {r.original!r}: "
                "the transcript changed since the suggestions were made"
            )
        text = text[: r.start] + r.pseudonym + text[r.end :]
        limit = r.start
    return text


class KeyStore:
    """The re-identification key in its own JSON file, kept apart from the study."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, str]:
        """The key, or an empty one if the file does not exist yet."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{self.path} is not a readable pseudonym key ({exc})") from None
        if not isinstance(record, dict) or record.get("format") != _KEY_FORMAT:
            raise InvalidInput(f"{self.path} is not a Reverie pseudonym key")
        entries = record.get("entries")
        if not isinstance(entries, dict):
            raise InvalidInput(f"{self.path} is not a Reverie pseudonym key")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in entries.items()):
            raise InvalidInput(f"{self.path} is a damaged pseudonym key")
        return dict(entries)

    @staticmethod
    def dump(key: Mapping[str, str]) -> bytes:
        """The key as the bytes of its file; the caller writes them readable by the owner only
        (:func:`reverie.store.files.write_file`)."""
        return json.dumps({"format": _KEY_FORMAT, "version": 1, "entries": dict(key)},
                          ensure_ascii=False, indent=2).encode("utf-8")

    def destroy(self) -> None:
        """Overwrite the key file with random bytes, then delete it.

        Overwriting defeats casual recovery from the same file; on SSDs, copy-on-write file
        systems and backups old blocks may survive, which is why the key belongs on encrypted
        storage in the first place.
        """
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        with open(self.path, "r+b") as handle:
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
        self.path.unlink()


def _form(text: str) -> str:
    """How two mentions are compared: case, spacing and a leading "the" do not matter."""
    form = " ".join(text.casefold().split())
    return form[4:] if form.startswith("the ") else form


def _category(s: Suggestion) -> str:
    if s.label == ORGANISATION:
        for pattern, kind in _ORGANISATION_KINDS:
            if pattern.search(s.text):
                return kind
        return "Organisation"
    return _NUMBERED[s.label]
