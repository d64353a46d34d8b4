"""The rows of the Tugas Saya table as HTML, built in Python.

Tugas Saya shows up to 50 rows of six cells; through a Jinja loop every cell cost a template
lookup and an escape call, and the loop was the largest part of the page's time. Here each row
is one f-string whose every value goes through ``escape``; texts that repeat down the page (the
SOP, the step, date texts) are escaped or formatted once per distinct value. The mobile card
layout reads the ``data-label`` attributes, as before.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from flask import url_for

from portal.formatting import datetime_formatter
from portal.models import utcnow


def inbox_rows_html(rows) -> Markup:
    """The ``<tr>`` elements of Tugas Saya for ``rows`` (``tasks_query.InboxRow``)."""
    run_href, task_href = id_link("runs.show", "run_id"), id_link("tasks.show", "task_id")
    formatted = datetime_formatter()
    waktu, now = per_value(lambda value: escape(formatted(value))), utcnow()
    sop_cell, step_cell = per_value(_sop_cell), per_value(_step_cell)
    parts = []
    for row in rows:
        step = row.step
        langkah = step_cell(step.no, step.kegiatan, step.waktu.text, row.is_confirmation)
        notes = f'<br><span class="muted">Unit: {escape(row.unit_nama)}</span>' if row.unit_nama else ""
        if row.attempt > 1 and not row.is_confirmation:
            notes += f'<br><span class="tag">Perbaikan ke-{row.attempt - 1}</span>'
        parts.append(
            f'<tr><td data-label="SOP">{sop_cell(row.sop_nama, row.sop_nomor)}</td>'
            f'<td data-label="Pelaksanaan"><a href="{run_href(row.run_id)}">{escape(row.judul)}</a><br>'
            f'<span class="muted">Tahun {int(row.tahun)}</span></td>'
            f'<td data-label="Langkah" class="primary-cell"><a href="{task_href(row.id)}">{langkah[0]}</a>{notes}</td>'
            f'<td data-label="Sejak">{waktu(row.created_at)}</td>'
            f'<td data-label="Batas waktu">{waktu(row.due_at)}<br><span class="muted">standar {langkah[1]}</span></td>'
            f'<td data-label="Status">{_status_cell(row, now)}</td></tr>\n')
    return Markup("".join(parts))


def _sop_cell(nama: str, nomor: str) -> str:
    return f'{escape(nama)}<br><span class="muted">{escape(nomor)}</span>'


def _step_cell(no: int, kegiatan: str, waktu: str, confirmation: bool) -> tuple[str, str]:
    """(the step's link text, its standard time) as HTML."""
    tag = '<span class="tag open">Konfirmasi penerimaan</span> ' if confirmation else ""
    return f"{tag}<strong>{int(no)}.</strong> {escape(kegiatan)}", str(escape(waktu))


def _status_cell(row, now) -> str:
    if row.status != "terbuka":
        return f'<span class="tag done">{escape(row.status_label)}</span>'
    cell = '<span class="tag late">Terlambat</span>' if row.is_overdue(now) else '<span class="tag open">Terbuka</span>'
    if row.assignee_id:
        cell += f'<br><span class="muted">diambil {escape(row.assignee_nama)}</span>'
    return cell


def id_link(endpoint: str, key: str):
    """``url_for(endpoint, key=id)`` for many ids: the URL is built once with a marker id and the
    id put in its place per row (same text; a list page called url_for twice per row)."""
    marker = 987654321
    head, _, tail = url_for(endpoint, **{key: marker}).rpartition(str(marker))
    return lambda ident: f"{head}{int(ident)}{tail}"


def per_value(function):
    """``function`` computed once per distinct argument tuple within this page (texts repeat)."""
    cache: dict = {}

    def cached(*values):
        found = cache.get(values)
        if found is None:
            found = cache[values] = function(*values)
        return found
    return cached
