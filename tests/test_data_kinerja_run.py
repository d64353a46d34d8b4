"""Mekanisme Pengumpulan Data Kinerja through the web client: the draft prefilled from the
year's PK (each indicator once), each bidang filling only its own indicators
in the fan-out, bad input refused beside the cell with nothing saved, the units' rows
merged at step 4, one return, the shared record and both documents (pypdf)."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal import create_app, records, runner
from portal.extensions import db
from portal.forms.samples import to_formdata
from portal.models import RunDocument, Task, Unit
from tests.browser_support import artifacts_dir

IKU_ROWS = [
    {"sasaran": "Meningkatnya investasi", "indikator": "Nilai realisasi investasi", "satuan": "Miliar Rp",
     "target": 1250, "arah": "naik", "sumber_data": "LKPM Online"},
    {"sasaran": "Meningkatnya kualitas pelayanan perizinan", "indikator": "Indeks kepuasan masyarakat",
     "satuan": "Indeks", "target": 82, "arah": "naik", "sumber_data": "Survei IKM"},
    {"sasaran": "Meningkatnya kualitas pelayanan perizinan", "indikator": "Rata-rata waktu penyelesaian izin",
     "satuan": "Hari", "target": 5, "arah": "turun", "sumber_data": "Aplikasi SiCantik"},
    {"sasaran": "Meningkatnya iklim investasi", "indikator": "Jumlah kegiatan promosi investasi",
     "satuan": "Kegiatan", "target": 6, "arah": "naik", "sumber_data": "Laporan kegiatan"},
]
OWNER = {0: "bidang_pengendalian", 1: "bidang_pelayanan", 2: "bidang_pelayanan", 3: "bidang_perencanaan"}
REALISASI = {  # indikator -> cumulative realisasi per triwulan, as each bidang types it
    "Nilai realisasi investasi": ["310,5", "640", "955", "1.290"],
    "Indeks kepuasan masyarakat": ["80,1", "81", "82,4", "83,5"],
    "Rata-rata waktu penyelesaian izin": ["6", "5,5", "5", "4,5"],
    "Jumlah kegiatan promosi investasi": ["1", "3", "4", "6"],
}


def pk_entry(jabatan, rows):
    return {"pihak1_jabatan": jabatan, "pihak1_nama": jabatan, "pihak2_jabatan": "Bupati", "pihak2_nama": "Bupati",
            "sasaran": [{k: r[k] for k in ("sasaran", "indikator", "target", "satuan")} for r in rows], "program": []}


@pytest.fixture
def portal(app, demo):
    """The portal with a finished PK of 2026: two agreements naming one indicator twice."""
    from portal.demo_runs import step_once

    with app.test_request_context():
        pk = runner.start_run(app.extensions["portal_plugins"].definition("pk_jabar"), db.session.merge(demo["kadis"]),
                              judul="PK 2026", tahun=2026, unit_id=None, fan_out_units=[demo["bidang1"].unit_id])
        data = {"entri": [pk_entry("Kepala Dinas", IKU_ROWS[:2]), pk_entry("Sekretaris", IKU_ROWS[1:])]}
        for _ in range(20):
            if pk.status != "berjalan":
                break
            step_once(pk, runner.utcnow(), form_values={"perjanjian_kinerja": data})
        db.session.commit()
        assert pk.status == "selesai"
    # a second app object on the same database: each web request gets its own app context
    # (the fixture's pushed context would share flask.g, and so the logged-in user, across clients)
    return create_app(dict(app.config))


class People:
    """One logged-in test client per demo user."""

    def __init__(self, app):
        self.app, self.clients = app, {}

    def __call__(self, username):
        if username not in self.clients:
            client = self.app.test_client()
            assert client.post("/masuk", data={"username": username, "password": "sakip2026"}).status_code == 302
            self.clients[username] = client
        return self.clients[username]


def open_task(run_id, step_no, unit_id=None) -> Task:
    db.session.expire_all()
    return db.session.scalar(select(Task).where(Task.run_id == run_id, Task.step_no == step_no, Task.status == "terbuka",
                                                Task.unit_id.is_(unit_id) if unit_id is None else Task.unit_id == unit_id))


def post(client, task, action="selesai", data=None, **extra):
    form = {"tindakan": action, "versi": str(task.version), **(data or {}), **extra}
    return client.post(f"/tugas/{task.id}/selesaikan", data=form)


def units():
    return {u.kode: u.id for u in db.session.scalars(select(Unit))}


def rows_of_unit(spec, draft, unit_id, values=True):
    rows = [dict(r) for r in draft if r["unit_pj"] == unit_id]
    for row in rows:
        if values:
            for i, text in enumerate(REALISASI[row["indikator"]], start=1):
                row[f"realisasi_tw{i}"] = text
    return rows


def formdata(spec, rows):
    """Posted fields; realisasi given as typed text is kept as typed."""
    typed = [{k: v for k, v in r.items() if not isinstance(v, str) or not k.startswith("realisasi_tw")} for r in rows]
    out = to_formdata(spec, {"baris": typed})
    for i, row in enumerate(rows):
        for k, v in row.items():
            if k.startswith("realisasi_tw") and isinstance(v, str):
                out[f"baris-{i}-{k}"] = v
    return out


def test_full_run_with_fan_out_bad_input_merge_and_return(portal, demo):
    people = People(portal)
    with portal.test_request_context():
        ids = units()
        bidang = [ids["bidang_perencanaan"], ids["bidang_pengendalian"], ids["bidang_pelayanan"]]
        definition = portal.extensions["portal_plugins"].definition("pengumpulan_data_kinerja_tanjabbar")
        run = runner.start_run(definition, db.session.merge(demo["kadis"]), judul="Data Kinerja 2026", tahun=2026,
                               unit_id=None, fan_out_units=bidang)
        db.session.commit()
        run_id, spec = run.id, definition.form("data_kinerja")

    assert post(people("kadis"), open_task(run_id, 1)).status_code == 303

    # step 2: the draft opens with the year's PK, each indicator once; the Sekretaris names the unit of each
    task = open_task(run_id, 2)
    page = people("sekretaris").get(f"/tugas/{task.id}").get_data(as_text=True)
    assert re.search(r"Kolom [^<]*Indikator kinerja[^<]* diisi awal dari", page) and "PK 2026" in page
    for i, row in enumerate(IKU_ROWS):
        assert re.search(rf'name="baris-{i}-indikator"[^>]*value="{row["indikator"]}"', page), row["indikator"]
    assert 'name="baris-4-indikator"' not in page
    draft = [{**row, "unit_pj": ids[OWNER[i]], "periode": "Triwulan I-IV",
              "cara_pengumpulan": f"Rekap {row['sumber_data']} tiap akhir triwulan"} for i, row in enumerate(IKU_ROWS)]
    assert post(people("sekretaris"), task, data=to_formdata(spec, {"baris": draft})).status_code == 303

    # step 3: one task per bidang, each showing only its own indicators
    pelayanan = open_task(run_id, 3, ids["bidang_pelayanan"])
    page = people("bidang3").get(f"/tugas/{pelayanan.id}").get_data(as_text=True)
    assert 'value="Indeks kepuasan masyarakat"' in page and 'value="Rata-rata waktu penyelesaian izin"' in page
    assert 'value="Nilai realisasi investasi"' not in page and 'value="Jumlah kegiatan promosi investasi"' not in page
    assert 'name="baris-1-indikator"' in page and 'name="baris-2-indikator"' not in page

    own = rows_of_unit(spec, draft, ids["bidang_pelayanan"])
    bad_cases = [
        # non-numeric realisasi
        ([{**own[0], "realisasi_tw2": "delapan puluh"}, own[1]], "baris-0-realisasi_tw2", "bukan angka"),
        # the same indikator and triwulan entered twice
        (own + [{"indikator": own[0]["indikator"], "unit_pj": ids["bidang_pelayanan"], "periode": "Triwulan I-IV",
                 "realisasi_tw1": "79"}], "baris-2-realisasi_tw1",
         "Realisasi TW I untuk indikator kinerja ini sudah diisi di baris 1"),
        # another unit's indicator
        (own + [{"indikator": "Nilai realisasi investasi", "unit_pj": ids["bidang_pelayanan"], "periode": "Triwulan I-IV",
                 "realisasi_tw1": "1"}], "baris-2-indikator",
         "Indikator kinerja ini tanggung jawab Bidang Pengendalian dan Pelaksanaan Penanaman Modal"),
        # a row handed to another unit
        ([{**own[0], "unit_pj": ids["bidang_perencanaan"]}, own[1]], "baris-0-unit_pj", "harus unit Anda (Bidang Pelayanan Perizinan)"),
    ]
    for rows, field, message in bad_cases:
        response = post(people("bidang3"), pelayanan, data=formdata(spec, rows))
        html = response.get_data(as_text=True)
        assert response.status_code == 400, field
        assert f'id="{field}-err"' in html and message in html, field
        assert 'aria-describedby="' + field + '-err"' in html
        assert "Belum ada yang disimpan" in html
        task = open_task(run_id, 3, ids["bidang_pelayanan"])
        assert task is not None and task.form_data is None and task.version == pelayanan.version
    # a unit cannot complete another unit's task
    assert post(people("bidang2"), pelayanan, data=formdata(spec, own)).status_code == 403

    for username, kode in [("bidang3", "bidang_pelayanan"), ("bidang1", "bidang_perencanaan"), ("bidang2", "bidang_pengendalian")]:
        task = open_task(run_id, 3, ids[kode])
        response = post(people(username), task, data=formdata(spec, rows_of_unit(spec, draft, ids[kode])))
        assert response.status_code == 303, response.get_data(as_text=True)

    # step 4: the Kasubbag sees every unit's realisasi merged into the draft, in the draft's order
    task = open_task(run_id, 4)
    page = people("kasubbag").get(f"/tugas/{task.id}").get_data(as_text=True)
    for i, row in enumerate(IKU_ROWS):
        assert f'name="baris-{i}-indikator"' in page and f'value="{row["indikator"]}"' in page
    assert 'value="1.290"' in page and 'value="83,5"' in page and 'value="4,5"' in page
    merged = [rows_of_unit(spec, [r], r["unit_pj"])[0] for r in draft]
    assert post(people("kasubbag"), task, data=formdata(spec, merged)).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Task, task.id).form_data["baris"]
    assert [r["realisasi"] for r in saved] == [1290, 83.5, 4.5, 6]
    assert [r["realisasi_tw1"] for r in saved] == [310.5, 80.1, 6, 1]

    assert post(people("perencana"), open_task(run_id, 5)).status_code == 303
    assert post(people("perencana"), open_task(run_id, 6), "lewati", catatan="Tidak ada perbaikan").status_code == 303
    # step 7 returns the draft to step 6 once
    assert post(people("kasubbag"), open_task(run_id, 7), "kembali", catatan="TW IV investasi belum sesuai LKPM").status_code == 303
    task = open_task(run_id, 6)
    assert task.attempt == 2
    page = people("perencana").get(f"/tugas/{task.id}").get_data(as_text=True)
    assert "TW IV investasi belum sesuai LKPM" in page and 'value="1.290"' in page
    merged[0]["realisasi_tw4"] = "1.310,25"
    assert post(people("perencana"), task, data=formdata(spec, merged)).status_code == 303
    for username, step in [("kasubbag", 7), ("sekretaris", 8), ("kadis", 9)]:
        assert post(people(username), open_task(run_id, step), "setuju").status_code == 303
    assert post(people("perencana"), open_task(run_id, 10)).status_code == 303

    with portal.test_request_context():
        record = records.latest("pengumpulan_data_kinerja", "data_kinerja", 2026)
        assert record["run_id"] == run_id
        assert [r["realisasi"] for r in record["data"]["baris"]] == [1310.25, 83.5, 4.5, 6]
        assert [r["unit_pj"] for r in record["data"]["baris"]] == [ids[OWNER[i]] for i in range(4)]
        # a bidang asking for its own record gets its own rows
        own_record = records.latest("pengumpulan_data_kinerja", "data_kinerja", 2026, unit=ids["bidang_pelayanan"])
        assert [r["indikator"] for r in own_record["data"]["baris"]] == [IKU_ROWS[1]["indikator"], IKU_ROWS[2]["indikator"]]

    docs = {d.key: d for d in db.session.scalars(select(RunDocument).where(RunDocument.run_id == run_id))}
    assert set(docs) == {"mekanisme", "rekap_realisasi"}
    texts = {}
    for key in docs:
        response = people("kadis").get(f"/pelaksanaan/{run_id}/dokumen/{key}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        (artifacts_dir() / f"data-kinerja-{key}.pdf").write_bytes(response.data)  # looked at as PNG
        reader = PdfReader(io.BytesIO(response.data))
        assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
        texts[key] = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    mekanisme, rekap = texts["mekanisme"], texts["rekap_realisasi"]
    assert "MEKANISME PENGUMPULAN DATA KINERJA" in mekanisme and "RANCANGAN" not in mekanisme
    for row in IKU_ROWS:
        assert row["indikator"] in mekanisme and row["sumber_data"] in mekanisme and row["indikator"] in rekap
    assert "Bidang Pelayanan Perizinan" in mekanisme and "Rekap LKPM Online tiap akhir triwulan" in mekanisme
    assert "Dr. H. Ahmad Suryana, M.Si." in mekanisme and "Dr. H. Ahmad Suryana, M.Si." in rekap
    assert "REKAPITULASI REALISASI KINERJA PER TRIWULAN" in rekap
    for figure in ("310,5", "1.310,25", "83,5", "80,1", "4,5", "1.250"):
        assert figure in rekap, figure
    assert "4 / 4" in rekap


def test_demo_runs_one_finished_one_waiting_on_bidang(app, demo):
    from portal.demo_contoh import create_declared_runs
    from portal.demo_runs import workday_morning
    from portal.models import Run

    with app.test_request_context():
        definition = app.extensions["portal_plugins"].definition("pengumpulan_data_kinerja_tanjabbar")
        assert create_declared_runs(definition, db.session.merge(demo["kadis"]), set(), workday_morning(10)) == 2
        done, waiting = db.session.scalars(select(Run).where(Run.sop_kode == "pengumpulan_data_kinerja").order_by(Run.id))
        assert (done.status, done.return_count, done.tahun) == ("selesai", 1, 2026)
        assert (waiting.status, waiting.current_step_no) == ("berjalan", 3)
        assert len([t for t in waiting.tasks if t.step_no == 3 and t.status == "terbuka"]) == 3
        record = records.latest("pengumpulan_data_kinerja", "data_kinerja", 2026)
        assert record["run_id"] == done.id
        ids = units()
        assert [(r["unit_pj"], r["realisasi"]) for r in record["data"]["baris"]] == [
            (ids["bidang_pengendalian"], 10.6), (ids["bidang_perencanaan"], 6), (ids["bidang_pelayanan"], 83.4),
            (ids["bidang_pelayanan"], 4.7), (ids["sekretariat"], 71.25)]
        stored = {d.key for d in db.session.scalars(select(RunDocument).where(RunDocument.run_id == done.id))}
        assert stored == {"mekanisme", "rekap_realisasi"}
