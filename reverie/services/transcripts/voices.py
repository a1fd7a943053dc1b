"""Who speaks in a transcript file before it is stored: the voices a researcher must map to study codes.

Caption files (Teams, Zoom) name speakers by their real names, and noScribe or a diarising
transcriber labels them ``S00``, ``SPEAKER_01``. Real names stop an import until each has a study
code; diarisation labels would be stored as they are, with a warning. The workbench asks about
both first, so the researcher maps every voice once and the draft is stored with study codes only.
Nothing here stores anything, and the names are never kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileVoices:
    """The voices of one file still to be given study codes: real names, then diarisation labels."""

    names: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.names + self.labels


def voices_to_map(path: Path | str, participant_code: str | None = None) -> FileVoices:
    """Read a transcript file (storing nothing) and list the voices that have no study code yet.

    Voices the study's labels already resolve ("Interviewer", "P1", "I") are not listed. A file
    that cannot be read raises the importer's InvalidInput, naming the file.
    """
    from reverie.formats.transcripts import UnmappedVoices, read_transcript
    from reverie.formats.transcripts.speakers import DIARISATION_LABEL

    names: tuple[str, ...] = ()
    try:
        parsed = read_transcript(Path(path), participant_code=participant_code)
    except UnmappedVoices as exc:
        names = exc.voices
        # Read again with the names set aside, to find the diarisation labels among the other voices.
        parsed = read_transcript(Path(path), participant_code=participant_code,
                                 voice_map={name: "I" for name in names})
    labels = sorted({turn.speaker for turn in parsed.turns
                     if turn.speaker and DIARISATION_LABEL.fullmatch(turn.speaker)})
    return FileVoices(names, tuple(labels))
