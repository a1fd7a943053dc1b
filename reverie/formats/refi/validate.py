"""Checks that an export is one other tools can trust: the official schema, then what it misses.

The REFI-QDA schemas check shapes and value patterns but have no keys: a coding may point at
a code that does not exist, two objects may share a GUID, a selection may run past the end of
its text, and the file still validates. :func:`integrity_problems` covers those. The writer
refuses to write when either check finds anything; the reader only reports schema problems,
since it repairs what it can.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

from reverie.formats.refi.model import (
    Coding,
    QdaProject,
    TextSource,
    Value,
    VariableType,
    VariableValue,
)

_SCHEMAS = Path(__file__).with_name("schemas")

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


class Schema(StrEnum):
    """The two official schemas, by the file they validate."""

    PROJECT = "Project-mrt2019.xsd"
    CODEBOOK = "Codebook-mrt2019.xsd"


@cache
def _compiled(schema: Schema) -> xmlschema.XMLSchema:
    # Building the schema takes a fifth of a second; validating takes milliseconds.
    return xmlschema.XMLSchema(str(_SCHEMAS / schema.value))


@cache
def _libxml2(schema: Schema) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_SCHEMAS / schema.value)))


def schema_problems(root: etree._Element, schema: Schema, limit: int = 20) -> list[str]:
    """Up to ``limit`` ways ``root`` breaks ``schema``, each as "path: reason"; empty if valid.

    libxml2 (through lxml) answers the common case, a valid document, in milliseconds where
    xmlschema, in Python, takes seconds on a large project; only a document libxml2 refuses is
    walked again by xmlschema, whose messages name the path and the reason.
    """
    if _libxml2(schema).validate(root):
        return []
    problems = []
    for error in _compiled(schema).iter_errors(root):
        problems.append(f"{error.path or '/'}: {(error.reason or 'invalid').rstrip('.')}")
        if len(problems) == limit:
            break
    return problems


def _value_fits(value: Value | None, kind: VariableType) -> bool:
    if value is None:
        return True
    match kind:
        case VariableType.BOOLEAN:
            return isinstance(value, bool)
        case VariableType.INTEGER:
            return isinstance(value, int) and not isinstance(value, bool)
        case VariableType.FLOAT:
            return isinstance(value, Decimal)
        case VariableType.DATETIME:
            return isinstance(value, datetime)
        case VariableType.DATE:
            return isinstance(value, date) and not isinstance(value, datetime)
        case _:
            return isinstance(value, str)


def _all_codings(source: TextSource) -> Iterator[Coding]:
    yield from source.codings
    for selection in source.selections:
        yield from selection.codings


def _guids(project: QdaProject) -> Iterator[tuple[str, str]]:
    """(what, guid) for every object that owns a GUID."""
    yield from (("user", user.guid) for user in project.users)
    yield from (("code", code.guid) for _, code in project.walk_codes())
    for source in project.sources:
        yield "source", source.guid
        yield from (("selection", selection.guid) for selection in source.selections)
        yield from (("coding", coding.guid) for coding in _all_codings(source))
    yield from (("note", note.guid) for note in project.notes)
    yield from (("case", case.guid) for case in project.cases)
    yield from (("variable", variable.guid) for variable in project.variables)
    yield from (("set", item.guid) for item in project.sets)


def integrity_problems(project: QdaProject, *, codebook_only: bool = False) -> list[str]:
    """Every unresolved reference, duplicate GUID and out-of-range selection in ``project``.

    With ``codebook_only`` only codes and the code members of sets are checked, as a ``.qdc``
    holds nothing else.
    """
    owners = list(_guids(project))
    if codebook_only:
        owners = [(what, guid) for what, guid in owners if what in ("code", "set")]
    problems = [
        f"GUID {guid} is used {count} times"
        for guid, count in Counter(guid.lower() for _, guid in owners).items()
        if count > 1
    ]
    known: dict[str, set[str]] = {}
    for what, guid in owners:
        known.setdefault(what, set()).add(guid.lower())

    def check(refs: Iterable[str | None], what: str, where: str) -> None:
        for ref in refs:
            if ref is not None and ref.lower() not in known.get(what, set()):
                problems.append(f"{where} refers to {what} {ref}, which does not exist")

    for item in project.sets:
        check(item.member_codes, "code", f"set {item.name!r}")
    if codebook_only:
        return problems

    check([project.creating_user, project.modifying_user], "user", "the project")
    check(project.note_refs, "note", "the project")
    for _, code in project.walk_codes():
        check(code.note_refs, "note", f"code {code.name!r}")
    variable_types = {
        variable.guid.lower(): variable.type_of_variable for variable in project.variables
    }

    def check_values(values: Iterable[VariableValue], where: str) -> None:
        for value in values:
            kind = variable_types.get(value.variable_guid.lower())
            if kind is None:
                problems.append(
                    f"{where} has a value for variable {value.variable_guid}, which does not exist"
                )
            elif not _value_fits(value.value, kind):
                problems.append(
                    f"{where} gives {value.value!r} for variable {value.variable_guid} "
                    f"of type {kind}"
                )

    for source in project.sources:
        where = f"source {source.name!r}"
        check([source.creating_user, source.modifying_user], "user", where)
        check(source.note_refs, "note", where)
        check_values(source.variable_values, where)
        for coding in _all_codings(source):
            check([coding.code_guid], "code", f"coding {coding.guid} in {where}")
            check([coding.creating_user], "user", f"coding {coding.guid} in {where}")
            check(coding.note_refs, "note", f"coding {coding.guid} in {where}")
        for selection in source.selections:
            at = f"selection {selection.guid} in {where}"
            check([selection.creating_user, selection.modifying_user], "user", at)
            check(selection.note_refs, "note", at)
            if not 0 <= selection.start <= selection.end <= len(source.text):
                problems.append(
                    f"{at} spans {selection.start} to {selection.end}, outside the text "
                    f"(0 to {len(source.text)})"
                )
    for note in project.notes:
        check([note.creating_user, note.modifying_user], "user", f"note {note.name!r}")
    for case in project.cases:
        check(case.source_refs, "source", f"case {case.name!r}")
        check_values(case.variable_values, f"case {case.name!r}")
    for item in project.sets:
        check(item.member_sources, "source", f"set {item.name!r}")
        check(item.member_notes, "note", f"set {item.name!r}")
    return problems
