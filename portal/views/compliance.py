"""Kepatuhan Mutu Baku: per SOP and step, standard waktu against the working time taken."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import compliance as figures_mod
from portal.extensions import db
from portal.models import Run, Unit
from portal.monitoring import can_monitor
from portal.templating import render_page

bp = Blueprint("compliance", __name__)


def _params():
    """Period (dari, sampai), SOP and unit from the query string, with Indonesian errors."""
    errors = []
    today = date.today()

    def day(name, default):
        value = (request.args.get(name) or "").strip()
        if not value:
            return default
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors.append(f"Tanggal {name} tidak sah (format: TTTT-BB-HH).")
            return default

    start = day("dari", date(today.year, 1, 1))
    end = day("sampai", today)
    if end < start:
        errors.append("Tanggal sampai harus sesudah tanggal dari.")
        start, end = end, start
    unit = request.args.get("unit", "")
    unit_id = int(unit) if unit.isdigit() else None
    return start, end, (request.args.get("sop") or "").strip()[:80], unit_id, errors


def _guard():
    if not can_monitor(current_user):
        abort(403, "Kepatuhan Mutu Baku hanya untuk Kepala Dinas, Sekretaris, peran pengamat dan admin.")


@bp.route("/kepatuhan")
@login_required
def index():
    """One SOP's step table and bar chart, or the summary across SOPs when none is chosen."""
    _guard()
    start, end, sop_id, unit_id, errors = _params()
    registry = current_app.extensions["portal_plugins"]
    sops = [(d.id, d.nama) for d in registry.sorted_definitions()]
    known = {i for i, _ in sops}
    sops += [(i, n) for i, n in db.session.execute(select(Run.sop_id, Run.sop_nama).distinct()) if i not in known]
    units = list(db.session.scalars(select(Unit).where(Unit.jenis != "eksternal").order_by(Unit.nama)))
    figures = figures_mod.compliance(sop_id, start, end, unit_id) if sop_id else None
    if sop_id and figures is None:
        errors.append("SOP tidak dikenal.")
    overview = None if sop_id else figures_mod.summary(start, end, unit_id)
    chart = figures_mod.bar_chart_svg(figures) if figures else ""
    return render_page("monitor/compliance.html", start=start, end=end, sop_id=sop_id, unit_id=unit_id,
                       sops=sops, units=units, figures=figures, overview=overview, chart=chart, errors=errors,
                       calendar=current_app.extensions["worktime"])


def _download(kind: str):
    _guard()
    start, end, sop_id, unit_id, errors = _params()
    figures = figures_mod.compliance(sop_id, start, end, unit_id) if sop_id and not errors else None
    if figures is None:
        abort(400, errors[0] if errors else "Pilih SOP yang dikenal untuk diunduh.")
    name = f"kepatuhan-{sop_id}-{start.isoformat()}-{end.isoformat()}"
    if kind == "csv":
        response = current_app.response_class("\ufeff" + figures_mod.csv_text(figures), mimetype="text/csv")
    else:
        title = f"Kepatuhan Mutu Baku {figures.nama}, {start.isoformat()} s.d. {end.isoformat()}"
        response = current_app.response_class(
            figures_mod.xlsx_bytes(figures, title),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/kepatuhan.csv")
@login_required
def csv_download():
    """The step table as CSV."""
    return _download("csv")


@bp.route("/kepatuhan.xlsx")
@login_required
def xlsx_download():
    """The step table as XLSX."""
    return _download("xlsx")
