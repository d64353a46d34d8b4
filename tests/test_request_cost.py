"""What one request costs the database, and the pieces that keep it low (issue 12).

Counted statements, not timings: Tugas Saya reads the user, its rows and both badges in two
statements; no page reads the same thing twice; a pooled connection is pinged only after it
sat idle; the web worker leaves Flask-Migrate out; text is measured without keeping the font.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from portal.extensions import db
from tests.helpers import advance, open_tasks, start_pk


@contextmanager
def statements():
    """The SQL statements (text and parameters) the engine runs inside the block, where each
    request has its own app context as under a server (the fixture's context is set aside:
    while it is pushed, requests share its session and Flask-Login's cached user)."""
    from flask import globals as flask_globals

    seen: list[tuple[str, str]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, repr(parameters)))

    engine = db.engine
    outer = flask_globals._cv_app.get(None)
    outer.pop()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        outer.push()


def test_tugas_saya_is_two_statements_the_user_and_the_rows(app, demo, client, auth):
    run = start_pk(app, demo)
    task_id = open_tasks(run.id)[0].id
    kadis_id = demo["kadis"].id
    auth.login("kadis")
    client.get("/tugas")  # definitions parsed, statements built
    with statements() as seen:
        page = client.get("/tugas").text
    assert f"/tugas/{task_id}" in page
    sql = [s for s, _ in seen]
    assert len(sql) == 2, sql
    assert "FROM users" in sql[0] and "delegation" in sql[0] and "notification" in sql[0]  # user, grants, flags, bell
    assert "FROM task" in sql[1]
    from portal.models import User
    from portal.notify import unread_count
    from portal.tasks_query import open_task_count

    kadis = db.session.get(User, kadis_id)
    assert unread_count(kadis) > 0 and open_task_count(kadis) > 0
    assert f'data-testid="notif-count">{unread_count(kadis)}<' in page
    assert f'hx-swap="outerHTML">{open_task_count(kadis)}</span>' in page


def test_the_badges_count_when_the_list_does_not_show_every_task(app, demo, client, auth, monkeypatch):
    from portal import tasks_query
    from portal.models import User

    for number in range(3):
        start_pk(app, demo, judul=f"PK {number}")
    kadis_id = demo["kadis"].id
    kadis = db.session.get(User, kadis_id)
    total = tasks_query.open_task_count(kadis)
    assert total >= 3
    auth.login("kadis")
    monkeypatch.setattr(tasks_query, "PAGE_SIZE", 2)  # a next page: the badge must count, not take the length
    with statements() as seen:
        page = client.get("/tugas").text
        filtered = client.get("/tugas?tahun=2026").text
    assert f'hx-swap="outerHTML">{total}</span>' in page and f'hx-swap="outerHTML">{total}</span>' in filtered
    assert len([s for s, _ in seen if "count(*)" in s]) == 2


def test_run_page_reads_nothing_twice(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, 3)
    auth.login("kadis")
    client.get(f"/pelaksanaan/{run.id}")
    with statements() as seen:
        assert client.get(f"/pelaksanaan/{run.id}").status_code == 200
    repeated = {s for s in seen if seen.count(s) > 1}
    assert not repeated, repeated
    assert not any(s.startswith("SELECT delegation") for s, _ in seen)  # the user loader said: none


def test_a_plh_still_sees_the_officials_tasks_when_the_user_is_loaded_once(app, demo, client, auth):
    from datetime import timedelta

    from portal.delegation import today
    from portal.models import Delegation

    run = start_pk(app, demo)
    first = open_tasks(run.id)[0]
    official = db.session.get(type(demo["kadis"]), first.assignee_id) if first.assignee_id else None
    holder = official or next(u for u in demo.values() if u.has_role(first.role_key, first.unit_id))
    substitute = next(u for u in demo.values() if u.id != holder.id and not u.is_admin
                      and not u.has_role(first.role_key, first.unit_id))
    auth.login(substitute.username)
    assert f"/tugas/{first.id}" not in client.get("/tugas").text
    with app.test_request_context():
        db.session.add(Delegation(official_id=holder.id, substitute_id=substitute.id, kind="Plh.",
                                  start_date=today() - timedelta(days=1), end_date=today() + timedelta(days=1),
                                  created_by_id=demo["admin"].id))
        db.session.commit()
    assert f"/tugas/{first.id}" in client.get("/tugas").text


@pytest.mark.parametrize("app", [{"DB_PING_IDLE_SECONDS": 0}], indirect=True)
def test_a_dead_idle_connection_is_replaced_without_an_error(app, backend):
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        raw = conn.connection.dbapi_connection
        pid = raw.info.backend_pid if backend == "postgresql" else None
    if backend == "postgresql":  # the server ends the pooled session, as on a restart
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
        with killer.connect() as other:
            assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
    else:
        raw.close()
    db.session.remove()
    assert db.session.scalar(text("SELECT 2")) == 2


def _kill_pooled_connection(app, backend) -> None:
    """End the pool's (only) connection behind SQLAlchemy's back, as a database restart does."""
    fairy = db.engine.raw_connection()
    raw = fairy.dbapi_connection
    if backend == "postgresql":
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
        with killer.connect() as other:
            assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid})
        killer.dispose()
    else:
        raw.close()
    fairy.close()


def test_a_connection_lost_within_the_idle_window_costs_no_failed_page(app, backend, demo, client, auth):
    start_pk(app, demo)
    auth.login("kadis")
    engine = db.engine
    with statements():
        assert client.get("/tugas").status_code == 200
        with app.app_context():
            _kill_pooled_connection(app, backend)
        first = client.get("/tugas?status=terbuka")
        if backend == "sqlite":  # SQLite's pool finds the closed handle when it comes back and replaces it
            assert first.status_code == 200
        else:  # PostgreSQL: the first statement fails, the page is asked again on a fresh connection
            assert first.status_code == 307 and first.location.endswith("/tugas?status=terbuka&_ulang=1")
            again = client.get(first.location)
            assert again.status_code == 200 and "Tugas Saya" in again.text
            with app.app_context():
                _kill_pooled_connection(app, backend)
            posted = client.post("/tugas/1/ambil")  # not repeated: a 503 page that needs no database
            assert posted.status_code == 503 and "tidak dapat dihubungi" in posted.text
            assert client.get("/tugas").status_code == 200
    assert engine.pool.checkedout() == 0


def test_a_connection_just_used_is_not_pinged(app, monkeypatch):
    pings = []
    dialect = db.engine.dialect
    original = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    for _ in range(3):
        db.session.scalar(text("SELECT 1"))
        db.session.remove()
    assert pings == []


@pytest.mark.parametrize("app", [{"DB_PING_IDLE_SECONDS": 0}], indirect=True)
def test_an_idle_connection_is_pinged(app, monkeypatch):
    pings = []
    dialect = db.engine.dialect
    original = dialect.do_ping
    db.session.scalar(text("SELECT 1"))
    db.session.remove()
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    db.session.scalar(text("SELECT 1"))
    assert pings == [1]


@pytest.mark.parametrize("cli, loaded", [("", False), ("true", True)])
def test_web_workers_leave_flask_migrate_out(tmp_path, cli, loaded):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "UPLOAD_DIR": str(tmp_path / "u"),
           "SECRET_KEY": "x", "PORTAL_INSTANCE": str(tmp_path / "instance")}
    env.pop("FLASK_RUN_FROM_CLI", None)
    if cli:
        env["FLASK_RUN_FROM_CLI"] = cli
    probe = ("import sys; from portal.wsgi import app; "
             "print('alembic' in sys.modules, 'migrate' in app.extensions, 'db' in app.cli.commands)")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(loaded)] * 3


def test_text_is_measured_as_reportlab_measures_it_in_the_pdf_font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from portal.pdf import font_files
    from portal.svg_draw import text_width, wrap

    if "MeasureCheck" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("MeasureCheck", font_files()[0]))
    for sample in ["Perjanjian Kinerja 2026", "Ünïcödé — “kutip” 𝔸", "iiii", "WWWW", ""]:
        assert text_width(sample, 6.5) == pytest.approx(pdfmetrics.stringWidth(sample, "MeasureCheck", 6.5))
    lines = wrap("Meningkatnya kualitas pelayanan perizinan dan nonperizinan", 60)
    assert len(lines) > 1 and all(text_width(line, 6.5) <= 60 for line in lines)


def test_read_only_pages_run_without_a_transaction_on_postgresql(app, backend, demo, client, auth):
    start_pk(app, demo)
    auth.login("kadis")
    levels = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        levels.append(conn.get_execution_options().get("isolation_level"))

    engine = db.engine
    with statements():
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get("/tugas")
            client.get("/tugas/jumlah")  # the badge HTMX refreshes after every action
            client.get("/arsip?q=kinerja")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    expected = "AUTOCOMMIT" if backend == "postgresql" else None
    assert len(levels) >= 6 and set(levels) == {expected}


def test_a_read_only_page_that_writes_fails_and_writes_nothing(app, demo, client, auth):
    from flask_login import current_user, login_required

    from portal.models import User
    from portal.read_only import read_only

    @login_required
    @read_only
    def renames():
        current_user.nama = "Diubah"
        db.session.commit()
        return "ok"

    @login_required
    @read_only
    def renames_in_sql():
        from sqlalchemy import update

        db.session.execute(update(User).where(User.id == current_user.id).values(nama="Diubah"))
        db.session.commit()
        return "ok"

    app.add_url_rule("/uji-baca-saja", "uji_baca_saja", renames)
    app.add_url_rule("/uji-baca-saja-sql", "uji_baca_saja_sql", renames_in_sql)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    kadis_id = demo["kadis"].id
    auth.login("kadis")
    with statements():
        assert client.get("/uji-baca-saja").status_code == 500
        assert client.get("/uji-baca-saja-sql").status_code == 500
    db.session.expire_all()
    assert db.session.get(User, kadis_id).nama != "Diubah"
