"""Queries behind Tugas Saya: the user's open tasks and their count."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.access import task_filter_for
from portal.extensions import db
from portal.models import Run, Task


def open_task_count(user) -> int:
    """How many open tasks ``user`` may act on (the badge in the navigation)."""
    return db.session.scalar(select(func.count(Task.id)).join(Run).where(task_filter_for(user), Run.status == "berjalan"))


def inbox(user, *, sop_id: str | None = None, tahun: int | None = None, status: str = "terbuka", limit: int = 200):
    """Tasks for Tugas Saya: open ones (``status='terbuka'``), overdue ones (``'terlambat'``)
    or the ones this user completed (``'selesai'``), newest first, with their runs in one query."""
    from portal.models import utcnow

    query = select(Task).join(Task.run).options(contains_eager(Task.run))
    if status == "selesai":
        query = query.where(Task.completed_by_id == user.id).order_by(Task.completed_at.desc())
    else:
        query = query.where(task_filter_for(user), Run.status == "berjalan").order_by(Task.due_at.asc(), Task.id)
        if status == "terlambat":
            query = query.where(Task.due_at < utcnow())
    if sop_id:
        query = query.where(Run.sop_id == sop_id)
    if tahun:
        query = query.where(Run.tahun == tahun)
    return list(db.session.scalars(query.limit(limit)).unique())
