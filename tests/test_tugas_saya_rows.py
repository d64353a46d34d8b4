"""Tugas Saya's rows and badge as built for speed (issue 12): the rows written in Python, the open-task
count carried by the user's statement, the scope counted branch by branch, PostgreSQL's plans reused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import Role, Task, User, UserRole, utcnow
from tests.helpers import open_tasks, start_pk
from tests.test_request_cost import statements


def badge(page: str) -> int:
    """The number in the Tugas Saya badge of ``page``."""
    marker = 'hx-swap="outerHTML">'
    return int(page.split(marker, 1)[1].split("</span>", 1)[0])


def test_rows_show_each_part_and_escape_what_users_typed(app, demo, client, auth):
    run = start_pk(app, demo, judul='PK <script>alert("x")</script> & co')
    task = open_tasks(run.id)[0]
    with app.test_request_context():
        row = db.session.get(Task, task.id)
        row.attempt, row.assignee_id, row.unit_id = 2, demo["kadis"].id, demo["kadis"].unit_id
        row.due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        unit = row.unit.nama
    auth.login("kadis")
    page = client.get("/tugas").text
    assert "<script>alert" not in page
    assert "PK &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in page
    line = next(line for line in page.splitlines() if f'href="/tugas/{task.id}"' in line)
    assert f'<a href="/pelaksanaan/{run.id}">' in line and "Tahun 2026" in line
    assert f"Unit: {unit}" in line and "Perbaikan ke-1" in line
    assert '<span class="tag late">Terlambat</span>' in line and f"diambil {demo['kadis'].nama}" in line
    assert 'data-label="Batas waktu"' in line and "standar " in line


def test_the_badge_rides_on_the_users_statement(app, demo, client, auth, monkeypatch):
    from portal import tasks_query

    for number in range(3):
        start_pk(app, demo, judul=f"PK {number}")
    kadis_id = demo["kadis"].id
    auth.login("kadis")
    monkeypatch.setattr(tasks_query, "PAGE_SIZE", 1)  # the list cannot tell the badge
    client.get("/tugas")  # the scope is seen once
    with statements() as seen:
        page = client.get("/tugas").text
    sql = [s for s, _ in seen]
    assert len(sql) == 2, sql
    assert "FROM users" in sql[0] and "count(*)" in sql[0]
    with app.test_request_context():
        assert badge(page) == tasks_query.open_task_count(db.session.get(User, kadis_id)) >= 3


def test_a_changed_scope_is_counted_afresh(app, demo, client, auth):
    from portal import tasks_query

    run = start_pk(app, demo)
    task = open_tasks(run.id)[0]
    with app.test_request_context():
        outsider = next(u for u in db.session.scalars(select(User).order_by(User.id))
                        if not u.is_admin and u.active and not u.has_role(task.role_key))
        outsider_id, outsider_name = outsider.id, outsider.username
    task_id, role_key = task.id, task.role_key
    auth.login(outsider_name)
    with statements():  # each request loads its user, as under a server
        before = badge(client.get("/tugas").text)
        client.get("/tugas")  # counted with the user from here on
        with app.test_request_context():  # the admin grants the role of the open task
            role = db.session.scalar(select(Role).where(Role.key == role_key))
            db.session.add(UserRole(user_id=outsider_id, role_id=role.id, unit_id=None))
            db.session.commit()
        page = client.get("/pelaksanaan").text  # a page without the list, which could tell the badge itself
        listed = client.get("/tugas").text
        with app.test_request_context():
            fresh = tasks_query.open_task_count(db.session.get(User, outsider_id))
    assert fresh > before and badge(page) == fresh and f"/tugas/{task_id}" in listed


def test_the_scope_branches_count_each_open_task_once(app, demo):
    """Grants of one key for several units, and an official's grants beside the user's, overlap as
    conditions; counted branch after branch they must still count each task once."""
    from portal.access import task_branches_of_scope, task_filter_of_scope
    from portal.tasks_query import _open_count

    run = start_pk(app, demo)
    template = open_tasks(run.id)[0]
    with app.test_request_context():
        units = sorted({u.unit_id for u in demo.values() if u.unit_id})[:3]
        first, second = demo["kadis"].id, next(u.id for u in demo.values() if u.id != demo["kadis"].id)
        shapes = [("uji_x", None, None), ("uji_x", units[0], None), ("uji_x", units[1], None),
                  ("uji_x", units[2], None), ("uji_x", None, first), ("uji_x", units[0], second),
                  ("uji_y", units[0], None)]
        for key, unit_id, assignee in shapes:
            db.session.add(Task(run_id=run.id, step_no=template.step_no, role_key=key, unit_id=unit_id,
                                assignee_id=assignee, due_at=template.due_at))
        db.session.add(Task(run_id=run.id, step_no=template.step_no, role_key="uji_x", status="selesai"))
        db.session.commit()
        scope = ((first, (("uji_x", units[0]), ("uji_x", units[1]))),
                 (second, (("uji_x", units[0]), ("uji_y", units[0]))))
        every = db.session.scalars(select(Task)).all()
        expected = sum(1 for t in every if t.status == "terbuka" and (
            t.assignee_id in (first, second) or t.assignee_id is None and (
                (t.role_key == "uji_x" and t.unit_id in (None, units[0], units[1]))
                or (t.role_key == "uji_y" and t.unit_id in (None, units[0])))))
        by_filter = db.session.scalar(select(func.count(Task.id)).where(task_filter_of_scope(scope)))
        by_branches = sum(db.session.scalar(select(func.count(Task.id)).where(b)) for b in task_branches_of_scope(scope))
        assert expected >= 6 and by_filter == by_branches == expected
        assert db.session.scalar(_open_count(scope)) == min(expected, 100)


@pytest.mark.parametrize("backend", ["postgresql"])  # prepared statements and their plans are PostgreSQL's
def test_postgresql_plans_tugas_saya_once_and_reuses_the_plan(app, backend, demo, client, auth):
    """The scope's values are written into the SQL, so a prepared statement gets a generic plan
    (planned once per connection) instead of being planned again at every request."""
    start_pk(app, demo)
    auth.login("kadis")
    engine = db.engine
    with statements():  # each request on its own, as under a server
        for _ in range(14):  # prepared after 5 runs; PostgreSQL plans the first 5 executions afresh
            assert client.get("/tugas").status_code == 200
        with engine.connect() as conn:  # the pool's one connection, which served the requests
            plans = {statement: (generic, custom) for statement, generic, custom in conn.execute(text(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))}
    inbox = [(s, v) for s, v in plans.items() if "FROM task JOIN run" in s]
    user = [(s, v) for s, v in plans.items() if "FROM users LEFT OUTER JOIN user_role" in s]
    assert len(inbox) == 1 and len(user) == 1, list(plans)
    (inbox_sql, inbox_plans), (user_sql, user_plans) = inbox[0], user[0]
    # the scope in the text: nothing left to bind in the list, only the user and the date in the user's
    assert "task.status = 'terbuka'" in inbox_sql and "task.role_key = 'kepala_dinas'" in inbox_sql
    assert "$" not in inbox_sql, inbox_sql
    assert "task.role_key = 'kepala_dinas'" in user_sql and "LIMIT 100" in user_sql
    assert inbox_plans[0] >= 1 and inbox_plans[1] == 0, inbox_plans
    assert user_plans[0] >= 1 and user_plans[1] <= 5, user_plans
