"""The one extension point for transcript formats: small importer objects offered by plugins.

An importer says its ``name``, the file ``suffixes`` it reads, whether it ``recognises`` a file's
first bytes, and how to ``read`` a file into a :class:`ParsedTranscript`. Plugins offer importers
through the ``register_transcript_importers`` hook (:mod:`reverie.hookspecs`); Reverie's built-in
ones come through the same hook, asked last, so a plugin can replace a built-in for the same files.

Content beats the file name: a ``.txt`` file that starts with ``WEBVTT`` is read as captions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from reverie import plugins
from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript

from .speakers import SpeakerLabels, SpeakerResolver

# Enough for the format signatures we look for; noScribe's first timestamp anchor follows a
# short header.
HEAD_BYTES = 16384


@dataclass(frozen=True)
class ImportOptions:
    """What the researcher told Reverie about the interview whose transcript is being read."""

    speaker_labels: SpeakerLabels = field(default_factory=SpeakerLabels)
    participant_code: str | None = None
    voice_map: Mapping[str, str] = field(default_factory=dict)

    def resolver(self, source: str) -> SpeakerResolver:
        """A fresh resolver for one file, collecting that file's speaker warnings."""
        return SpeakerResolver(source, self.speaker_labels, self.participant_code, self.voice_map)


class TranscriptImporter(Protocol):
    """Reads one kind of transcript file."""

    name: str
    suffixes: tuple[str, ...]

    def recognises(self, head: bytes) -> bool:
        """Whether the file's first bytes show it is this importer's format, whatever its name."""
        ...

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        """The file's turns, or InvalidInput naming the file and what is wrong with it."""
        ...


# What an importer must have. Checked by name rather than with a runtime-checkable Protocol, whose
# isinstance walks the class hierarchy on every call: a folder import asks for the importers once a file.
_MEMBERS = ("name", "suffixes", "recognises", "read")


def registered_importers() -> tuple[TranscriptImporter, ...]:
    """Every importer the plugins offer, the one consulted first (a plugin's before a built-in) first."""
    importers = []
    for offered in plugins.call("register_transcript_importers"):
        for importer in offered or ():
            if not all(hasattr(importer, member) for member in _MEMBERS):
                raise plugins.PluginError(f"{importer!r} is offered as a transcript importer but lacks "
                                          "name, suffixes, recognises() or read()")
            importers.append(importer)
    return tuple(importers)


def importer_for(path: Path, head: bytes) -> TranscriptImporter:
    """The importer for a file: the first that recognises its content, else one for its suffix."""
    candidates = registered_importers()
    for importer in candidates:
        if importer.recognises(head):
            return importer
    suffix = path.suffix.lower()
    for importer in candidates:
        if suffix in importer.suffixes:
            return importer
    known = sorted({suffix for importer in candidates for suffix in importer.suffixes})
    raise InvalidInput(
        f"{path.name}: Reverie cannot read {suffix or 'files without an extension'} transcripts; "
        f"it reads {', '.join(known)}"
    )
