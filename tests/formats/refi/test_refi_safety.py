"""Hostile archives are refused whole, with a message naming the file and the reason."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.formats.archives import ArchiveLimits
from reverie.formats.refi import read_qdc, read_qdpx

MINIMAL = (
    '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'
)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""


def refused(path: Path, *fragments: str, **kwargs: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_qdpx(path, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message
    return message


@pytest.mark.parametrize(
    "entry", ["../evil.txt", "sources/../../evil.txt", "sources\\..\\..\\evil.txt"]
)
def test_zip_slip_is_refused(make_qdpx: Callable[..., Path], entry: str) -> None:
    refused(make_qdpx(MINIMAL, {entry: "x"}), "zip slip", "evil.txt")


@pytest.mark.parametrize(
    "entry", ["/etc/cron.d/evil", "C:/Windows/evil.txt", "\\\\server\\share\\x"]
)
def test_absolute_entry_is_refused(make_qdpx: Callable[..., Path], entry: str) -> None:
    refused(make_qdpx(MINIMAL, {entry: "x"}), "absolute path")


def test_billion_laughs_is_refused_before_parsing(make_qdpx: Callable[..., Path]) -> None:
    refused(make_qdpx(BILLION_LAUGHS), "DOCTYPE declaration", "project.qde")


def test_external_entity_is_refused(make_qdpx: Callable[..., Path]) -> None:
    refused(make_qdpx(EXTERNAL_ENTITY), "DOCTYPE")


def test_entity_declaration_without_doctype_is_refused(make_qdpx: Callable[..., Path]) -> None:
    # Not well-formed either way, but the message must say what was dangerous about it.
    refused(
        make_qdpx('<?xml version="1.0"?><!ENTITY x "y"><Project name="p"/>'), "ENTITY declaration"
    )


def test_doctype_hidden_in_utf16_is_refused(make_qdpx: Callable[..., Path]) -> None:
    refused(
        make_qdpx(BILLION_LAUGHS.replace('<?xml version="1.0"?>', "").encode("utf-16")), "DOCTYPE"
    )


def test_doctype_in_codebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.qdc"
    path.write_text(BILLION_LAUGHS.replace("Project", "CodeBook"), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"evil\.qdc.*DOCTYPE"):
        read_qdc(path)


def test_doctype_in_a_docx_source_is_refused(make_qdpx: Callable[..., Path]) -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", BILLION_LAUGHS)
    qde = MINIMAL.replace(
        "/>",
        '><Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="s" '
        'plainTextPath="internal://s.txt" richTextPath="internal://s.docx"/></Sources></Project>',
    )
    refused(
        make_qdpx(qde, {"sources/s.txt": "", "sources/s.docx": docx.getvalue()}),
        "DOCTYPE",
        "s.docx",
    )


def test_too_many_entries_is_refused(make_qdpx: Callable[..., Path]) -> None:
    path = make_qdpx(MINIMAL, {f"sources/{n}.txt": "x" for n in range(20)})
    refused(path, "21 entries", "limit of 10", limits=ArchiveLimits(max_members=10))


def test_too_many_unpacked_bytes_is_refused(make_qdpx: Callable[..., Path]) -> None:
    path = make_qdpx(MINIMAL, {"sources/a.txt": os.urandom(600_000), "sources/b.txt": os.urandom(600_000)})
    refused(path, "unpack to", "limit of 1,000,000", limits=ArchiveLimits(max_total_bytes=1_000_000))


def test_a_zip_bomb_is_refused_by_its_compression_ratio(make_qdpx: Callable[..., Path]) -> None:
    # 5 MB of zeros compress to a few kilobytes: within the size caps, but no real file does that.
    path = make_qdpx(MINIMAL, {"sources/big.txt": b"0" * 5_000_000})
    assert path.stat().st_size < 100_000
    refused(path, "sources/big.txt", "100:1", "zip bomb")


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "project.qdpx"
    path.write_text(MINIMAL, encoding="utf-8")
    refused(path, "not a zip archive")


def test_duplicate_entry_names_are_refused(make_qdpx: Callable[..., Path]) -> None:
    refused(make_qdpx(MINIMAL, {"Sources/a.txt": "one", "sources/A.txt": "two"}), "more than once")


def test_archive_without_project_is_refused(make_qdpx: Callable[..., Path]) -> None:
    refused(make_qdpx(None, {"sources/a.txt": "text"}), "no project.qde")


def test_malformed_xml_is_refused(make_qdpx: Callable[..., Path]) -> None:
    refused(make_qdpx("<Project name='p'>"), "not well-formed")


def test_defaults_are_generous_enough_for_real_projects() -> None:
    # A project exported with its recordings: a long video interview, many of them.
    assert ArchiveLimits().max_members == 10_000
    assert ArchiveLimits().max_member_bytes >= 8 * 1024**3
    assert ArchiveLimits().max_total_bytes >= 64 * 1024**3
