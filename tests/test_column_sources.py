"""Column-level sumber: one column of a table prefilled from another SOP's latest finished
record (rows by position), the page names and links the source, the source run is
recorded on completion, no source starts empty, and bad declarations are refused."""
import re
import textwrap

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.forms import column_sources
from portal.forms.spec import FormSpec
from portal.models import FormRecord, Task
from tests.test_records import finish_run
from tests.test_runner import login

REALISASI = """
[identitas]
id = "realisasi_uji"
kode = "realisasi_uji"
versi = "1"
nomor = "1/REAL/2026"
agency = "Dinas Uji"
nama = "Realisasi uji"
[pelaksana]
tim_perencanaan = "Tim Perencanaan"
[[langkah]]
no = 1
kegiatan = "Mengisi realisasi"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "Realisasi"
formulir = "realisasi"
[[formulir]]
kunci = "realisasi"
judul = "Realisasi kinerja"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "indikator"
  judul = "Indikator"
  wajib = true
  sumber = { sop = "SOP_KODE", formulir = "perjanjian_kinerja", tabel = "sasaran" }
  [[formulir.kolom]]
  kunci = "realisasi"
  judul = "Realisasi"
  tipe = "angka"
"""


def consumer(app, tmp_path, sop="pk"):
    folder = tmp_path / "kolom" / "realisasi_uji"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(REALISASI.replace("SOP_KODE", sop)), encoding="utf-8")
    return create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "kolom")))


def start(other, demo) -> int:
    from portal import runner

    with other.test_request_context():
        definition = other.extensions["portal_plugins"].definition("realisasi_uji")
        run = runner.start_run(definition, db.session.merge(demo["perencana"]), judul="Realisasi 2026", tahun=2026,
                               unit_id=demo["kadis"].unit_id)
        db.session.commit()
        return db.session.scalar(select(Task.id).where(Task.run_id == run.id))


def test_column_prefilled_from_another_sop_and_source_recorded(app, demo, client, tmp_path):
    other = consumer(app, tmp_path)
    assert other.extensions["portal_plugins"].problems == []
    web = other.test_client()
    login(web, "perencana")
    empty = web.get(f"/tugas/{start(other, demo)}").get_data(as_text=True)
    assert "Belum ada pelaksanaan PK yang selesai untuk tahun ini; kolom Indikator dimulai kosong." in empty

    pk = finish_run(app, demo, client)
    source = db.session.scalar(select(FormRecord).where(FormRecord.run_id == pk.id, FormRecord.form_key == "perjanjian_kinerja"))
    indicators = [row["indikator"] for entry in source.data["entri"] for row in entry["sasaran"]]
    assert indicators
    task_id = start(other, demo)
    page = web.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert f'Kolom Indikator diisi awal dari <a href="/pelaksanaan/{pk.id}">{pk.judul}</a>' in page
    for i, text in enumerate(indicators):
        assert re.search(rf'<input[^>]*name="baris-{i}-indikator"[^>]*value="{re.escape(text)}"', page), text
    form = {"tindakan": "selesai", "versi": "1", "baris-0-indikator": "Diubah", "baris-0-realisasi": "97,5"}
    assert web.post(f"/tugas/{task_id}/selesaikan", data=form).status_code == 303
    with other.app_context():
        data = db.session.get(Task, task_id).form_data
        assert data["baris"] == [{"indikator": "Diubah", "realisasi": 97.5}]
        assert data["_sumber"] == [{"run_id": pk.id, "sop": "pk", "formulir": "perjanjian_kinerja", "judul": pk.judul}]


def test_unknown_source_sop_is_reported(app, tmp_path):
    problems = [p.reason for p in consumer(app, tmp_path, sop="tidak_ada").extensions["portal_plugins"].problems]
    assert problems == ['formulir realisasi, kolom indikator, field sumber: SOP "tidak_ada" tidak dikenal']


def test_bad_column_source_declarations():
    src = {"sop": "pk", "formulir": "x"}
    with pytest.raises(ValidationError, match="sumber per kolom hanya untuk kolom tabel"):
        FormSpec.model_validate({"kunci": "f", "judul": "F", "jenis": "isian", "isian": [{"kunci": "a", "judul": "A", "sumber": src}]})
    with pytest.raises(ValidationError, match="tidak dapat memakai sumber"):
        FormSpec.model_validate({"kunci": "f", "judul": "F", "jenis": "tabel", "kolom": [
            {"kunci": "a", "judul": "A", "tipe": "angka"}, {"kunci": "b", "judul": "B", "rumus": "a * 2", "sumber": src}]})
    with pytest.raises(ValidationError, match="Extra inputs"):
        FormSpec.model_validate({"kunci": "f", "judul": "F", "jenis": "tabel", "kolom": [
            {"kunci": "a", "judul": "A", "sumber": {**src, "baris": 1}}]})


class Rec:
    def __init__(self, data):
        self.data = data


def test_rows_matched_by_position_existing_values_kept():
    spec = FormSpec.model_validate({"kunci": "f", "judul": "F", "jenis": "isian", "tabel": [{"kunci": "t", "judul": "T", "kolom": [
        {"kunci": "nama", "judul": "Nama"},
        {"kunci": "target", "judul": "Target", "tipe": "angka", "sumber": {"sop": "pk", "formulir": "x", "kolom": "nilai"}}]}]})
    record = Rec({"baris": [{"nilai": 1}, {"nilai": 2.5}, {"nilai": 3}]})
    data, used = column_sources.apply(spec, {"t": [{"nama": "a", "target": 9}, {"nama": "b"}]}, lambda source: record)
    assert data["t"] == [{"nama": "a", "target": 9}, {"nama": "b", "target": 2.5}, {"target": 3}]
    assert [(c.key, r) for c, r in used] == [("target", record)]
    data, used = column_sources.apply(spec, {}, lambda source: None)
    assert data == {} and used[0][1] is None
