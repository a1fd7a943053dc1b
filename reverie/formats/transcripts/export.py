"""Line-numbered transcripts for reading, sharing and citing outside Reverie (DOCX, TXT, HTML).

The line numbers are written as real text at the start of every line, never as Word's automatic
line numbering: automatic numbers vanish when text is copied, and the numbers are exactly what a
citation such as "Lines 978-81" points at. A monospace font keeps the lines as the layout drew
them, as conversation analysts recommend.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterable
from typing import Literal

import docx
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reverie.core.errors import InvalidInput

ExportFormat = Literal["docx", "txt", "html"]
NumberedLine = tuple[int, str | None, str]

_FONT = "Courier New"
# Courier New's glyphs are 0.6 em wide; the size is chosen so the longest line fits the page and
# Word never wraps a numbered line onto an unnumbered one.
_ADVANCE_EM = 0.6
_A4_WIDTH, _A4_HEIGHT = Cm(21.0), Cm(29.7)
_MARGIN = Cm(2.0)
_LARGEST_PT, _SMALLEST_PT = 10.0, 6.0


def _rendered(lines: list[NumberedLine]) -> list[str]:
    """Each line as "978  P1: text" or "979  text", numbers right-aligned to one width."""
    width = max(len(str(number)) for number, _, _ in lines)
    rendered = []
    for number, speaker, text in lines:
        words = f"{speaker}: {text}" if speaker else text
        rendered.append(f"{number:>{width}}  {words}".rstrip())
    return rendered


def _txt(lines: list[NumberedLine], title: str) -> bytes:
    return ("\n".join([title, "", *_rendered(lines)]) + "\n").encode()


def _font_size(longest: int) -> float:
    usable_pt = (_A4_WIDTH - 2 * _MARGIN) / Pt(1)
    fitting = usable_pt / (_ADVANCE_EM * max(longest, 1))
    return max(_SMALLEST_PT, min(_LARGEST_PT, int(fitting * 2) / 2))


def _docx(lines: list[NumberedLine], title: str) -> bytes:
    rendered = _rendered(lines)
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = _A4_WIDTH, _A4_HEIGHT
    section.left_margin = section.right_margin = _MARGIN
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(_font_size(max(len(line) for line in rendered)))
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), _FONT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    document.add_paragraph().add_run(title).bold = True
    document.add_paragraph()
    for line in rendered:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _html(lines: list[NumberedLine], title: str) -> bytes:
    rows = "\n".join(
        f'<tr><td class="n">{number}</td><td class="speaker">'
        f"{html.escape(speaker) + ':' if speaker else ''}</td>"
        f'<td class="text">{html.escape(text)}</td></tr>'
        for number, speaker, text in lines
    )
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n"
        "<style>table.transcript{border-collapse:collapse;font-family:'Courier New',monospace}"
        " td{vertical-align:top;padding:0 .6em 0 0;white-space:pre-wrap}"
        " td.n{text-align:right;color:#555}</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n"
        f'<table class="transcript">\n{rows}\n</table></body></html>\n'
    ).encode()


_WRITERS: dict[str, Callable[[list[NumberedLine], str], bytes]] = {
    "docx": _docx,
    "txt": _txt,
    "html": _html,
}


def render_lines(lines: Iterable[NumberedLine], fmt: ExportFormat, title: str, *, name: str = "the export") -> bytes:
    """The bytes of a DOCX, TXT or HTML file of numbered lines, each line starting with its number.

    Each line is ``(number, speaker label on a turn's first line else None, text)``; ``name``
    (the file's name) is used in errors. The caller writes the bytes where they belong.
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
    return writer(lines, title)
