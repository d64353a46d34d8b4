"""One download helper: attachments, archive files, receipts and printed documents, with any file name."""
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ArchivedDocument, Attachment, AuditEvent, Receipt
from portal.plugin_api import OutputDocument, hookimpl
from tests.helpers import start_pk
from tests.test_records import finish_run, small_pdf
from tests.test_runner import login

NAME = "Laporan – Triwulan I ✓ ŞÜKRÜ 年.pdf"


def headers_are_latin1(response) -> bool:
    """What a WSGI server (gunicorn) must be able to write."""
    try:
        for key, value in response.headers.items():
            key.encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


class UnicodeDocument:
    @hookimpl
    def portal_render_document(self, definition, run, kind):
        if kind != "uji":
            return None
        return OutputDocument(title="Dokumen uji", filename=NAME, html="<html><body><p>Dokumen uji</p></body></html>")


def test_printed_document_with_a_non_latin1_name(app, demo, client):
    app.extensions["portal_plugins"].pm.register(UnicodeDocument(), name="uji-unicode")
    run = start_pk(app, demo)
    login(client, "kadis")
    response = client.get(f"/pelaksanaan/{run.id}/dokumen/uji.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert headers_are_latin1(response)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and "filename*=UTF-8''" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_stored_download_path_checks_access_and_audits(app, demo, client):
    run = finish_run(app, demo, client)
    attachment = db.session.scalar(select(Attachment).where(Attachment.run_id == run.id))
    attachment.filename = NAME
    doc = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.kind == "dokumen"))
    doc.filename = NAME
    db.session.commit()
    receipt = db.session.scalar(select(Receipt))
    paths = [f"/berkas/{attachment.id}", f"/arsip/{doc.id}/unduh", f"/tanda-terima/{receipt.id}.pdf"]
    client.post("/keluar")
    login(client, "bappeda")
    before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "unduh"))
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "unduh")) == before
    client.post("/keluar")
    login(client, "kepegawaian")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), path
        assert response.headers["Content-Disposition"].startswith("attachment"), path
        assert response.headers["X-Content-Type-Options"] == "nosniff" and headers_are_latin1(response), path
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unduh").order_by(AuditEvent.id)))
    assert len(events) == before + 3
    assert all(e.user_id == demo["kepegawaian"].id and e.run_id == run.id for e in events[-3:])


def test_upload_keeps_a_non_latin1_name(app, demo, client):
    run = start_pk(app, demo)
    from tests.helpers import open_tasks

    [task] = open_tasks(run.id)
    login(client, "kadis")
    client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), NAME)},
                content_type="multipart/form-data")
    attachment = db.session.scalar(select(Attachment))
    response = client.get(f"/berkas/{attachment.id}")
    assert response.status_code == 200 and headers_are_latin1(response)
