"""Downloads of the SOP document (one SOP) and the SOP book (a background job with progress)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from portal import audit
from portal.book_job import current_job, start_job
from portal.extensions import db
from portal.pdf import PdfRenderError
from portal.templating import render_page

bp = Blueprint("sopdoc", __name__)


@bp.app_template_global()
def sop_flowchart(definition):
    """Template helper: the SOP AP flowchart of ``definition`` as inline SVG (text is escaped)."""
    from markupsafe import Markup

    from portal.flowchart import flowchart_svg

    return Markup(flowchart_svg(definition))


def _pdf_response(data: bytes, filename: str, *, attachment: bool = False):
    response = current_app.response_class(data, mimetype="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/sop/<sop_id>/dokumen.pdf")
@login_required
def document(sop_id: str):
    """One SOP document (identity sheet + flowchart sheets), A4 landscape."""
    from portal.sop_document import document_filename, render_document

    definition = current_app.extensions["portal_plugins"].definition(sop_id)
    if definition is None:
        abort(404)
    try:
        data = render_document(definition)
    except PdfRenderError as exc:
        current_app.logger.error("Dokumen SOP %s gagal: %s", sop_id, exc)
        abort(500, "Dokumen SOP gagal dibuat. Hubungi admin.")
    return _pdf_response(data, document_filename(definition))


@bp.route("/sop/buku")
@login_required
def book():
    """The SOP book page: its state, a button to make it, the download when ready."""
    return render_page("sopdoc/book_page.html", job=current_job())


@bp.route("/sop/buku", methods=["POST"])
@login_required
def book_start():
    """Start making today's SOP book in the background (or reuse the one made)."""
    job, started = start_job(current_user)
    if started:
        audit.record("buku_sop", detail=f"Buku SOP ({job.sop_count} SOP) mulai dibuat")
        db.session.commit()
        flash("Buku SOP sedang dibuat. Halaman ini menampilkan kemajuannya.", "success")
    return redirect(url_for("sopdoc.book"), code=303)


@bp.route("/sop/buku.pdf")
@login_required
def book_pdf():
    """Download today's finished SOP book."""
    job = current_job()
    store = current_app.extensions["file_store"]
    if job is None or job.status != "selesai" or not store.exists(job.sha256):
        abort(404, "Buku SOP belum dibuat. Buka halaman Buku SOP dan tekan Buat Buku SOP.")
    return _pdf_response(store.path_for(job.sha256).read_bytes(), "buku-sop.pdf", attachment=True)
