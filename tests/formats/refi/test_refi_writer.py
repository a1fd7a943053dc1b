"""Exports validate against the official schemas and pass the checks the schemas cannot make."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema

from reverie.core.errors import InvalidInput
from reverie.formats.refi import Code, Coding, QdaProject, render_qdc, render_qdpx

PACKAGED = Path(__file__).resolve().parents[3] / "reverie" / "formats" / "refi" / "schemas"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "refi-qda"


def official(name: str) -> xmlschema.XMLSchema:
    """The shared copy when present (proves our packaged copy is not a doctored one)."""
    shared = SHARED / name
    return xmlschema.XMLSchema(str(shared if shared.is_file() else PACKAGED / name))


def test_packaged_schemas_are_the_official_bytes() -> None:
    for name in ("Project-mrt2019.xsd", "Codebook-mrt2019.xsd"):
        shared = SHARED / name
        if not shared.is_file():
            pytest.skip("shared REFI-QDA schemas are not available")
        assert (PACKAGED / name).read_bytes() == shared.read_bytes()
    assert "MIT" in (PACKAGED / "LICENSE.md").read_text(encoding="utf-8")


def test_project_export_validates_against_the_official_schema(
    rich_project: QdaProject, tmp_path: Path
) -> None:
    path = tmp_path / "p.qdpx"
    path.write_bytes(render_qdpx(rich_project))
    with zipfile.ZipFile(path) as archive:
        official("Project-mrt2019.xsd").validate(archive.read("project.qde"))
        names = archive.namelist()
        text = archive.read(f"sources/{rich_project.sources[0].guid}.txt")
    assert names[0] == "project.qde"
    assert text.decode("utf-8") == rich_project.sources[0].text  # UTF-8, no BOM, LF


def test_codebook_export_validates_against_the_official_schema(
    rich_project: QdaProject, tmp_path: Path
) -> None:
    path = tmp_path / "c.qdc"
    path.write_bytes(render_qdc(rich_project))
    official("Codebook-mrt2019.xsd").validate(path.read_bytes())


def test_export_is_deterministic(rich_project: QdaProject, tmp_path: Path) -> None:
    (tmp_path / "a.qdpx").write_bytes(render_qdpx(rich_project))
    (tmp_path / "b.qdpx").write_bytes(render_qdpx(rich_project))
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def _with_first_selection(project: QdaProject, **changes: object) -> QdaProject:
    source = project.sources[0]
    selection = replace(source.selections[0], **changes)
    return replace(
        project,
        sources=(
            replace(source, selections=(selection, *source.selections[1:])),
            *project.sources[1:],
        ),
    )


def refused(project: QdaProject, path: Path, *fragments: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        path.write_bytes(render_qdpx(project, path.name))
    message = str(caught.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message
    assert not path.exists()
    assert list(path.parent.iterdir()) == []  # no temporary file left behind


def test_dangling_code_reference_is_refused(
    rich_project: QdaProject, tmp_path: Path, stable_guid: Callable[[str], str]
) -> None:
    missing = stable_guid("code:missing")
    coding = Coding(stable_guid("coding:dangling"), missing)
    project = _with_first_selection(rich_project, codings=(coding,))
    refused(project, tmp_path / "p.qdpx", f"refers to code {missing}")


def test_dangling_coder_and_note_are_refused(
    rich_project: QdaProject, tmp_path: Path, stable_guid: Callable[[str], str]
) -> None:
    ghost, lost = stable_guid("user:ghost"), stable_guid("note:ghost")
    project = _with_first_selection(rich_project, creating_user=ghost, note_refs=(lost,))
    refused(project, tmp_path / "p.qdpx", f"user {ghost}", f"note {lost}")


def test_duplicate_guid_is_refused(rich_project: QdaProject, tmp_path: Path) -> None:
    clash = rich_project.sources[0].guid
    project = replace(rich_project, codes=(*rich_project.codes, Code(clash, "Clash")))
    refused(project, tmp_path / "p.qdpx", f"GUID {clash} is used 2 times")


def test_selection_outside_its_text_is_refused(rich_project: QdaProject, tmp_path: Path) -> None:
    length = len(rich_project.sources[0].text)
    project = _with_first_selection(rich_project, start=length - 2, end=length + 5)
    refused(project, tmp_path / "p.qdpx", "outside the text")


def test_schema_violation_is_refused(rich_project: QdaProject, tmp_path: Path) -> None:
    project = replace(rich_project, codes=(replace(rich_project.codes[0], color="orange"),))
    refused(project, tmp_path / "p.qdpx", "color")


def test_value_of_the_wrong_type_is_refused(rich_project: QdaProject, tmp_path: Path) -> None:
    case = rich_project.cases[1]
    wrong = replace(case, variable_values=(replace(case.variable_values[0], value="forty"),))
    project = replace(rich_project, cases=(rich_project.cases[0], wrong))
    refused(project, tmp_path / "p.qdpx", "'forty'", "Integer")


def test_control_characters_are_refused_clearly(rich_project: QdaProject, tmp_path: Path) -> None:
    project = replace(rich_project, description="bell \x07")
    refused(project, tmp_path / "p.qdpx", "XML compatible")


def test_failed_export_keeps_the_previous_file(rich_project: QdaProject, tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    path.write_bytes(render_qdpx(rich_project))
    before = path.read_bytes()
    broken = replace(
        rich_project, codes=(*rich_project.codes, Code(rich_project.codes[0].guid, "Twin"))
    )
    with pytest.raises(InvalidInput):
        path.write_bytes(render_qdpx(broken, path.name))
    assert path.read_bytes() == before
