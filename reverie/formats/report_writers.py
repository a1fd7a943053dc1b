"""Reports, review packets and checklists as Word, Markdown, HTML or CSV.

The writers format a :class:`ReportData` or :class:`Packet` and nothing else: what to include,
who may be quoted and what to warn about was decided when the data were collected. Transcript
text is data, never markup, so every format escapes it ("[laughs]" must survive as typed).

Report formats are offered by plugins through the ``register_report_formats`` hook
(:mod:`reverie.hookspecs`); the built-in Word, Markdown and HTML formats come through the same
hook, asked last, so a plugin may add a format or replace one of the same name.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reverie import plugins
from reverie.core.checklists import CHECKLIST_TITLES, ChecklistFill
from reverie.core.errors import InvalidInput
from reverie.core.reportmodel import Packet, ReportData, Table
from reverie.hookspecs import hookimpl

PACKET_FORMATS = ("docx", "html")
CHECKLIST_FORMATS = ("md", "csv")
CHECKLIST_COLUMNS = ("Item", "Topic", "Level", "Value", "Status")


def _check(fmt: str, allowed: tuple[str, ...], what: str) -> str:
    if fmt not in allowed:
        raise InvalidInput(f"unknown {what} format {fmt!r}; choose one of {', '.join(allowed)}")
    return fmt


@runtime_checkable
class ReportFormat(Protocol):
    """One kind of report file; its ``name`` is also the file's suffix (``md``)."""

    name: str

    def render(self, data: ReportData) -> bytes:
        """The report as the bytes of a file in this format."""
        ...

    def text(self, payload: bytes) -> str:
        """All the text a reader of the file could see, checked for pseudonym-key terms."""
        ...


@dataclass(frozen=True)
class BuiltInFormat:
    """A report format of Reverie's own: a writer function and the text a reader sees."""

    name: str
    writer: Callable[[ReportData], bytes]

    def render(self, data: ReportData) -> bytes:
        return self.writer(data)

    def text(self, payload: bytes) -> str:
        return rendered_text(payload, self.name)


@hookimpl(trylast=True)
def register_report_formats():
    return [BuiltInFormat("docx", _report_docx),
            BuiltInFormat("md", lambda data: _report_markdown(data).encode("utf-8")),
            BuiltInFormat("html", lambda data: _report_html(data).encode("utf-8"))]


def report_formats() -> dict[str, ReportFormat]:
    """Every report format the plugins offer, by name; a plugin's wins over a built-in of the same name."""
    formats: dict[str, ReportFormat] = {}
    for offered in plugins.call("register_report_formats"):
        for fmt in offered or ():
            if not isinstance(fmt, ReportFormat):
                raise plugins.PluginError(f"{fmt!r} is offered as a report format but lacks name, render() or text()")
            formats.setdefault(fmt.name, fmt)
    return formats


def report_format(name: str) -> ReportFormat:
    """The report format called ``name``, or InvalidInput listing the ones there are."""
    formats = report_formats()
    if name not in formats:
        raise InvalidInput(f"unknown report format {name!r}; choose one of {', '.join(formats)}")
    return formats[name]


def render_report(data: ReportData, fmt: str) -> bytes:
    """The report as the bytes of a file in format ``fmt`` (docx, md, html, or one a plugin adds)."""
    return report_format(fmt).render(data)


def render_packet(packet: Packet, fmt: str) -> bytes:
    """A review packet as the bytes of a .docx or .html file."""
    fmt = _check(fmt, PACKET_FORMATS, "packet")
    return _packet_docx(packet) if fmt == "docx" else _packet_html(packet).encode("utf-8")


def render_checklist(fills: Iterable[ChecklistFill], fmt: str) -> str:
    """A checklist table (Markdown or CSV) with every item's value and what is left to do."""
    fmt = _check(fmt, CHECKLIST_FORMATS, "checklist")
    rows = [_checklist_row(fill) for fill in fills]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CHECKLIST_COLUMNS)
        writer.writerows(rows)
        return buffer.getvalue()
    return _md_table(CHECKLIST_COLUMNS, rows)


def rendered_text(payload: bytes, fmt: str) -> str:
    """All the text a reader of the file could see, for checks that must run on the real output.

    Word keeps its text in XML inside a zip, and HTML may hide characters behind entities, so
    neither can be searched as raw bytes.
    """
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            parts = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}
        body = " ".join(xml for name, xml in parts.items() if name.startswith("word/"))
        # Word may split one word over several runs; join the runs of a paragraph before reading.
        paragraphs = ["".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", p)) for p in body.split("</w:p>")]
        # Document properties (author, title) are visible in Word too.
        properties = [re.sub(r"<[^>]+>", " ", xml) for name, xml in parts.items() if name.startswith("docProps/")]
        return html.unescape("\n".join(paragraphs + properties))
    text = payload.decode("utf-8")
    if fmt == "html":
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.DOTALL)
        return html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text


def _checklist_row(fill: ChecklistFill) -> tuple[str, ...]:
    return (str(fill.item_no), fill.topic, fill.level, fill.text, fill.status)


# --- Markdown ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    def row(cells):
        return "| " + " | ".join(_md(c).replace("\n", " ") for c in cells) + " |"

    columns = tuple(columns)
    lines = [row(columns), "| " + " | ".join("---" for _ in columns) + " |"]
    lines += [row(r) for r in rows]
    return "\n".join(lines) + "\n"


def _md_quote(text: str, citation: str) -> list[str]:
    """A block quote keeping the extract's line breaks (a trailing backslash is a hard break)."""
    lines = [_md(line) for line in text.split("\n")]
    body = [f"> {line}\\" for line in lines[:-1]] + [f"> {lines[-1]}"]
    return [*body, ">", f"> {_md(citation)}", ""]


APPENDIX_NUMBERS = "Appendix: extract numbers and their records"
APPENDIX_CHECKS = "Appendix: checks before publication (remove before submission)"
NUMBER_COLUMNS = ("Extract", "Record", "Source")


def _number_rows(data: ReportData) -> tuple[tuple[str, ...], ...]:
    return tuple((str(number), handle, where) for number, handle, where in data.extract_handles)


def _report_markdown(data: ReportData) -> str:
    byline = [f"*{_md(data.author)}*", ""] if data.author else []
    out = [f"# {_md(data.title)}", "", *byline, "## Participants", "", "Table 1. Participants", "",
           _md_table(data.table1.columns, data.table1.rows), "## Method", "", _md(" ".join(data.methods)), ""]
    if data.notation_key:
        key_lines = [f"- {_md(symbol)}: {_md(meaning)}" for symbol, meaning in data.notation_key]
        out += ["Transcription key:", "", *key_lines]
        out.append("")
    out += ["## Findings", ""]
    for theme in data.themes:
        out += [f"### {_md(theme.label)}", ""]
        if theme.dimension:
            out += [f"*{_md(theme.dimension)}*", ""]
        if theme.description:
            out += [_md(theme.description), ""]
        for extract in theme.extracts:
            out += _md_quote(extract.display_text, extract.citation)
    if data.inline_quotes:
        out += ["## Quotations in the text", ""]
        out += [f"- '{_md(q.quote)}' {_md(q.citation)}" for q in data.inline_quotes] + [""]
    if data.extract_handles:
        out += [f"## {APPENDIX_NUMBERS}", "", _md_table(NUMBER_COLUMNS, _number_rows(data))]
    if data.checklists:
        for name, fills in _by_checklist(data.checklists):
            out += [f"## {CHECKLIST_TITLES[name]} checklist", "", render_checklist(fills, "md")]
    out += _notes_markdown(data)
    return "\n".join(out).rstrip("\n") + "\n"


def _notes_markdown(data: ReportData) -> list[str]:
    if not (data.omissions or data.warnings):
        return []
    out = [f"## {APPENDIX_CHECKS}", ""]
    if data.omissions:
        out += ["### Left out", ""] + [f"- {_md(note)}" for note in data.omissions] + [""]
    if data.warnings:
        out += ["### To check", ""] + [f"- {_md(w)}" for w in data.warnings] + [""]
    return out


def _by_checklist(fills: Iterable[ChecklistFill]) -> list[tuple[str, list[ChecklistFill]]]:
    groups: dict[str, list[ChecklistFill]] = {}
    for fill in fills:
        groups.setdefault(fill.checklist, []).append(fill)
    return list(groups.items())


# --- HTML --------------------------------------------------------------------------------------

_CSS = ("body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left}"
        "blockquote{margin:1em 2.5em}.citation{display:block;margin-top:.3em}.note{font-style:italic}")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_table(table: Table, caption: str = "") -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_quote(text: str, citation: str) -> str:
    lines = "<br>".join(_e(line) for line in text.split("\n"))
    cite = f'<span class="citation">{_e(citation)}</span>' if citation else ""
    return f"<blockquote><p>{lines}{cite}</p></blockquote>"


def _html_page(title: str, body: list[str], *, author: str = "", page_size: str = "") -> str:
    meta = f'<meta name="author" content="{_e(author)}">' if author else ""
    page = f"@page{{size:{page_size}}}" if page_size else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{meta}<title>{_e(title)}</title>'
            f"<style>{page}{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _report_html(data: ReportData) -> str:
    return _html_page(data.title, report_body_html(data), author=data.author, page_size=_PAGE_CSS[data.page_size])


_PAGE_CSS = {"A4": "A4", "Letter": "letter"}


def report_body_html(data: ReportData) -> list[str]:
    """The report's HTML body, element by element: what the .html file holds and the page previews."""
    byline = [f'<p class="author">{_e(data.author)}</p>'] if data.author else []
    body = [f"<h1>{_e(data.title)}</h1>", *byline, "<h2>Participants</h2>",
            _html_table(data.table1, "Table 1. Participants"),
            "<h2>Method</h2>", f"<p>{_e(' '.join(data.methods))}</p>"]
    if data.notation_key:
        body.append("<p>Transcription key:</p><ul>" + "".join(
            f"<li>{_e(symbol)}: {_e(meaning)}</li>" for symbol, meaning in data.notation_key) + "</ul>")
    body.append("<h2>Findings</h2>")
    for theme in data.themes:
        body.append(f"<h3>{_e(theme.label)}</h3>")
        if theme.dimension:
            body.append(f'<p class="note">{_e(theme.dimension)}</p>')
        if theme.description:
            body.append(f"<p>{_e(theme.description)}</p>")
        body += [_html_quote(extract.display_text, extract.citation) for extract in theme.extracts]
    if data.inline_quotes:
        body.append("<h2>Quotations in the text</h2><ul>" + "".join(
            f"<li>&lsquo;{_e(q.quote)}&rsquo; {_e(q.citation)}</li>" for q in data.inline_quotes) + "</ul>")
    if data.extract_handles:
        body += [f"<h2>{_e(APPENDIX_NUMBERS)}</h2>", _html_table(Table(NUMBER_COLUMNS, _number_rows(data)))]
    for name, fills in _by_checklist(data.checklists):
        table = Table(CHECKLIST_COLUMNS, tuple(_checklist_row(f) for f in fills))
        body += [f"<h2>{_e(CHECKLIST_TITLES[name])} checklist</h2>", _html_table(table)]
    if data.omissions or data.warnings:
        body.append(f'<h2 class="checks">{_e(APPENDIX_CHECKS)}</h2>')
    for heading, notes in (("Left out", data.omissions), ("To check", data.warnings)):
        if notes:
            body.append(f"<h3>{heading}</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    return body


def _packet_html(packet: Packet) -> str:
    body = [f"<h1>{_e(packet.title)}</h1>", f"<p><strong>For:</strong> {_e(packet.audience)}</p>",
            f"<p>{_e(packet.introduction)}</p>"]
    if packet.questions:
        body.append(f"<h2>Questions for you</h2><p>{_e(packet.questions)}</p>")
    for item in packet.items:
        body.append(f"<h2>{_e(item.heading)}</h2>")
        if item.quote:
            body.append(_html_quote(item.quote, item.citation))
        body += [f"<p>{_e(sentence)}</p>" for sentence in item.analysis]
    body += [f'<p class="note">{_e(note)}</p>' for note in packet.omissions]
    return _html_page(packet.title, body)


# --- Word --------------------------------------------------------------------------------------

def _document():
    import docx

    return docx.Document()


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, title in zip(grid.rows[0].cells, table.columns):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for row in table.rows:
        for cell, value in zip(grid.add_row().cells, row):
            cell.text = value


def _docx_quote(document, text: str, citation: str) -> None:
    from docx.shared import Cm

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(1.25)
    paragraph.paragraph_format.right_indent = Cm(1.25)
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        paragraph.add_run(line)
    if citation:
        paragraph.add_run().add_break()
        paragraph.add_run(citation)


def _docx_notes(document, heading: str, notes: Iterable[str], level: int = 1) -> None:
    notes = list(notes)
    if notes:
        document.add_heading(heading, level=level)
        for note in notes:
            document.add_paragraph(note, style="List Bullet")


# Width and height in millimetres.
PAGE_SIZES_MM = {"A4": (210, 297), "Letter": (215.9, 279.4)}


def _page_setup(document, page_size: str, title: str, author: str) -> None:
    from docx.shared import Mm

    width, height = PAGE_SIZES_MM.get(page_size, PAGE_SIZES_MM["A4"])
    for section in document.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
    properties = document.core_properties
    # python-docx's template names itself the author; a report names the researcher or no one.
    properties.author = author
    properties.last_modified_by = author
    properties.title = title
    properties.comments = ""


def _report_docx(data: ReportData) -> bytes:
    document = _document()
    _page_setup(document, data.page_size, data.title, data.author)
    document.add_heading(data.title, level=0)
    if data.author:
        document.add_paragraph(data.author)
    document.add_heading("Participants", level=1)
    document.add_paragraph("Table 1. Participants")
    _docx_table(document, data.table1)
    document.add_heading("Method", level=1)
    document.add_paragraph(" ".join(data.methods))
    if data.notation_key:
        document.add_paragraph("Transcription key:")
        for symbol, meaning in data.notation_key:
            document.add_paragraph(f"{symbol}: {meaning}", style="List Bullet")
    document.add_heading("Findings", level=1)
    for theme in data.themes:
        document.add_heading(theme.label, level=2)
        if theme.dimension:
            document.add_paragraph().add_run(theme.dimension).italic = True
        if theme.description:
            document.add_paragraph(theme.description)
        for extract in theme.extracts:
            _docx_quote(document, extract.display_text, extract.citation)
    if data.inline_quotes:
        document.add_heading("Quotations in the text", level=1)
        for quote in data.inline_quotes:
            document.add_paragraph(f"‘{quote.quote}’ {quote.citation}", style="List Bullet")
    if data.extract_handles:
        document.add_heading(APPENDIX_NUMBERS, level=1)
        _docx_table(document, Table(NUMBER_COLUMNS, _number_rows(data)))
    for name, fills in _by_checklist(data.checklists):
        document.add_heading(f"{CHECKLIST_TITLES[name]} checklist", level=1)
        _docx_table(document, Table(CHECKLIST_COLUMNS, tuple(_checklist_row(f) for f in fills)))
    if data.omissions or data.warnings:
        document.add_heading(APPENDIX_CHECKS, level=1)
        _docx_notes(document, "Left out", data.omissions, level=2)
        _docx_notes(document, "To check", data.warnings, level=2)
    return _docx_bytes(document)


def _packet_docx(packet: Packet) -> bytes:
    document = _document()
    document.add_heading(packet.title, level=0)
    document.add_paragraph(f"For: {packet.audience}")
    document.add_paragraph(packet.introduction)
    if packet.questions:
        document.add_heading("Questions for you", level=1)
        document.add_paragraph(packet.questions)
    for item in packet.items:
        document.add_heading(item.heading, level=1)
        if item.quote:
            _docx_quote(document, item.quote, item.citation)
        for sentence in item.analysis:
            document.add_paragraph(sentence)
    for note in packet.omissions:
        document.add_paragraph().add_run(note).italic = True
    return _docx_bytes(document)
