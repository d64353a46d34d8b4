"""Where a run's document is now: current step, who holds it, since when, due, how late.

``positions(run_ids)`` answers for a whole page of runs with one query over their open
tasks (no query per run). Lateness is counted in working time by the agency calendar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.models import Run, Task, utcnow

__all__ = ["Position", "positions", "position_of", "holder_label"]


@dataclass
class Position:
    """The open step of a running run and its timing."""

    run_id: int
    step_no: int
    kegiatan: str
    holders: list[str] = field(default_factory=list)
    since: datetime | None = None
    due: datetime | None = None
    late_minutes: int = 0
    open_count: int = 0
    total_count: int = 0

    @property
    def late(self) -> bool:
        """True when the step is past its due time."""
        return self.late_minutes > 0

    @property
    def holder(self) -> str:
        """Who holds the document, as one line."""
        if len(self.holders) > 2:
            return f"{self.holders[0]}, {self.holders[1]} dan {len(self.holders) - 2} lainnya"
        return ", ".join(self.holders)

    @property
    def late_text(self) -> str:
        """Lateness in working time, e.g. "1 hari kerja 2 jam" ("" when on time)."""
        if not self.late:
            return ""
        return current_app.extensions["worktime"].describe_duration(self.late_minutes)


def holder_label(task: Task, run: Run) -> str:
    """The person holding ``task``, or its role (and unit) while nobody has taken it."""
    if task.assignee is not None:
        return task.assignee.nama
    label = run.sop.lane_label(task.role_key)
    return f"{label} ({task.unit.nama})" if task.unit else label


def positions(run_ids: list[int], now: datetime | None = None) -> dict[int, Position]:
    """Positions of the running runs among ``run_ids`` (one query for all of them)."""
    if not run_ids:
        return {}
    query = (select(Task).join(Task.run).options(contains_eager(Task.run), joinedload(Task.assignee))
             .where(Task.run_id.in_(run_ids), Task.status == "terbuka", Run.status == "berjalan")
             .order_by(Task.run_id, Task.id))
    return _collect(((task, task.run) for task in db.session.scalars(query).unique()), now or utcnow())


def position_of(run: Run, now: datetime | None = None) -> Position | None:
    """The position of one run (None when it is not running), from its tasks as the run page
    already read them (``documents.run_tasks``: no query of its own there)."""
    from portal.documents import run_tasks

    if run.status != "berjalan":
        return None
    opened = ((task, run) for task in run_tasks(run) if task.status == "terbuka")
    return _collect(opened, now or utcnow()).get(run.id)


def _collect(open_tasks, now: datetime) -> dict[int, Position]:
    """Positions from ``(open task, its run)`` pairs in run and task order."""
    calendar = current_app.extensions["worktime"]
    result: dict[int, Position] = {}
    fan_totals: dict[int, int] = {}
    for task, run in open_tasks:
        pos = result.get(run.id)
        if pos is None:
            step = run.sop.step(task.step_no)
            pos = result[run.id] = Position(run_id=run.id, step_no=task.step_no, kegiatan=step.kegiatan)
            if step.fan_out:
                fan_totals[run.id] = len(run.fan_out_units.get("units") or [])
        pos.holders.append(holder_label(task, run))
        pos.open_count += 1
        pos.since = min(pos.since or task.created_at, task.created_at)
        if task.due_at is not None:
            pos.due = task.due_at if pos.due is None else min(pos.due, task.due_at)
    for run_id, pos in result.items():
        pos.total_count = max(fan_totals.get(run_id, 0), pos.open_count)
        if pos.due is not None and now > pos.due:
            pos.late_minutes = max(calendar.working_minutes_between(pos.due, now), 1)
    return result
