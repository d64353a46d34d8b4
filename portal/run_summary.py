"""Per-step summary of a run: standard waktu, working time taken, on time or late."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from portal.models import Outcome, Run, Task, TaskStatus, utcnow


@dataclass
class StepRow:
    """One SOP step as the run page shows it."""

    step: object
    tasks: list[Task] = field(default_factory=list)
    attempts: int = 0
    state: str = "belum"  # belum, berjalan, selesai, dilewati, dikembalikan, dibatalkan
    taken: str = ""
    taken_minutes: int = 0
    late: bool | None = None
    progress: str = ""
    redoing: list = field(default_factory=list)  # units redoing the step after a per-unit return


def step_rows(run: Run, tasks: list[Task]) -> list[StepRow]:
    """Rows for every step of the pinned definition, using the latest task of each unit
    (a per-unit return redoes only some units; a receipt confirmation counts with its step)."""
    from portal.rounds import latest_per_unit

    calendar = current_app.extensions["worktime"]
    rows = []
    for step in run.sop.steps:
        own = [t for t in tasks if t.step_no == step.no]
        row = StepRow(step=step, attempts=max((t.attempt for t in own), default=0))
        latest = latest_per_unit(own, kind=None)
        row.tasks = latest
        if latest:
            open_tasks = [t for t in latest if t.status == TaskStatus.TERBUKA]
            if open_tasks:
                row.state = "berjalan"
            elif all(t.outcome == Outcome.LEWATI for t in latest):
                row.state = "dilewati"
            elif all(t.status == TaskStatus.DIBATALKAN for t in latest):
                row.state = "dibatalkan"
            elif all(t.outcome in (Outcome.KEMBALI, Outcome.TOLAK) for t in latest):
                row.state = "dikembalikan"
            else:
                row.state = "selesai"
            start = min(t.created_at for t in latest)
            ends = [t.completed_at for t in latest if t.completed_at]
            end = max(ends) if ends and not open_tasks else utcnow()
            row.taken_minutes = calendar.working_minutes_between(start, end)
            row.taken = calendar.describe_duration(row.taken_minutes)
            due = max(t.due_at for t in latest)
            row.late = end > due if (not open_tasks or end > due) else None
            if step.fan_out:
                done = sum(1 for t in latest if t.status == TaskStatus.SELESAI)
                row.progress = f"{done}/{len(latest)} unit"
                row.redoing = [t.unit.nama for t in latest if t.status == TaskStatus.TERBUKA and t.attempt > 1 and t.unit]
        rows.append(row)
    return rows
