"""The archive: final documents of finished runs, searchable, re-hashable."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal import audit
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
    audit.record("arsip", run=run, at=now, detail=f"{len(documents)} dokumen diarsipkan")
    return documents


def search_archive(q: str = "", tahun: int | None = None, sop_id: str | None = None, page: int = 1, per_page: int = 20):
    """Search archived documents by text over judul, SOP and unit; returns (items, total)."""
    query = select(ArchivedDocument)
    for word in (q or "").lower().split()[:8]:
        query = query.where(ArchivedDocument.search_text.contains(word, autoescape=True))
    if tahun:
        query = query.where(ArchivedDocument.tahun == tahun)
    if sop_id:
        query = query.where(ArchivedDocument.sop_id == sop_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(db.session.scalars(query.order_by(ArchivedDocument.archived_at.desc(), ArchivedDocument.id.desc())
                                    .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return items, total


def archive_years() -> list[int]:
    """Years that have archived documents, newest first (for the filter)."""
    return list(db.session.scalars(select(ArchivedDocument.tahun).distinct().order_by(ArchivedDocument.tahun.desc())))


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
