"""Login and logout, with lock-out after repeated failures.

The failure counter is reserved atomically *before* the password is hashed
(``UPDATE ... SET failed_logins = failed_logins + 1 ... RETURNING``), so parallel
attempts on several workers cannot check more passwords than the limit. Unknown,
inactive and locked accounts get the same message and the same hashing cost.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select, update

from portal import audit
from portal.extensions import db
from portal.core_forms import LoginForm, first_error
from portal.models import User, utcnow
from portal.views.helpers import back

bp = Blueprint("auth", __name__)


def generic_error() -> str:
    """The one message for every refused login (no hint whether the name exists or is locked)."""
    return (f"Nama pengguna atau kata sandi salah. Setelah {current_app.config['LOGIN_MAX_FAILURES']} kali gagal, "
            f"akun dikunci sementara {current_app.config['LOGIN_LOCK_MINUTES']} menit.")


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    """The login form; failures are counted and lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.username.data.strip(), form.password.data)
        if user is not None:
            session.clear()  # a fresh session (and CSRF secret) for the new identity
            login_user(user)
            audit.record("masuk", user=user)
            db.session.commit()
            return back("tasks.inbox")
        error = generic_error()
    elif request.method == "POST":
        error = first_error(form) or generic_error()
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


def authenticate(username: str, password: str) -> User | None:
    """Return the user when ``password`` is right and the account is usable, else None (audited)."""
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None or not user.active:
        User.check_dummy_password(password)
        return None
    attempt = reserve_attempt(user)
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if attempt is None or attempt > limit:  # locked, or the limit is taken by attempts in flight
        User.check_dummy_password(password)
        if attempt is not None:
            _lock(user)
        audit.record("gagal_masuk", user=user, detail="Akun sedang dikunci")
        db.session.commit()
        return None
    if user.check_password(password):
        db.session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None)
                           .execution_options(synchronize_session=False))
        db.session.refresh(user)
        return user
    audit.record("gagal_masuk", user=user, detail=f"Percobaan ke-{attempt}")
    if attempt >= limit:
        _lock(user)
    db.session.commit()
    return None


def reserve_attempt(user: User) -> int | None:
    """Count one attempt in one atomic statement (committed at once); None when the account is locked."""
    now = utcnow()
    bump = (update(User).where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
            .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
            .execution_options(synchronize_session=False))
    attempt = db.session.execute(bump).scalar()
    db.session.commit()
    return attempt


def _lock(user: User) -> None:
    """Lock the account for ``LOGIN_LOCK_MINUTES`` unless it is locked already (audited once)."""
    now = utcnow()
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    locked = db.session.execute(
        update(User).where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(locked_until=now + timedelta(minutes=minutes), failed_logins=0)
        .execution_options(synchronize_session=False)).rowcount
    if locked:
        audit.record("akun_terkunci", user=user, detail=f"Dikunci {minutes} menit")


@bp.route("/keluar", methods=["POST"])
def logout():
    """Log out (POST only, CSRF-protected): every session of this user ends, copied cookies too."""
    if current_user.is_authenticated:
        audit.record("keluar")
        db.session.execute(update(User).where(User.id == current_user.id)
                           .values(session_gen=User.session_gen + 1).execution_options(synchronize_session=False))
        db.session.commit()
        logout_user()
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))
