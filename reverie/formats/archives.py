"""Open untrusted archives (``.docx``, ``.qdpx``, backups) so that a hostile one is refused whole.

Everything is checked from the archive's directory before a single member is unpacked:

- names: no absolute paths (``/x``, ``C:``, ``\\\\server``), no ``..`` that climbs out (zip slip),
  backslashes counted as separators because Windows tools write them;
- kinds: plain files and folders only, never links or devices;
- sizes: how many members, each member's declared size, and the total;
- compression: a member that unpacks to more than ``max_ratio`` times what it takes in the
  archive is a zip bomb. Recordings are already compressed (about 1:1) and text rarely passes
  20:1, so 100:1 refuses bombs and nothing real. Small members are exempt: a few hundred bytes of
  repeated XML can pass 100:1 honestly, and the size caps bound them anyway.

The declared sizes are what :mod:`zipfile` reads up to (it stops at a member's declared size and
checks its CRC), and in a tar they are the bytes that follow the header, so checking them bounds
what unpacking can ever produce. Every refusal raises :class:`~reverie.core.errors.InvalidInput`
naming the user's file and what is wrong.

Why refuse rather than skip the bad members: an archive that needs that was made by something
we cannot trust, and a partial import leaves the researcher believing they have everything.
"""

from __future__ import annotations

import io
import re
import stat
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from reverie.core.errors import InvalidInput

GB = 1 << 30


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps an archive must keep within before anything in it is read.

    The defaults let through a study exported with its recordings (a long video interview is a
    few gigabytes and compresses about 1:1) and refuse bombs; callers pass tighter caps where
    the content is known to be small (a Word transcript).
    """

    max_members: int = 10_000
    max_member_bytes: int = 8 * GB
    max_total_bytes: int = 64 * GB
    max_ratio: int = 100
    # Members (and archives) that unpack to less than this are not held to ``max_ratio``.
    ratio_exempt_bytes: int = 1 << 20


@dataclass(frozen=True)
class Member:
    """What an archive's directory says about one member, before it is unpacked."""

    name: str
    size: int  # declared unpacked size
    packed: int  # bytes it takes in the archive
    kind: Literal["file", "folder", "link", "other"]


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe, or None; backslashes count as separators (Windows zips)."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "a '..' path that leads outside the archive (zip slip)"
    if "\x00" in name:
        return "a name with a NUL character"
    return None


def _ratio(size: int, packed: int) -> float:
    return size / max(packed, 1)


def check_members(members: Iterable[Member], where: str, limits: ArchiveLimits) -> list[Member]:
    """Check every member against ``limits``; returns them, or raises InvalidInput naming
    ``where`` (the user's file) and the first problem found."""
    checked: list[Member] = []
    total = packed = 0
    for member in members:
        if len(checked) >= limits.max_members:
            raise InvalidInput(
                f"Refused {where}: it holds more than {limits.max_members:,} entries, the limit."
            )
        name = member.name
        reason = unsafe_name(name)
        if reason:
            raise InvalidInput(f"Refused {where}: entry {name!r} is {reason}.")
        if member.kind == "link":
            raise InvalidInput(f"Refused {where}: entry {name!r} is a link; only plain files are read.")
        if member.kind == "other":
            raise InvalidInput(
                f"Refused {where}: entry {name!r} is a device or other special file; only plain files are read."
            )
        if member.size > limits.max_member_bytes:
            raise InvalidInput(
                f"Refused {where}: entry {name!r} would unpack to {member.size:,} bytes, more than "
                f"the limit of {limits.max_member_bytes:,} for one entry."
            )
        if member.size > limits.ratio_exempt_bytes and _ratio(member.size, member.packed) > limits.max_ratio:
            raise InvalidInput(
                f"Refused {where}: entry {name!r} unpacks to {_ratio(member.size, member.packed):,.0f} "
                f"times its packed size, more than {limits.max_ratio}:1 (a zip bomb)."
            )
        total += member.size
        packed += member.packed
        if total > limits.max_total_bytes:
            raise InvalidInput(
                f"Refused {where}: it would unpack to more than the limit of "
                f"{limits.max_total_bytes:,} bytes."
            )
        checked.append(member)
    if total > limits.ratio_exempt_bytes and _ratio(total, packed) > limits.max_ratio:
        raise InvalidInput(
            f"Refused {where}: it unpacks to {_ratio(total, packed):,.0f} times its packed size, "
            f"more than {limits.max_ratio}:1 (a zip bomb)."
        )
    return checked


# --- zip ---------------------------------------------------------------------------------------

_UNIX = 3


def _zip_kind(entry: zipfile.ZipInfo) -> Literal["file", "folder", "link", "other"]:
    # Unix zips keep the file's type in the high bits; many writers leave the type out (0).
    kind = stat.S_IFMT(entry.external_attr >> 16) if entry.create_system == _UNIX else 0
    if kind == stat.S_IFLNK:
        return "link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "other"
    return "folder" if entry.is_dir() else "file"


def zip_members(entries: Iterable[zipfile.ZipInfo]) -> Iterator[Member]:
    for entry in entries:
        yield Member(entry.filename, entry.file_size, entry.compress_size, _zip_kind(entry))


class SafeZip:
    """A zip whose every entry has been checked; read members by name.

    Names are looked up case-insensitively because tools disagree on ``Sources/`` versus
    ``sources/``, and two entries that differ only in case are refused: which one a tool reads
    is anyone's guess.
    """

    def __init__(self, zip_file: zipfile.ZipFile, where: str, limits: ArchiveLimits) -> None:
        self._zip = zip_file
        self.where = where
        self.limits = limits
        entries = zip_file.infolist()
        if len(entries) > limits.max_members:
            # Said before the entries are looked at, with the count, since the directory is read.
            raise InvalidInput(
                f"Refused {where}: it holds {len(entries):,} entries, more than the limit of "
                f"{limits.max_members:,}."
            )
        length = _length_of(zip_file.fp)
        for entry in entries:
            # A member cannot take more room than the whole archive: a packed size past it is forged
            # (to pass the ratio check) or the file was cut short, and reading it would run to its end.
            if length is not None and entry.compress_size > length:
                raise InvalidInput(
                    f"Refused {where}: entry {entry.filename!r} declares {entry.compress_size:,} packed bytes "
                    f"but the archive holds only {length:,} (it is damaged or forged)."
                )
        check_members(zip_members(entries), where, limits)
        self._by_folded_name: dict[str, zipfile.ZipInfo] = {}
        for entry in entries:
            if entry.is_dir():
                continue
            folded = entry.filename.replace("\\", "/").casefold()
            if folded in self._by_folded_name:
                raise InvalidInput(f"Refused {where}: entry {entry.filename!r} appears more than once.")
            self._by_folded_name[folded] = entry

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def names(self) -> list[str]:
        """Member names (files only), as stored."""
        return [entry.filename for entry in self._by_folded_name.values()]

    def find(self, name: str) -> str | None:
        """The stored name matching ``name`` regardless of case, or None."""
        entry = self._by_folded_name.get(name.replace("\\", "/").casefold())
        return entry.filename if entry else None

    def read(self, name: str) -> bytes:
        """The bytes of member ``name`` (any case)."""
        entry = self._by_folded_name.get(name.replace("\\", "/").casefold())
        if entry is None:
            raise KeyError(name)
        try:
            return self._zip.read(entry)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
            # RuntimeError: encrypted entry; NotImplementedError: unknown compression.
            raise InvalidInput(
                f"Refused {self.where}: entry {entry.filename!r} cannot be read ({error})."
            ) from None

    def open_nested(self, name: str, limits: ArchiveLimits | None = None) -> SafeZip:
        """Check and open a zip stored inside this one (a ``.docx`` source) under the same rules."""
        return open_zip(io.BytesIO(self.read(name)), f"{self.where}:{name}", limits or self.limits)


def open_zip(source: Path | IO[bytes], where: str, limits: ArchiveLimits = ArchiveLimits()) -> SafeZip:
    """Check a zip (a path or an open binary file) and return it opened, to use in a ``with``;
    refuse it whole when anything is unsafe. ``where`` names the user's file in errors."""
    try:
        zip_file = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise InvalidInput(f"Refused {where}: it is not a zip archive.") from None
    except OSError as error:
        raise InvalidInput(f"Cannot read {where}: {error.strerror or error}.") from None
    try:
        return SafeZip(zip_file, where, limits)
    except InvalidInput:
        zip_file.close()
        raise


def check_zip(source: Path | IO[bytes], where: str, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Refuse an unsafe zip before another library (python-docx) unpacks it."""
    open_zip(source, where, limits).close()


# --- tar ---------------------------------------------------------------------------------------

def _tar_kind(member: tarfile.TarInfo) -> Literal["file", "folder", "link", "other"]:
    if member.issym() or member.islnk():
        return "link"
    if member.isdir():
        return "folder"
    if member.isfile() and not member.issparse():
        return "file"
    return "other"  # devices, FIFOs, and sparse files (which declare more than they hold)


def tar_members(tar: tarfile.TarFile, where: str, limits: ArchiveLimits) -> list[tarfile.TarInfo]:
    """Check every member of an open tar (its headers only, no content is read); returns them.

    An uncompressed tar holds each member's bytes after its header, so a member that declares
    more than the archive holds is damaged, and the compression ratio is about 1:1.
    """
    size = _length(tar)
    infos: list[tarfile.TarInfo] = []

    def described() -> Iterator[Member]:
        for info in tar:
            if size is not None and info.offset_data + info.size > size:
                raise InvalidInput(
                    f"Refused {where}: entry {info.name!r} declares {info.size:,} bytes but the "
                    "archive ends before them (it is damaged or cut short)."
                )
            infos.append(info)
            yield Member(info.name, info.size, info.size, _tar_kind(info))

    try:
        check_members(described(), where, limits)
    except tarfile.TarError as error:
        raise InvalidInput(f"Refused {where}: it is not a readable tar archive ({error}).") from None
    return infos


def _length(tar: tarfile.TarFile) -> int | None:
    return _length_of(tar.fileobj)


def _length_of(handle) -> int | None:
    """How many bytes an open archive file holds, or None when it cannot seek."""
    try:
        here = handle.tell()
        end = handle.seek(0, io.SEEK_END)
        handle.seek(here)
    except (AttributeError, OSError):
        return None
    return end
