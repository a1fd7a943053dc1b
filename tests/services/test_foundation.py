"""The study folder, the domain records, Table 1, consent, and bad input, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.study import interviews, participants, studies
from reverie.store.models import AuditEvent, Participant, Recording
from tests.fixtures.audio import pcm_wav


def test_init_makes_the_study_folder(tmp_path):
    study = studies.init_study(tmp_path / "my-study", title="Peer support", identity=studies.Identity("Tom", "TM"))
    root = tmp_path / "my-study"
    assert (root / "study.db").is_file() and (root / "media").is_dir() and (root / "backups").is_dir()
    with sqlite3.connect(root / "study.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert any("audit" in t for t in tables)
    assert studies.get_study(study).title == "Peer support"
    study.close()


@pytest.mark.both_backends  # a team study opens through its URL and media key
def test_reopen_keeps_identity(study):
    reopened = studies.open_study(study.root)
    assert reopened.actor == "TM" and reopened.study_id == study.study_id
    reopened.close()


def test_not_a_study_folder(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(InvalidInput, match="not a Reverie study"):
        studies.open_study(tmp_path / "plain")


def test_init_refuses_an_existing_study(study):
    with pytest.raises(Conflict):
        studies.init_study(study.root, title="again")


def test_participants_and_table_one(study):
    rows = [
        ("P1", "F", "Occupational Therapist", "Acute Care"),
        ("P2", "F", "Psychologist", "Community"),
        ("P3", "F", "Nurse", "Community"),
        ("P4", "M", "Social Worker", "Specialist Services"),
        ("P5", "M", "Psychiatrist", "Community"),
    ]
    for code, gender, profession, setting in rows:
        participants.add_participant(study, code, gender=gender, profession=profession, setting=setting,
                                     years_band=">15", recruitment_channel="email")
    table = participants.participant_table(study)
    assert table.columns == ("Participant", "Gender", "Profession", "Mental health work setting",
                             "Years post-qualification experience")
    assert table.rows[4] == ("P5", "M", "Psychiatrist", "Community", ">15")
    assert table.to_csv().splitlines()[1] == "P1,F,Occupational Therapist,Acute Care,>15"
    assert "| P4 | M | Social Worker | Specialist Services | >15 |" in table.to_markdown()


def test_duplicate_and_unknown_participant_write_nothing(study):
    participants.add_participant(study, "P1")
    events_before = _events(study)
    with pytest.raises(Conflict, match="already exists"):
        participants.add_participant(study, "P1")
    with pytest.raises(NotFound, match="no participant 'P9'"):
        interviews.add_interview(study, "P9", 1)
    with pytest.raises(InvalidInput, match="participant code"):
        participants.add_participant(study, "Jane Smith")
    assert _events(study) == events_before


def test_invalid_date_and_round(study):
    participants.add_participant(study, "P1")
    with pytest.raises(InvalidInput, match="invalid interview date '2019-13-45'"):
        interviews.add_interview(study, "P1", 1, held_on="2019-13-45")
    with pytest.raises(InvalidInput, match="round"):
        interviews.add_interview(study, "P1", 0)
    with study.read() as s:
        assert s.execute(select(Participant)).scalars().one().interviews == []


@pytest.mark.both_backends  # a team study's media are encrypted
def test_recordings_are_content_addressed(study, tmp_path):
    participants.add_participant(study, "P1")
    audio = tmp_path / "p1.wav"
    pcm_wav(audio, b"\x00" * 2000)
    copy = tmp_path / "same.wav"
    copy.write_bytes(audio.read_bytes())
    interviews.add_interview(study, "P1", 1, recording=audio)
    interviews.add_interview(study, "P1", 2, recording=copy)
    stored = list((study.root / "media").glob("??/*"))
    assert len(stored) == 1
    with study.read() as s:
        shas = s.execute(select(Recording.sha256)).scalars().all()
    assert len(shas) == 2 and len(set(shas)) == 1 and stored[0].name == shas[0]


@pytest.mark.both_backends  # a team study's media are encrypted
def test_bad_recordings_write_nothing(study, tmp_path):
    participants.add_participant(study, "P1")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty"):
        interviews.add_interview(study, "P1", 1, recording=empty)
    with pytest.raises(InvalidInput, match="not a file"):
        interviews.add_interview(study, "P1", 1, recording=tmp_path)
    assert interviews.list_interviews(study) == []
    assert not list((study.root / "media").glob("??/*"))


def test_consent_and_withdrawal(study):
    participants.add_participant(study, "P1")
    participants.record_consent(study, "P1", consented_on="2019-02-01", anonymised_quotes=False)
    status = participants.consent_status(study, "P1")
    assert not status.quotes_allowed and not status.withdrawn
    participants.withdraw(study, "P1", withdrawn_on="2019-06-01", scope="all further contact", keep_data_collected=True)
    assert participants.consent_status(study, "P1").withdrawn
    with pytest.raises(Conflict, match="withdrawn"):
        interviews.add_interview(study, "P1", 2)
    # Their data were kept, so Table 1 still lists them (as the report's Table 1 and its counts do).
    assert [row[0] for row in participants.participant_table(study).rows] == ["P1"]


def test_interview_statuses_and_schedule(populated):
    rows = {(r.code, r.round): r.status for r in interviews.list_interviews(populated)}
    assert rows == {("P1", 1): "locked"}
    interviews.add_schedule(populated, [
        "Why did you choose to work with peers?",
        "Do you think peers help?",
        "Can you tell me about a time when working with a peer support worker felt particularly valuable?",
    ])
    advice = interviews.check_schedule(populated)
    assert advice[0].findings and advice[1].findings and not advice[2].findings


def test_researcher_profile_and_ethics(study):
    interviews.save_researcher(study, "TM", occupation="Counselling Psychologist, NHS",
                               berger_position="shared_experience")
    interviews.add_ethics_approval(study, "HRA", reference="IRAS 237366", approved_on="2018-06-01")
    assert interviews.researchers(study)[0].occupation.startswith("Counselling")
    assert interviews.ethics_approvals(study)[0].reference == "IRAS 237366"
    with pytest.raises(InvalidInput):
        interviews.save_researcher(study, "TM", berger_position="insider")


@pytest.mark.both_backends  # the chain head is locked FOR UPDATE
def test_every_write_is_audited_and_the_chain_holds(populated):
    check = studies.verify_audit(populated)
    assert check.ok and check.events == _events(populated)
    with populated.read() as s:
        actions = s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
        actors = set(s.execute(select(AuditEvent.actor)).scalars())
    assert actions[0] == "study.create" and "transcript.lock" in actions and actors == {"TM"}


@pytest.mark.both_backends  # the chain head is locked FOR UPDATE
def test_tampering_is_named(populated):
    from sqlalchemy import update

    with populated.engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(why="edited behind Reverie's back"))
    check = studies.verify_audit(populated)
    assert not check.ok and check.first_bad_seq == 3


@pytest.mark.both_backends  # the chain head is locked FOR UPDATE
def test_deleted_event_is_named(populated):
    from sqlalchemy import delete

    with populated.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    check = studies.verify_audit(populated)
    assert not check.ok and check.first_bad_seq == 2


def test_identity_is_recorded(study):
    studies.set_identity(study, studies.Identity("Lisa Zeeman", "LZ"))
    participants.add_participant(study, "P1")
    with study.read() as s:
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last.actor == "LZ"


def _events(study) -> int:
    with study.read() as s:
        return len(s.execute(select(AuditEvent.id)).all())
