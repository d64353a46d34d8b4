"""Pessimistic disconnect handling that a busy worker does not pay for on every request.

SQLAlchemy's ``pool_pre_ping`` sends a ping each time a connection leaves the pool: one
extra round trip per request on PostgreSQL. A connection that went back to the pool a
moment ago is as alive as the server, so here only a connection that sat idle for
``DB_PING_IDLE_SECONDS`` (default 10) or longer is pinged on checkout; a dead one is
thrown away and the pool opens a new one (``DisconnectionError``), so a database restart
or a dropped socket still costs no user a failed request. A connection that died within the
idle window fails its first statement instead: ``init_disconnect_retry`` sends that request
once more on a fresh connection (GET, HEAD) or answers 503 with nothing written.
"""
from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_SINCE = "portal_idle_since"


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping connections of ``engine``'s pool that were idle ``idle_seconds`` or more when checked out."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _stamp(dbapi_connection, record) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new (just connected) or just used: alive
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:  # any driver error on a ping means the connection is unusable
            raise exc.DisconnectionError(f"koneksi basis data terputus: {error}") from error
        if alive is False:
            raise exc.DisconnectionError("koneksi basis data tidak menjawab")


RETRY_MARK = "_ulang"


def init_disconnect_retry(app) -> None:
    """A request that finds its pooled connection dead (the database restarted within the idle
    window, so no ping caught it) is not lost: SQLAlchemy has already dropped the pool's stale
    connections, a GET or HEAD is sent once more (307 to the same address, marked ``_ulang=1``),
    and anything else, or a second failure, gets a 503 page that needs no database. Nothing
    was written: the failed transaction never committed."""
    from urllib.parse import urlencode

    from flask import redirect, render_template, request
    from sqlalchemy.exc import DBAPIError

    from portal.extensions import db

    @app.errorhandler(DBAPIError)
    def _lost_connection(error):
        if not error.connection_invalidated:
            raise error  # a real database error: the 500 page
        db.session.remove()
        if request.method in ("GET", "HEAD") and not request.args.get(RETRY_MARK):
            args = request.args.to_dict(flat=False)
            args[RETRY_MARK] = ["1"]
            path = request.script_root + "/" + request.path.lstrip("/")  # never "//host": same site only
            return redirect(f"{path}?{urlencode(args, doseq=True)}", code=307)
        return render_template("db_unavailable.html"), 503
