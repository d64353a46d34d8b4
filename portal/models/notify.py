"""Issue 10 — notifications, reminders and Plt./Plh. delegations.

Notifications: the in-app list, the outbox of external deliveries, and preferences.

A ``Notification`` is written in the same transaction as the change that causes it (a task
opened, returned, reassigned, a reminder); it *is* the in-app channel. Each external
delivery (email, a plugin's gateway) is an ``OutboxMessage`` row of that notification,
written in that same transaction and delivered later by the worker.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.org import User
from portal.models.types import UtcDateTime, utcnow


class Notification(db.Model):
    """One message to one user; unread until ``read_at`` is set."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")  # a path inside the portal
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    created_at = mapped_column(UtcDateTime(), default=utcnow)
    read_at = mapped_column(UtcDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class OutboxMessage(db.Model):
    """One delivery of a notification through one external channel (``email``, a plugin's)."""

    __table_args__ = (Index("ix_outbox_message_status_next", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(200))  # the address as it was when written
    status: Mapped[str] = mapped_column(String(20), default="menunggu")  # menunggu, mengirim, terkirim, gagal
    attempts: Mapped[int] = mapped_column(default=0)
    created_at = mapped_column(UtcDateTime(), default=utcnow)
    next_attempt_at = mapped_column(UtcDateTime(), default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    lease_until = mapped_column(UtcDateTime(), nullable=True)
    sent_at = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")

    notification: Mapped[Notification] = relationship(lazy="joined")


class NotificationPreference(db.Model):
    """A user's choice for one kind of notification on one external channel (absent = on)."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "channel", name="uq_notification_preference_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)


class TaskReminder(db.Model):
    """A reminder, overdue notice or escalation already sent for a task attempt (once each)."""

    __table_args__ = (UniqueConstraint("task_id", "kind", name="uq_task_reminder_task_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    sent_at = mapped_column(UtcDateTime(), default=utcnow)


class Delegation(db.Model):
    """Plt./Plh.: ``substitute`` acts for ``official`` from ``start_date`` to ``end_date`` (agency dates, inclusive)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "Plt." or "Plh."
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    decree: Mapped[str] = mapped_column(String(200), default="")  # nomor surat perintah / SK, optional
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at = mapped_column(UtcDateTime(), nullable=True)

    official: Mapped[User] = relationship(foreign_keys=[official_id], lazy="joined")
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
