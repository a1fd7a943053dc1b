"""A REFI-QDA project held in memory, independent of XML, so readers and writers meet in one shape.

Why a model of our own rather than passing lxml trees around: the study layer maps this to
its database without knowing QDA-XML, and tests compare projects with ``==`` (every class is a
frozen dataclass over tuples).

What is kept: users, the code tree (colours, descriptions, codability), text sources with their
plain-text selections, codings and coders, notes and what they are attached to, cases,
variables and their values, sets, creation and modification times and users, the project's
``basePath`` and the rich-text documents (``richTextPath``) of sources. What is not: links,
graphs, and picture/PDF/audio/video sources; the reader reports anything it drops.

Conventions:

* GUIDs are lower case without braces (the reader normalises them, so references compare
  with ``==``).
* ``start``/``end`` of a selection are Unicode code points into ``TextSource.text``, whose line
  ends are LF. ``end`` is exclusive.
* ``note_refs`` hold the GUIDs of :class:`Note` objects attached to the owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

#: A variable's value, typed as the ``VariableValue`` choice in the schema. ``bool`` is
#: checked before ``int`` and ``datetime`` before ``date`` wherever the type decides the XML.
Value = str | bool | int | Decimal | date | datetime


class VariableType(StrEnum):
    """``typeOfVariable`` in the schema."""

    TEXT = "Text"
    BOOLEAN = "Boolean"
    INTEGER = "Integer"
    FLOAT = "Float"
    DATE = "Date"
    DATETIME = "DateTime"


@dataclass(frozen=True)
class User:
    """A person or program that created codings, sources or notes (a coder, for agreement)."""

    guid: str
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Code:
    """A code and its sub-codes; ``color`` is ``#rrggbb`` (or ``#rgb``) as the schema allows."""

    guid: str
    name: str
    color: str | None = None
    description: str | None = None
    is_codable: bool = True
    children: tuple[Code, ...] = ()
    note_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coding:
    """One application of a code, by one coder."""

    guid: str
    code_guid: str
    creating_user: str | None = None
    created: datetime | None = None
    note_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlainTextSelection:
    """A span ``[start, end)`` of a text source, in code points, with the codings on it."""

    guid: str
    start: int
    end: int
    name: str | None = None
    description: str | None = None
    creating_user: str | None = None
    created: datetime | None = None
    codings: tuple[Coding, ...] = ()
    note_refs: tuple[str, ...] = ()
    modifying_user: str | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class VariableValue:
    """A case's or source's value for a :class:`Variable`; ``None`` when the file gave none."""

    variable_guid: str
    value: Value | None


@dataclass(frozen=True)
class TextSource:
    """A text document. ``codings`` code the whole document; ``selections`` code spans of it.

    ``plain_text_path``/``rich_text_path`` record where the text came from in the file read;
    the writer always stores the text as ``internal://<guid>.txt`` whatever they say.
    """

    guid: str
    name: str
    text: str
    plain_text_path: str | None = None
    rich_text_path: str | None = None
    creating_user: str | None = None
    created: datetime | None = None
    description: str | None = None
    selections: tuple[PlainTextSelection, ...] = ()
    codings: tuple[Coding, ...] = ()
    variable_values: tuple[VariableValue, ...] = ()
    note_refs: tuple[str, ...] = ()
    modifying_user: str | None = None
    modified: datetime | None = None
    #: The bytes of the rich-text document ``rich_text_path`` named (a ``.docx`` …), kept so an
    #: export gives it back; None when the file had none.
    rich_text: bytes | None = None


@dataclass(frozen=True)
class Note:
    """A memo: free text that other objects point at through their ``note_refs``."""

    guid: str
    name: str | None = None
    text: str = ""
    creating_user: str | None = None
    created: datetime | None = None
    description: str | None = None
    modifying_user: str | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class Case:
    """A unit of analysis (in Reverie, usually a participant) and the sources that belong to it."""

    guid: str
    name: str | None = None
    description: str | None = None
    variable_values: tuple[VariableValue, ...] = ()
    source_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    """An attribute that cases and sources can carry (age group, site, interview round …)."""

    guid: str
    name: str
    type_of_variable: VariableType
    description: str | None = None


@dataclass(frozen=True)
class Set:
    """A named grouping of codes, sources and notes, outside the code tree."""

    guid: str
    name: str
    description: str | None = None
    member_codes: tuple[str, ...] = ()
    member_sources: tuple[str, ...] = ()
    member_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class QdaProject:
    """A whole exchange project; a codebook (``.qdc``) fills only ``codes`` and ``sets``.

    ``note_refs`` are notes about the project as a whole.
    """

    name: str
    origin: str | None = None
    creating_user: str | None = None
    created: datetime | None = None
    description: str | None = None
    users: tuple[User, ...] = ()
    codes: tuple[Code, ...] = ()
    sources: tuple[TextSource, ...] = ()
    notes: tuple[Note, ...] = ()
    cases: tuple[Case, ...] = ()
    variables: tuple[Variable, ...] = ()
    sets: tuple[Set, ...] = ()
    note_refs: tuple[str, ...] = ()
    modifying_user: str | None = None
    modified: datetime | None = None
    #: Where the other tool kept the project's files (``basePath``), given back as it came.
    base_path: str | None = None

    def walk_codes(self) -> Iterator[tuple[tuple[str, ...], Code]]:
        """Every code, depth first, with its path of names from the top (``("Risk", "Fear")``)."""
        stack = [((code.name,), code) for code in reversed(self.codes)]
        while stack:
            path, code = stack.pop()
            yield path, code
            stack.extend(((*path, child.name), child) for child in reversed(code.children))
