"""Login and logout, with lock-out after repeated failures."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import User, utcnow
from portal.views.helpers import back

bp = Blueprint("auth", __name__)
GENERIC_ERROR = "Nama pengguna atau kata sandi salah."


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    """The login form; failures are counted and lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = db.session.scalar(select(User).where(User.username == username)) if username else None
        error = _check(user, password)
        if error is None:
            user.failed_logins = 0
            user.locked_until = None
            login_user(user)
            audit.record("masuk", user=user)
            db.session.commit()
            return back("tasks.inbox")
        db.session.commit()
    return render_template("auth/login.html", error=error, username=username), (401 if error else 200)


def _check(user: User | None, password: str) -> str | None:
    """Return an Indonesian error, or None when the login may proceed."""
    if user is None or not user.active:
        return GENERIC_ERROR
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return f"Akun dikunci sementara karena terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit."
    if user.check_password(password):
        return None
    user.failed_logins += 1
    audit.record("gagal_masuk", user=user, detail=f"Percobaan ke-{user.failed_logins}")
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        audit.record("akun_terkunci", user=user, detail=f"Dikunci {current_app.config['LOGIN_LOCK_MINUTES']} menit")
        return (f"Akun dikunci sementara karena terlalu banyak percobaan gagal. "
                f"Coba lagi dalam {current_app.config['LOGIN_LOCK_MINUTES']} menit.")
    return GENERIC_ERROR


@bp.route("/keluar", methods=["POST"])
def logout():
    """Log out (POST only, CSRF-protected)."""
    if current_user.is_authenticated:
        audit.record("keluar")
        db.session.commit()
        logout_user()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))
