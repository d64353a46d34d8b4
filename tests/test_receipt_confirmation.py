"""Issue 10: the receiver confirms the tanda terima; refusing sends the run back to the hand-over;
an external receiver is confirmed by the giver uploading the signed paper receipt."""
import io

from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Notification, Receipt, Run
from tests.helpers import advance, open_tasks, start_pk
from tests.test_records import small_pdf
from tests.test_runner import complete, login


def _pdf_text(client, receipt) -> str:
    response = client.get(f"/tanda-terima/{receipt.id}.pdf")
    assert response.status_code == 200
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace("\n", " ")


def _hand_over(app, demo, client, **receiver):
    run = start_pk(app, demo, judul="PK konfirmasi", units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), "PK final.pdf")},
                content_type="multipart/form-data")
    response = complete(client, task, **(receiver or {"penerima": demo["biro"].id}))
    return run, task, response


def test_receiver_confirms_and_the_receipt_says_who_and_when(app, demo, client):
    run, handover, response = _hand_over(app, demo, client)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    receipt = db.session.scalar(select(Receipt))
    assert receipt.status == "menunggu" and db.session.get(Run, run.id).status == "berjalan"
    [confirmation] = open_tasks(run.id)
    assert confirmation.kind == "konfirmasi" and confirmation.assignee_id == demo["biro"].id
    assert "MENUNGGU KONFIRMASI PENERIMA" in _pdf_text(client, receipt)
    assert "Menunggu konfirmasi" in client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    # the giver cannot confirm for the receiver
    assert complete(client, confirmation).status_code == 403

    client.post("/keluar")
    login(client, "biro")
    inbox = client.get("/tugas").get_data(as_text=True)
    assert "Konfirmasi penerimaan" in inbox and f"/tugas/{confirmation.id}" in inbox
    assert db.session.scalar(select(Notification).where(Notification.kind == "konfirmasi",
                                                        Notification.user_id == demo["biro"].id)) is not None
    page = client.get(f"/tugas/{confirmation.id}").get_data(as_text=True)
    assert receipt.number in page and 'id="receipt-confirmation"' in page and "Konfirmasi penerimaan</button>" in page
    assert complete(client, confirmation).status_code == 303

    db.session.expire_all()
    receipt = db.session.get(Receipt, receipt.id)
    assert receipt.status == "dikonfirmasi" and receipt.confirm_method == "akun"
    assert receipt.confirmed_by["nama"] == demo["biro"].nama and receipt.confirmed_at is not None
    assert db.session.get(Run, run.id).status == "selesai"
    text = _pdf_text(client, receipt)
    assert "PENERIMAAN DIKONFIRMASI" in text and "Fajar Nugraha" in text.split("PENERIMAAN DIKONFIRMASI")[1]
    verify = app.test_client().get(f"/verifikasi/{receipt.token}").get_data(as_text=True)
    assert "ASLI" in verify and "Dikonfirmasi" in verify and demo["biro"].nama in verify.split('id="confirmation"')[1]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "konfirmasi_terima")) is not None


def test_refusing_sends_the_run_back_to_the_hand_over(app, demo, client):
    run, handover, _ = _hand_over(app, demo, client)
    [confirmation] = open_tasks(run.id)
    client.post("/keluar")
    login(client, "biro")
    no_reason = complete(client, confirmation, tindakan="kembali")
    assert no_reason.status_code == 400 and "Alasan wajib diisi." in no_reason.get_data(as_text=True)
    refused = complete(client, confirmation, tindakan="kembali", catatan="Lampiran PK Kepala Dinas tidak ada.")
    assert refused.status_code == 303
    db.session.expire_all()
    first = db.session.scalar(select(Receipt))
    assert first.status == "ditolak" and first.refused_reason == "Lampiran PK Kepala Dinas tidak ada."
    [again] = open_tasks(run.id)
    assert (again.step_no, again.kind, again.attempt) == (9, "langkah", 2)
    assert db.session.get(Run, run.id).return_count == 1
    verify = app.test_client().get(f"/verifikasi/{first.token}").get_data(as_text=True)
    assert "Ditolak penerima" in verify and "Lampiran PK Kepala Dinas tidak ada." in verify

    client.post("/keluar")
    login(client, "perencana")
    page = client.get(f"/tugas/{again.id}").get_data(as_text=True)
    assert "Tanda terima ditolak penerima" in page and "Lampiran PK Kepala Dinas tidak ada." in page
    assert complete(client, again, penerima=demo["biro"].id).status_code == 303
    db.session.expire_all()
    numbers = [r.number.split("/")[-1] for r in db.session.scalars(select(Receipt).order_by(Receipt.id))]
    assert numbers == ["00001", "00002"]
    [second_confirmation] = open_tasks(run.id)
    assert second_confirmation.kind == "konfirmasi"


def test_external_receiver_confirmed_by_the_signed_paper_scan(app, demo, client):
    run, handover, missing = _hand_over(app, demo, client, penerima="luar", penerima_nama="",
                                         penerima_instansi="Inspektorat Daerah")
    assert missing.status_code == 400 and "Nama penerima di luar portal wajib diisi." in missing.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Receipt)) is None
    response = complete(client, handover, penerima="luar", penerima_nama="Drs. Asep Saepudin",
                        penerima_jabatan="Auditor Madya", penerima_instansi="Inspektorat Daerah")
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    receipt = db.session.scalar(select(Receipt))
    assert receipt.receiver["eksternal"] and receipt.receiver["nama"] == "Drs. Asep Saepudin"
    [confirmation] = open_tasks(run.id)
    assert confirmation.assignee_id == demo["perencana"].id  # the giver uploads the signed receipt
    page = client.get(f"/tugas/{confirmation.id}").get_data(as_text=True)
    assert "Unggah pindaian tanda terima" in page and "Konfirmasi dengan pindaian" in page
    no_scan = complete(client, confirmation)
    assert no_scan.status_code == 400 and "Unggah pindaian tanda terima" in no_scan.get_data(as_text=True)
    scan = small_pdf("Tanda terima ditandatangani")
    client.post(f"/tugas/{confirmation.id}/unggah", data={"berkas": (io.BytesIO(scan), "tt-bertanda-tangan.pdf")},
                content_type="multipart/form-data")
    db.session.expire_all()
    assert complete(client, db.session.get(type(confirmation), confirmation.id)).status_code == 303
    db.session.expire_all()
    receipt = db.session.get(Receipt, receipt.id)
    assert receipt.status == "dikonfirmasi" and receipt.confirm_method == "pindaian"
    assert receipt.scan["filename"] == "tt-bertanda-tangan.pdf" and len(receipt.scan["sha256"]) == 64
    assert db.session.get(Run, run.id).status == "selesai"
    text = _pdf_text(client, receipt)
    assert "tanda terima kertas" in text and "tt-bertanda-tangan.pdf" in text
    verify = app.test_client().get(f"/verifikasi/{receipt.token}").get_data(as_text=True)
    assert "pindaian tanda terima kertas" in verify and "ASLI" in verify and "Inspektorat Daerah" in verify
