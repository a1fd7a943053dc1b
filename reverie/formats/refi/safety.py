"""Open untrusted REFI-QDA files so that a hostile one is refused whole, never half read.

Why refuse rather than sanitise: a project that needs sanitising was made by something we
cannot trust, and an import that silently skips "the bad bits" leaves the researcher with a
study they believe is complete. Every refusal raises
:class:`~reverie.core.errors.InvalidInput` naming the file and the reason.

What is refused: anything that is not a zip; an entry whose name is absolute or climbs out with
``..`` (zip slip; we never extract to disk, but such a name only comes from a crafted file);
more entries or more unpacked bytes than :class:`Limits` allow; XML carrying a DOCTYPE or an
ENTITY declaration (billion laughs, external entities). QDA-XML needs none of these.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from reverie.core.errors import InvalidInput


@dataclass(frozen=True)
class Limits:
    """Caps on what an archive may unpack to; the defaults fit any real project we have seen."""

    max_entries: int = 10_000
    max_unpacked_bytes: int = 2 * 1024**3


DEFAULT_LIMITS = Limits()

# A DOCTYPE may only sit before the root element, but an ENTITY declaration can only live
# inside one; looking for either anywhere is cheap and catches both.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse XML from an untrusted file and return its root; ``where`` names it in errors.

    A byte-order mark is allowed (QualCoder writes one). UTF-16 input is decoded before the
    declaration check so the check cannot be dodged by re-encoding.
    """
    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        probe = data.decode("utf-16", errors="replace").encode("utf-8")
    match = _DECLARATION.search(probe)
    if match:
        kind = match.group(1).decode().upper()
        raise InvalidInput(
            f"Refused {where}: the XML contains a {kind} declaration; REFI-QDA files never "
            "need one, and it is how entity-expansion and external-entity attacks work."
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"Refused {where}: it is not well-formed XML ({error}).") from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput(f"Refused {where}: the XML contains a DOCTYPE declaration.")
    return root


def _unsafe_name(name: str) -> str | None:
    """Why an entry name is unsafe, or None; backslashes count as separators (Windows zips)."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "a '..' path that leads outside the archive (zip slip)"
    return None


class SafeArchive:
    """A zip whose every entry name and total size have been checked; read members by name.

    Names are looked up case-insensitively because tools disagree on ``Sources/`` versus
    ``sources/``.
    """

    def __init__(self, zip_file: zipfile.ZipFile, where: str, limits: Limits) -> None:
        self._zip = zip_file
        self.where = where
        entries = zip_file.infolist()
        if len(entries) > limits.max_entries:
            raise InvalidInput(
                f"Refused {where}: it holds {len(entries):,} entries, more than the limit of "
                f"{limits.max_entries:,}."
            )
        unpacked = 0
        for entry in entries:
            reason = _unsafe_name(entry.filename)
            if reason:
                raise InvalidInput(f"Refused {where}: entry {entry.filename!r} is {reason}.")
            unpacked += entry.file_size
        # zipfile stops reading an entry at its declared size, so the declared sizes bound
        # what we can ever unpack.
        if unpacked > limits.max_unpacked_bytes:
            raise InvalidInput(
                f"Refused {where}: it would unpack to {unpacked:,} bytes, more than the limit "
                f"of {limits.max_unpacked_bytes:,}."
            )
        self._by_folded_name: dict[str, zipfile.ZipInfo] = {}
        for entry in entries:
            if entry.is_dir():
                continue
            folded = entry.filename.replace("\\", "/").casefold()
            if folded in self._by_folded_name:
                # Two members for one name: which one a tool reads is anyone's guess.
                raise InvalidInput(
                    f"Refused {where}: entry {entry.filename!r} appears more than once."
                )
            self._by_folded_name[folded] = entry

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc_info: object) -> None:
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
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            # RuntimeError: encrypted entry; NotImplementedError: unknown compression.
            raise InvalidInput(
                f"Refused {self.where}: entry {entry.filename!r} cannot be read ({error})."
            ) from None

    def open_nested(self, name: str, limits: Limits) -> SafeArchive:
        """Check and open a zip stored inside this one (a ``.docx`` source) under the same rules."""
        return open_zip_bytes(self.read(name), f"{self.where}:{name}", limits)


def _open_zip(source: Path | io.BytesIO, where: str, limits: Limits) -> SafeArchive:
    try:
        zip_file = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise InvalidInput(f"Refused {where}: it is not a zip archive.") from None
    except OSError as error:
        raise InvalidInput(f"Cannot read {where}: {error.strerror or error}.") from None
    try:
        return SafeArchive(zip_file, where, limits)
    except InvalidInput:
        zip_file.close()
        raise


def open_zip_bytes(data: bytes, where: str, limits: Limits = DEFAULT_LIMITS) -> SafeArchive:
    """Check an in-memory zip and return it opened; refuse it whole when anything is unsafe."""
    return _open_zip(io.BytesIO(data), where, limits)


def open_archive(path: Path, limits: Limits = DEFAULT_LIMITS) -> SafeArchive:
    """Check a ``.qdpx`` on disk and return it opened (use it in a ``with``); refuse it whole
    when anything is unsafe."""
    return _open_zip(path, path.name, limits)
