"""The audit chain is signed with the study's key, records the operating-system user, and keeps the
words a participant said apart from the chain so a withdrawal can erase them; a withdrawal record
says what it removed.

Existing events get their payload digest here; their links stay unkeyed (the key lives in the
study folder, which a migration does not see) and their head is marked not keyed, until the study
is opened and ``reverie.store.audit.reanchor`` checks them the old way and signs them under the
key, recording that in an ``audit.rekey`` event.

Revision ID: 0006
Revises: 0005
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("os_user", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("payload_digest", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("words_digest", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("audit_heads") as batch:
        batch.add_column(sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "audit_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("erased_at", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["audit_events.id"], name=op.f("fk_audit_words_event_id_audit_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_words")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_words_event_id")),
    )
    with op.batch_alter_table("audit_words") as batch:
        batch.create_index(batch.f("ix_audit_words_study_id"), ["study_id"], unique=False)
    with op.batch_alter_table("consent_records") as batch:
        batch.add_column(sa.Column("removed", sa.JSON(), nullable=False, server_default="{}"))
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("payload", sa.Text),
                      sa.column("payload_digest", sa.String))
    connection = op.get_bind()
    for row in connection.execute(sa.select(events.c.id, events.c.payload)).all():
        connection.execute(events.update().where(events.c.id == row.id).values(
            payload_digest=hashlib.sha256((row.payload or "").encode("utf-8")).hexdigest()))


def downgrade() -> None:
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("removed")
    with op.batch_alter_table("audit_words") as batch:
        batch.drop_index(batch.f("ix_audit_words_study_id"))
    op.drop_table("audit_words")
    with op.batch_alter_table("audit_heads") as batch:
        batch.drop_column("keyed")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("words_digest")
        batch.drop_column("payload_digest")
        batch.drop_column("os_user")
