"""Pages that only read, served without a transaction around them on PostgreSQL.

A view marked ``@read_only`` runs its GET requests in autocommit mode on PostgreSQL: every
SELECT is its own transaction. Under READ COMMITTED, PostgreSQL's default, that is what the
page saw anyway (each statement of a transaction takes a fresh snapshot), and the BEGIN and
ROLLBACK round trips around the page's statements are gone (two of Tugas Saya's five).

Such a request may not write: a flush, or an INSERT, UPDATE or DELETE statement, raises
``ReadOnlyViolation`` (a 500, loudly, in tests too), so a write added later to a read-only
view cannot commit statement by statement.
SQLite needs none of this (no round trips): there the marker only guards against writes.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.extensions import db

_FLAG = "_portal_read_only"
_AUTOCOMMIT = "_portal_autocommit"
_WRITES = ("INSERT", "UPDATE", "DELETE")


class ReadOnlyViolation(RuntimeError):
    """A read-only page tried to write."""


def read_only(view):
    """Mark ``view`` as one that only reads (its GET and HEAD requests run without a transaction)."""
    setattr(view, _FLAG, True)
    return view


def init_app(app: Flask) -> None:
    """Put marked views' GET requests in autocommit mode on PostgreSQL, before anything reads."""
    @app.before_request
    def _autocommit_reads() -> None:
        if not _is_read_only_request():
            return
        request.__dict__[_FLAG] = True
        # (a session that already holds a transaction, as in tests that keep one app context
        # across requests, keeps it)
        if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            request.__dict__[_AUTOCOMMIT] = True

    @app.teardown_request
    def _end_autocommit(_error=None) -> None:
        # The autocommit connection goes back to the pool with the request (its isolation level
        # reset), also where the session outlives the request (tests holding one app context).
        if request.__dict__.pop(_AUTOCOMMIT, False):
            db.session.rollback()


def _is_read_only_request() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    # decorators written with functools.wraps (login_required) carry the marker over
    return bool(getattr(current_app.view_functions.get(request.endpoint), _FLAG, False))


@event.listens_for(Session, "before_flush")
def _refuse_writes(session, _context, _instances) -> None:
    if has_request_context() and request.__dict__.get(_FLAG) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation(f"{request.endpoint} hanya membaca, tetapi mencoba menulis")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_statements_that_write(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if (statement[:6].upper() in _WRITES or statement.lstrip()[:6].upper() in _WRITES) \
            and has_request_context() and request.__dict__.get(_FLAG):
        raise ReadOnlyViolation(f"{request.endpoint} hanya membaca, tetapi mencoba menulis")


__all__ = ["read_only", "init_app", "ReadOnlyViolation"]
