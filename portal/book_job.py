"""The SOP book as a background job with progress (it takes several seconds to render).

A job row records the book's key (the definitions' snapshot hashes, logo and print
date), progress (parts done of total) and the finished PDF's sha256 in the file store.
Any worker can read the progress; a job with no progress for ``STALE_AFTER`` (its
worker died) may be started again. A finished book with the same key is reused.
"""
from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta

from flask import Flask, current_app
from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UtcDateTime, utcnow
from portal.sop import snapshot_sha

STALE_AFTER = timedelta(minutes=2)
JOB_STATUS = {"berjalan": "Sedang dibuat", "selesai": "Selesai", "gagal": "Gagal"}


class BookJob(db.Model):
    """One rendering of the SOP book."""

    __tablename__ = "book_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="berjalan")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    sop_count: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at = mapped_column(UtcDateTime(), nullable=True)
    updated_at = mapped_column(UtcDateTime(), nullable=True)
    finished_at = mapped_column(UtcDateTime(), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def percent(self) -> int:
        """Progress in whole percent."""
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def status_label(self) -> str:
        return JOB_STATUS.get(self.status, self.status)

    def stale(self) -> bool:
        """True when a running job has not moved for ``STALE_AFTER``."""
        return self.status == "berjalan" and (self.updated_at or self.started_at) < utcnow() - STALE_AFTER


def agency_today() -> date:
    """Today's date in the agency's time zone (the book's print date)."""
    from portal.formatting import local

    return local(utcnow()).date()


def book_definitions():
    """Every enabled (loaded) SOP definition, in list order."""
    return current_app.extensions["portal_plugins"].sorted_definitions()


def book_key(definitions, printed: date) -> str:
    """The identity of a book: its definitions, logo and print date."""
    from portal.sop_document import _logo

    text = "|".join([snapshot_sha(d.to_dict()) for d in definitions] + [str(_logo()), printed.isoformat()])
    return hashlib.sha256(text.encode()).hexdigest()


def current_job() -> BookJob | None:
    """The newest job for today's book (running, finished or failed), if any."""
    key = book_key(book_definitions(), agency_today())
    return db.session.scalar(select(BookJob).where(BookJob.key == key).order_by(BookJob.id.desc()).limit(1))


def start_job(user) -> tuple[BookJob, bool]:
    """Start a job for today's book unless one is running or done; returns (job, started)."""
    job = current_job()
    if job is not None and (job.status == "selesai" or (job.status == "berjalan" and not job.stale())):
        return job, False
    definitions = book_definitions()
    now = utcnow()
    job = BookJob(key=book_key(definitions, agency_today()), status="berjalan", total=len(definitions) + 1,
                  sop_count=len(definitions), requested_by_id=user.id, started_at=now, updated_at=now)
    db.session.add(job)
    db.session.commit()
    app = current_app._get_current_object()
    if app.config.get("BOOK_JOB_INLINE"):
        run_job(app, job.id)
        db.session.refresh(job)
    else:
        threading.Thread(target=run_job, args=(app, job.id), name=f"sop-book-{job.id}", daemon=True).start()
    return job, True


def run_job(app: Flask, job_id: int) -> None:
    """Render the book for job ``job_id``, recording progress; stores the PDF when done."""
    from portal.sop_document import render_book

    # A request context of its own: templates use the request-scoped helpers (anonymous here).
    with app.app_context(), app.test_request_context("/sop/buku"):
        def progress(done: int, total: int) -> None:
            db.session.execute(update(BookJob).where(BookJob.id == job_id)
                               .values(done=done, total=total, updated_at=utcnow()))
            db.session.commit()

        try:
            data = render_book(book_definitions(), printed=agency_today(), progress=progress)
            stored = app.extensions["file_store"].save_bytes(data, "buku-sop.pdf")
            values = {"status": "selesai", "sha256": stored.sha256, "size": stored.size, "finished_at": utcnow()}
        except Exception as exc:  # recorded for the page; the log has the traceback
            app.logger.exception("Buku SOP gagal dibuat")
            db.session.rollback()
            values = {"status": "gagal", "error": f"{type(exc).__name__}: {exc}"[:500], "finished_at": utcnow()}
        db.session.execute(update(BookJob).where(BookJob.id == job_id).values(updated_at=utcnow(), **values))
        db.session.commit()
        db.session.remove()
