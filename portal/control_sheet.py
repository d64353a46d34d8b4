"""Lembar Kendali: the run's control sheet, the evidence an auditor asks for.

Every activation of every step (returns included) with its pelaksana, who did it, start,
finish, standard and actual working time, on time or late, the outcome and its reason,
the documents with their sha256, and the receipt numbers. Printable as a page and as a
PDF; when the run finishes the PDF is stored and archived with the run's documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import ArchivedDocument, Attachment, Receipt, Run, Task, utcnow
from portal.pdf import render_pdf

__all__ = ["SheetRow", "sheet_rows", "sheet_html", "sheet_pdf", "archive_control_sheet", "sheet_filename"]


@dataclass
class SheetRow:
    """One task of the run as the control sheet lists it."""

    task: Task
    step: object
    pelaksana: str
    actor: str
    standard: str
    actual: str
    late: bool | None
    attachments: list[Attachment] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)


def sheet_rows(run: Run, now: datetime | None = None) -> list[SheetRow]:
    """Rows for every task of ``run`` in the order they were opened."""
    now = now or utcnow()
    calendar = current_app.extensions["worktime"]
    tasks = list(db.session.scalars(select(Task).where(Task.run_id == run.id)
                                    .options(selectinload(Task.attachments), selectinload(Task.completed_by),
                                             selectinload(Task.assignee))
                                    .order_by(Task.created_at, Task.id)))
    receipts: dict[int, list[Receipt]] = {}
    for receipt in db.session.scalars(select(Receipt).where(Receipt.run_id == run.id).order_by(Receipt.id)):
        receipts.setdefault(receipt.task_id, []).append(receipt)
    rows = []
    for task in tasks:
        step = run.sop.step(task.step_no)
        lane = run.sop.lane_label(task.role_key) + (f" ({task.unit.nama})" if task.unit else "")
        who = task.completed_by or task.assignee
        end = task.completed_at or (now if task.status == "terbuka" else None)
        actual = calendar.describe_duration(calendar.working_minutes_between(task.created_at, end)) if end else "-"
        late = None
        if task.due_at is not None and (task.completed_at or task.status == "terbuka"):
            late = (task.completed_at or now) > task.due_at
            if task.status == "terbuka" and not late:
                late = None
        rows.append(SheetRow(task=task, step=step, pelaksana=lane, actor=who.nama if who else "-",
                             standard=step.waktu.text, actual=actual, late=late,
                             attachments=list(task.attachments), receipts=receipts.get(task.id, [])))
    return rows


def sheet_html(run: Run, *, printed: datetime | None = None) -> str:
    """The control sheet as a print document (HTML for xhtml2pdf)."""
    printed = printed or utcnow()
    return render_template("monitor/control_sheet_pdf.html", run=run, sop=run.sop, rows=sheet_rows(run, printed),
                           printed=printed)


def sheet_pdf(run: Run, *, printed: datetime | None = None) -> bytes:
    """The control sheet as PDF bytes."""
    return render_pdf(sheet_html(run, printed=printed), static_folder=current_app.static_folder)


def sheet_filename(run: Run) -> str:
    """Download name of the control sheet."""
    return f"lembar-kendali-pelaksanaan-{run.id}.pdf"


def archive_control_sheet(run: Run, *, now: datetime) -> ArchivedDocument:
    """Render the finished run's control sheet, store it and add it to the archive."""
    data = sheet_pdf(run, printed=now)
    stored = current_app.extensions["file_store"].save_bytes(data, sheet_filename(run))
    unit_nama = run.unit.nama if run.unit else ""
    doc = ArchivedDocument(
        run_id=run.id, kind="lembar_kendali", sop_id=run.sop_id, sop_nama=run.sop_nama, nomor_sop=run.sop_nomor,
        tahun=run.tahun, unit_nama=unit_nama, judul=run.judul, filename=sheet_filename(run), size=stored.size,
        sha256=stored.sha256, mime="application/pdf", archived_at=now,
        search_text=" ".join([run.judul, run.sop_nama, run.sop_nomor, unit_nama, "lembar kendali"]).lower())
    db.session.add(doc)
    return doc
