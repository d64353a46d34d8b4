"""The Plt./Plh. page: admins and the Kepala Dinas name substitutes for a date range, or end them."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import delegation
from portal.extensions import db
from portal.models import Delegation, User
from portal.views.helpers import with_write_retry

bp = Blueprint("delegation", __name__)


def _guard():
    if not delegation.may_manage(current_user):
        abort(403)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.route("/delegasi", methods=["GET", "POST"])
@login_required
def index():
    """List every delegation with its status; the form names a new one."""
    _guard()
    errors, form = [], {}
    if request.method == "POST":
        form = request.form
        official = db.session.get(User, form.get("pejabat", type=int) or 0)
        substitute = db.session.get(User, form.get("pengganti", type=int) or 0)
        start, end = _date(form.get("mulai")), _date(form.get("selesai"))
        if official is None or substitute is None:
            errors.append("Pilih pejabat dan penggantinya.")
        if start is None or end is None:
            errors.append("Isi tanggal mulai dan selesai (format tanggal).")
        if not errors:
            try:
                with_write_retry(lambda: delegation.create(current_user, official, substitute, form.get("jenis", ""),
                                                           start, end, form.get("nomor", "")))
                flash("Penunjukan Plt./Plh. disimpan.", "success")
                return redirect(url_for("delegation.index"), code=303)
            except delegation.DelegationError as exc:
                db.session.rollback()
                errors.append(exc.message)
    items = list(db.session.scalars(select(Delegation).order_by(Delegation.start_date.desc(), Delegation.id.desc()).limit(200)))
    users = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.nama)))
    return render_template("delegation/index.html", items=items, users=users, errors=errors, form=form,
                           status=delegation.status, note=delegation.note, kinds=delegation.KINDS,
                           today=delegation.today()), (400 if errors else 200)


@bp.route("/delegasi/<int:item_id>/cabut", methods=["POST"])
@login_required
def revoke(item_id: int):
    """End a delegation now."""
    _guard()
    item = db.session.get(Delegation, item_id) or abort(404)
    try:
        with_write_retry(lambda: delegation.revoke(current_user, item))
        flash("Penunjukan dicabut.", "success")
    except delegation.DelegationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("delegation.index"), code=303)
