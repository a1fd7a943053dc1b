"""REFI-QDA exchange of a study built through the services: export → import → export loses nothing."""

from __future__ import annotations

import json
import zipfile
from collections import Counter

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput
from reverie.formats.refi import QdaProject, read_qdc, read_qdpx
from reverie.services.analysis import coding, extracts, memos, reflexivity, themes
from reverie.services.analysis.reflexivity import Anchor
from reverie.services.output.refi_export import (
    LAYOUT_VARIABLE,
    export_codebook_qdc,
    export_qdpx,
    study_as_project,
)
from reverie.services.output.refi_import import import_qdc, import_qdpx
from reverie.services.study import interviews, participants
from reverie.services.study.studies import Identity, init_study, set_identity
from reverie.services.system.auditing import recent_events
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import Participant, SpeakerTurn, TranscriptLine
from tests.conftest import TM

AB = Identity(name="Aïsha Bello", initials="AB")
IMPORTER = Identity(name="Ida Importer", initials="II")

P1_TEXT = """I: Können Sie mir von einer Zeit erzählen, als die Peer-Arbeit wertvoll war?
P1: Once a… peer said she would need milk at home. 🥛 It was such a little thing, really important though.
I: Mm.
P1: As a professional it was kind of i-i-it (laughs) humbling. The café on the ward had milk — home did not.
P1: Naïve of us, perhaps. 😔
"""
P2_TEXT = """I: What happened next?
P2: We talked about it in the team, and the peer's voice was heard in a way that mine was not.
"""


def _span(study, code: str, quote: str) -> tuple[int, int]:
    info = transcripts.version_info(study, code, 1)
    text = transcripts.version_text(study, info.id)
    start = text.index(quote)
    return start, start + len(quote)


@pytest.fixture
def analysed(study_copy):
    """Two participants with locked transcripts, a code tree, codings by two coders, a coding note,
    a reflexive entry, an extract with a memo, and a theme."""
    return study_copy("exchange-analysed", _analysed, name="original")


def _analysed(place, _database):
    study = init_study(place / "original", title="Peer support — pilot", identity=TM)
    participants.add_participant(study, "P1", gender="F", profession="Occupational Therapist", setting="Acute Care",
                                 years_band=">15", attributes={"site": "Zürich", "age": 42, "second_round": True})
    participants.add_participant(study, "P2", gender="M", profession="Psychologist",
                                 attributes={"site": "Leeds", "age": 37})
    for code, text in (("P1", P1_TEXT), ("P2", P2_TEXT)):
        interviews.add_interview(study, code, 1)
        source = place / f"{code}.txt"
        source.write_text(text, encoding="utf-8")
        transcripts.import_transcript(study, code, 1, source, layout="fixed-width", width=60)
        transcripts.lock_transcript(study, code, 1)
    coding.add_code(study, "Care objects", kind="discursive_object", color="#1f77b4", definition="Things cared about")
    coding.add_code(study, "Milk", parent="Care objects", color="#ff7f0e80", definition="The milk 🥛")
    coding.add_code(study, "Peer voice", kind="subject_position")
    milk = _span(study, "P1", "need milk at home. 🥛")
    coding.apply_code(study, "Milk", "P1", span=milk, note="first mention — note the emoji")
    coding.apply_code(study, "Peer voice", "P2", span=_span(study, "P2", "the peer's voice was heard"))
    set_identity(study, AB)
    coding.apply_code(study, "Milk", "P1", span=milk)
    coding.apply_code(study, "Care objects", "P1", span=_span(study, "P1", "The café on the ward had milk"))
    coding.apply_code(study, "Peer voice", "P1", lines=(2, 3))
    reflexivity.add_entry(study, {"observation": "She laughed before ‘humbling’.",
                                  "emotional_response": "I felt protective."},
                          anchors=[Anchor(participant="P1", lines=(4, 5))], affect_intensity=2)
    set_identity(study, TM)
    extracts.add_extract(study, "P1", 2, 3, why="The milk", objects=["Milk"])
    memos.save_memo(study, "E1", summary="Milk as care that professionals miss.",
                    willig={"discourses": ["practical care"]})
    themes.add_theme(study, "Small things matter", description="What peers notice")
    themes.place_extract(study, "Small things matter", "E1")
    return study


def exchanged(project: QdaProject) -> dict[str, object]:
    """What a project says, by names rather than GUIDs, in a form that compares with ==."""
    paths = {code.guid: path for path, code in project.walk_codes()}
    users = {user.guid: user.name for user in project.users}
    sources = {source.guid: source.name for source in project.sources}
    notes = {note.guid: note.name for note in project.notes}
    variables = {variable.guid: (variable.name, str(variable.type_of_variable)) for variable in project.variables}
    codings, attached = Counter(), Counter()
    for path, code in project.walk_codes():
        attached.update(("code", path, notes[ref]) for ref in code.note_refs)
    for source in project.sources:
        attached.update(("source", source.name, notes[ref]) for ref in source.note_refs)
        for selection in source.selections:
            attached.update(("selection", source.name, selection.start, notes[ref]) for ref in selection.note_refs)
            for item in selection.codings:
                codings[(source.name, selection.start, selection.end, paths[item.code_guid],
                         users.get(item.creating_user))] += 1
                attached.update(("coding", source.name, selection.start, notes[ref]) for ref in item.note_refs)
    return {
        "codes": sorted((path, code.color, code.description, code.is_codable) for path, code in project.walk_codes()),
        "users": sorted(filter(None, users.values())),
        "codings": codings,
        "texts": {source.name: source.text for source in project.sources},
        "notes": sorted((note.name, note.text, users.get(note.creating_user)) for note in project.notes),
        "attached": attached,
        "cases": sorted((case.name, frozenset((variables[v.variable_guid], v.value) for v in case.variable_values),
                         tuple(sources[ref] for ref in case.source_refs)) for case in project.cases),
        "variables": sorted(variables.values()),
        "sets": sorted((item.name, item.description, tuple(paths[c] for c in item.member_codes),
                        tuple(sources[s] for s in item.member_sources), tuple(notes[n] for n in item.member_notes))
                       for item in project.sets),
    }


def test_export_holds_the_study(analysed, tmp_path):
    summary = export_qdpx(analysed, tmp_path / "study.qdpx")
    project, report = read_qdpx(tmp_path / "study.qdpx")
    assert not report.warnings and summary.codings == 5
    said = exchanged(project)
    assert said["users"] == ["Aïsha Bello", "Tom Moore"]
    assert {user.id for user in project.users} == {"AB", "TM"}
    assert [path for path, *_ in said["codes"]] == [("Care objects",), ("Care objects", "Milk"), ("Peer voice",)]
    assert ("Care objects", "Milk") in {path for path, *_ in said["codes"]}
    assert dict((path, colour) for path, colour, *_ in said["codes"])[("Care objects", "Milk")] == "#ff7f0e"
    # Each turn is written with its speaker label, and every coding still lands on its quote.
    p1 = next(source for source in project.sources if source.name == "P1 round 1")
    assert p1.text.splitlines()[1].startswith("P1: Once a… peer")
    quotes = {p1.text[s.start:s.end] for s in p1.selections}
    assert {"need milk at home. 🥛", "The café on the ward had milk"} <= quotes
    # Two coders on one span share a selection.
    milk = next(s for s in p1.selections if p1.text[s.start:s.end] == "need milk at home. 🥛")
    assert sorted(said_user for said_user in (next(u.name for u in project.users if u.guid == c.creating_user)
                                              for c in milk.codings)) == ["Aïsha Bello", "Tom Moore"]
    assert ("coding", "P1 round 1", milk.start, "Note on a coding") in said["attached"]
    assert ("Memo on E1",) == tuple(n for n, *_ in said["notes"] if n.startswith("Memo"))
    assert any(name.startswith("Reflexive log entry") and "Emotional response: I felt protective." in text
               for name, text, _ in said["notes"])
    cases = {name: dict(values) for name, values, _ in said["cases"]}
    assert cases["P1"][("site", "Text")] == "Zürich" and cases["P1"][("age", "Integer")] == 42
    assert cases["P1"][("second_round", "Boolean")] is True and ("second_round", "Boolean") not in cases["P2"]
    assert cases["P2"][("profession", "Text")] == "Psychologist"
    assert said["sets"] == [("Small things matter", "What peers notice", (("Care objects", "Milk"),),
                             ("P1 round 1",), ("Memo on E1",))]
    assert [event.action for event in recent_events(analysed, 1)] == ["refi.export"]


def test_guids_are_stable_between_exports(analysed, tmp_path):
    first, second = study_as_project(analysed), study_as_project(analysed)
    assert first == second


def test_round_trip_loses_nothing(analysed, tmp_path):
    export_qdpx(analysed, tmp_path / "first.qdpx")
    outcome = import_qdpx(tmp_path / "first.qdpx", tmp_path / "copy", IMPORTER)
    try:
        export_qdpx(outcome.study, tmp_path / "second.qdpx")
        first, _ = read_qdpx(tmp_path / "first.qdpx")
        second, _ = read_qdpx(tmp_path / "second.qdpx")
        assert exchanged(second) == exchanged(first)
        assert second == first  # GUIDs, times and order too
        # The copy has the same turns, speakers and line numbers, so citations carry over.
        for table, columns in ((SpeakerTurn, ("seq", "speaker", "start_offset", "end_offset")),
                               (TranscriptLine, ("number", "start_offset", "end_offset", "text"))):
            rows = []
            for study in (analysed, outcome.study):
                with study.read() as s:
                    rows.append(s.execute(select(*(getattr(table, c) for c in columns))
                                          .order_by(*(getattr(table, c) for c in columns[:2]))).all())
            assert rows[0] == rows[1]
        assert transcripts.cite(outcome.study, "P1", 2, 3) == transcripts.cite(analysed, "P1", 2, 3)
        assert {view.label for view in coding.list_codes(outcome.study)} == {"Care objects", "Milk", "Peer voice"}
        events = recent_events(outcome.study, 10)
        assert [event.action for event in events] == ["study.create", "refi.import", "refi.export"]
        payload = json.loads(events[1].payload)
        assert payload["file"] == "first.qdpx" and payload["counts"]["codings"] == 5
        assert {"repairs", "warnings", "offset_conventions", "unlinked_sources"} <= set(payload)
    finally:
        outcome.study.close()


def test_imported_study_maps_cases_sources_notes_and_sets(analysed, tmp_path):
    export_qdpx(analysed, tmp_path / "study.qdpx")
    outcome = import_qdpx(tmp_path / "study.qdpx", tmp_path / "copy", IMPORTER, own_records=False)
    try:
        p1 = participants.get_participant(outcome.study, "P1")
        assert (p1.gender, p1.profession, p1.setting, p1.years_band) == ("F", "Occupational Therapist",
                                                                         "Acute Care", ">15")
        assert p1.attributes == {"site": "Zürich", "age": 42, "second_round": True}
        info = transcripts.version_info(outcome.study, "P1", 1)
        assert (info.status, info.origin) == ("locked", "refi")
        # Coders keep their labels, and a coding's note comes back as that coding's note.
        assert {c.coder for c in _codings(outcome.study)} == {"TM", "AB"}
        assert "first mention — note the emoji" in {c.note for c in _codings(outcome.study)}
        entries = reflexivity.list_entries(outcome.study)
        assert {e.template for e in entries} == {"free"} and len(entries) == 2  # log entry, memo
        assert any(anchor.startswith("P1 R1") for e in entries for anchor in e.anchors)
        assert [t.label for t in themes.list_themes(outcome.study)] == ["Small things matter"]
        assert not any("Ida" in (user or "") for user in exchanged(study_as_project(outcome.study))["users"])
    finally:
        outcome.study.close()


def _codings(study):
    from reverie.store.models import Coding

    with study.read() as s:
        return s.execute(select(Coding)).scalars().all()


def test_unlinked_sources_become_documents_and_stay_unlinked(analysed, tmp_path):
    export_qdpx(analysed, tmp_path / "study.qdpx")
    project, _ = read_qdpx(tmp_path / "study.qdpx")
    from dataclasses import replace

    from reverie.formats.refi import render_qdpx

    unlinked = replace(project, cases=tuple(c for c in project.cases if c.name != "P2"))
    (tmp_path / "unlinked.qdpx").write_bytes(render_qdpx(unlinked))
    outcome = import_qdpx(tmp_path / "unlinked.qdpx", tmp_path / "copy", IMPORTER)
    try:
        document = participants.get_participant(outcome.study, "DOC1")
        assert document.attributes == {"document": True} and document.status == "completed"
        assert any("stored as document DOC1" in line for line in outcome.lines)
        assert "unlinked source: 'P2 round 1'" in outcome.lines
        again = study_as_project(outcome.study)
        assert [case.name for case in again.cases] == ["P1"]
        assert "P2 round 1" in {source.name for source in again.sources}
    finally:
        outcome.study.close()


def test_codebook_round_trip(analysed, tmp_path):
    export_codebook_qdc(analysed, tmp_path / "codes.qdc")
    outcome = import_qdc(tmp_path / "codes.qdc", tmp_path / "copy", IMPORTER)
    try:
        export_codebook_qdc(outcome.study, tmp_path / "again.qdc")
        first, _ = read_qdc(tmp_path / "codes.qdc")
        second, _ = read_qdc(tmp_path / "again.qdc")
        assert second.codes == first.codes and second.sets == first.sets
        assert [item.name for item in first.sets] == ["Small things matter"]
        assert participants.list_participants(outcome.study) == []
    finally:
        outcome.study.close()


def test_import_refuses_an_existing_study_or_folder(analysed, tmp_path):
    export_qdpx(analysed, tmp_path / "study.qdpx")
    with pytest.raises(Conflict, match="never merges"):
        import_qdpx(tmp_path / "study.qdpx", analysed.root)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(Conflict, match="not empty"):
        import_qdpx(tmp_path / "study.qdpx", busy)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_unsafe_archive_creates_nothing(tmp_path):
    hostile = tmp_path / "slip.qdpx"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../../evil.txt", "x")
    with pytest.raises(InvalidInput, match="slip.qdpx"):
        import_qdpx(hostile, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_failed_import_removes_the_half_made_study(analysed, tmp_path, monkeypatch):
    from reverie.services.output import refi_import as exchange_import

    export_qdpx(analysed, tmp_path / "study.qdpx")

    def broken(self, source, owners):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exchange_import._Importer, "source", broken)
    with pytest.raises(RuntimeError):
        import_qdpx(tmp_path / "study.qdpx", tmp_path / "new", own_records=False)
    assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError):
        import_qdpx(tmp_path / "study.qdpx", empty, own_records=False)
    assert empty.is_dir() and not any(empty.iterdir())


def test_foreign_text_is_kept_exactly_even_when_not_nfc(tmp_path):
    from reverie.formats.refi import (
        Code,
        Coding,
        PlainTextSelection,
        TextSource,
        User,
        render_qdpx,
    )

    text = "Cafe\u0301 talk\r\nsaved me"  # "é" as e + combining accent, and a CRLF
    decomposed = text.replace("\r\n", "\n")
    start = decomposed.index("talk")
    project = QdaProject(
        name="Foreign", users=(User("11111111-1111-1111-1111-111111111111", "Zoë"),),
        codes=(Code("22222222-2222-2222-2222-222222222222", "Talk", "#c00"),),
        sources=(TextSource("33333333-3333-3333-3333-333333333333", "Notes", text, selections=(
            PlainTextSelection("44444444-4444-4444-4444-444444444444", start, start + 4, codings=(
                Coding("55555555-5555-5555-5555-555555555555", "22222222-2222-2222-2222-222222222222",
                       "11111111-1111-1111-1111-111111111111"),)),)),))
    (tmp_path / "foreign.qdpx").write_bytes(render_qdpx(project))
    outcome = import_qdpx(tmp_path / "foreign.qdpx", tmp_path / "copy", IMPORTER)
    try:
        info = transcripts.version_info(outcome.study, "DOC1", 1)
        assert transcripts.version_text(outcome.study, info.id) == decomposed
        (row,) = _codings(outcome.study)
        assert (row.start_offset, row.end_offset, row.coder) == (start, start + 4, "Zoë")
        assert row.selector["refi"]["selection"] == "44444444-4444-4444-4444-444444444444"
        assert any("not in Unicode NFC" in line for line in outcome.lines)
        assert "mapped: Code 'Talk': colour #c00 written as #cc0000." in outcome.lines
        again = study_as_project(outcome.study)
        (source,) = again.sources
        assert source.text == decomposed and source.selections[0].guid == "44444444-4444-4444-4444-444444444444"
        # A foreign project gets no variable of Reverie's: its text comes back numbered as imported.
        assert LAYOUT_VARIABLE not in {v.name for v in again.variables} and source.variable_values == ()
        with outcome.study.read() as s:
            assert s.execute(select(Participant.code)).scalars().all() == ["DOC1"]
    finally:
        outcome.study.close()


def test_export_leaves_out_participants_whose_data_may_not_be_kept(analysed, tmp_path):
    participants.withdraw(analysed, "P2", withdrawn_on="2024-06-01", keep_data_collected=False)
    summary = export_qdpx(analysed, tmp_path / "study.qdpx")
    project, _ = read_qdpx(tmp_path / "study.qdpx")
    assert summary.withheld == ("P2",)
    assert [case.name for case in project.cases] == ["P1"]
    assert [source.name for source in project.sources] == ["P1 round 1"]
    assert json.loads(recent_events(analysed, 1)[0].payload)["withheld"] == ["P2"]
