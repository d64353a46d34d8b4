"""Pemantauan: the head's overview of runs (filters, counts per SOP and unit, XLSX).

Filtering, sorting and paging happen in SQL over the runs joined with the earliest due
time and start of their open tasks; only the page's runs get their holder and lateness
computed (``portal.run_status.positions``, one query). Sorting by lateness is sorting by
the earliest due time: the earlier a step was due, the later it is.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select

from portal.access import oversees_all
from portal.extensions import db
from portal.models import Run, Task, Unit, User, utcnow
from portal.run_status import Position, positions

__all__ = ["can_monitor", "Filters", "overview", "counts", "xlsx_bytes", "STATUS_CHOICES", "SORT_CHOICES"]

STATUS_CHOICES = {
    "berjalan": "Semua yang berjalan", "terlambat": "Terlambat", "tepat": "Tepat waktu",
    "dikembalikan": "Pernah dikembalikan", "selesai": "Selesai",
}
SORT_CHOICES = {
    "terlambat": "Paling terlambat", "mulai": "Terbaru dimulai", "sop": "Nama SOP", "judul": "Judul",
}


def can_monitor(user: User) -> bool:
    """Kepala Dinas, Sekretaris, observer roles and admins see the Pemantauan."""
    if not user.is_authenticated:
        return False
    return user.is_admin or oversees_all(user)


@dataclass
class Filters:
    """The overview's filters, read from the query string (bad values are ignored)."""

    tahun: int | None = None
    sop_id: str = ""
    unit_id: int | None = None
    status: str = "berjalan"
    sort: str = "terlambat"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Parse request args; unknown status/sort fall back to the defaults."""
        def integer(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        status = args.get("status") or "berjalan"
        sort = args.get("urut") or "terlambat"
        return cls(tahun=integer("tahun"), sop_id=(args.get("sop") or "").strip()[:80], unit_id=integer("unit"),
                   status=status if status in STATUS_CHOICES else "berjalan",
                   sort=sort if sort in SORT_CHOICES else "terlambat", page=max(integer("hal") or 1, 1))

    def args(self, **changes) -> dict:
        """Query-string values for links (sorting, paging, export)."""
        values = {"tahun": self.tahun or "", "sop": self.sop_id, "unit": self.unit_id or "",
                  "status": self.status, "urut": self.sort, "hal": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _open_summary():
    """Per running run: earliest due time and start of its open tasks."""
    return (select(Task.run_id.label("run_id"), func.min(Task.due_at).label("due"),
                   func.min(Task.created_at).label("since"))
            .where(Task.status == "terbuka").group_by(Task.run_id).subquery())


def _base(filters: Filters, now: datetime):
    summary = _open_summary()
    query = select(Run, summary.c.due).outerjoin(summary, summary.c.run_id == Run.id)
    if filters.tahun:
        query = query.where(Run.tahun == filters.tahun)
    if filters.sop_id:
        query = query.where(Run.sop_id == filters.sop_id)
    if filters.unit_id:
        query = query.where(Run.unit_id == filters.unit_id)
    if filters.status == "selesai":
        query = query.where(Run.status == "selesai")
    else:
        query = query.where(Run.status == "berjalan")
    if filters.status == "terlambat":
        query = query.where(summary.c.due < now)
    elif filters.status == "tepat":
        query = query.where(summary.c.due >= now)
    elif filters.status == "dikembalikan":
        query = query.where(Run.return_count > 0)
    return query, summary


def _ordered(query, summary, sort: str):
    if sort == "mulai":
        return query.order_by(Run.started_at.desc(), Run.id.desc())
    if sort == "sop":
        return query.order_by(Run.sop_nama, summary.c.due, Run.id)
    if sort == "judul":
        return query.order_by(Run.judul, Run.id)
    # earliest due first; runs without an open task (finished) by finish time
    return query.order_by(case((summary.c.due.is_(None), 1), else_=0), summary.c.due, Run.finished_at.desc(), Run.id)


@dataclass
class OverviewPage:
    """One page of the overview."""

    rows: list[tuple[Run, Position | None]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def overview(filters: Filters, *, per_page: int = 50, now: datetime | None = None,
             limit: int | None = None) -> OverviewPage:
    """The filtered, sorted runs of one page (``limit`` overrides paging, for exports)."""
    now = now or utcnow()
    query, summary = _base(filters, now)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(Run.id).subquery()))
    ordered = _ordered(query, summary, filters.sort)
    if limit is not None:
        ordered = ordered.limit(limit)
        page = 1
    else:
        page = min(filters.page, max((total + per_page - 1) // per_page, 1))
        ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    runs = [row[0] for row in db.session.execute(ordered)]
    where = positions([r.id for r in runs], now)
    return OverviewPage(rows=[(r, where.get(r.id)) for r in runs], total=total, page=page, per_page=per_page)


@dataclass
class CountRow:
    """Counts of one SOP or unit: running, on time, late, returned."""

    key: str
    label: str
    running: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0


def counts(filters: Filters, now: datetime | None = None) -> tuple[list[CountRow], list[CountRow]]:
    """Counts per SOP and per unit of the runs the filters select (status filter ignored)."""
    now = now or utcnow()
    base = Filters(tahun=filters.tahun, sop_id=filters.sop_id, unit_id=filters.unit_id, status="berjalan")
    query, summary = _base(base, now)
    sub = query.with_only_columns(Run.id, Run.sop_id, Run.sop_nama, Run.unit_id, Run.return_count,
                                  summary.c.due).subquery()
    late = func.sum(case((sub.c.due < now, 1), else_=0))
    on_time = func.sum(case((and_(sub.c.due.is_not(None), sub.c.due >= now), 1), else_=0))
    returned = func.sum(case((sub.c.return_count > 0, 1), else_=0))
    per_sop = [CountRow(key=r.sop_id, label=r.sop_nama, running=r.n, on_time=r.ok or 0, late=r.late or 0,
                        returned=r.ret or 0)
               for r in db.session.execute(select(sub.c.sop_id, func.max(sub.c.sop_nama).label("sop_nama"),
                                                  func.count().label("n"), on_time.label("ok"), late.label("late"),
                                                  returned.label("ret"))
                                           .group_by(sub.c.sop_id).order_by(func.max(sub.c.sop_nama)))]
    names = dict(db.session.execute(select(Unit.id, Unit.nama)).all())
    per_unit = [CountRow(key=str(r.unit_id or ""), label=names.get(r.unit_id, "Tanpa unit"), running=r.n,
                         on_time=r.ok or 0, late=r.late or 0, returned=r.ret or 0)
                for r in db.session.execute(select(sub.c.unit_id, func.count().label("n"), on_time.label("ok"),
                                                   late.label("late"), returned.label("ret"))
                                            .group_by(sub.c.unit_id))]
    per_unit.sort(key=lambda c: c.label)
    return per_sop, per_unit


EXPORT_LIMIT = 10000


def xlsx_bytes(page: OverviewPage, title: str) -> bytes:
    """The overview rows as an XLSX workbook (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from portal.compliance import spreadsheet_safe
    from portal.formatting import local

    book = Workbook()
    sheet = book.active
    sheet.title = "Pemantauan"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    header = ["No", "Judul", "SOP", "Nomor SOP", "Tahun", "Unit", "Status", "Langkah", "Kegiatan", "Pemegang",
              "Sejak", "Batas waktu", "Terlambat (menit kerja)", "Terlambat", "Dikembalikan"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)

    def naive(dt):
        return local(dt).replace(tzinfo=None) if dt else None

    for number, (run, pos) in enumerate(page.rows, start=1):
        sheet.append([spreadsheet_safe(value) for value in [
            number, run.judul, run.sop_nama, run.sop_nomor, run.tahun, run.unit.nama if run.unit else "",
            run.status_label, pos.step_no if pos else None, pos.kegiatan if pos else "", pos.holder if pos else "",
            naive(pos.since) if pos else None, naive(pos.due) if pos else None,
            pos.late_minutes if pos else 0, pos.late_text if pos else "", run.return_count,
        ]])
    for column, width in zip(range(1, len(header) + 1), (5, 40, 32, 20, 7, 28, 11, 8, 40, 30, 17, 17, 12, 20, 8)):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row in sheet.iter_rows(min_row=3, min_col=11, max_col=12):
        for cell in row:
            cell.number_format = "dd/mm/yyyy hh:mm"
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
