"""Arsip: search and download the final documents of finished runs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from portal.archive import archive_years, search_archive
from portal.extensions import db
from portal.models import ArchivedDocument
from portal.templating import render_page
from portal.downloads import send_stored_file
from portal.read_only import read_only

bp = Blueprint("archive", __name__)


@bp.route("/arsip")
@login_required
@read_only
def index():
    """Text search over judul, SOP and unit; filters for tahun and SOP; paginated."""
    q = request.args.get("q", "").strip()
    tahun = request.args.get("tahun", type=int)
    sop_id = request.args.get("sop") or None
    result = search_archive(current_user, q, tahun, sop_id, page=request.args.get("halaman", 1, type=int),
                            per_page=current_app.config["ARCHIVE_PAGE_SIZE"])
    registry = current_app.extensions["portal_plugins"]
    return render_page("archive/index.html", pagination=result,
                       filters={"q": q, "tahun": tahun or "", "sop": sop_id or ""}, years=archive_years(),
                       definitions=registry.sorted_definitions())


@bp.route("/arsip/<int:doc_id>/unduh")
@login_required
def download(doc_id: int):
    """Download an archived document (audited)."""
    doc = db.session.get(ArchivedDocument, doc_id) or abort(404)
    return send_stored_file(doc.run_id, doc.sha256, doc.filename, doc.mime, detail=f"Arsip: {doc.filename}")
