"""The archive: final documents of finished runs, searchable, re-hashable."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.sql.elements import True_

from portal import archive_search, audit
from portal.extensions import db
from portal.models import ArchivedDocument, Receipt, Run
from portal.documents import stored_documents
from portal.receipts import handed_over_documents, receipt_filename
from portal.storage import mime_for_extension


def archive_run(run: Run, *, now: datetime) -> list[ArchivedDocument]:
    """Archive the final documents of ``run`` (and its receipts) with their metadata."""
    receipts = list(db.session.scalars(select(Receipt).where(Receipt.run_id == run.id).order_by(Receipt.id)))
    if receipts:
        files = [(d["filename"], d["sha256"], d["size"], "dokumen") for d in receipts[-1].documents]
    else:
        last_task = max(run.tasks, key=lambda t: t.id)
        files = [(a.filename, a.sha256, a.size, "dokumen") for a in handed_over_documents(run, last_task, render=True)]
    listed = {f[1] for f in files}
    files += [(d.filename, d.sha256, d.size, "dokumen") for d in stored_documents(run) if d.sha256 not in listed]
    store = current_app.extensions["file_store"]
    for receipt in receipts:
        path = store.path_for(receipt.pdf_sha256)
        files.append((receipt_filename(receipt), receipt.pdf_sha256, path.stat().st_size, "tanda_terima"))
    unit_nama = run.unit.nama if run.unit else ""
    documents = []
    for filename, sha256, size, kind in files:
        doc = ArchivedDocument(
            run_id=run.id, kind=kind, sop_id=run.sop_id, sop_nama=run.sop_nama, nomor_sop=run.sop_nomor,
            tahun=run.tahun, unit_nama=unit_nama, judul=run.judul, filename=filename, size=size, sha256=sha256,
            mime=mime_for_extension(filename.rsplit(".", 1)[-1]), archived_at=now,
            search_text=" ".join([run.judul, run.sop_nama, run.sop_nomor, unit_nama, filename]).lower(),
        )
        db.session.add(doc)
        documents.append(doc)
    from portal.control_sheet import archive_control_sheet  # local: the sheet reads the archive's models

    documents.append(archive_control_sheet(run, now=now))
    audit.record("arsip", run=run, at=now, detail=f"{len(documents)} dokumen diarsipkan")
    return documents


def search_archive(user, q: str = "", tahun: int | None = None, sop_id: str | None = None, page: int = 1,
                   per_page: int = 20) -> archive_search.SearchPage:
    """The archived documents ``user`` may open (same rule as the download), searched by text over
    judul, SOP, unit and file name (parts of words match), filtered by tahun and SOP, newest first."""
    from portal.access import runs_visible_to

    filters = []
    visible = runs_visible_to(user)
    if not isinstance(visible, True_):  # admins: no filter at all
        # Correlated EXISTS (a primary-key probe per candidate row), not IN (all visible runs):
        # the search can then stop at its page and its count cap instead of reading every run.
        filters.append(select(Run.id).where(Run.id == ArchivedDocument.run_id, visible).exists())
    if tahun:
        filters.append(ArchivedDocument.tahun == tahun)
    if sop_id:
        filters.append(ArchivedDocument.sop_id == sop_id)
    return archive_search.search(q, filters, page, per_page)


def archive_years() -> list[int]:
    """Years that have archived documents, newest first (for the filter).

    A skip scan on the ``(tahun, archived_at)`` index: the newest year, then the newest year
    below it, and so on, one index probe per year (``SELECT DISTINCT`` read every document:
    20 ms on PostgreSQL at 100,000 documents, on every archive page).
    """
    newest = select(func.max(ArchivedDocument.tahun)).scalar_subquery()
    years = select(newest.label("tahun")).cte("years", recursive=True)
    below = select(func.max(ArchivedDocument.tahun)).where(ArchivedDocument.tahun < years.c.tahun).scalar_subquery()
    years = years.union_all(select(below).where(years.c.tahun.is_not(None)))
    return list(db.session.scalars(select(years.c.tahun).where(years.c.tahun.is_not(None))))


def verify_archive() -> tuple[int, list[ArchivedDocument]]:
    """Re-hash every archived file; returns (number checked, documents that do not match)."""
    store = current_app.extensions["file_store"]
    bad, checked = [], 0
    for doc in db.session.scalars(select(ArchivedDocument).order_by(ArchivedDocument.id)):
        checked += 1
        if not store.verify(doc.sha256):
            bad.append(doc)
    return checked, bad


__all__ = ["archive_run", "search_archive", "archive_years", "verify_archive"]
