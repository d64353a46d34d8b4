"""Runs (Pelaksanaan SOP): start, the run page with its timeline, admin actions, downloads."""
from __future__ import annotations

import io
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import audit, runner
from portal.access import can_start, can_view_run
from portal.extensions import db
from portal.models import Attachment, AuditEvent, Receipt, Run, Task, Unit, User
from portal.documents import document_rows
from portal.run_summary import step_rows
from portal.templating import render_page
from portal.views.helpers import admin_required, with_write_retry

bp = Blueprint("runs", __name__)


def _registry():
    return current_app.extensions["portal_plugins"]


@bp.route("/pelaksanaan")
@login_required
def index():
    """Runs the user may see, newest first."""
    status = request.args.get("status") or None
    query = select(Run).order_by(Run.started_at.desc(), Run.id.desc()).limit(100)
    if status:
        query = query.where(Run.status == status)
    runs = [r for r in db.session.scalars(query) if can_view_run(current_user, r)]
    startable = [d for d in _registry().sorted_definitions() if can_start(current_user, d)]
    return render_page("runs/index.html", runs=runs, startable=startable, status=status or "")


@bp.route("/pelaksanaan/baru/<sop_id>", methods=["GET", "POST"])
@login_required
def new(sop_id: str):
    """Start a run of an SOP (judul, tahun, unit; units of a fan-out step)."""
    definition = _registry().definition(sop_id)
    if definition is None:
        abort(404)
    if not can_start(current_user, definition):
        abort(403, f"Hanya pemegang peran {definition.lane_label(definition.steps[0].actor)} yang dapat memulai SOP ini.")
    units = list(db.session.scalars(select(Unit).order_by(Unit.jenis, Unit.nama)))
    internal = [u for u in units if u.jenis != "eksternal"]
    values = {"judul": "", "tahun": datetime.now().year, "unit_id": current_user.unit_id,
              "fan_out": [u.id for u in internal]}
    error = None
    if request.method == "POST":
        values = {"judul": request.form.get("judul", ""), "tahun": request.form.get("tahun", ""),
                  "unit_id": request.form.get("unit_id", type=int),
                  "fan_out": [int(v) for v in request.form.getlist("fan_out") if v.isdigit()]}
        try:
            tahun = int(values["tahun"])
        except ValueError:
            error = "Tahun harus berupa angka, misalnya 2026."
        else:
            has_fan_out = any(s.fan_out for s in definition.steps)
            if has_fan_out and not values["fan_out"]:
                error = "Pilih paling sedikit satu unit untuk langkah fan-out."
            else:
                try:
                    run = with_write_retry(lambda: runner.start_run(
                        definition, current_user, judul=values["judul"], tahun=tahun, unit_id=values["unit_id"],
                        fan_out_units=values["fan_out"] or None))
                    flash("Pelaksanaan SOP dimulai.", "success")
                    return redirect(url_for("runs.show", run_id=run.id), code=303)
                except runner.RunnerError as exc:
                    db.session.rollback()
                    error = exc.message
    return render_template("runs/new.html", sop=definition, units=internal, values=values, error=error), (400 if error else 200)


def _load(run_id: int) -> Run:
    run = db.session.get(Run, run_id)
    if run is None or not can_view_run(current_user, run):
        abort(404)
    return run


@bp.route("/pelaksanaan/<int:run_id>")
@login_required
def show(run_id: int):
    """The run: steps with standard vs actual working time, open tasks, files, timeline."""
    run = _load(run_id)
    tasks = list(db.session.scalars(select(Task).where(Task.run_id == run.id).order_by(Task.id)))
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.run_id == run.id).order_by(Attachment.id)))
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.run_id == run.id).order_by(AuditEvent.id)))
    receipts = list(db.session.scalars(select(Receipt).where(Receipt.run_id == run.id).order_by(Receipt.id)))
    registry = _registry()
    documents = [d for docs in registry.pm.hook.portal_run_documents(definition=run.sop, run=run) for d in (docs or [])]
    declared_documents = document_rows(run)
    from portal.views.dashboard import render_panels

    panels = render_panels([p for group in registry.pm.hook.portal_run_panels(run=run, user=current_user)
                            for p in (group or [])])
    users = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.nama))) if current_user.is_admin else []
    return render_page("runs/show.html", run=run, sop=run.sop, tasks=tasks, rows=step_rows(run, tasks),
                       attachments=attachments, events=events, receipts=receipts, documents=documents, users=users,
                       declared_documents=declared_documents, panels=panels)


@bp.route("/pelaksanaan/<int:run_id>/batalkan", methods=["POST"])
@admin_required
def cancel(run_id: int):
    """Admin: cancel the run with a reason."""
    run = _load(run_id)
    try:
        with_write_retry(lambda: runner.cancel_run(run, current_user, request.form.get("alasan", "")))
        flash("Pelaksanaan dibatalkan.", "success")
    except runner.RunnerError as exc:
        flash(exc.message, "error")
    return redirect(url_for("runs.show", run_id=run_id), code=303)


@bp.route("/tugas/<int:task_id>/alihkan", methods=["POST"])
@admin_required
def reassign(task_id: int):
    """Admin: reassign an open task to a person, with a reason."""
    task = db.session.get(Task, task_id) or abort(404)
    new_user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    try:
        if new_user is None:
            raise runner.RunnerError("Pilih pengguna tujuan.")
        with_write_retry(lambda: runner.reassign_task(task, current_user, new_user, request.form.get("alasan", "")))
        flash(f"Tugas dialihkan ke {new_user.nama}.", "success")
    except runner.RunnerError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("runs.show", run_id=task.run_id), code=303)


@bp.route("/berkas/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """Download an attachment (only for users who may see its run), audited."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_view_run(current_user, db.session.get(Run, item.run_id)):
        abort(404)
    audit.record("unduh", task=item.task, detail=item.filename)
    db.session.commit()
    return send_stored(item.sha256, item.filename, item.mime)


def send_stored(sha256: str, filename: str, mime: str, inline: bool = False):
    """Send a stored file (as an attachment unless ``inline``) with ``nosniff``."""
    store = current_app.extensions["file_store"]
    if not store.exists(sha256):
        abort(404, "Berkas tidak ditemukan di penyimpanan.")
    response = send_file(store.open(sha256), mimetype=mime, as_attachment=not inline, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
                audit.record("unduh", run=run, detail=f"{stored.filename} (arsip, sha256 {stored.sha256[:12]}…)")
                db.session.commit()
                return send_stored(stored.sha256, stored.filename, "application/pdf", inline=True)
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
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
