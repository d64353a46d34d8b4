"""Archive text search index (and archived_document (tahun, archived_at) for newest-first pages per year): SQLite FTS5 (trigram tokenizer) kept in step by triggers;
PostgreSQL pg_trgm with a GIN index on archived_document.search_text.

Revision ID: 0003_i12_archive_search
Revises: 55d562ca3fe3
Create Date: 2026-11-23 15:00:00
"""
from alembic import op

revision = "0003_i12_archive_search"
down_revision = "55d562ca3fe3"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE archive_fts USING fts5(search_text, content='archived_document', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER archive_fts_insert AFTER INSERT ON archived_document BEGIN "
    "INSERT INTO archive_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER archive_fts_delete AFTER DELETE ON archived_document BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER archive_fts_update AFTER UPDATE OF search_text ON archived_document BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO archive_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO archive_fts(archive_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS archive_fts_update", "DROP TRIGGER IF EXISTS archive_fts_delete",
               "DROP TRIGGER IF EXISTS archive_fts_insert", "DROP TABLE IF EXISTS archive_fts"]
POSTGRES_UP = ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
               "CREATE INDEX ix_archive_search_trgm ON archived_document USING gin (search_text gin_trgm_ops)"]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_archive_search_trgm"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    op.create_index("ix_archive_tahun_time", "archived_document", ["tahun", "archived_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
    op.drop_index("ix_archive_tahun_time", table_name="archived_document")
