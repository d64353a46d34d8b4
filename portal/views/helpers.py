"""Small helpers shared by the views."""
from __future__ import annotations

import time
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def admin_required(view):
    """Only admins; others get 403."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def with_write_retry(action, attempts: int = 8):
    """Run ``action()`` and commit; retry when SQLite reports a busy database.

    Under SQLite two writers can collide (``database is locked``); the loser rolls back
    and runs again, and then sees the winner's change (e.g. the task already completed).
    """
    for attempt in range(attempts):
        try:
            result = action()
            db.session.commit()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if "locked" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        except Exception:
            db.session.rollback()
            raise


def back(default_endpoint: str, **values):
    """Redirect to a safe same-site ``next`` or to ``default_endpoint``."""
    target = request.form.get("next") or request.args.get("next")
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for(default_endpoint, **values))


def flash_error(message: str) -> None:
    """Show an error message on the next page."""
    flash(message, "error")
