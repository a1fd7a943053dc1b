"""Files from other tools: import → export → read gives what reading the file directly gives.

The samples are third-party exports kept in the ``shared`` folder beside the checkout; each test
skips when this machine does not have it.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reverie.formats.refi import (
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
    read_qdpx,
    render_qdpx,
)
from reverie.services.output.refi_export import LAYOUT_VARIABLE, export_qdpx
from reverie.services.output.refi_import import import_qdpx
from reverie.services.study.studies import Identity

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda" / "samples"
NAMES = [
    "atlasti-23.2.3-win_blank.qdpx",
    "atlasti-23.2.3-win_codes.qdpx",
    "nvivo-12.6-win_oltas0517.qdpx",
    "nvivo-15.0-mac_qc-project.qdpx",
    "qc-1.3.2_demo.qdpx",
]
IMPORTER = Identity(name="Ida Importer", initials="II")


def codings(project: QdaProject) -> set[tuple]:
    """(source name, start, end, code path, coder) for every coding, whole-source ones as (None, None)."""
    paths = {code.guid: path for path, code in project.walk_codes()}
    users = {user.guid: user.name for user in project.users}
    found = set()
    for source in project.sources:
        found |= {(source.name, None, None, paths[c.code_guid], users.get(c.creating_user)) for c in source.codings}
        for selection in source.selections:
            found |= {(source.name, selection.start, selection.end, paths[c.code_guid], users.get(c.creating_user))
                      for c in selection.codings}
    return found


def without_reverie_layout(project: QdaProject) -> QdaProject:
    """The project minus what only the exporter adds: its origin, text paths and layout variable."""
    layout = {variable.guid for variable in project.variables if variable.name == LAYOUT_VARIABLE}
    return dataclasses.replace(
        project, origin=None,
        variables=tuple(v for v in project.variables if v.guid not in layout),
        cases=tuple(dataclasses.replace(c, variable_values=tuple(sorted(c.variable_values, key=repr)))
                    for c in project.cases),
        sources=tuple(dataclasses.replace(s, plain_text_path=None, rich_text_path=None,
                                          variable_values=tuple(v for v in s.variable_values
                                                                if v.variable_guid not in layout))
                      for s in project.sources))


def through_a_study(path: Path, tmp_path: Path) -> tuple[QdaProject, tuple[str, ...]]:
    outcome = import_qdpx(path, tmp_path / "study", IMPORTER)
    try:
        export_qdpx(outcome.study, tmp_path / "again.qdpx")
    finally:
        outcome.study.close()
    return read_qdpx(tmp_path / "again.qdpx")[0], outcome.lines


@pytest.mark.parametrize("name", NAMES)
def test_sample_survives_a_study(name: str, tmp_path: Path) -> None:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"REFI-QDA sample {name} is not available at {SAMPLES}")
    direct, _ = read_qdpx(path)
    again, lines = through_a_study(path, tmp_path)
    assert codings(again) == codings(direct)
    assert [(u.guid, u.name, u.id) for u in again.users] == [(u.guid, u.name, u.id) for u in direct.users]
    assert [(p, c.guid, c.color, c.description, c.is_codable) for p, c in again.walk_codes()] == \
        [(p, c.guid, c.color, c.description, c.is_codable) for p, c in direct.walk_codes()]
    assert [(s.guid, s.name, s.text) for s in again.sources] == [(s.guid, s.name, s.text) for s in direct.sources]
    assert without_reverie_layout(again) == without_reverie_layout(direct)
    assert all(f"offsets of {s.name!r}" in "\n".join(lines) for s in direct.sources)


def test_nvivo_utf16_offsets_are_reported(tmp_path: Path) -> None:
    path = SAMPLES / "nvivo-12.6-win_oltas0517.qdpx"
    if not path.is_file():
        pytest.skip(f"REFI-QDA sample is not available at {SAMPLES}")
    outcome = import_qdpx(path, tmp_path / "study", IMPORTER)
    outcome.study.close()
    assert any(line.startswith("offsets of 'videos_10_selected': UTF-16 code units") for line in outcome.lines)
    assert "unlinked source: 'videos_selection'" in outcome.lines


def _guid(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"reverie-exchange-test:{label}"))


def foreign_project() -> QdaProject:
    """What another tool may write that the samples lack: notes on everything, typed variables on
    cases and sources, a case with two sources, a source linked to two cases, a whole-source
    coding, a set, and times with and without them."""
    ana, ben = _guid("user:ana"), _guid("user:ben")
    fear, hope = _guid("code:fear"), _guid("code:hope")
    first = "Ana: Ich hatte Angst. 😰 Große Angst.\nAna: Dann kam Hoffnung.\n"
    second = "Ben: Naïve? Maybe. 🎉 Café talk saved me.\n"
    at = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

    def chosen(label: str, text: str, quote: str, *found: Coding, **extra) -> PlainTextSelection:
        start = text.index(quote)
        return PlainTextSelection(_guid(f"sel:{label}"), start, start + len(quote), codings=found, **extra)

    variables = (Variable(_guid("var:site"), "Site", VariableType.TEXT, "Where we met"),
                 Variable(_guid("var:gender"), "Gender", VariableType.TEXT),
                 Variable(_guid("var:consent"), "Consent", VariableType.BOOLEAN),
                 Variable(_guid("var:age"), "Age", VariableType.INTEGER),
                 Variable(_guid("var:score"), "Score", VariableType.FLOAT),
                 Variable(_guid("var:on"), "Interviewed on", VariableType.DATE),
                 Variable(_guid("var:at"), "Recorded at", VariableType.DATETIME),
                 Variable(_guid("var:round"), "Round", VariableType.INTEGER))
    return QdaProject(
        name="Loneliness — pilot", creating_user=ana, created=at, description="Pilot interviews",
        users=(User(ana, "Ana Müller", "AM"), User(ben, "Ben Ørsted"), User(_guid("user:idle"), "Nobody")),
        codes=(Code(_guid("code:emotions"), "Emotions 💭", "#FF8800", "Felt states", is_codable=False,
                    children=(Code(fear, "Fear", "#cc0000"), Code(hope, "Hope", note_refs=(_guid("note:hope"),)))),),
        sources=(
            TextSource(_guid("src:ana"), "Interview Ana", first, creating_user=ana, created=at, description="First",
                       selections=(chosen("fear", first, "Angst. 😰 Große Angst", Coding(_guid("c:1"), fear, ana, at),
                                          Coding(_guid("c:2"), fear, ben, note_refs=(_guid("note:coding"),)),
                                          name="Angst", description="twice", creating_user=ana, created=at,
                                          note_refs=(_guid("note:selection"),)),
                                   chosen("hope", first, "Hoffnung", Coding(_guid("c:3"), hope, ana))),
                       codings=(Coding(_guid("c:whole"), _guid("code:emotions"), ana, at),),
                       variable_values=(VariableValue(_guid("var:round"), 1),),
                       note_refs=(_guid("note:source"),)),
            TextSource(_guid("src:ana2"), "Ana again", "Ana: Better now.\n"),
            TextSource(_guid("src:ben"), "Interview Ben", second, creating_user=ben,
                       selections=(chosen("cafe", second, "Café talk", Coding(_guid("c:4"), hope, ben)),)),
        ),
        notes=(Note(_guid("note:hope"), "About hope", "Hope comes late 🌅", ana),
               Note(_guid("note:selection"), "On fear", "Named twice —\nnote the pause.", ben, at),
               Note(_guid("note:coding"), "Why fear", "Her voice dropped.", ben),
               Note(_guid("note:source"), "Setting", "Kitchen table.", ana, description="context"),
               Note(_guid("note:project"), "Reflexive", "I also lost a sibling.", ana)),
        cases=(Case(_guid("case:ana"), "Ana Müller", "Participant 1",
                    (VariableValue(_guid("var:site"), "Zürich"), VariableValue(_guid("var:gender"), "F"),
                     VariableValue(_guid("var:consent"), True), VariableValue(_guid("var:age"), 42),
                     VariableValue(_guid("var:score"), Decimal("3.75")),
                     VariableValue(_guid("var:on"), date(2024, 4, 30)), VariableValue(_guid("var:at"), at)),
                    (_guid("src:ana"), _guid("src:ana2"))),
               Case(_guid("case:ben"), "Ben", None,
                    (VariableValue(_guid("var:age"), 37), VariableValue(_guid("var:consent"), None)),
                    (_guid("src:ben"), _guid("src:ana2")))),
        variables=variables,
        sets=(Set(_guid("set:core"), "Core", "For the paper", (fear, hope), (_guid("src:ana"),),
                  (_guid("note:hope"),)),),
        note_refs=(_guid("note:project"),),
    )


def test_foreign_project_survives_a_study(tmp_path: Path) -> None:
    (tmp_path / "foreign.qdpx").write_bytes(render_qdpx(foreign_project()))
    direct, _ = read_qdpx(tmp_path / "foreign.qdpx")
    again, lines = through_a_study(tmp_path / "foreign.qdpx", tmp_path)
    assert codings(again) == codings(direct)
    assert without_reverie_layout(again) == without_reverie_layout(direct)
    assert "mapped: Case 'Ana Müller' became participant Ana_Muller." in lines
    assert any("linked to more than one case" in line for line in lines)
