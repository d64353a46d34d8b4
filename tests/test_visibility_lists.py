"""Lists show only what the user may open: the archive search and the runs list use the download's rule."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchivedDocument, Receipt
from tests.helpers import start_pk
from tests.test_records import finish_run
from tests.test_runner import login


def test_archive_search_hides_documents_the_user_may_not_open(app, demo, client):
    finish_run(app, demo, client, judul="PK Rahasia 2026")
    client.post("/keluar")
    login(client, "bappeda")  # holds no role of the PK SOP
    page = client.get("/arsip?q=rahasia").get_data(as_text=True)
    assert "PK Rahasia 2026" not in page and "0 dokumen" in page
    for doc in db.session.scalars(select(ArchivedDocument)):
        assert doc.sha256[:12] not in page and doc.filename not in page
        assert client.get(f"/arsip/{doc.id}/unduh").status_code == 404
    receipt = db.session.scalar(select(Receipt))
    assert client.get(f"/tanda-terima/{receipt.id}.pdf").status_code == 404
    client.post("/keluar")
    login(client, "kepegawaian")  # a pelaksana of the PK SOP
    page = client.get("/arsip?q=rahasia").get_data(as_text=True)
    assert "PK Rahasia 2026" in page and "5 dokumen" in page  # PK bundle, unit upload, final, receipt, Lembar Kendali
    doc = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.kind == "dokumen"))
    assert client.get(f"/arsip/{doc.id}/unduh").status_code == 200
    assert client.get(f"/tanda-terima/{receipt.id}.pdf").status_code == 200


def test_runs_list_filtered_by_access_and_paged(app, demo, client):
    app.config["RUNS_PAGE_SIZE"] = 2
    for n in range(3):
        start_pk(app, demo, judul=f"PK nomor {n}")
    login(client, "bappeda")
    page = client.get("/pelaksanaan").get_data(as_text=True)
    assert "PK nomor" not in page and "Belum ada pelaksanaan yang dapat Anda lihat" in page
    client.post("/keluar")
    login(client, "perencana")
    first = client.get("/pelaksanaan").get_data(as_text=True)
    assert "PK nomor 2" in first and "PK nomor 1" in first and "PK nomor 0" not in first
    assert "Halaman 1 dari 2" in first and "halaman=2" in first
    second = client.get("/pelaksanaan?halaman=2").get_data(as_text=True)
    assert "PK nomor 0" in second and "PK nomor 2" not in second
    fragment = client.get("/pelaksanaan?halaman=2", headers={"HX-Request": "true", "HX-Target": "run-list"})
    body = fragment.get_data(as_text=True)
    assert "PK nomor 0" in body and "<html" not in body


def test_runs_visible_to_matches_can_view_run(app, demo):
    from portal.access import can_view_run, runs_visible_to
    from portal.models import Run

    run = start_pk(app, demo)
    for user in demo.values():
        listed = db.session.scalar(select(Run.id).where(Run.id == run.id, runs_visible_to(user))) is not None
        assert listed == can_view_run(user, run)
    assert not can_view_run(demo["bappeda"], run) and can_view_run(demo["admin"], run)
