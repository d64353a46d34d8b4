"""The current round of a step: the latest task of each unit (issue 10, per-unit returns).

After a checker returns only some units of a fan-out, those units redo the step (a higher
``attempt``) while the others' earlier work stands. So "the step's current work" is the
latest task per unit (and per kind, a receipt confirmation being its own kind), never
"every task of the highest attempt"."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Task, TaskKind


def latest_per_unit(tasks, *, kind: str | None = TaskKind.LANGKAH) -> list[Task]:
    """The latest task (highest attempt, then id) of each unit among ``tasks`` of one step,
    in unit order of first appearance; ``kind=None`` keeps every kind (one latest per kind)."""
    latest: dict[tuple, Task] = {}
    for task in tasks:
        if kind is not None and task.kind != kind:
            continue
        key = (task.unit_id, task.kind)
        current = latest.get(key)
        if current is None or (task.attempt, task.id) > (current.attempt, current.id):
            latest[key] = task
    return sorted(latest.values(), key=lambda t: t.id)


def step_round(run_id: int, step_no: int) -> list[Task]:
    """The current round of step ``step_no`` of a run: its latest task per unit (steps only)."""
    return latest_per_unit(db.session.scalars(
        select(Task).where(Task.run_id == run_id, Task.step_no == step_no, Task.kind == TaskKind.LANGKAH)
        .order_by(Task.id)))


def next_attempts(run_id: int, step_no: int) -> dict[int | None, int]:
    """The attempt number a new task of each unit of the step gets (1 + its unit's highest)."""
    rows = db.session.execute(select(Task.unit_id, func.max(Task.attempt)).where(
        Task.run_id == run_id, Task.step_no == step_no, Task.kind == TaskKind.LANGKAH).group_by(Task.unit_id))
    return {unit_id: highest + 1 for unit_id, highest in rows}
