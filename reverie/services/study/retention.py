"""Delete recordings on schedule once their transcript is verified, everywhere the study keeps them.

The study's retention settings (``Study.retention``) say how long a recording is kept after its
transcript is verified or locked (``delete_recordings_after_verified_days``) and when the data
as a whole is next reviewed (``review_date``). A recording whose transcript is still a draft is
never due: the audio is the only check on the words until someone has verified them.

Deleting is: mark the recording deleted (audited, with the reason), remove its file from
``media/`` unless another live recording has the same bytes, and remove it from every backup
archive the study knows (those in ``backups/`` and those the audit log says were written
elsewhere), so a deletion promised to participants is not undone by a restore.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from reverie.core.errors import InvalidInput
from reverie.services.study import backup
from reverie.services.study.context import OpenStudy
from reverie.store.files import atomic_write
from reverie.store.models import (
    AuditEvent,
    Interview,
    Participant,
    Recording,
    Study,
    Transcript,
    TranscriptVersion,
    utcnow,
)


@dataclass(frozen=True)
class DueRecording:
    id: int
    participant: str
    round: int
    sha256: str
    verified_on: date
    due_on: date


@dataclass(frozen=True)
class RetentionReport:
    keep_days: int | None
    review_date: date | None
    due: tuple[DueRecording, ...]
    not_yet_due: tuple[DueRecording, ...]
    deleted: tuple[DueRecording, ...] = ()
    archives_purged: tuple[Path, ...] = ()


def _settings(study: OpenStudy) -> tuple[int | None, date | None]:
    with study.read() as s:
        retention = dict(s.get(Study, study.study_id).retention or {})
    days, review = retention.get("delete_recordings_after_verified_days"), retention.get("review_date")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise InvalidInput(f"retention delete_recordings_after_verified_days must be 0 or more days, not {days!r}")
    try:
        review_on = date.fromisoformat(review) if review else None
    except (TypeError, ValueError):
        raise InvalidInput(f"retention review_date must be a date like 2027-03-31, not {review!r}") from None
    return days, review_on


def retention_plan(study: OpenStudy, today: date | None = None) -> RetentionReport:
    """Which recordings are due for deletion today, which come later, and the review date."""
    days, review = _settings(study)
    today = today or date.today()
    due, later = [], []
    if days is not None:
        with study.read() as s:
            rows = s.execute(
                select(Recording, Participant.code, Interview.round, TranscriptVersion.verified_at)
                .join(Interview, Recording.interview_id == Interview.id)
                .join(Participant, Interview.participant_id == Participant.id)
                .join(Transcript, Transcript.interview_id == Interview.id)
                .join(TranscriptVersion, TranscriptVersion.id == Transcript.current_version_id)
                .where(Participant.study_id == study.study_id, Recording.deleted_at.is_(None),
                       TranscriptVersion.status.in_(("verified", "locked")), TranscriptVersion.verified_at.is_not(None))
                .order_by(Recording.id)).all()
        for recording, code, round_no, verified_at in rows:
            due_on = recording.deletion_due or verified_at.date() + timedelta(days=days)
            entry = DueRecording(recording.id, code, round_no, recording.sha256, verified_at.date(), due_on)
            (due if due_on <= today else later).append(entry)
    return RetentionReport(days, review, tuple(due), tuple(later))


def apply_retention(study: OpenStudy, today: date | None = None) -> RetentionReport:
    """Delete every recording that is due, from media/ and from the study's backup archives."""
    plan = retention_plan(study, today)
    for entry in plan.due:
        with study.write("recording.delete", target=f"interview:{entry.participant}/{entry.round}",
                         why=f"retention: {plan.keep_days} days after the transcript was verified on "
                             f"{entry.verified_on}",
                         payload={"recording": entry.id, "sha256": entry.sha256, "due_on": str(entry.due_on)}) as s:
            s.get(Recording, entry.id).deleted_at = utcnow()
    gone = _sweep_media(study)
    archives = tuple(path for path in known_archives(study) if _purge_archive(path, gone))
    return RetentionReport(plan.keep_days, plan.review_date, plan.due, plan.not_yet_due, plan.due, archives)


def _sweep_media(study: OpenStudy) -> set[str]:
    """Remove the files of deleted recordings that no live recording shares; also retries past failures."""
    with study.read() as s:
        deleted = set(s.execute(select(Recording.sha256).where(Recording.deleted_at.is_not(None))).scalars())
        live = set(s.execute(select(Recording.sha256).where(Recording.deleted_at.is_(None))).scalars())
    gone = deleted - live
    for sha in gone:
        study.media.remove(sha)
    return gone


def known_archives(study: OpenStudy) -> list[Path]:
    """Backup archives in ``backups/`` and wherever the audit log says one was written, that still exist."""
    paths = set(study.backups.glob("*.tar")) if study.backups.is_dir() else set()
    with study.read() as s:
        for payload in s.execute(select(AuditEvent.payload).where(AuditEvent.study_id == study.study_id,
                                                                  AuditEvent.action == "study.backup")).scalars():
            name = json.loads(payload or "{}").get("file")
            if name:
                paths.add(Path(name))
    return sorted(path for path in paths if path.is_file())


def _purge_archive(archive: Path, hashes: set[str]) -> bool:
    """Rewrite an archive without the given recordings, noting them as purged; True if it held any."""
    try:
        index = backup.read_index(archive)
    except (InvalidInput, tarfile.TarError, ValueError):
        return False
    names = {f"media/{sha[:2]}/{sha}" for sha in hashes}
    already = set(index.get("purged", []))
    held = names & set(index.get("files", {}))
    if not held:
        return False
    index["purged"] = sorted(already | {name.rsplit("/", 1)[1] for name in held})
    for name in held:
        index["files"].pop(name)
    with (tarfile.open(archive, "r:") as src, atomic_write(archive) as handle,
          tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as dst):
        for member in src:
            if member.name in held or member.name == backup.INDEX:
                continue
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        data = json.dumps(index, indent=1, sort_keys=True).encode()
        backup.add_bytes(dst, {}, data, backup.INDEX)
    return True
