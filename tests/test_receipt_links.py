"""Receipt QR links come from PUBLIC_BASE_URL, never from the request's Host header."""
import io

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Receipt
from tests.helpers import advance, open_tasks, start_pk
from tests.test_records import small_pdf
from tests.test_runner import complete, login


def _handover(app, demo, client):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), "PK.pdf")},
                content_type="multipart/form-data")
    return run, task


def test_receipt_link_ignores_the_host_header(app, demo, client):
    run, task = _handover(app, demo, client)
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version,
                                                                  "penerima": demo["biro"].id},
                           headers={"Host": "evil.example"}, base_url="http://evil.example")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    receipt = db.session.scalar(select(Receipt))
    pdf = client.get(f"/tanda-terima/{receipt.id}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace("\n", "")
    assert f"https://sop.dpmptsp.example/verifikasi/{receipt.token}" in text
    assert "evil.example" not in text


def test_no_receipt_without_public_base_url(app, demo, client):
    run, task = _handover(app, demo, client)
    app.config["PUBLIC_BASE_URL"] = ""
    response = complete(client, task, penerima=demo["biro"].id)
    assert response.status_code == 400
    assert "PUBLIC_BASE_URL" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Receipt.id))) == 0
    db.session.refresh(task)
    assert task.status == "terbuka"


def test_admin_pages_warn_when_public_base_url_is_missing(app, demo, client):
    login(client, "admin")
    assert "PUBLIC_BASE_URL belum diatur" not in client.get("/admin/pengguna").get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = ""
    assert "PUBLIC_BASE_URL belum diatur" in client.get("/admin/pengguna").get_data(as_text=True)
    assert "PUBLIC_BASE_URL belum diatur" in client.get("/admin/plugin").get_data(as_text=True)
