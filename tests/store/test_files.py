"""Files are complete or absent, never half-written; a staged file follows its transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.store.files import (
    PART_SUFFIX,
    atomic_write,
    part_path,
    part_writer,
    stage_file,
    write_file,
)
from reverie.store.models import AuditEvent
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(PART_SUFFIX))


# --- whole or absent ----------------------------------------------------------------------------

def test_a_file_is_written_whole_and_private(tmp_path):
    path = write_file(tmp_path / "report.html", b"<h1>Findings</h1>")
    assert path.read_bytes() == b"<h1>Findings</h1>"
    assert path.stat().st_mode & 0o777 == 0o600
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_part(tmp_path):
    path = write_file(tmp_path / "codebook.qdc", b"old")
    with pytest.raises(RuntimeError), atomic_write(path) as out:
        out.write(b"half of the new")
        raise RuntimeError("the disk is full")
    assert path.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(InvalidInput, match="no such folder"):
        write_file(tmp_path / "absent" / "report.docx", b"x")


def test_a_killed_writer_leaves_the_target_untouched_and_a_part_naming_it(tmp_path):
    path = tmp_path / "export.docx"
    path.write_bytes(b"the previous export")
    script = textwrap.dedent(f"""
        import os, signal
        from reverie.store.files import atomic_write
        with atomic_write({str(path)!r}) as out:
            out.write(b"x" * 100_000)
            out.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == b"the previous export"
    [part] = _leftovers(tmp_path)
    assert part.startswith(".export.docx.") and part_writer(tmp_path / part) not in (None, os.getpid())


def test_a_part_names_its_writer():
    part = part_path(Path("/study/report.docx"))
    assert part.parent == Path("/study") and part.name.startswith(".report.docx.")
    assert part_writer(part) == os.getpid()
    assert part_writer(Path(".staged-abc123")) is None


# --- staged with the audit transaction -------------------------------------------------------------

def _events(study, action: str) -> int:
    with study.read() as s:
        return len(s.execute(select(AuditEvent.id).where(AuditEvent.action == action)).all())


def test_a_staged_file_is_put_in_place_when_the_transaction_commits(sqlite_study, tmp_path):
    path = tmp_path / "packet.html"
    with stage_file(path, b"<p>for P1</p>") as staged, sqlite_study.write("test.export") as s:
        staged.commit_with(s)
        assert not path.exists()  # not before the commit
        assert _leftovers(tmp_path) == [staged.part.name]
    assert path.read_bytes() == b"<p>for P1</p>" and staged.state == "placed"
    assert _leftovers(tmp_path) == [] and _events(sqlite_study, "test.export") == 1


def test_a_staged_file_is_rolled_back_with_a_failed_transaction(sqlite_study, tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(b"last week's report")
    with pytest.raises(Conflict), stage_file(path, b"new report") as staged, sqlite_study.write("test.export") as s:
        staged.commit_with(s)
        raise Conflict("the report was refused")
    assert path.read_bytes() == b"last week's report" and staged.state == "discarded"
    assert _leftovers(tmp_path) == [] and _events(sqlite_study, "test.export") == 0


@pytest.mark.parametrize("outer_fails", [False, True])
def test_a_staged_file_follows_the_outer_transaction_of_a_nested_write(sqlite_study, tmp_path, outer_fails):
    path = tmp_path / "export.txt"
    with pytest.raises(RuntimeError) if outer_fails else nullcontext(), sqlite_study.write("test.outer"):
        with stage_file(path, b"lines") as staged, sqlite_study.write("test.export") as s:
            staged.commit_with(s)
        assert not path.exists()  # the inner write has not committed anything yet
        if outer_fails:
            raise RuntimeError("the outer step failed")
    assert path.exists() is not outer_fails
    assert _leftovers(tmp_path) == []


def test_a_file_staged_but_never_recorded_is_removed(sqlite_study, tmp_path):
    path = tmp_path / "study.qdpx"
    with pytest.raises(RuntimeError), stage_file(path, b"PK"):
        raise RuntimeError("failed before the write began")
    assert not path.exists() and _leftovers(tmp_path) == []


def test_a_recording_is_staged_with_the_transaction(sqlite_study, tmp_path):
    audio = tmp_path / "p1.wav"
    audio.write_bytes(b"RIFF" + os.urandom(2048))
    staged = sqlite_study.media.stage(audio)
    assert part_writer(staged.part) == os.getpid()
    with pytest.raises(Conflict), sqlite_study.write("test.attach") as s:
        staged.commit_with(s)
        raise Conflict("already attached")
    assert staged.state == "discarded" and sqlite_study.media.all_hashes() == set()
    assert not sqlite_study.media.has_staged()

    staged = sqlite_study.media.stage(audio)
    with sqlite_study.write("test.attach") as s:
        staged.commit_with(s)
    assert sqlite_study.media.all_hashes() == {staged.sha256}
    assert not sqlite_study.media.has_staged()


def test_an_encrypted_recording_is_never_staged_in_plain_and_is_recovered_by_its_name(tmp_path):
    require("cryptography")
    from reverie.services.study.encryption import MediaEncryption
    from reverie.store.media import MediaStore

    store = MediaStore(tmp_path / "media", MediaEncryption(os.urandom(32)))
    audio = tmp_path / "p1.wav"
    spoken = b"RIFF participant P3 talks about Ward 42 " * 100
    audio.write_bytes(spoken)
    staged = store.stage(audio)
    assert staged.sha256 in staged.part.name and b"Ward 42" not in staged.part.read_bytes()
    os.close(staged.fd)  # as if the process died before its transaction committed
    assert store.recover({staged.sha256}) == [f"restored {staged.sha256[:12]}"]
    assert not store.has_staged()
    assert b"".join(store.read(staged.sha256)) == spoken
