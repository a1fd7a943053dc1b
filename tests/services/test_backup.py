"""Backup → restore keeps every record and media file with a verified audit chain; retention deletes
a verified interview's recording from media/ and from the backups; hostile archives are refused."""

from __future__ import annotations

import io
import tarfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.study import backup, interviews, retention, studies
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import Base, Recording
from tests.fixtures.audio import pcm_wav


def _counts(study) -> dict[str, int]:
    with study.read() as s:
        return {t.name: s.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables
                if t.name != "alembic_version"}


@pytest.fixture
def recorded(populated, tmp_path):
    audio = tmp_path / "p1.wav"
    pcm_wav(audio, bytes(range(256)) * 40)
    interviews.attach_recording(populated, "P1", 1, audio)
    return populated


@pytest.mark.both_backends  # dump and restore differ per backend
def test_backup_restore_round_trip_keeps_records_media_and_chain(recorded, tmp_path):
    archive = tmp_path / "out" / "study.tar"
    made = backup.backup_study(recorded, archive)
    assert made.media_files == 1 and archive.is_file()
    before = _counts(recorded)
    sha = recorded.media.all_hashes()

    restored = backup.restore_study(archive, tmp_path / "restored")
    assert restored.audit_events == made.audit_events
    again = studies.open_study(restored.root)
    try:
        assert _counts(again) == before
        assert again.media.all_hashes() == sha
        assert studies.verify_audit(again).ok
        assert transcripts.version_info(again, "P1", 1).status == "locked"
    finally:
        again.close()

    with pytest.raises(Conflict):
        backup.restore_study(archive, tmp_path / "restored")


@pytest.mark.both_backends  # dump and restore differ per backend
def test_restore_refuses_unsafe_or_damaged_archives(recorded, tmp_path):
    good = tmp_path / "good.tar"
    backup.backup_study(recorded, good)

    def rewrite(name, change):
        bad = tmp_path / name
        with tarfile.open(good) as src, tarfile.open(bad, "w") as dst:
            for member in src:
                data = src.extractfile(member).read()
                member, data = change(member, data)
                if member is not None:
                    member.size = len(data)
                    dst.addfile(member, io.BytesIO(data))
        return bad

    def escape(member, data):
        if member.name.startswith("media/"):
            member.name = "../escaped"
        return member, data

    def flip(member, data):
        return member, (data[:-1] + bytes([data[-1] ^ 1])) if member.name.startswith("media/") else data

    def absolute(member, data):
        if member.name == "study.toml":
            member.name = "/etc/study.toml"
        return member, data

    for bad in (rewrite("escape.tar", escape), rewrite("flip.tar", flip), rewrite("abs.tar", absolute)):
        target = tmp_path / f"from-{bad.stem}"
        with pytest.raises(InvalidInput):
            backup.restore_study(bad, target)
        assert not target.exists(), "a failed restore must leave nothing behind"
    assert not (tmp_path.parent / "escaped").exists()

    link = tmp_path / "link.tar"
    with tarfile.open(link, "w") as tar:
        info = tarfile.TarInfo("study.db")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(InvalidInput):
        backup.restore_study(link, tmp_path / "from-link")


@pytest.mark.both_backends  # verified dates and encrypted media per backend
def test_retention_deletes_verified_recordings_and_purges_backups(recorded, tmp_path):
    study = recorded
    sha = next(iter(study.media.all_hashes()))
    studies.update_study(study, retention={"delete_recordings_after_verified_days": 30, "review_date": "2030-01-31"})
    archive = backup.backup_study(study).path  # in backups/, as `reverie backup` does by default
    elsewhere = backup.backup_study(study, tmp_path / "offsite.tar").path

    today = date.today()
    plan = retention.retention_plan(study, today)
    assert plan.review_date == date(2030, 1, 31) and not plan.due and len(plan.not_yet_due) == 1
    assert not retention.apply_retention(study, today).deleted
    assert study.media.path_for(sha).exists()

    report = retention.apply_retention(study, today + timedelta(days=31))
    assert [d.sha256 for d in report.deleted] == [sha]
    assert not study.media.path_for(sha).exists()
    with study.read() as s:
        assert s.execute(select(Recording.deleted_at)).scalar() is not None
    assert set(report.archives_purged) == {archive, elsewhere}
    for path in (archive, elsewhere):
        with tarfile.open(path) as tar:
            assert not [n for n in tar.getnames() if n.startswith("media/")]
        assert sha in backup.read_index(path)["purged"]
    with pytest.raises(NotFound):
        interviews.recording_for(study, "P1", 1)
    assert studies.verify_audit(study).ok

    restored = backup.restore_study(archive, tmp_path / "after-retention")
    again = studies.open_study(restored.root)
    try:
        with again.read() as s:
            assert s.execute(select(Recording.deleted_at)).scalar() is not None
        assert not again.media.all_hashes() and studies.verify_audit(again).ok
    finally:
        again.close()


def test_drafts_are_never_due(study, transcript_file, tmp_path):
    from reverie.services.study import participants

    participants.add_participant(study, "P1")
    interviews.add_interview(study, "P1", 1)
    transcripts.import_transcript(study, "P1", 1, transcript_file)
    audio = tmp_path / "a.wav"
    pcm_wav(audio, b"x" * 100)
    interviews.attach_recording(study, "P1", 1, audio)
    studies.update_study(study, retention={"delete_recordings_after_verified_days": 0})
    assert not retention.retention_plan(study, date.today() + timedelta(days=3650)).due

