"""Export → import → export loses nothing and adds nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reverie.formats.refi import QdaProject, read_qdc, read_qdpx, render_qdc, render_qdpx


def coded_spans(project: QdaProject) -> set[tuple[object, ...]]:
    """(source, start, end, quoted text, code path, coder name, coding) for every coding."""
    paths = {code.guid: path for path, code in project.walk_codes()}
    coders = {user.guid: user.name for user in project.users}
    return {
        (
            source.name,
            sel.start,
            sel.end,
            source.text[sel.start : sel.end],
            paths[coding.code_guid],
            coders.get(coding.creating_user),
            coding.guid,
        )
        for source in project.sources
        for sel in source.selections
        for coding in sel.codings
    }


def test_export_import_export_is_byte_identical(rich_project: QdaProject, tmp_path: Path) -> None:
    first, second = tmp_path / "first.qdpx", tmp_path / "second.qdpx"
    first.write_bytes(render_qdpx(rich_project))
    imported, report = read_qdpx(first)
    second.write_bytes(render_qdpx(imported))
    assert first.read_bytes() == second.read_bytes()
    assert report.repairs == [] and report.warnings == []


def test_round_trip_keeps_every_coding_with_its_text_code_path_and_coder(
    rich_project: QdaProject, tmp_path: Path
) -> None:
    (tmp_path / "p.qdpx").write_bytes(render_qdpx(rich_project))
    imported, _ = read_qdpx(tmp_path / "p.qdpx")
    expected = coded_spans(rich_project)
    assert coded_spans(imported) == expected
    quotes = {(row[3], row[4], row[5]) for row in expected}
    assert ("„Das schaffst du“ 👍🏽", ("Family",), "Ben Ørsted") in quotes
    assert ("ich hatte Angst. 😰 Große Angst", ("Emotions 💭", "Fear"), "Ana Müller") in quotes
    assert ("ich hatte Angst. 😰 Große Angst", ("Emotions 💭", "Fear"), "Ben Ørsted") in quotes


def test_round_trip_model_is_equal_apart_from_where_the_text_came_from(
    rich_project: QdaProject, tmp_path: Path
) -> None:
    (tmp_path / "p.qdpx").write_bytes(render_qdpx(rich_project))
    imported, report = read_qdpx(tmp_path / "p.qdpx")
    # The only thing the file adds is where each text lives inside the archive.
    expected = replace(
        rich_project,
        sources=tuple(
            replace(source, plain_text_path=f"internal://{source.guid}.txt")
            for source in rich_project.sources
        ),
    )
    assert imported == expected
    # Import adds nothing of its own: no user, note, case or code that was not exported.
    assert imported.users == rich_project.users
    assert imported.notes == rich_project.notes
    assert report.unlinked_sources == [rich_project.sources[2].guid]


def test_notes_stay_attached_to_selections_codings_codes_sources_and_project(
    rich_project: QdaProject, tmp_path: Path
) -> None:
    (tmp_path / "p.qdpx").write_bytes(render_qdpx(rich_project))
    imported, _ = read_qdpx(tmp_path / "p.qdpx")
    names = {note.guid: note.name for note in imported.notes}
    source = imported.sources[0]
    assert [names[g] for g in source.selections[0].note_refs] == ["Memo on fear"]
    assert [names[g] for g in source.selections[1].codings[0].note_refs] == ["Why family"]
    assert [names[g] for g in source.note_refs] == ["Setting"]
    assert [names[g] for g in imported.note_refs] == ["Reflexive"]
    hope = next(code for path, code in imported.walk_codes() if path == ("Emotions 💭", "Hope"))
    assert [names[g] for g in hope.note_refs] == ["About hope"]


def test_cases_variables_and_sets_survive(rich_project: QdaProject, tmp_path: Path) -> None:
    (tmp_path / "p.qdpx").write_bytes(render_qdpx(rich_project))
    imported, _ = read_qdpx(tmp_path / "p.qdpx")
    assert imported.cases == rich_project.cases
    assert imported.variables == rich_project.variables
    assert imported.sets == rich_project.sets
    values = {value.variable_guid: value.value for value in imported.cases[0].variable_values}
    assert sorted(type(v).__name__ for v in values.values()) == sorted(
        ["str", "bool", "int", "Decimal", "date", "datetime"]
    )


def test_codebook_round_trip(rich_project: QdaProject, tmp_path: Path) -> None:
    first, second = tmp_path / "first.qdc", tmp_path / "second.qdc"
    first.write_bytes(render_qdc(rich_project))
    imported, report = read_qdc(first)
    second.write_bytes(render_qdc(imported))
    assert first.read_bytes() == second.read_bytes()
    assert report.warnings == []
    assert [path for path, _ in imported.walk_codes()] == [
        path for path, _ in rich_project.walk_codes()
    ]
    assert [(c.color, c.description, c.is_codable) for _, c in imported.walk_codes()] == [
        (c.color, c.description, c.is_codable) for _, c in rich_project.walk_codes()
    ]
    # A codebook holds codes only: the set keeps its codes, not its source or note.
    assert imported.sets[0].member_codes == rich_project.sets[0].member_codes
    assert imported.sources == () and imported.notes == ()
