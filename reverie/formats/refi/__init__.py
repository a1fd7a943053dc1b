"""REFI-QDA exchange (QDA-XML 1.0): read ``.qdpx``/``.qdc`` from other tools, write our own.

This package works at the level of the format only: it turns files into a
:class:`~reverie.formats.refi.model.QdaProject` and back. Mapping a project onto a study's
participants, transcripts and codes is the services layer's job.
"""

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
    Variable,
    VariableType,
    VariableValue,
)
from reverie.formats.refi.reader import ImportReport, read_qdc, read_qdpx
from reverie.formats.refi.text import OffsetConvention, OffsetUnit
from reverie.formats.refi.writer import render_qdc, render_qdpx

__all__ = [
    "Case",
    "Code",
    "Coding",
    "ImportReport",
    "Note",
    "OffsetConvention",
    "OffsetUnit",
    "PlainTextSelection",
    "QdaProject",
    "Set",
    "TextSource",
    "User",
    "Variable",
    "VariableType",
    "VariableValue",
    "read_qdc",
    "read_qdpx",
    "render_qdc",
    "render_qdpx",
]
