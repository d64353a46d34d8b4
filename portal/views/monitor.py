"""Pemantauan (the head's overview, XLSX), observer roles, and the run's Lembar Kendali."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import audit
from portal.access import can_view_run
from portal.extensions import db
from portal.models import Role, Run, Unit
from portal.monitoring import EXPORT_LIMIT, SORT_CHOICES, STATUS_CHOICES, Filters, can_monitor, counts, overview, xlsx_bytes
from portal.run_status import position_of, positions
from portal.templating import render_page
from portal.views.helpers import admin_required, with_write_retry

bp = Blueprint("monitor", __name__)


@bp.app_template_global()
def run_positions(run_ids) -> dict:
    """Template helper: positions (step, holder, lateness) of a page of runs, one query."""
    return positions(list(run_ids))


@bp.app_template_global()
def run_position(run):
    """Template helper: the position of one run (None unless running)."""
    return position_of(run)


@bp.app_template_filter("waktu_singkat")
def short_datetime(value) -> str:
    """Template filter: a compact local date and time, e.g. "22-10-2026 08.00" (tables of many rows)."""
    from portal.formatting import local

    return local(value).strftime("%d-%m-%Y %H.%M") if value else ""


@bp.app_template_global()
def may_monitor() -> bool:
    """Template helper: whether the current user sees the Pemantauan link."""
    return can_monitor(current_user)


def _monitor_required():
    if not can_monitor(current_user):
        abort(403, "Pemantauan hanya untuk Kepala Dinas, Sekretaris, peran pengamat dan admin.")


def _choices():
    registry = current_app.extensions["portal_plugins"]
    sops = [(d.id, d.nama) for d in registry.sorted_definitions()]
    known = {i for i, _ in sops}
    sops += [(i, n) for i, n in db.session.execute(select(Run.sop_id, Run.sop_nama).distinct()) if i not in known]
    units = list(db.session.scalars(select(Unit).where(Unit.jenis != "eksternal").order_by(Unit.nama)))
    years = list(db.session.scalars(select(Run.tahun).distinct().order_by(Run.tahun.desc())))
    return sops, units, years


@bp.route("/pemantauan")
@login_required
def overview_page():
    """Every running run with its step, holder, due time and lateness; filters, counts, sorting."""
    _monitor_required()
    filters = Filters.from_args(request.args)
    page = overview(filters)
    per_sop, per_unit = counts(filters)
    sops, units, years = _choices()
    return render_page("monitor/overview.html", filters=filters, page=page, per_sop=per_sop, per_unit=per_unit,
                       sops=sops, units=units, years=years, statuses=STATUS_CHOICES, sorts=SORT_CHOICES)


@bp.route("/pemantauan.xlsx")
@login_required
def overview_xlsx():
    """The filtered overview (all pages, up to EXPORT_LIMIT rows) as XLSX."""
    _monitor_required()
    filters = Filters.from_args(request.args)
    page = overview(filters, limit=EXPORT_LIMIT)
    data = xlsx_bytes(page, f"Pemantauan pelaksanaan SOP — {STATUS_CHOICES[filters.status]}")
    audit.record("unduh", detail=f"Pemantauan XLSX ({len(page.rows)} baris)")
    db.session.commit()
    response = current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = 'attachment; filename="pemantauan.xlsx"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/admin/pengamat", methods=["GET", "POST"])
@admin_required
def observers():
    """Admin: mark the roles whose holders see the Pemantauan and every run read-only."""
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    if request.method == "POST":
        chosen = {int(v) for v in request.form.getlist("role_id") if v.isdigit()}
        unknown = chosen - {r.id for r in roles}
        if unknown:
            flash("Ada peran yang tidak dikenal; tidak ada yang diubah.", "error")
            return redirect(url_for("monitor.observers"), code=303)

        def save():
            changes = []
            for role in roles:
                wanted = role.id in chosen
                if role.observer != wanted:
                    role.observer = wanted
                    changes.append(f"{role.label}: {'pengamat' if wanted else 'bukan pengamat'}")
            if changes:
                audit.record("pengamat", detail="; ".join(changes))
            return changes

        changes = with_write_retry(save)
        flash("Peran pengamat disimpan." if changes else "Tidak ada perubahan.", "success")
        return redirect(url_for("monitor.observers"), code=303)
    return render_page("monitor/observers.html", roles=roles)


def _viewable(run_id: int) -> Run:
    run = db.session.get(Run, run_id)
    if run is None or not can_view_run(current_user, run):
        abort(404)
    return run


@bp.route("/pelaksanaan/<int:run_id>/lembar-kendali")
@login_required
def control_sheet(run_id: int):
    """The run's Lembar Kendali as a printable page."""
    from portal.control_sheet import sheet_rows

    run = _viewable(run_id)
    return render_page("monitor/control_sheet.html", run=run, sop=run.sop, rows=sheet_rows(run))


@bp.route("/pelaksanaan/<int:run_id>/lembar-kendali.pdf")
@login_required
def control_sheet_pdf(run_id: int):
    """The run's Lembar Kendali as PDF (printed now; the archived copy is the one of the finish)."""
    from portal.control_sheet import sheet_filename, sheet_pdf
    from portal.pdf import PdfRenderError

    run = _viewable(run_id)
    try:
        data = sheet_pdf(run)
    except PdfRenderError as exc:
        current_app.logger.error("Lembar kendali %s gagal: %s", run_id, exc)
        abort(500, "Lembar kendali gagal dibuat. Hubungi admin.")
    audit.record("unduh", run=run, detail="Lembar kendali (PDF)")
    db.session.commit()
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{sheet_filename(run)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
