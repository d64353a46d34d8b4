"""Reminders and escalation in working time (issue 10), once per task attempt.

For an open task (one attempt of one step) three moments are counted on the agency's
working calendar (``portal.worktime``): the **pengingat** when ``PENGINGAT_PERSEN`` of the
step's waktu has passed (default 75 %), the **terlambat** notice at the due time, and the
**eskalasi** to the Sekretaris (``ESKALASI_PERAN``) when ``ESKALASI_SETELAH`` of working
time has passed after the due time (default "1 hari"). Each is recorded in
``task_reminder`` (unique per task and kind) in the same transaction as its notification,
so running ``flask pengingat jalankan`` every minute, or twice at once, sends each one once.
A run that starts late sends only the latest holder notice that is due (not a reminder
after the overdue notice) and records the earlier ones as done.
"""
from __future__ import annotations

import os
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.formatting import format_datetime
from portal.models import Task, TaskReminder, TaskStatus, User, utcnow
from portal.sop import parse_waktu

KIND_ORDER = ("pengingat", "terlambat", "eskalasi")


def init_app(app: Flask) -> None:
    """Settings from the environment, ``flask pengingat jalankan`` and the worker loop's hook."""
    app.config.setdefault("PENGINGAT_PERSEN", int(os.environ.get("PENGINGAT_PERSEN", "75")))
    app.config.setdefault("ESKALASI_SETELAH", os.environ.get("ESKALASI_SETELAH", "1 hari"))
    app.config.setdefault("ESKALASI_PERAN", os.environ.get("ESKALASI_PERAN", "sekretaris"))
    parse_waktu(app.config["ESKALASI_SETELAH"])  # fail at start-up, not at 3 a.m.
    if not 1 <= int(app.config["PENGINGAT_PERSEN"]) <= 99:
        raise ValueError("PENGINGAT_PERSEN harus antara 1 dan 99.")
    app.cli.add_command(run_command)
    from portal.notify.cli import LOOP_HOOKS

    if run_due not in LOOP_HOOKS:
        LOOP_HOOKS.append(run_due)


def schedule(task: Task) -> dict[str, datetime]:
    """The three moments of ``task`` (aware UTC), counted in working time."""
    calendar = current_app.extensions["worktime"]
    total = calendar.working_minutes_between(task.created_at, task.due_at)
    share = int(current_app.config["PENGINGAT_PERSEN"])
    after = parse_waktu(current_app.config["ESKALASI_SETELAH"])
    return {
        "pengingat": calendar.add(task.created_at, total * share // 100, "menit"),
        "terlambat": task.due_at,
        "eskalasi": calendar.add(task.due_at, after.value, after.unit),
    }


def run_due(now: datetime | None = None) -> dict[str, int]:
    """Send every reminder, overdue notice and escalation due at ``now``; commits per task."""
    now = now or utcnow()
    escalated = exists().where(TaskReminder.task_id == Task.id, TaskReminder.kind == "eskalasi")
    ids = list(db.session.scalars(select(Task.id).where(
        Task.status == TaskStatus.TERBUKA, Task.due_at.isnot(None), Task.created_at <= now, ~escalated).order_by(Task.id)))
    counts: dict[str, int] = {}
    for task_id in ids:
        try:
            for kind in _process(db.session.get(Task, task_id), now):
                counts[kind] = counts.get(kind, 0) + 1
            db.session.commit()
        except IntegrityError:  # another run recorded it first: nothing is sent twice
            db.session.rollback()
    return counts


def _process(task: Task, now: datetime) -> list[str]:
    if task is None or task.status != TaskStatus.TERBUKA or task.run.status != "berjalan":
        return []
    done = set(db.session.scalars(select(TaskReminder.kind).where(TaskReminder.task_id == task.id)))
    moments = schedule(task)
    due = [kind for kind in KIND_ORDER if moments[kind] <= now and kind not in done]
    if not due:
        return []
    for kind in due:
        db.session.add(TaskReminder(task_id=task.id, kind=kind, sent_at=now))
    db.session.flush()  # the unique (task, kind) claims them before anyone is told
    sent = []
    holder_kinds = [k for k in due if k != "eskalasi"]
    if holder_kinds:  # only the latest: no reminder after the overdue notice
        kind = holder_kinds[-1]
        _tell_holders(task, kind, now)
        sent.append(kind)
    if "eskalasi" in due:
        _escalate(task, now)
        sent.append("eskalasi")
    return sent


def _tell_holders(task: Task, kind: str, now: datetime) -> None:
    from portal.notify import KINDS, notify_user

    calendar = current_app.extensions["worktime"]
    run, step = task.run, task.step
    due = format_datetime(task.due_at)
    if kind == "pengingat":
        left = calendar.describe_duration(calendar.working_minutes_between(now, task.due_at))
        body = f"Batas waktu langkah ini {due} (sisa {left}, waktu kerja)."
    else:
        body = f"Batas waktu langkah ini {due} sudah lewat. Mohon segera diselesaikan."
    title = f"{KINDS[kind]}: Langkah {step.no} — {run.judul}"
    text = f"{run.sop_nama} · {run.judul}\nLangkah {step.no}: {step.kegiatan}\n{body}"
    for user in holders(task):
        notify_user(user, kind, title, text, url=f"/tugas/{task.id}", run=run, task=task)


def holders(task: Task) -> list[User]:
    """Who the task waits for: the assignee, or everyone holding its role (and unit)."""
    from portal.notify import role_holders

    return [task.assignee] if task.assignee_id else role_holders(task.role_key, task.unit_id)


def escalation_targets(task: Task) -> list[User]:
    """The heads told of a late task: holders of ``ESKALASI_PERAN`` (else the Kepala Dinas), not its own holders."""
    from portal.notify import role_holders

    mine = {u.id for u in holders(task)}
    for keys in (current_app.config["ESKALASI_PERAN"], "kepala_dinas"):
        people = {u.id: u for key in keys.split(",") if key.strip() for u in role_holders(key.strip(), None)}
        chosen = [u for uid, u in sorted(people.items()) if uid not in mine]
        if chosen:
            return chosen
    return []


def _escalate(task: Task, now: datetime) -> None:
    from portal.notify import KINDS, notify_user

    calendar = current_app.extensions["worktime"]
    run, step = task.run, task.step
    late = calendar.describe_duration(calendar.working_minutes_between(task.due_at, now))
    names = ", ".join(u.nama for u in holders(task)) or "peran " + task.role_key
    unit = f" ({task.unit.nama})" if task.unit_id and task.unit else ""
    title = f"{KINDS['eskalasi']}: Langkah {step.no} — {run.judul}"
    text = (f"{run.sop_nama} · {run.judul}{unit}\nLangkah {step.no}: {step.kegiatan}\n"
            f"Batas waktu {format_datetime(task.due_at)}, terlambat {late} (waktu kerja).\nMenunggu: {names.rstrip('.')}.")
    for user in escalation_targets(task):
        notify_user(user, "eskalasi", title, text, url=f"/pelaksanaan/{run.id}", run=run, task=task)


run_command = AppGroup("pengingat", help="Pengingat, pemberitahuan terlambat dan eskalasi.")


@run_command.command("jalankan")
def run_now():
    """Send due reminders, overdue notices and escalations (idempotent; run it every minute)."""
    counts = run_due()
    click.echo("Pengingat: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "tidak ada yang jatuh tempo"))
