"""The measured operations: which URLs, as whom, over which runs and tasks.

Sample runs come from the generator's summary (the same runs at every size). Completing
a step uses fresh open tasks the logged-in user may act on, taken round-robin by step
number so that both sizes complete the same mix of steps; the task the run opens next is
added to the pool when the user may act on it too.
"""
from __future__ import annotations

import itertools
from collections import deque

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from bench.measure import Operation, Request
from portal.access import can_view_run, task_filter_for
from portal.extensions import db
from portal.models import ArchivedDocument, Run, Task, User

BENCH_USER = "perencana"
ARCHIVE_QUERIES = ["perjanjian kinerja", "pelayanan", "tanda terima", "sekretariat perubahan", "janji", "0042"]


def form_payload(definition, step) -> dict[str, str]:
    """What a user types into the step's declared form (sample data from its schema)."""
    from portal.forms.samples import sample_data, to_formdata

    spec = definition.form(step.form)
    return to_formdata(spec, sample_data(spec)) if spec is not None else {}


def cycle_requests(requests: list[Request]):
    """``next_request`` that cycles over ``requests`` forever."""
    source = itertools.cycle(requests)
    return lambda: next(source)


class CompletionPool:
    """Open tasks ``username`` may complete, served round-robin by step number."""

    def __init__(self, app: Flask, username: str):
        self.app, self.username = app, username
        self.groups: dict[int, deque] = {}
        self.order = itertools.count()
        with app.app_context():
            user = self._user()
            query = (select(Task).join(Task.run).options(contains_eager(Task.run))
                     .where(task_filter_for(user), Run.status == "berjalan").order_by(Task.id))
            for task in db.session.scalars(query).unique():
                self._offer(task)

    def _user(self) -> User:
        return db.session.scalar(select(User).where(User.username == self.username))

    def _offer(self, task: Task) -> None:
        step = task.step
        if step.handover or (step.form and task.run.sop.form(step.form) is None):
            return  # a hand-over renders a receipt PDF; unknown forms cannot be filled in
        self.groups.setdefault(task.step_no, deque()).append(task.id)

    def next_request(self) -> Request | None:
        """The POST that completes the next task, with its current version."""
        steps = sorted(no for no, q in self.groups.items() if q)
        if not steps:
            return None
        turn = next(self.order)
        step_no = steps[turn % len(steps)]
        task_id = self.groups[step_no].popleft()
        with self.app.app_context():
            task = db.session.get(Task, task_id)
            step = task.step
            data = {"tindakan": "setuju" if step.decision else "selesai", "versi": str(task.version), "catatan": ""}
            data.update(form_payload(task.run.sop, step))
        return Request("POST", f"/tugas/{task_id}/selesaikan", data)

    def after(self, request: Request, response) -> None:
        """Add the tasks the completed step opened, when this user may act on them."""
        task_id = int(request.path.split("/")[2])
        with self.app.app_context():
            run_id = db.session.scalar(select(Task.run_id).where(Task.id == task_id))
            query = (select(Task).join(Task.run).options(contains_eager(Task.run))
                     .where(Task.run_id == run_id, task_filter_for(self._user()), Run.status == "berjalan"))
            known = {tid for q in self.groups.values() for tid in q}
            for task in db.session.scalars(query).unique():
                if task.id not in known:
                    self._offer(task)


def _sample_runs(app: Flask, summary: dict, username: str) -> list[int]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        ids = [s["run_id"] for s in summary["samples"]]
        return [rid for rid in ids if can_view_run(user, db.session.get(Run, rid))]


def _sample_tasks(app: Flask, run_ids: list[int]) -> list[int]:
    """The newest task of each sample run: open, returned, fan-out or finished (same at every size)."""
    with app.app_context():
        newest = select(func.max(Task.id)).where(Task.run_id.in_(run_ids)).group_by(Task.run_id)
        return sorted(db.session.scalars(newest))


def _archive_year(app: Flask) -> int | None:
    with app.app_context():
        return db.session.scalar(select(ArchivedDocument.tahun).group_by(ArchivedDocument.tahun)
                                 .order_by(func.count().desc(), ArchivedDocument.tahun.desc()).limit(1))


def build_ops(app: Flask, summary: dict) -> list[Operation]:
    """Every operation of the benchmark, in the order they run (the writing one last)."""
    samples = _sample_runs(app, summary, BENCH_USER)
    admin_samples = _sample_runs(app, summary, "admin")
    busy = (summary.get("many_events") or {}).get("run_id")
    year = _archive_year(app)
    pool = CompletionPool(app, BENCH_USER)
    step_pages = _sample_tasks(app, samples)
    ops = [
        Operation("inbox", "Tugas Saya  GET /tugas", BENCH_USER, cycle_requests([Request("GET", "/tugas")]),
                  target=True),
        Operation("inbox_done", "Tugas Saya selesai  GET /tugas?status=selesai", BENCH_USER,
                  cycle_requests([Request("GET", "/tugas?status=selesai")])),
        Operation("run_page", "Run page (varied)  GET /pelaksanaan/<id>", BENCH_USER,
                  cycle_requests([Request("GET", f"/pelaksanaan/{rid}") for rid in samples]), target=True,
                  note=f"{len(samples)} sample runs, one per stage and SOP"),
        Operation("run_page_busy", "Run page (finished, most events)", BENCH_USER,
                  cycle_requests([Request("GET", f"/pelaksanaan/{busy}")]), target=True,
                  note=f"run {busy}: {(summary.get('many_events') or {}).get('events')} events"),
        Operation("run_page_admin", "Run page as admin (varied)", "admin",
                  cycle_requests([Request("GET", f"/pelaksanaan/{rid}") for rid in admin_samples])),
        Operation("step_page", "Step page  GET /tugas/<id>", BENCH_USER,
                  cycle_requests([Request("GET", f"/tugas/{tid}") for tid in step_pages]),
                  note=f"{len(step_pages)} tasks: the newest of each sample run"),
        Operation("archive_q", "Arsip search  GET /arsip?q=...", BENCH_USER,
                  cycle_requests([Request("GET", f"/arsip?q={q.replace(' ', '+')}") for q in ARCHIVE_QUERIES])),
        Operation("archive_q_tahun", f"Arsip search + tahun={year}", BENCH_USER,
                  cycle_requests([Request("GET", f"/arsip?q={q.replace(' ', '+')}&tahun={year}")
                                  for q in ARCHIVE_QUERIES])),
        Operation("complete", "Complete step  POST /tugas/<id>/selesaikan", BENCH_USER, pool.next_request,
                  expect=303, after=pool.after),
    ]
    if busy is None:
        ops = [op for op in ops if op.key != "run_page_busy"]
    return ops
