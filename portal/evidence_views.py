"""Routes of the step files (issue 10): remove, replace, reuse from the earlier attempt. Only the task's actor."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal import evidence
from portal.access import can_act, can_view_run
from portal.extensions import db
from portal.models import Task
from portal.storage import UploadRejected
from portal.views.helpers import with_write_retry

bp = Blueprint("evidence", __name__)


def _task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_view_run(current_user, task.run):
        abort(404)
    if not can_act(current_user, task):
        abort(403, "Hanya pemegang langkah ini yang dapat mengubah berkasnya.")
    return task


def _answer(task_id: int, notice: str | None = None, error: str | None = None, status: int = 200):
    from portal.views.tasks import show

    if request.htmx:
        db.session.expire_all()
        return show(task_id, upload_notice=notice, upload_errors=[error] if error else None, status=status, catatan="")
    flash(error or notice, "error" if error else "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


def _run(task_id: int, action, notice: str):
    try:
        with_write_retry(action)
    except evidence.EvidenceError as exc:
        db.session.rollback()
        return _answer(task_id, error=exc.message, status=400)
    return _answer(task_id, notice=notice)


@bp.route("/tugas/<int:task_id>/berkas/<int:attachment_id>/hapus", methods=["POST"])
@login_required
def remove(task_id: int, attachment_id: int):
    """Remove a file before completion (kept in the store, marked, audited)."""
    task = _task(task_id)
    return _run(task_id, lambda: evidence.remove(task, attachment_id, current_user), "Berkas dihapus dari langkah ini.")


@bp.route("/tugas/<int:task_id>/berkas/<int:attachment_id>/ganti", methods=["POST"])
@login_required
def replace(task_id: int, attachment_id: int):
    """Replace a file with a new upload (checked like any upload; the old one kept, marked, audited)."""
    task = _task(task_id)
    upload = request.files.get("berkas")
    if upload is None or not upload.filename:
        return _answer(task_id, error="Pilih berkas pengganti.", status=400)
    try:
        stored = current_app.extensions["file_store"].save(upload.stream, upload.filename)
    except UploadRejected as exc:
        return _answer(task_id, error=exc.message, status=400)
    return _run(task_id, lambda: evidence.replace(task, attachment_id, stored, current_user), "Berkas diganti.")


@bp.route("/tugas/<int:task_id>/berkas/<int:attachment_id>/pakai", methods=["POST"])
@login_required
def keep(task_id: int, attachment_id: int):
    """Reuse a file of the earlier attempt on this redo."""
    task = _task(task_id)
    return _run(task_id, lambda: evidence.keep(task, attachment_id, current_user), "Berkas percobaan sebelumnya dipakai lagi.")
