"""Read REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) as other tools really write them.

Imports repair and warn rather than refuse, because every producer bends the standard somewhere
(the real exports the tests read are listed in ``refi-qda/samples/SOURCES.md`` of the shared test data): ``Sources/``
or ``sources/``; byte-order marks and CRLF in text files; an empty ``.txt`` with the text only
in the ``.docx``; text paths without ``internal://``; offsets in UTF-16 units; an empty
``<Sets/>``. Each repair and each thing dropped is listed in the :class:`ImportReport`, so the
researcher can see what the file said and what Reverie made of it. Unsafe files are another
matter: :mod:`~reverie.formats.archives` and :mod:`~reverie.formats.refi.safety` refuse them whole.

The reader adds nothing of its own: no user, no note, no case that the file did not hold.
Offsets come out as code points into LF-normalised text (see :mod:`~reverie.formats.refi.text`).
Text is not NFC-normalised here, since that would move offsets again; the report warns when a
text is not NFC so the study layer re-anchors while normalising.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import TypeVar

from charset_normalizer import from_bytes
from lxml import etree

from reverie.core.errors import InvalidInput
from reverie.formats.archives import ArchiveLimits, SafeZip, open_zip
from reverie.formats.refi.model import (
    Case,
    Code,
    Coding,
    Note,
    PlainTextSelection,
    QdaProject,
    Set,
    TextSource,
    User,
    Value,
    Variable,
    VariableType,
    VariableValue,
)
from reverie.formats.refi.safety import parse_xml
from reverie.formats.refi.text import (
    OffsetConvention,
    OffsetUnit,
    SourceText,
    detect_convention,
)
from reverie.formats.refi.validate import Schema, schema_problems

_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})\}?$")
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_INTERNAL = "internal://"
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SHOWN_SCHEMA_PROBLEMS = 5
# Reverie's own records travel in this folder; the REFI-QDA reader leaves them to Reverie.
_OWN_PART = "reverie/"
_PATH_ATTRIBUTES = ("plainTextPath", "richTextPath", "path")
_T = TypeVar("_T")


@dataclass
class ImportReport:
    """What an import changed, dropped or could not decide, for the researcher to read.

    ``offset_conventions`` maps each text source's GUID to how its offsets were counted;
    ``unlinked_sources`` lists the GUIDs of sources that no case links to (in Reverie they
    become documents without a participant).
    """

    file: str
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    offset_conventions: dict[str, OffsetConvention] = field(default_factory=dict)
    unlinked_sources: list[str] = field(default_factory=list)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Children named ``name`` in any namespace: some producers omit or misspell it."""
    return (child for child in element if _local(child) == name)


def _first(element: etree._Element, name: str) -> etree._Element | None:
    return next(_children(element, name), None)


def _each(
    parent: etree._Element | None, tag: str, read: Callable[[etree._Element], _T | None]
) -> tuple[_T, ...]:
    """``read`` applied to each child ``tag`` of ``parent``, leaving out what it skipped."""
    if parent is None:
        return ()
    found = (read(child) for child in _children(parent, tag))
    return tuple(item for item in found if item is not None)


def _description(element: etree._Element) -> str | None:
    found = _first(element, "Description")
    return None if found is None else found.text or ""


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text of a file and, when it needed one, the repair made to read it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "removed a UTF-8 byte-order mark"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "read as UTF-16 (it had a UTF-16 byte-order mark)"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        guess = from_bytes(data).best()
        encoding = guess.encoding if guess else "cp1252"
        return data.decode(encoding, errors="replace"), f"not UTF-8; read as {encoding}"


class _Reading:
    """State shared while one file is read: the report, GUIDs seen, things left out."""

    def __init__(self, report: ImportReport, root: etree._Element) -> None:
        self.report = report
        self.seen: set[str] = set()
        self.ignored: Counter[str] = Counter()
        self.renamed_guids = 0
        # GUIDs that references may point at, gathered first: notes come after the sources
        # that refer to them, so a single pass could not tell a dangling reference.
        self.known: dict[str, set[str]] = {}
        for element in root.iter():
            guid = self.guid_of(element.get("guid"))
            if guid:
                self.known.setdefault(_local(element), set()).add(guid)

    def guid_of(self, raw: str | None) -> str | None:
        """Lower case without braces, so references compare with ``==``; None if malformed."""
        match = _GUID.match(raw.strip()) if raw else None
        return match.group(1).lower() if match else None

    def claim(self, element: etree._Element, what: str) -> str | None:
        """The object's normalised GUID, or None (and a warning) if it must be skipped."""
        raw = element.get("guid")
        guid = self.guid_of(raw)
        if guid is None:
            self.report.warnings.append(f"Skipped a {what} whose GUID {raw!r} is not valid.")
            return None
        if guid in self.seen:
            self.report.warnings.append(f"Skipped a second {what} with GUID {guid}.")
            return None
        self.seen.add(guid)
        if raw != guid:
            self.renamed_guids += 1
        return guid

    def ref(self, raw: str | None, kind: str, where: str) -> str | None:
        """A reference to an object of element kind ``kind``, or None if it resolves nowhere."""
        if raw is None:
            return None
        guid = self.guid_of(raw)
        if guid is not None and guid in self.known.get(kind, set()):
            if raw != guid:
                self.renamed_guids += 1
            return guid
        self.report.warnings.append(
            f"Dropped a reference from {where} to {kind} {raw}, which is not in the file."
        )
        return None

    def refs(self, element: etree._Element, tag: str, kind: str, where: str) -> tuple[str, ...]:
        """The resolvable ``targetGUID`` of each child ``tag``."""
        found = (
            self.ref(child.get("targetGUID"), kind, where) for child in _children(element, tag)
        )
        return tuple(guid for guid in found if guid)

    def when(
        self, element: etree._Element, where: str, attribute: str = "creationDateTime"
    ) -> datetime | None:
        """The ``creationDateTime`` (or ``attribute``) of ``element``; dropped with a warning
        when unreadable."""
        value = element.get(attribute)
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            self.report.warnings.append(f"{where}: dropped the unreadable time {value!r}.")
            return None

    def ignore_others(self, element: etree._Element, *known: str) -> None:
        """Count children we do not model, for one summary warning at the end."""
        for child in element:
            name = _local(child)
            if name and name not in known:
                self.ignored[name] += 1

    def finish(self) -> None:
        if self.renamed_guids:
            self.report.repairs.append(
                f"Put {self.renamed_guids} GUID(s) in lower case without braces so that "
                "references match."
            )
        if self.ignored:
            listed = ", ".join(f"{count} <{name}>" for name, count in sorted(self.ignored.items()))
            self.report.warnings.append(f"Left out what Reverie does not read: {listed}.")


def _code(reading: _Reading, element: etree._Element) -> Code | None:
    guid = reading.claim(element, "code")
    if guid is None:
        return None
    name = element.get("name") or ""
    color = element.get("color")
    if color is not None and not _RGB.match(color.strip()):
        reading.report.warnings.append(f"Dropped colour {color!r} of code {name!r}: not #rrggbb.")
        color = None
    children = (_code(reading, child) for child in _children(element, "Code"))
    reading.ignore_others(element, "Description", "NoteRef", "Code")
    return Code(
        guid=guid,
        name=name,
        color=color.strip() if color else None,
        description=_description(element),
        is_codable=element.get("isCodable", "true").strip() in ("true", "1"),
        children=tuple(child for child in children if child),
        note_refs=reading.refs(element, "NoteRef", "Note", f"code {name!r}"),
    )


def _typed_value(element: etree._Element) -> Value | None:
    """The value of a ``VariableValue``; raises ValueError when its text does not parse."""
    for child in element:
        kind, text = _local(child), (child.text or "").strip()
        match kind:
            case "TextValue":
                return child.text or ""
            case "BooleanValue":
                if text not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                return text in ("true", "1")
            case "IntegerValue":
                return int(text)
            case "FloatValue":
                try:
                    return Decimal(text)
                except InvalidOperation:
                    raise ValueError(text) from None
            case "DateValue":
                return date.fromisoformat(text)
            case "DateTimeValue":
                return datetime.fromisoformat(text)
    return None


def _values(reading: _Reading, element: etree._Element, where: str) -> tuple[VariableValue, ...]:
    values = []
    for child in _children(element, "VariableValue"):
        ref = _first(child, "VariableRef")
        guid = reading.ref(None if ref is None else ref.get("targetGUID"), "Variable", where)
        if guid is None:
            continue
        try:
            values.append(VariableValue(guid, _typed_value(child)))
        except ValueError as error:
            reading.report.warnings.append(f"Dropped the unreadable value {error} of {where}.")
    return tuple(values)


def _codings(reading: _Reading, element: etree._Element, where: str) -> tuple[Coding, ...]:
    codings = []
    for child in _children(element, "Coding"):
        guid = reading.claim(child, "coding")
        code_ref = _first(child, "CodeRef")
        code = reading.ref(None if code_ref is None else code_ref.get("targetGUID"), "Code", where)
        if guid is None or code is None:
            continue
        codings.append(
            Coding(
                guid=guid,
                code_guid=code,
                creating_user=reading.ref(child.get("creatingUser"), "User", where),
                created=reading.when(child, where),
                note_refs=reading.refs(child, "NoteRef", "Note", where),
            )
        )
    return tuple(codings)


class _ProjectReader:
    """Reads one ``project.qde`` together with the text files of its archive."""

    def __init__(
        self, archive: SafeZip, report: ImportReport, root: etree._Element
    ) -> None:
        self.archive = archive
        self.report = report
        self.reading = _Reading(report, root)

    # Text of sources and notes -------------------------------------------------------------

    def _member(self, path: str | None, owner: str) -> str | None:
        """The archive member a ``plainTextPath``/``richTextPath`` names, or None (warned)."""
        if not path:
            return None
        name = path[len(_INTERNAL) :] if path.startswith(_INTERNAL) else path
        if "://" in name:
            self.report.warnings.append(
                f"{owner}: its text is outside the archive ({path}); Reverie does not read it."
            )
            return None
        for candidate in (f"sources/{name}", name):
            member = self.archive.find(candidate)
            if member:
                if not path.startswith(_INTERNAL):
                    self.report.repairs.append(
                        f"{owner}: path {path!r} lacked 'internal://'; found it as {member}."
                    )
                return member
        self.report.warnings.append(f"{owner}: {path!r} is not in the archive.")
        return None

    def _docx_text(self, member: str) -> str:
        """Paragraph text of a ``.docx``, one paragraph a line, read under the same safety rules."""
        with self.archive.open_nested(member) as docx:
            body = docx.find("word/document.xml")
            if body is None:
                return ""
            root = parse_xml(docx.read(body), f"{self.archive.where}:{member}")
        paragraphs = []
        for paragraph in root.iter(f"{_WORD}p"):
            parts = []
            for node in paragraph.iter(f"{_WORD}t", f"{_WORD}tab", f"{_WORD}br", f"{_WORD}cr"):
                tag = _local(node)
                parts.append(node.text or "" if tag == "t" else "\t" if tag == "tab" else "\n")
            paragraphs.append("".join(parts))
        return "\n".join(paragraphs)

    def _text(self, element: etree._Element, owner: str) -> str:
        """A source's or note's original text (before line-end normalisation)."""
        inline = _first(element, "PlainTextContent")
        if inline is not None:
            return inline.text or ""
        text = ""
        plain = self._member(element.get("plainTextPath"), owner)
        if plain:
            text, repair = _decode(self.archive.read(plain))
            if repair:
                self.report.repairs.append(f"{owner}: {plain} {repair}.")
        if text.strip():
            return text
        rich = element.get("richTextPath")
        docx = self._member(rich, owner) if rich and rich.lower().endswith(".docx") else None
        from_docx = self._docx_text(docx) if docx else ""
        if from_docx.strip():
            self.report.repairs.append(
                f"{owner}: the plain text was empty; took the text from {docx}."
            )
            return from_docx
        self.report.warnings.append(
            f"{owner}: has no text (nothing in its plain-text file"
            + (f" nor in {docx})." if docx else ").")
        )
        return text

    # Objects -------------------------------------------------------------------------------

    def _selections(
        self, element: etree._Element, source: SourceText, where: str
    ) -> tuple[tuple[PlainTextSelection, ...], OffsetConvention]:
        raw = []
        for child in _children(element, "PlainTextSelection"):
            try:
                raw.append(
                    (child, int(child.get("startPosition", "")), int(child.get("endPosition", "")))
                )
            except ValueError:
                self.report.warnings.append(
                    f"{where}: dropped a selection without numeric positions."
                )
        convention = detect_convention(source, [(start, end) for _, start, end in raw])
        selections, moved = [], 0
        for child, start, end in raw:
            first = source.map_offset(start, convention.unit, convention.crlf_counts_two)
            last = source.map_offset(end, convention.unit, convention.crlf_counts_two)
            guid = self.reading.claim(child, "selection")
            if guid is None:
                continue
            if first is None or last is None or first.index > last.index:
                self.report.warnings.append(
                    f"{where}: dropped selection {guid} ({start} to {end}), which lies outside "
                    "the text."
                )
                continue
            moved += not (first.clean and last.clean)
            selections.append(
                PlainTextSelection(
                    guid=guid,
                    start=first.index,
                    end=last.index,
                    name=child.get("name"),
                    description=_description(child),
                    creating_user=self.reading.ref(child.get("creatingUser"), "User", where),
                    created=self.reading.when(child, where),
                    codings=_codings(self.reading, child, where),
                    note_refs=self.reading.refs(child, "NoteRef", "Note", where),
                    modifying_user=self.reading.ref(child.get("modifyingUser"), "User", where),
                    modified=self.reading.when(child, where, "modifiedDateTime"),
                )
            )
            self.reading.ignore_others(child, "Description", "Coding", "NoteRef")
        if moved:
            self.report.repairs.append(
                f"{where}: {moved} selection(s) had an end inside a character or a CRLF; moved "
                "that end to the start of the character or line end."
            )
        return tuple(selections), convention

    def _source(self, element: etree._Element) -> TextSource | None:
        guid = self.reading.claim(element, "text source")
        if guid is None:
            return None
        plain_path = element.get("plainTextPath")
        name = element.get("name")
        if not name:
            name = PurePosixPath(plain_path).stem if plain_path else guid
            self.report.repairs.append(f"Source {guid} had no name; called it {name!r}.")
        where = f"source {name!r}"
        source_text = SourceText(self._text(element, where))
        selections, convention = self._selections(element, source_text, where)
        self.report.offset_conventions[guid] = convention
        if source_text.has_crlf:
            self.report.repairs.append(
                f"{where}: turned CRLF line ends into LF and moved offsets to match."
            )
        if convention.unit is OffsetUnit.UTF16:
            self.report.repairs.append(
                f"{where}: offsets were counted in UTF-16 code units; converted to code points "
                f"({convention.evidence})."
            )
        if source_text.has_crlf and not convention.crlf_counts_two:
            self.report.repairs.append(f"{where}: offsets counted each CRLF as one character.")
        if not unicodedata.is_normalized("NFC", source_text.text):
            self.report.warnings.append(f"{where}: text is not in Unicode NFC form.")
        self.reading.ignore_others(
            element,
            "Description",
            "PlainTextContent",
            "PlainTextSelection",
            "Coding",
            "NoteRef",
            "VariableValue",
        )
        return TextSource(
            guid=guid,
            name=name,
            text=source_text.text,
            plain_text_path=plain_path,
            rich_text_path=element.get("richTextPath"),
            creating_user=self.reading.ref(element.get("creatingUser"), "User", where),
            created=self.reading.when(element, where),
            description=_description(element),
            selections=selections,
            codings=_codings(self.reading, element, where),
            variable_values=_values(self.reading, element, where),
            note_refs=self.reading.refs(element, "NoteRef", "Note", where),
            modifying_user=self.reading.ref(element.get("modifyingUser"), "User", where),
            modified=self.reading.when(element, where, "modifiedDateTime"),
            rich_text=self._rich_text(element.get("richTextPath")),
        )

    def _rich_text(self, path: str | None) -> bytes | None:
        """The bytes of the rich-text document ``path`` names, kept to be written back; None if
        the archive lacks it (``_text`` has said so already)."""
        if not path:
            return None
        name = path[len(_INTERNAL) :] if path.startswith(_INTERNAL) else path
        if "://" in name:
            return None
        member = self.archive.find(f"sources/{name}") or self.archive.find(name)
        return None if member is None else self.archive.read(member)

    def _note(self, element: etree._Element) -> Note | None:
        guid = self.reading.claim(element, "note")
        if guid is None:
            return None
        where = f"note {element.get('name') or guid!r}"
        self.reading.ignore_others(element, "Description", "PlainTextContent")
        return Note(
            guid=guid,
            name=element.get("name"),
            text=SourceText(self._text(element, where)).text,
            creating_user=self.reading.ref(element.get("creatingUser"), "User", where),
            created=self.reading.when(element, where),
            description=_description(element),
            modifying_user=self.reading.ref(element.get("modifyingUser"), "User", where),
            modified=self.reading.when(element, where, "modifiedDateTime"),
        )

    def _variable(self, element: etree._Element) -> Variable | None:
        guid = self.reading.claim(element, "variable")
        if guid is None:
            return None
        name = element.get("name") or ""
        try:
            kind = VariableType((element.get("typeOfVariable") or "").strip())
        except ValueError:
            self.report.repairs.append(
                f"Variable {name!r} has unknown type {element.get('typeOfVariable')!r}; "
                "read it as Text."
            )
            kind = VariableType.TEXT
        return Variable(
            guid=guid, name=name, type_of_variable=kind, description=_description(element)
        )

    def _case(self, element: etree._Element) -> Case | None:
        guid = self.reading.claim(element, "case")
        if guid is None:
            return None
        where = f"case {element.get('name') or guid!r}"
        self.reading.ignore_others(element, "Description", "VariableValue", "SourceRef")
        return Case(
            guid=guid,
            name=element.get("name"),
            description=_description(element),
            variable_values=_values(self.reading, element, where),
            source_refs=self.reading.refs(element, "SourceRef", "TextSource", where),
        )

    def _set(self, element: etree._Element) -> Set | None:
        guid = self.reading.claim(element, "set")
        if guid is None:
            return None
        name = element.get("name") or ""
        where = f"set {name!r}"
        return Set(
            guid=guid,
            name=name,
            description=_description(element),
            member_codes=self.reading.refs(element, "MemberCode", "Code", where),
            member_sources=self.reading.refs(element, "MemberSource", "TextSource", where),
            member_notes=self.reading.refs(element, "MemberNote", "Note", where),
        )

    def project(self, root: etree._Element) -> QdaProject:
        reading = self.reading

        def user(element: etree._Element) -> User | None:
            guid = reading.claim(element, "user")
            return User(guid, element.get("name"), element.get("id")) if guid else None

        codebook = _first(root, "CodeBook")
        codes = _each(
            None if codebook is None else _first(codebook, "Codes"),
            "Code",
            lambda e: _code(reading, e),
        )
        sources_element = _first(root, "Sources")
        if sources_element is not None:
            reading.ignore_others(sources_element, "TextSource")
        project = QdaProject(
            name=root.get("name") or "",
            origin=root.get("origin"),
            creating_user=reading.ref(root.get("creatingUserGUID"), "User", "the project"),
            created=reading.when(root, "the project"),
            description=_description(root),
            users=_each(_first(root, "Users"), "User", user),
            codes=codes,
            variables=_each(_first(root, "Variables"), "Variable", self._variable),
            cases=_each(_first(root, "Cases"), "Case", self._case),
            sources=_each(sources_element, "TextSource", self._source),
            notes=_each(_first(root, "Notes"), "Note", self._note),
            sets=_each(_first(root, "Sets"), "Set", self._set),
            note_refs=reading.refs(root, "NoteRef", "Note", "the project"),
            modifying_user=reading.ref(root.get("modifyingUserGUID"), "User", "the project"),
            modified=reading.when(root, "the project", "modifiedDateTime"),
            base_path=root.get("basePath"),
        )
        reading.ignore_others(
            root,
            "Users",
            "CodeBook",
            "Variables",
            "Cases",
            "Sources",
            "Notes",
            "Sets",
            "Description",
            "NoteRef",
        )
        linked = {guid for case in project.cases for guid in case.source_refs}
        self.report.unlinked_sources.extend(s.guid for s in project.sources if s.guid not in linked)
        reading.finish()
        return project


def _schema_warning(report: ImportReport, root: etree._Element, schema: Schema, where: str) -> None:
    problems = schema_problems(root, schema, limit=_SHOWN_SCHEMA_PROBLEMS)
    if problems:
        report.warnings.append(
            f"{where} does not follow the REFI-QDA schema (read anyway): " + "; ".join(problems)
        )


def _unreferenced_members(archive: SafeZip, root: etree._Element, qde: str) -> list[str]:
    """Archive members that no path in the project names (``sources/.root`` from NVivo Mac)."""
    named = {qde.casefold()}
    for element in root.iter():
        for attribute in _PATH_ATTRIBUTES:
            path = element.get(attribute)
            if path:
                name = path.removeprefix(_INTERNAL)
                named.update((name.casefold(), f"sources/{name}".casefold()))
    return [
        name
        for name in archive.names
        if name.replace("\\", "/").casefold() not in named and not name.startswith(_OWN_PART)
    ]


def read_qdpx(
    path: str | os.PathLike[str], limits: ArchiveLimits = ArchiveLimits()
) -> tuple[QdaProject, ImportReport]:
    """Read a REFI-QDA project archive, repairing what real exports get wrong.

    Raises InvalidInput, naming the file and the reason, when the archive is unsafe (see
    :mod:`~reverie.formats.archives`; ``limits`` caps it) or holds no readable ``project.qde``.
    """
    path = Path(path)
    report = ImportReport(path.name)
    with open_zip(path, path.name, limits) as archive:
        member = archive.find("project.qde") or next(
            (name for name in archive.names if name.lower().endswith(".qde") and "/" not in name),
            None,
        )
        if member is None:
            raise InvalidInput(f"Cannot import {path.name}: it holds no project.qde.")
        where = f"{path.name}:{member}"
        root = parse_xml(archive.read(member), where)
        if _local(root) != "Project":
            raise InvalidInput(
                f"Cannot import {where}: its root is <{_local(root)}>, not <Project>."
            )
        _schema_warning(report, root, Schema.PROJECT, member)
        project = _ProjectReader(archive, report, root).project(root)
        unreferenced = _unreferenced_members(archive, root, member)
    if unreferenced:
        report.warnings.append(
            "Left out archive members that nothing in the project refers to: "
            + ", ".join(unreferenced)
            + "."
        )
    return project, report


def read_qdc(
    path: str | os.PathLike[str], limits: ArchiveLimits = ArchiveLimits()
) -> tuple[QdaProject, ImportReport]:
    """Read a REFI-QDA codebook; the project returned holds only ``codes`` and ``sets``.

    The project is named after the file, since a codebook has no name of its own.
    """
    path = Path(path)
    report = ImportReport(path.name)
    try:
        size = path.stat().st_size
        if size > limits.max_member_bytes:
            raise InvalidInput(
                f"Refused {path.name}: it is {size:,} bytes, more than the limit of "
                f"{limits.max_member_bytes:,}."
            )
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"Cannot read {path.name}: {error.strerror or error}.") from None
    root = parse_xml(data, path.name)
    if _local(root) != "CodeBook":
        raise InvalidInput(
            f"Cannot import {path.name}: its root is <{_local(root)}>, not <CodeBook>."
        )
    _schema_warning(report, root, Schema.CODEBOOK, path.name)
    reading = _Reading(report, root)
    codes = _each(_first(root, "Codes"), "Code", lambda element: _code(reading, element))
    sets_element = _first(root, "Sets")
    if sets_element is not None and _first(sets_element, "Set") is None:
        report.repairs.append("Ignored an empty <Sets/> (Taguette writes one).")

    def codebook_set(element: etree._Element) -> Set | None:
        guid = reading.claim(element, "set")
        if guid is None:
            return None
        name = element.get("name") or ""
        # The codebook schema names the attribute "guid"; accept the project schema's too.
        members = (
            reading.ref(child.get("guid") or child.get("targetGUID"), "Code", f"set {name!r}")
            for child in _children(element, "MemberCode")
        )
        return Set(guid, name, _description(element), tuple(m for m in members if m))

    sets = _each(sets_element, "Set", codebook_set)
    reading.ignore_others(root, "Codes", "Sets")
    reading.finish()
    return QdaProject(name=path.stem, origin=root.get("origin"), codes=codes, sets=sets), report
