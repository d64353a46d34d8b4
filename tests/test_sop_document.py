"""The SOP document and the SOP book as PDF: pages, text, table of contents, downloads, CLI."""
import io
import re

import pytest
from pypdf import PdfReader

from portal.extensions import db

from portal.flowchart import flowchart_pages
from portal.sop_document import SHEET_HEIGHT, SHEET_WIDTH


def pdf_pages(data):
    assert data.startswith(b"%PDF")
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def test_sop_document_pdf_has_identity_sheet_and_flowchart_sheets(app, demo, client, auth):
    definition = app.extensions["portal_plugins"].definition("pk_jabar")
    sheets = len(flowchart_pages(definition, width=SHEET_WIDTH, page_height=SHEET_HEIGHT))
    auth.login("stafppmep")
    response = client.get("/sop/pk_jabar/dokumen.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)  # render_pdf refuses any xhtml2pdf warning
    assert len(pages) == 1 + sheets
    assert "Nomor SOP" in pages[0] and definition.nomor in pages[0] and "Dasar Hukum" in pages[0]
    assert "Disahkan oleh" in pages[0] and "Pencatatan dan Pendataan" in pages[0]
    assert f"Halaman 1 dari {1 + sheets}" in pages[0]
    assert "Bagan Alir" in pages[1] and "Kelengkapan" in pages[1] and "Pelaksana" in pages[1]
    assert client.get("/sop/tidak_ada/dokumen.pdf").status_code == 404
    page = client.get("/sop/pk_jabar")
    assert b'class="sop-flowchart"' in page.data and b"/sop/pk_jabar/dokumen.pdf" in page.data


def test_sop_document_needs_login(app, client):
    assert client.get("/sop/pk_jabar/dokumen.pdf").status_code in (302, 401)
    assert client.get("/sop/buku.pdf").status_code in (302, 401)


@pytest.mark.parametrize("app", [{"BOOK_JOB_INLINE": True}], indirect=True)
def test_book_job_gives_cover_toc_and_every_sop(app, demo, client, auth):
    from portal.book_job import BookJob

    auth.login("kadis")
    assert client.get("/sop/buku.pdf").status_code == 404
    assert b"Buat Buku SOP" in client.get("/sop/buku").data
    response = client.post("/sop/buku")
    assert response.status_code == 303
    job = BookJob.query.one()
    assert job.status == "selesai" and job.done == job.total == job.sop_count + 1
    page = client.get("/sop/buku")
    assert b"Unduh Buku SOP" in page.data
    client.post("/sop/buku")  # the same day's book is reused, not made again
    assert BookJob.query.count() == 1
    pages = pdf_pages(client.get("/sop/buku.pdf").data)
    definitions = app.extensions["portal_plugins"].sorted_definitions()
    assert "BUKU STANDAR OPERASIONAL PROSEDUR" in pages[0] and "Daftar Isi" in pages[1]
    for definition in definitions:
        match = re.search(re.escape(definition.nomor) + r"\s+" + re.escape(definition.versi) + r"\s+(\d+)", pages[1])
        start = int(match.group(1))
        assert definition.nomor in pages[start - 1] and "Nomor SOP" in pages[start - 1]
    total = len(pages)
    assert f"Buku SOP hal. {total} / {total}" in pages[-1]


def test_cli_document_and_book(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "sop.pdf"
    result = runner.invoke(args=["sop", "document", "pk_jabar", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Nomor SOP" in pdf_pages(out.read_bytes())[0]
    result = runner.invoke(args=["sop", "document", "pk_jabar", "--versi", "9.9", "--out", str(out)])
    assert result.exit_code != 0 and "tidak ditemukan" in result.output
    book = tmp_path / "book.pdf"
    result = runner.invoke(args=["sop", "book", "--out", str(book)])
    assert result.exit_code == 0, result.output
    assert "Daftar Isi" in pdf_pages(book.read_bytes())[1]


def test_book_job_runs_in_a_background_thread(app, demo, client, auth):
    import threading

    from portal.book_job import BookJob

    auth.login("perencana")
    assert client.post("/sop/buku").status_code == 303
    for thread in threading.enumerate():
        if thread.name.startswith("sop-book-"):
            thread.join(timeout=60)
    db.session.expire_all()
    job = BookJob.query.one()
    assert job.status == "selesai", job.error
    assert job.requested_by_id == demo["perencana"].id
    assert "Daftar Isi" in pdf_pages(client.get("/sop/buku.pdf").data)[1]
