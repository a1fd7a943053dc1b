"""Remove what a withdrawn participant said from everywhere the study keeps it, and say so.

A withdrawal with ``--remove-data`` is a promise to a participant: their words and their voice are
gone from the study, not hidden from one screen. So, in the withdrawal's own transaction, their
transcripts lose their text, lines, words and turns (which takes them out of search), the codings
and annotations on those transcripts go (their quote selectors hold the words), their extracts
keep only their handles (reports and memos cite E-numbers), their short quotations leave the
report settings and the records of reports written, their recordings are marked deleted,
their response notes and pen portraits go, and the audit log's copies of their words are erased
(the digests stay, so the chain still verifies). What was removed is written into the withdrawal
record, together with the backups and outputs made before it, which still hold the words and are
the researcher's to deal with under the study's data management plan.

After the transaction the recordings' files are removed (unless another interview uses the same
bytes) and, on SQLite, the freed pages are overwritten and the search index is rebuilt, so the
words are not left in the database file either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from reverie.services.study.context import OpenStudy
from reverie.store import audit
from reverie.store.models import (
    Annotation,
    Coding,
    Extract,
    Interview,
    Participant,
    PenPortrait,
    Recording,
    Report,
    Response,
    ResponseNote,
    SpeakerTurn,
    Study,
    Transcript,
    TranscriptLine,
    TranscriptVersion,
    Word,
    utcnow,
)


def remove_participant_data(s: Session, study: OpenStudy, participant: Participant) -> dict:
    """Inside the withdrawal's transaction: remove the participant's words and voice; returns what was removed."""
    if study.is_sqlite:
        # Deleted rows are overwritten with zeros rather than left in free pages of study.db.
        s.execute(text("PRAGMA secure_delete = ON"))
    interviews = s.execute(select(Interview).where(Interview.participant_id == participant.id)
                           .order_by(Interview.round)).scalars().all()
    interview_ids = [i.id for i in interviews]
    versions = s.execute(select(TranscriptVersion).join(Transcript, TranscriptVersion.transcript_id == Transcript.id)
                         .where(Transcript.interview_id.in_(interview_ids))).scalars().all()
    version_ids = [v.id for v in versions]
    lines = s.execute(select(TranscriptLine.text).where(TranscriptLine.version_id.in_(version_ids))).scalars().all()
    extracts = s.execute(select(Extract).where(Extract.study_id == study.study_id,
                                               (Extract.participant_id == participant.id)
                                               | Extract.version_id.in_(version_ids))).scalars().all()
    notes = s.execute(select(ResponseNote).where(ResponseNote.interview_id.in_(interview_ids))).scalars().all()
    portraits = s.execute(select(PenPortrait).where(PenPortrait.participant_id == participant.id)).scalars().all()
    passages = [*lines, *(e.text_snapshot for e in extracts), *(e.display_text for e in extracts),
                *(n.text for n in notes), *(v.text for v in versions)]

    removed: dict = {"removed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "interviews": [i.round for i in interviews], "transcript_versions": len(versions),
                     "transcript_lines": len(lines)}
    removed["codings"] = _delete(s, Coding, Coding.version_id.in_(version_ids))
    removed["annotations"] = _delete(s, Annotation, Annotation.version_id.in_(version_ids))
    for model in (Word, SpeakerTurn, TranscriptLine):
        _delete(s, model, model.version_id.in_(version_ids))
    for version in versions:
        version.text = ""
    for extract in extracts:
        # The status stays: a report still says where their extract was and why it is left out.
        extract.text_snapshot, extract.display_text, extract.title, extract.selector = "", "", "", {}
    removed["extracts"] = [f"E{e.handle_no}" for e in sorted(extracts, key=lambda e: e.handle_no)]
    for interview in interviews:
        interview.narrative_pointers = []
    removed["response_notes"] = _delete(s, ResponseNote, ResponseNote.interview_id.in_(interview_ids))
    removed["pen_portraits"] = len(portraits)
    _delete(s, PenPortrait, PenPortrait.participant_id == participant.id)
    responses = s.execute(select(Response).where(Response.respondent == participant.code)).scalars().all()
    for response in responses:
        response.summary, response.target_detail = "", ""
    removed["responses"] = len(responses)
    recordings = s.execute(select(Recording).where(Recording.interview_id.in_(interview_ids),
                                                   Recording.deleted_at.is_(None))).scalars().all()
    for recording in recordings:
        recording.deleted_at = utcnow()
    removed["recordings"] = [r.original_name for r in recordings]
    s.flush()
    live = set(s.execute(select(Recording.sha256).where(Recording.deleted_at.is_(None))).scalars())
    removed["media_files"] = sorted({r.sha256 for r in recordings} - live)
    removed["inline_quotes"] = _drop_inline_quotes(s, study, participant.code)
    handles = {f"extract:{handle}" for handle in removed["extracts"]}
    removed["audit_words_erased"] = audit.erase_words(s, study.study_id, participant.code, passages, handles)
    removed["made_before"] = made_before(study)
    return removed


def _drop_inline_quotes(s: Session, study: OpenStudy, code: str) -> int:
    """Take their short quotations out of the study's report settings and of every report record."""
    dropped = 0
    holders = [s.get(Study, study.study_id),
               *s.execute(select(Report).where(Report.study_id == study.study_id)).scalars()]
    for holder in holders:
        quotes = (holder.settings or {}).get("inline_quotes") or []
        kept = [quote for quote in quotes if quote.get("participant") != code]
        if len(kept) != len(quotes):
            dropped += len(quotes) - len(kept) if isinstance(holder, Study) else 0
            holder.settings = {**holder.settings, "inline_quotes": kept}
    return dropped


def _delete(s: Session, model, condition) -> int:
    return s.execute(delete(model).where(condition).execution_options(synchronize_session=False)).rowcount or 0


def made_before(study: OpenStudy) -> list[dict]:
    """Backups and outputs in the study folder, with their dates: they still hold what was removed."""
    found = []
    for folder in (study.backups, study.root / "exports"):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    at = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
                    found.append({"file": str(path.relative_to(study.root)), "modified": at})
    return found


def finish_removal(study: OpenStudy, media_files: list[str]) -> None:
    """After the withdrawal commits: remove the recordings' files and scrub study.db of the words."""
    for sha in media_files:
        study.media.remove(sha)
    if study.is_sqlite:
        _scrub_sqlite(study)


def _scrub_sqlite(study: OpenStudy) -> None:
    """Rewrite the search index and fold the write-ahead log in, with freed pages zeroed."""
    with study.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
        connection.exec_driver_sql("INSERT INTO transcript_lines_fts(transcript_lines_fts) VALUES('rebuild')")
        connection.exec_driver_sql("INSERT INTO transcript_lines_fts(transcript_lines_fts) VALUES('optimize')")
        connection.commit()
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

