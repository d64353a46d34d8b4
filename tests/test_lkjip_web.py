"""LKjIP and LAKIP through the web client: a full run of each with one return; the LKjIP's
capaian prefilled from the PK (first agreement), IKU (arah, by indikator), Data Kinerja
(realisasi), earlier LKjIP runs and the Renstra end target, every value editable and its
source named; the report as PDF (rendered without an xhtml2pdf warning) and DOCX holding
the same values; bad input refused beside the field; DOCX and PDF 404 for outsiders."""
import io
import re

from docx import Document
from pypdf import PdfReader

from portal.extensions import db
from portal.forms.samples import to_formdata
from portal.models import Task
from tests import lkjip_support as chain
from tests.test_runner import login

NARASI = {
    "kata_pengantar": "Puji syukur kami panjatkan.\nLaporan ini disusun sesuai Permenpan RB 53/2014.",
    "ikhtisar": "Dua dari tiga indikator mencapai target atau hampir.",
    "latar_belakang": "Latar belakang penyusunan laporan kinerja DPMPTSP.",
    "tugas_fungsi": "Dinas melaksanakan urusan penanaman modal.",
    "isu_strategis": "Iklim investasi belum merata.",
    "kesimpulan": "Kinerja tahun ini baik dengan catatan waktu penerbitan izin.",
    "langkah_ke_depan": "Mempercepat layanan perizinan daring.",
    "penandatangan_nama": "H. YAN ERY, S.Pt, M.Si", "penandatangan_pangkat": "Pembina Utama Muda (IV/c)",
    "penandatangan_nip": "197009301997031003",
    "analisis": [
        {"sasaran": chain.SASARAN_1, "analisis": "Promosi investasi berhasil.", "efisiensi": "Anggaran terserap 96 %.",
         "upaya": "Forum investasi."},
        {"sasaran": chain.SASARAN_2, "analisis": "Waktu izin melebihi target karena verifikasi teknis.",
         "efisiensi": "Efisien.", "upaya": "Integrasi OSS."},
    ],
}


def open_task(run_id):
    db.session.expire_all()
    return chain.open_task(run_id)


def act(web, username, run_id, tindakan="selesai", fields=None, expect=303):
    """Complete the run's open task as ``username`` through the web client."""
    web.post("/keluar")
    login(web, username)
    task = open_task(run_id)
    page = web.get(f"/tugas/{task.id}")
    assert page.status_code == 200
    data = {"tindakan": tindakan, "versi": task.version, **(fields or {})}
    if tindakan == "kembali":
        data["catatan"] = "Analisis sasaran 2 perlu dipertajam."
    response = web.post(f"/tugas/{task.id}/selesaikan", data=data)
    assert response.status_code == expect, response.get_data(as_text=True)[:3000]
    act.body = response.get_data(as_text=True)
    return task, page.get_data(as_text=True)


def value_of(page, name):
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return match and match.group(1)


def earlier_report(other, demo, tahun, realisasi, sop_id="lkjip_tanjabbar"):
    rows = [{**row, "arah": arah, "realisasi": value} for row, arah, value in
            zip(chain.PK_ROWS, ["naik", "naik", "turun"], realisasi)]
    return chain.finish(other, demo, sop_id, tahun, {"capaian": {"baris": rows}}, judul=f"{sop_id} {tahun}")


def test_lkjip_run_prefilled_from_the_chain_report_pdf_and_docx(app, demo, client, tmp_path):
    other = chain.chain_app(app, tmp_path)
    sources = chain.build_chain(other, demo, 2026)
    earlier_report(other, demo, 2024, [400, 75, 10], sop_id="lakip_tanjabbar")  # the older name counts too
    earlier_report(other, demo, 2025, [450, 78, 8])
    run_id = chain.start(other, demo, judul="LKjIP Tahun 2026")
    web = other.test_client()
    act(web, "kadis", run_id)
    act(web, "sekretaris", run_id)

    # step 3: the capaian table opens prefilled, each source named
    web.post("/keluar")
    login(web, "stafppmep")
    task = open_task(run_id)
    page = web.get(f"/tugas/{task.id}").get_data(as_text=True)
    for i, row in enumerate(chain.PK_ROWS):  # only the first agreement (the Kepala Dinas)
        assert value_of(page, f"baris-{i}-indikator") == row["indikator"]
        assert value_of(page, f"baris-{i}-target") == str(row["target"])
    assert value_of(page, "baris-3-indikator") is None and "Indikator eselon III" not in page
    assert [value_of(page, f"baris-{i}-realisasi") for i in range(3)] == ["520", "80", "7"]
    assert [value_of(page, f"baris-{i}-realisasi_lalu_1") for i in range(3)] == ["450", "78", "8"]
    assert [value_of(page, f"baris-{i}-realisasi_lalu_2") for i in range(3)] == ["400", "75", "10"]
    assert [value_of(page, f"baris-{i}-target_akhir") for i in range(3)] == ["800", "90", "3"]
    assert re.search(r'<option[^>]*selected[^>]*value="turun"|<option value="turun" selected', page)
    for key, title in (("pk", "PK Tahun 2026"), ("dk", "Data Kinerja Tahun 2026"), ("iku", "IKU Tahun 2026"),
                       ("renstra", "Renstra 2025-2029")):
        assert f'diisi awal dari <a href="/pelaksanaan/{sources[key]}">{title}</a>' in page, key
    assert "arah <em>turun</em> = target ÷ realisasi × 100" in page and "CAPAIAN_RUMUS_TURUN" in page

    # every prefilled value stays editable: the IKM realisasi is corrected before saving
    spec = other.extensions["portal_plugins"].definition("lkjip_tanjabbar").form("capaian")
    rows = [{**row, "arah": arah, "realisasi": real, "realisasi_lalu_1": l1, "realisasi_lalu_2": l2, "target_akhir": end}
            for row, arah, real, l1, l2, end in zip(chain.PK_ROWS, ["naik", "naik", "turun"], [520, 81, 7],
                                                    [450, 78, 8], [400, 75, 10], [800, 90, 3])]
    act(web, "stafppmep", run_id, fields=to_formdata(spec, {"baris": rows}))
    db.session.expire_all()
    stored = db.session.get(Task, task.id).form_data
    assert [r["capaian"] for r in stored["baris"]] == [104, 95.29, 71.43]
    assert [r["capaian_akhir"] for r in stored["baris"]] == [65, 90, 42.86]
    assert {s["run_id"] for s in stored["_sumber"]} >= {sources["pk"], sources["dk"], sources["iku"], sources["renstra"]}

    # step 4: programs and pagu from the PK's first agreement, realisasi typed
    web.post("/keluar")
    login(web, "kasubbag")
    page = web.get(f"/tugas/{open_task(run_id).id}").get_data(as_text=True)
    assert value_of(page, "baris-0-program") == "Program Pelayanan Penanaman Modal"
    assert value_of(page, "baris-0-pagu") == "1.500.000.000" and value_of(page, "baris-2-program") is None
    anggaran = {"baris-0-program": "Program Pelayanan Penanaman Modal", "baris-0-pagu": "1.500.000.000",
                "baris-0-realisasi": "1.440.000.000", "baris-1-program": "Program Promosi Penanaman Modal",
                "baris-1-pagu": "750.000.000", "baris-1-realisasi": "700.000.000"}
    act(web, "kasubbag", run_id, fields=anggaran)

    # step 5: the sasaran of the analysis table come from the PK, once each
    page = web.get(f"/tugas/{open_task(run_id).id}").get_data(as_text=True)
    assert value_of(page, "analisis-0-sasaran") == chain.SASARAN_1 and value_of(page, "analisis-1-sasaran") == chain.SASARAN_2
    assert value_of(page, "analisis-2-sasaran") is None
    narasi_spec = other.extensions["portal_plugins"].definition("lkjip_tanjabbar").form("narasi")
    act(web, "kasubbag", run_id, fields=to_formdata(narasi_spec, NARASI))

    # step 6 opens with what step 5 wrote; step 7 returns it once, then it goes through
    _, page = act(web, "stafppmep", run_id, fields=to_formdata(narasi_spec, NARASI))
    assert "Puji syukur kami panjatkan." in page
    act(web, "kasubbag", run_id, tindakan="kembali")
    assert open_task(run_id).step_no == 6
    edited = {**NARASI, "kesimpulan": "Kinerja baik; waktu penerbitan izin menjadi prioritas."}
    _, page = act(web, "stafppmep", run_id, fields=to_formdata(narasi_spec, edited))
    assert "Puji syukur kami panjatkan." in page
    act(web, "kasubbag", run_id, tindakan="setuju")
    act(web, "sekretaris", run_id, tindakan="setuju")
    act(web, "kadis", run_id, tindakan="setuju")
    act(web, "stafppmep", run_id)
    assert chain.run_of(run_id).status == "selesai"

    run_page = web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)
    assert f'href="/pelaksanaan/{run_id}/dokumen/laporan.docx"' in run_page
    assert 'class="computed num capaian-merah' in run_page and "(merah)" in run_page

    # the PDF (stored when the run finished; render_pdf refuses any xhtml2pdf warning)
    pdf = web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.pdf")
    assert pdf.status_code == 200
    (tmp_path / "laporan.pdf").write_bytes(pdf.data)  # kept for looking at the pages (pdftoppm)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = re.sub(r"\s+", " ", text)
    for words in ("LAPORAN KINERJA INSTANSI PEMERINTAH", "KATA PENGANTAR", "IKHTISAR EKSEKUTIF", "BAB I PENDAHULUAN",
                  "BAB II PERENCANAAN KINERJA", "BAB III AKUNTABILITAS KINERJA", "BAB IV PENUTUP",
                  "LAMPIRAN: PERJANJIAN KINERJA TAHUN 2026", "Nilai realisasi investasi", "95,29", "71,43", "104",
                  "Rp 1.500.000.000", "Rp 1.440.000.000", "96", "Realisasi 2024", "Puji syukur kami panjatkan.",
                  "waktu penerbitan izin menjadi prioritas", "Promosi investasi berhasil.", "H. YAN ERY, S.Pt, M.Si",
                  "target ÷ realisasi × 100"):
        assert words in flat, words
    assert "RANCANGAN" not in flat

    # the DOCX: same tables, editable
    response = web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    (tmp_path / "laporan.docx").write_bytes(response.data)
    document = Document(io.BytesIO(response.data))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    capaian = next(t for t in tables if t[0][:3] == ["No", "Sasaran", "Indikator kinerja"] and "% Capaian" in t[0])
    assert [row[2] for row in capaian[1:]] == [r["indikator"] for r in chain.PK_ROWS]
    assert [row[-1].split()[0] for row in capaian[1:]] == ["104", "95,29", "71,43"]
    anggaran_table = next(t for t in tables if "% Realisasi" in t[0])
    assert anggaran_table[1][2:] == ["Rp 1.500.000.000", "Rp 1.440.000.000", "96"]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "BAB III AKUNTABILITAS KINERJA" in headings and "KATA PENGANTAR" in headings
    assert "Puji syukur kami panjatkan." in [p.text for p in document.paragraphs]

    # nobody outside the run sees either file
    web.post("/keluar")
    login(web, "kepegawaian")
    assert web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.docx").status_code == 404
    assert web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.pdf").status_code == 404


def test_lakip_full_run_with_one_return(app, demo, client, tmp_path):
    run_id = chain.start(app, demo, sop_id="lakip_tanjabbar", judul="LAKIP Tahun 2026")
    definition = app.extensions["portal_plugins"].definition("lakip_tanjabbar")
    web = app.test_client()
    act(web, "kadis", run_id)
    act(web, "sekretaris", run_id)
    _, page = act(web, "stafppmep", run_id, fields=to_formdata(definition.form("capaian"), {"baris": [
        {"sasaran": "S1", "indikator": "Indeks A", "satuan": "Indeks", "arah": "naik", "target": 0, "realisasi": 5}]}))
    assert "Belum ada pelaksanaan PK yang selesai untuk tahun ini" in page
    act(web, "kasubbag", run_id, fields={"baris-0-program": "Program A", "baris-0-pagu": "100", "baris-0-realisasi": "50"})
    act(web, "kasubbag", run_id, fields=to_formdata(definition.form("narasi"), NARASI))
    act(web, "stafppmep", run_id, fields=to_formdata(definition.form("narasi"), NARASI))
    act(web, "kasubbag", run_id, tindakan="setuju")
    act(web, "sekretaris", run_id, tindakan="kembali")
    assert open_task(run_id).step_no == 6
    act(web, "stafppmep", run_id, fields=to_formdata(definition.form("narasi"), NARASI))
    for user in ("kasubbag", "sekretaris", "kadis"):
        act(web, user, run_id, tindakan="setuju")
    act(web, "stafppmep", run_id)
    assert chain.run_of(run_id).status == "selesai"
    page = web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)
    assert "Target 0: capaian tidak dapat dihitung" in page  # zero target explained on the run page
    pdf = web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.pdf")
    (tmp_path / "lakip.pdf").write_bytes(pdf.data)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "LAPORAN AKUNTABILITAS KINERJA INSTANSI PEMERINTAH" in text and "Target 0: capaian tidak dapat dihitung" in text
    docx = Document(io.BytesIO(web.get(f"/pelaksanaan/{run_id}/dokumen/laporan.docx").data))
    assert any("Indeks A" in cell.text for t in docx.tables for row in t.rows for cell in row.cells)


def test_bad_input_beside_the_field_and_nothing_saved(app, demo, client):
    run_id = chain.start(app, demo)
    web = app.test_client()
    act(web, "kadis", run_id)
    act(web, "sekretaris", run_id)
    task, _ = act(web, "stafppmep", run_id, expect=400, fields={
        "baris-0-sasaran": "S1", "baris-0-indikator": "I1", "baris-0-satuan": "%", "baris-0-arah": "naik",
        "baris-0-target": "delapan puluh", "baris-0-realisasi": "12,5,1"})
    body = act.body
    assert re.search(r'name="baris-0-target"[^>]*>\s*<span class="cell-error"[^>]*>&#34;delapan puluh&#34; bukan angka', body)
    assert re.search(r'name="baris-0-realisasi"[^>]*>\s*<span class="cell-error"[^>]*>&#34;12,5,1&#34; bukan angka', body)
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "terbuka" and db.session.get(Task, task.id).form_data is None

    spec = app.extensions["portal_plugins"].definition("lkjip_tanjabbar").form("capaian")
    act(web, "stafppmep", run_id, fields=to_formdata(spec, {"baris": [
        {"sasaran": "S1", "indikator": "I1", "satuan": "%", "arah": "turun", "target": 5, "realisasi": 0}]}))
    task, _ = act(web, "kasubbag", run_id, expect=400, fields={"baris-0-program": "Program A", "baris-0-realisasi": "50"})
    body = act.body
    assert re.search(r'name="baris-0-pagu"[^>]*>\s*<span class="cell-error"[^>]*>Wajib diisi bila Realisasi \(Rp\) diisi\.', body)
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "terbuka" and db.session.get(Task, task.id).form_data is None
    # the zero realisasi of a "turun" indicator is explained beside its cell on the run page
    page = web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)
    assert "Realisasi 0 pada indikator turun" in page


def test_demo_runs_of_lakip_and_lkjip(app, client):
    from sqlalchemy import select

    from portal.demo import load_demo
    from portal.models import Run, User

    with app.test_request_context():
        load_demo(with_runs=True, sops={"pk_jabar", "iku_tanjabbar", "renstra_tanjabbar", "pengumpulan_data_kinerja_tanjabbar", "lakip_tanjabbar", "lkjip_tanjabbar"})
    runs = {r.judul: r for r in db.session.scalars(select(Run).where(Run.sop_kode.in_(["lakip", "lkjip"])))}
    lakip, done = runs["LAKIP Tahun 2024 (selesai, dikembalikan Sekretaris)"], runs["LKjIP Tahun 2025 (selesai, sekali dikembalikan)"]
    assert (lakip.status, lakip.tahun, done.status, done.tahun, len(runs)) == ("selesai", 2024, "selesai", 2025, 2)
    returned = db.session.scalars(select(Task.step_no).where(Task.run_id.in_([lakip.id, done.id]), Task.outcome == "kembali"))
    assert sorted(returned) == [7, 8]
    # a new LKjIP of 2026 opens step 3 prefilled from the demo PK and names last year's report
    from tests.helpers import advance

    demo = {u.username: u for u in db.session.scalars(select(User))}
    run_id = chain.start(app, demo, judul="LKjIP Tahun 2026")
    advance(app, chain.run_of(run_id), until_step=3)
    login(client, "stafppmep")
    page = client.get(f"/tugas/{open_task(run_id).id}").get_data(as_text=True)
    pk = db.session.scalar(select(Run).where(Run.sop_kode == "pk", Run.status == "selesai", Run.tahun == 2026))
    assert re.search(rf'Kolom [^<]*Indikator kinerja[^<]* diisi awal dari <a href="/pelaksanaan/{pk.id}">', page)
    assert re.search(rf'Kolom [^<]*Realisasi tahun lalu[^<]* diisi awal dari <a href="/pelaksanaan/{done.id}">', page)
    assert "CAPAIAN_RUMUS_TURUN" in page and value_of(page, "baris-0-indikator")
    pdf = client.get(f"/pelaksanaan/{done.id}/dokumen/laporan.pdf")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "Jumlah investor baru" in text and "Rp 2.850.000.000" in text and "83,33" in text  # 6 days against a target of 5
