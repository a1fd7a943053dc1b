"""WebVTT and SRT captions (Teams, Zoom, noScribe, subtitle editors) as timed speaker turns.

A caption file cuts speech into short cues; an interview transcript wants turns. Consecutive
cues of the same speaker become one turn that starts when its first cue starts and ends when its
last cue ends. Speakers come from WebVTT voice tags (``<v Jane Doe>``, as Teams writes) or from a
``Jane Doe:`` prefix (as Zoom writes). Those are usually real names, so they are mapped through
the researcher's ``voice_map`` and never kept; unmapped names stop the import with
:class:`UnmappedVoices`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn

from .encoding import decode_transcript, peek_text
from .registry import ImportOptions
from .speakers import NAME_LIKE
from .stamps import CLOCK, clock_seconds

_TIMING = re.compile(rf"\s*(?P<start>{CLOCK})\s+-->\s+(?P<end>{CLOCK})(?:\s.*)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
# Cue markup to drop: WebVTT classes, styling, ruby, language spans, inline word times; SRT's
# <font>. Other angle brackets are left alone in case they are the speaker's own words.
_MARKUP = re.compile(r"</?(?:c|i|b|u|v|lang|ruby|rt|font)(?:[.\s][^>]*)?>|<\d[\d:.]*>")
_NAME_PREFIX = re.compile(rf"(?P<name>{NAME_LIKE.pattern})\s*:\s+(?P<rest>.+)")


@dataclass
class _Segment:
    """The part of one cue that one voice (or an unknown voice) speaks."""

    voice: str | None
    text: str
    start: float
    end: float


def _clean(payload: str) -> str:
    return " ".join(html.unescape(_MARKUP.sub("", payload)).split())


def _voiced(payload: str, start: float, end: float) -> list[_Segment]:
    """Split a cue's text by its voice tags, or by a "Name:" prefix when it has none."""
    pieces = _VOICE.split(payload)
    segments = [_Segment(None, _clean(pieces[0]), start, end)]
    for voice, text in zip(pieces[1::2], pieces[2::2], strict=True):
        segments.append(_Segment(" ".join(voice.split()), _clean(text), start, end))
    if len(pieces) == 1:
        prefixed = _NAME_PREFIX.fullmatch(segments[0].text)
        if prefixed and all(word[0].isupper() for word in prefixed["name"].split()):
            segments = [_Segment(prefixed["name"], prefixed["rest"], start, end)]
    return [segment for segment in segments if segment.text]


def _segments(text: str, source: str) -> list[_Segment]:
    """Every cue's voiced text in file order; header, NOTE and STYLE blocks have no timing line."""
    segments: list[_Segment] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.split("\n"), ""], 1):
        if line.strip():
            block.append((number, line))
            continue
        timing_at = next((i for i, (_, text) in enumerate(block) if "-->" in text), None)
        if timing_at is not None:
            line_no, timing_line = block[timing_at]
            timing = _TIMING.fullmatch(timing_line)
            if timing is None:
                raise InvalidInput(f"{source}, line {line_no}: cannot read the cue times")
            start, end = clock_seconds(timing["start"]), clock_seconds(timing["end"])
            payload = " ".join(text for _, text in block[timing_at + 1 :])
            segments.extend(_voiced(payload, start, end))
        block = []
    return segments


class CaptionImporter:
    """Reads one caption format; WebVTT and SRT differ only in how they are recognised."""

    def __init__(self, name: str, suffixes: tuple[str, ...], signature: re.Pattern[str]):
        self.name = name
        self.suffixes = suffixes
        self._signature = signature

    def recognises(self, head: bytes) -> bool:
        return self._signature.match(peek_text(head)) is not None

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        source = path.name
        segments = _segments(decode_transcript(path.read_bytes(), source), source)
        voices = [segment.voice for segment in segments if segment.voice is not None]
        if not voices:
            raise InvalidInput(
                f"{source}: no cue says who is speaking (no <v Name> voice tag or 'Name:' "
                "prefix), so Reverie cannot build speaker turns from it"
            )
        resolver = options.resolver(source)
        codes = resolver.require(dict.fromkeys(voices))
        turns: list[Turn] = []
        unvoiced_before_first = 0
        for segment in segments:
            speaker = codes[segment.voice] if segment.voice is not None else None
            if turns and speaker in (None, turns[-1].speaker):
                turns[-1].text += " " + segment.text
                turns[-1].end = segment.end
            elif speaker is None:
                unvoiced_before_first += 1
            else:
                turns.append(Turn(speaker, segment.text, start=segment.start, end=segment.end))
        warnings = []
        if unvoiced_before_first:
            warnings.append(
                f"{source}: skipped {unvoiced_before_first} cue(s) before the first one that "
                "says who is speaking."
            )
        return ParsedTranscript(turns, source_name=source, warnings=warnings + resolver.warnings)


WEBVTT = CaptionImporter("webvtt", (".vtt",), re.compile(r"\ufeff?WEBVTT(?:[ \t]|\r?\n|$)"))
SRT = CaptionImporter(
    "srt", (".srt",), re.compile(r"\ufeff?\s*\d+[ \t]*\r?\n\s*\d{1,2}:\d{2}:\d{2},\d{3}\s+-->")
)
