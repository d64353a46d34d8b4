"""Per-unit branches of a tree form (``cabang``) on a fan-out step, through the web client:
each unit sees and edits only its branches, cannot claim or add a branch, the step after
the fan-out opens with the merged tree; and the definition keys are checked at load."""
import textwrap

import pytest
from sqlalchemy import select

from portal import create_app, runner
from portal.extensions import db
from portal.forms.spec import FormSpec
from portal.models import Task, Unit, User
from portal.plugin_api import records

TOML = """
[identitas]
id = "cabang_uji"
kode = "cabang_uji"
versi = "1"
nomor = "1/CABANG/2026"
agency = "Dinas Uji"
nama = "Pohon per unit"
[pelaksana]
tim_perencanaan = "Tim Perencanaan"
bidang = { label = "Bidang", per_unit = true }
[[langkah]]
no = 1
kegiatan = "Menyusun format"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "Format"
formulir = "pohon"
[[langkah]]
no = 2
kegiatan = "Mengisi cabang"
pelaksana = "bidang"
waktu = "1 Hari"
output = "Format terisi"
fan_out = true
formulir = "pohon"
[[langkah]]
no = 3
kegiatan = "Menggabungkan"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "Rancangan"
formulir = "pohon"
[[formulir]]
kunci = "pohon"
judul = "Pohon"
jenis = "pohon"
cabang = { tingkat = "sasaran", isian = "unit_pj" }
  [[formulir.tingkat]]
  kunci = "tujuan"
  judul = "Tujuan"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian tujuan"
    wajib = true
  [[formulir.tingkat]]
  kunci = "sasaran"
  judul = "Sasaran"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian sasaran"
    wajib = true
    [[formulir.tingkat.isian]]
    kunci = "unit_pj"
    judul = "Unit"
    tipe = "pilihan"
    pilihan = "unit"
    wajib = true
  [[formulir.tingkat]]
  kunci = "program"
  judul = "Program"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian program"
    wajib = true
"""


@pytest.fixture
def branch_app(app, demo, tmp_path):
    folder = tmp_path / "cabang" / "cabang_uji"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(TOML), encoding="utf-8")
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "cabang")))
    assert other.extensions["portal_plugins"].problems == []
    return other


def web(app, username):
    client = app.test_client()
    with app.app_context():
        assert client.post("/masuk", data={"username": username, "password": "sakip2026"}).status_code == 302
    return client


def post(app, client, url, data):
    with app.app_context():
        return client.post(url, data=data)


def get(app, client, url):
    with app.app_context():
        return client.get(url).get_data(as_text=True)


def open_tasks(app, run_id):
    with app.app_context():
        return {t.unit_id: (t.id, t.version) for t in db.session.scalars(
            select(Task).where(Task.run_id == run_id, Task.status == "terbuka"))}


def test_units_edit_only_their_branches_and_the_next_step_sees_the_merge(branch_app):
    app = branch_app
    with app.test_request_context():
        units = {u.kode: u.id for u in db.session.scalars(select(Unit))}
        a, b = units["bidang_perencanaan"], units["bidang_pengendalian"]
        definition = app.extensions["portal_plugins"].definition("cabang_uji")
        user = db.session.scalar(select(User).where(User.username == "perencana"))
        run = runner.start_run(definition, user, judul="Pohon 2026", tahun=2026, unit_id=user.unit_id, fan_out_units=[a, b])
        db.session.commit()
        run_id = run.id
    planner = web(app, "perencana")
    (task1, version), = open_tasks(app, run_id).values()
    tree = {"tindakan": "selesai", "versi": str(version),
            "simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Tujuan bersama",
            "simpul-1-tingkat": "sasaran", "simpul-1-sasaran-uraian": "Sasaran A", "simpul-1-sasaran-unit_pj": str(a),
            "simpul-2-tingkat": "sasaran", "simpul-2-sasaran-uraian": "Sasaran B", "simpul-2-sasaran-unit_pj": str(b),
            "simpul-3-tingkat": "sasaran", "simpul-3-sasaran-uraian": "Sasaran A2", "simpul-3-sasaran-unit_pj": str(a)}
    assert post(app, planner, f"/tugas/{task1}/selesaikan", tree).status_code == 303
    tasks = open_tasks(app, run_id)
    unit_a = web(app, "bidang1")
    form = get(app, unit_a, f"/tugas/{tasks[a][0]}")
    form = form[form.index('id="step-form"'):form.index("</form>", form.index('id="step-form"'))]
    assert 'value="Sasaran A"' in form and 'value="Sasaran A2"' in form and "Sasaran B" not in form
    assert "Tujuan 1 — Tujuan bersama" in form and 'value="tambah:simpul"' not in form

    mine = {"tindakan": "selesai", "versi": str(tasks[a][1]),
            "simpul-0-tingkat": "sasaran", "simpul-0-sasaran-uraian": "Sasaran A (diisi)", "simpul-0-sasaran-unit_pj": str(a),
            "simpul-1-tingkat": "program", "simpul-1-program-uraian": "Program dari unit A",
            "simpul-2-tingkat": "sasaran", "simpul-2-sasaran-uraian": "Sasaran A2", "simpul-2-sasaran-unit_pj": str(a)}
    claimed = dict(mine, **{"simpul-2-sasaran-unit_pj": str(b)})  # hands a branch to unit B: refused
    refused = post(app, unit_a, f"/tugas/{tasks[a][0]}/selesaikan", claimed)
    assert refused.status_code == 400 and "unit pemiliknya" in refused.get_data(as_text=True)
    extra = dict(mine, **{"simpul-3-tingkat": "sasaran", "simpul-3-sasaran-uraian": "Sasaran baru", "simpul-3-sasaran-unit_pj": str(a)})
    refused = post(app, unit_a, f"/tugas/{tasks[a][0]}/selesaikan", extra)
    assert refused.status_code == 400 and "tidak dapat ditambah atau dihapus" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Task, tasks[a][0]).form_data is None
    assert post(app, unit_a, f"/tugas/{tasks[a][0]}/selesaikan", mine).status_code == 303
    assert post(app, unit_a, f"/tugas/{tasks[b][0]}/selesaikan", mine).status_code == 403  # not unit A's task

    unit_b = web(app, "bidang2")
    theirs = {"tindakan": "selesai", "versi": str(tasks[b][1]),
              "simpul-0-tingkat": "sasaran", "simpul-0-sasaran-uraian": "Sasaran B (diisi)", "simpul-0-sasaran-unit_pj": str(b)}
    assert post(app, unit_b, f"/tugas/{tasks[b][0]}/selesaikan", theirs).status_code == 303

    (task3, version3), = open_tasks(app, run_id).values()
    page = get(app, planner, f"/tugas/{task3}")
    for text in ('value="Sasaran A (diisi)"', 'value="Program dari unit A"', 'value="Sasaran B (diisi)"', 'value="Sasaran A2"'):
        assert text in page
    merged = {"tindakan": "selesai", "versi": str(version3),
              "simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Tujuan bersama",
              "simpul-1-tingkat": "sasaran", "simpul-1-sasaran-uraian": "Sasaran A (diisi)", "simpul-1-sasaran-unit_pj": str(a),
              "simpul-2-tingkat": "program", "simpul-2-program-uraian": "Program dari unit A",
              "simpul-3-tingkat": "sasaran", "simpul-3-sasaran-uraian": "Sasaran B (diisi)", "simpul-3-sasaran-unit_pj": str(b),
              "simpul-4-tingkat": "sasaran", "simpul-4-sasaran-uraian": "Sasaran A2", "simpul-4-sasaran-unit_pj": str(a)}
    assert post(app, planner, f"/tugas/{task3}/selesaikan", merged).status_code == 303
    with app.test_request_context():
        shared = records.latest("cabang_uji", "pohon", 2026)["data"]["simpul"][0]["anak"]
    assert [(s["uraian"], s["unit_pj"]) for s in shared] == [("Sasaran A (diisi)", a), ("Sasaran B (diisi)", b), ("Sasaran A2", a)]
    assert shared[0]["anak"][0]["uraian"] == "Program dari unit A"


LEVELS = [{"kunci": "tujuan", "judul": "Tujuan", "isian": [{"kunci": "uraian", "judul": "U"}]},
          {"kunci": "sasaran", "judul": "Sasaran", "isian": [{"kunci": "uraian", "judul": "U"},
                                                             {"kunci": "pj", "judul": "PJ", "tipe": "pilihan", "pilihan": ["A", "B"]}]}]


@pytest.mark.parametrize("extra,message", [
    ({"cabang": {"tingkat": "program", "isian": "pj"}}, 'tingkat "program" tidak ada'),
    ({"cabang": {"tingkat": "sasaran", "isian": "pj"}}, 'harus bertipe pilihan = "unit"'),
])
def test_cabang_is_checked_at_load(extra, message):
    with pytest.raises(ValueError, match=message):
        FormSpec.model_validate({"kunci": "p", "judul": "P", "jenis": "pohon", "tingkat": LEVELS, **extra})


def test_saran_only_on_text_and_column_source_from_one_place():
    with pytest.raises(ValueError, match='saran hanya untuk isian bertipe "teks"'):
        FormSpec.model_validate({"kunci": "t", "judul": "T", "jenis": "tabel", "kolom": [
            {"kunci": "n", "judul": "N", "tipe": "angka", "saran": {"sop": "iku", "formulir": "iku"}}]})
    with pytest.raises(ValueError, match="tabel atau tingkat"):
        FormSpec.model_validate({"kunci": "t", "judul": "T", "jenis": "tabel", "kolom": [
            {"kunci": "n", "judul": "N", "sumber": {"sop": "x", "formulir": "y", "tabel": "a", "tingkat": "b"}}]})
