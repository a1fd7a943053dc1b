"""Recordings on disk, content-addressed by SHA-256 so the same file is never stored twice."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reverie.core.errors import InvalidInput

CHUNK = 1 << 20


class MediaCipher(Protocol):
    """Encrypts media at rest (AES-GCM in an encrypted study); plain studies have none."""

    def encrypt_file(self, src: Path, dst: Path) -> None: ...
    def decrypt_to(self, src: Path, dst: Path) -> None: ...


STAGED_PREFIX = ".staged-"


def _sha_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class StagedMedia:
    """A recording copied into the store but not yet in place; see :meth:`MediaStore.stage`."""

    store: "MediaStore"
    sha256: str
    size: int
    staged: Path
    fd: int
    already_present: bool

    def commit_with(self, session) -> None:
        """Move the file into place when ``session`` commits; drop it if the session rolls back."""
        from sqlalchemy import event

        if self.store.cipher is not None:
            # An encrypted file cannot be hashed again at recovery: name it by its content's hash.
            named = self.staged.with_name(f"{STAGED_PREFIX}{os.getpid()}-{self.sha256}")
            os.replace(self.staged, named)
            self.staged = named

        def committed(_session):
            self.finish()

        def rolled_back(_session):
            self.discard()

        event.listen(session, "after_commit", committed, once=True)
        event.listen(session, "after_soft_rollback", rolled_back, once=True)

    def finish(self) -> None:
        if self.fd < 0:
            return
        target = self.store.path_for(self.sha256)
        if target.exists():
            self.staged.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staged, target)
        self._release()

    def discard(self) -> None:
        if self.fd < 0:
            return
        self.staged.unlink(missing_ok=True)
        self._release()

    def _release(self) -> None:
        os.close(self.fd)
        self.fd = -1


class MediaStore:
    def __init__(self, root: Path, cipher: MediaCipher | None = None):
        self.root = root
        self.cipher = cipher

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def stage(self, source: Path) -> StagedMedia:
        """Copy a file into the store's staging area, hashing while copying.

        The file reaches its final, content-addressed place only when the database transaction
        that records it commits (:meth:`StagedMedia.commit_with`); a crash before that leaves a
        staged file that :meth:`recover` removes, so media and records never disagree.
        """
        source = Path(source)
        if not source.is_file():
            raise InvalidInput(f"{source}: not a file")
        size = source.stat().st_size
        if size == 0:
            raise InvalidInput(f"{source}: the file is empty")
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=STAGED_PREFIX)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the move: recovery skips files in use
        tmp = Path(tmp_name)
        try:
            with source.open("rb") as src:
                while block := src.read(CHUNK):
                    digest.update(block)
                    os.write(fd, block)
            os.fsync(fd)
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if self.cipher is not None and not target.exists():
                encrypted = tmp.with_name(tmp.name + ".enc")
                self.cipher.encrypt_file(tmp, encrypted)
                os.replace(encrypted, tmp)
            return StagedMedia(self, sha, size, tmp, fd, target.exists())
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
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
                sha = _sha_of(staged) if self.cipher is None else staged.name.rpartition("-")[2]
                target = self.path_for(sha) if sha else None
                if target is not None and sha in referenced and not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, target)
                    done.append(f"restored {sha[:12]}")
                else:
                    staged.unlink(missing_ok=True)
                    done.append(f"removed unfinished {staged.name}")
            finally:
                os.close(fd)
        return done

    def open_plain(self, sha256: str, workdir: Path) -> Path:
        """A readable path to the recording's bytes (decrypted into ``workdir`` when encrypted)."""
        stored = self.path_for(sha256)
        if not stored.exists():
            raise InvalidInput(f"recording {sha256[:12]} is missing from {self.root}")
        if self.cipher is None:
            return stored
        plain = workdir / sha256
        self.cipher.decrypt_to(stored, plain)
        return plain

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
