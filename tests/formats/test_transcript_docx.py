"""Word transcripts: paragraphs, tables, tracked changes, Word's own line numbering, bad files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from reverie.core.errors import InvalidInput
from reverie.core.transcript import SourceLine
from reverie.formats.transcripts import read_transcript


def word_file(tmp_path: Path, paragraphs: list[str], name: str = "interview.docx") -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / name
    document.save(str(path))
    return path


def tracked_run(kind: str, text: str) -> OxmlElement:
    """A w:ins or w:del change holding one run, as Word writes it with Track Changes on."""
    change = OxmlElement(f"w:{kind}")
    change.set(qn("w:id"), "1")
    change.set(qn("w:author"), "Transcriber")
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:delText" if kind == "del" else "w:t")
    text_element.set(qn("xml:space"), "preserve")
    text_element.text = text
    run.append(text_element)
    change.append(run)
    return change


def test_paragraphs_become_turns_with_start_times(tmp_path):
    path = word_file(
        tmp_path,
        [
            "Interview with P1",
            "I: [00:00:12] Can you tell me about a time at work?",
            "P1: [00:00:20] There was one day…",
            "when it all changed.",
        ],
    )

    parsed = read_transcript(path, participant_code="P1")

    assert [(t.speaker, t.start, t.text) for t in parsed.turns] == [
        ("I", 12.0, "Can you tell me about a time at work?"),
        ("P1", 20.0, "There was one day… when it all changed."),
    ]
    assert parsed.source_name == "interview.docx"
    assert parsed.warnings == [
        "interview.docx: skipped 1 line(s) before the first speaker label (paragraph 1)."
    ]


def test_speaker_and_text_tables_are_read_row_by_row(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for speaker, text in [
        ("Speaker", "Text"),
        ("Interviewer", "How did that feel?"),
        ("P1:", "Odd."),
        ("", "Really odd."),
        ("I", "Why?"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = speaker, text
    cells[1].add_paragraph("Take your time.")
    path = tmp_path / "table.docx"
    document.save(str(path))

    parsed = read_transcript(path, participant_code="P1")

    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("I", "How did that feel?"),
        ("P1", "Odd. Really odd."),
        ("I", "Why? Take your time."),
    ]
    assert parsed.warnings == [
        "table.docx: skipped 1 line(s) before the first speaker label (table 1, row 1)."
    ]


def test_numbered_tables_keep_their_line_numbers(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for row in [("215", "I", "And then?"), ("216", "P1", "I went"), ("217", "", "home.")]:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    number_and_text = document.add_table(rows=0, cols=2)
    for row in [("218", "I: Did you?"), ("219", "P1:Yes.")]:
        for cell, value in zip(number_and_text.add_row().cells, row, strict=True):
            cell.text = value
    path = tmp_path / "numbered-table.docx"
    document.save(str(path))

    parsed = read_transcript(path, participant_code="P1")

    assert [(t.speaker, t.text, t.source_lines) for t in parsed.turns] == [
        ("I", "And then?", (SourceLine(215, 0, 9),)),
        ("P1", "I went home.", (SourceLine(216, 0, 6), SourceLine(217, 7, 12))),
        ("I", "Did you?", (SourceLine(218, 0, 8),)),
        ("P1", "Yes.", (SourceLine(219, 0, 4),)),
    ]


def test_numbered_paragraphs_and_soft_line_breaks_keep_their_numbers(tmp_path):
    document = docx.Document()
    document.add_paragraph("978\tP1: I remember once a")
    broken = document.add_paragraph("979\tlong time ago")
    broken.add_run().add_break()
    broken.add_run("980\tthe peer came.")
    document.add_paragraph("981\tI: Right.")
    path = tmp_path / "numbered.docx"
    document.save(str(path))

    parsed = read_transcript(path, participant_code="P1")

    first, second = parsed.turns
    assert first.text == "I remember once a long time ago the peer came."
    assert first.source_lines == (
        SourceLine(978, 0, 17),
        SourceLine(979, 18, 31),
        SourceLine(980, 32, 46),
    )
    assert (second.speaker, second.source_lines) == ("I", (SourceLine(981, 0, 6),))


def test_tracked_changes_are_accepted(tmp_path):
    document = docx.Document()
    document.add_paragraph("I: How was the ward?")
    paragraph = document.add_paragraph("P1: It was ")
    paragraph._p.append(tracked_run("del", "fine, "))
    paragraph._p.append(tracked_run("ins", "hard, "))
    paragraph.add_run("honestly.")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    assert "hard" not in document.paragraphs[1].text  # python-docx alone loses the insertion

    parsed = read_transcript(path, participant_code="P1")

    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("I", "How was the ward?"),
        ("P1", "It was hard, honestly."),
    ]


def test_a_deleted_paragraph_mark_joins_the_paragraph_to_the_next(tmp_path):
    document = docx.Document()
    document.add_paragraph("I: Go on.")
    split = document.add_paragraph("P1: I was ")
    deleted_mark = OxmlElement("w:del")
    deleted_mark.set(qn("w:id"), "2")
    deleted_mark.set(qn("w:author"), "Transcriber")
    mark_properties = OxmlElement("w:rPr")
    mark_properties.append(deleted_mark)
    split._p.get_or_add_pPr().append(mark_properties)
    document.add_paragraph("tired.")
    path = tmp_path / "joined.docx"
    document.save(str(path))

    parsed = read_transcript(path, participant_code="P1")

    assert [(t.speaker, t.text) for t in parsed.turns] == [("I", "Go on."), ("P1", "I was tired.")]


def test_word_automatic_line_numbering_is_reported(tmp_path):
    document = docx.Document()
    document.add_paragraph("I: Hello.")
    document.add_paragraph("P1: Hi.")
    numbering = OxmlElement("w:lnNumType")
    numbering.set(qn("w:countBy"), "1")
    document.sections[0]._sectPr.append(numbering)
    path = tmp_path / "auto-numbered.docx"
    document.save(str(path))

    parsed = read_transcript(path, participant_code="P1")

    assert [t.speaker for t in parsed.turns] == ["I", "P1"]
    assert not parsed.has_line_numbers
    assert parsed.warnings == [
        "auto-numbered.docx: its line numbers come from Word's automatic line numbering, so the "
        "numbers are not in the text; the fixed-width layout will be used to number it."
    ]


def test_a_docx_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("I: this is plain text\n")

    with pytest.raises(InvalidInput, match=r"^fake\.docx is not a Word \.docx file \(it is not a"):
        read_transcript(path)


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path):
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "I: hello")

    with pytest.raises(InvalidInput, match=r"^archive\.docx is a zip archive but not a readable"):
        read_transcript(path)


def test_an_empty_document_is_refused(tmp_path):
    path = word_file(tmp_path, ["", "  "], name="blank.docx")

    with pytest.raises(InvalidInput, match=r"^blank\.docx is empty$"):
        read_transcript(path)
