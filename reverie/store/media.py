"""Recordings on disk, content-addressed by SHA-256 so the same file is never stored twice."""

from __future__ import annotations

import hashlib
import os
import shutil
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


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    size: int
    path: Path
    already_present: bool


class MediaStore:
    def __init__(self, root: Path, cipher: MediaCipher | None = None):
        self.root = root
        self.cipher = cipher

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def add(self, source: Path) -> StoredMedia:
        """Copy a file into the store (hashing while copying); an identical file is kept once."""
        source = Path(source)
        if not source.is_file():
            raise InvalidInput(f"{source}: not a file")
        size = source.stat().st_size
        if size == 0:
            raise InvalidInput(f"{source}: the file is empty")
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while block := src.read(CHUNK):
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if target.exists():
                return StoredMedia(sha, size, target, True)
            target.parent.mkdir(parents=True, exist_ok=True)
            if self.cipher is not None:
                self.cipher.encrypt_file(tmp, target)
            else:
                os.replace(tmp, target)
            return StoredMedia(sha, size, target, False)
        finally:
            tmp.unlink(missing_ok=True)

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


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)
