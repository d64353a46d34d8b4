"""Uploads: all-or-nothing multi-file uploads, stale temporary files, zip bombs, active PDFs."""
import io
import os
import time
import zipfile
import zlib

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, AuditEvent
from portal.storage import FileStore, UploadRejected
from tests.helpers import open_tasks, start_pk
from tests.test_records import small_pdf
from tests.test_runner import login


def stored_files(root):
    return sorted(f for _, _, files in os.walk(root) for f in files)


def upload(client, task, *files):
    return client.post(f"/tugas/{task.id}/unggah", data={"berkas": [(io.BytesIO(data), name) for name, data in files]},
                       content_type="multipart/form-data")


def test_one_refused_file_stores_none_of_the_upload(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    response = upload(client, task, ("baik.pdf", small_pdf("baik")), ("jahat.pdf", b"MZ\x90\x00bukan pdf"))
    assert response.status_code == 400
    assert "jahat.pdf" in response.get_data(as_text=True)
    assert stored_files(app.config["UPLOAD_DIR"]) == []
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_upload_is_audited_with_size_in_kb(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    assert upload(client, task, ("disposisi.pdf", small_pdf())).status_code == 303
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unggah"))
    assert event.task_id == task.id and event.user_id == demo["kadis"].id
    assert "disposisi.pdf" in event.detail and " KB" in event.detail and "bita" not in event.detail


def test_stale_part_files_removed_at_start_up(app, tmp_path):
    from portal import create_app

    root = tmp_path / "store"
    root.mkdir()
    old, fresh = root / ".upload-old.part", root / ".upload-new.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    create_app(dict(app.config, UPLOAD_DIR=str(root)))
    assert not old.exists() and fresh.exists()


def _docx(declared_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * declared_bytes)
    return buffer.getvalue()


def test_zip_bomb_refused_without_unpacking(app, demo, client):
    app.extensions["file_store"].max_unpacked_bytes = 1024 * 1024
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    bomb = _docx(3 * 1024 * 1024)
    assert len(bomb) < 64 * 1024
    response = upload(client, task, ("laporan.docx", bomb))
    assert response.status_code == 400
    assert "melebihi batas 1 MB" in response.get_data(as_text=True)
    assert stored_files(app.config["UPLOAD_DIR"]) == []
    assert upload(client, task, ("laporan.docx", _docx(1000))).status_code == 303


ACTIVE_PDFS = {
    "javascript": b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",
    "escaped": b"<< /Type /Action /S /J#61vaScript /JS (app.alert(1)) >>",
    "launch": b"<< /Type /Action /S /Launch /F (cmd.exe) >>",
}


def _pdf_with(body: bytes) -> bytes:
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R >>\nendobj\n2 0 obj\n" + body +
            b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _pdf_with_object_stream(body: bytes) -> bytes:
    packed = zlib.compress(b"2 0 " + body)
    return (b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R >>\nendobj\n3 0 obj\n<< /Type /ObjStm /N 1 "
            b"/First 4 /Filter /FlateDecode /Length " + str(len(packed)).encode() + b" >>\nstream\n" + packed +
            b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


@pytest.mark.parametrize("kind", sorted(ACTIVE_PDFS))
def test_pdf_with_active_content_refused(tmp_path, kind):
    store = FileStore(tmp_path)
    with pytest.raises(UploadRejected) as err:
        store.save_bytes(_pdf_with(ACTIVE_PDFS[kind]), "surat.pdf")
    expected = "/Launch" if kind == "launch" else "JavaScript"
    assert expected in err.value.message and "surat.pdf" in err.value.message
    with pytest.raises(UploadRejected):
        store.save_bytes(_pdf_with_object_stream(ACTIVE_PDFS[kind]), "surat.pdf")
    assert stored_files(tmp_path) == []


def test_pdf_with_javascript_refused_through_the_step_page(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    response = upload(client, task, ("surat.pdf", _pdf_with(ACTIVE_PDFS["javascript"])))
    assert response.status_code == 400 and "berisi JavaScript" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_plain_pdf_accepted(tmp_path):
    assert FileStore(tmp_path).save_bytes(small_pdf(), "biasa.pdf").size > 0


def test_action_names_inside_binary_stream_content_are_not_actions(tmp_path):
    """Compressed page content or images can hold the bytes "/JS " by chance (a generated
    Lembar Kendali did): only PDF syntax outside streams, and object streams, are read."""
    noise = b"\x8f\x02/JS /Launch\x00\xff/JavaScript("
    content = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Length " + str(len(noise)).encode()
               + b" /Filter /FlateDecode >>\nstream\n" + noise + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    assert FileStore(tmp_path).save_bytes(content, "lembar.pdf").size == len(content)
    with pytest.raises(UploadRejected):  # the same bytes as a dictionary entry are refused
        FileStore(tmp_path).save_bytes(_pdf_with(b"<< /S /JavaScript /JS (x) >>"), "lembar.pdf")
