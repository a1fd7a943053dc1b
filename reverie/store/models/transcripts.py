"""Transcripts, their immutable versions, lines, turns, words and span annotations (METHOD.md §10.3)."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reverie.core import vocab
from reverie.store.models.base import Base, Created, in_list


class Transcript(Created, Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), unique=True)
    notation_profile: Mapped[str] = mapped_column(String(40), default="verbatim_health")
    line_layout: Mapped[dict] = mapped_column(JSON, default=dict)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("transcript_versions.id", use_alter=True, name="fk_transcripts_current_version"), nullable=True
    )
    returned_to_participant: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    versions: Mapped[list["TranscriptVersion"]] = relationship(
        back_populates="transcript", foreign_keys="TranscriptVersion.transcript_id", order_by="TranscriptVersion.number"
    )


class TranscriptVersion(Created, Base):
    """One immutable text of a transcript; once locked its line numbers never change."""

    __tablename__ = "transcript_versions"
    __table_args__ = (
        UniqueConstraint("transcript_id", "number"),
        CheckConstraint(in_list("status", vocab.TRANSCRIPT_STATUSES), name="status"),
        CheckConstraint(in_list("origin", vocab.VERSION_ORIGINS), name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    origin: Mapped[str] = mapped_column(String(12), default="import")
    text: Mapped[str] = mapped_column(Text)
    line_layout: Mapped[dict] = mapped_column(JSON, default=dict)
    source_name: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    transcriber: Mapped[str] = mapped_column(String(120), default="")
    transcribed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("transcript_versions.id"), nullable=True)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    speech_info: Mapped[dict] = mapped_column(JSON, default=dict)

    transcript: Mapped["Transcript"] = relationship(back_populates="versions", foreign_keys=[transcript_id])


class SpeakerTurn(Base):
    __tablename__ = "speaker_turns"
    __table_args__ = (CheckConstraint("start_offset <= end_offset", name="span"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(String(40))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    time_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_end: Mapped[float | None] = mapped_column(Float, nullable=True)


class TranscriptLine(Base):
    """A numbered line of a version, materialised so citations, search and paging are direct lookups."""

    __tablename__ = "transcript_lines"
    __table_args__ = (
        UniqueConstraint("version_id", "number"),
        CheckConstraint("start_offset <= end_offset", name="span"),
        Index("ix_transcript_lines_version_offset", "version_id", "start_offset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    turn_seq: Mapped[int] = mapped_column(Integer)
    first_of_turn: Mapped[bool] = mapped_column(Boolean, default=False)
    speaker: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    time_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_end: Mapped[float | None] = mapped_column(Float, nullable=True)


class Word(Base):
    """A recognised word with its offsets in the version text and its times in the recording."""

    __tablename__ = "words"
    __table_args__ = (CheckConstraint("start_offset <= end_offset", name="span"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    time_start: Mapped[float] = mapped_column(Float)
    time_end: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)


class Annotation(Created, Base):
    """A span on a version: emphasis, reported speech, non-verbal note, redaction, pause, prosody.

    Like every anchored record it keeps offsets plus a quote selector so it survives corrections.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND start_offset <= end_offset", name="span"),
        CheckConstraint(in_list("kind", vocab.ANNOTATION_KINDS), name="kind"),
        Index("ix_annotations_version_kind", "version_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    selector: Mapped[dict] = mapped_column(JSON, default=dict)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class LineMap(Created, Base):
    """How the line numbers of one version correspond to the next (old number → new numbers)."""

    __tablename__ = "line_maps"
    __table_args__ = (UniqueConstraint("from_version_id", "to_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    report: Mapped[list] = mapped_column(JSON, default=list)


class Redaction(Created, Base):
    """The redaction log: which span was replaced by which label, without keeping the original text."""

    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"), index=True)
    original_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
