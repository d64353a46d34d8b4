"""Queries behind Tugas Saya: the user's open tasks and their count.

The statements are built once per distinct task scope (``access.task_scope``: the user, their
grants and the officials they stand in for) and filter shape, and kept (``lru_cache``); the
values that change per request (page, SOP, tahun, now) are bound parameters. Building one of
these statements cost as much as running it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import aliased

from portal import request_cache
from portal.access import task_branches_of_scope, task_filter_of_scope, task_scope
from portal.extensions import db
from portal.models import Run, Task, Unit, User, utcnow
from portal.models.run import OUTCOMES, TASK_STATUS, TaskKind
from portal.sop import SopDefinition, cached_snapshot


BADGE_CAP = 100
_KONFIRMASI = TaskKind.KONFIRMASI.value  # a plain str: compared twice per row
STATEMENTS_KEPT = 1024


def open_task_count(user) -> int:
    """How many open tasks ``user`` may act on, counted up to ``BADGE_CAP`` (the navigation badge).

    Open tasks only exist in running runs (finishing or cancelling a run closes them), so no join.
    Once per request: the user loader or the Tugas Saya list may already have told it.
    """
    return request_cache.memo(_open_key(user.id), lambda: db.session.scalar(_open_count(_scope(user))) or 0)


@lru_cache(maxsize=STATEMENTS_KEPT)
def _open_count(scope: tuple):
    """Counts the scope's branches one after the other (``UNION ALL``; no task is in two) and stops
    at ``BADGE_CAP``: each branch reads one index range, where one ``OR`` of them made PostgreSQL
    build a bitmap of every matching task before stopping."""
    parts = [select(literal_column("1").label("one")).select_from(Task).where(branch)
             for branch in task_branches_of_scope(scope)]
    capped = (parts[0] if len(parts) == 1 else union_all(*parts)).limit(_in_text("badge_cap", BADGE_CAP)).subquery()
    return select(func.count()).select_from(capped)


def last_scope(user_id: int) -> tuple | None:
    """The task scope ``user_id`` had at their last request in this process (None if not seen): the user
    loader counts its open tasks in its own statement (``open_count_subquery``), saving the badge a
    statement, and ``accept_badge_count`` keeps that count only if the scope still holds."""
    return _last_scopes.get(user_id)


def open_count_subquery(scope: tuple):
    """The capped open-task count of ``scope`` as a scalar subquery."""
    return _open_count(scope).scalar_subquery()


def accept_badge_count(user, guessed_scope: tuple, count: int) -> None:
    """Keep ``count`` (of ``guessed_scope``) as this request's badge when ``user``'s task scope,
    computed from what was just loaded, is the guessed one; a changed scope is counted afresh."""
    if _scope(user) == guessed_scope:
        request_cache.remember(_open_key(user.id), count or 0)


def badge_counts(user) -> tuple[int, int]:
    """(open tasks as ``open_task_count``, unread notifications) of ``user``: the navigation
    badges, once per request. The unread count comes with the user (``principal``); the task
    count from the Tugas Saya list when that list held them all (``inbox``), else one count."""
    from portal.notify import unread_count
    from portal.principal import unread_key

    return open_task_count(user), request_cache.memo(unread_key(user.id), lambda: unread_count(user))


def _open_key(user_id: int) -> tuple:
    return ("open_task_count", user_id)


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


@dataclass(slots=True)
class InboxRow:
    """One Tugas Saya row: the task's columns, its run's and the step of the pinned definition.

    Plain values from one Core query (no ORM objects: loading 50 tasks with their runs through
    the identity map cost a third of the page); the step comes from the parsed-once snapshot.
    """

    id: int
    run_id: int
    step_no: int
    attempt: int
    status: str
    outcome: str | None
    created_at: object
    due_at: object
    completed_at: object
    assignee_id: int | None
    assignee_nama: str | None
    unit_nama: str | None
    judul: str
    tahun: int
    sop_nama: str
    sop_nomor: str
    step: object
    kind: str = "langkah"

    @property
    def is_confirmation(self) -> bool:
        """True for a "Konfirmasi penerimaan" task (as ``Task.is_confirmation``)."""
        return self.kind == _KONFIRMASI

    @property
    def status_label(self) -> str:
        """Indonesian status or outcome (as ``Task.status_label``)."""
        if self.outcome:
            return OUTCOMES.get(self.outcome, self.outcome)
        return TASK_STATUS.get(self.status, self.status)

    def is_overdue(self, now=None) -> bool:
        """True when open past its due time (or completed after it), as ``Task.is_overdue``."""
        if self.due_at is None:
            return False
        return (self.completed_at or now or utcnow()) > self.due_at


def _scope(user) -> tuple:
    """``task_scope(user)``, once per request (the badge and the list both use it); the last one seen
    per user is kept for ``last_scope``."""
    def compute() -> tuple:
        scope = task_scope(user)
        if len(_last_scopes) >= STATEMENTS_KEPT:  # bounded; single dict operations stay thread-safe
            _last_scopes.clear()
        _last_scopes[user.id] = scope
        return scope
    return request_cache.memo(("task_scope", user.id), compute)


_last_scopes: dict[int, tuple] = {}  # user id -> task scope at their last request in this process


def _step_of(definition_sha: str, run_id: int, step_no: int):
    """The step of a run's pinned definition, parsed once per process per snapshot."""
    def load():
        return db.session.scalar(select(Run.definition).where(Run.id == run_id))

    definition = cached_snapshot(definition_sha, load) if definition_sha else SopDefinition.from_dict(load())
    return definition.step(step_no)


def inbox(user, *, sop_id: str | None = None, tahun: int | None = None, status: str = "terbuka",
          page: int = 1, per_page: int | None = None) -> tuple[list[InboxRow], bool]:
    """One page of Tugas Saya: open tasks (``status='terbuka'``, most urgent first), overdue ones
    (``'terlambat'``) or the ones this user completed (``'selesai'``, newest first), with what the
    rows show of their runs, units and assignees in the same query. Returns (rows, whether a next
    page exists)."""
    per_page = per_page or PAGE_SIZE
    params = {"limit": per_page + 1, "offset": (max(page, 1) - 1) * per_page}
    if status == "terlambat":
        params["now"] = utcnow()
    if sop_id:
        params["sop_id"] = sop_id
    if tahun:
        params["tahun"] = tahun
    scope = (user.id,) if status == "selesai" else _scope(user)
    statement = _inbox_statement(scope, status, bool(sop_id), bool(tahun))
    found = db.session.execute(statement, params).all()
    rows = [InboxRow(*values[:16], step=_step_of(values[16], values[1], values[2]), kind=values[17])
            for values in found[:per_page]]
    if status == "terbuka" and not (sop_id or tahun) and page <= 1 and len(found) <= per_page:
        # every open task of the user is on this page: the badge counts them without a query
        request_cache.remember(_open_key(user.id), min(len(rows), BADGE_CAP))
    return rows, len(found) > per_page


@lru_cache(maxsize=STATEMENTS_KEPT)
def _inbox_statement(scope: tuple, status: str, by_sop: bool, by_tahun: bool):
    """The Tugas Saya statement of one scope and filter shape; its values are bound at execution."""
    assignee = aliased(User)
    query = (select(Task.id, Task.run_id, Task.step_no, Task.attempt, Task.status, Task.outcome, Task.created_at,
                    Task.due_at, Task.completed_at, Task.assignee_id, assignee.nama, Unit.nama, Run.judul, Run.tahun,
                    Run.sop_nama, Run.sop_nomor, Run.definition_sha, Task.kind)
             .join(Run, Task.run_id == Run.id).outerjoin(Unit, Task.unit_id == Unit.id)
             .outerjoin(assignee, Task.assignee_id == assignee.id))
    if status == "selesai":
        query = query.where(Task.completed_by_id == scope[0]).order_by(Task.completed_at.desc(), Task.id.desc())
    else:
        query = query.where(task_filter_of_scope(scope)).order_by(Task.due_at.asc(), Task.id)
        if status == "terlambat":
            query = query.where(Task.due_at < bindparam("now"))
    if by_sop:
        query = query.where(Run.sop_id == bindparam("sop_id"))
    if by_tahun:
        query = query.where(Run.tahun == bindparam("tahun"))
    return query.limit(_in_text("limit")).offset(_in_text("offset"))


def _in_text(key: str, value: int | None = None):
    """An integer bound parameter written into the SQL text at execution (``literal_execute``), like
    the scope's values (``access._inline``): PostgreSQL then keeps one plan for the statement."""
    return bindparam(key, value, type_=Integer, literal_execute=True)
