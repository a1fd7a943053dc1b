"""Full-text search over transcript lines: FTS5 on SQLite, a GIN index on PostgreSQL.

Neither side stems or drops stop words, and both fold accents, so a query finds what was
written with or without its accents and both backends return the same lines.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE transcript_lines_fts USING fts5("
            "text, content='transcript_lines', content_rowid='id', "
            "tokenize=\"unicode61 remove_diacritics 2\")"
        )
        op.execute(
            "CREATE TRIGGER transcript_lines_ai AFTER INSERT ON transcript_lines BEGIN "
            "INSERT INTO transcript_lines_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_lines_ad AFTER DELETE ON transcript_lines BEGIN "
            "INSERT INTO transcript_lines_fts(transcript_lines_fts, rowid, text) VALUES('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_lines_au AFTER UPDATE ON transcript_lines BEGIN "
            "INSERT INTO transcript_lines_fts(transcript_lines_fts, rowid, text) VALUES('delete', old.id, old.text); "
            "INSERT INTO transcript_lines_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute("INSERT INTO transcript_lines_fts(transcript_lines_fts) VALUES('rebuild')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        op.execute(
            "CREATE OR REPLACE FUNCTION reverie_unaccent(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
            "$$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
        )
        op.execute(
            "CREATE INDEX ix_transcript_lines_fts ON transcript_lines "
            "USING gin (to_tsvector('simple'::regconfig, reverie_unaccent(text)))"
        )
    op.create_index("ix_transcript_lines_version_number", "transcript_lines", ["version_id", "number"])


def downgrade() -> None:
    op.drop_index("ix_transcript_lines_version_number", "transcript_lines")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("transcript_lines_ai", "transcript_lines_ad", "transcript_lines_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS transcript_lines_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_transcript_lines_fts")
        op.execute("DROP FUNCTION IF EXISTS reverie_unaccent(text)")
