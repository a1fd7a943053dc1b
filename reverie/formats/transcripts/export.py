"""Line-numbered transcripts for reading, sharing and citing outside Reverie (DOCX, TXT, HTML),
and timed ones for other tools (WebVTT, SRT, JSON).

The line numbers are written as real text at the start of every line, never as Word's automatic
line numbering: automatic numbers vanish when text is copied, and the numbers are exactly what a
citation such as "Lines 978-81" points at. A monospace font keeps the lines as the layout drew
them, as conversation analysts recommend.

The timed formats are what subtitle editors, ELAN and noScribe users open: WebVTT cues carry the
speaker as a ``<v P1>`` voice span, SRT cues a ``P1:`` prefix (both read back by Reverie's caption
import), and JSON holds the lines and the words with their times in seconds.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import docx
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reverie.core.errors import InvalidInput
from reverie.formats.transcripts.word_writer import MarkedCoding, line_spans, numbered_docx, tint

ExportFormat = Literal["docx", "txt", "html"]
TimedFormat = Literal["vtt", "srt", "json"]
TIMED_FORMATS = ("vtt", "srt", "json")
NumberedLine = tuple[int, str | None, str]

_FONT = "Courier New"
# Courier New's glyphs are 0.6 em wide; the size is chosen so the longest line fits the page and
# Word never wraps a numbered line onto an unnumbered one.
_ADVANCE_EM = 0.6
_A4_WIDTH, _A4_HEIGHT = Cm(21.0), Cm(29.7)
_MARGIN = Cm(2.0)
_LARGEST_PT, _SMALLEST_PT = 10.0, 6.0


def _prefixes(lines: list[NumberedLine]) -> list[str]:
    """Each line's start, "978  P1: " or "979  ", numbers right-aligned to one width."""
    width = max(len(str(number)) for number, _, _ in lines)
    return [f"{number:>{width}}  " + (f"{speaker}: " if speaker else "") for number, speaker, _ in lines]


def _rendered(lines: list[NumberedLine]) -> list[str]:
    """Each line as "978  P1: text" or "979  text"."""
    return [(prefix + text).rstrip() for prefix, (_, _, text) in zip(_prefixes(lines), lines, strict=True)]


def _txt(lines: list[NumberedLine], title: str, codings: list[MarkedCoding]) -> bytes:
    """Plain numbered lines; plain text has no way to mark codings, so they are left out."""
    return ("\n".join([title, "", *_rendered(lines)]) + "\n").encode()


def _font_size(longest: int) -> float:
    usable_pt = (_A4_WIDTH - 2 * _MARGIN) / Pt(1)
    fitting = usable_pt / (_ADVANCE_EM * max(longest, 1))
    return max(_SMALLEST_PT, min(_LARGEST_PT, int(fitting * 2) / 2))


def _docx(lines: list[NumberedLine], title: str, codings: list[MarkedCoding]) -> bytes:
    """The page and styles from python-docx; the lines as XML text (see :mod:`.word_writer`)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = _A4_WIDTH, _A4_HEIGHT
    section.left_margin = section.right_margin = _MARGIN
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    prefixes = _prefixes(lines)
    longest = max(len(prefix) + len(text) for prefix, (_, _, text) in zip(prefixes, lines, strict=True))
    normal.font.size = Pt(_font_size(longest))
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), _FONT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    document.add_paragraph().add_run(title).bold = True
    document.add_paragraph()
    package = io.BytesIO()
    document.save(package)
    coded = {n for c in codings for n in range(c.first_line, c.last_line + 1)}
    rows = [(prefix, text, number) if number in coded else ((prefix + text).rstrip(), "", number)
            for prefix, (number, _, text) in zip(prefixes, lines, strict=True)]
    return numbered_docx(package.getvalue(), rows, codings)


def _html(lines: list[NumberedLine], title: str, codings: list[MarkedCoding]) -> bytes:
    by_line: dict[int, list[tuple[int, MarkedCoding]]] = {}
    for ident, coding in enumerate(codings, 1):
        for number in range(coding.first_line, coding.last_line + 1):
            by_line.setdefault(number, []).append((ident, coding))
    rows = "\n".join(
        f'<tr><td class="n">{number}</td><td class="speaker">'
        f"{html.escape(speaker) + ':' if speaker else ''}</td>"
        f'<td class="text">{_html_text(text, number, by_line.get(number, []))}</td>'
        + (f'<td class="codes">{_html_codes(number, by_line.get(number, []))}</td>' if codings else "")
        + "</tr>"
        for number, speaker, text in lines
    )
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n"
        "<style>table.transcript{border-collapse:collapse;font-family:'Courier New',monospace}"
        " td{vertical-align:top;padding:0 .6em 0 0;white-space:pre-wrap}"
        " td.n{text-align:right;color:#555} td.codes{font-family:sans-serif;font-size:80%;color:#333}"
        " mark.overlap{text-decoration:underline double}</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n"
        f'<table class="transcript">\n{rows}\n</table></body></html>\n'
    ).encode()


def _html_text(text: str, number: int, codings: list[tuple[int, MarkedCoding]]) -> str:
    """The line's text, with the coded words in <mark> shaded in the code's colour."""
    if not codings:
        return html.escape(text)
    spans = line_spans(text, number, codings)
    bounds = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out = []
    for at, following in zip(bounds, bounds[1:], strict=False):
        piece = html.escape(text[at:following])
        covering = [c for s, e, _, c in spans if s <= at and e >= following]
        if covering:
            labels = html.escape(", ".join(dict.fromkeys(c.label for c in covering)))
            overlap = ' class="overlap"' if len({c.label for c in covering}) > 1 else ""
            piece = (f'<mark{overlap} style="background:#{tint(covering[-1].color)}" title="{labels}">'
                     f"{piece}</mark>")
        out.append(piece)
    return "".join(out)


def _html_codes(number: int, codings: list[tuple[int, MarkedCoding]]) -> str:
    """The codes that begin on this line, with their coder, as the margin column."""
    return "; ".join(f"{html.escape(c.label)} ({html.escape(c.coder)})" for _, c in codings if c.first_line == number)


_WRITERS: dict[str, Callable[[list[NumberedLine], str, list[MarkedCoding]], bytes]] = {
    "docx": _docx,
    "txt": _txt,
    "html": _html,
}


def render_lines(lines: Iterable[NumberedLine], fmt: ExportFormat, title: str, *, name: str = "the export",
                 codings: Iterable[MarkedCoding] = ()) -> bytes:
    """The bytes of a DOCX, TXT or HTML file of numbered lines, each line starting with its number.

    Each line is ``(number, speaker label on a turn's first line else None, text)``; ``name``
    (the file's name) is used in errors. ``codings`` are marked in Word (shading and a comment
    per coding in the margin) and HTML (shading and a codes column); plain text has no marks.
    The caller writes the bytes where they belong.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InvalidInput(
            f"cannot export a transcript as {fmt!r}; choose one of {', '.join(_WRITERS)}"
        )
    lines = list(lines)
    if not lines:
        raise InvalidInput(f"{name}: there are no lines to export")
    for number, _, text in lines:
        if "\n" in text or "\r" in text:
            raise InvalidInput(f"line {number} contains a line break; a line must be one line")
    return writer(lines, title, list(codings))


# --- timed formats -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TimedLine:
    """One transcript line with its speaker and times in seconds (None when it has no times)."""

    number: int
    speaker: str
    start: float | None
    end: float | None
    text: str


@dataclass(frozen=True)
class TimedWord:
    """One recognised word with its times in seconds and the speaker of its line."""

    text: str
    start: float
    end: float
    speaker: str


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt(lines: list[TimedLine]) -> bytes:
    cues = [f"{line.number}\n{_clock(line.start, '.')} --> {_clock(line.end, '.')}\n"
            f"<v {_vtt_escape(line.speaker)}>{_vtt_escape(line.text)}</v>" for line in lines]
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode()


def _srt(lines: list[TimedLine]) -> bytes:
    cues = [f"{index}\n{_clock(line.start, ',')} --> {_clock(line.end, ',')}\n"
            + (f"{line.speaker}: " if line.speaker else "") + line.text
            for index, line in enumerate(lines, 1)]
    return ("\n\n".join(cues) + "\n").encode()


def render_timed(lines: Iterable[TimedLine], words: Iterable[TimedWord], fmt: TimedFormat, *,
                 name: str = "the export") -> bytes:
    """The bytes of a WebVTT, SRT or JSON file of a transcript's timed lines (one cue per line).

    JSON is one object, ``{"lines": [{number, speaker, start, end, text}], "words": [{text, start,
    end, speaker}]}``, times in seconds (null for a line without times). Captions need every
    line's times: a transcript typed or imported without them is refused with the reason.
    """
    if fmt not in TIMED_FORMATS:
        raise InvalidInput(f"cannot export a transcript as {fmt!r}; choose one of {', '.join(TIMED_FORMATS)}")
    lines = list(lines)
    if not lines:
        raise InvalidInput(f"{name}: there are no lines to export")
    for line in lines:
        if "\n" in line.text or "\r" in line.text:
            raise InvalidInput(f"line {line.number} contains a line break; a line must be one line")
    if fmt == "json":
        document = {"lines": [asdict(line) for line in lines], "words": [asdict(word) for word in words]}
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    label = "WebVTT" if fmt == "vtt" else "SRT"
    untimed = [line.number for line in lines if line.start is None or line.end is None]
    if len(untimed) == len(lines):
        raise InvalidInput(
            f"{name}: the transcript has no times (it was typed or imported without them), so it cannot be "
            f"written as {label} captions; export it as json, docx, txt or html, or transcribe the recording"
        )
    if untimed:
        shown = ", ".join(map(str, untimed[:8])) + (" …" if len(untimed) > 8 else "")
        raise InvalidInput(
            f"{name}: {len(untimed)} line(s) have no times (line {shown}), so they cannot be {label} cues; "
            "export as json (their times are null there) or correct the transcript from a timed source"
        )
    return _vtt(lines) if fmt == "vtt" else _srt(lines)
