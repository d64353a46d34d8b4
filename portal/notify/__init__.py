"""Notifications (issue 10): who is told what, written in the caller's transaction.

``tasks_opened`` and ``task_reassigned`` are called by the runner inside the transaction
of the change; they add a ``Notification`` per recipient (the in-app bell) and one
``OutboxMessage`` per external channel the recipient can be reached on and has not
switched off. Nothing here commits: a rolled-back change leaves no row behind. The
worker (``portal.notify.worker``) delivers the outbox.
"""
from __future__ import annotations

import os

from flask import Flask, has_request_context
from sqlalchemy import and_, or_, select, true

from portal.extensions import db
from portal.models import Notification, NotificationPreference, OutboxMessage, Role, User, UserRole

KINDS = {
    "tugas_baru": "Tugas baru",
    "dikembalikan": "Tugas dikembalikan",
    "dialihkan": "Tugas dialihkan kepada Anda",
    "pengingat": "Pengingat batas waktu",
    "terlambat": "Tugas terlambat",
    "eskalasi": "Eskalasi keterlambatan",
    "konfirmasi": "Konfirmasi penerimaan",
}


def init_app(app: Flask) -> None:
    """Settings from the environment, Flask-Mail, the blueprint and the ``flask notifikasi`` commands."""
    from flask_mail import Mail

    env = os.environ.get
    defaults = {
        "MAIL_SERVER": env("MAIL_SERVER", ""), "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "").lower() in ("1", "true", "ya"),
        "MAIL_USE_SSL": env("MAIL_USE_SSL", "").lower() in ("1", "true", "ya"),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None, "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "SOP Portal <sop-portal@localhost>"),
        "MAIL_SUPPRESS_SEND": False,
        "NOTIFY_POLL_SECONDS": int(env("NOTIFY_POLL_SECONDS", "20")),
        "OUTBOX_MAX_ATTEMPTS": int(env("OUTBOX_MAX_ATTEMPTS", "6")),
        "OUTBOX_LEASE_SECONDS": int(env("OUTBOX_LEASE_SECONDS", "300")),
    }
    for key, value in defaults.items():
        app.config.setdefault(key, value)
    Mail(app)
    from portal.notify import cli, views

    app.register_blueprint(views.bp)
    # the bell's count is read with the user (portal.principal) and shown by the navigation
    # context (portal.templating)
    app.cli.add_command(cli.notify_cli)


def role_holders(role_key: str, unit_id: int | None) -> list[User]:
    """Active users who may act on an unassigned task of ``role_key`` (and ``unit_id``)."""
    unit_ok = true_or_unit(unit_id)
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id)
        .where(Role.key == role_key, User.active.is_(True), unit_ok).distinct().order_by(User.id)))


def true_or_unit(unit_id: int | None):
    """A grant for the whole role, or for the task's unit (the rule of ``access.can_act``)."""
    if unit_id is None:
        return true()
    return or_(UserRole.unit_id.is_(None), UserRole.unit_id == unit_id)


def _actor_id() -> int | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if current_user.is_authenticated else None


def tasks_opened(run, step, tasks, *, kind: str = "tugas_baru", reasons: dict | None = None) -> list[Notification]:
    """Tell whoever may act on each new task of ``step`` (not the person who caused it);
    ``reasons`` (unit id -> catatan) of a per-unit return go to each unit's message."""
    from portal.delegation import substitutes_of

    db.session.flush()
    actor = _actor_id()
    made = []
    for task in tasks:
        people = [task.assignee] if task.assignee_id else role_holders(task.role_key, task.unit_id)
        people += [s for s in substitutes_of(people) if s.id not in {p.id for p in people}]  # Plt./Plh.
        unit = f" ({task.unit.nama})" if task.unit_id and task.unit else ""
        title = f"{KINDS[kind]}: Langkah {step.no} — {run.judul}"
        body = f"{run.sop_nama} · {run.judul}{unit}\nLangkah {step.no}: {step.kegiatan}"
        if reasons and reasons.get(task.unit_id):
            body += f"\nAlasan: {reasons[task.unit_id]}"
        for user in people:
            if user.id != actor:
                made.append(notify_user(user, kind, title, body, url=f"/tugas/{task.id}", run=run, task=task))
    return made


def task_reassigned(task, new_user: User, reason: str) -> Notification:
    """Tell ``new_user`` that an admin gave them ``task``."""
    run = task.run
    title = f"{KINDS['dialihkan']}: Langkah {task.step_no} — {run.judul}"
    body = f"{run.sop_nama} · {run.judul}\nLangkah {task.step_no}: {task.step.kegiatan}\nAlasan: {reason.strip()}"
    return notify_user(new_user, "dialihkan", title, body, url=f"/tugas/{task.id}", run=run, task=task)


def notify_user(user: User, kind: str, title: str, body: str, *, url: str = "", run=None, task=None) -> Notification:
    """Add one in-app notification and its outbox rows to the current transaction."""
    from portal.notify.channels import channels

    note = Notification(user_id=user.id, kind=kind, title=title[:300], body=body, url=url,
                        run_id=getattr(run, "id", None), task_id=getattr(task, "id", None))
    db.session.add(note)
    db.session.flush()
    for channel in channels().values():
        address = channel.address(user)
        if address and email_wanted(user.id, kind, channel.name):
            db.session.add(OutboxMessage(notification_id=note.id, channel=channel.name, recipient=address[:200]))
    return note


def email_wanted(user_id: int, kind: str, channel: str) -> bool:
    """True unless the user switched this kind off for ``channel``."""
    enabled = db.session.scalar(select(NotificationPreference.enabled).where(and_(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind,
        NotificationPreference.channel == channel)))
    return enabled is None or bool(enabled)


def unread_count(user: User) -> int:
    """Unread in-app notifications of ``user``."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
