"""Runs (Pelaksanaan SOP): start, the run page with its timeline, admin actions, downloads."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import runner
from portal.access import can_start, runs_visible_to, visible_run
from portal.downloads import send_generated, send_stored_file
from portal.extensions import db
from portal.core_forms import CancelForm, ReassignForm, StartRunForm, first_error
from portal.models import Attachment, AuditEvent, Receipt, Run, Task, TaskStatus, Unit, User
from portal.documents import document_rows, run_tasks
from portal.run_summary import step_rows
from portal.templating import render_page
from portal.views.helpers import admin_required, with_write_retry
from portal.read_only import read_only
from portal.reassign import StaffMember, may_receive, reassign_choices

bp = Blueprint("runs", __name__)


def _registry():
    return current_app.extensions["portal_plugins"]


@bp.route("/pelaksanaan")
@login_required
@read_only
def index():
    """Runs the user may see (filtered in SQL by the access rule), newest first, paged."""
    status = request.args.get("status") or None
    query = select(Run).where(runs_visible_to(current_user)).order_by(Run.started_at.desc(), Run.id.desc())
    if status:
        query = query.where(Run.status == status)
    pagination = db.paginate(query, page=request.args.get("halaman", 1, type=int),
                             per_page=current_app.config["RUNS_PAGE_SIZE"], error_out=False)
    startable = [d for d in _registry().sorted_definitions() if can_start(current_user, d)]
    return render_page("runs/index.html", runs=pagination.items, pagination=pagination, startable=startable,
                       status=status or "")


@bp.route("/pelaksanaan/baru/<sop_id>", methods=["GET", "POST"])
@login_required
def new(sop_id: str):
    """Start a run of an SOP (judul, tahun, unit; units of a fan-out step)."""
    definition = _registry().definition(sop_id)
    if definition is None:
        abort(404)
    if not can_start(current_user, definition):
        abort(403, f"Hanya pemegang peran {definition.lane_label(definition.steps[0].actor)} yang dapat memulai SOP ini.")
    internal = list(db.session.scalars(select(Unit).where(Unit.jenis != "eksternal").order_by(Unit.jenis, Unit.nama)))
    fan_steps = [s for s in definition.steps if s.fan_out]
    form = StartRunForm()
    form.unit_id.choices = [(u.id, u.nama) for u in internal]
    form.fan_out.choices = [(u.id, u.nama) for u in internal]
    if fan_steps:
        form.fan_out.label.text = "Unit yang mengisi: " + "; ".join(f"“{s.kegiatan}”" for s in fan_steps)
    if request.method == "GET":
        form.tahun.data = datetime.now().year
        form.unit_id.data = current_user.unit_id
        form.fan_out.data = [u.id for u in internal]
    error = None
    if form.validate_on_submit():
        if fan_steps and not form.fan_out.data:
            error = "Pilih paling sedikit satu unit yang mengisi."
            form.fan_out.errors = [error]
        else:
            try:
                run = with_write_retry(lambda: runner.start_run(
                    definition, current_user, judul=form.judul.data, tahun=form.tahun.data,
                    unit_id=form.unit_id.data or None, fan_out_units=(form.fan_out.data or None) if fan_steps else None))
                flash("Pelaksanaan SOP dimulai.", "success")
                return redirect(url_for("runs.show", run_id=run.id), code=303)
            except runner.RunnerError as exc:
                db.session.rollback()
                error = exc.message
    elif request.method == "POST":
        error = first_error(form)
    return render_template("runs/new.html", sop=definition, form=form, has_fan_out=bool(fan_steps),
                           error=error), (400 if error else 200)


def _load(run_id: int) -> Run:
    run = visible_run(current_user, run_id)
    if run is None:
        abort(404)
    return run


@bp.route("/pelaksanaan/<int:run_id>")
@login_required
@read_only
def show(run_id: int):
    """The run: steps with standard vs actual working time, open tasks, files, timeline."""
    run = _load(run_id)
    tasks = run_tasks(run)
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.run_id == run.id).order_by(Attachment.id)))
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.run_id == run.id).order_by(AuditEvent.id)))
    receipts = list(db.session.scalars(select(Receipt).where(Receipt.run_id == run.id).order_by(Receipt.id)))
    registry = _registry()
    documents = [d for docs in registry.pm.hook.portal_run_documents(definition=run.sop, run=run) for d in (docs or [])]
    choices = {t.id: reassign_choices(t) for t in tasks if t.status == TaskStatus.TERBUKA} if current_user.is_admin else {}
    from portal.views.dashboard import render_panels

    panels = render_panels([p for group in registry.pm.hook.portal_run_panels(run=run, user=current_user)
                            for p in (group or [])])
    return render_page("runs/show.html", run=run, sop=run.sop, tasks=tasks, rows=step_rows(run, tasks),
                       attachments=attachments, events=events, receipts=receipts, documents=documents,
                       reassign_forms={t: _reassign_form(choices[t]) for t in choices},
                       cancel_form=CancelForm(formdata=None), declared_documents=document_rows(run), panels=panels)


def _reassign_form(choices: tuple[list[StaffMember], list[StaffMember]]) -> ReassignForm:
    """The reassign form of one open task: "- pilih -", then the step's role holders, then other staff."""
    fitting, others = choices
    form = ReassignForm(formdata=None)
    groups = {}
    if fitting:
        groups["Memegang peran langkah ini"] = [(person.id, person.label) for person in fitting]
    if others:
        groups["Pengguna lain"] = [(person.id, person.label) for person in others]
    form.user_id.choices = groups
    return form


@bp.route("/pelaksanaan/<int:run_id>/batalkan", methods=["POST"])
@admin_required
def cancel(run_id: int):
    """Admin: cancel the run with a reason."""
    run = _load(run_id)
    form = CancelForm()
    try:
        if not form.validate():
            raise runner.RunnerError(first_error(form))
        with_write_retry(lambda: runner.cancel_run(run, current_user, form.alasan.data))
        flash("Pelaksanaan dibatalkan.", "success")
    except runner.RunnerError as exc:
        flash(exc.message, "error")
    return redirect(url_for("runs.show", run_id=run_id), code=303)


@bp.route("/tugas/<int:task_id>/alihkan", methods=["POST"])
@admin_required
def reassign(task_id: int):
    """Admin: reassign an open task to a person, with a reason."""
    task = db.session.get(Task, task_id) or abort(404)
    form = ReassignForm()
    try:
        if not form.validate():
            raise runner.RunnerError(first_error(form))
        new_user = db.session.get(User, form.user_id.data or 0)
        if new_user is None:
            raise runner.RunnerError("Pilih pengguna tujuan.")
        if not may_receive(new_user.id):
            raise runner.RunnerError("Tugas hanya dapat dialihkan ke pegawai yang aktif, bukan tamu dari pihak luar.")
        with_write_retry(lambda: runner.reassign_task(task, current_user, new_user, form.alasan.data))
        flash(f"Tugas dialihkan ke {new_user.nama.rstrip('.')}.", "success")  # a name may end in a degree's dot
    except runner.RunnerError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("runs.show", run_id=task.run_id), code=303)


@bp.route("/berkas/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """Download an attachment (only for users who may see its run), audited."""
    item = db.session.get(Attachment, attachment_id) or abort(404)
    return send_stored_file(item.run_id, item.sha256, item.filename, item.mime, detail=item.filename, task=item.task)


@bp.route("/pelaksanaan/<int:run_id>/dokumen/<kind>.pdf")
@login_required
def document(run_id: int, kind: str):
    """A document of the run as PDF: a declared document's stored copy once it is
    rendered for good (hand-over or end of the run), else a fresh print ("RANCANGAN"
    until final); or a plugin's own document (``portal_render_document``)."""
    from portal.documents import is_available, is_final, render_bytes, stored_documents
    from portal.pdf import PdfRenderError, render_pdf

    run = _load(run_id)
    spec = run.sop.document(kind)
    try:
        if spec is not None:
            stored = next((d for d in stored_documents(run) if d.key == kind), None)
            if stored is not None:
                return send_stored_file(run.id, stored.sha256, stored.filename, "application/pdf",
                                        detail=f"{stored.filename} (arsip, sha256 {stored.sha256[:12]}…)")
            if not is_available(run, spec):
                abort(404, "Dokumen ini belum tersedia pada tahap pelaksanaan ini.")
            data, filename = render_bytes(run, spec, final=is_final(run, spec)), spec.file_name(run)
        else:
            doc = _registry().pm.hook.portal_render_document(definition=run.sop, run=run, kind=kind)
            if doc is None:
                abort(404)
            data, filename = render_pdf(doc.html, static_folder=current_app.static_folder), doc.filename
    except PdfRenderError as exc:
        current_app.logger.error("PDF %s gagal: %s", kind, exc)
        abort(500, "Dokumen PDF gagal dibuat. Hubungi admin.")
    return send_generated(data, filename)


@bp.route("/pelaksanaan/<int:run_id>/dokumen/<kind>.docx")
@login_required
def document_docx(run_id: int, kind: str):
    """A declared document with ``docx = true`` as an editable DOCX, made from the same
    HTML as the PDF, behind the same access check (404 for a run the user may not see)."""
    from portal import audit
    from portal.docx_export import DOCX_MIME, html_to_docx
    from portal.documents import is_available, is_final, render_html, stored_documents

    run = _load(run_id)
    spec = run.sop.document(kind)
    if spec is None or not spec.docx:
        abort(404)
    final = any(d.key == kind for d in stored_documents(run)) or is_final(run, spec)
    if not final and not is_available(run, spec):
        abort(404, "Dokumen ini belum tersedia pada tahap pelaksanaan ini.")
    data = html_to_docx(render_html(run, spec, final=final), landscape=spec.orientation == "lanskap")
    filename = spec.file_name(run)[:-4] + ".docx"
    audit.record("unduh", run=run, detail=f"{filename} (DOCX)")
    db.session.commit()
    return send_generated(data, filename, DOCX_MIME, inline=False)
