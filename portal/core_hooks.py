"""The core's own hook implementations, registered like a plugin (as Datasette ships its
defaults as plugins): the tanda terima of a hand-over step, and what happens when a run
finishes (shared records, declared documents, archive). The runner only calls hooks, so
it imports none of these modules."""
from __future__ import annotations

from portal.hookspecs import hookimpl

NAME = "portal_inti"


@hookimpl(tryfirst=True)
def portal_step_completed(definition, run, task, outcome, user, details):
    """Issue the numbered receipt of a hand-over step (refused: nothing is completed)."""
    step = definition.step(task.step_no)
    if step.handover and outcome not in ("kembali", "tolak"):
        from portal.receipts import issue_receipt

        issue_receipt(run, task, user, receiver_id=details.get("receiver_id"), now=details["now"],
                      external_receiver=details.get("external_receiver"))


@hookimpl(tryfirst=True)
def portal_run_finished(definition, run):
    """Write the run's form records, store its declared documents once, archive it."""
    from portal.archive import archive_run
    from portal.documents import store_final_documents
    from portal.records import write_run_records

    now = run.finished_at
    write_run_records(run, now=now)
    store_final_documents(run, now=now)
    archive_run(run, now=now)


@hookimpl
def portal_run_panels(run, user):
    """The run's declared forms, read-only (latest entry per step and unit)."""
    from portal.documents import run_tasks
    from portal.plugin_api import Panel

    latest = {}
    for task in run_tasks(run):
        if task.form_data and task.outcome in ("selesai", "setuju"):
            latest[(task.step_no, task.unit_id)] = (task.unit, task.form_data)
    items = [(step_no, unit, data) for (step_no, _), (unit, data) in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
             if run.sop.form(run.sop.step(step_no).form)]
    if not items:
        return []
    return [Panel("Isian formulir", "runs/_forms_panel.html", {"items": items, "sop": run.sop, "run": run})]


@hookimpl
def portal_dashboard_panels(user):
    """Runs per SOP by status (only SOPs in which the user holds a lane, unless admin), and
    the user's open tasks."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Run
    from portal.plugin_api import Panel
    from portal.tasks_query import open_task_count

    counts: dict = {}
    for sop_id, nama, status, number in db.session.execute(
            select(Run.sop_id, Run.sop_nama, Run.status, func.count(Run.id)).group_by(Run.sop_id, Run.sop_nama, Run.status)):
        if not _may_see_sop(user, sop_id):
            continue
        row = counts.setdefault(sop_id, {"sop_id": sop_id, "nama": nama, "berjalan": 0, "selesai": 0, "dibatalkan": 0})
        row[status] = row.get(status, 0) + number
    return [Panel("Pelaksanaan per SOP", "dashboard/_sop_panel.html",
                  {"rows": sorted(counts.values(), key=lambda r: r["nama"]), "open_tasks": open_task_count(user)})]


def _may_see_sop(user, sop_id: str) -> bool:
    """Admins see every SOP; others the SOPs in which they hold a lane role."""
    if user.is_admin:
        return True
    from flask import current_app

    definition = current_app.extensions["portal_plugins"].definition(sop_id)
    lanes = {key for key, _ in definition.pelaksana} if definition else set()
    return any(grant.role.key in lanes for grant in user.roles)
