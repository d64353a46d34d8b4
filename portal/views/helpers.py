"""Small helpers shared by the views."""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

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


def safe_next(target: str | None) -> str | None:
    """Return ``target`` when it is a path of this app, else None.

    Refuses control characters and whitespace anywhere (browsers and Werkzeug drop
    TAB/CR/LF, turning ``/\t/evil`` into ``//evil``), a scheme, a network location,
    ``//`` and ``/\\`` prefixes, and anything not starting with a single ``/``.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def back(default_endpoint: str, **values):
    """Redirect to a safe same-site ``next`` or to ``default_endpoint``."""
    target = safe_next(request.form.get("next") or request.args.get("next"))
    return redirect(target or url_for(default_endpoint, **values))


def flash_error(message: str) -> None:
    """Show an error message on the next page."""
    flash(message, "error")
