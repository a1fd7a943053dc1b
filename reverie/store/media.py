"""Recordings on disk, content-addressed by SHA-256 so the same file is never stored twice."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from reverie.core.errors import InvalidInput
from reverie.store.files import PART_SUFFIX, StagedFile, atomic_write, open_part, private_folder, private_workdir

CHUNK = 1 << 20


class MediaCipher(Protocol):
    """Encrypts media at rest (AES-GCM in an encrypted study); plain studies have none."""

    def encrypt(self, plain: IO[bytes], sealed: IO[bytes]) -> None: ...
    def decrypt(self, sealed: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def plain_size(self, sealed: Path) -> int: ...


# Staged recordings are ``.staged.<pid>-<random>.part`` (``.staged.<pid>-<sha256>.part`` once an
# encrypted one is complete); ``.staged-…`` names come from earlier versions and are recovered too.
STAGED_PREFIX = ".staged"


def _sha_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class _Hashing:
    """Reads a file while hashing what was read, so a recording is read once to copy and hash it."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.digest.update(block)
        return block


class StagedMedia(StagedFile):
    """A recording copied into the store but not yet in place; see :meth:`MediaStore.stage`."""

    def __init__(self, part: Path, target: Path, *, sha256: str, size: int, fd: int, already_present: bool):
        super().__init__(part, target)
        self.sha256 = sha256
        self.size = size
        self.fd = fd  # holds the lock that tells recovery the file is in use
        self.already_present = already_present

    def place(self) -> None:
        if self.state == "staged" and self.target.exists():
            self.discard()  # the same bytes are already stored
            return
        private_folder(self.target.parent)
        super().place()

    def _finished(self) -> None:
        os.close(self.fd)
        self.fd = -1


class MediaStore:
    def __init__(self, root: Path, cipher: MediaCipher | None = None):
        self.root = root
        self.cipher = cipher

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def stage(self, source: Path) -> StagedMedia:
        """Copy a file into the store's staging area, hashing (and encrypting) while copying.

        The file reaches its final, content-addressed place only when the database transaction
        that records it commits (:meth:`StagedMedia.commit_with`); a crash before that leaves a
        staged file that :meth:`recover` removes, so media and records never disagree. In an
        encrypted study no plaintext copy is ever written.
        """
        source = Path(source)
        if not source.is_file():
            raise InvalidInput(f"{source}: not a file")
        size = source.stat().st_size
        if size == 0:
            raise InvalidInput(f"{source}: the file is empty")
        private_folder(self.root)
        fd, part = open_part(self.root / "staged")
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the move: recovery skips files in use
        try:
            with source.open("rb") as src, os.fdopen(os.dup(fd), "wb") as out:
                plain = _Hashing(src)
                if self.cipher is None:
                    while block := plain.read(CHUNK):
                        out.write(block)
                else:
                    self.cipher.encrypt(plain, out)
                out.flush()
                os.fsync(out.fileno())
            sha = plain.digest.hexdigest()
            if self.cipher is not None:
                # An encrypted file cannot be hashed again at recovery: its name carries the hash.
                # Renaming keeps the inode, so the lock stays with it.
                named = part.with_name(f"{STAGED_PREFIX}.{os.getpid()}-{sha}{PART_SUFFIX}")
                os.replace(part, named)
                part = named
            target = self.path_for(sha)
            return StagedMedia(part, target, sha256=sha, size=size, fd=fd, already_present=target.exists())
        except BaseException:
            os.close(fd)
            part.unlink(missing_ok=True)
            raise

    def has_staged(self) -> bool:
        return self.root.exists() and any(self.root.glob(STAGED_PREFIX + "*"))

    def recover(self, referenced: set[str]) -> list[str]:
        """Finish or undo staged files left by a crash; returns what was done, for the log."""
        done = []
        for staged in sorted(self.root.glob(STAGED_PREFIX + "*")):
            try:
                fd = os.open(staged, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another process is still writing it
                if self.cipher is None:
                    sha = _sha_of(staged)
                else:
                    sha = staged.name.removesuffix(PART_SUFFIX).rpartition("-")[2]
                target = self.path_for(sha) if sha else None
                if target is not None and sha in referenced and not target.exists():
                    private_folder(target.parent)
                    StagedFile(staged, target).place()
                    done.append(f"restored {sha[:12]}")
                else:
                    staged.unlink(missing_ok=True)
                    done.append(f"removed unfinished {staged.name}")
            finally:
                os.close(fd)
        return done

    def _stored(self, sha256: str) -> Path:
        stored = self.path_for(sha256)
        if not stored.exists():
            raise InvalidInput(f"recording {sha256[:12]} is missing from {self.root}")
        return stored

    def size(self, sha256: str) -> int:
        """The recording's length in bytes as played (its plaintext length when encrypted)."""
        stored = self._stored(sha256)
        return stored.stat().st_size if self.cipher is None else self.cipher.plain_size(stored)

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The recording's bytes ``start:end``, a block at a time, decrypted in memory when encrypted.

        Playback streams these into the response, so no plaintext copy is ever written.
        """
        stored = self._stored(sha256)
        if self.cipher is not None:
            yield from self.cipher.decrypt(stored, start, end)
            return
        with stored.open("rb") as handle:
            handle.seek(start)
            left = (stored.stat().st_size if end is None else end) - start
            while left > 0 and (block := handle.read(min(CHUNK, left))):
                left -= len(block)
                yield block

    @contextmanager
    def plain_file(self, sha256: str) -> Iterator[Path]:
        """A path to the recording's bytes, for libraries that only read paths (speech models).

        An encrypted recording is decrypted into a :func:`reverie.store.files.private_workdir`
        (0700, removed when the block ends, swept after a crash); a plain one is the stored file.
        """
        stored = self._stored(sha256)
        if self.cipher is None:
            yield stored
            return
        with private_workdir("audio") as work:
            plain = work / sha256
            with atomic_write(plain) as out:
                for block in self.cipher.decrypt(stored):
                    out.write(block)
            yield plain

    def remove(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        if path.exists():
            path.unlink()
            return True
        return False

    def all_hashes(self) -> set[str]:
        if not self.root.exists():
            return set()
        return {p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")}
