"""Untrusted archives (.docx, .qdpx, backups) are checked whole before anything is unpacked: names,
links, each entry's declared size, the total and the compression ratio; real files pass."""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import zipfile
from pathlib import Path

import docx
import pytest

from reverie.core.errors import InvalidInput
from reverie.formats.archives import ArchiveLimits, check_zip, open_zip, tar_members
from reverie.formats.transcripts import read_transcript
from reverie.formats.transcripts.word import DOCX_LIMITS
from tests.conftest import shared_path


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _refused(source, where: str, *fragments: str, limits: ArchiveLimits = ArchiveLimits()) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_zip(source, where, limits)
    message = str(caught.value)
    assert where in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the zip's central directory so ``member`` declares ``size`` unpacked bytes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, size)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    else:
        raise AssertionError(f"{member} is not in {path}")
    path.write_bytes(bytes(data))


# --- zip bombs and sizes ------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    bomb = _zip(tmp_path / "bomb.docx", {"word/document.xml": b"\x00" * 20_000_000})
    assert bomb.stat().st_size < 100_000  # within every size cap: only the ratio gives it away
    _refused(bomb, "bomb.docx", "word/document.xml", "more than 100:1", "zip bomb")


def test_many_small_bombs_are_refused_by_the_archive_ratio(tmp_path):
    # Each entry is under the size below which one entry's ratio is not judged; together they are not.
    bombs = _zip(tmp_path / "many.qdpx", {f"sources/{n}.txt": b"a" * 900_000 for n in range(20)})
    _refused(bombs, "many.qdpx", "it unpacks to", "zip bomb")


def test_a_member_declaring_a_huge_size_is_refused_before_it_is_read(tmp_path):
    path = _zip(tmp_path / "interview.docx", {"word/document.xml": b"<w:document/>"}, zipfile.ZIP_STORED)
    _declare_size(path, "word/document.xml", 0xFFFF_FFF0)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 0xFFFF_FFF0
    _refused(path, "interview.docx", "'word/document.xml'", "4,294,967,280 bytes", "limit of 209,715,200",
             limits=DOCX_LIMITS)
    with pytest.raises(InvalidInput, match=r"^Refused interview\.docx: entry 'word/document\.xml' would unpack"):
        read_transcript(path)


def test_the_total_and_the_number_of_entries_are_capped(tmp_path):
    path = _zip(tmp_path / "p.qdpx", {f"sources/{n}.bin": os.urandom(400_000) for n in range(3)})
    _refused(path, "p.qdpx", "unpack to more than the limit of 1,000,000",
             limits=ArchiveLimits(max_total_bytes=1_000_000))
    _refused(path, "p.qdpx", "3 entries", "limit of 2", limits=ArchiveLimits(max_members=2))


# --- names and kinds ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.txt", "word/../../evil.txt", "word\\..\\..\\evil.txt"])
def test_a_name_climbing_out_is_refused(tmp_path, name):
    path = _zip(tmp_path / "slip.docx", {"word/document.xml": b"<x/>", name: b"x"})
    _refused(path, "slip.docx", "zip slip", "evil.txt")


@pytest.mark.parametrize("name", ["/etc/cron.d/evil", "C:/Windows/evil.txt", "\\\\server\\share\\x"])
def test_an_absolute_name_is_refused(tmp_path, name):
    _refused(_zip(tmp_path / "abs.qdpx", {name: b"x"}), "abs.qdpx", "absolute path")


def test_a_symlink_entry_is_refused(tmp_path):
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("sources/passwd.txt")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    _refused(path, "link.qdpx", "'sources/passwd.txt'", "a link")


def test_not_a_zip_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "notes.qdpx"
    path.write_text("plain text", encoding="utf-8")
    _refused(path, "notes.qdpx", "not a zip archive")


# --- real files pass ----------------------------------------------------------------------------

def test_a_real_docx_passes_and_is_read(tmp_path):
    document = docx.Document()
    for line in ("I: How did it start?", "P1: With a cup of tea on the ward."):
        document.add_paragraph(line)
    path = tmp_path / "P1.docx"
    document.save(str(path))
    check_zip(path, path.name, DOCX_LIMITS)
    parsed = read_transcript(path, participant_code="P1")
    assert [turn.speaker for turn in parsed.turns] == ["I", "P1"]


def test_word_documents_inside_real_nvivo_projects_pass():
    """NVivo's .docx sources: 18 MB of document.xml packed 35:1, well inside the caps."""
    sample = shared_path("refi-qda", "samples", "nvivo-12.6-win_oltas0517.qdpx")
    with open_zip(sample, sample.name) as project:
        sources = [name for name in project.names if name.endswith(".docx")]
        assert sources
        for name in sources:
            check_zip(io.BytesIO(project.read(name)), name, DOCX_LIMITS)


def test_a_project_exported_with_its_recordings_passes(tmp_path):
    # Recordings are already compressed: they pack about 1:1, however large they are.
    recording = os.urandom(3_000_000)
    path = _zip(tmp_path / "with-media.qdpx", {"project.qde": b"<Project/>" * 1000,
                                               "sources/p1.m4a": recording, "sources/p2.mp4": recording})
    with open_zip(path, path.name) as archive:
        assert archive.read("sources/p1.m4a") == recording


# --- backups (tar) ------------------------------------------------------------------------------

def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _tar_refused(path: Path, *fragments: str, limits: ArchiveLimits = ArchiveLimits()) -> None:
    with tarfile.open(path, "r:") as tar, pytest.raises(InvalidInput) as caught:
        tar_members(tar, path.name, limits)
    message = str(caught.value)
    for fragment in (path.name, *fragments):
        assert fragment in message, message


def test_a_backup_with_its_recordings_passes(tmp_path):
    recording = os.urandom(2_000_000)
    path = _tar(tmp_path / "study.tar", [(tarfile.TarInfo("study.db"), b"SQLite format 3\x00" + bytes(4096)),
                                         (tarfile.TarInfo("media/ab/" + "ab" * 32), recording)])
    with tarfile.open(path, "r:") as tar:
        assert [m.name for m in tar_members(tar, path.name, ArchiveLimits())] == ["study.db", "media/ab/" + "ab" * 32]


def test_a_backup_with_links_or_escaping_names_is_refused(tmp_path):
    link = tarfile.TarInfo("study.db")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _tar_refused(_tar(tmp_path / "link.tar", [(link, None)]), "'study.db'", "a link")
    _tar_refused(_tar(tmp_path / "slip.tar", [(tarfile.TarInfo("../escaped"), b"x")]), "zip slip")
    device = tarfile.TarInfo("media/dev")
    device.type = tarfile.CHRTYPE
    _tar_refused(_tar(tmp_path / "dev.tar", [(device, None)]), "device")


def test_a_backup_member_declaring_more_than_the_archive_holds_is_refused(tmp_path):
    path = _tar(tmp_path / "cut.tar", [(tarfile.TarInfo("media/ab/big"), os.urandom(100_000))])
    path.write_bytes(path.read_bytes()[:50_000])  # cut short, as by a full disk
    _tar_refused(path, "'media/ab/big'", "archive ends before")
    _tar_refused(_tar(tmp_path / "big.tar", [(tarfile.TarInfo("media/ab/big"), os.urandom(100_000))]),
                 "limit of 50,000 for one entry", limits=ArchiveLimits(max_member_bytes=50_000))
