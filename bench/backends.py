"""The databases the benchmark runs on: SQLite in a temporary file, PostgreSQL on 127.0.0.1.

The schema is created by the Alembic migrations (``flask_migrate.upgrade()``), as in the
tests and in production. The PostgreSQL database ``sop_portal_bench`` is created and
dropped through the ``test`` database with an autocommit connection.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from portal import create_app
from portal.devdb import postgres_problem, recreate_database
from portal.extensions import db

PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")
PG_BENCH_DB = "sop_portal_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
BACKENDS = ("sqlite", "postgresql")


def postgres_unavailable() -> str | None:
    """None when PostgreSQL answers (starting the local cluster once if needed), else why not."""
    return postgres_problem(PG_ADMIN_DSN)


def _recreate_pg_database(drop_only: bool = False) -> None:
    recreate_database(PG_BENCH_DB, PG_ADMIN_DSN, drop_only=drop_only)


@contextmanager
def bench_database(backend: str, workdir: Path, keep: bool = False):
    """Yield the URL of an empty database for ``backend``; it is removed afterwards unless ``keep``."""
    if backend == "sqlite":
        path = workdir / "bench.db"
        for leftover in workdir.glob("bench.db*"):
            leftover.unlink()
        yield f"sqlite:///{path}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    _recreate_pg_database()
    try:
        yield PG_URL
    finally:
        if not keep:
            _recreate_pg_database(drop_only=True)


def make_app(url: str, workdir: Path) -> Flask:
    """An app on ``url`` with the bench settings (CSRF off), its schema migrated."""
    from flask_migrate import upgrade

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
        "UPLOAD_DIR": str(workdir / "uploads"), "PROPAGATE_EXCEPTIONS": True,
    })
    with app.app_context():
        upgrade()
    return app


def dispose(app: Flask) -> None:
    """Close the app's database connections (before dropping the database)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
