"""Index lines by offset, so finding the line that holds a character is one probe.

Coding or annotating a selection in a 20,000-line transcript asks "which line starts at or
before this offset?"; without this index that was a scan of every line of the version.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_transcript_lines_version_offset", "transcript_lines", ["version_id", "start_offset"])


def downgrade() -> None:
    op.drop_index("ix_transcript_lines_version_offset", "transcript_lines")
