"""A transcript exported with its codings marked: shaded words and a margin comment per coding."""

from __future__ import annotations

import re
import zipfile

from docx import Document

from reverie.services.analysis.coding import add_code, apply_code
from reverie.services.transcripts import versions as transcripts


def _code(study, label, words, color=""):
    info = transcripts.version_info(study, "P1", 1)
    text = transcripts.version_text(study, info.id)
    start = text.index(words)
    add_code(study, label, color=color)
    return apply_code(study, label, "P1", span=(start, start + len(words)))


def test_word_export_shades_the_coded_words_and_names_the_code_in_a_comment(populated, tmp_path):
    _code(populated, "Care objects", "need milk at home", color="#1f77b4")
    _code(populated, "Little things", "milk at home. It was such a little thing")  # overlaps the first
    out = transcripts.export_transcript(populated, "P1", 1, "docx", tmp_path / "p1.docx", codings=True)
    document = Document(out)  # Word's own reader opens it
    assert any("need milk at home" in p.text for p in document.paragraphs)
    with zipfile.ZipFile(out) as package:
        body = package.read("word/document.xml").decode()
        comments = package.read("word/comments.xml").decode()
    assert re.findall(r'<w:comment w:id="\d+" w:author="TM"', comments) and "Care objects" in comments
    assert "Little things" in comments
    assert body.count("<w:commentRangeStart") == body.count("<w:commentRangeEnd") == 2
    # The coded words are shaded with a tint of the code's colour; where both codes lie, doubly underlined.
    assert 'w:fill="C7DDEC"' in body
    shaded = re.findall(r'<w:shd [^>]*/>(?:<w:u w:val="double"/>)?</w:rPr><w:t xml:space="preserve">([^<]*)', body)
    assert "".join(shaded).startswith("need milk at home")
    assert '<w:u w:val="double"/></w:rPr><w:t xml:space="preserve">milk at home</w:t>' in body


def test_html_export_marks_codings_and_lists_codes_in_a_column(populated, tmp_path):
    _code(populated, "Care objects", "need milk at home")
    page = transcripts.export_transcript(populated, "P1", 1, "html", tmp_path / "p1.html", codings=True).read_text()
    assert re.search(r'<mark style="background:#[0-9A-F]{6}" title="Care objects">need milk at home</mark>', page)
    assert '<td class="codes">Care objects (TM)</td>' in page


def test_reading_view_marks_the_same_words_with_the_notation_hidden(populated, tmp_path):
    _code(populated, "Humbling", "i-i-it (laughs) humbling")
    page = transcripts.export_transcript(populated, "P1", 1, "html", tmp_path / "p1.html", view="reading",
                                         codings=True).read_text()
    assert "(laughs)" not in page
    # The coding runs over a line break: both lines are marked, the hidden notation is not.
    assert re.findall(r'<mark[^>]*title="Humbling">([^<]*)</mark>', page) == ["it", "humbling"]


def test_without_codings_the_export_is_unmarked(populated, tmp_path):
    _code(populated, "Care objects", "need milk at home")
    out = transcripts.export_transcript(populated, "P1", 1, "docx", tmp_path / "p1.docx")
    with zipfile.ZipFile(out) as package:
        assert "word/comments.xml" not in package.namelist()
        assert "<w:shd" not in package.read("word/document.xml").decode()
