"""Shared records, prefill from another SOP (sumber), declared documents (draft, final,
stored once, archived), document settings, and the step form's add/remove endpoint."""
import hashlib
import io
import textwrap

import segno
from pypdf import PdfReader
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import ArchivedDocument, FormRecord, RunDocument, Task
from portal.plugin_api import records
from tests.helpers import advance, form_payload, open_tasks, start_pk
from tests.test_records import finish_run
from tests.test_runner import complete, login

CONSUMER = """
[identitas]
id = "iku_uji"
kode = "iku_uji"
versi = "1"
nomor = "1/IKU/2026"
agency = "Dinas Uji"
nama = "IKU uji"
[pelaksana]
tim_perencanaan = "Tim Perencanaan"
[[langkah]]
no = 1
kegiatan = "Menyusun IKU dari PK"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "IKU"
formulir = "iku"
[[formulir]]
kunci = "iku"
judul = "Indikator kinerja utama"
jenis = "isian"
berulang = true
label_entri = "Perjanjian"
sumber = { sop = "pk", formulir = "perjanjian_kinerja" }
  [[formulir.isian]]
  kunci = "pihak1_nama"
  judul = "Pejabat"
  [[formulir.tabel]]
  kunci = "sasaran"
  judul = "Sasaran"
    [[formulir.tabel.kolom]]
    kunci = "indikator"
    judul = "Indikator"
    wajib = true
    [[formulir.tabel.kolom]]
    kunci = "target"
    judul = "Target"
    tipe = "angka"
"""


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def consumer_app(app, tmp_path):
    folder = tmp_path / "konsumen" / "iku_uji"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(CONSUMER), encoding="utf-8")
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "konsumen")))
    assert other.extensions["portal_plugins"].problems == []
    return other


def start_consumer(other, demo):
    from portal import runner

    with other.test_request_context():
        definition = other.extensions["portal_plugins"].definition("iku_uji")
        run = runner.start_run(definition, db.session.merge(demo["perencana"]), judul="IKU 2026", tahun=2026, unit_id=demo["kadis"].unit_id)
        db.session.commit()
        return run.id, db.session.scalar(select(Task.id).where(Task.run_id == run.id))


def test_records_written_when_the_run_finishes(app, demo, client):
    assert records.latest("pk", "perjanjian_kinerja", 2026) is None
    run = finish_run(app, demo, client)
    rows = list(db.session.scalars(select(FormRecord).where(FormRecord.run_id == run.id).order_by(FormRecord.id)))
    # one record per form (order of [[formulir]]: the shared perjanjian_kinerja is included last)
    assert sorted((r.form_key, r.unit_id) for r in rows) == [("perjanjian_kinerja", run.unit_id),
                                                            ("pk_lanjutan", demo["bidang1"].unit_id)]
    latest = records.latest("pk", "perjanjian_kinerja", 2026)
    assert latest["run_id"] == run.id and latest["sop_id"] == "pk_jabar"
    target = latest["data"]["entri"][0]["sasaran"][0]["target"]
    assert isinstance(target, (int, float)) and "_sumber" not in latest["data"]
    assert records.latest("pk", "perjanjian_kinerja", 2019) is None
    assert records.latest("pk", "pk_lanjutan", 2026, unit=demo["bidang1"].unit_id)["unit_id"] == demo["bidang1"].unit_id


def test_prefill_from_another_sop_names_and_records_the_source(app, demo, client, tmp_path):
    other = consumer_app(app, tmp_path)
    web = other.test_client()
    login(web, "perencana")
    _, task_id = start_consumer(other, demo)
    empty = web.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert "Belum ada pelaksanaan PK_JABAR" not in empty and "Belum ada pelaksanaan PK yang selesai untuk tahun 2026" in empty

    pk = finish_run(app, demo, client)
    source = db.session.scalar(select(FormRecord).where(FormRecord.run_id == pk.id, FormRecord.form_key == "perjanjian_kinerja"))
    first = source.data["entri"][0]
    _, task_id = start_consumer(other, demo)
    page = web.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert f'href="/pelaksanaan/{pk.id}">{pk.judul}</a>' in page
    assert f'value="{first["pihak1_nama"]}"' in page and f'value="{first["sasaran"][0]["indikator"]}"' in page
    form = {"tindakan": "selesai", "versi": "1", "entri-0-pihak1_nama": first["pihak1_nama"],
            "entri-0-sasaran-0-indikator": "Diubah setelah diisi awal", "entri-0-sasaran-0-target": "88,5"}
    assert web.post(f"/tugas/{task_id}/selesaikan", data=form).status_code == 303
    with other.app_context():
        task = db.session.get(Task, task_id)
        assert task.form_data["_sumber"] == [{"run_id": pk.id, "sop": "pk", "formulir": "perjanjian_kinerja", "judul": pk.judul}]
        assert task.form_data["entri"][0]["sasaran"][0] == {"indikator": "Diubah setelah diisi awal", "target": 88.5}


def test_document_draft_then_final_then_archived_copy(app, demo, client):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id])
    login(client, "kadis")
    assert client.get(f"/pelaksanaan/{run.id}/dokumen/pk.pdf").status_code == 404  # step 3 not reached yet
    advance(app, run, until_step=4)
    draft = client.get(f"/pelaksanaan/{run.id}/dokumen/pk.pdf")
    assert draft.status_code == 200 and "perjanjian-kinerja-2026" in draft.headers["Content-Disposition"]
    text = pdf_text(draft.data)
    assert "RANCANGAN" in text and "PERJANJIAN KINERJA TAHUN 2026" in text and "Halaman 1 dari" in text
    step3 = db.session.scalar(select(Task).where(Task.run_id == run.id, Task.step_no == 3))
    entry = step3.form_data["entri"][0]
    nip = entry["pihak1_nip"]
    assert entry["pihak1_nama"] in text and entry["pihak2_nama"] in text
    assert f"NIP. {nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" in text
    advance(app, run, until_step=5)  # step 4 approved: final, still rendered on demand
    assert "RANCANGAN" not in pdf_text(client.get(f"/pelaksanaan/{run.id}/dokumen/pk.pdf").data)
    assert db.session.scalar(select(RunDocument).where(RunDocument.run_id == run.id)) is None
    client.post("/keluar")

    finished = finish_run(app, demo, client, judul="PK dokumen arsip")
    stored = db.session.scalar(select(RunDocument).where(RunDocument.run_id == finished.id))
    archived = db.session.scalar(select(ArchivedDocument).where(ArchivedDocument.run_id == finished.id,
                                                               ArchivedDocument.sha256 == stored.sha256))
    assert archived is not None and archived.filename == f"perjanjian-kinerja-2026-{finished.id}.pdf"
    from portal.models import Setting

    db.session.add(Setting(key="kota", value="Cirebon"))  # a later change must not alter the archived copy
    db.session.commit()
    served = client.get(f"/pelaksanaan/{finished.id}/dokumen/pk.pdf")
    assert hashlib.sha256(served.data).hexdigest() == stored.sha256
    assert "Bandung" in pdf_text(served.data) and "Cirebon" not in pdf_text(served.data)
    result = app.test_cli_runner().invoke(args=["archive", "verify"])
    assert result.exit_code == 0, result.output
    client.post("/keluar")
    login(client, "bappeda")  # no role in the PK SOP
    assert client.get(f"/pelaksanaan/{finished.id}/dokumen/pk.pdf").status_code == 404


def test_document_settings_city_and_logo(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    login(client, "kadis")
    assert client.get("/admin/dokumen").status_code == 403
    client.post("/keluar")
    login(client, "admin")
    bad = client.post("/admin/dokumen", data={"kota": "Cirebon", "logo": (io.BytesIO(b"bukan gambar"), "logo.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "ditolak" in bad.get_data(as_text=True)
    from portal.models import Setting

    assert db.session.get(Setting, "kota") is None  # refused input changes nothing
    png = io.BytesIO()
    segno.make("logo").save(png, kind="png", scale=4)
    ok = client.post("/admin/dokumen", data={"kota": "Cirebon", "logo": (io.BytesIO(png.getvalue()), "logo.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    pdf = client.get(f"/pelaksanaan/{run.id}/dokumen/pk.pdf")
    assert "Cirebon," in pdf_text(pdf.data)
    assert PdfReader(io.BytesIO(pdf.data)).pages[0]["/Resources"]["/XObject"], "logo kop tidak ada"
    from portal.models import AuditEvent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pengaturan"))
    assert event.detail.startswith("Dokumen: kota Cirebon; logo logo.png") and event.user_nama


def test_form_rows_added_with_htmx_and_without_javascript(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    payload = {**form_payload(task), "_ubah": "tambah:entri-0-sasaran", "catatan": "draf"}
    login(client, "kadis")  # not the pelaksana of step 3
    assert client.post(f"/tugas/{task.id}/formulir", data=payload).status_code == 403
    client.post("/keluar")
    login(client, "perencana")
    full = client.post(f"/tugas/{task.id}/formulir", data=payload)
    page = full.get_data(as_text=True)
    assert full.status_code == 200 and "<html" in page and 'name="entri-0-sasaran-2-sasaran"' in page
    assert f'value="{payload["entri-0-sasaran-1-sasaran"]}"' in page and ">draf</textarea>" in page
    fragment = client.post(f"/tugas/{task.id}/formulir", data={**payload, "_ubah": "hapus:entri-0-sasaran-0"},
                           headers={"HX-Request": "true", "HX-Target": "step-form"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="step-form">') and "<html" not in fragment
    assert 'name="entri-0-sasaran-0-sasaran"' not in fragment and 'name="entri-0-sasaran-1-sasaran"' in fragment
    db.session.refresh(task)
    assert task.status == "terbuka" and task.version == 1 and task.form_data is None  # nothing saved
