"""Pemantauan, observers, the run header, the runs list columns and the Lembar Kendali, through the web."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchivedDocument, Role, Run, Task


@pytest.fixture
def demo_runs(app, demo):
    from portal.demo import load_demo

    with app.test_request_context():
        load_demo(with_runs=True, sops={"pk_jabar"})  # the PK runs these checks name
    return {r.judul: r for r in db.session.scalars(select(Run))}


LATE = "PK Tahun 2027 Kepala Dinas dan Pejabat Struktural (terlambat)"
DONE = "PK Tahun 2026 Dinas (selesai)"


def test_overview_shows_the_overdue_run_first_with_holder_and_lateness(app, demo_runs, client, auth):
    auth.login("kadis")
    page = client.get("/pemantauan?sop=pk_jabar")  # the PK demo runs (other SOPs' [[contoh]] runs may be later still)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = html.split('id="overview"')[1]
    first_row = body.split("<tbody>")[1].split("</tr>")[0]
    assert LATE in first_row and "Terlambat" in first_row and "Tim Perencanaan" in first_row
    assert DONE not in body  # finished runs are not "running"
    done = client.get("/pemantauan?status=selesai").get_data(as_text=True)
    assert DONE in done and LATE not in done.split('id="overview"')[1]
    returned = client.get("/pemantauan?status=dikembalikan").get_data(as_text=True).split('id="overview"')[1]
    assert LATE not in returned
    other_year = client.get("/pemantauan?tahun=2026").get_data(as_text=True).split('id="overview"')[1]
    assert LATE not in other_year and "PK Perubahan Tahun 2026" in other_year
    assert client.get("/pemantauan?status=bogus&urut=x&hal=abc").status_code == 200


def test_overview_xlsx_has_the_rows(app, demo_runs, client, auth):
    auth.login("sekretaris")
    response = client.get("/pemantauan.xlsx?sop=pk_jabar")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 3 and rows[0][1] == LATE and rows[0][12] > 0 and rows[0][9] == "Tim Perencanaan"


def test_counts_per_sop_and_unit(app, demo_runs):
    from portal.monitoring import Filters, counts

    with app.test_request_context():
        per_sop, per_unit = counts(Filters(sop_id="pk_jabar"))
    assert [(c.key, c.running) for c in per_sop] == [("pk_jabar", 3)]
    assert per_sop[0].late + per_sop[0].on_time == 3 and per_sop[0].late >= 1
    assert sum(c.running for c in per_unit) == 3


@pytest.mark.parametrize("user", ["stafppmep", "urusan", "perencana", "biro"])
def test_staff_do_not_see_the_overview(app, demo_runs, client, auth, user):
    auth.login(user)
    assert client.get("/pemantauan").status_code == 403
    assert client.get("/pemantauan.xlsx").status_code == 403
    assert client.get("/kepatuhan").status_code == 403
    assert b"Pemantauan" not in client.get("/sop").data


def test_observer_opens_every_run_read_only(app, demo_runs, client, auth):
    run = demo_runs[LATE]
    waiting = demo_runs["PK Perubahan Tahun 2026 (menunggu bidang)"]  # step 7: no custom form
    task = db.session.scalar(select(Task).where(Task.run_id == waiting.id, Task.status == "terbuka"))
    auth.login("kasubbag")  # Kasubbag PPMEP is an observer role in the demo; no PK lane
    assert client.get("/pemantauan").status_code == 200
    for url in (f"/pelaksanaan/{run.id}", f"/pelaksanaan/{run.id}/lembar-kendali", f"/tugas/{task.id}",
                f"/pelaksanaan/{run.id}/lembar-kendali.pdf"):
        assert client.get(url).status_code == 200, url
    runs_list = client.get("/pelaksanaan").get_data(as_text=True)
    assert LATE in runs_list
    answer = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version})
    assert answer.status_code == 403
    client.post(f"/tugas/{task.id}/ambil")
    db.session.expire_all()
    fresh = db.session.get(Task, task.id)
    assert fresh.status == "terbuka" and fresh.assignee_id is None and fresh.version == task.version
    assert b"Ambil tugas" not in client.get(f"/tugas/{task.id}").data


def test_staff_see_only_runs_of_their_lanes_and_admin_sets_observers(app, demo_runs, client, auth):
    run = demo_runs[LATE]
    auth.login("stafppmep")  # holds no PK lane and no observer role
    assert client.get(f"/pelaksanaan/{run.id}").status_code == 404
    assert client.get(f"/pelaksanaan/{run.id}/lembar-kendali").status_code == 404
    assert client.get(f"/pelaksanaan/{run.id}/lembar-kendali.pdf").status_code == 404
    assert LATE not in client.get("/pelaksanaan").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    staf = db.session.scalar(select(Role).where(Role.key == "staf_ppmep"))
    kasubbag = db.session.scalar(select(Role).where(Role.key == "kasubbag_ppmep"))
    assert client.post("/admin/pengamat", data={"role_id": [str(staf.id)]}).status_code == 303
    db.session.expire_all()
    assert staf.observer and not kasubbag.observer
    auth.logout()
    auth.login("stafppmep")
    assert client.get(f"/pelaksanaan/{run.id}").status_code == 200
    auth.logout()
    auth.login("kasubbag")
    assert client.get(f"/pelaksanaan/{run.id}").status_code == 404
    assert client.get("/pemantauan").status_code == 403
    auth.logout()
    auth.login("kadis")
    assert client.post("/admin/pengamat", data={"role_id": [str(kasubbag.id)]}).status_code == 403


def test_run_page_header_and_runs_list_columns(app, demo_runs, client, auth):
    run = demo_runs[LATE]
    auth.login("kadis")
    html = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    header = html.split('id="run-now"')[1].split("</section>")[0]
    assert "Sekarang di langkah 3 dari 9" in header and "Tim Perencanaan" in header and "Terlambat" in header
    assert header.count('class="seg ') == 9 and header.count("seg selesai") == 2
    listing = client.get("/pelaksanaan").get_data(as_text=True)
    row = next(r for r in listing.split("<tr>") if LATE in r)
    assert "3 dari 9" in row and "Tim Perencanaan" in row and "Terlambat" in row


def test_positions_use_one_query_for_a_page(app, demo_runs):
    from sqlalchemy import event

    from portal.run_status import positions

    ids = [r.id for r in demo_runs.values() if r.sop_id == "pk_jabar"]
    with app.test_request_context():
        positions(ids)  # warm the definition cache
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            result = positions(ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(result) == 3 and len(statements) == 1


def test_finished_run_archives_its_control_sheet(app, demo_runs, client, auth):
    run = demo_runs[DONE]
    doc = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.run_id == run.id,
                                                           ArchivedDocument.kind == "lembar_kendali"))
    assert doc is not None and doc.filename.endswith(".pdf")
    store = app.extensions["file_store"]
    assert store.verify(doc.sha256)
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(store.path_for(doc.sha256).open("rb")).pages).split())
    assert "LEMBAR KENDALI" in text and "Target IKM perlu disesuaikan dengan Renstra" in text
    assert "Dikembalikan" in text and "Tanda terima" in text and doc.sha256 != ""
    auth.login("kasubbag")  # observer: may open the archived sheet
    assert client.get(f"/arsip/{doc.id}/unduh").status_code == 200
    auth.logout()
    auth.login("stafppmep")
    assert client.get(f"/arsip/{doc.id}/unduh").status_code == 404


def test_exports_neutralise_formulas(app, demo, client, auth):
    from tests.helpers import start_pk

    start_pk(app, demo, judul='=HYPERLINK("http://contoh.invalid","klik")')
    auth.login("kadis")
    sheet = load_workbook(io.BytesIO(client.get("/pemantauan.xlsx").data)).active
    cell = sheet.cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_heads_and_observers_see_runs_outside_their_lanes(app, demo):
    from types import SimpleNamespace

    from portal.access import can_act, can_view_run
    from tests.helpers import start_pk

    # A run started by a guest, of an SOP in which none of these users holds a lane, stored so
    # that the SQL rule is what decides.
    foreign = start_pk(app, demo, judul="PK lain")
    db.session.execute(db.update(Run).where(Run.id == foreign.id)
                       .values(sop_id="sop_tanpa_lajur", started_by_id=demo["bappeda"].id))
    db.session.commit()
    assert can_view_run(demo["sekretaris"], foreign) and can_view_run(demo["kadis"], foreign)
    assert can_view_run(demo["kasubbag"], foreign)  # observer role in the demo
    assert not can_view_run(demo["perencana"], foreign) and not can_view_run(demo["stafppmep"], foreign)
    task = SimpleNamespace(status="terbuka", assignee_id=None, role_key="bappeda", unit_id=None)
    assert not any(can_act(demo[u], task) for u in ("sekretaris", "kadis", "kasubbag"))
