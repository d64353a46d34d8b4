"""Definition keys for plugin authors: ``sertakan`` (shared forms/documents), ``[[contoh]]``
(declared demo runs made by ``flask demo load``) and ``langkah_dirancang``."""
import json
import textwrap

import pytest
from sqlalchemy import select

from portal.demo import load_demo
from portal.extensions import db
from portal.models import AuditEvent, Run, Task
from portal.plugins import load_plugins
from portal.records import latest
from portal.testing import portal_app

DEFINITION = """
sertakan = ["formulir_bersama.toml"]
[identitas]
id = "uji_contoh"
kode = "uji"
versi = "1"
nomor = "9/UJI/2026"
agency = "Dinas Uji"
nama = "SOP Uji Contoh"
langkah_dirancang = true
[pelaksana]
kepala_dinas = "Kepala Dinas"
bidang = { label = "Bidang", per_unit = true }
[[langkah]]
no = 1
kegiatan = "Menyusun rancangan"
pelaksana = ["kepala_dinas"]
waktu = "30 menit"
output = "Rancangan"
formulir = "rancangan"
[[langkah]]
no = 2
kegiatan = "Memeriksa rancangan"
pelaksana = ["kepala_dinas"]
waktu = "30 menit"
output = "Rancangan diperiksa"
kembali_ke = 1
pemeriksa_berbeda = false
[[langkah]]
no = 3
kegiatan = "Mengisi bahan bidang"
pelaksana = ["bidang"]
waktu = "1 Hari"
output = "Bahan bidang"
fan_out = true
[[contoh]]
judul = "Uji selesai dengan satu pengembalian"
tahun = 2026
kembali = [2]
data = { rancangan = "contoh/rancangan.json" }
[[contoh]]
judul = "Uji menunggu bidang"
sampai_langkah = 3
unit_selesai = 1
"""

SHARED_FORMS = """
[[formulir]]
kunci = "rancangan"
judul = "Rancangan"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "uraian"
  judul = "Uraian"
  wajib = true
"""

DATA = {"baris": [{"uraian": "Sasaran dari berkas contoh"}]}


def write_plugin(folder, definition=DEFINITION, shared=SHARED_FORMS):
    plugin = folder / "uji"
    (plugin / "contoh").mkdir(parents=True)
    (plugin / "sop.toml").write_text(textwrap.dedent(definition), encoding="utf-8")
    (plugin / "formulir_bersama.toml").write_text(textwrap.dedent(shared), encoding="utf-8")
    (plugin / "contoh" / "rancangan.json").write_text(json.dumps(DATA), encoding="utf-8")
    return folder


def test_sertakan_appends_the_sibling_forms(tmp_path):
    registry = load_plugins(write_plugin(tmp_path), builtin=False)
    assert registry.problems == []
    definition = registry.definitions["uji_contoh"]
    assert definition.form("rancangan").title == "Rancangan"
    assert definition.to_dict()["langkah_dirancang"] is True


@pytest.mark.parametrize("shared, message", [
    (SHARED_FORMS + "\n[pelaksana]\nstaf = 'Staf'\n", "hanya [[formulir]] dan [[dokumen]]"),
    ("[[formulir]\n", "tidak dapat dibaca"),
])
def test_sertakan_problems_name_the_file(tmp_path, shared, message):
    registry = load_plugins(write_plugin(tmp_path, shared=shared), builtin=False)
    assert "uji_contoh" not in registry.definitions
    assert any("formulir_bersama.toml" in p.reason and message in p.reason for p in registry.problems)


def test_contoh_naming_a_missing_step_or_file_is_refused(tmp_path):
    broken = DEFINITION.replace("sampai_langkah = 3", "sampai_langkah = 7").replace("contoh/rancangan.json", "contoh/hilang.json")
    registry = load_plugins(write_plugin(tmp_path, definition=broken), builtin=False)
    reasons = " ".join(p.reason for p in registry.problems)
    assert "langkah 7 tidak ada" in reasons and "hilang.json" in reasons


def test_demo_load_makes_the_declared_runs_through_the_runner(tmp_path):
    app = portal_app(tmp_path, plugins_dir=write_plugin(tmp_path / "plugins"), config={"PUBLIC_BASE_URL": "http://portal.test"})
    with app.test_request_context():
        load_demo(with_runs=True)
        finished = db.session.scalar(select(Run).where(Run.judul == "Uji selesai dengan satu pengembalian"))
        waiting = db.session.scalar(select(Run).where(Run.judul == "Uji menunggu bidang"))
        assert finished.status == "selesai" and finished.tahun == 2026
        assert latest("uji", "rancangan", 2026)["data"]["baris"] == DATA["baris"]
        returns = db.session.scalars(select(AuditEvent).where(AuditEvent.run_id == finished.id,
                                                              AuditEvent.action == "kembali")).all()
        assert len(returns) == 1
        assert waiting.status == "berjalan"
        tasks = db.session.scalars(select(Task).where(Task.run_id == waiting.id, Task.step_no == 3)).all()
        assert len(tasks) > 1 and sorted(t.status for t in tasks).count("selesai") == 1
        runs_before = db.session.scalar(select(db.func.count(Run.id)))
        assert load_demo(with_runs=True)["runs_created"] == 0
        assert db.session.scalar(select(db.func.count(Run.id))) == runs_before
