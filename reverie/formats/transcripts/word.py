"""Word transcripts: paragraphs or speaker|text tables, with tracked changes accepted.

The text is read from the document XML rather than python-docx's ``paragraph.text`` because a
transcript checked in Word often still carries tracked changes: what the researcher means is the
accepted text, so insertions (``w:ins``, ``w:moveTo``) are kept and deletions (``w:del``,
``w:moveFrom``) dropped, and a paragraph whose mark was deleted runs on into the next one.

Word can number lines by itself (``w:lnNumType``); those numbers are drawn at display time and
are not in the text, so the researcher is told that Reverie will number the lines itself.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, canonical
from reverie.formats.archives import ArchiveLimits, check_zip

from .lines import SourceText, turns_from_lines
from .registry import ImportOptions

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Checked before python-docx unpacks anything: a transcript is text, so these caps are small.
DOCX_LIMITS = ArchiveLimits(max_members=2_000, max_member_bytes=200 << 20, max_total_bytes=200 << 20)


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


# Deleted text, formatting, field codes and drawings (text boxes, whose words are not speech).
_NOT_TEXT = {
    _w("del"),
    _w("moveFrom"),
    _w("pPr"),
    _w("rPr"),
    _w("instrText"),
    _w("drawing"),
    _w("pict"),
    f"{{{_MC}}}AlternateContent",
}
_LINE_BREAKS = {_w("br"), _w("cr")}


def _accepted_text(element: etree._Element) -> str:
    """The paragraph's text with every tracked change accepted; soft line breaks become "\\n"."""
    parts: list[str] = []

    def walk(parent: etree._Element) -> None:
        for child in parent:
            tag = child.tag
            if tag in _NOT_TEXT:
                continue
            if tag == _w("t"):
                parts.append(child.text or "")
            elif tag == _w("tab"):
                parts.append("\t")
            elif tag in _LINE_BREAKS:
                parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            else:
                walk(child)

    walk(element)
    return canonical("".join(parts))


def _mark_deleted(paragraph: etree._Element) -> bool:
    """Whether a tracked change deleted this paragraph's mark, joining it to the next."""
    return paragraph.find(f"{_w('pPr')}/{_w('rPr')}/{_w('del')}") is not None


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables in reading order, looking inside content controls."""
    for child in container:
        if child.tag in (_w("p"), _w("tbl")):
            yield child
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _blocks(content)


def _cell_text(cell: etree._Element) -> str:
    paragraphs = (_accepted_text(p) for p in cell.iter(_w("p")))
    return " ".join(" ".join(text.split()) for text in paragraphs if text.strip())


def _row_line(cells: list[str]) -> str:
    """A table row as a typed line: speaker|text, number|text and number|speaker|text rows."""
    if len(cells) == 3 and cells[0].isdigit():
        number, speaker, text = cells
        return f"{number}\t{speaker.rstrip(':')}: {text}" if speaker else f"{number}\t{text}"
    if len(cells) == 2 and cells[0].isdigit():
        number, text = cells
        return f"{number}\t{text}"
    if len(cells) == 2:
        speaker, text = cells
        return f"{speaker.rstrip(':')}: {text}" if speaker else text
    return " ".join(cell for cell in cells if cell)


def _lines(body: etree._Element) -> list[SourceText]:
    lines: list[SourceText] = []
    carried = ""
    paragraph_no = table_no = 0
    for block in _blocks(body):
        if block.tag == _w("tbl"):
            table_no += 1
            for row_no, row in enumerate(block.findall(_w("tr")), 1):
                cells = [_cell_text(cell) for cell in row.findall(_w("tc"))]
                lines.append(SourceText(f"table {table_no}, row {row_no}", _row_line(cells)))
            continue
        paragraph_no += 1
        text = carried + _accepted_text(block)
        if _mark_deleted(block):
            carried = text
            continue
        carried = ""
        lines.extend(SourceText(f"paragraph {paragraph_no}", part) for part in text.split("\n"))
    if carried:
        lines.extend(SourceText(f"paragraph {paragraph_no}", part) for part in carried.split("\n"))
    return lines


def _open(path: Path) -> docx.document.Document:
    source = path.name
    with path.open("rb") as handle:
        if not zipfile.is_zipfile(handle):
            raise InvalidInput(f"{source} is not a Word .docx file (it is not a zip archive)")
        # The same open file is checked and then read, so what was checked is what is unpacked.
        check_zip(handle, source, DOCX_LIMITS)
        handle.seek(0)
        try:
            return docx.Document(handle)
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
            raise InvalidInput(f"{source} is a zip archive but not a readable Word document") from None


class WordImporter:
    """Reads ``.docx`` transcripts written as paragraphs or as speaker|text tables."""

    name = "docx"
    suffixes = (".docx",)

    def recognises(self, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04") and b"word/" in head

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        source = path.name
        body = _open(path).element.body
        parsed = turns_from_lines(_lines(body), options.resolver(source), source)
        word_numbers_lines = next(body.iter(_w("lnNumType")), None) is not None
        if word_numbers_lines and not parsed.has_line_numbers:
            parsed.warnings.append(
                f"{source}: its line numbers come from Word's automatic line numbering, so the "
                "numbers are not in the text; the fixed-width layout will be used to number it."
            )
        return parsed
