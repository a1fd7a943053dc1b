"""Write a :class:`QdaProject` as a REFI-QDA project (``.qdpx``) or codebook (``.qdc``).

Exports are strict where imports are forgiving: a file we hand to another tool must validate
against the official schema and must also pass the checks the schema cannot express (see
:mod:`reverie.formats.refi.validate`). Anything wrong raises
:class:`~reverie.core.errors.InvalidInput` listing the problems. The writers return the file's
bytes; the service that exports writes them (whole or not at all) and records the export.

Output is deterministic: objects in model order, attributes in a fixed order, zip entries with a
fixed timestamp. Export → import → export therefore gives byte-identical files.

Text goes into ``sources/<guid>.txt`` (UTF-8, no byte-order mark, LF line ends) and is
referenced as ``internal://<guid>.txt``; selection offsets are Unicode code points into it, as
the standard says. Notes are written inline (``PlainTextContent``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath

from lxml import etree

from reverie.core.errors import InvalidInput
from reverie.formats.refi.model import (
    Code,
    Coding,
    Note,
    QdaProject,
    TextSource,
    Value,
    VariableValue,
)
from reverie.formats.refi.validate import (
    CODEBOOK_NS,
    PROJECT_NS,
    Schema,
    integrity_problems,
    schema_problems,
)

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_PROJECT_LOCATION = f"{PROJECT_NS} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
_CODEBOOK_LOCATION = (
    f"{CODEBOOK_NS} http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
)
# Zip timestamps are part of the bytes; a fixed one keeps exports reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SHOWN_PROBLEMS = 20


def _datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if value.utcoffset() == timedelta(0) else text


def _value_element(value: Value) -> tuple[str, str]:
    """The ``VariableValue`` choice element and its text; the order of checks matters."""
    if isinstance(value, bool):
        return "BooleanValue", "true" if value else "false"
    if isinstance(value, int):
        return "IntegerValue", str(value)
    if isinstance(value, Decimal):
        return "FloatValue", format(value, "f")  # xsd:decimal has no exponent form
    if isinstance(value, datetime):
        return "DateTimeValue", _datetime(value) or ""
    if isinstance(value, date):
        return "DateValue", value.isoformat()
    return "TextValue", value


def source_member(source: TextSource) -> str:
    """Where a source's text lives inside the ``.qdpx`` we write."""
    return f"sources/{source.guid}.txt"


def rich_member(source: TextSource) -> str | None:
    """Where a source's rich-text document lives inside the ``.qdpx`` we write (its suffix kept)."""
    if source.rich_text is None:
        return None
    suffix = PurePosixPath(source.rich_text_path or "").suffix.lower()
    return f"sources/{source.guid}{suffix if suffix[1:].isalnum() else ''}"


class _Tree:
    """Builds elements in one namespace, skipping attributes whose value is None."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def root(self, tag: str, location: str, **attributes: str | None) -> etree._Element:
        root = etree.Element(
            f"{{{self.namespace}}}{tag}", nsmap={None: self.namespace, "xsi": _XSI}
        )
        root.set(f"{{{_XSI}}}schemaLocation", location)
        self._set(root, attributes)
        return root

    def add(
        self, parent: etree._Element, tag: str, text: str | None = None, **attributes: str | None
    ) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.namespace}}}{tag}")
        self._set(element, attributes)
        if text is not None:
            element.text = text
        return element

    def refs(self, parent: etree._Element, tag: str, guids: Iterable[str]) -> None:
        for guid in guids:
            self.add(parent, tag, targetGUID=guid)

    @staticmethod
    def _set(element: etree._Element, attributes: dict[str, str | None]) -> None:
        for name, value in attributes.items():
            if value is not None:
                element.set(name, value)


def _code(tree: _Tree, parent: etree._Element, code: Code, *, with_notes: bool) -> None:
    element = tree.add(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.is_codable else "false",
        color=code.color,
    )
    if code.description is not None:
        tree.add(element, "Description", code.description)
    if with_notes:
        tree.refs(element, "NoteRef", code.note_refs)
    for child in code.children:
        _code(tree, element, child, with_notes=with_notes)


def _values(tree: _Tree, parent: etree._Element, values: Iterable[VariableValue]) -> None:
    for value in values:
        element = tree.add(parent, "VariableValue")
        tree.add(element, "VariableRef", targetGUID=value.variable_guid)
        if value.value is not None:
            tag, text = _value_element(value.value)
            tree.add(element, tag, text)


def _coding(tree: _Tree, parent: etree._Element, coding: Coding) -> None:
    element = tree.add(
        parent,
        "Coding",
        guid=coding.guid,
        creatingUser=coding.creating_user,
        creationDateTime=_datetime(coding.created),
    )
    tree.add(element, "CodeRef", targetGUID=coding.code_guid)
    tree.refs(element, "NoteRef", coding.note_refs)


def _source(tree: _Tree, parent: etree._Element, source: TextSource) -> None:
    rich = rich_member(source)
    element = tree.add(
        parent,
        "TextSource",
        guid=source.guid,
        name=source.name,
        plainTextPath=f"internal://{source.guid}.txt",
        richTextPath=None if rich is None else "internal://" + rich.removeprefix("sources/"),
        creatingUser=source.creating_user,
        creationDateTime=_datetime(source.created),
        modifyingUser=source.modifying_user,
        modifiedDateTime=_datetime(source.modified),
    )
    if source.description is not None:
        tree.add(element, "Description", source.description)
    for selection in source.selections:
        chosen = tree.add(
            element,
            "PlainTextSelection",
            guid=selection.guid,
            name=selection.name,
            startPosition=str(selection.start),
            endPosition=str(selection.end),
            creatingUser=selection.creating_user,
            creationDateTime=_datetime(selection.created),
            modifyingUser=selection.modifying_user,
            modifiedDateTime=_datetime(selection.modified),
        )
        if selection.description is not None:
            tree.add(chosen, "Description", selection.description)
        for coding in selection.codings:
            _coding(tree, chosen, coding)
        tree.refs(chosen, "NoteRef", selection.note_refs)
    for coding in source.codings:
        _coding(tree, element, coding)
    tree.refs(element, "NoteRef", source.note_refs)
    _values(tree, element, source.variable_values)


def _note(tree: _Tree, parent: etree._Element, note: Note) -> None:
    element = tree.add(
        parent,
        "Note",
        guid=note.guid,
        name=note.name,
        creatingUser=note.creating_user,
        creationDateTime=_datetime(note.created),
        modifyingUser=note.modifying_user,
        modifiedDateTime=_datetime(note.modified),
    )
    if note.description is not None:
        tree.add(element, "Description", note.description)
    tree.add(element, "PlainTextContent", note.text)


def project_xml(project: QdaProject) -> etree._Element:
    """The ``project.qde`` tree for ``project``, unchecked (the writers check it)."""
    tree = _Tree(PROJECT_NS)
    root = tree.root(
        "Project",
        _PROJECT_LOCATION,
        name=project.name,
        origin=project.origin,
        creatingUserGUID=project.creating_user,
        creationDateTime=_datetime(project.created),
        modifyingUserGUID=project.modifying_user,
        modifiedDateTime=_datetime(project.modified),
        basePath=project.base_path,
    )
    if project.users:
        users = tree.add(root, "Users")
        for user in project.users:
            tree.add(users, "User", guid=user.guid, name=user.name, id=user.id)
    if project.codes:
        codes = tree.add(tree.add(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code(tree, codes, code, with_notes=True)
    if project.variables:
        variables = tree.add(root, "Variables")
        for variable in project.variables:
            element = tree.add(
                variables,
                "Variable",
                guid=variable.guid,
                name=variable.name,
                typeOfVariable=str(variable.type_of_variable),
            )
            if variable.description is not None:
                tree.add(element, "Description", variable.description)
    if project.cases:
        cases = tree.add(root, "Cases")
        for case in project.cases:
            element = tree.add(cases, "Case", guid=case.guid, name=case.name)
            if case.description is not None:
                tree.add(element, "Description", case.description)
            _values(tree, element, case.variable_values)
            tree.refs(element, "SourceRef", case.source_refs)
    if project.sources:
        sources = tree.add(root, "Sources")
        for source in project.sources:
            _source(tree, sources, source)
    if project.notes:
        notes = tree.add(root, "Notes")
        for note in project.notes:
            _note(tree, notes, note)
    if project.sets:
        sets = tree.add(root, "Sets")
        for item in project.sets:
            element = tree.add(sets, "Set", guid=item.guid, name=item.name)
            if item.description is not None:
                tree.add(element, "Description", item.description)
            tree.refs(element, "MemberCode", item.member_codes)
            tree.refs(element, "MemberSource", item.member_sources)
            tree.refs(element, "MemberNote", item.member_notes)
    if project.description is not None:
        tree.add(root, "Description", project.description)
    tree.refs(root, "NoteRef", project.note_refs)
    return root


def codebook_xml(project: QdaProject) -> etree._Element:
    """The ``.qdc`` tree for ``project``'s codes and sets, unchecked (the writers check it).

    A codebook holds codes only: notes on codes and the source or note members of sets have no
    place in it and are left out.
    """
    tree = _Tree(CODEBOOK_NS)
    root = tree.root("CodeBook", _CODEBOOK_LOCATION, origin=project.origin)
    codes = tree.add(root, "Codes")
    for code in project.codes:
        _code(tree, codes, code, with_notes=False)
    if project.sets:
        sets = tree.add(root, "Sets")
        for item in project.sets:
            element = tree.add(sets, "Set", guid=item.guid, name=item.name)
            if item.description is not None:
                tree.add(element, "Description", item.description)
            for guid in item.member_codes:
                tree.add(element, "MemberCode", guid=guid)
    return root


def _checked_bytes(
    build: Callable[[QdaProject], etree._Element],
    project: QdaProject,
    schema: Schema,
    name: str,
) -> bytes:
    """Build, validate and serialise, or raise listing every problem found."""
    try:
        root = build(project)
    except ValueError as error:  # lxml refuses control characters that XML cannot carry
        raise InvalidInput(f"Cannot export {name}: {error}.") from None
    problems = integrity_problems(project, codebook_only=schema is Schema.CODEBOOK)
    problems += schema_problems(root, schema)
    if problems:
        shown = "; ".join(problems[:_SHOWN_PROBLEMS])
        more = len(problems) - _SHOWN_PROBLEMS
        tail = f"; and {more} more" if more > 0 else ""
        raise InvalidInput(
            f"Cannot export {name}: {len(problems)} problem(s): {shown}{tail}."
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


#: Deflate level of every archive member: level 6 takes three times as long as level 1 on
#: transcripts and carried rows for a file about a tenth smaller, and a large study's export
#: is mostly compressing.
ZIP_LEVEL = 1


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def render_qdpx(project: QdaProject, name: str = "project.qdpx") -> bytes:
    """``project`` as the bytes of a ``.qdpx`` archive; raise InvalidInput listing why not
    (``name``, the file's name, is used in the message)."""
    xml = _checked_bytes(project_xml, project, Schema.PROJECT, name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_zip_entry("project.qde"), xml, compresslevel=ZIP_LEVEL)
        for source in project.sources:
            archive.writestr(_zip_entry(source_member(source)), source.text.encode("utf-8"), compresslevel=ZIP_LEVEL)
            rich = rich_member(source)
            if rich is not None:
                archive.writestr(_zip_entry(rich), source.rich_text, compresslevel=ZIP_LEVEL)
    return out.getvalue()


def render_qdc(project: QdaProject, name: str = "codebook.qdc") -> bytes:
    """``project``'s codes and sets as the bytes of a ``.qdc`` codebook, or raise InvalidInput
    listing why not."""
    return _checked_bytes(codebook_xml, project, Schema.CODEBOOK, name)
