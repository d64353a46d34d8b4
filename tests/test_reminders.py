"""Reminders, overdue notices and escalation on a fixed clock in working time, once per task attempt."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import reminders, runner
from portal.extensions import db
from portal.models import Notification, TaskReminder
from tests.helpers import open_tasks, pk_definition

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def _notes(kind):
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def _start(app, demo, at):
    with app.test_request_context():
        run = runner.start_run(pk_definition(app), demo["kadis"], judul="PK libur", tahun=2026,
                               unit_id=demo["kadis"].unit_id, now=at)
        db.session.commit()
    return run


def test_reminder_overdue_and_escalation_across_weekend_and_christmas(app, demo):
    calendar = app.extensions["worktime"]
    assert calendar.holiday_name(wib(2026, 12, 25).date())  # Natal: a national holiday (Friday)
    run = _start(app, demo, wib(2026, 12, 24, 15, 50))  # step 1: 30 menit, Thursday 10 minutes before closing
    task = open_tasks(run.id)[0]
    assert task.due_at == wib(2026, 12, 28, 7, 50)  # Monday: 10 min Thursday + 20 min Monday
    times = reminders.schedule(task)
    assert times["pengingat"] == wib(2026, 12, 28, 7, 42)  # 75 % of 30 = 22 working minutes
    assert times["eskalasi"] == wib(2026, 12, 29, 7, 50)  # 1 working day after due

    for quiet in (wib(2026, 12, 24, 15, 59), wib(2026, 12, 25, 12, 0), wib(2026, 12, 27, 20, 0), wib(2026, 12, 28, 7, 41)):
        assert reminders.run_due(quiet) == {}, quiet
    assert reminders.run_due(wib(2026, 12, 28, 7, 42)) == {"pengingat": 1}
    assert reminders.run_due(wib(2026, 12, 28, 7, 45)) == {}  # idempotent: once per attempt
    [note] = _notes("pengingat")
    assert note.user_id == demo["kadis"].id and note.url == f"/tugas/{task.id}" and "sisa 8 menit, waktu kerja" in note.body

    assert reminders.run_due(wib(2026, 12, 28, 7, 50)) == {"terlambat": 1}
    assert reminders.run_due(wib(2026, 12, 28, 15, 0)) == {}
    assert reminders.run_due(wib(2026, 12, 29, 7, 49)) == {}
    assert reminders.run_due(wib(2026, 12, 29, 7, 50)) == {"eskalasi": 1}
    [esc] = _notes("eskalasi")
    assert esc.user_id == demo["sekretaris"].id and esc.url == f"/pelaksanaan/{run.id}"
    assert "terlambat 1 hari kerja (waktu kerja)" in esc.body and demo["kadis"].nama in esc.body
    assert reminders.run_due(wib(2026, 12, 31, 9, 0)) == {}
    assert len(_notes("terlambat")) == 1 and len(_notes("eskalasi")) == 1


def test_late_scheduler_sends_only_the_latest_notice_and_a_new_attempt_starts_over(app, demo, client, auth):
    run = _start(app, demo, wib(2026, 12, 24, 15, 50))
    first = open_tasks(run.id)[0]
    assert reminders.run_due(wib(2026, 12, 28, 9, 0)) == {"terlambat": 1}  # the reminder is not sent after the fact
    kinds = set(db.session.scalars(select(TaskReminder.kind).where(TaskReminder.task_id == first.id)))
    assert kinds == {"pengingat", "terlambat"}
    assert _notes("pengingat") == []
    with app.test_request_context():  # complete step 1 on Monday: step 2 (300 menit) is a new task with its own clock
        runner.complete_task(first.id, demo["kadis"], expected_version=first.version, action="selesai",
                             now=wib(2026, 12, 28, 9, 0))
        db.session.commit()
    second = open_tasks(run.id)[0]
    assert second.due_at == wib(2026, 12, 28, 14, 0)
    assert reminders.run_due(wib(2026, 12, 28, 12, 45)) == {"pengingat": 1}  # 225 working minutes after 09:00
    assert _notes("pengingat")[0].user_id == demo["perencana"].id


def test_cancelled_or_finished_tasks_get_nothing(app, demo):
    run = _start(app, demo, wib(2026, 12, 24, 15, 50))
    with app.test_request_context():
        runner.cancel_run(run, demo["admin"], "Salah judul")
        db.session.commit()
    assert reminders.run_due(wib(2027, 1, 15, 9, 0)) == {}


def test_cli_is_idempotent(app, demo):
    _start(app, demo, wib(2025, 12, 24, 15, 50))  # long past on the real clock
    runner_cli = app.test_cli_runner()
    first = runner_cli.invoke(args=["pengingat", "jalankan"])
    assert first.exit_code == 0 and "terlambat 1" in first.output and "eskalasi 1" in first.output
    second = runner_cli.invoke(args=["pengingat", "jalankan"])
    assert second.exit_code == 0 and "tidak ada yang jatuh tempo" in second.output
