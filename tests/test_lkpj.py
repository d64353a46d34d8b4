"""LKPJ DPMPTSP Provinsi Jawa Barat (62/47/SEKRT/2023): identity sheet against seed 000,
drafted steps, the capaian table prefilled from the year's PK, bad input, a full run with a
return, and the landscape recap."""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.sop import load_definition_file
from tests.run_driver import as_user, drive, start
from tests.seeds import seed_text, squash
from tests.test_pk_bkpsdm import AGREEMENT

LKPJ = "plugins/lkpj/sop_jabar.toml"


def _identity_sheet() -> dict[str, str]:
    """Seed 000's LKPJ identity sheet (tab-separated label/value lines and two-column boxes)."""
    text = seed_text(0)
    sheet = text[text.index("Nomor SOP\t62/ 47"):]
    fields = dict(line.split("\t", 1) for line in sheet.splitlines()[:6])
    boxes = re.split(r"\n(?:KETERKAITAN|PERINGATAN)\t[^\n]*\n", sheet[sheet.index("DASAR HUKUM"):])
    return {**fields, "boxes": boxes}


def _items(box: str) -> list[str]:
    """The numbered items of an <ol> cell."""
    return [squash(i) for i in re.split(r"\d+\. ", box) if squash(i)]


def test_identity_sheet_equals_seed_000():
    sheet = _identity_sheet()
    d = load_definition_file(LKPJ)
    assert d.nomor == sheet["Nomor SOP"].replace(" ", "")
    assert d.nama == sheet["Nama SOP"]
    assert sheet["Tanggal Pembuatan"] == sheet["Tanggal Berlaku"] == "27 Juni 2023"
    assert d.tanggal_pembuatan == d.tanggal_efektif == "2023-06-27"
    assert sheet["Tanggal Revisi"].strip() == d.tanggal_revisi == ""
    assert sheet["Disahkan"].strip() == "" and d.disahkan_oleh.jabatan == d.disahkan_oleh.nama == d.disahkan_oleh.nip == ""
    hukum, kualifikasi = sheet["boxes"][0].split("\n", 1)[1].split("\t")
    keterkaitan, peralatan = sheet["boxes"][1].split("\t")
    peringatan, pencatatan = sheet["boxes"][2].split("\t")
    assert list(d.dasar_hukum) == _items(hukum.replace('<ol style="list-style-type: none">', ""))
    assert list(d.kualifikasi_pelaksana) == _items(kualifikasi.replace('<ol style="list-style-type: none">', ""))
    assert list(d.keterkaitan) == _items(keterkaitan.replace('<ol style="list-style-type: none">', ""))
    assert list(d.peralatan) == [squash(peralatan)]
    assert list(d.peringatan) == [squash(peringatan)] and list(d.pencatatan) == [squash(pencatatan)]
    assert d.agency.upper() in squash(seed_text(0)) and d.pemerintah.upper() in squash(seed_text(0))


def test_drafted_steps_follow_the_jawa_barat_pattern():
    d = load_definition_file(LKPJ)
    assert [s.no for s in d.steps] == list(range(1, 8))
    assert d.steps[0].kegiatan.startswith("Mendisposisi") and d.steps[0].actor == "kepala_dinas"
    assert d.step(3).fan_out and d.step(3).actor == "tim_urusan"
    assert d.step(4).form == "capaian_lkpj"
    assert {s.no: s.decision for s in d.steps if s.decision} == {5: 4, 6: 4}
    assert d.steps[-1].handover and d.steps[-1].receiver == "bappeda"
    columns = [c.key for c in d.form("capaian_lkpj").columns]
    for key in ("urusan", "program", "kegiatan", "indikator", "satuan", "target", "realisasi", "capaian", "alokasi",
                "realisasi_anggaran", "capaian_anggaran", "permasalahan", "upaya", "tindak_lanjut"):
        assert key in columns  # CHAIN.md: the keys other SOPs read
    assert d.document("rekap_lkpj").orientation == "lanskap"


CAPAIAN = {"baris": [{
    "urusan": "Penanaman Modal", "program": "Program Pelayanan Penanaman Modal", "kegiatan": "Pelayanan Perizinan Berusaha",
    "indikator": "Persentase ASN yang memenuhi standar kompetensi", "satuan": "persen", "target": 87.5, "realisasi": 92,
    "arah": "naik", "alokasi": 1250000000, "realisasi_anggaran": 1125000000, "permasalahan": "Sistem OSS sering gangguan",
    "upaya": "Koordinasi dengan Kementerian Investasi", "tindak_lanjut": "Rekomendasi DPRD Nomor 12 ditindaklanjuti"}]}


def _row(**values):
    row = {"urusan": "Penanaman Modal", "program": "Program Pelayanan Penanaman Modal", "kegiatan": "Pelayanan Perizinan Berusaha",
           "indikator": "Persentase ASN yang memenuhi standar kompetensi", "satuan": "persen", "target": "87,5",
           "realisasi": "92", "arah": "naik", "alokasi": "1.250.000.000", "realisasi_anggaran": "1.125.000.000",
           "permasalahan": "Sistem OSS sering gangguan", "upaya": "Koordinasi dengan Kementerian Investasi",
           "tindak_lanjut": "Rekomendasi DPRD Nomor 12 ditindaklanjuti"}
    values = {**row, **values}
    return {f"baris-0-{k}": v for k, v in values.items()}


def _finished_pk(app):
    run_id = start(app, "pk_bkpsdm", "kasubbag", judul="PK 2027 sumber LKPJ")
    drive(app, run_id, forms={"perjanjian_kinerja": AGREEMENT})
    return run_id


def _task(run_id):
    from portal.models import Task

    with app_ctx():
        return db.session.scalar(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id))


def app_ctx():
    from flask import current_app

    return current_app.test_request_context()


def test_capaian_prefilled_from_the_pk_bad_input_refused_and_a_full_run(app, demo):
    pk_run = _finished_pk(app)
    run_id = start(app, "lkpj_jabar", "kadis", judul="LKPJ 2027")
    drive(app, run_id, until=4)
    task = _task(run_id)
    page = as_user(app, "perencana", "GET", f"/tugas/{task.id}").get_data(as_text=True)
    # indikator, satuan and target from the PK of the same year, naming that run
    assert 'value="Persentase ASN yang memenuhi standar kompetensi"' in page and 'value="87,5"' in page
    assert f"/pelaksanaan/{pk_run}" in page and "PK 2027 sumber LKPJ" in page
    base = {"tindakan": "selesai", "versi": str(task.version), "catatan": ""}
    for bad, field, message in ((_row(target="dua puluh"), "target", "bukan angka"),
                                (_row(indikator=""), "indikator", "Wajib diisi."),
                                (_row(alokasi="-5.000.000"), "alokasi", "Paling kecil 0.")):
        response = as_user(app, "perencana", "POST", f"/tugas/{task.id}/selesaikan", {**base, **bad})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert re.search(rf'id="baris-0-{field}-err"[^>]*>[^<]*{re.escape(message)}', html), field
        with app_ctx():
            from portal.models import Task

            again = db.session.get(Task, task.id)
            assert again.status == "terbuka" and again.form_data is None  # nothing saved
    good = as_user(app, "perencana", "POST", f"/tugas/{task.id}/selesaikan", {**base, **_row()})
    assert good.status_code == 303
    driven = drive(app, run_id, returns={6: None}, forms={"capaian_lkpj": CAPAIAN})
    assert [no for no, _, _ in driven.done] == [5, 6, 4, 5, 6, 7, 7]  # 7 twice: hand-over, receiver confirms
    from portal.models import Run

    with app_ctx():
        run = db.session.get(Run, run_id)
        assert run.status == "selesai" and run.return_count == 1
        saved = [t for t in run.tasks if t.step_no == 4 and t.form_data][0].form_data["baris"][0]
        assert saved["capaian"] == 105.14 and saved["capaian_anggaran"] == 90
        assert run.tasks[-1].form_data is None
    response = as_user(app, "kadis", "GET", f"/pelaksanaan/{run_id}/dokumen/rekap_lkpj.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for value in ("LAPORAN KETERANGAN PERTANGGUNGJAWABAN (LKPJ) TAHUN 2027", "Urusan: Penanaman Modal",
                  "Program Pelayanan Penanaman Modal", "Persentase ASN yang memenuhi standar kompetensi", "87,5",
                  "105,14", "1.250.000.000", "1.125.000.000", "90", "Sistem OSS sering gangguan",
                  "Rekomendasi DPRD Nomor 12 ditindaklanjuti", "Dr. H. Ahmad Suryana, M.Si."):
        assert value in text, value
    assert "RANCANGAN" not in text


def test_nip_not_18_digits_is_refused_beside_the_field(app, demo):
    run_id = start(app, "pk_bkpsdm", "kasubbag", judul="PK NIP salah")
    drive(app, run_id, until=2)
    task = _task(run_id)
    from portal.forms.samples import to_formdata

    with app_ctx():
        from portal.models import Task

        spec = db.session.get(Task, task.id).run.sop.form("perjanjian_kinerja")
    data = to_formdata(spec, AGREEMENT)
    data["entri-0-pihak1_nip"] = "19781212200312"
    response = as_user(app, "stafppmep", "POST", f"/tugas/{task.id}/selesaikan",
                       {"tindakan": "selesai", "versi": str(task.version), **data})
    assert response.status_code == 400
    assert re.search(r'id="entri-0-pihak1_nip-err"[^>]*>NIP harus terdiri dari 18 angka', response.get_data(as_text=True))
    with app_ctx():
        from portal.models import Task

        assert db.session.get(Task, task.id).status == "terbuka"


def test_designed_steps_said_on_the_sop_page_in_the_export_and_in_the_sop_document(app, demo):
    import json

    exported = {d["id"]: d for d in json.loads(app.test_cli_runner().invoke(args=["sop", "export", "--json"]).output)}
    assert exported["lkpj_jabar"]["langkah_dirancang"] is True
    assert exported["pk_jabar"]["langkah_dirancang"] is exported["pk_bkpsdm"]["langkah_dirancang"] is False
    page = as_user(app, "stafppmep", "GET", "/sop/lkpj_jabar").get_data(as_text=True)
    assert 'id="langkah-dirancang"' in page and "disusun berdasarkan SOP sejenis" in page
    assert 'id="langkah-dirancang"' not in as_user(app, "stafppmep", "GET", "/sop/pk_bkpsdm").get_data(as_text=True)
    response = as_user(app, "stafppmep", "GET", "/sop/lkpj_jabar/dokumen.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages]
    assert all("Langkah dirancang berdasarkan SOP sejenis, bukan dari dokumen SOP instansi" in p for p in pages)  # footer
    assert all("Bagan Alir Prosedur (langkah dirancang dari SOP sejenis)" in p for p in pages[1:])
    assert "62/47/SEKRT/2023" in pages[0] and "Penyusunan Laporan Keterangan Pertanggungjawaban" in pages[0]


def test_declared_demo_runs_stop_at_their_stage(app, demo):
    from portal.demo_contoh import create_declared_runs
    from portal.demo_runs import workday_morning
    from portal.documents import stored_documents
    from portal.models import Run, User

    registry = app.extensions["portal_plugins"]
    with app.test_request_context():
        kasubbag = db.session.scalar(select(User).where(User.username == "kasubbag"))
        kadis = db.session.scalar(select(User).where(User.username == "kadis"))
        started = workday_morning(10)
        assert create_declared_runs(registry.definition("pk_bkpsdm"), kasubbag, set(), started) == 2
        assert create_declared_runs(registry.definition("lkpj_jabar"), kadis, set(), started) == 2
        runs = {r.judul: r for r in db.session.scalars(select(Run))}
        pk_done = runs["PK BKPSDM Tahun 2025 (selesai, sekali ditolak Kepala Badan)"]
        assert (pk_done.status, pk_done.return_count) == ("selesai", 1)
        waiting = runs["PK BKPSDM Tahun 2026 (menunggu tanda tangan bidang)"]
        step3 = sorted(t.status for t in waiting.tasks if t.step_no == 3)
        assert step3 == ["selesai", "selesai", "terbuka", "terbuka"]
        lkpj_done = runs["LKPJ Tahun 2025 (selesai, sekali dikembalikan Kepala Dinas)"]
        assert (lkpj_done.status, lkpj_done.return_count) == ("selesai", 1)
        assert [d.key for d in stored_documents(lkpj_done)] == ["rekap_lkpj"]
        drafting = runs["LKPJ Tahun 2026 (penyusunan rancangan, diisi awal dari PK 2026)"]
        assert {t.step_no for t in drafting.tasks if t.status == "terbuka"} == {4}
        lkpj_id = lkpj_done.id
    response = as_user(app, "kadis", "GET", f"/pelaksanaan/{lkpj_id}/dokumen/rekap_lkpj.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Jumlah minat investasi yang difasilitasi" in text and "Urusan: Penunjang Urusan Pemerintahan Daerah" in text
