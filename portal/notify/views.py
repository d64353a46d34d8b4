"""Pages of notifications: the bell, the list (read/unread), preferences, and the admin's delivery status."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, select, update

from portal import audit
from portal.extensions import db
from portal.models import Notification, NotificationPreference, OutboxMessage, utcnow
from portal.notify import KINDS, unread_count
from portal.notify.channels import channel_labels
from portal.notify.worker import STATUS_LABELS, requeue
from portal.templating import render_page
from portal.views.helpers import admin_required, safe_next, with_write_retry

bp = Blueprint("notify", __name__)
PAGE = 30
audit.ACTION_LABELS.update({"notifikasi_atur": "Mengatur pemberitahuan", "notifikasi_ulang": "Mengirim ulang pemberitahuan"})


@bp.route("/notifikasi/lonceng")
def bell():
    """The bell with the unread count (HTMX polls it); 204 once the session has ended."""
    if not current_user.is_authenticated:
        return "", 204
    return render_template("notify/_bell.html", notif_unread=unread_count(current_user))


@bp.route("/notifikasi")
@login_required
def index():
    """The user's notifications, newest first; unread ones marked."""
    only_unread = request.args.get("status") == "belum"
    query = select(Notification).where(Notification.user_id == current_user.id)
    if only_unread:
        query = query.where(Notification.read_at.is_(None))
    pagination = db.paginate(query.order_by(Notification.id.desc()), page=request.args.get("halaman", 1, type=int),
                             per_page=PAGE, error_out=False)
    return render_page("notify/index.html", notes=pagination.items, pagination=pagination, kinds=KINDS,
                       only_unread=only_unread, unread=unread_count(current_user))


def _own(note_id: int) -> Notification:
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


@bp.route("/notifikasi/<int:note_id>/buka", methods=["POST"])
@login_required
def open_note(note_id: int):
    """Mark as read and go to the step it is about."""
    note = _own(note_id)
    if note.read_at is None:
        note.read_at = utcnow()
        with_write_retry(lambda: None)
    return redirect(safe_next(note.url) or url_for("notify.index"), code=303)


@bp.route("/notifikasi/<int:note_id>/tandai", methods=["POST"])
@login_required
def toggle(note_id: int):
    """Mark read or unread again."""
    note = _own(note_id)
    note.read_at = None if note.read_at else utcnow()
    with_write_retry(lambda: None)
    return redirect(url_for("notify.index", status=request.form.get("status") or None), code=303)


@bp.route("/notifikasi/semua-dibaca", methods=["POST"])
@login_required
def read_all():
    """Mark every unread notification of the user as read."""
    with_write_retry(lambda: db.session.execute(
        update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)))
    flash("Semua pemberitahuan ditandai sudah dibaca.", "success")
    return redirect(url_for("notify.index"), code=303)


@bp.route("/notifikasi/pengaturan", methods=["GET", "POST"])
@login_required
def preferences():
    """Per kind and per channel (email, plugins' channels): send or not. The bell always shows everything."""
    labels = channel_labels()
    if request.method == "POST":
        def save():
            db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == current_user.id))
            off = []
            for kind in KINDS:
                for channel in labels:
                    enabled = request.form.get(f"{channel}:{kind}") == "1"
                    db.session.add(NotificationPreference(user_id=current_user.id, kind=kind, channel=channel, enabled=enabled))
                    if not enabled:
                        off.append(f"{labels[channel]} {KINDS[kind].lower()}")
            audit.record("notifikasi_atur", detail="Dimatikan: " + (", ".join(off) if off else "tidak ada"))

        with_write_retry(save)
        flash("Pengaturan pemberitahuan disimpan.", "success")
        return redirect(url_for("notify.preferences"), code=303)
    prefs = {(p.channel, p.kind): p.enabled for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == current_user.id))}
    return render_page("notify/preferences.html", kinds=KINDS, channels=labels, prefs=prefs,
                       mail_on=bool(current_app.config.get("MAIL_SERVER")), email=current_user.email)


@bp.route("/admin/notifikasi")
@admin_required
def deliveries():
    """Admin: every outbox row with its channel, recipient, status, attempts and last error."""
    status = request.args.get("status") or ""
    query = select(OutboxMessage)
    if status in STATUS_LABELS:
        query = query.where(OutboxMessage.status == status)
    pagination = db.paginate(query.order_by(OutboxMessage.id.desc()), page=request.args.get("halaman", 1, type=int),
                             per_page=50, error_out=False)
    return render_page("notify/deliveries.html", rows=pagination.items, pagination=pagination, status=status,
                       labels=STATUS_LABELS, kinds=KINDS, channels=channel_labels())


@bp.route("/admin/notifikasi/<int:row_id>/ulang", methods=["POST"])
@admin_required
def retry(row_id: int):
    """Admin: send a failed delivery again (audited)."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        abort(404)
    if row.status != "gagal":
        flash("Hanya pengiriman yang gagal yang dapat dikirim ulang.", "error")
    else:
        def again():
            requeue(row)
            audit.record("notifikasi_ulang", detail=f"Pengiriman #{row.id} ({row.channel} ke {row.recipient})")

        with_write_retry(again)
        flash("Pengiriman dijadwalkan ulang.", "success")
    return redirect(url_for("notify.deliveries", status=request.form.get("status") or None), code=303)
