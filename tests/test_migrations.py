"""The Alembic migrations build exactly the schema the models describe, on both backends."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.archive_search import include_in_schema_compare
from portal.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_in_schema_compare})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
