"""Values computed once per request and forgotten as soon as the request writes.

A page asks some things several times (the navigation counts for the page and again for
each panel rendered with ``render_template``; the tasks of a run for the step table and for
each declared document). ``memo`` answers the repeats from the request. The memo lives on
the request object (``g`` outlives a request while tests hold an app context) and is
dropped after every flush, so a request that changes data reads it afresh.
"""
from __future__ import annotations

from typing import Callable, Hashable, TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_SLOT = "_portal_request_memo"


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per request for ``key``.

    Computed afresh (and not kept) outside a request and while the session holds changes
    not yet flushed: a query would flush them first and see them, so the memo must too.
    """
    if not has_request_context():
        return compute()
    if _pending_changes():
        forget()
        return compute()
    cache = request.__dict__.setdefault(_SLOT, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _pending_changes() -> bool:
    from portal.extensions import db

    session = db.session()
    return bool(session.new or session.deleted or session.dirty)


def role_by_key(key: str):
    """The ``Role`` with ``key`` (or None), read once per request."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Role

    return memo(("role", key), lambda: db.session.scalar(select(Role).where(Role.key == key)))


def user_by_id(user_id: int):
    """The ``User`` ``user_id`` (or None), read once per request (kept, so the identity map keeps it)."""
    from portal.extensions import db
    from portal.models import User

    return memo(("user", user_id), lambda: db.session.get(User, user_id))


def remember(key: Hashable, value) -> None:
    """Store ``value`` for ``key`` for the rest of the request (when a query already gave it)."""
    if has_request_context():
        request.__dict__.setdefault(_SLOT, {})[key] = value


def forget() -> None:
    """Drop every value remembered in this request."""
    if has_request_context():
        request.__dict__.pop(_SLOT, None)


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session, _context) -> None:
    forget()
