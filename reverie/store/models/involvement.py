"""Consultations (member reflections, PPI sessions), their frozen materials and responses (METHOD.md §5–6)."""

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reverie.core import vocab
from reverie.store.models.base import Base, Created, in_list


class PPIGroup(Created, Base):
    __tablename__ = "ppi_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    composition_summary: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recruitment_route: Mapped[str] = mapped_column(Text, default="")
    payment_recognition: Mapped[str] = mapped_column(Text, default="")
    stages: Mapped[list] = mapped_column(JSON, default=list)


class Consultation(Created, Base):
    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint(in_list("kind", vocab.CONSULTATION_KINDS), name="kind"),
        CheckConstraint("kind <> 'member_reflection' OR participant_id IS NOT NULL", name="member_has_participant"),
        CheckConstraint("kind NOT LIKE 'ppi_%' OR group_id IS NOT NULL", name="ppi_has_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300), default="")
    held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    duration_min: Mapped[float | None] = mapped_column(nullable=True)
    mode: Mapped[str] = mapped_column(String(30), default="in_person")
    location_type: Mapped[str] = mapped_column(String(120), default="")
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), nullable=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ppi_groups.id"), nullable=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"), nullable=True)
    attendees: Mapped[dict] = mapped_column(JSON, default=dict)
    questions_posed: Mapped[str] = mapped_column(Text, default="")
    recording: Mapped[str] = mapped_column(String(20), default="notes_only")
    transcribed: Mapped[bool] = mapped_column(Boolean, default=False)

    materials: Mapped[list["ConsultationMaterial"]] = relationship(order_by="ConsultationMaterial.id")
    responses: Mapped[list["Response"]] = relationship(order_by="Response.id")


class ConsultationMaterial(Created, Base):
    """A frozen snapshot of exactly what was shown; later edits never change it."""

    __tablename__ = "consultation_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("extracts.id"), nullable=True)
    memo_version_id: Mapped[int | None] = mapped_column(ForeignKey("memo_versions.id"), nullable=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), nullable=True)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)


class Response(Created, Base):
    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(in_list("disposition", vocab.DISPOSITIONS), name="disposition"),
        CheckConstraint(in_list("target_kind", vocab.RESPONSE_TARGETS), name="target"),
        CheckConstraint("resonance IS NULL OR (resonance >= 0 AND resonance <= 3)", name="resonance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    respondent: Mapped[str] = mapped_column(String(120), default="")
    target_kind: Mapped[str] = mapped_column(String(20))
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("extracts.id"), nullable=True)
    memo_id: Mapped[int | None] = mapped_column(ForeignKey("memos.id"), nullable=True)
    target_detail: Mapped[str] = mapped_column(Text, default="")
    types: Mapped[list] = mapped_column(JSON, default=list)
    resonance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    recording_timecode: Mapped[float | None] = mapped_column(nullable=True)
    disposition: Mapped[str] = mapped_column(String(30), default="pending")
    disposition_rationale: Mapped[str] = mapped_column(Text, default="")
