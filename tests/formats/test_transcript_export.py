"""Line-numbered exports: numbers are real text in every format, and TXT reads back the same."""

from __future__ import annotations

import docx
import pytest
from docx.oxml.ns import qn

from reverie.core.errors import InvalidInput
from reverie.core.transcript import SourceLine
from reverie.formats.transcripts import read_transcript, render_lines

LINES = [
    (978, "P1", "I remember once a…"),
    (979, None, "long time ago, <the peer> & me"),
    (980, "I", "Right."),
    (1001, "P1", "Yes."),
]


def test_docx_lines_start_with_their_numbers_in_a_monospace_font(tmp_path):
    path = tmp_path / "P1.docx"

    path.write_bytes(render_lines(LINES, "docx", "P1 transcript, version 2"))

    document = docx.Document(str(path))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts == [
        "P1 transcript, version 2",
        "",
        " 978  P1: I remember once a…",
        " 979  long time ago, <the peer> & me",
        " 980  I: Right.",
        "1001  P1: Yes.",
    ]
    normal = document.styles["Normal"]
    assert normal.font.name == "Courier New"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Courier New"
    assert normal.font.size.pt == 10.0
    assert list(document.element.body.iter(qn("w:lnNumType"))) == []


def test_docx_font_shrinks_so_long_lines_are_not_wrapped_by_word(tmp_path):
    path = tmp_path / "wide.docx"

    path.write_bytes(render_lines([(1, "I", "x" * 100)], "docx", "Wide"))

    size = docx.Document(str(path)).styles["Normal"].font.size.pt
    assert size == 7.5  # 107 characters of Courier New fit 17 cm at 7.5 pt, not at 8


def test_txt_lines_read_back_with_the_same_numbers(tmp_path):
    path = tmp_path / "P1.txt"

    path.write_bytes(render_lines(LINES, "txt", "P1 transcript"))

    assert path.read_text(encoding="utf-8") == (
        "P1 transcript\n"
        "\n"
        " 978  P1: I remember once a…\n"
        " 979  long time ago, <the peer> & me\n"
        " 980  I: Right.\n"
        "1001  P1: Yes.\n"
    )
    parsed = read_transcript(path, participant_code="P1")
    assert [(turn.speaker, turn.source_lines) for turn in parsed.turns] == [
        ("P1", (SourceLine(978, 0, 18), SourceLine(979, 19, 49))),
        ("I", (SourceLine(980, 0, 6),)),
        ("P1", (SourceLine(1001, 0, 4),)),
    ]


def test_html_escapes_text_and_keeps_numbers_in_a_table(tmp_path):
    path = tmp_path / "P1.html"

    path.write_bytes(render_lines(LINES, "html", "P1 & the <ward>"))

    page = path.read_text(encoding="utf-8")
    assert "<title>P1 &amp; the &lt;ward&gt;</title>" in page
    assert (
        '<tr><td class="n">979</td><td class="speaker"></td>'
        '<td class="text">long time ago, &lt;the peer&gt; &amp; me</td></tr>'
    ) in page
    assert '<tr><td class="n">980</td><td class="speaker">I:</td>' in page
    assert "<the peer>" not in page


def test_an_unknown_format_is_refused():
    refused = r"^cannot export a transcript as 'pdf'; choose one of docx, txt, html$"
    with pytest.raises(InvalidInput, match=refused):
        render_lines(LINES, "pdf", "P1")  # type: ignore[arg-type]


def test_a_line_containing_a_line_break_is_refused():
    with pytest.raises(InvalidInput, match=r"^line 5 contains a line break"):
        render_lines([(5, "I", "one\ntwo")], "txt", "X")
