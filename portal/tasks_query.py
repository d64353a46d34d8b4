"""Queries behind Tugas Saya: the user's open tasks and their count."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.access import task_filter_for
from portal.extensions import db
from portal.models import Run, Task, User


BADGE_CAP = 100


def open_task_count(user) -> int:
    """How many open tasks ``user`` may act on, counted up to ``BADGE_CAP`` (the navigation badge).

    Open tasks only exist in running runs (finishing or cancelling a run closes them), so no join.
    """
    capped = select(Task.id).where(task_filter_for(user)).limit(BADGE_CAP).subquery()
    return db.session.scalar(select(func.count()).select_from(capped))


PAGE_SIZE = 50


@dataclass(frozen=True)
class PageWindow:
    """A page of a list whose total is not counted (Tugas Saya): what the pager macro needs."""

    page: int
    has_next: bool
    pages: None = None

    @property
    def has_prev(self) -> bool:
        """True after the first page."""
        return self.page > 1

    @property
    def prev_num(self) -> int:
        """The previous page number."""
        return self.page - 1

    @property
    def next_num(self) -> int:
        """The next page number."""
        return self.page + 1


# What a Tugas Saya row shows of its run (the pinned definition is read through its hash);
# the run's unit and starter, joined by default elsewhere, are not loaded here.
INBOX_RUN_COLUMNS = (Run.id, Run.judul, Run.tahun, Run.sop_nama, Run.sop_nomor, Run.definition_sha, Run.status)


def inbox(user, *, sop_id: str | None = None, tahun: int | None = None, status: str = "terbuka",
          page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[Task], bool]:
    """One page of Tugas Saya: open tasks (``status='terbuka'``, most urgent first), overdue ones
    (``'terlambat'``) or the ones this user completed (``'selesai'``, newest first), with their
    runs in the same query. Returns (tasks, whether a next page exists)."""
    from portal.models import utcnow

    query = (select(Task).join(Task.run)
             .options(contains_eager(Task.run).load_only(*INBOX_RUN_COLUMNS).lazyload("*"),
                      selectinload(Task.assignee).load_only(User.id, User.nama)))
    if status == "selesai":
        query = query.where(Task.completed_by_id == user.id).order_by(Task.completed_at.desc(), Task.id.desc())
    else:
        query = query.where(task_filter_for(user)).order_by(Task.due_at.asc(), Task.id)
        if status == "terlambat":
            query = query.where(Task.due_at < utcnow())
    if sop_id:
        query = query.where(Run.sop_id == sop_id)
    if tahun:
        query = query.where(Run.tahun == tahun)
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((max(page, 1) - 1) * per_page)).unique())
    return rows[:per_page], len(rows) > per_page
