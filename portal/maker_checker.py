"""Maker-checker on decision steps (issue 10): whoever did the work being checked may not approve it.

A decision step (one with ``kembali_ke``) checks the steps from its return target up to
itself. Unless the step says ``pemeriksa_berbeda = false``, a user who completed the
latest attempt of any of those steps cannot choose "Setujui" on it (returning it stays
possible). The runner asks ``refusal`` inside the completing transaction; the step page
asks ``makers`` to tell the user before they try.
"""
from __future__ import annotations

from portal.models import Task, TaskStatus


def checked_steps(definition, step) -> list[int]:
    """Numbers of the steps ``step`` checks: from its return target up to (not including) itself."""
    if not step.decision:
        return []
    numbers = [s.no for s in definition.steps]
    start, end = numbers.index(step.decision), numbers.index(step.no)
    return numbers[start:end] if start < end else [step.decision]


def makers(task: Task) -> set[int]:
    """Ids of the users who completed the latest attempt of each step ``task``'s step checks."""
    step = task.step
    if not step.decision or not step.checker_differs:
        return set()
    result: set[int] = set()
    from portal.rounds import step_round

    for no in checked_steps(task.run.sop, step):  # each unit's latest work (issue 10: per-unit returns)
        result.update(t.completed_by_id for t in step_round(task.run_id, no)
                      if t.status == TaskStatus.SELESAI and t.completed_by_id is not None)
    return result


def refusal(task: Task, user, action: str) -> str | None:
    """The Indonesian reason ``user`` may not take ``action`` on ``task``, or None when allowed."""
    if action != "setuju" or user.id not in makers(task):
        return None
    steps = ", ".join(str(n) for n in checked_steps(task.run.sop, task.step))
    return (f"Anda tidak dapat menyetujui langkah ini: Anda sendiri yang mengerjakan langkah {steps} yang diperiksa "
            "di sini (prinsip pembuat-pemeriksa). Persetujuan harus oleh pejabat lain; Anda masih dapat "
            "mengembalikannya.")
