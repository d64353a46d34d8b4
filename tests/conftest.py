"""Test fixtures: every app-level test runs on SQLite and, when it answers, on PostgreSQL.

PostgreSQL is expected on 127.0.0.1:5432 (trust auth). When it is down the fixtures try
to start it (pg_ctlcluster); when that fails too, the PostgreSQL variants are skipped
with the reason in the summary (pytest -ra shows it).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from portal import create_app
from portal.devdb import postgres_problem, recreate_database
from portal.extensions import db

PG_ADMIN_DSN = os.environ.get("PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")
PG_TEST_DB = os.environ.get("PG_TEST_DB", f"sop_portal_test_{os.getpid()}")  # one per test session
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_TEST_DB}"


def _migrate(url: str, tmp: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp / "u"), "PORTAL_PLUGINS_DIR": str(tmp / "p")})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test."""
    tmp = tmp_path_factory.mktemp("sqlite-template")
    path = tmp / "template.db"
    _migrate(f"sqlite:///{path}", tmp)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A migrated PostgreSQL test database (recreated once per test session)."""
    reason = postgres_problem(PG_ADMIN_DSN)
    if reason:
        pytest.skip(reason)
    recreate_database(PG_TEST_DB, PG_ADMIN_DSN)
    _migrate(PG_URL, tmp_path_factory.mktemp("pg"))
    yield PG_URL
    recreate_database(PG_TEST_DB, PG_ADMIN_DSN, drop_only=True)


def _truncate_postgres() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database backend of this test variant."""
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    """A fresh app on a fresh database (SQLite copy, or truncated PostgreSQL)."""
    if backend == "sqlite":
        path = tmp_path / "portal.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    config = {
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"), "PORTAL_PLUGINS_DIR": str(tmp_path / "plugins"),
        "SERVER_NAME": "portal.test", "SECRET_KEY": "test", "PUBLIC_BASE_URL": "https://sop.dpmptsp.example",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing in tests only
    }
    config.update(getattr(request, "param", None) or {})
    app = create_app(config)
    with app.app_context():
        if backend == "postgresql":
            _truncate_postgres()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo(app):
    """The demo organisation (no runs); returns users by username."""
    from portal.demo import load_demo
    from portal.models import User

    with app.test_request_context():
        load_demo(with_runs=False)
    return {u.username: u for u in db.session.scalars(db.select(User))}


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


class Auth:
    """Logs the test client in and out as a demo user."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str | None = None):
        """Log in; demo passwords by default."""
        from portal.demo import ADMIN_PASSWORD, DEMO_PASSWORD

        password = password or (ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD)
        return self.client.post("/masuk", data={"username": username, "password": password})

    def logout(self):
        """Log out."""
        return self.client.post("/keluar")


@pytest.fixture
def auth(client):
    """Login helper for the test client."""
    return Auth(client)


@pytest.fixture(scope="module")
def chromium(live):
    """One headless Chromium per browser-test module (each module defines its own ``live`` portal)."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
