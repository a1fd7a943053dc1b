"""Coded segments of one or several codes as Word, CSV or HTML, each with its citation.

Export is collect → format → write: :func:`collect_segments` reads the passages (the retrieval
query, without context), :func:`render_segments` formats them, and :func:`export_segments`
records the export in the audit trail and returns the bytes (the web sends them as a download,
the CLI writes a file). Word and HTML reuse the report writers' quotation layout, so a segment
looks like an extract in a report: the words, then the citation.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from reverie.core.errors import InvalidInput
from reverie.formats.report_writers import _document, _docx_bytes, _docx_quote, _e, _html_page, _html_quote
from reverie.services.analysis.retrieval import Passage, PassageFilter, passages
from reverie.services.study.context import OpenStudy

SEGMENT_FORMATS = ("docx", "csv", "html")
COLUMNS = ("Code", "Participant", "Round", "First line", "Last line", "Citation", "Coder", "Date", "Note", "Text")
# A spreadsheet runs a cell that starts with one of these as a formula; such cells get a leading apostrophe.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SegmentExport:
    """The exported file's bytes, the name to save it under and how many segments it holds."""

    content: bytes
    filename: str
    segments: int


def collect_segments(study: OpenStudy, code_ids: list[int], filters: PassageFilter = PassageFilter()) -> list[Passage]:
    """Every segment coded with these codes (ids), grouped by code in the order given, in transcript order."""
    found = passages(study, code_ids, filters, context=0, limit=None).items
    order = {code_id: n for n, code_id in enumerate(dict.fromkeys(code_ids))}
    return sorted(found, key=lambda p: order[p.code_id])  # a stable sort keeps transcript order within a code


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _row(p: Passage) -> tuple[str, ...]:
    return (p.code, p.participant, str(p.round), str(p.start_line), str(p.end_line), p.citation, p.coder,
            p.coded_on, p.note, p.text)


def _about(p: Passage) -> str:
    lines = f"line {p.start_line}" if p.start_line == p.end_line else f"lines {p.start_line}-{p.end_line}"
    return f"{p.participant}, round {p.round}, {lines}; coded by {p.coder} on {p.coded_on}"


def _by_code(segments: list[Passage]) -> list[tuple[str, list[Passage]]]:
    groups: dict[str, list[Passage]] = {}
    for p in segments:
        groups.setdefault(p.code, []).append(p)
    return list(groups.items())


def render_segments(segments: list[Passage], fmt: str, *, title: str = "Coded segments") -> bytes:
    """The segments as a .docx, .csv or .html file."""
    if fmt not in SEGMENT_FORMATS:
        raise InvalidInput(f"coded segments are exported as {', '.join(SEGMENT_FORMATS)}, not {fmt!r}")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # RFC 4180: a header, CRLF line ends, quotes where needed
        writer.writerow(COLUMNS)
        writer.writerows(tuple(_cell(v) for v in _row(p)) for p in segments)
        return buffer.getvalue().encode("utf-8")
    if fmt == "html":
        body = [f"<h1>{_e(title)}</h1>"]
        for code, group in _by_code(segments):
            body.append(f"<h2>{_e(code)} ({len(group)})</h2>")
            for p in group:
                body += [_html_quote(p.text, p.citation), f'<p class="note">{_e(_about(p))}</p>']
                if p.note:
                    body.append(f'<p class="note">Note: {_e(p.note)}</p>')
        if not segments:
            body.append("<p>No coded segments.</p>")
        return _html_page(title, body).encode("utf-8")
    document = _document()
    document.add_heading(title, level=0)
    for code, group in _by_code(segments):
        document.add_heading(f"{code} ({len(group)})", level=1)
        for p in group:
            _docx_quote(document, p.text, p.citation)
            document.add_paragraph(_about(p) + (f". Note: {p.note}" if p.note else ""))
    if not segments:
        document.add_paragraph("No coded segments.")
    return _docx_bytes(document)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "codes"


def export_segments(study: OpenStudy, code_ids: list[int], fmt: str,
                    filters: PassageFilter = PassageFilter()) -> SegmentExport:
    """The coded segments of these codes as a file's bytes, the export recorded in the audit trail."""
    if fmt not in SEGMENT_FORMATS:
        raise InvalidInput(f"coded segments are exported as {', '.join(SEGMENT_FORMATS)}, not {fmt!r}")
    segments = collect_segments(study, code_ids, filters)
    labels = list(dict.fromkeys(p.code for p in segments))
    content = render_segments(segments, fmt, title="Coded segments: " + ", ".join(labels) if labels
                              else "Coded segments")
    name = (_slug(labels[0]) if len(labels) == 1 else f"{len(set(code_ids))}-codes") if labels else "none"
    study.record("segments.export", target="codes:" + ",".join(str(i) for i in code_ids),
                 payload={"format": fmt, "codes": list(code_ids), "segments": len(segments)})
    return SegmentExport(content, f"coded-segments-{name}-{date.today().isoformat()}.{fmt}", len(segments))
