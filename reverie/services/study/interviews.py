"""Interviews in rounds, their recordings, schedules, ethics approvals and researcher profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.schedule_lint import lint_question
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import (
    ensure_not_withdrawn,
    find_participant,
    parse_date,
)
from reverie.services.study.reading import (  # noqa: F401  (the interview list is read in plain SQL, named here too)
    InterviewSummary,
    interview_status,
    list_interviews,
    unknown_interview,
)
from reverie.store.models import (
    EthicsApproval,
    Interview,
    InterviewSchedule,
    Recording,
    ResearcherProfile,
    ResponseNote,
    ScheduleItem,
    utcnow,
)

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".mp4", ".webm", ".mov", ".wma"}
VIDEO_SUFFIXES = {".mp4", ".webm", ".mov", ".mkv"}


def find_interview(session, study: OpenStudy, code: str, round_no: int) -> Interview:
    participant = find_participant(session, study, code)
    interview = session.execute(select(Interview).where(Interview.participant_id == participant.id,
                                                        Interview.round == round_no)).scalar_one_or_none()
    if interview is None:
        raise unknown_interview(code, round_no)
    return interview


def _researcher_id(session, study: OpenStudy, label: str | None) -> int | None:
    label = label or study.actor
    row = session.execute(select(ResearcherProfile.id).where(ResearcherProfile.study_id == study.study_id,
                                                             ResearcherProfile.label == label)).scalar_one_or_none()
    if row is None and label != study.actor:
        raise NotFound(f"no researcher {label!r} in this study")
    return row


def add_interview(study: OpenStudy, code: str, round_no: int, *, held_on: str | date | None = None,
                  duration_min: float | None = None, purpose: str = "narrative", location_type: str = "",
                  others_present: str = "", interviewer: str | None = None, schedule_version: int | None = None,
                  recording: Path | str | None = None, why: str = "") -> Interview:
    """Record an interview (and optionally attach its recording) for a participant and round."""
    if round_no < 1:
        raise InvalidInput(f"round must be 1 or more, not {round_no}")
    if purpose not in vocab.INTERVIEW_PURPOSES:
        raise InvalidInput(f"purpose {purpose!r} is not one of {', '.join(vocab.INTERVIEW_PURPOSES)}")
    if duration_min is not None and duration_min < 0:
        raise InvalidInput(f"duration must not be negative ({duration_min})")
    when = parse_date(held_on, "interview date")
    if recording is not None:
        _check_recording_file(Path(recording))
    ensure_not_withdrawn(study, code)
    payload: dict[str, Any] = {"participant": code, "round": round_no, "purpose": purpose, "held_on": str(when),
                               "duration_min": duration_min}
    with study.write("interview.add", target=f"interview:{code}/{round_no}", why=why, payload=payload) as s:
        participant = find_participant(s, study, code)
        if s.execute(select(Interview.id).where(Interview.participant_id == participant.id,
                                                Interview.round == round_no)).first():
            raise Conflict(f"{code} already has a round {round_no} interview")
        schedule_id = None
        if schedule_version is not None:
            schedule_id = s.execute(select(InterviewSchedule.id).where(
                InterviewSchedule.study_id == study.study_id, InterviewSchedule.version == schedule_version)).scalar()
            if schedule_id is None:
                raise NotFound(f"no interview schedule version {schedule_version}")
        interview = Interview(participant_id=participant.id, round=round_no, purpose=purpose, held_on=when,
                              duration_min=duration_min, location_type=location_type, others_present=others_present,
                              interviewer_id=_researcher_id(s, study, interviewer), schedule_id=schedule_id,
                              created_by=study.actor)
        s.add(interview)
        s.flush()
        payload["id"] = interview.id
        if recording is not None:
            attach_recording(study, code, round_no, recording)
    return interview


def update_interview(study: OpenStudy, code: str, round_no: int, *, why: str = "", **fields: Any) -> Interview:
    allowed = {"purpose", "held_on", "duration_min", "location_type", "others_present", "item_coverage",
               "narrative_pointers", "start_time"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"unknown interview field(s): {', '.join(sorted(unknown))}")
    if "held_on" in fields:
        fields["held_on"] = parse_date(fields["held_on"], "interview date")
    coverage = fields.get("item_coverage") or {}
    bad = [v for v in coverage.values() if v not in vocab.ITEM_COVERAGE]
    if bad:
        raise InvalidInput(f"item coverage must be one of {', '.join(vocab.ITEM_COVERAGE)} (got {bad[0]!r})")
    with study.write("interview.update", target=f"interview:{code}/{round_no}", why=why,
                     payload={k: str(v) for k, v in fields.items()}) as s:
        interview = find_interview(s, study, code, round_no)
        for key, value in fields.items():
            setattr(interview, key, value)
    return interview


def add_narrative_pointer(study: OpenStudy, code: str, round_no: int, words: str) -> list[str]:
    """Keep the participant's own words, in the order raised, for follow-up questions in their phrasing."""
    if not words.strip():
        raise InvalidInput("a narrative pointer needs the participant's words")
    with study.write("interview.narrative_pointer", target=f"interview:{code}/{round_no}",
                     payload={"words": words}) as s:
        interview = find_interview(s, study, code, round_no)
        interview.narrative_pointers = [*(interview.narrative_pointers or []), words]
        return list(interview.narrative_pointers)


def _check_recording_file(path: Path) -> None:
    if not path.exists():
        raise InvalidInput(f"{path}: no such recording file")
    if not path.is_file():
        raise InvalidInput(f"{path}: the recording is not a file")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path}: the recording is empty")
    check_recording_decodes(path)
    _check_wav_length(path)


def _check_wav_length(path: Path) -> None:
    """Refuse a WAV file cut short: its header still says how much audio it should hold.

    Why here: FFmpeg decodes a cut-off WAV without complaint, so the file would pass the decode
    check, be attached, and only fail when transcribed, long after the good copy is gone.
    """
    from reverie.speech.audio import TRUNCATION_TOLERANCE, wav_shortfall

    shortfall = wav_shortfall(path)
    if shortfall and shortfall[1] < shortfall[0] * TRUNCATION_TOLERANCE:
        raise InvalidInput(f"{path}: not a complete recording (its header declares {shortfall[0]:,} bytes of "
                           f"audio; {shortfall[1]:,} are there): the file was cut short, so attach a complete copy")


def check_recording_decodes(path: Path) -> None:
    """Refuse a file that is not a recording: it must have an audio stream whose first second decodes.

    Why decode, not just open: the workbench serves recordings in its own origin, and an HTML page
    or an SVG with a script, attached as ``x.wav``, would run there. PyAV opens an SVG or a PNG as
    a *video* stream, so "it opens" proves nothing; audio that decodes does.
    """
    import av  # a dependency of Reverie itself: every install can check recordings
    decoded = 0
    try:
        with av.open(str(path)) as container:
            audio = next((s for s in container.streams if s.type == "audio"), None)
            if audio is None:
                raise InvalidInput(f"{path}: not a recording (the file has no audio stream)")
            rate = audio.codec_context.sample_rate or audio.rate or 1
            for frame in container.decode(audio):
                decoded += frame.samples
                if decoded >= rate:
                    break
    except InvalidInput:
        raise
    except Exception as exc:  # PyAV's FFmpegError family, and codecs it cannot describe (AttributeError)
        # FFmpeg quotes the path it opened: once, at the start, is enough.
        reason = " ".join(str(exc).replace(str(path), path.name).split())[:200] or type(exc).__name__
        raise InvalidInput(f"{path}: not a recording Reverie can play (its audio does not decode: "
                           f"{reason})") from None
    if decoded == 0:
        raise InvalidInput(f"{path}: not a recording Reverie can play (no audio decodes from its start; "
                           "is the file cut short?)")


def attach_recording(study: OpenStudy, code: str, round_no: int, path: Path | str, *,
                     duration_s: float | None = None) -> Recording:
    """Copy a recording into ``media/`` (by SHA-256, never twice) and attach it to the interview."""
    path = Path(path)
    _check_recording_file(path)
    suffix = path.suffix.lower()
    kind = "video" if suffix in VIDEO_SUFFIXES - {".mp4", ".webm"} else "audio"
    staged = study.media.stage(path)
    payload = {"sha256": staged.sha256, "name": path.name, "size": staged.size}
    try:
        with study.write("recording.attach", target=f"interview:{code}/{round_no}", payload=payload) as s:
            interview = find_interview(s, study, code, round_no)
            duplicate = s.execute(select(Recording.id).where(Recording.interview_id == interview.id,
                                                             Recording.sha256 == staged.sha256)).first()
            if duplicate:
                raise Conflict(f"{path.name} is already attached to {code} round {round_no}")
            recording = Recording(interview_id=interview.id, kind=kind, sha256=staged.sha256,
                                  original_name=path.name, suffix=suffix, size_bytes=staged.size,
                                  duration_s=duration_s, created_by=study.actor)
            s.add(recording)
            staged.commit_with(s)
    except BaseException:
        staged.discard()
        raise
    return recording


def detach_recording(study: OpenStudy, code: str, round_no: int, *, why: str,
                     name: str | None = None) -> Recording:
    """Take a recording attached by mistake off an interview; the one attached before it is used again.

    ``name`` (the file name it was attached under) picks one of several; without it the latest,
    the one transcription would use, is detached. The detaching is audited with its reason. The
    media file stays while another interview (or this one, attached twice) still uses it, and is
    removed once none does.
    """
    if not why.strip():
        raise InvalidInput("say why the recording is detached (--why); the reason goes into the audit trail")
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        live = s.execute(select(Recording).where(Recording.interview_id == interview.id,
                                                 Recording.deleted_at.is_(None))
                         .order_by(Recording.id.desc())).scalars().all()
    if not live:
        raise NotFound(f"{code} round {round_no} has no recording to detach")
    chosen = live[0] if name is None else next((r for r in live if r.original_name == name), None)
    if chosen is None:
        names = ", ".join(r.original_name for r in live)
        raise NotFound(f"{code} round {round_no} has no recording named {name!r}; its recordings: {names}")
    payload = {"recording": chosen.id, "name": chosen.original_name, "sha256": chosen.sha256}
    with study.write("recording.detach", target=f"interview:{code}/{round_no}", why=why, payload=payload) as s:
        row = s.get(Recording, chosen.id)
        if row is None or row.deleted_at is not None:
            raise Conflict(f"{chosen.original_name} was detached from {code} round {round_no} meanwhile")
        row.deleted_at = utcnow()
    with study.read() as s:
        still_used = s.execute(select(Recording.id).where(Recording.sha256 == chosen.sha256,
                                                          Recording.deleted_at.is_(None))).first()
    if not still_used:
        study.media.remove(chosen.sha256)  # as the retention sweep does for deleted recordings
    return chosen


def recording_for(study: OpenStudy, code: str, round_no: int) -> Recording:
    """The interview's latest recording; :class:`NotFound` says how to attach one."""
    recording = find_recording(study, code, round_no)
    if recording is None:
        raise NotFound(f"{code} round {round_no} has no recording; attach one with --recording FILE")
    return recording


def find_recording(study: OpenStudy, code: str, round_no: int) -> Recording | None:
    """The interview's latest recording, or None: pages and reports work without audio."""
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        return s.execute(select(Recording).where(Recording.interview_id == interview.id,
                                                 Recording.deleted_at.is_(None))
                         .order_by(Recording.id.desc())).scalars().first()


def add_response_note(study: OpenStudy, code: str, round_no: int, text: str, *, timecode_s: float | None = None,
                      response_id: int | None = None) -> ResponseNote:
    """A timecoded note on a recorded but untranscribed interview (a round-2 member reflection)."""
    if not text.strip():
        raise InvalidInput("a response note needs some text")
    if timecode_s is not None and timecode_s < 0:
        raise InvalidInput("a timecode cannot be negative")
    with study.write("interview.response_note", target=f"interview:{code}/{round_no}",
                     payload={"timecode_s": timecode_s, "text": text}) as s:
        interview = find_interview(s, study, code, round_no)
        note = ResponseNote(interview_id=interview.id, timecode_s=timecode_s, text=text, response_id=response_id,
                            created_by=study.actor)
        s.add(note)
    return note


def response_notes(study: OpenStudy, code: str, round_no: int) -> list[ResponseNote]:
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        return list(s.execute(select(ResponseNote).where(ResponseNote.interview_id == interview.id)
                              .order_by(ResponseNote.timecode_s, ResponseNote.id)).scalars())


# --- schedules -------------------------------------------------------------------------------

def add_schedule(study: OpenStudy, items: list[tuple[str, str] | str], *, pilot_tested: bool = False,
                 note: str = "", why: str = "") -> InterviewSchedule:
    """Save a new version of the interview schedule: items as text or (kind, text)."""
    parsed = []
    for item in items:
        kind, text = ("narrative", item) if isinstance(item, str) else item
        if kind not in vocab.SCHEDULE_ITEM_KINDS:
            raise InvalidInput(f"schedule item kind {kind!r} is not one of {', '.join(vocab.SCHEDULE_ITEM_KINDS)}")
        if not text.strip():
            raise InvalidInput("a schedule item needs text")
        parsed.append((kind, text.strip()))
    if not parsed:
        raise InvalidInput("a schedule needs at least one question")
    payload: dict[str, Any] = {"items": len(parsed)}
    with study.write("schedule.add", target="schedule", why=why, payload=payload) as s:
        latest = s.execute(select(func.max(InterviewSchedule.version)).where(
            InterviewSchedule.study_id == study.study_id)).scalar() or 0
        schedule = InterviewSchedule(study_id=study.study_id, version=latest + 1, pilot_tested=pilot_tested,
                                     note=note, created_by=study.actor)
        schedule.items = [ScheduleItem(seq=i + 1, kind=k, text=t) for i, (k, t) in enumerate(parsed)]
        s.add(schedule)
        s.flush()
        payload["version"] = schedule.version
    return schedule


def schedules(study: OpenStudy) -> list[InterviewSchedule]:
    with study.read() as s:
        rows = s.execute(select(InterviewSchedule).where(InterviewSchedule.study_id == study.study_id)
                         .order_by(InterviewSchedule.version)).scalars().all()
        for row in rows:
            _ = row.items
        return list(rows)


@dataclass(frozen=True)
class ScheduleAdvice:
    seq: int
    question: str
    findings: tuple  # of reverie.core.schedule_lint.Finding


def check_schedule(study: OpenStudy, version: int | None = None) -> list[ScheduleAdvice]:
    """Advice on each question of a schedule version for a free-association narrative interview."""
    all_versions = schedules(study)
    if not all_versions:
        raise NotFound("the study has no interview schedule yet")
    chosen = all_versions[-1] if version is None else next((v for v in all_versions if v.version == version), None)
    if chosen is None:
        raise NotFound(f"no interview schedule version {version}")
    return [ScheduleAdvice(item.seq, item.text, tuple(lint_question(item.text))) for item in chosen.items]


# --- ethics and researchers ------------------------------------------------------------------

def add_ethics_approval(study: OpenStudy, body: str, *, reference: str = "", approved_on=None,
                        documents: list[str] | None = None) -> EthicsApproval:
    if not body.strip():
        raise InvalidInput("an ethics approval needs the approving body (REC, HRA, R&D …)")
    when = parse_date(approved_on, "approval date")
    with study.write("ethics.add", target="ethics", payload={"body": body, "reference": reference}) as s:
        approval = EthicsApproval(study_id=study.study_id, body=body, reference=reference, approved_on=when,
                                  documents=documents or [], created_by=study.actor)
        s.add(approval)
    return approval


def ethics_approvals(study: OpenStudy) -> list[EthicsApproval]:
    with study.read() as s:
        return list(s.execute(select(EthicsApproval).where(EthicsApproval.study_id == study.study_id)
                              .order_by(EthicsApproval.id)).scalars())


RESEARCHER_FIELDS = ("name", "roles", "credentials", "occupation", "gender", "experience_training",
                     "relationship_to_participants", "berger_position", "statement")


def save_researcher(study: OpenStudy, label: str, **fields: Any) -> ResearcherProfile:
    """Add or update a researcher profile (positionality for COREQ 1–8 and SRQR 6)."""
    unknown = set(fields) - set(RESEARCHER_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown researcher field(s): {', '.join(sorted(unknown))}")
    position = fields.get("berger_position")
    if position and position not in vocab.BERGER_POSITIONS:
        raise InvalidInput(f"berger_position must be one of {', '.join(vocab.BERGER_POSITIONS)}")
    with study.write("researcher.save", target=f"researcher:{label}", payload=dict(fields)) as s:
        profile = s.execute(select(ResearcherProfile).where(ResearcherProfile.study_id == study.study_id,
                                                            ResearcherProfile.label == label)).scalar_one_or_none()
        if profile is None:
            profile = ResearcherProfile(study_id=study.study_id, label=label, created_by=study.actor)
            s.add(profile)
        for key, value in fields.items():
            setattr(profile, key, value)
    return profile


def researchers(study: OpenStudy) -> list[ResearcherProfile]:
    with study.read() as s:
        return list(s.execute(select(ResearcherProfile).where(ResearcherProfile.study_id == study.study_id)
                              .order_by(ResearcherProfile.id)).scalars())
