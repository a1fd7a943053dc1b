"""What real producers get wrong is repaired on import, and the report says so."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from reverie.formats.refi import OffsetUnit, read_qdc, read_qdpx

SOURCE = "aaaaaaaa-0000-4000-8000-000000000001"
CODE = "aaaaaaaa-0000-4000-8000-000000000002"
USER = "aaaaaaaa-0000-4000-8000-000000000003"
CASE = "aaaaaaaa-0000-4000-8000-000000000004"

# Emoji (two UTF-16 units each) before the selected words, CRLF line ends.
NVIVO_TEXT = "Hi 😀 there.\r\nWe met 🎉🎉 at noon and talked.\r\nThen 👍🏽 it ended well.\r\n"
QUOTES = ["at noon", "talked", "it ended well"]


def utf16_offsets(text: str, quote: str) -> tuple[int, int]:
    """Offsets as NVivo for Windows writes them: UTF-16 units, CR counted."""
    start = text.index(quote)
    before = len(text[:start].encode("utf-16-le")) // 2
    return before, before + len(quote.encode("utf-16-le")) // 2


def project_xml(
    selections: str, path: str = f"internal://{SOURCE}.txt", extra: str = "", rich: str = ""
) -> str:
    rich_attr = f' richTextPath="{rich}"' if rich else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="test">'
        f'<Users><User guid="{USER}" name="coder"/></Users>'
        f'<CodeBook><Codes><Code guid="{CODE}" name="c" isCodable="true"/></Codes></CodeBook>'
        f"{extra}"
        f'<Sources><TextSource guid="{SOURCE}" name="s" plainTextPath="{path}"{rich_attr}>'
        f"{selections}"
        "</TextSource></Sources></Project>"
    )


def selection_xml(n: int, start: int, end: int) -> str:
    return (
        f'<PlainTextSelection guid="bbbbbbbb-0000-4000-8000-00000000000{n}" name="" '
        f'startPosition="{start}" endPosition="{end}" creatingUser="{USER}">'
        f'<Coding guid="cccccccc-0000-4000-8000-00000000000{n}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>'
    )


def test_utf16_offsets_after_emoji_are_detected_and_converted(
    make_qdpx: Callable[..., Path],
) -> None:
    selections = "".join(
        selection_xml(n, *utf16_offsets(NVIVO_TEXT, q)) for n, q in enumerate(QUOTES)
    )
    data = b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8")
    project, report = read_qdpx(make_qdpx(project_xml(selections), {f"Sources/{SOURCE}.txt": data}))
    source = project.sources[0]
    assert source.text == NVIVO_TEXT.replace("\r\n", "\n")
    assert [source.text[s.start : s.end] for s in source.selections] == QUOTES
    convention = report.offset_conventions[SOURCE]
    assert convention.unit is OffsetUnit.UTF16 and convention.crlf_counts_two
    assert "3 of 3" in convention.evidence
    assert any("UTF-16 code units" in repair for repair in report.repairs)


def test_code_point_offsets_with_emoji_are_left_as_they_are(make_qdpx: Callable[..., Path]) -> None:
    text = NVIVO_TEXT.replace("\r\n", "\n")
    selections = "".join(
        selection_xml(n, text.index(q), text.index(q) + len(q)) for n, q in enumerate(QUOTES)
    )
    project, report = read_qdpx(make_qdpx(project_xml(selections), {f"sources/{SOURCE}.txt": text}))
    source = project.sources[0]
    assert [source.text[s.start : s.end] for s in source.selections] == QUOTES
    assert report.offset_conventions[SOURCE].unit is OffsetUnit.CODE_POINTS
    assert report.repairs == []


def test_offsets_counting_crlf_as_one_are_detected(make_qdpx: Callable[..., Path]) -> None:
    text = "First line here.\r\nSecond line with words.\r\nThird line ends.\r\n"
    lf = text.replace("\r\n", "\n")
    quotes = ["with words", "Third line"]
    selections = "".join(
        selection_xml(n, lf.index(q), lf.index(q) + len(q)) for n, q in enumerate(quotes)
    )
    project, report = read_qdpx(make_qdpx(project_xml(selections), {f"sources/{SOURCE}.txt": text}))
    source = project.sources[0]
    assert [source.text[s.start : s.end] for s in source.selections] == quotes
    assert not report.offset_conventions[SOURCE].crlf_counts_two


def test_text_only_in_docx_is_read_from_it(make_qdpx: Callable[..., Path]) -> None:
    document = docx.Document()
    document.add_paragraph("Erste Zeile über 🙂 Angst.")
    document.add_paragraph("Second paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    text = "Erste Zeile über 🙂 Angst.\nSecond paragraph."
    start = text.index("Angst")
    qde = project_xml(selection_xml(1, start, start + 5), rich=f"internal://{SOURCE}.docx")
    path = make_qdpx(
        qde, {f"sources/{SOURCE}.txt": "\n", f"sources/{SOURCE}.docx": buffer.getvalue()}
    )
    project, report = read_qdpx(path)
    source = project.sources[0]
    assert source.text == text
    assert source.text[source.selections[0].start : source.selections[0].end] == "Angst"
    assert any(".docx" in repair for repair in report.repairs)


def test_bom_before_the_xml_and_missing_internal_prefix(make_qdpx: Callable[..., Path]) -> None:
    qde = "\ufeff" + project_xml(selection_xml(1, 0, 5), path="interview.txt")
    project, report = read_qdpx(
        make_qdpx(qde.encode("utf-8"), {"Sources/interview.txt": "Hello world"})
    )
    assert project.sources[0].text == "Hello world"
    assert any("internal://" in repair for repair in report.repairs)


def test_missing_text_file_keeps_the_source_and_drops_its_selections(
    make_qdpx: Callable[..., Path],
) -> None:
    project, report = read_qdpx(make_qdpx(project_xml(selection_xml(1, 0, 5))))
    assert project.sources[0].text == "" and project.sources[0].selections == ()
    assert any("not in the archive" in warning for warning in report.warnings)
    assert any("outside the text" in warning for warning in report.warnings)


def test_dangling_references_are_dropped_not_invented(make_qdpx: Callable[..., Path]) -> None:
    ghost = "dddddddd-0000-4000-8000-000000000009"
    selections = (
        f'<PlainTextSelection guid="bbbbbbbb-0000-4000-8000-000000000001" startPosition="0" '
        f'endPosition="5" creatingUser="{ghost}">'
        f'<Coding guid="cccccccc-0000-4000-8000-000000000001"><CodeRef targetGUID="{ghost}"/>'
        f'</Coding><NoteRef targetGUID="{ghost}"/></PlainTextSelection>'
    )
    project, report = read_qdpx(
        make_qdpx(project_xml(selections), {f"sources/{SOURCE}.txt": "Hello world"})
    )
    selection = project.sources[0].selections[0]
    assert selection.codings == () and selection.note_refs == () and selection.creating_user is None
    assert [u.guid for u in project.users] == [USER]  # no user invented for the unknown coder
    assert sum(ghost in warning for warning in report.warnings) == 3


def test_unlinked_sources_and_ignored_elements_are_reported(make_qdpx: Callable[..., Path]) -> None:
    cases = (
        f'<Cases><Case guid="{CASE}" name="P1"><SourceRef targetGUID="{SOURCE}"/></Case></Cases>'
    )
    links = '<Links><Link guid="eeeeeeee-0000-4000-8000-000000000001"/></Links>'
    qde = project_xml("", extra=cases).replace("</Sources>", f"</Sources>{links}")
    project, report = read_qdpx(make_qdpx(qde, {f"sources/{SOURCE}.txt": "text"}))
    assert project.cases[0].source_refs == (SOURCE,)
    assert report.unlinked_sources == []
    assert any("<Links>" in warning for warning in report.warnings)


def test_duplicate_guid_keeps_the_first(make_qdpx: Callable[..., Path]) -> None:
    qde = project_xml("").replace(
        "</Codes>", f'<Code guid="{CODE.upper()}" name="twin" isCodable="true"/></Codes>'
    )
    project, report = read_qdpx(make_qdpx(qde, {f"sources/{SOURCE}.txt": "text"}))
    assert [code.name for _, code in project.walk_codes()] == ["c"]
    assert any("second code" in warning for warning in report.warnings)


TAGUETTE_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.4.1">
  <Codes>
    <Code guid="{a1}" name="feelings" isCodable="true">
      <Description>How it felt</Description>
      <Code guid="{a2}" name="fear" isCodable="true" color="#FF0000"/>
    </Code>
  </Codes>
  <Sets/>
</CodeBook>
""".format(a1="{AAAAAAAA-1111-4111-8111-111111111111}", a2="aaaaaaaa-2222-4222-8222-222222222222")


def test_taguette_codebook_with_empty_sets(tmp_path: Path) -> None:
    path = tmp_path / "taguette.qdc"
    path.write_text(TAGUETTE_QDC, encoding="utf-8")
    project, report = read_qdc(path)
    assert [path for path, _ in project.walk_codes()] == [("feelings",), ("feelings", "fear")]
    assert project.codes[0].guid == "aaaaaaaa-1111-4111-8111-111111111111"
    assert project.codes[0].children[0].color == "#FF0000"
    assert project.sets == () and project.origin == "Taguette 1.4.1"
    assert any("<Sets/>" in repair for repair in report.repairs)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_text_encodings_with_byte_order_marks(
    make_qdpx: Callable[..., Path], encoding: str
) -> None:
    path = make_qdpx(project_xml(""), {f"sources/{SOURCE}.txt": "Grüße 🙂".encode(encoding)})
    project, report = read_qdpx(path)
    assert project.sources[0].text == "Grüße 🙂"
    assert any("byte-order mark" in repair for repair in report.repairs)
