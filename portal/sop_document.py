"""The official SOP document (identity sheet + flowchart sheets) and the SOP book as PDF.

One SOP renders to A4 landscape: the identity sheet of Permenpan RB 35/2012, then the
flowchart drawn by :mod:`portal.flowchart` split over as many sheets as it needs, each
page numbered "Halaman X dari Y". The book is a cover and a table of contents followed
by every enabled SOP in turn; each part is rendered on its own (and cached by the
definition's snapshot hash), merged with pypdf, and stamped with the book's page number
so the table of contents points at real pages.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from flask import current_app, render_template
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from portal.flowchart import flowchart_pages, svg_data_uri, svg_size
from portal.pdf import render_pdf
from portal.sop import SopDefinition, snapshot_sha

__all__ = ["document_html", "render_document", "render_book", "document_filename", "BookEntry"]

#: Printable height of a flowchart sheet (points): A4 landscape minus margins, footer and title.
SHEET_HEIGHT = 470.0
SHEET_WIDTH = 774.0
_CACHE: dict[str, bytes] = {}


@dataclass
class BookEntry:
    """One SOP in the book: its definition and the book page where it starts."""

    sop: SopDefinition
    page: int = 0
    pages: int = 0


def _logo() -> str | None:
    """The agency logo as a ``/static/...`` path (``AGENCY_LOGO``), or None for an empty slot."""
    value = current_app.config.get("AGENCY_LOGO") or os.environ.get("AGENCY_LOGO") or ""
    return value if value.startswith("/static/") else None


def document_html(definition: SopDefinition) -> str:
    """The HTML of one SOP document (identity sheet and flowchart sheets) for xhtml2pdf."""
    pages = []
    for svg in flowchart_pages(definition, width=SHEET_WIDTH, page_height=SHEET_HEIGHT):
        width, height = svg_size(svg)
        # xhtml2pdf reads unitless <img> sizes as CSS pixels (0.75 pt): scale so 1 unit = 1 pt.
        pages.append({"uri": svg_data_uri(svg), "width": round(width / 0.75, 1), "height": round(height / 0.75, 1)})
    return render_template("sopdoc/document.html", sop=definition, pages=pages, logo=_logo())


def render_document(definition: SopDefinition) -> bytes:
    """The SOP document as PDF bytes (cached per definition snapshot and logo)."""
    key = f"{snapshot_sha(definition.to_dict())}:{_logo()}"
    data = _CACHE.get(key)
    if data is None:
        data = render_pdf(document_html(definition), static_folder=current_app.static_folder)
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = data
    return data


def document_filename(definition: SopDefinition) -> str:
    """A safe download name, e.g. ``SOP-pk_jabar-2023.1.pdf``."""
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in f"{definition.id}-{definition.versi}")
    return f"SOP-{safe}.pdf"


def _front(entries: list[BookEntry], printed: date) -> bytes:
    first = entries[0].sop if entries else None
    html = render_template(
        "sopdoc/book_front.html", entries=entries, printed=printed,
        agency=first.agency if first else current_app.config.get("AGENCY_NAME", ""),
        pemerintah=first.pemerintah if first else "")
    return render_pdf(html, static_folder=current_app.static_folder)


def _stamp(writer: PdfWriter, total: int) -> None:
    """Write "Buku SOP hal. N / T" at the bottom right of every page."""
    for number, page in enumerate(writer.pages, start=1):
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
        pdf.setFont("Helvetica", 7)
        pdf.drawRightString(float(page.mediabox.width) - 28, 12, f"Buku SOP hal. {number} / {total}")
        pdf.save()
        page.merge_page(PdfReader(io.BytesIO(buffer.getvalue())).pages[0])


def render_book(definitions: Iterable[SopDefinition], *, printed: date | None = None,
                progress: Callable[[int, int], None] | None = None) -> bytes:
    """Every given SOP as one book: cover, table of contents with page numbers, each SOP.

    ``progress(done, total)`` is called after each part (for a progress indicator).
    """
    entries = [BookEntry(sop=d) for d in definitions]
    total_steps = len(entries) + 1
    parts = []
    for index, entry in enumerate(entries):
        data = render_document(entry.sop)
        entry.pages = len(PdfReader(io.BytesIO(data)).pages)
        parts.append(data)
        if progress:
            progress(index + 1, total_steps)
    if printed is None:
        from portal.formatting import local
        from portal.models import utcnow

        printed = local(utcnow()).date()
    front_pages = 2
    for _ in range(3):  # the table of contents may itself take more pages
        page = front_pages + 1
        for entry in entries:
            entry.page = page
            page += entry.pages
        front = _front(entries, printed)
        actual = len(PdfReader(io.BytesIO(front)).pages)
        if actual == front_pages:
            break
        front_pages = actual
    writer = PdfWriter()
    for data in [front, *parts]:
        writer.append(PdfReader(io.BytesIO(data)))
    _stamp(writer, len(writer.pages))
    for entry in entries:
        writer.add_outline_item(title=f"{entry.sop.nama} ({entry.sop.nomor})", page_number=entry.page - 1)
    writer.add_metadata({"/Title": "Buku SOP", "/Producer": "SOP Portal"})
    out = io.BytesIO()
    writer.write(out)
    if progress:
        progress(total_steps, total_steps)
    return out.getvalue()
