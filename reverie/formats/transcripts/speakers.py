"""Who is speaking: the labels a transcript file uses, turned into the study's speaker codes.

Files label speakers in many ways: "I:", "INT:", "Interviewer:", "R:", "P07:", a diarisation
label such as "S00", or the real name a meeting tool wrote. Reverie stores only study codes
("I", "P1"), so every importer resolves labels through one :class:`SpeakerResolver`. Real names
are looked up in the researcher's ``voice_map`` and never kept: an unmapped name stops the import
with :class:`UnmappedVoices`, which lists the names so the service can ask for a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reverie.core.errors import InvalidInput

INTERVIEWER_CODE = "I"
# What participant aliases become when the caller did not say whose interview this is.
UNKNOWN_PARTICIPANT_CODE = "R"

# A label that a meeting tool or a diarising transcriber might write before a colon: one to four
# capitalised words ("Dr Jane O'Brien", "S00", "SPEAKER_01"). Used to spot real names that must
# be mapped rather than left in the text.
NAME_LIKE = re.compile(r"[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3}")
DIARISATION_LABEL = re.compile(r"(?:S|SPEAKER_?)\d{1,3}", re.IGNORECASE)


@dataclass(frozen=True)
class SpeakerLabels:
    """The speaker labels a study's transcripts use, so files typed by different people agree.

    Matching ignores case and surrounding spaces. Interviewer aliases become ``"I"``;
    participant aliases become the interview's participant code (``"R"`` when none is given);
    any label matching ``participant_code_pattern`` ("P1", "P07") is read as a participant code.
    """

    interviewer: tuple[str, ...] = ("I", "INT", "Interviewer")
    participant: tuple[str, ...] = ("R", "Respondent", "Participant", "Interviewee")
    participant_code_pattern: str = r"P\d+"


class UnmappedVoices(InvalidInput):
    """Real names in the file have no study code yet; ``voices`` lists them for the researcher."""

    def __init__(self, source: str, voices: Iterable[str]):
        self.voices = tuple(sorted(set(voices)))
        super().__init__(
            f"{source}: these voices have no study code: {', '.join(self.voices)}. "
            "Map each one to a code such as I or P1; names are never kept in a transcript."
        )


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _without_leading_zeros(code: str) -> str:
    return re.sub(r"0+(?=\d)", "", code.upper())


class SpeakerResolver:
    """Resolves one file's labels to study codes and remembers what the researcher should hear.

    Participant labels that differ from the interview's participant code are kept as written
    (the file may belong to another interview) and reported in ``warnings`` once each.
    """

    def __init__(
        self,
        source: str,
        labels: SpeakerLabels | None = None,
        participant_code: str | None = None,
        voice_map: Mapping[str, str] | None = None,
    ):
        labels = labels or SpeakerLabels()
        self.source = source
        self.participant_code = participant_code
        self.warnings: list[str] = []
        self._interviewer = {_key(alias) for alias in labels.interviewer}
        self._participant = {_key(alias) for alias in labels.participant}
        self._code_pattern = re.compile(labels.participant_code_pattern, re.IGNORECASE)
        self._warned: set[str] = set()
        self._voices = {_key(name): code.strip() for name, code in (voice_map or {}).items()}
        self._codes: dict[str, str | None] = {}

    def code_for(self, label: str) -> str | None:
        """The study code for a label, or None when the label is not one this study knows.

        Remembered per label as written: a file repeats a handful of labels on every turn, and
        a label's warning is given once anyway.
        """
        if label in self._codes:
            return self._codes[label]
        mapped = self._voices.get(_key(label))
        # The researcher may map a name to an alias ("Interviewer") as well as to a code.
        code = self._label_code(label) if mapped is None else self._label_code(mapped) or mapped
        self._codes[label] = code
        return code

    def _label_code(self, label: str) -> str | None:
        key = _key(label)
        if key in self._interviewer:
            return INTERVIEWER_CODE
        if key in self._participant:
            return self.participant_code or UNKNOWN_PARTICIPANT_CODE
        if self._code_pattern.fullmatch(label.strip()):
            return self._checked(label.strip().upper())
        return None

    def _checked(self, code: str) -> str:
        """Return the interview's own code for a same-numbered label; warn on a different one."""
        expected = self.participant_code
        if expected is None or code == expected:
            return code
        if _without_leading_zeros(code) == _without_leading_zeros(expected):
            return expected
        if code not in self._warned:
            self._warned.add(code)
            self.warnings.append(
                f"{self.source}: the file labels a participant {code}, but this interview's "
                f"participant is {expected}; kept {code} as written."
            )
        return code

    def require(self, names: Iterable[str]) -> dict[str, str]:
        """Codes for every voice name, or :class:`UnmappedVoices` naming all that have none.

        A diarisation label ("S00", "SPEAKER_01") is no one's name, so an unmapped one is kept
        as the speaker, with a warning asking the researcher to assign it.
        """
        codes: dict[str, str] = {}
        unmapped: list[str] = []
        anonymous: list[str] = []
        for name in names:
            code = self.code_for(name)
            if code is None and DIARISATION_LABEL.fullmatch(name):
                code = name.upper()
                anonymous.append(code)
            if code is None:
                unmapped.append(name)
            else:
                codes[name] = code
        if unmapped:
            raise UnmappedVoices(self.source, unmapped)
        if anonymous:
            self.warnings.append(
                f"{self.source}: speakers {', '.join(sorted(set(anonymous)))} are only "
                "diarisation labels; map each one to a study code such as I or P1."
            )
        return codes
