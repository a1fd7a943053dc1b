"""A memo's unsaved text is kept per person as they type (memo drafts), so a reload, a lost
connection or a refused save loses no word; drafts are not audited, versions are.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memo_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.Column("object_code_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], name=op.f("fk_memo_drafts_study_id_studies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["extract_id"], ["extracts.id"], name=op.f("fk_memo_drafts_extract_id_extracts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["object_code_id"], ["codes.id"], name=op.f("fk_memo_drafts_object_code_id_codes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memo_drafts")),
    )
    with op.batch_alter_table("memo_drafts") as batch:
        batch.create_index(batch.f("ix_memo_drafts_study_id"), ["study_id"], unique=False)
        batch.create_index(batch.f("ix_memo_drafts_extract_id"), ["extract_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("memo_drafts") as batch:
        batch.drop_index(batch.f("ix_memo_drafts_extract_id"))
        batch.drop_index(batch.f("ix_memo_drafts_study_id"))
    op.drop_table("memo_drafts")
