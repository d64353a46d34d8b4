"""Wiring of issue 10 into the app: notifications, reminders, maker-checker and evidence on the step page."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification and reminder parts and the step page's template helpers."""
    from portal import delegation, delegation_views, disposition, evidence, evidence_views, maker_checker, notify, reminders, signatories
    from portal.documents import run_tasks

    notify.init_app(app)
    reminders.init_app(app)
    app.register_blueprint(evidence_views.bp)
    app.register_blueprint(delegation_views.bp)
    app.jinja_env.globals.update(maker_refusal=maker_checker.refusal, earlier_files=evidence.earlier_files,
                                 replaced_files=evidence.replaced_files, acting_for=delegation.acting_for,
                                 delegation_note=delegation.note, may_delegate=delegation.may_manage,
                                 run_disposition=lambda run: disposition.latest_of_run(run, run_tasks(run)),
                                 signatory=signatories.signatory)
