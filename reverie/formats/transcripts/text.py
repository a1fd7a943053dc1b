"""Plain-text transcripts: what transcribers type in Notepad or save from Word as "Plain Text"."""

from __future__ import annotations

from pathlib import Path

from reverie.core.transcript import ParsedTranscript

from .encoding import decode_transcript
from .lines import SourceText, turns_from_lines
from .registry import ImportOptions


class PlainTextImporter:
    """Reads ``.txt`` transcripts, numbered or not, in any encoding Windows or macOS saves."""

    name = "text"
    suffixes = (".txt", ".text")

    def recognises(self, head: bytes) -> bool:
        # Plain text has no signature; it is chosen by its suffix.
        return False

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        source = path.name
        text = decode_transcript(path.read_bytes(), source)
        lines = [
            SourceText(f"line {index}", line) for index, line in enumerate(text.split("\n"), 1)
        ]
        return turns_from_lines(lines, options.resolver(source), source)
