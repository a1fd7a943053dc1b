"""Files that are wholly there or not there at all, even if the process dies or the power fails.

Every file Reverie writes goes through here: an export, a report, a backup, a key, a recording.
The bytes go to a hidden ``.part`` file beside the target; the file is synced, renamed over the
target and the folder is synced, so after a crash the target is either the old file or the
new one, never half of one. A ``.part`` name carries the id of the process that wrote it
(:func:`part_writer`), so leftovers can be told apart from files still being written.

A :class:`StagedFile` goes one step further for outputs the audit trail records: the file is
complete on disk before the transaction starts and is renamed into place only when that
transaction commits (it is removed if it rolls back), so the trail and the folder never disagree.
Recordings are staged the same way (:mod:`reverie.store.media`).

Plaintext that a library can only read from a path (a decrypted recording for the speech models)
goes to a :func:`private_workdir`: a 0700 folder in the system temp folder, removed when the work
ends and, if the process dies first, swept by the next Reverie process that makes or opens one.

Why here, in the store: the store needs it (media, backups), services need it (every output),
and the store may import only core, which does no I/O. Adapters (formats, privacy) hand bytes or
streams to services instead of writing files themselves.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from reverie.core.errors import InvalidInput

PART_SUFFIX = ".part"
# Owner-only by default: outputs hold participants' words.
PRIVATE = 0o600
PRIVATE_FOLDER = 0o700
# reverie-<purpose>.<pid>-<random>: the name says which process may still be using the folder.
_WORKDIR = re.compile(r"^reverie-[a-z]+\.(\d+)-")
_WRITER = re.compile(r"\.(\d+)-[0-9a-f]+\.part$")


def part_path(target: Path) -> Path:
    """A hidden name beside ``target`` for writing it, naming this process as the writer."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{PART_SUFFIX}")


def part_writer(part: Path) -> int | None:
    """The id of the process that wrote a ``.part`` file, or None when its name does not say."""
    found = _WRITER.search(part.name)
    return int(found.group(1)) if found else None


def open_part(target: Path, *, mode: int = PRIVATE) -> tuple[int, Path]:
    """Create a new, empty ``.part`` file for ``target``; returns its descriptor and path.

    Leftover ``.part`` files of the same target whose writers are gone (a killed export outside
    the study folder, which no sweep at study open reaches) are removed first.
    """
    from reverie.store.leftovers import sweep_parts

    sweep_parts(target.parent, target.name)
    part = part_path(target)
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileNotFoundError:
        raise InvalidInput(f"{target.parent}: no such folder") from None
    return fd, part


def sync_folder(folder: Path) -> None:
    """Make a rename or removal in ``folder`` survive a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a folder we cannot open (some network shares) cannot be synced either
    try:
        os.fsync(fd)
    except OSError:
        pass  # file systems that do not sync folders
    finally:
        os.close(fd)


def _put_in_place(part: Path, target: Path) -> None:
    os.replace(part, target)
    sync_folder(target.parent)


@contextmanager
def atomic_write(path: Path | str, *, mode: int = PRIVATE) -> Iterator[IO[bytes]]:
    """A binary handle for writing ``path``; when the block ends without error the file replaces
    ``path`` whole, synced to disk. An error leaves ``path`` as it was and no ``.part`` behind."""
    target = Path(path)
    fd, part = open_part(target, mode=mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _put_in_place(part, target)
    finally:
        part.unlink(missing_ok=True)


def write_file(path: Path | str, data: bytes, *, mode: int = PRIVATE) -> Path:
    """Write ``data`` to ``path`` whole (see :func:`atomic_write`); returns the path."""
    with atomic_write(path, mode=mode) as handle:
        handle.write(data)
    return Path(path)


class StagedFile:
    """A complete, synced file waiting beside its target for a transaction to commit.

    Use it in a ``with`` around the write that records it, and call :meth:`commit_with` inside::

        with stage_file(path, payload) as staged, study.write("report.write", ...) as s:
            ...
            staged.commit_with(s)

    If the block fails before :meth:`commit_with`, or the transaction rolls back, the staged file
    is removed and the target is left as it was.
    """

    def __init__(self, part: Path, target: Path) -> None:
        self.part = part
        self.target = target
        self.state = "staged"  # then "placed" or "discarded"
        self._committing = False

    def commit_with(self, session) -> None:
        """Put the file in place when ``session``'s transaction commits; drop it if it rolls back.

        Inside a nested write the session is the outermost one, so the file follows the whole
        operation, not the step that staged it.
        """
        from sqlalchemy import event

        event.listen(session, "after_commit", lambda _session: self.place(), once=True)
        event.listen(session, "after_soft_rollback", lambda _session, _previous: self.discard(), once=True)
        self._committing = True

    def place(self) -> None:
        """Rename the staged file over its target (done for you by :meth:`commit_with`)."""
        if self.state != "staged":
            return
        try:
            _put_in_place(self.part, self.target)
        except BaseException:
            self.discard()
            raise
        self.state = "placed"
        self._finished()

    def discard(self) -> None:
        """Remove the staged file; the target is untouched."""
        if self.state != "staged":
            return
        self.part.unlink(missing_ok=True)
        self.state = "discarded"
        self._finished()

    def _finished(self) -> None:
        """Called once the file is placed or discarded."""

    def __enter__(self) -> StagedFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committing:
            self.discard()  # no transaction will put it in place


def stage_file(path: Path | str, data: bytes, *, mode: int = PRIVATE) -> StagedFile:
    """Write ``data`` completely beside ``path`` and sync it; :meth:`StagedFile.commit_with` puts
    it in place when the recording transaction commits."""
    target = Path(path)
    fd, part = open_part(target, mode=mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return StagedFile(part, target)


def private_folder(path: Path | str) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner can enter (0700), and return it.

    An existing folder is tightened too: older studies made ``media/`` and ``exports/`` readable
    by everyone on the machine.
    """
    path = Path(path)
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    status = path.stat()
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        path.chmod(PRIVATE_FOLDER)
    return path


def private_file(path: Path | str, *, create: bool = True) -> Path:
    """Make ``path`` a file only its owner can read (0600): created empty when missing (if
    ``create``), tightened when it exists.

    SQLite makes its database, and its ``-wal`` and ``-shm`` files with the database's mode, from
    the process umask (usually world-readable); creating the file first is how to choose.
    """
    path = Path(path)
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
            return path
        except FileExistsError:
            pass
    try:
        status = path.stat()
    except FileNotFoundError:
        return path
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        path.chmod(PRIVATE)
    return path


@contextmanager
def private_workdir(purpose: str) -> Iterator[Path]:
    """A fresh 0700 folder in the system temp folder for plaintext a library needs as a file.

    It is removed when the block ends; if the process is killed first, the next call (in any
    Reverie process) or :func:`sweep_workdirs` removes it.
    """
    sweep_workdirs()
    folder = Path(tempfile.mkdtemp(prefix=f"reverie-{purpose}.{os.getpid()}-"))  # mkdtemp makes it 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_workdirs() -> list[Path]:
    """Remove the work folders of Reverie processes that are gone (this user's only); returns them."""
    swept = []
    for folder in Path(tempfile.gettempdir()).glob("reverie-*.*-*"):
        found = _WORKDIR.match(folder.name)
        try:
            mine = folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if found and mine and process_gone(int(found.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            swept.append(folder)
    return swept


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` no longer runs on this machine (a killed one not yet reaped counts as gone)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # another user's process: alive
    except OverflowError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state follows the command name in brackets; Z is a zombie: dead, waiting for its parent.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
