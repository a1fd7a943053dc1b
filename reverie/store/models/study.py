"""Study, people and data collection (METHOD.md §10.1–10.2)."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reverie.core import vocab
from reverie.store.models.base import Base, Created, in_list


class Study(Created, Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    research_question: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    approaches: Mapped[list] = mapped_column(JSON, default=list)
    paradigm: Mapped[str] = mapped_column(Text, default="")
    setting: Mapped[str] = mapped_column(Text, default="")
    sites: Mapped[list] = mapped_column(JSON, default=list)
    sampling_strategy: Mapped[str] = mapped_column(String(120), default="")
    inclusion_criteria: Mapped[list] = mapped_column(JSON, default=list)
    rounds_planned: Mapped[int] = mapped_column(Integer, default=2)
    saturation_statement: Mapped[str] = mapped_column(Text, default="")
    citation_style: Mapped[dict] = mapped_column(JSON, default=dict)
    line_layout: Mapped[dict] = mapped_column(JSON, default=dict)
    notation_profile: Mapped[str] = mapped_column(String(40), default="verbatim_health")
    ppi_plan: Mapped[dict] = mapped_column(JSON, default=dict)
    retention: Mapped[dict] = mapped_column(JSON, default=dict)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class EthicsApproval(Created, Base):
    __tablename__ = "ethics_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(60))
    reference: Mapped[str] = mapped_column(String(200), default="")
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    documents: Mapped[list] = mapped_column(JSON, default=list)


class ResearcherProfile(Created, Base):
    __tablename__ = "researchers"
    __table_args__ = (
        UniqueConstraint("study_id", "label"),
        CheckConstraint(in_list("berger_position", vocab.BERGER_POSITIONS) + " OR berger_position = ''", name="berger"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list] = mapped_column(JSON, default=list)
    credentials: Mapped[str] = mapped_column(Text, default="")
    occupation: Mapped[str] = mapped_column(Text, default="")
    gender: Mapped[str] = mapped_column(String(60), default="")
    experience_training: Mapped[str] = mapped_column(Text, default="")
    relationship_to_participants: Mapped[str] = mapped_column(Text, default="")
    berger_position: Mapped[str] = mapped_column(String(40), default="")
    statement: Mapped[str] = mapped_column(Text, default="")


class Participant(Created, Base):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("study_id", "code"),
        CheckConstraint(in_list("status", vocab.PARTICIPANT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(60), default="")
    profession: Mapped[str] = mapped_column(String(200), default="")
    setting: Mapped[str] = mapped_column(String(200), default="")
    years_band: Mapped[str] = mapped_column(String(60), default="")
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    recruitment_channel: Mapped[str] = mapped_column(String(120), default="")
    reason_for_participating: Mapped[str] = mapped_column(Text, default="")
    prior_relationship: Mapped[str] = mapped_column(String(200), default="")  # "" = not recorded
    status: Mapped[str] = mapped_column(String(20), default="consented")

    consents: Mapped[list["ConsentRecord"]] = relationship(back_populates="participant", order_by="ConsentRecord.id")
    interviews: Mapped[list["Interview"]] = relationship(back_populates="participant", order_by="Interview.round")


class RecruitmentRecord(Created, Base):
    __tablename__ = "recruitment_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    invited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[str] = mapped_column(String(120), default="")
    info_given: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(String(60), default="")
    reason_declined: Mapped[str] = mapped_column(Text, default="")


class ConsentRecord(Created, Base):
    """What a participant agreed to, and any withdrawal; later steps must honour it."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    pis_version: Mapped[str] = mapped_column(String(60), default="")
    form_version: Mapped[str] = mapped_column(String(60), default="")
    consented_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    take_part: Mapped[bool] = mapped_column(Boolean, default=True)
    audio_recording: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymised_quotes: Mapped[bool] = mapped_column(Boolean, default=True)
    second_interview: Mapped[bool] = mapped_column(Boolean, default=True)
    archiving: Mapped[bool] = mapped_column(Boolean, default=False)
    contact: Mapped[bool] = mapped_column(Boolean, default=True)
    method: Mapped[str] = mapped_column(String(60), default="written")
    witness: Mapped[str] = mapped_column(String(120), default="")
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    withdrawal_scope: Mapped[str] = mapped_column(Text, default="")
    keep_data_collected: Mapped[bool] = mapped_column(Boolean, default=True)
    data_cutoff: Mapped[date | None] = mapped_column(Date, nullable=True)
    # What a withdrawal removed (counts, extract handles, recordings, erased audit events) and the
    # backups and outputs made before it that still hold the words; never the words themselves.
    removed: Mapped[dict] = mapped_column(JSON, default=dict)

    participant: Mapped["Participant"] = relationship(back_populates="consents")


class PenPortrait(Created, Base):
    __tablename__ = "pen_portraits"
    __table_args__ = (UniqueConstraint("participant_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    basis: Mapped[list] = mapped_column(JSON, default=list)


class InterviewSchedule(Created, Base):
    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("study_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    pilot_tested: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list["ScheduleItem"]] = relationship(order_by="ScheduleItem.seq", cascade="all, delete-orphan")


class ScheduleItem(Base):
    __tablename__ = "schedule_items"
    __table_args__ = (CheckConstraint(in_list("kind", vocab.SCHEDULE_ITEM_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="narrative")


class Interview(Created, Base):
    __tablename__ = "interviews"
    __table_args__ = (
        UniqueConstraint("participant_id", "round"),
        CheckConstraint("round >= 1", name="round"),
        CheckConstraint("duration_min IS NULL OR duration_min >= 0", name="duration"),
        CheckConstraint(in_list("purpose", vocab.INTERVIEW_PURPOSES), name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(30), default="narrative")
    held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_time: Mapped[str] = mapped_column(String(10), default="")
    duration_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_type: Mapped[str] = mapped_column(String(120), default="")
    others_present: Mapped[str] = mapped_column(String(200), default="")
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("researchers.id"), nullable=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), nullable=True)
    item_coverage: Mapped[dict] = mapped_column(JSON, default=dict)
    narrative_pointers: Mapped[list] = mapped_column(JSON, default=list)

    participant: Mapped["Participant"] = relationship(back_populates="interviews")
    recordings: Mapped[list["Recording"]] = relationship(back_populates="interview", order_by="Recording.id")


class Recording(Created, Base):
    """A recording of an interview; the bytes live in media/ under their SHA-256."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(in_list("kind", vocab.RECORDING_KINDS), name="kind"),
        CheckConstraint("size_bytes > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="audio")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(500))
    suffix: Mapped[str] = mapped_column(String(20), default="")
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    deletion_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    interview: Mapped["Interview"] = relationship(back_populates="recordings")


class ResponseNote(Created, Base):
    """A timecoded note on an untranscribed recording (a round-2 member-reflection interview)."""

    __tablename__ = "response_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    timecode_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), nullable=True)
