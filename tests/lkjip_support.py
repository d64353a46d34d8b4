"""The SAKIP chain the LKjIP reads, for tests: stand-in IKU, Data Kinerja and Renstra
definitions (one step each, with the form keys of /work/wt/CHAIN.md) in a drop-in folder,
and helpers that finish runs of them (and of the real PK and LKjIP) with given data."""
from __future__ import annotations

import textwrap
from datetime import timedelta

from sqlalchemy import select

from portal import create_app, runner
from portal.extensions import db
from portal.models import Run, Task

STANDIN = """
[identitas]
id = "{id}"
kode = "{kode}"
versi = "1"
nomor = "UJI/{kode}"
agency = "Dinas Uji"
nama = "Pengganti {kode} untuk uji"
[pelaksana]
perencana = "Perencana"
[[langkah]]
no = 1
kegiatan = "Mengisi {kode}"
pelaksana = "perencana"
waktu = "1 Hari"
output = "Data {kode}"
formulir = "{form}"
"""

FORMS = {
    "iku": """
[[formulir]]
kunci = "iku"
judul = "IKU"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "sasaran"
  judul = "Sasaran"
  [[formulir.kolom]]
  kunci = "indikator"
  judul = "Indikator"
  [[formulir.kolom]]
  kunci = "target"
  judul = "Target"
  tipe = "angka"
  [[formulir.kolom]]
  kunci = "arah"
  judul = "Arah"
  tipe = "pilihan"
  pilihan = ["naik", "turun"]
""",
    "data_kinerja": """
[[formulir]]
kunci = "data_kinerja"
judul = "Data kinerja"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "indikator"
  judul = "Indikator"
  [[formulir.kolom]]
  kunci = "realisasi"
  judul = "Realisasi"
  tipe = "angka"
""",
    "renstra": """
[[formulir]]
kunci = "renstra"
judul = "Renstra"
jenis = "isian"
  [[formulir.isian]]
  kunci = "periode_awal"
  judul = "Awal"
  tipe = "tahun"
  [[formulir.isian]]
  kunci = "periode_akhir"
  judul = "Akhir"
  tipe = "tahun"
  [[formulir.tabel]]
  kunci = "sasaran"
  judul = "Sasaran"
    [[formulir.tabel.kolom]]
    kunci = "indikator"
    judul = "Indikator"
    [[formulir.tabel.kolom]]
    kunci = "kondisi_akhir"
    judul = "Kondisi akhir"
    tipe = "angka"
""",
}

STANDINS = [("iku_uji", "iku", "iku"), ("data_kinerja_uji", "pengumpulan_data_kinerja", "data_kinerja"),
            ("renstra_uji", "renstra", "renstra")]

SASARAN_1 = "Meningkatnya realisasi investasi daerah"
SASARAN_2 = "Meningkatnya kualitas pelayanan perizinan"
PK_ROWS = [
    {"sasaran": SASARAN_1, "indikator": "Nilai realisasi investasi", "target": 500, "satuan": "Miliar Rp"},
    {"sasaran": SASARAN_2, "indikator": "Indeks kepuasan masyarakat", "target": 85, "satuan": "Indeks"},
    {"sasaran": SASARAN_2, "indikator": "Rata-rata waktu penerbitan izin", "target": 5, "satuan": "Hari"},
]
PK_PROGRAMS = [{"program": "Program Pelayanan Penanaman Modal", "anggaran": 1500000000},
               {"program": "Program Promosi Penanaman Modal", "anggaran": 750000000}]


def pk_data() -> dict:
    """A PK whose first agreement (the Kepala Dinas) holds PK_ROWS; a second one must not leak."""
    first = {"pihak1_nama": "H. Kepala Dinas", "pihak1_jabatan": "Kepala Dinas", "pihak1_nip": "197009301997031003",
             "pihak2_nama": "Bupati", "pihak2_jabatan": "Bupati Tanjung Jabung Barat", "pihak2_nip": "196501011990031001",
             "sasaran": PK_ROWS, "program": PK_PROGRAMS}
    second = {**first, "pihak1_nama": "Kabid", "pihak1_nip": "198001012005011001",
              "sasaran": [{"sasaran": "Sasaran eselon III", "indikator": "Indikator eselon III", "target": 1, "satuan": "Dok"}],
              "program": [{"program": "Program eselon III", "anggaran": 1000}]}
    return {"entri": [first, second]}


IKU_ROWS = [  # another order than the PK: rows are matched by indikator
    {"sasaran": SASARAN_2, "indikator": "Rata-rata waktu penerbitan izin", "target": 5, "arah": "turun"},
    {"sasaran": SASARAN_1, "indikator": "Nilai realisasi investasi", "target": 500, "arah": "naik"},
    {"sasaran": SASARAN_2, "indikator": "Indeks kepuasan masyarakat", "target": 85, "arah": "naik"},
]
DATA_KINERJA = [{"indikator": "Indeks kepuasan masyarakat", "realisasi": 80},
                {"indikator": "Nilai realisasi investasi", "realisasi": 520},
                {"indikator": "Rata-rata waktu penerbitan izin", "realisasi": 7}]
RENSTRA = {"periode_awal": 2025, "periode_akhir": 2029, "sasaran": [
    {"indikator": "Nilai realisasi investasi", "kondisi_akhir": 800},
    {"indikator": "Indeks kepuasan masyarakat", "kondisi_akhir": 90},
    {"indikator": "Rata-rata waktu penerbitan izin", "kondisi_akhir": 3}]}


def chain_app(app, tmp_path):
    """An app on the same database with the stand-in IKU, Data Kinerja and Renstra."""
    root = tmp_path / "rantai"
    for sop_id, kode, form in STANDINS:
        folder = root / sop_id
        folder.mkdir(parents=True)
        text = STANDIN.format(id=sop_id, kode=kode, form=form) + FORMS[form]
        (folder / "sop.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(root)))
    assert other.extensions["portal_plugins"].problems == []
    return other


def finish(other, demo, sop_id: str, tahun: int, values: dict, judul: str | None = None) -> int:
    """Start a run of ``sop_id`` for ``tahun`` and complete every step as its pelaksana with
    ``values`` (form key -> data; other forms get sample data); returns the run id."""
    from portal.demo_runs import step_once

    with other.test_request_context():
        definition = other.extensions["portal_plugins"].definition(sop_id)
        starter = db.session.merge(demo["kadis"] if definition.steps[0].actor == "kepala_dinas" else demo["perencana"])
        units = [demo["bidang1"].unit_id] if any(s.fan_out for s in definition.steps) else None
        run = runner.start_run(definition, starter, judul=judul or f"{sop_id} {tahun}", tahun=tahun,
                               unit_id=demo["kadis"].unit_id, fan_out_units=units)
        db.session.commit()
        moment = runner.utcnow()
        for _ in range(40):
            if run.status != "berjalan":
                break
            moment += timedelta(minutes=30)
            step_once(run, moment, form_values=values)
            db.session.commit()
        assert run.status == "selesai", run.status
        return run.id


def build_chain(other, demo, tahun: int = 2026) -> dict[str, int]:
    """Finished PK, IKU, Data Kinerja and Renstra runs for ``tahun`` (Renstra 2025-2029)."""
    return {
        "pk": finish(other, demo, "pk_jabar", tahun, {"perjanjian_kinerja": pk_data()}, judul=f"PK Tahun {tahun}"),
        "iku": finish(other, demo, "iku_uji", tahun, {"iku": {"baris": IKU_ROWS}}, judul=f"IKU Tahun {tahun}"),
        "dk": finish(other, demo, "data_kinerja_uji", tahun, {"data_kinerja": {"baris": DATA_KINERJA}},
                     judul=f"Data Kinerja Tahun {tahun}"),
        "renstra": finish(other, demo, "renstra_uji", 2025, {"renstra": RENSTRA}, judul="Renstra 2025-2029"),
    }


def open_task(run_id: int) -> Task:
    """The run's first open task."""
    return db.session.scalars(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id)).first()


def start(other, demo, sop_id: str = "lkjip_tanjabbar", tahun: int = 2026, judul: str = "LKjIP uji") -> int:
    """Start a LAKIP/LKjIP run as the Kepala Dinas; returns its id."""
    with other.test_request_context():
        definition = other.extensions["portal_plugins"].definition(sop_id)
        run = runner.start_run(definition, db.session.merge(demo["kadis"]), judul=judul, tahun=tahun,
                               unit_id=demo["kadis"].unit_id)
        db.session.commit()
        return run.id


def run_of(run_id: int) -> Run:
    """The run ``run_id``."""
    return db.session.get(Run, run_id)
