"""Hand-over receipts, the archive, verification, audit immutability, uploads and downloads."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from portal.extensions import db
from portal.models import ArchivedDocument, Attachment, AuditEvent, Receipt, Run
from portal.pdf import font_css, render_pdf
from tests.helpers import advance, open_tasks, start_pk
from tests.test_runner import complete, login


def small_pdf(title="Dokumen PK final") -> bytes:
    return render_pdf(f"<html><head><style>{font_css()} body {{ font-family: 'DejaVu Sans'; }}</style></head>"
                      f"<body><p>{title}</p></body></html>")


def confirm_receipt(client, run, username="biro"):
    """The receiver confirms the tanda terima in Tugas Saya (issue 10: the run waits for it),
    in a browser of their own (logging the giver out would end the giver's other sessions)."""
    [task] = open_tasks(run.id)
    assert task.kind == "konfirmasi"
    data = {"tindakan": "selesai", "versi": task.version}
    with client.application.app_context():  # a fresh ``g``: the login is not the giver's cached one
        receiver = client.application.test_client()
        login(receiver, username)
        response = receiver.post(f"/tugas/{task.id}/selesaikan", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    db.session.expire_all()


def finish_run(app, demo, client, judul="PK arsip uji"):
    """Take a run to its hand-over step, upload the final PDF, hand it over to Biro Organisasi
    and have the receiver confirm it (after which the run is finished)."""
    run = start_pk(app, demo, judul=judul, units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    upload = client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), "PK final 2026.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    response = complete(client, task, penerima=demo["biro"].id)
    assert response.status_code == 303, response.get_data(as_text=True)
    confirm_receipt(client, run)
    db.session.refresh(run)
    return run


def test_handover_issues_receipt_and_archives(app, demo, client):
    run = finish_run(app, demo, client)
    assert run.status == "selesai" and run.finished_at is not None
    receipt = db.session.scalar(select(Receipt).where(Receipt.run_id == run.id))
    assert re.fullmatch(r"TT/\d{4}/00001", receipt.number)
    assert receipt.giver["nama"].startswith("Budi Santoso") and receipt.receiver["nama"].startswith("Fajar Nugraha")
    # the hand-over lists the run's final documents: the PK bundle, every unit's step-7
    # upload and what was uploaded at the hand-over itself
    assert [d["filename"] for d in receipt.documents] == [
        f"perjanjian-kinerja-2026-{run.id}.pdf", "rancangan-pk-lanjutan.pdf", "PK final 2026.pdf"]
    docs = list(db.session.scalars(select(ArchivedDocument).where(ArchivedDocument.run_id == run.id)))
    assert sorted(d.kind for d in docs) == ["dokumen", "dokumen", "dokumen", "lembar_kendali", "tanda_terima"]
    assert all(len(d.sha256) == 64 and d.nomor_sop == "62/46/SEKRT/2023" and d.tahun == 2026 for d in docs)
    pdf = client.get(f"/tanda-terima/{receipt.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["X-Content-Type-Options"] == "nosniff"
    reader = PdfReader(io.BytesIO(pdf.data))
    body = "".join(page.extract_text() for page in reader.pages)
    assert receipt.number in body and "Budi Santoso" in body and "Fajar Nugraha" in body
    fonts = " ".join(str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values())
    assert "DejaVuSans" in fonts or "Vera" in fonts, fonts
    assert reader.pages[0]["/Resources"]["/XObject"], "the QR code image is missing"
    assert f"/verifikasi/{receipt.token}" in body.replace("\n", "")


def test_receipt_handover_requires_receiver_and_document(app, demo, client):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    no_receiver = complete(client, task)
    assert no_receiver.status_code == 400 and "Pilih penerima dokumen" in no_receiver.get_data(as_text=True)
    wrong = complete(client, task, penerima=demo["kadis"].id)  # not a Biro Organisasi person
    assert wrong.status_code == 400
    assert db.session.scalar(select(func.count(Receipt.id))) == 0
    db.session.refresh(task)
    assert task.status == "terbuka"


def test_receipt_numbers_are_sequential_per_year(app, demo, client):
    first = finish_run(app, demo, client, judul="PK satu")
    client.post("/keluar")
    second = finish_run(app, demo, client, judul="PK dua")
    numbers = [r.number for r in db.session.scalars(select(Receipt).order_by(Receipt.id))]
    year = numbers[0].split("/")[1]
    assert numbers == [f"TT/{year}/00001", f"TT/{year}/00002"]
    assert first.id != second.id


def test_verification_page_authentic_then_tampered(app, demo, client):
    run = finish_run(app, demo, client)
    receipt = db.session.scalar(select(Receipt).where(Receipt.run_id == run.id))
    anonymous = app.test_client()
    page = anonymous.get(f"/verifikasi/{receipt.token}").get_data(as_text=True)
    assert "ASLI" in page and receipt.number in page
    assert anonymous.get("/verifikasi/palsu").status_code == 404
    store = app.extensions["file_store"]
    path = store.path_for(receipt.documents[0]["sha256"])
    path.chmod(0o600)
    path.write_bytes(b"%PDF-1.4 diubah")
    page = anonymous.get(f"/verifikasi/{receipt.token}").get_data(as_text=True)
    assert "TIDAK COCOK" in page
    result = app.test_cli_runner().invoke(args=["archive", "verify"])
    assert result.exit_code == 1 and "TIDAK COCOK" in result.output and receipt.documents[0]["filename"] in result.output


def test_archive_verify_clean(app, demo, client):
    finish_run(app, demo, client)
    result = app.test_cli_runner().invoke(args=["archive", "verify"])
    assert result.exit_code == 0 and "5 berkas diperiksa, 0 tidak cocok." in result.output


def test_archive_search_filters_and_download(app, demo, client):
    run = finish_run(app, demo, client, judul="PK Bidang Pelayanan 2026")
    page = client.get("/arsip?q=pelayanan").get_data(as_text=True)
    assert "PK Bidang Pelayanan 2026" in page and "5 dokumen" in page  # with the Lembar Kendali
    assert "0 dokumen" in client.get("/arsip?q=renstra").get_data(as_text=True)
    assert "0 dokumen" in client.get("/arsip?tahun=2019").get_data(as_text=True)
    assert "5 dokumen" in client.get("/arsip?sop=pk_jabar&tahun=2026").get_data(as_text=True)
    doc = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.kind == "dokumen"))
    download = client.get(f"/arsip/{doc.id}/unduh")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"] and download.headers["X-Content-Type-Options"] == "nosniff"
    assert run.status == "selesai"


def test_archive_pagination(app, demo, client):
    app.config["ARCHIVE_PAGE_SIZE"] = 1
    finish_run(app, demo, client)
    page = client.get("/arsip").get_data(as_text=True)
    assert "Halaman 1 dari 5" in page and "halaman=2" in page


def test_download_only_for_allowed_users(app, demo, client):
    run = finish_run(app, demo, client)
    attachment = db.session.scalar(select(Attachment).where(Attachment.run_id == run.id))
    client.post("/keluar")
    login(client, "bappeda")  # holds no role of the PK SOP
    assert client.get(f"/berkas/{attachment.id}").status_code == 404
    assert client.get(f"/pelaksanaan/{run.id}").status_code == 404
    client.post("/keluar")
    login(client, "kepegawaian")
    ok = client.get(f"/berkas/{attachment.id}")
    assert ok.status_code == 200 and ok.headers["X-Content-Type-Options"] == "nosniff"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "unduh")) >= 1


def test_refused_upload_stores_nothing(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    response = client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "disposisi.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Berkas &#34;disposisi.pdf&#34; ditolak: isinya bukan PDF yang sah." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    import os

    stored = [f for _, _, files in os.walk(app.config["UPLOAD_DIR"]) for f in files]
    assert stored == []


def test_upload_by_non_actor_refused(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    response = client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 403


def test_audit_trail_refuses_update_and_delete(app, demo, client):
    login(client, "kadis")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "masuk"))
    assert event.user_id == demo["kadis"].id and event.ip == "127.0.0.1"
    for statement in ("UPDATE audit_event SET detail = 'diubah'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) >= 1


def test_run_page_timeline_and_times(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    login(client, "admin")
    page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert "Memulai pelaksanaan" in page and "Menyelesaikan langkah" in page
    assert "Tepat waktu" in page or "Terlambat" in page
    assert "Waktu kerja terpakai" in page
    assert db.session.get(Run, run.id).current_step_no == 3
