"""Tests aimed at mutations that survived the earlier suite: the version guard, the run lock,
the "Tolak" outcome, receipt years in local time, the receipt counter's race, due times."""
import threading
from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from portal import runner
from portal.extensions import db
from portal.models import AuditEvent, Receipt, Task
from portal.plugin_api import hookimpl
from tests.helpers import advance, open_tasks, pk_definition, start_pk
from tests.test_runner import complete, login

WIB = ZoneInfo("Asia/Jakarta")


# ------------------------------------------------------------------ the version guard

def test_stale_form_after_reassign_gets_409(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    stale_version = task.version
    login(client, "admin")
    assert client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["kadis"].id, "alasan": "uji"}).status_code == 303
    client.post("/keluar")
    login(client, "kadis")
    response = complete(client, task, versi=stale_version)
    assert response.status_code == 409
    db.session.expire_all()
    assert open_tasks(run.id)[0].id == task.id


def test_stale_form_after_take_gets_409(app, demo, client):
    from portal.models import Role, UserRole

    run = start_pk(app, demo)
    advance(app, run, until_step=2)
    [task] = open_tasks(run.id)
    role = db.session.scalar(select(Role).where(Role.key == "tim_perencanaan"))
    db.session.add(UserRole(user_id=demo["kasubbag"].id, role_id=role.id))
    db.session.commit()
    stale_version = task.version
    login(client, "perencana")
    assert client.post(f"/tugas/{task.id}/ambil").status_code == 302
    client.post("/keluar")
    login(client, "kasubbag")  # opened the step before it was taken
    assert complete(client, task, versi=stale_version).status_code == 409
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "terbuka"


# ------------------------------------------------------------------ the "Tolak" outcome

def test_tolak_outcome_recorded_when_the_sop_says_tolak(app, demo, client):
    definition = pk_definition(app)
    tolak = replace(definition, steps=tuple(replace(s, reject_label="Tolak") if s.decision else s
                                            for s in definition.steps))
    with app.test_request_context():
        run = runner.start_run(tolak, demo["kadis"], judul="PK tolak", tahun=2026, unit_id=demo["kadis"].unit_id)
        db.session.commit()
    advance(app, run, until_step=4)
    [task] = open_tasks(run.id)
    from portal.demo_runs import actor_for

    login(client, actor_for(task).username)
    response = complete(client, task, tindakan="kembali", catatan="Target belum selaras dengan Renstra")
    assert response.status_code == 303
    db.session.refresh(task)
    assert task.outcome == "tolak"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.task_id == task.id, AuditEvent.action == "tolak"))
    assert event is not None and "Target belum selaras" in event.detail
    assert [t.step_no for t in open_tasks(run.id)] == [3]


# ------------------------------------------------------------------ receipts: year and counter

def test_receipt_at_half_past_midnight_wib_on_new_year_belongs_to_the_new_year(app, demo):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=WIB).astimezone(timezone.utc)
    assert new_year.year == 2026  # still 2026 in UTC
    from portal.demo_runs import sample_document

    with app.test_request_context():
        sample_document(run, "PK final", task, demo["perencana"], at=new_year)
        runner.complete_task(task.id, demo["perencana"], expected_version=task.version, action="selesai",
                             receiver_id=demo["biro"].id, now=new_year)
        db.session.commit()
    receipt = db.session.scalar(select(Receipt))
    assert (receipt.year, receipt.number) == (2027, "TT/2027/00001")


def _waiting_on_a_lock(url: str) -> bool:
    """True when some PostgreSQL backend of the test database waits for a lock."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND wait_event_type = 'Lock'")).scalar())
    finally:
        engine.dispose()


def _wait_until(condition, what: str) -> None:
    """Poll ``condition`` until true (bounded so a broken test ends instead of hanging)."""
    import time

    for _ in range(2000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("backend", ["postgresql"])
def test_receipt_counter_race_on_a_new_year_gives_1_and_2(backend, app, demo):
    """Two transactions create the counter row of a new year at once: the second meets the
    unique key, must see the first's row and take number 2 (no blind retry, no swallowed error)."""
    from portal.receipts import next_receipt_seq

    first_inserted, commit_first = threading.Event(), threading.Event()
    numbers = {}

    def first():
        with app.app_context():
            numbers["first"] = next_receipt_seq(2045)
            first_inserted.set()
            commit_first.wait(20)
            db.session.commit()
            db.session.remove()

    def second():
        with app.app_context():
            numbers["second"] = next_receipt_seq(2045)
            db.session.commit()
            db.session.remove()

    a = threading.Thread(target=first)
    a.start()
    first_inserted.wait(20)
    b = threading.Thread(target=second)
    b.start()
    _wait_until(lambda: _waiting_on_a_lock(app.config["SQLALCHEMY_DATABASE_URI"]), "the second insert waits")
    commit_first.set()
    a.join(20)
    b.join(20)
    assert numbers == {"first": 1, "second": 2}


# ------------------------------------------------------------------ the run lock

class PauseAfterStep:
    """Holds the first completer inside its transaction, after it has counted the open siblings."""

    def __init__(self):
        self.paused, self.release, self.second_done = threading.Event(), threading.Event(), threading.Event()
        self.first_thread = None

    @hookimpl
    def portal_step_completed(self, definition, run, task, outcome):
        if threading.get_ident() == self.first_thread:
            self.paused.set()
            self.release.wait(20)
        else:
            self.second_done.set()


def test_fan_out_siblings_completed_at_once_open_the_next_step(app, demo, backend):
    """Unit A completes its fan-out task and is held before commit; unit B completes the last one.
    With the run lock B waits for A and then sees that no sibling is open; without it both would
    count the other as open and step 8 would never open."""
    names = ["bidang1", "bidang2"]
    run = start_pk(app, demo, units=[demo[n].unit_id for n in names])
    advance(app, run, until_step=7)
    by_unit = {t.unit_id: (t.id, t.version) for t in open_tasks(run.id)}
    work = {n: (by_unit[demo[n].unit_id], demo[n].id) for n in names}
    db.session.commit()
    pause = PauseAfterStep()
    app.extensions["portal_plugins"].pm.register(pause, name="pause-after-step")
    blocked = threading.Event()
    errors = []

    def completer(name, first):
        (task_id, version), user_id = work[name]
        if first:
            pause.first_thread = threading.get_ident()
        with app.app_context():
            from portal.models import User

            for _ in range(50):
                user = db.session.get(User, user_id)
                try:
                    runner.complete_task(task_id, user, expected_version=version, action="selesai")
                    db.session.commit()
                    break
                except OperationalError as exc:  # SQLite: the write lock is held by the first completer
                    db.session.rollback()
                    if "locked" not in str(exc).lower():
                        errors.append(exc)
                        break
                    blocked.set()
                    pause.release.wait(20)
                except Exception as exc:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    errors.append(exc)
                    break
            db.session.remove()

    if backend == "sqlite":
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    a = threading.Thread(target=completer, args=("bidang1", True))
    a.start()
    assert pause.paused.wait(20)
    b = threading.Thread(target=completer, args=("bidang2", False))
    b.start()
    if backend == "postgresql":
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        _wait_until(lambda: pause.second_done.is_set() or _waiting_on_a_lock(url), "the second completer waits or ends")
    else:
        _wait_until(lambda: pause.second_done.is_set() or blocked.is_set(), "the second completer waits or ends")
    pause.release.set()
    a.join(30)
    b.join(30)
    assert errors == []
    db.session.expire_all()
    assert [t.step_no for t in open_tasks(run.id)] == [8]


# ------------------------------------------------------------------ due times through the runner

def _start_at(app, demo, local: datetime, waktu=None):
    definition = pk_definition(app)
    if waktu is not None:
        first = replace(definition.steps[0], waktu=waktu)
        definition = replace(definition, steps=(first,) + definition.steps[1:])
    with app.test_request_context():
        run = runner.start_run(definition, demo["kadis"], judul="PK waktu", tahun=2026, unit_id=demo["kadis"].unit_id,
                               now=local.astimezone(timezone.utc))
        db.session.commit()
    [task] = open_tasks(run.id)
    return task.due_at.astimezone(WIB).replace(tzinfo=None)


def test_due_30_menit_at_eight_wib(app, demo):
    assert _start_at(app, demo, datetime(2026, 11, 23, 8, 0, tzinfo=WIB)) == datetime(2026, 11, 23, 8, 30)


def test_due_1_hari_on_friday_afternoon_is_monday(app, demo):
    from portal.sop import parse_waktu

    due = _start_at(app, demo, datetime(2026, 11, 20, 15, 0, tzinfo=WIB), parse_waktu("1 Hari"))
    assert due == datetime(2026, 11, 23, 15, 0)


def test_due_1_hari_across_christmas(app, demo):
    from portal.sop import parse_waktu

    # Thursday 24 December 2026; Friday 25 is Hari Raya Natal, then the weekend
    due = _start_at(app, demo, datetime(2026, 12, 24, 15, 0, tzinfo=WIB), parse_waktu("1 Hari"))
    assert due == datetime(2026, 12, 28, 15, 0)
