"""Audit log, jobs, reports and team accounts."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reverie.core import vocab
from reverie.store.models.base import Base, Created, in_list, utcnow


class AuditEvent(Base):
    """One link of the append-only audit log, chained with the study's key (``reverie.store.audit``).

    ``payload`` is canonical JSON kept as text (never JSONB, which reorders keys) so its digest can
    be recomputed byte for byte; ``at`` is a UTC ISO timestamp for the same reason. Words a
    participant said are not here but in :class:`AuditWords`; the link signs only their digest.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("study_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(120))
    target: Mapped[str] = mapped_column(String(300), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The operating-system account that ran the process, beside the declared identity in ``actor``.
    os_user: Mapped[str] = mapped_column(String(120), default="", server_default="")
    payload_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    words_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditWords(Base):
    """The words an audit event quotes (a display text, a note, a quotation), apart from the chain.

    A withdrawal erases ``text`` (leaving ``erased_at``); the event keeps the digest, so the chain
    still verifies and shows that something was said and later erased.
    """

    __tablename__ = "audit_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id", ondelete="CASCADE"), unique=True)
    study_id: Mapped[int] = mapped_column(Integer, index=True)
    participant: Mapped[str] = mapped_column(String(60), default="")
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    erased_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class AuditHead(Base):
    """The chain head per study: writers lock this row so concurrent appends never fork the chain."""

    __tablename__ = "audit_heads"

    study_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # False for a chain made before audit keys, until it is re-anchored under the key.
    keyed: Mapped[bool] = mapped_column(default=True)


class Job(Created, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(in_list("state", vocab.JOB_STATES), name="state"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Who runs it and when they last said so: a running job whose owner is gone was interrupted.
    owner_host: Mapped[str] = mapped_column(String(255), default="", server_default="")
    owner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class JobChunk(Base):
    """A piece of a long job (a few minutes of a recording) that can be retried on its own."""

    __tablename__ = "job_chunks"
    __table_args__ = (UniqueConstraint("job_id", "seq"),
                      CheckConstraint(in_list("state", vocab.JOB_STATES), name="state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    start_s: Mapped[float] = mapped_column(Float, default=0.0)
    end_s: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")


class Report(Created, Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str] = mapped_column(String(10), default="md")
    extract_numbering: Mapped[dict] = mapped_column(JSON, default=dict)
    checklist_fills: Mapped[list] = mapped_column(JSON, default=list)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Created, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(default=False)


class Membership(Created, Base):
    """A user's role in one study; reviewers are tied to their participant or PPI group."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "study_id"),
        CheckConstraint(in_list("role", vocab.TEAM_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), nullable=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ppi_groups.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
