"""Participants, their consent, recruitment and pen portraits, and Table 1.

Table 1 (:func:`participant_table`) is read in plain SQL in :mod:`reverie.services.study.reading`,
which the quick CLI reads share; it is named here too, with the rest of what concerns participants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.errors import Conflict, InvalidInput
from reverie.services.study.context import OpenStudy
from reverie.services.study.reading import (  # noqa: F401  (Table 1 is named here too)
    TABLE_COLUMNS,
    ParticipantTable,
    participant_table,
    unknown_participant,
)
from reverie.store.models import (
    ConsentRecord,
    Participant,
    PenPortrait,
    RecruitmentRecord,
)

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$")
EDITABLE = ("gender", "profession", "setting", "years_band", "attributes", "recruitment_channel",
            "reason_for_participating", "prior_relationship", "status")
CONSENT_ITEMS = ("take_part", "audio_recording", "anonymised_quotes", "second_interview", "archiving", "contact")


def parse_date(value: str | date | None, what: str = "date") -> date | None:
    """Accept ISO dates (YYYY-MM-DD); refuse anything else with a clear message."""
    if value is None or value == "" or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"invalid {what} {value!r}: use YYYY-MM-DD") from None


def find_participant(session, study: OpenStudy, code: str) -> Participant:
    participant = session.execute(
        select(Participant).where(Participant.study_id == study.study_id, Participant.code == code)
    ).scalar_one_or_none()
    if participant is None:
        known = session.execute(select(Participant.code).where(Participant.study_id == study.study_id)
                                .order_by(Participant.id)).scalars().all()
        raise unknown_participant(code, known)
    return participant


def add_participant(study: OpenStudy, code: str, *, why: str = "", **fields: Any) -> Participant:
    """Add a participant under a pseudonym code such as P1; never a real name."""
    if not _CODE.match(code or ""):
        raise InvalidInput(f"participant code {code!r} must start with a letter and hold only letters, digits, - or _")
    _check_fields(fields)
    payload: dict[str, Any] = {"code": code, **fields}
    with study.write("participant.add", target=f"participant:{code}", why=why, payload=payload) as s:
        exists = s.execute(select(Participant.id).where(Participant.study_id == study.study_id,
                                                        Participant.code == code)).first()
        if exists:
            raise Conflict(f"participant {code!r} already exists in this study")
        participant = Participant(study_id=study.study_id, code=code, created_by=study.actor, **fields)
        s.add(participant)
        s.flush()
        payload["id"] = participant.id
    return participant


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"unknown participant field(s): {', '.join(sorted(unknown))}")
    status = fields.get("status")
    if status is not None and status not in vocab.PARTICIPANT_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(vocab.PARTICIPANT_STATUSES)}")


def update_participant(study: OpenStudy, code: str, *, why: str = "", **fields: Any) -> Participant:
    _check_fields(fields)
    with study.write("participant.update", target=f"participant:{code}", why=why, payload=dict(fields)) as s:
        participant = find_participant(s, study, code)
        for key, value in fields.items():
            setattr(participant, key, value)
    return participant


def list_participants(study: OpenStudy) -> list[Participant]:
    with study.read() as s:
        rows = s.execute(select(Participant).where(Participant.study_id == study.study_id)
                         .order_by(Participant.id)).scalars().all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def get_participant(study: OpenStudy, code: str) -> Participant:
    with study.read() as s:
        participant = find_participant(s, study, code)
        s.expunge(participant)
        return participant


def record_consent(study: OpenStudy, code: str, *, consented_on: str | date | None = None, why: str = "",
                   **items: Any) -> ConsentRecord:
    """Record what a participant agreed to (taking part, audio, quotes, second interview, archiving, contact)."""
    allowed = set(CONSENT_ITEMS) | {"pis_version", "form_version", "method", "witness"}
    unknown = set(items) - allowed
    if unknown:
        raise InvalidInput(f"unknown consent item(s): {', '.join(sorted(unknown))}")
    when = parse_date(consented_on, "consent date")
    with study.write("consent.record", target=f"participant:{code}", why=why,
                     payload={"consented_on": str(when), **items}) as s:
        participant = find_participant(s, study, code)
        record = ConsentRecord(participant_id=participant.id, consented_on=when, created_by=study.actor, **items)
        s.add(record)
        if participant.status in ("invited",) and items.get("take_part", True):
            participant.status = "consented"
    return record


def withdraw(study: OpenStudy, code: str, *, withdrawn_on: str | date, scope: str = "",
             keep_data_collected: bool = True, data_cutoff: str | date | None = None, why: str = "") -> ConsentRecord:
    """Record a withdrawal; from now on nothing new is taken from this participant.

    Without ``keep_data_collected`` their words and recordings are removed from the study as well
    (:mod:`reverie.services.study.withdrawal`), and the record says what was removed.
    """
    from reverie.services.study import withdrawal

    when = parse_date(withdrawn_on, "withdrawal date")
    cutoff = parse_date(data_cutoff, "data cut-off date")
    payload: dict[str, Any] = {"withdrawn_on": str(when), "scope": scope, "keep_data_collected": keep_data_collected}
    with study.write("consent.withdraw", target=f"participant:{code}", why=why, payload=payload) as s:
        participant = find_participant(s, study, code)
        removed = {} if keep_data_collected else withdrawal.remove_participant_data(s, study, participant)
        payload["removed"] = {key: value for key, value in removed.items() if key != "made_before"}
        payload["made_before"] = [entry["file"] for entry in removed.get("made_before", [])]
        record = s.execute(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id)
                           .order_by(ConsentRecord.id.desc())).scalars().first()
        if record is None:
            record = ConsentRecord(participant_id=participant.id, created_by=study.actor)
            s.add(record)
        record.withdrawn_on, record.withdrawal_scope = when, scope
        record.keep_data_collected, record.data_cutoff = keep_data_collected, cutoff
        if removed:
            record.removed = removed
        participant.status = "withdrawn"
    if removed:
        withdrawal.finish_removal(study, removed["media_files"])
    return record


@dataclass(frozen=True)
class ConsentStatus:
    """What the consent records allow now; later steps (reports, exports, imports) ask this."""

    code: str
    quotes_allowed: bool
    withdrawn: bool
    keep_data_collected: bool
    second_interview_allowed: bool
    archiving_allowed: bool


def consent_status(study: OpenStudy, code: str) -> ConsentStatus:
    with study.read() as s:
        participant = find_participant(s, study, code)
        record = s.execute(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id)
                           .order_by(ConsentRecord.id.desc())).scalars().first()
        withdrawn = participant.status == "withdrawn" or (record is not None and record.withdrawn_on is not None)
        keep = record.keep_data_collected if record is not None else True
        return ConsentStatus(
            code=code,
            quotes_allowed=bool(record.anonymised_quotes) if record else True,
            withdrawn=withdrawn,
            keep_data_collected=keep,
            second_interview_allowed=bool(record.second_interview) if record else True,
            archiving_allowed=bool(record.archiving) if record else False,
        )


def ensure_not_withdrawn(study: OpenStudy, code: str) -> None:
    """Refuse new data from a withdrawn participant."""
    if consent_status(study, code).withdrawn:
        raise Conflict(f"participant {code} has withdrawn: nothing new may be recorded from them")


def add_recruitment(study: OpenStudy, code: str, *, invited_on=None, channel: str = "", info_given: str = "",
                    response: str = "", reason_declined: str = "") -> RecruitmentRecord:
    when = parse_date(invited_on, "invitation date")
    with study.write("recruitment.record", target=f"participant:{code}",
                     payload={"channel": channel, "response": response}) as s:
        participant = find_participant(s, study, code)
        record = RecruitmentRecord(participant_id=participant.id, invited_on=when, channel=channel,
                                   info_given=info_given, response=response, reason_declined=reason_declined,
                                   created_by=study.actor)
        s.add(record)
        if channel and not participant.recruitment_channel:
            participant.recruitment_channel = channel
    return record


def write_pen_portrait(study: OpenStudy, code: str, text: str, *, basis: list[int] | None = None) -> PenPortrait:
    """Add a new version of a participant's pen portrait (earlier versions are kept)."""
    if not text.strip():
        raise InvalidInput("a pen portrait needs some text")
    with study.write("pen_portrait.write", target=f"participant:{code}") as s:
        participant = find_participant(s, study, code)
        latest = s.execute(select(func.max(PenPortrait.version)).where(
            PenPortrait.participant_id == participant.id)).scalar() or 0
        portrait = PenPortrait(participant_id=participant.id, version=latest + 1, text=text, basis=basis or [],
                               created_by=study.actor)
        s.add(portrait)
    return portrait


def pen_portraits(study: OpenStudy, code: str) -> list[PenPortrait]:
    with study.read() as s:
        participant = find_participant(s, study, code)
        rows = s.execute(select(PenPortrait).where(PenPortrait.participant_id == participant.id)
                         .order_by(PenPortrait.version)).scalars().all()
        return list(rows)
