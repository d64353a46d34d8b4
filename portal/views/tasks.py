"""Tugas Saya (the inbox) and the step page: take, upload, complete."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from htmx_flask import make_response as htmx_response
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, disposition, receipt_confirm, rounds, runner
from portal.access import can_act, visible_task
from portal.extensions import db
from portal.formatting import format_size
from portal.models import Attachment, Outcome, Task, TaskStatus
from portal.receipts import handed_over_documents, receiver_candidates
from portal.storage import UploadRejected
from portal.tasks_query import inbox as inbox_query
from portal.tasks_query import PageWindow, badge_counts
from portal.templating import render_page
from portal.views import step_forms
from portal.views.inbox_rows import inbox_rows_html
from portal.views.helpers import with_write_retry
from portal.read_only import read_only

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def home():
    """The portal opens on Tugas Saya."""
    return redirect(url_for("tasks.inbox"))


@bp.route("/tugas")
@login_required
@read_only
def inbox():
    """Tugas Saya: open tasks across runs, filterable by SOP, tahun and status."""
    sop_id = request.args.get("sop") or None
    tahun = request.args.get("tahun", type=int)
    status = request.args.get("status", "terbuka")
    if status not in ("terbuka", "terlambat", "selesai"):
        status = "terbuka"
    page = max(request.args.get("halaman", 1, type=int), 1)
    tasks, has_next = inbox_query(current_user, sop_id=sop_id, tahun=tahun, status=status, page=page)
    registry = current_app.extensions["portal_plugins"]
    return render_page("tasks/inbox.html", tasks=tasks, task_rows=inbox_rows_html(tasks), definitions=registry.sorted_definitions(),
                       page=page, pagination=PageWindow(page, has_next),
                       filters={"sop": sop_id or "", "tahun": tahun or "", "status": status})


@bp.route("/tugas/jumlah")
@login_required
@read_only
def count():
    """The navigation badge (HTMX refreshes it after an action)."""
    return render_template("tasks/_count.html", nav_task_count=badge_counts(current_user)[0])


def _load(task_id: int) -> Task:
    task = visible_task(current_user, task_id)
    if task is None:
        abort(404)
    return task


def custom_form(task: Task):
    """The plugin's custom form of the task's step, if any."""
    if not task.step.form or task.is_confirmation:
        return None
    registry = current_app.extensions["portal_plugins"]
    return registry.pm.hook.portal_step_form(definition=task.run.sop, step=task.step)


def earlier_groups(task: Task, run_tasks: list[Task]) -> list[dict]:
    """Completed work of the other steps, newest step first: the latest attempt shown, older ones folded."""
    by_step: dict[int, list[Task]] = {}
    for t in run_tasks:
        if t.status == TaskStatus.SELESAI and t.step_no != task.step_no:
            by_step.setdefault(t.step_no, []).append(t)
    result = []
    for step_no, tasks in by_step.items():
        latest = rounds.latest_per_unit(tasks, kind=None)  # per unit: a per-unit return redoes only some
        result.append({"step_no": step_no, "latest": latest, "older": [t for t in tasks if t not in latest],
                       "last_id": max(t.id for t in latest)})
    return sorted(result, key=lambda g: g["last_id"], reverse=True)


def return_notice(task: Task, run_tasks: list[Task]) -> dict | None:
    """For a step opened again after a return: who sent it back, when, why, and the previous attempt."""
    if task.attempt < 2 or task.is_confirmation:
        return None
    returns = [t for t in run_tasks if t.outcome in (Outcome.KEMBALI, Outcome.TOLAK) and t.completed_at is not None
               and t.id < task.id and (t.step.decision == task.step_no if not t.is_confirmation else t.step_no == task.step_no)
               and (not t.returned_units or str(task.unit_id) in t.returned_units)]
    if not returns:
        return None
    by = returns[-1]
    previous = [t for t in run_tasks if t.step_no == task.step_no and t.attempt == task.attempt - 1
                and t.unit_id == task.unit_id and not t.is_confirmation]
    between = [t for t in run_tasks if previous and t.status == TaskStatus.SELESAI and t.id > max(p.id for p in previous)
               and t.id < task.id and t.step_no != task.step_no and t.id != by.id]
    reason = (by.returned_units or {}).get(str(task.unit_id)) or by.catatan
    return {"by": by, "previous": previous, "between": between, "reason": reason,
            "receipt_refused": by.is_confirmation, "per_unit": bool(by.returned_units)}


@bp.route("/tugas/<int:task_id>")
@login_required
@read_only
def show(task_id: int, errors=None, form_data=None, status=200, upload_errors=None, upload_notice=None, catatan=None,
         bound_form=None):
    """The step page: kegiatan, kelengkapan, waktu and due, output, and the form."""
    task = _load(task_id)
    run = task.run
    run_tasks = list(db.session.scalars(
        select(Task).where(Task.run_id == run.id).order_by(Task.id)
        .options(selectinload(Task.attachments).joinedload(Attachment.uploaded_by), joinedload(Task.completed_by))))
    declared = None if task.is_confirmation else step_forms.declared_spec(task)
    form = None if declared else custom_form(task)
    prefill_info = None
    if declared is not None and task.status == TaskStatus.TERBUKA and bound_form is None:
        bound_form, prefill_info = step_forms.initial(declared, task, run_tasks)
    context = dict(
        task=task, run=run, step=task.step, sop=run.sop, form=form, can_act=can_act(current_user, task),
        actions=runner.allowed_actions(task) if task.status == TaskStatus.TERBUKA else [],
        errors=errors or [], form_data=form_data if form_data is not None else step_forms.previous_data(task, run_tasks),
        declared=declared, bound_form=bound_form, prefill=prefill_info,
        edit_url=url_for("tasks.edit_form", task_id=task.id),
        earlier=earlier_groups(task, run_tasks), returned=return_notice(task, run_tasks),
        receivers=receiver_candidates(run, task) if task.step.handover and not task.is_confirmation else [],
        handover_docs=handed_over_documents(run, task) if task.step.handover and not task.is_confirmation else [],
        siblings=rounds.latest_per_unit(t for t in run_tasks if t.step_no == task.step_no),
        returnable=runner.returnable_units(task) if task.status == TaskStatus.TERBUKA else [],
        confirmation=receipt_confirm.receipt_of(task) if task.is_confirmation else None,
        disposition=disposition.for_step(run, run_tasks, task.step_no),
        catatan=request.form.get("catatan", "") if catatan is None else catatan, upload_errors=upload_errors or [], upload_notice=upload_notice,
    )
    return render_page("tasks/step.html", **context), status


@bp.route("/tugas/<int:task_id>/ambil", methods=["POST"])
@login_required
def take(task_id: int):
    """Claim the task so that only this user works on it."""
    task = _load(task_id)
    try:
        with_write_retry(lambda: runner.take_task(task, current_user))
        flash("Tugas diambil. Hanya Anda yang sekarang dapat menyelesaikannya.", "success")
    except runner.RunnerError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/tugas/<int:task_id>/unggah", methods=["POST"])
@login_required
def upload(task_id: int):
    """Attach files to an open task (checked by content; refused files store nothing)."""
    task = _load(task_id)
    if not can_act(current_user, task):
        abort(403)
    files = [f for f in request.files.getlist("berkas") if f and f.filename]
    if not files:
        return show(task_id, upload_errors=["Pilih berkas yang akan diunggah."], status=400)
    store = current_app.extensions["file_store"]
    try:
        stored = store.save_all([(f.stream, f.filename) for f in files])
    except UploadRejected as exc:
        return show(task_id, upload_errors=[exc.message], status=400)

    def attach():
        for item in stored:
            db.session.add(Attachment(run_id=task.run_id, task_id=task.id, sha256=item.sha256, filename=item.filename,
                                      mime=item.mime, size=item.size, uploaded_by_id=current_user.id))
            audit.record("unggah", task=task, detail=f"{item.filename} ({format_size(item.size)}, sha256 {item.sha256[:12]}…)")

    with_write_retry(attach)
    notice = f"{len(stored)} berkas diunggah."
    if request.htmx:
        db.session.expire_all()
        return show(task_id, upload_notice=notice)
    flash(notice, "success")
    return redirect(url_for("tasks.show", task_id=task_id), code=303)


@bp.route("/tugas/<int:task_id>/formulir", methods=["POST"])
@login_required
def edit_form(task_id: int):
    """Add or remove a row/entry of the step's form (HTMX swaps the form; without
    JavaScript the whole page comes back). Nothing is saved."""
    task = _load(task_id)
    if not can_act(current_user, task):
        abort(403)
    declared = step_forms.declared_spec(task)
    if declared is None or task.status != TaskStatus.TERBUKA:
        abort(404)
    return show(task_id, bound_form=step_forms.edited(declared, task, request.form))


@bp.route("/tugas/<int:task_id>/selesaikan", methods=["POST"])
@login_required
def complete(task_id: int):
    """Complete, approve, return or skip the step; 409 when someone else was first.

    Through HTMX, refused input answers the step panel in place (HTTP 400, the URL stays
    the step page) and success answers ``HX-Redirect`` to the run page. A repeated POST of
    the same form (a double click) finds the step completed by this user from this very
    version and answers as a success.
    """
    task = _load(task_id)
    action = request.form.get("tindakan", Outcome.SELESAI)
    declared = None if task.is_confirmation else step_forms.declared_spec(task)
    form = None if declared else custom_form(task)
    form_data, errors, bound = (None, [], None)
    if declared is not None and action in (Outcome.SELESAI, Outcome.SETUJU) and task.status == TaskStatus.TERBUKA \
            and can_act(current_user, task):
        form_data, bound, errors = step_forms.submitted(declared, task, request.form)
        if errors:
            return show(task_id, errors=errors, status=400, bound_form=bound)
    elif form is not None and action in (Outcome.SELESAI, Outcome.SETUJU):
        form_data, errors = form.parse(request.form)
        if errors:
            return show(task_id, errors=errors, form_data=form_data, status=400)
    try:
        expected = int(request.form.get("versi", "0"))
    except ValueError:
        expected = 0
    try:
        with_write_retry(lambda: runner.complete_task(
            task_id, current_user, expected_version=expected, action=action, catatan=request.form.get("catatan", ""),
            form_data=form_data, receiver_id=request.form.get("penerima", type=int),
            return_units=unit_returns(request.form) if action == Outcome.KEMBALI else None,
            external_receiver=external_receiver(request.form)))
    except runner.RunnerError as exc:
        db.session.rollback()
        if exc.status == 409:
            task = _load(task_id)
            if task.completed_by_id == current_user.id and task.version == expected + 1:
                return _completed(task, task.outcome or action)  # the second click of the same form
            if request.htmx:
                flash(exc.message, "error")
                return htmx_response(redirect=url_for("tasks.show", task_id=task_id))
            return render_template("tasks/conflict.html", message=exc.message, task=task), 409
        if exc.status == 403:
            abort(403, exc.message)
        return show(task_id, errors=[exc.message], form_data=form_data, status=400, bound_form=bound)
    if task.is_confirmation:
        return _completed(task, "tolak_terima" if action == Outcome.KEMBALI else "konfirmasi")
    return _completed(task, action)


def unit_returns(form) -> dict[int, str]:
    """The units a checker sends back (checkboxes ``unit_kembali``) with each one's reason (``alasan_unit_<id>``)."""
    chosen = []
    for value in form.getlist("unit_kembali"):
        if value.isdigit() and int(value) not in chosen:
            chosen.append(int(value))
    return {unit_id: form.get(f"alasan_unit_{unit_id}", "") for unit_id in chosen}


def external_receiver(form) -> dict | None:
    """A receiver outside the portal (``penerima=luar``): nama, jabatan, instansi as typed."""
    if form.get("penerima") != "luar":
        return None
    return {"nama": form.get("penerima_nama", ""), "jabatan": form.get("penerima_jabatan", ""),
            "instansi": form.get("penerima_instansi", "")}


COMPLETED_MESSAGES = {"setuju": "Langkah disetujui.", "konfirmasi": "Penerimaan dikonfirmasi.",
                      "tolak_terima": "Penerimaan ditolak; langkah penyerahan dibuka kembali.", "kembali": "Dikembalikan untuk perbaikan.",
                      "tolak": "Ditolak dan dikembalikan.", "lewati": "Langkah dilewati.",
                      "selesai": "Langkah diselesaikan."}


def _completed(task: Task, action: str):
    """Answer a completion: flash the outcome and go to the run page (HX-Redirect for HTMX, else 303)."""
    flash(COMPLETED_MESSAGES.get(action, "Tersimpan."), "success")
    target = url_for("runs.show", run_id=task.run_id)
    if request.htmx:
        return htmx_response(redirect=target)
    return redirect(target, code=303)


def upload_too_large(error):
    """HTTP 413 on the upload route: the files card with the limit in MB, not a whole error page."""
    limit = current_app.config["MAX_UPLOAD_MB"]
    message = f"Unggahan ditolak: ukurannya melebihi batas {limit} MB. Perkecil berkasnya atau unggah satu per satu."
    return show(request.view_args["task_id"], upload_errors=[message], status=413, catatan="")
