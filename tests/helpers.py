"""Shared helpers for driving runs in tests."""
from __future__ import annotations

from sqlalchemy import select

from portal import runner
from portal.extensions import db
from portal.models import Run, Task


def pk_definition(app):
    """The PK definition of DPMPTSP Jawa Barat."""
    return app.extensions["portal_plugins"].definition("pk_jabar")


def start_pk(app, demo, judul="PK uji", units=None) -> Run:
    """Start a PK run as the Kepala Dinas and commit."""
    with app.test_request_context():
        run = runner.start_run(pk_definition(app), demo["kadis"], judul=judul, tahun=2026,
                               unit_id=demo["kadis"].unit_id, fan_out_units=units)
        db.session.commit()
    return run


def open_tasks(run_id: int) -> list[Task]:
    """The open tasks of a run, oldest first."""
    return list(db.session.scalars(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id)))


def advance(app, run: Run, until_step: int) -> None:
    """Complete steps as their pelaksana (approving decisions) until ``until_step`` is open."""
    from portal.demo_runs import step_once

    with app.test_request_context():
        for _ in range(30):
            tasks = open_tasks(run.id)
            if not tasks or tasks[0].step_no == until_step:
                break
            step_once(run, runner.utcnow())
            db.session.commit()
    tasks = open_tasks(run.id)
    assert tasks and tasks[0].step_no == until_step, "run did not reach the step"


def form_payload(task: Task) -> dict[str, str]:
    """Sample input of the task's declared form, as a browser posts it (empty without one)."""
    from portal.forms.samples import sample_data, to_formdata

    spec = task.run.sop.form(task.step.form)
    return to_formdata(spec, sample_data(spec)) if spec is not None else {}
