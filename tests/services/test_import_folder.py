"""Importing a folder of transcripts: names or a map say whose each file is; a bad file stores nothing."""

from __future__ import annotations

import sqlite3

import pytest

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts.bulk import import_folder, plan_folder
from reverie.services.transcripts.versions import lock_transcript


def _study(tmp_path):
    study = studies.init_study(tmp_path / "study", title="t", identity=studies.Identity("Test Researcher", "TR"))
    for code in ("P1", "P2"):
        participants.add_participant(study, code)
        interviews.add_interview(study, code, 1)
    return study


def _write(folder, name, text="I: How was it?\nP1: It was fine, on the whole.\n"):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _rows(study, sql):
    with sqlite3.connect(study.root / "study.db") as db:
        return db.execute(sql).fetchall()


def test_names_say_whose_each_file_is(tmp_path):
    folder = tmp_path / "in"
    for name in ("P1.txt", "p2_2.txt", "P1-r2.txt", "notes.md"):
        _write(folder, name)
    planned = {(f.path.name, f.participant, f.round) for f in plan_folder(folder)}
    assert planned == {("P1.txt", "P1", 1), ("p2_2.txt", "P2", 2), ("P1-r2.txt", "P1", 2)}


def test_a_folder_is_imported_in_audited_batches_and_missing_interviews_are_refused_or_added(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "in"
    for name in ("P1.txt", "P2.txt", "P2_2.txt", "P3.txt"):
        _write(folder, name)
    with pytest.raises(InvalidInput, match="no interview for P2 round 2, P3 round 1.*--create"):
        import_folder(study, folder)
    assert _rows(study, "SELECT count(*) FROM transcript_versions") == [(0,)]
    result = import_folder(study, folder, create=True, batch=3)
    assert result.created == ("P2 round 2", "P3 round 1")
    assert [(f.participant, f.round, r.version_number) for f, r in result.imported] == [
        ("P1", 1, 1), ("P2", 1, 1), ("P2", 2, 1), ("P3", 1, 1)]
    assert _rows(study, "SELECT count(*) FROM transcript_versions WHERE status = 'draft'") == [(4,)]
    # Each transcript is its own audit event; each batch one more, naming its files.
    assert _rows(study, "SELECT count(*) FROM audit_events WHERE action = 'transcript.import'") == [(4,)]
    assert _rows(study, "SELECT count(*) FROM audit_events WHERE action = 'transcript.import_batch'") == [(2,)]
    assert _rows(study, "SELECT code FROM participants ORDER BY code") == [("P1",), ("P2",), ("P3",)]


def test_a_bad_file_or_a_locked_transcript_is_named_and_nothing_is_stored(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "in"
    _write(folder, "P1.txt")
    _write(folder, "P2.txt", "")
    with pytest.raises(InvalidInput, match="P2.txt is empty"):
        import_folder(study, folder)
    assert _rows(study, "SELECT count(*) FROM transcript_versions") == [(0,)]
    _write(folder, "P2.txt")
    import_folder(study, folder)
    lock_transcript(study, "P1", 1)
    with pytest.raises(InvalidInput, match="P1.txt: P1 round 1 has a locked transcript"):
        import_folder(study, folder, replace=True)
    assert _rows(study, "SELECT count(*) FROM transcript_versions") == [(2,)]


def test_a_map_names_the_interviews(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "in"
    _write(folder, "first interview.txt")
    _write(folder, "second.txt")
    (tmp_path / "map.csv").write_text("file,participant,round\nfirst interview.txt,P2,1\nsecond.txt,P1,1\n")
    result = import_folder(study, folder, mapping=tmp_path / "map.csv")
    assert sorted((f.path.name, f.participant) for f, _ in result.imported) == [
        ("first interview.txt", "P2"), ("second.txt", "P1")]
    (tmp_path / "bad.csv").write_text("first interview.txt,P2,one\n")
    with pytest.raises(InvalidInput, match="bad.csv line 1: round 'one'"):
        import_folder(study, folder, mapping=tmp_path / "bad.csv")


def test_a_withdrawn_participants_file_is_refused_before_anything_is_stored(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "in"
    _write(folder, "P1.txt")
    _write(folder, "P2.txt", "I: How was it?\nP2: Long days, but we managed.\n")
    participants.withdraw(study, "P2", withdrawn_on="2024-05-01")
    with pytest.raises(Conflict, match="participant P2 has withdrawn"):
        import_folder(study, folder)
    assert _rows(study, "SELECT count(*) FROM transcript_versions") == [(0,)]


def test_replacing_drafts_makes_new_versions_whose_events_keep_the_chain_whole(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "in"
    _write(folder, "P1.txt")
    _write(folder, "P2.txt", "I: And the ward?\nP2: Busy. The milk ran out most nights.\n")
    import_folder(study, folder)
    result = import_folder(study, folder, replace=True, batch=1)
    assert [(f.participant, r.version_number) for f, r in result.imported] == [("P1", 2), ("P2", 2)]
    # Each interview's transcript points at its newest version, whose parent is the draft it replaced.
    assert _rows(study, "SELECT v.number, p.number FROM transcripts t "
                        "JOIN transcript_versions v ON v.id = t.current_version_id "
                        "JOIN transcript_versions p ON p.id = v.parent_id ORDER BY t.id") == [(2, 1), (2, 1)]
    assert _rows(study, "SELECT count(*) FROM transcript_lines_fts WHERE transcript_lines_fts MATCH 'milk'") == [(2,)]
    events = _rows(study, "SELECT action, target FROM audit_events WHERE action LIKE 'transcript.import%' "
                          "ORDER BY seq")
    assert events[-4:] == [("transcript.import", "interview:P1/1"), ("transcript.import_batch", "folder:in"),
                           ("transcript.import", "interview:P2/1"), ("transcript.import_batch", "folder:in")]
    assert studies.verify_audit(study).ok
