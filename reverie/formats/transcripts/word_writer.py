"""A numbered transcript as a Word file, written as WordprocessingML text rather than paragraph objects.

python-docx builds an XML element per paragraph and run, which takes about nine seconds for a
20,000-line transcript. Here python-docx makes only the package (styles, page, title), and the
lines are appended as escaped XML strings in one pass, which takes a fraction of a second.

Codings can be marked the way QDA tools print them: the coded words shaded in the code's colour
(a double underline where codes overlap) and a Word comment per coding, shown in the margin,
naming the code and the coder.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
# Characters XML 1.0 forbids; a transcript pasted from elsewhere can carry them.
_FORBIDDEN = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)], None)


@dataclass(frozen=True)
class MarkedCoding:
    """A coding as the export marks it: the code, its colour and coder, from (line, column) to (line, column).

    Columns count characters of the line's text as exported (after its number and speaker label).
    """

    label: str
    color: str
    coder: str
    date: str
    first_line: int
    start: int
    last_line: int
    end: int


def _text(value: str) -> str:
    return escape(value.translate(_FORBIDDEN))


def tint(color: str) -> str:
    """A light tint of ``#rrggbb`` (a quarter of the colour on white), so shaded words stay readable."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "".join(f"{round(255 - (255 - c) * 0.25):02X}" for c in (red, green, blue))


def _run(text: str, shade: str | None = None, overlap: bool = False) -> str:
    if not text:
        return ""
    props = ""
    if shade:
        props = f'<w:rPr><w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
        props += '<w:u w:val="double"/></w:rPr>' if overlap else "</w:rPr>"
    return f'<w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


def line_spans(text: str, number: int,
               codings: list[tuple[int, MarkedCoding]]) -> list[tuple[int, int, int, MarkedCoding]]:
    """The part of each coding on line ``number``: (start, end, id, coding), in columns of ``text``."""
    spans = []
    for ident, coding in codings:
        start = coding.start if coding.first_line == number else 0
        end = coding.end if coding.last_line == number else len(text)
        spans.append((max(0, min(start, len(text))), max(0, min(end, len(text))), ident, coding))
    return spans


def _marked_paragraph(prefix: str, text: str, number: int, codings: list[tuple[int, MarkedCoding]]) -> str:
    """One line: shaded runs where codings cover it, comment ranges opening and closing where they do."""
    spans = line_spans(text, number, codings)
    bounds = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    opened = {ident for _, _, ident, coding in spans if coding.first_line < number}
    closed: set[int] = set()
    parts = [_run(prefix)]

    def close(ident: int) -> None:
        parts.append(f'<w:commentRangeEnd w:id="{ident}"/><w:r><w:commentReference w:id="{ident}"/></w:r>')
        closed.add(ident)

    for index, at in enumerate(bounds):
        for _start, end, ident, coding in spans:
            if ident in opened and ident not in closed and coding.last_line == number and end == at:
                close(ident)
        for start, _end, ident, coding in spans:
            if coding.first_line == number and start == at and ident not in opened:
                parts.append(f'<w:commentRangeStart w:id="{ident}"/>')
                opened.add(ident)
        if index + 1 < len(bounds):
            following = bounds[index + 1]
            covering = [c for s, e, _, c in spans if s <= at and e >= following]
            shade = tint(covering[-1].color) if covering else None
            parts.append(_run(text[at:following], shade, overlap=len({c.label for c in covering}) > 1))
    for _start, _end, ident, coding in spans:
        if coding.last_line == number and ident not in closed:
            close(ident)
    return f"<w:p>{''.join(parts)}</w:p>"


def _comments(codings: list[tuple[int, MarkedCoding]]) -> bytes:
    body = "".join(
        f'<w:comment w:id="{ident}" w:author="{_text(c.coder)}" w:initials="{_text(c.coder[:8])}"'
        + (f' w:date="{_text(c.date)}"' if c.date else "") + ">"
        f'<w:p><w:r><w:t xml:space="preserve">{_text(c.label)}</w:t></w:r></w:p></w:comment>'
        for ident, c in codings)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments xmlns:w="{_W}">{body}'
            "</w:comments>").encode()


def numbered_docx(package: bytes, lines: list[tuple[str, str, int]], codings: list[MarkedCoding]) -> bytes:
    """``package`` (a .docx made by python-docx, ending with its title) with ``lines`` appended.

    Each line is ``(prefix, text, number)``: the prefix (number and speaker label) is never shaded.
    """
    by_line: dict[int, list[tuple[int, MarkedCoding]]] = {}
    numbered = list(enumerate(codings, 1))
    for ident, coding in numbered:
        for number in range(coding.first_line, coding.last_line + 1):
            by_line.setdefault(number, []).append((ident, coding))
    paragraphs = "".join(
        _marked_paragraph(prefix, text, number, by_line[number]) if number in by_line
        else f'<w:p>{_run(prefix + text)}</w:p>'
        for prefix, text, number in lines)
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                document = data.decode("utf-8")
                cut = document.rindex("<w:sectPr")
                data = (document[:cut] + paragraphs + document[cut:]).encode("utf-8")
            elif codings and item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/word/comments.xml" '
                                                 f'ContentType="{_COMMENTS_TYPE}"/></Types>'.encode())
            elif codings and item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdReverieComments" '
                                                         f'Type="{_COMMENTS_REL}" Target="comments.xml"/>'
                                                         "</Relationships>".encode())
            target.writestr(item, data)
        if codings:
            target.writestr("word/comments.xml", _comments(numbered))
    return out.getvalue()
