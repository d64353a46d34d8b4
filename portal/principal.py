"""The logged-in user of a request, loaded in one statement.

Flask-Login asks ``load_principal`` once per request. The statement brings the user, every
role grant with its role and unit (the access rules, the menu and the badges read them for
the rest of the request) and whether a Plt./Plh. delegation is in force for the user today;
when none is, ``delegation.active_for`` is answered without a query.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from portal import delegation
from portal.extensions import db
from portal.models import Delegation, User


@cache
def _statement():
    """Built once per process; the user id and today's date are bound at execution."""
    in_force = exists().where(Delegation.substitute_id == User.id, delegation.active_on(bindparam("today")))
    return (select(User, in_force.label("delegated")).options(joinedload(User.roles))
            .where(User.id == bindparam("user_id")))


def load_principal(user_id: int, generation: int) -> User | None:
    """The active user ``user_id`` whose session generation is ``generation``, else None."""
    today = delegation.today()
    row = db.session.execute(_statement(), {"user_id": user_id, "today": today}).unique().first()
    if row is None:
        return None
    user, delegated = row
    if not user.active or (user.session_gen or 0) != generation:
        return None
    if not delegated:
        delegation.note_none_active(user.id, today)
    return user
