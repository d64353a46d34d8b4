"""The one way files leave the portal: access check, audit event, ``send_file`` with ``download_name``.

``send_file`` writes ``Content-Disposition`` with an ASCII fallback and an RFC 5987
``filename*`` for any other name, so a document called "Laporan – Triwulan I.pdf" or
"PK 2026 ✓.pdf" downloads under gunicorn as well (a hand-built header with a
non-Latin-1 name cannot be written and ends in a 500).
"""
from __future__ import annotations

import io

from flask import abort, current_app, send_file
from flask_login import current_user

from portal import audit
from portal.access import can_view_run
from portal.extensions import db
from portal.models import Run


def _harden(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_stored_file(run_id: int, sha256: str, filename: str, mime: str, *, detail: str, task=None):
    """Send a stored file of run ``run_id`` as an attachment, after the access check (404) and audited."""
    run = db.session.get(Run, run_id)
    if not can_view_run(current_user, run):
        abort(404)
    store = current_app.extensions["file_store"]
    if not store.exists(sha256):
        abort(404, "Berkas tidak ditemukan di penyimpanan.")
    audit.record("unduh", run=run if task is None else None, task=task, detail=detail)
    db.session.commit()
    return _harden(send_file(store.open(sha256), mimetype=mime, as_attachment=True, download_name=filename))


def send_generated(data: bytes, filename: str, mime: str = "application/pdf", *, inline: bool = True):
    """Send bytes made for this request (a printed document) under ``filename``; the caller checked access."""
    return _harden(send_file(io.BytesIO(data), mimetype=mime, as_attachment=not inline, download_name=filename))
