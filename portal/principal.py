"""The logged-in user of a request, loaded in one statement.

Flask-Login asks ``load_principal`` once per request. The statement brings the user, every
role grant with its role and unit (the access rules, the menu and the badges read them for
the rest of the request), whether a Plt./Plh. delegation is in force for the user today
(when none is, ``delegation.active_for`` is answered without a query) and the number of
unread notifications (the bell on every page).
"""
from __future__ import annotations

from functools import lru_cache

from flask import request
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import joinedload

from portal import delegation, request_cache
from portal.extensions import db
from portal.models import Delegation, Notification, User


@lru_cache(maxsize=1024)
def _statement(badge_scope: tuple | None = None):
    """Built once per process (and per guessed task scope); the user id and today's date are bound
    at execution."""
    from portal.tasks_query import open_count_subquery

    in_force = exists().where(Delegation.substitute_id == User.id, delegation.active_on(bindparam("today")))
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    columns = [User, in_force.label("delegated"), unread.label("unread")]
    if badge_scope is not None:
        columns.append(open_count_subquery(badge_scope).label("open_tasks"))
    return select(*columns).options(joinedload(User.roles)).where(User.id == bindparam("user_id"))


def load_principal(user_id: int, generation: int) -> User | None:
    """The active user ``user_id`` whose session generation is ``generation``, else None.

    On a GET (a page, which shows the badges) the statement also counts the open tasks of the scope
    the user had at their last request here (``tasks_query.last_scope``); the count is kept
    when the scope still holds."""
    from portal import tasks_query

    today = delegation.today()
    guess = tasks_query.last_scope(user_id) if request.method == "GET" else None
    row = db.session.execute(_statement(guess), {"user_id": user_id, "today": today}).unique().first()
    if row is None:
        return None
    user, delegated, unread, *counted = row
    if not user.active or (user.session_gen or 0) != generation:
        return None
    if not delegated:
        delegation.note_none_active(user.id, today)
    request_cache.remember(unread_key(user.id), unread or 0)
    if guess is not None:
        tasks_query.accept_badge_count(user, guess, counted[0])
    return user


def unread_key(user_id: int) -> tuple:
    """The request-cache key of ``user_id``'s unread notification count (the bell)."""
    return ("unread_notifications", user_id)
