"""The IKU plugin end to end through the web client: both versions run from the first
step to the end with one return, the documents print with the entered values and no
xhtml2pdf warning, and bad input in the IKU table is refused beside its cell."""
import io
import logging
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ArchivedDocument, Receipt, Run, RunDocument, Task
from tests.browser_support import ARTIFACTS
from tests.helpers import open_tasks

# who acts for each lane in the demo organisation
ACTORS = {"kepala_dinas": "kadis", "sekretaris": "sekretaris", "tim_perencanaan": "perencana", "bappeda": "bappeda",
          "tim_sakip": "kasubbag", "staf": "stafppmep", "perencana": "perencana"}

ROWS = [
    {"sasaran": "Meningkatnya realisasi investasi", "indikator": "Nilai realisasi investasi PMA dan PMDN",
     "definisi": "Jumlah nilai investasi yang dilaporkan dalam LKPM", "alasan": "Mengukur hasil promosi investasi",
     "satuan": "Triliun Rupiah", "target": "250,5", "arah": "naik", "sumber_data": "Laporan LKPM",
     "penanggung_jawab": "Bidang Pengendalian"},
    {"sasaran": "Meningkatnya kualitas pelayanan perizinan", "indikator": "Rata-rata lama penyelesaian izin",
     "definisi": "Jumlah hari kerja penyelesaian dibagi jumlah izin terbit", "alasan": "",
     "satuan": "Hari", "target": "3", "arah": "turun", "sumber_data": "Aplikasi perizinan",
     "penanggung_jawab": "Bidang Pelayanan Perizinan"},
]

BERITA_ACARA = {
    "nomor": "050/BA-DESK/IKU/2026", "tanggal": "2026-03-12", "tempat": "Ruang rapat Bappeda",
    "diperiksa": "Rancangan IKU DPMPTSP Provinsi Jawa Barat tahun 2026",
    "kesimpulan": "Dapat dilanjutkan dengan perbaikan sesuai temuan",
    "bappeda_nama": "Nia Kurniasih, S.E.", "bappeda_jabatan": "Perencana Ahli Muda", "bappeda_nip": "198611112011012013",
    "dinas_nama": "Budi Santoso, S.T.", "dinas_jabatan": "Perencana Ahli Muda", "dinas_nip": "198206152008011004",
    "temuan-0-uraian": "Definisi operasional indikator waktu penyelesaian izin belum menyebut hari kerja",
    "temuan-0-tindak_lanjut": "Tambahkan hari kerja pada formulasi",
}


def table_form(rows) -> dict[str, str]:
    """The IKU table as the browser posts it."""
    return {f"baris-{i}-{key}": value for i, row in enumerate(rows) for key, value in row.items()}


def login(client, username):
    client.post("/keluar")
    password = "admin2026" if username == "admin" else "sakip2026"
    assert client.post("/masuk", data={"username": username, "password": password}).status_code == 302


def start(client, sop_id, judul):
    login(client, "kadis")
    response = client.post(f"/pelaksanaan/baru/{sop_id}", data={"judul": judul, "tahun": "2026"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Run).where(Run.judul == judul))


def act(client, run, step_no, action="selesai", **data):
    """The open task of ``run`` at ``step_no``, completed by the lane's demo user."""
    [task] = open_tasks(run.id)
    assert task.step_no == step_no
    login(client, ACTORS[task.role_key])
    assert client.get(f"/tugas/{task.id}").status_code == 200
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": action, "versi": task.version, **data})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    return task


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def fetch_pdf(client, run, kind, caplog):
    """The run's document ``kind`` through the web client; fails on any xhtml2pdf warning.
    A copy goes to test-artifacts/ (git-ignored) for looking at the pages."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="xhtml2pdf"):
        response = client.get(f"/pelaksanaan/{run.id}/dokumen/{kind}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert not [r for r in caplog.records if r.name.startswith("xhtml2pdf")]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"iku-{run.sop_id}-{kind}.pdf").write_bytes(response.data)
    return response.data


def test_jabar_full_run_with_return_desk_and_archive(app, demo, client, caplog):
    run = start(client, "iku_jabar", "IKU Jawa Barat 2026")
    for no in (1, 2, 3):
        act(client, run, no)
    first = [dict(ROWS[0], target="240")] + ROWS[1:]
    act(client, run, 4, **table_form(first))
    act(client, run, 5, "kembali", catatan="Target investasi disesuaikan dengan RPJMD")
    [again] = open_tasks(run.id)
    assert again.step_no == 4 and again.attempt == 2
    login(client, "perencana")
    page = client.get(f"/tugas/{again.id}").get_data(as_text=True)
    assert "Target investasi disesuaikan dengan RPJMD" in page and 'value="240"' in page
    act(client, run, 4, **table_form(ROWS))
    act(client, run, 5, "setuju")
    assert client.get(f"/pelaksanaan/{run.id}/dokumen/berita_acara.pdf").status_code == 404  # from step 7 on
    act(client, run, 6)
    [desk] = open_tasks(run.id)
    login(client, "bappeda")
    refused = client.post(f"/tugas/{desk.id}/selesaikan", data={
        "tindakan": "selesai", "versi": desk.version, **dict(BERITA_ACARA, bappeda_nip="1986111120", **{"temuan-0-uraian": ""})})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="bappeda_nip-err"' in html and 'id="temuan-0-uraian-err"' in html
    db.session.expire_all()
    assert db.session.get(Task, desk.id).status == "terbuka"
    act(client, run, 7, **BERITA_ACARA)
    [revision] = open_tasks(run.id)
    login(client, "perencana")
    page = client.get(f"/tugas/{revision.id}").get_data(as_text=True)
    assert 'value="250,5"' in page and "Aplikasi perizinan" in page  # step 8 opens with step 4's table
    revised = [dict(ROWS[1], definisi="Jumlah hari kerja penyelesaian dibagi jumlah izin terbit (hari kerja)")]
    act(client, run, 8, **table_form([ROWS[0]] + revised))
    act(client, run, 9, "setuju")
    act(client, run, 10, "setuju")
    draft = pdf_text(fetch_pdf(client, run, "iku", caplog))
    assert "RANCANGAN" in draft  # the run has not finished yet
    act(client, run, 11, penerima=demo["bappeda"].id)
    act(client, run, 11)  # the receiver (Bappeda) confirms the tanda terima

    db.session.refresh(run)
    assert run.status == "selesai"
    receipt = db.session.scalar(select(Receipt).where(Receipt.run_id == run.id))
    assert receipt.receiver["nama"].startswith("Nia Kurniasih")
    assert sorted(d["filename"] for d in receipt.documents) == [f"berita-acara-desk-iku-2026-{run.id}.pdf", f"iku-2026-{run.id}.pdf"]
    archived = {d.filename for d in db.session.scalars(select(ArchivedDocument).where(ArchivedDocument.run_id == run.id))}
    assert {f"iku-2026-{run.id}.pdf", f"berita-acara-desk-iku-2026-{run.id}.pdf"} <= archived

    text = pdf_text(fetch_pdf(client, run, "iku", caplog))
    for value in ("INDIKATOR KINERJA UTAMA", "TAHUN 2026", "Nilai realisasi investasi PMA dan PMDN", "250,5", "Triliun Rupiah",
                  "Rata-rata lama penyelesaian izin", "(hari kerja)", "turun", "Laporan LKPM", "Bidang Pelayanan Perizinan",
                  "Dokumen IKU yang sudah divalidasi", "Dr. H. Ahmad Suryana", "19700512 199503 1 002"):
        assert value in text, value
    assert "RANCANGAN" not in text and "240" not in text
    ba = pdf_text(fetch_pdf(client, run, "berita_acara", caplog))
    for value in ("BERITA ACARA", "050/BA-DESK/IKU/2026", "12 Maret 2026", "Ruang rapat Bappeda", "belum menyebut hari kerja",
                  "Tambahkan hari kerja", "Nia Kurniasih", "19861111 201101 2 013", "Budi Santoso", "dengan perbaikan"):
        assert value in ba, value
    record = db.session.scalar(select(RunDocument).where(RunDocument.run_id == run.id, RunDocument.key == "iku"))
    assert len(record.sha256) == 64


def test_tanjabbar_full_run_returned_from_step_5(app, demo, client, caplog):
    run = start(client, "iku_tanjabbar", "IKU Tanjung Jabung Barat 2026")
    empty = pdf_text(fetch_pdf(client, run, "iku", caplog))
    assert "Tabel IKU belum diisi." in empty and "RANCANGAN" in empty and "(....." in empty  # no signer yet
    act(client, run, 1)
    act(client, run, 2)
    act(client, run, 3, **table_form(ROWS))
    act(client, run, 4, **table_form([dict(ROWS[0], satuan="Triliun")] + ROWS[1:]))
    act(client, run, 5, "kembali", catatan="Satuan salah ketik, perbaiki")
    [again] = open_tasks(run.id)
    assert (again.step_no, again.role_key, again.attempt) == (4, "staf", 2)
    act(client, run, 4, **table_form(ROWS))
    act(client, run, 5, "setuju")
    for no in (6, 7, 8, 9):
        act(client, run, no)
    db.session.refresh(run)
    assert run.status == "selesai"
    text = pdf_text(fetch_pdf(client, run, "iku", caplog))
    for value in ("DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU KABUPATEN TANJUNG JABUNG BARAT",
                  "Nilai realisasi investasi PMA dan PMDN", "250,5", "Triliun Rupiah", "Aplikasi perizinan",
                  "Dokumen IKU yang sudah divalidasi", "Dr. H. Ahmad Suryana"):
        assert value in text, value
    assert "RANCANGAN" not in text


def test_bad_iku_input_is_refused_beside_the_cell(app, demo, client):
    run = start(client, "iku_tanjabbar", "IKU salah isi")
    act(client, run, 1)
    act(client, run, 2)
    [task] = open_tasks(run.id)
    login(client, "kasubbag")
    bad = table_form([dict(ROWS[0], target="dua ratus"), dict(ROWS[1], indikator="", arah="stabil")])
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **bad})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    messages = re.findall(r'class="cell-error" id="([^"]+)"[^>]*>([^<]*)<', html)
    assert ("baris-0-target-err", "&#34;dua ratus&#34; bukan angka (titik untuk ribuan, koma untuk desimal: 1.234.567,89)") in messages
    assert ("baris-1-indikator-err", "Wajib diisi.") in messages and ("baris-1-arah-err", "Pilihan tidak dikenal.") in messages
    assert html.count('class="cell-error"') >= 3
    assert 'id="baris-0-target-err"' in html and 'id="baris-1-indikator-err"' in html and 'id="baris-1-arah-err"' in html
    assert 'value="dua ratus"' in html  # what was typed stays in the form
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "terbuka" and task.form_data is None
    assert db.session.scalar(select(func.count(Task.id)).where(Task.run_id == run.id)) == 3
