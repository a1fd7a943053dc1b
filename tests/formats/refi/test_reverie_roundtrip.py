"""A study goes export → import → export through a ``.qdpx`` and comes back whole.

Every table is compared row by row (not counted): integer ids are replaced by what they point at
(the row's GUID, or its place in its table), so two studies that hold the same records compare
equal however their ids were given out.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from sqlalchemy import select

from reverie.core.errors import InvalidInput
from reverie.services.demo import build_demo
from reverie.services.output.refi_export import export_qdpx
from reverie.services.output.refi_import import import_qdpx
from reverie.services.output.refi_reverie import MANIFEST_MEMBER, NOT_CARRIED, REF_COLUMNS, REF_KINDS
from reverie.services.study.interviews import add_interview
from reverie.services.study.participants import add_participant, add_recruitment, withdraw, write_pen_portrait
from reverie.services.study.studies import Identity
from reverie.services.transcripts.versions import import_transcript, lock_transcript
from reverie.store.models import AuditEvent, Base
from tests.conftest import open_copy, reference_study

ROOT = Path(__file__).resolve().parents[3]
PACKAGED = ROOT / "reverie" / "formats" / "refi" / "schemas" / "Project-mrt2019.xsd"
SHARED = ROOT / ".." / "shared" / "refi-qda" / "Project-mrt2019.xsd"
#: Tables that stay with the study folder: the audit log, jobs, accounts.
LOCAL = {"audit_events", "audit_words", "audit_heads", "jobs", "job_chunks", "users", "memberships"}
SOMEONE_ELSE = Identity(name="Someone Else", initials="SE")


def project_schema() -> xmlschema.XMLSchema:
    """The official schema in ../shared when this machine has it, else the packaged copy of it."""
    return xmlschema.XMLSchema(str(SHARED if SHARED.is_file() else PACKAGED))


def study_tables(study) -> dict[str, list[dict[str, Any]]]:
    """Every table of the study, rows in the order made, ids replaced by what they point at."""
    tables = [table for table in Base.metadata.sorted_tables if table.name not in LOCAL]
    with study.read() as session:
        raw = {table.name: [dict(row) for row in session.execute(
            select(table).order_by(*table.primary_key.columns)).mappings()] for table in tables}

    def identity(table: str, ident: Any) -> Any:
        rows = raw[table]
        for place, row in enumerate(rows):
            if row.get("id") == ident:
                return row["guid"] if row.get("guid") else f"{table}#{place}"
        return f"{table}: missing {ident}"

    snapshot = {}
    for table in tables:
        targets = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
        rows = []
        for row in raw[table.name]:
            row = dict(row)
            if [column.name for column in table.primary_key.columns] == ["id"]:
                row.pop("id")
            for column, target in targets.items():
                if row.get(column) is not None:
                    row[column] = identity(target, row[column])
            for name, column in REF_COLUMNS:
                if name == table.name and isinstance(row.get(column), list):
                    row[column] = [{**ref, "id": identity(REF_KINDS[ref["kind"]], ref["id"])}
                                   if isinstance(ref, dict) and ref.get("kind") in REF_KINDS else ref
                                   for ref in row[column]]
            rows.append(row)
        snapshot[table.name] = rows
    return snapshot


def assert_same_tables(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    for name in first:
        assert len(first[name]) == len(second[name]), f"{name}: {len(first[name])} rows became {len(second[name])}"
        for number, (before, after) in enumerate(zip(first[name], second[name], strict=True)):
            assert before == after, f"{name} row {number} differs"


def reverie_part(archive: Path) -> dict[str, Any]:
    """The archive's Reverie part: the manifest, each table's records by key, and the media."""
    with zipfile.ZipFile(archive) as z:
        part: dict[str, Any] = {"manifest": json.loads(z.read(MANIFEST_MEMBER)), "tables": {}, "media": {}}
        for name in z.namelist():
            if name.startswith("reverie/tables/"):
                header, *lines = [json.loads(line) for line in z.read(name).decode("utf-8").splitlines()]
                records = [record for line in lines for record in line]
                if header[0] != "key":  # rows nothing points at: keyed by their place
                    header = ["key", *header]
                    records = [[f"#{number}", *record] for number, record in enumerate(records, 1)]
                part["tables"][name] = {record[0]: dict(zip(header[1:], record[1:], strict=True))
                                        for record in records}
                assert len(part["tables"][name]) == len(records), f"{name}: two records share a key"
            elif name.startswith("reverie/media/"):
                part["media"][name] = hashlib.sha256(z.read(name)).hexdigest()
        project_schema().validate(z.read("project.qde"))
    return part


def round_trip(study, tmp_path: Path):
    """Export, import into a new study, export again; (first archive, second archive, new study)."""
    first, second = tmp_path / "first.qdpx", tmp_path / "second.qdpx"
    export_qdpx(study, first)
    outcome = import_qdpx(first, tmp_path / "imported", identity=SOMEONE_ELSE)
    export_qdpx(outcome.study, second)
    return first, second, outcome


def assert_whole(study, tmp_path: Path) -> None:
    first, second, outcome = round_trip(study, tmp_path)
    try:
        one, two = reverie_part(first), reverie_part(second)
        assert one["manifest"]["unresolved"] == []
        assert one["manifest"] == two["manifest"]
        assert one["tables"].keys() == two["tables"].keys()
        for name in one["tables"]:
            assert one["tables"][name] == two["tables"][name], f"{name} differs between the two archives"
        assert one["media"] == two["media"]
        assert all(f"reverie/media/{sha}" in one["media"] for sha in one["manifest"]["media"])
        # The two studies hold the same records, table by table and row by row.
        assert_same_tables(study_tables(study), study_tables(outcome.study))
        assert {table.name for table in Base.metadata.sorted_tables} - set(
            name.removeprefix("reverie/tables/").removesuffix(".jsonl") for name in one["tables"]) == NOT_CARRIED
        # The new study's audit log: its creation, one import naming the archive's SHA-256, then
        # the second export.
        with outcome.study.read() as session:
            events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [event.action for event in events] == ["study.create", "refi.import", "refi.export"]
        assert json.loads(events[1].payload)["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
        # Recordings came inside the archive, byte for byte.
        for name, sha in one["media"].items():
            assert name.endswith(sha)
            assert hashlib.sha256(b"".join(outcome.study.media.read(sha))).hexdigest() == sha
    finally:
        outcome.study.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    study = build_demo(tmp_path_factory.mktemp("demo") / "reverie-demo")
    # A participant who withdrew but let their data be kept travels with status and consent.
    withdraw(study, "P5", withdrawn_on=date(2024, 6, 1), scope="no second interview", keep_data_collected=True,
             why="asked to stop after round 1")
    # A third layout, a recruitment record and a pen portrait, which the demo does not have.
    add_participant(study, "P6", gender="F", profession="Nurse")
    add_recruitment(study, "P6", invited_on="2024-05-01", channel="email", response="accepted")
    write_pen_portrait(study, "P6", "A ward nurse who trained peer workers.")
    add_interview(study, "P6", 1, held_on="2024-05-20", duration_min=41.5, location_type="video call")
    text = tmp_path_factory.mktemp("p6") / "p6.txt"
    text.write_text("I: How did it start?\nP6: With a phone call, really.\nI: Go on.\n"
                    "P6: She rang the ward and asked for me by name.\n", encoding="utf-8")
    import_transcript(study, "P6", 1, text, layout="per_turn")
    lock_transcript(study, "P6", 1)
    yield study
    study.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, study_templates):
    study = open_copy(study_templates, "reference", reference_study, tmp_path_factory.mktemp("reference") / "study")
    yield study
    study.close()


def test_the_demo_study_comes_back_whole(demo, tmp_path: Path) -> None:
    assert_whole(demo, tmp_path)


def test_the_reference_study_comes_back_whole(reference, tmp_path: Path) -> None:
    assert_whole(reference, tmp_path)


def test_what_the_demo_carries_is_what_reverie_keeps(demo, tmp_path: Path) -> None:
    """The things a flat REFI-QDA project loses are there after the trip, as they were."""
    first, _, outcome = round_trip(demo, tmp_path)
    try:
        tables = study_tables(outcome.study)
        study_row = tables["studies"][0]
        assert study_row["settings"]["identity"] == {"name": "Demo Researcher", "initials": "TM"}
        assert study_row["settings"]["inline_quotes"][0]["quote"] == "really important"
        assert {row["kind"] for row in tables["codes"]} >= {"discourse", "discursive_object"}
        assert {row["label"] for row in tables["researchers"]} == {"TM"}  # not the importer, SE
        assert {row["coder"] for row in tables["codings"]} == {"TM"}
        assert any(row["affect_intensity"] is not None for row in tables["reflexive_entries"])
        assert {"observation", "interpretation"} <= set(tables["reflexive_entries"][0]["parts"])
        assert len(tables["memo_versions"]) > len(tables["memos"])  # every version, not the latest
        assert len(tables["extract_status_changes"]) > 0 and len(tables["consultation_materials"]) > 0
        assert {row["kind"] for row in tables["annotations"]} >= {"pause", "prosody"}
        assert {row["round"] for row in tables["interviews"]} == {1, 2}
        p5 = next(row for row in tables["participants"] if row["code"] == "P5")
        assert p5["status"] == "withdrawn"
        assert tables["consent_records"][-1]["keep_data_collected"] is True
        assert len(tables["recordings"]) == 1 and len(tables["words"]) > 0
        layouts = {row["line_layout"]["mode"] for row in tables["transcript_versions"]}
        assert layouts == {"fixed_width", "imported", "per_turn"}
        assert len(tables["recruitment_records"]) == 6 and len(tables["pen_portraits"]) == 6  # the demo's and P6's
    finally:
        outcome.study.close()


def test_a_project_changed_by_another_tool_is_read_from_its_refi_part(demo, tmp_path: Path) -> None:
    """If another tool rewrote project.qde but kept reverie/, the records no longer describe it."""
    export_qdpx(demo, tmp_path / "ours.qdpx")
    changed = tmp_path / "changed.qdpx"
    with zipfile.ZipFile(tmp_path / "ours.qdpx") as given, zipfile.ZipFile(changed, "w") as out:
        for info in given.infolist():
            data = given.read(info)
            if info.filename == "project.qde":
                data = data.replace(b'name="risk"', b'name="danger"', 1)
            out.writestr(info, data)
    outcome = import_qdpx(changed, tmp_path / "imported", identity=SOMEONE_ELSE)
    try:
        assert any("changed after Reverie wrote it" in line for line in outcome.lines)
        with outcome.study.read() as session:
            events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        payload = json.loads(events[-1].payload)
        assert "reverie_records" not in payload
        assert any("changed after Reverie wrote it" in warning for warning in payload["warnings"])
    finally:
        outcome.study.close()


def test_the_refi_part_alone_keeps_the_researcher_and_coder_labels(demo, tmp_path: Path) -> None:
    """Read as another tool's file, a Reverie project still names its researcher and coders as before."""
    export_qdpx(demo, tmp_path / "ours.qdpx")
    outcome = import_qdpx(tmp_path / "ours.qdpx", tmp_path / "imported", own_records=False)
    try:
        tables = study_tables(outcome.study)
        assert [(row["label"], row["name"]) for row in tables["researchers"]] == [("TM", "Demo Researcher")]
        assert tables["studies"][0]["settings"]["identity"] == {"name": "Demo Researcher", "initials": "TM"}
        assert {row["coder"] for row in tables["codings"]} == {"TM"}
        assert not any("Restored the study" in line for line in outcome.lines)
    finally:
        outcome.study.close()


def test_the_exchange_page_describes_the_format() -> None:
    page = (ROOT / "docs" / "exchange.md").read_text(encoding="utf-8")
    from reverie.services.output.refi_reverie import FORMAT, FORMAT_VERSION

    assert f"`{FORMAT}`" in page and f"`version` ({FORMAT_VERSION})" in page
    assert all(f"`{table}`" in page for table in NOT_CARRIED)


def rewritten(archive: Path, target: Path, member: str, change) -> Path:
    """A copy of ``archive`` with ``member`` passed through ``change`` (bytes → bytes)."""
    with zipfile.ZipFile(archive) as given, zipfile.ZipFile(target, "w") as out:
        for info in given.infolist():
            data = given.read(info)
            out.writestr(info, change(data) if info.filename == member else data)
    return target


def with_row(change):
    """A table member rewrite: its first row passed through ``change(columns, row) → row``."""
    def rewrite(data: bytes) -> bytes:
        header, first, *rest = data.decode("utf-8").splitlines(keepends=True)
        rows = json.loads(first)
        rows[0] = change(json.loads(header), rows[0])
        return "".join([header, json.dumps(rows) + "\n", *rest]).encode()
    return rewrite


def with_value(column: str, change):
    """A table member rewrite: ``column`` of its first row passed through ``change``."""
    def changed(columns: list[str], row: list) -> list:
        at = columns.index(column)
        return [change(value) if number == at else value for number, value in enumerate(row)]
    return with_row(changed)


@pytest.mark.parametrize("member,change,message", [
    ("reverie/tables/interviews.jsonl", with_value("round", lambda _: "one"), "has round 'one', not a whole number"),
    ("reverie/tables/extracts.jsonl", with_value("participant_id", lambda key: "x" + key),
     "extracts.participant_id points at a participants row the archive does not hold"),
    ("reverie/tables/codes.jsonl", lambda data: b'{"columns": 3}\n' + data.split(b"\n", 1)[1],
     "codes.jsonl line 1 is not a header of column names"),
    ("reverie/tables/codes.jsonl", with_row(lambda _, row: [*row, "one too many"]),
     "codes.jsonl line 2 is not a line of records"),
    ("reverie/manifest.json", lambda data: json.dumps({**json.loads(data), "media": ["../../etc"]}).encode(),
     "not a SHA-256"),
    ("reverie/tables/codes.jsonl", lambda data: data + json.dumps(json.loads(data.splitlines()[1])[:1]).encode(),
     "holds 15 rows, the manifest says 14"),
])
def test_broken_records_refuse_the_import_and_leave_nothing(demo, tmp_path: Path, member, change, message) -> None:
    export_qdpx(demo, tmp_path / "ours.qdpx")
    broken = rewritten(tmp_path / "ours.qdpx", tmp_path / "broken.qdpx", member, change)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        import_qdpx(broken, tmp_path / "imported", identity=SOMEONE_ELSE)
    assert not (tmp_path / "imported").exists()


def as_version_1(data: bytes) -> bytes:
    """A version 2 table member as version 1 wrote it: ``{"key": ..., "row": {...}}`` per line."""
    header, *lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    rows = [row for line in lines for row in line]
    if header[0] != "key":  # version 1 keyed every row
        header = ["key", *header]
        rows = [[f"row-{number}", *row] for number, row in enumerate(rows, 1)]
    return "".join(json.dumps({"key": row[0], "row": dict(zip(header[1:], row[1:], strict=True))}) + "\n"
                   for row in rows).encode("utf-8")


def test_an_archive_in_format_version_1_still_imports_whole(demo, tmp_path: Path) -> None:
    export_qdpx(demo, tmp_path / "ours.qdpx")
    with zipfile.ZipFile(tmp_path / "ours.qdpx") as given, zipfile.ZipFile(tmp_path / "v1.qdpx", "w") as out:
        for info in given.infolist():
            data = given.read(info)
            if info.filename.startswith("reverie/tables/"):
                data = as_version_1(data)
            elif info.filename == MANIFEST_MEMBER:
                data = json.dumps({**json.loads(data), "version": 1}).encode()
            out.writestr(info, data)
    old = import_qdpx(tmp_path / "v1.qdpx", tmp_path / "from-v1", identity=SOMEONE_ELSE)
    new = import_qdpx(tmp_path / "ours.qdpx", tmp_path / "from-v2", identity=SOMEONE_ELSE)
    try:
        assert_same_tables(study_tables(old.study), study_tables(new.study))
    finally:
        old.study.close()
        new.study.close()
