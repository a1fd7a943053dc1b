"""Codes, codings, the reflexive log, extracts, memos, themes and decisions (METHOD.md §10.4–10.5, §5.2)."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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
from reverie.store.models.base import Base, Created, in_list, utcnow


class Code(Created, Base):
    __tablename__ = "codes"
    __table_args__ = (
        CheckConstraint(in_list("kind", vocab.CODE_KINDS), name="kind"),
        CheckConstraint(in_list("status", vocab.CODE_STATUSES), name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="free")
    label: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(9), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), nullable=True)


class Coding(Created, Base):
    """A code applied to a span of a transcript version, by a coder."""

    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND start_offset < end_offset", name="span"),
        CheckConstraint("start_line <= end_line", name="lines"),
        Index("ix_codings_version", "version_id", "start_offset"),
        Index("ix_codings_code", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id", ondelete="CASCADE"))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    selector: Mapped[dict] = mapped_column(JSON, default=dict)
    coder: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class ReflexiveEntry(Created, Base):
    """A reflexive log entry; edits create a new version that supersedes the old, never overwrite it."""

    __tablename__ = "reflexive_entries"
    __table_args__ = (
        CheckConstraint("affect_intensity IS NULL OR (affect_intensity >= 0 AND affect_intensity <= 3)", name="affect"),
        CheckConstraint(in_list("stage", vocab.LOG_STAGES), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    author: Mapped[str] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(20), default="analysis")
    template: Mapped[str] = mapped_column(String(30), default="three_part")
    parts: Mapped[dict] = mapped_column(JSON, default=dict)
    affect_intensity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flags_extract_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reflexive_entries.id"), nullable=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)

    anchors: Mapped[list["LogAnchor"]] = relationship(cascade="all, delete-orphan", order_by="LogAnchor.id")


class LogAnchor(Base):
    """What a log entry is about: an interview, a moment of its recording, lines, an extract, a consultation."""

    __tablename__ = "log_anchors"
    __table_args__ = (CheckConstraint("start_line IS NULL OR start_line <= end_line", name="lines"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("reflexive_entries.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"), nullable=True)
    time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("transcript_versions.id"), nullable=True)
    start_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("extracts.id"), nullable=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"), nullable=True)


class Theme(Created, Base):
    __tablename__ = "themes"
    __table_args__ = (
        CheckConstraint(in_list("kind", vocab.THEME_KINDS), name="kind"),
        CheckConstraint(in_list("origin", vocab.THEME_ORIGINS), name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="major")
    dimension: Mapped[str] = mapped_column(String(300), default="")
    origin: Mapped[str] = mapped_column(String(12), default="from_data")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Extract(Created, Base):
    """A cited line range chosen for close analysis, with a stable handle E<n> and a status."""

    __tablename__ = "extracts"
    __table_args__ = (
        UniqueConstraint("study_id", "handle_no"),
        CheckConstraint(in_list("status", vocab.EXTRACT_STATUSES), name="status"),
        CheckConstraint("start_line <= end_line", name="lines"),
        CheckConstraint("start_offset <= end_offset", name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    handle_no: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_versions.id"))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    text_snapshot: Mapped[str] = mapped_column(Text)
    display_text: Mapped[str] = mapped_column(Text, default="")
    selector: Mapped[dict] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default="candidate")
    selection_sources: Mapped[list] = mapped_column(JSON, default=list)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), nullable=True)
    theme_position: Mapped[int] = mapped_column(Integer, default=0)

    status_changes: Mapped[list["ExtractStatusChange"]] = relationship(order_by="ExtractStatusChange.id")


class ExtractObject(Base):
    __tablename__ = "extract_objects"

    extract_id: Mapped[int] = mapped_column(ForeignKey("extracts.id", ondelete="CASCADE"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), primary_key=True)


class ExtractStatusChange(Base):
    """Every status change of an extract, each tied to the decision that justified it."""

    __tablename__ = "extract_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    extract_id: Mapped[int] = mapped_column(ForeignKey("extracts.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(12), default="")
    to_status: Mapped[str] = mapped_column(String(12))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class Memo(Created, Base):
    """An analysis memo on an extract (optionally for one discursive object); its content lives in versions."""

    __tablename__ = "memos"
    __table_args__ = (UniqueConstraint("extract_id", "object_code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("extracts.id"), nullable=True)
    object_code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), nullable=True)

    versions: Mapped[list["MemoVersion"]] = relationship(order_by="MemoVersion.version")


class MemoVersion(Created, Base):
    __tablename__ = "memo_versions"
    __table_args__ = (UniqueConstraint("memo_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    memo_id: Mapped[int] = mapped_column(ForeignKey("memos.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    willig: Mapped[dict] = mapped_column(JSON, default=dict)
    positioning: Mapped[list] = mapped_column(JSON, default=list)
    psychosocial: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)


class MemoDraft(Base):
    """What one person has typed in a memo's fields since its last version, kept as typed (no audit event).

    One draft per extract, discursive object and author; saving a version removes it.
    """

    __tablename__ = "memo_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    extract_id: Mapped[int] = mapped_column(ForeignKey("extracts.id", ondelete="CASCADE"), index=True)
    object_code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), nullable=True)
    author: Mapped[str] = mapped_column(String(120))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Decision(Created, Base):
    """An analytic decision with its reason and evidence; append-only (corrections are new decisions)."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(in_list("type", vocab.DECISION_TYPES), name="type"),
        CheckConstraint("length(rationale) > 0", name="rationale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(120))
    target_refs: Mapped[list] = mapped_column(JSON, default=list)
    rationale: Mapped[str] = mapped_column(Text)
    evidence_refs: Mapped[list] = mapped_column(JSON, default=list)
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
