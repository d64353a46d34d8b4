"""Kepatuhan Mutu Baku: per step, the standard waktu against the working time really taken.

For a period (dates of completion, agency time zone) and optionally a unit, every
completed task of a run that was not cancelled counts once: its working time from
activation to completion (agency calendar: weekends, national holidays and cuti bersama
do not count), whether it finished by its due time, and whether it sent the run back.
Skipped steps ("lewati") are left out of the times. Percentiles use the nearest-rank
method (the p-th percentile is the smallest value with at least p% of values at or
below it), so every figure is a time that really happened.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.models import Run, Task

__all__ = ["StepFigures", "SopFigures", "nearest_rank", "compliance", "summary", "csv_text", "xlsx_bytes",
           "bar_chart_svg", "period_bounds", "spreadsheet_safe"]

FACTORS = {"menit": 1, "jam": 60}


def nearest_rank(values: list[int], percent: float) -> int | None:
    """The nearest-rank percentile of ``values`` (None when empty); 50 gives the lower median."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class StepFigures:
    """One step's figures over the period."""

    no: int
    kegiatan: str
    pelaksana: str
    waktu_text: str
    standard_minutes: int
    times: list[int] = field(default_factory=list)
    on_time: int = 0
    returns: int = 0

    @property
    def count(self) -> int:
        return len(self.times)

    @property
    def median(self) -> int | None:
        return nearest_rank(self.times, 50)

    @property
    def p90(self) -> int | None:
        return nearest_rank(self.times, 90)

    @property
    def on_time_share(self) -> float | None:
        """Share (0..1) of completions by the due time; None without completions."""
        return self.on_time / self.count if self.count else None

    @property
    def late(self) -> int:
        return self.count - self.on_time


@dataclass
class SopFigures:
    """All steps of one SOP, late-most-often first."""

    sop_id: str
    nama: str
    steps: list[StepFigures]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def on_time(self) -> int:
        return sum(s.on_time for s in self.steps)

    @property
    def returns(self) -> int:
        return sum(s.returns for s in self.steps)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.count if self.count else None

    @property
    def worst(self) -> StepFigures | None:
        late = [s for s in self.steps if s.late]
        return late[0] if late else None


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC bounds of the local dates ``start``..``end`` (inclusive)."""
    zone = current_app.extensions["worktime"].tz
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


def _standard(step, calendar) -> int:
    return step.waktu.value * (calendar.minutes_per_day if step.waktu.unit == "hari" else FACTORS[step.waktu.unit])


def compliance(sop_id: str, start: date, end: date, unit_id: int | None = None) -> SopFigures | None:
    """The figures of SOP ``sop_id`` for tasks completed from ``start`` to ``end`` (local dates)."""
    registry = current_app.extensions["portal_plugins"]
    calendar = current_app.extensions["worktime"]
    low, high = period_bounds(start, end)
    query = (select(Task).join(Task.run).options(contains_eager(Task.run))
             .where(Run.sop_id == sop_id, Run.status != "dibatalkan", Task.status == "selesai",
                    Task.kind == "langkah",  # issue 10: a receipt confirmation is not the step's own work
                    Task.completed_at >= low, Task.completed_at < high)
             .order_by(Task.id))
    if unit_id:
        query = query.where(Run.unit_id == unit_id)
    tasks = list(db.session.scalars(query).unique())
    definition = registry.definition(sop_id) or (tasks[0].run.sop if tasks else None)
    if definition is None:
        return None
    steps = {s.no: StepFigures(no=s.no, kegiatan=s.kegiatan, pelaksana=definition.lane_label(s.actor),
                               waktu_text=s.waktu.text, standard_minutes=_standard(s, calendar))
             for s in definition.steps}
    for task in tasks:
        if task.outcome == "lewati":
            continue
        figures = steps.get(task.step_no)
        if figures is None:  # a step an older version had
            pinned = task.run.sop.step(task.step_no)
            figures = steps[task.step_no] = StepFigures(
                no=pinned.no, kegiatan=pinned.kegiatan, pelaksana=task.run.sop.lane_label(pinned.actor),
                waktu_text=pinned.waktu.text, standard_minutes=_standard(pinned, calendar))
        figures.times.append(calendar.working_minutes_between(task.created_at, task.completed_at))
        if task.due_at is None or task.completed_at <= task.due_at:
            figures.on_time += 1
        if task.outcome in ("kembali", "tolak"):
            figures.returns += 1
    ordered = sorted(steps.values(), key=lambda s: (-(s.late / s.count if s.count else 0), -s.late, s.no))
    return SopFigures(sop_id=sop_id, nama=definition.nama, steps=ordered)


def summary(start: date, end: date, unit_id: int | None = None) -> list[SopFigures]:
    """Figures of every SOP with runs (loaded definitions first), least on time first."""
    registry = current_app.extensions["portal_plugins"]
    ids = [d.id for d in registry.sorted_definitions()]
    ids += [i for i in db.session.scalars(select(Run.sop_id).distinct()) if i not in ids]
    result = [f for f in (compliance(i, start, end, unit_id) for i in ids) if f is not None]
    return sorted(result, key=lambda f: (f.on_time_share if f.on_time_share is not None else 2, f.nama))


HEADER = ["No", "Kegiatan", "Pelaksana", "Waktu standar", "Standar (menit kerja)", "Selesai",
          "Median (menit kerja)", "P90 (menit kerja)", "Tepat waktu", "Terlambat", "Tepat waktu (%)", "Dikembalikan"]


def _rows(figures: SopFigures) -> list[list]:
    rows = []
    for s in figures.steps:
        share = round(s.on_time_share * 100, 1) if s.on_time_share is not None else None
        rows.append([s.no, s.kegiatan, s.pelaksana, s.waktu_text, s.standard_minutes, s.count, s.median, s.p90,
                     s.on_time, s.late, share, s.returns])
    return rows


def csv_text(figures: SopFigures) -> str:
    """The table as CSV (comma-separated, UTF-8 with a header row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows(figures):
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
    return out.getvalue()


def spreadsheet_safe(value):
    """Neutralise spreadsheet formulas in text cells (CSV/XLSX injection): prefix a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_bytes(figures: SopFigures, title: str) -> bytes:
    """The table as an XLSX workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Kepatuhan"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _rows(figures):
        sheet.append([spreadsheet_safe(v) for v in row])
    for letter, width in zip("ABCDEFGHIJKL", (5, 50, 28, 12, 10, 8, 10, 10, 10, 10, 10, 10)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bar_chart_svg(figures: SopFigures) -> str:
    """Horizontal bars per step: standard waktu against the median (and p90 tick) taken."""
    from xml.sax.saxutils import escape

    steps = sorted(figures.steps, key=lambda s: s.no)
    label_w, bar_w, row_h = 70.0, 420.0, 26.0
    top = 30.0
    width, height = label_w + bar_w + 110, top + row_h * len(steps) + 16
    scale_max = max([s.standard_minutes for s in steps] + [s.p90 or 0 for s in steps] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" class="compliance-chart" font-family="DejaVu Sans" '
             f'font-size="10"><title>Waktu standar dan waktu nyata per langkah: {escape(figures.nama)}</title>',
             f'<rect x="{label_w}" y="6" width="10" height="8" fill="#9aa5b1"/><text x="{label_w + 14}" y="14">standar</text>',
             f'<rect x="{label_w + 70}" y="6" width="10" height="8" fill="#0b5394"/>'
             f'<text x="{label_w + 84}" y="14">median nyata</text>',
             f'<rect x="{label_w + 170}" y="6" width="10" height="8" fill="#b42318"/>'
             f'<text x="{label_w + 184}" y="14">median melewati standar</text>',
             f'<line x1="{label_w + 320}" y1="4" x2="{label_w + 320}" y2="16" stroke="#1f2933" stroke-width="2"/>'
             f'<text x="{label_w + 326}" y="14">p90</text>']
    for i, s in enumerate(steps):
        y = top + i * row_h
        std_w = bar_w * s.standard_minutes / scale_max
        parts.append(f'<g class="bar" data-step="{s.no}" data-standard="{s.standard_minutes}" '
                     f'data-median="{"" if s.median is None else s.median}" data-p90="{"" if s.p90 is None else s.p90}">')
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">Langkah {s.no}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{std_w:.1f}" height="8" fill="#9aa5b1"/>')
        if s.median is not None:
            med_w = bar_w * s.median / scale_max
            colour = "#b42318" if s.median > s.standard_minutes else "#0b5394"
            parts.append(f'<rect x="{label_w}" y="{y + 12}" width="{max(med_w, 1):.1f}" height="9" fill="{colour}"/>')
            p90_x = label_w + bar_w * (s.p90 or 0) / scale_max
            parts.append(f'<line x1="{p90_x:.1f}" y1="{y + 10}" x2="{p90_x:.1f}" y2="{y + 23}" stroke="#1f2933" '
                         f'stroke-width="2"/>')
            text = f"{s.median} / {s.standard_minutes} mnt"
        else:
            text = f"belum ada / {s.standard_minutes} mnt"
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{text}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
