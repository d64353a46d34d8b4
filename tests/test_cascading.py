"""Cascading (cascading_jabar): the definition against seeds 002 (steps) and 001 (identity);
a full run through the web client with per-unit branches on step 4 (a unit cannot post
another unit's branch, the next step sees the merged tree), bad tree input, one return,
every document rendered (render_pdf refuses any xhtml2pdf warning) and holding the
values; last year's tree prefills step 3; PK step 3 prefills from the cascading's sasaran."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal import runner
from portal.demo_runs import actor_for
from portal.extensions import db
from portal.forms import tree_branches
from portal.forms.samples import sample_data, to_formdata
from portal.models import Run, Task, Unit
from portal.plugin_api import records
from portal.sop import load_definition_file
from tests.seeds import seed_text, squash

DEFINITION = "plugins/cascading/sop_jabar.toml"
MONTHS = {"Januari": 1, "Februari": 2, "Maret": 3, "April": 4, "Mei": 5, "Juni": 6, "Juli": 7, "Agustus": 8,
          "September": 9, "Oktober": 10, "November": 11, "Desember": 12}


def seed_steps() -> list[tuple[int, str, str, str, str]]:
    """(no, kegiatan, kelengkapan, durasi, output) of every row of the seed 002 table."""
    rows = []
    for line in seed_text(2).splitlines():
        if re.match(r"^\d+\t", line):
            cells = line.split("\t")
            rows.append((int(cells[0]), cells[1], cells[-4], cells[-3], cells[-2]))
    return rows


def seed_identity() -> dict[str, str]:
    text = seed_text(1)
    sheet = text[text.index("Nomor SOP"):]
    return {key: re.search(rf"^{key}\t(.*)$", sheet, re.M).group(1).strip()
            for key in ("Nomor SOP", "Tanggal Pembuatan", "Tanggal Revisi", "Tanggal Berlaku", "Disahkan", "Nama SOP")}


def iso(text: str) -> str:
    day, month, year = text.split()
    return f"{int(year):04d}-{MONTHS[month]:02d}-{int(day):02d}"


def test_definition_equals_the_seed():
    d = load_definition_file(DEFINITION)
    steps = seed_steps()
    assert len(steps) == 11 == len(d.steps)
    for (no, kegiatan, kelengkapan, waktu, output), step in zip(steps, d.steps):
        assert (step.no, squash(step.kegiatan), step.kelengkapan, step.waktu.text, step.output) == \
            (no, squash(kegiatan), kelengkapan, waktu, output)
    identity = seed_identity()
    assert d.nomor == identity["Nomor SOP"].replace(" ", "") and d.nama == identity["Nama SOP"]
    assert d.tanggal_pembuatan == iso(identity["Tanggal Pembuatan"]) and d.tanggal_efektif == iso(identity["Tanggal Berlaku"])
    assert identity["Tanggal Revisi"] == "" == d.tanggal_revisi and identity["Disahkan"] == "" == d.disahkan_oleh.nama
    sheet = squash(seed_text(1)[seed_text(1).index("Nomor SOP"):])
    for item in d.dasar_hukum + d.kualifikasi_pelaksana + d.keterkaitan + d.peralatan + d.peringatan + d.pencatatan:
        assert squash(item) in sheet
    assert (d.id, d.kode) == ("cascading_jabar", "cascading")
    assert d.step(4).fan_out and d.step(8).optional and d.step(11).handover
    assert d.form("pohon_kinerja").branches.level == "sasaran"
    assert [level.key for level in d.form("pohon_kinerja").levels] == ["tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan"]


# --- the run through the web client ---------------------------------------------------

class Web:
    """A logged-in test client whose every request runs in a fresh app context (a fresh
    ``g``, so the login of one user never leaks into another's request)."""

    def __init__(self, app, username):
        self.app, self.client = app, app.test_client()
        assert self.post("/masuk", data={"username": username, "password": "sakip2026"}).status_code == 302

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)


def client_for(app, username):
    return Web(app, username)


def open_tasks(run_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id)))


def post(app, task, data=None, action=None, user=None):
    step = task.step
    form = {"tindakan": action or ("setuju" if step.decision else "selesai"), "versi": str(task.version),
            "catatan": "uji"}
    form.update(data or {})
    if step.handover and "penerima" not in form:
        from portal.receipts import receiver_candidates

        form["penerima"] = str(receiver_candidates(task.run, task)[0].id)
    username = user or actor_for(task).username
    return client_for(app, username).post(f"/tugas/{task.id}/selesaikan", data=form)


def unit_ids():
    units = {u.kode: u.id for u in db.session.scalars(select(Unit))}
    return units["bidang_perencanaan"], units["bidang_pengendalian"], units["bidang_pelayanan"]


def node(prefix, level, **values):
    out = {f"{prefix}-tingkat": level}
    out.update({f"{prefix}-{level}-{k}": str(v) for k, v in values.items()})
    return out


def step3_tree(u1, u2, u3, *, indikator="Nilai realisasi investasi", target="12,5"):
    form = {}
    form.update(node("simpul-0", "tujuan", uraian="Meningkatnya investasi daerah", indikator="Nilai investasi",
                     target="100", satuan="persen"))
    form.update(node("simpul-1", "sasaran", uraian="Meningkatnya realisasi investasi", indikator=indikator, target=target,
                     satuan="triliun rupiah", unit_pj=u1))
    form.update(node("simpul-2", "sasaran", uraian="Meningkatnya kepuasan layanan perizinan", indikator="Indeks kepuasan masyarakat",
                     target="85", satuan="indeks", unit_pj=u3))
    form.update(node("simpul-3", "sasaran", uraian="Meningkatnya kepatuhan pelaku usaha", indikator="Persentase LKPM tepat waktu",
                     target="70", satuan="persen", unit_pj=u2))
    return form


@pytest.fixture
def cascading_app(app, demo):
    app.config["PUBLIC_BASE_URL"] = "https://sop.dpmptsp.example"
    return app


def start(app, tahun=2027):
    with app.test_request_context():
        definition = app.extensions["portal_plugins"].definition("cascading_jabar")
        starter = db.session.scalar(select(Unit).where(Unit.kode == "sekretariat"))
        from portal.models import User

        user = db.session.scalar(select(User).where(User.username == "kadis"))
        run = runner.start_run(definition, user, judul=f"Cascading {tahun}", tahun=tahun, unit_id=starter.id,
                               fan_out_units=list(unit_ids()))
        db.session.commit()
        return run.id


def test_full_run_with_branches_bad_input_one_return_and_documents(cascading_app):
    app = cascading_app
    run_id = start(app)
    with app.test_request_context():
        u1, u2, u3 = unit_ids()
        for _ in range(2):  # steps 1 and 2
            assert post(app, open_tasks(run_id)[0]).status_code == 303
        task = open_tasks(run_id)[0]
        assert task.step_no == 3
        # bad input: a sasaran without indikator and a target that is not a number
        refused = post(app, task, step3_tree(u1, u2, u3, indikator="", target="dua belas"))
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "Sasaran 1.1 (Indikator sasaran, Target)" in html
        assert 'id="simpul-1-sasaran-indikator-err"' in html and 'id="simpul-1-sasaran-target-err"' in html
        assert 'value="dua belas"' in html
        db.session.expire_all()
        assert db.session.get(Task, task.id).form_data is None and db.session.get(Task, task.id).status == "terbuka"
        assert post(app, task, step3_tree(u1, u2, u3)).status_code == 303

        tasks = {t.unit_id: t for t in open_tasks(run_id)}
        assert set(tasks) == {u1, u2, u3} and all(t.step_no == 4 for t in tasks.values())
        # bidang1 sees only its own branch, without buttons to add or remove branches
        web1 = client_for(app, "bidang1")
        page = web1.get(f"/tugas/{tasks[u1].id}").get_data(as_text=True)
        page = page[page.index('id="step-form"'):]
        page = page[:page.index("</form>")]  # the editable form (earlier steps are shown read-only above it)
        assert 'value="Meningkatnya realisasi investasi"' in page and "kepuasan layanan" not in page and "kepatuhan pelaku" not in page
        assert 'value="tambah:simpul"' not in page and 'value="hapus:simpul-0"' not in page and 'value="anak:simpul-0"' in page
        assert "Tujuan 1 — Meningkatnya investasi daerah" in page
        # another unit's task is not theirs
        assert web1.post(f"/tugas/{tasks[u2].id}/selesaikan", data={"tindakan": "selesai", "versi": "1"}).status_code == 403
        # a structural edit cannot add a branch
        edited = web1.post(f"/tugas/{tasks[u1].id}/formulir", data={**node("simpul-0", "sasaran", uraian="X", indikator="Y", unit_pj=u1),
                                                                    "_ubah": "tambah:simpul"}).get_data(as_text=True)
        assert 'name="simpul-1-tingkat"' not in edited
        # bidang1 fills its branch: a program with a kegiatan
        branch1 = {**node("simpul-0", "sasaran", uraian="Meningkatnya realisasi investasi", indikator="Nilai realisasi investasi",
                          target="12,5", satuan="triliun rupiah", unit_pj=u1, jabatan_pj="Kepala Bidang Perencanaan"),
                   **node("simpul-1", "program", uraian="Program Promosi Penanaman Modal", indikator="Jumlah minat investasi",
                          target="40", satuan="proyek", unit_pj=u1),
                   **node("simpul-2", "kegiatan", uraian="Penyelenggaraan promosi", indikator="Jumlah event promosi",
                          target="6", satuan="kegiatan", unit_pj=u1)}
        assert post(app, tasks[u1], branch1, user="bidang1").status_code == 303
        # bidang2 (pengendalian) posts a branch claiming bidang1's unit: refused, nothing saved
        claim = node("simpul-0", "sasaran", uraian="Meningkatnya realisasi investasi", indikator="Diubah", target="1",
                     satuan="x", unit_pj=u1)
        refused = post(app, tasks[u2], claim, user="bidang2")
        assert refused.status_code == 400 and "Cabang hanya dapat diisi oleh unit pemiliknya" in refused.get_data(as_text=True)
        # ... or an extra branch: refused
        two = {**node("simpul-0", "sasaran", uraian="Meningkatnya kepatuhan pelaku usaha", indikator="Persentase LKPM tepat waktu",
                      target="70", satuan="persen", unit_pj=u2),
               **node("simpul-1", "sasaran", uraian="Sasaran tambahan", indikator="I", target="1", satuan="s", unit_pj=u2)}
        refused = post(app, tasks[u2], two, user="bidang2")
        assert refused.status_code == 400 and "cabang tidak dapat ditambah atau dihapus" in refused.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Task, tasks[u2].id).form_data is None
        branch2 = {**node("simpul-0", "sasaran", uraian="Meningkatnya kepatuhan pelaku usaha", indikator="Persentase LKPM tepat waktu",
                          target="75", satuan="persen", unit_pj=u2),
                   **node("simpul-1", "program", uraian="Program Pengendalian Pelaksanaan Penanaman Modal",
                          indikator="Persentase perusahaan dibina", target="60", satuan="persen", unit_pj=u2)}
        assert post(app, tasks[u2], branch2, user="bidang2").status_code == 303
        # bidang3 hands in its branch as it got it
        spec = app.extensions["portal_plugins"].definition("cascading_jabar").form("pohon_kinerja")
        all_tasks = list(db.session.scalars(select(Task).where(Task.run_id == run_id).order_by(Task.id)))
        mine = to_formdata(tree_branches.branch_spec(spec), tree_branches.unit_sample(spec, all_tasks, u3))
        assert post(app, tasks[u3], mine, user="bidang3").status_code == 303

        # step 5 (the join) opens with the merged tree: every unit's part, bidang1's claim ignored
        task5 = open_tasks(run_id)[0]
        assert task5.step_no == 5
        page = client_for(app, "perencana").get(f"/tugas/{task5.id}").get_data(as_text=True)
        for text in ("Program Promosi Penanaman Modal", "Penyelenggaraan promosi", "Program Pengendalian Pelaksanaan Penanaman Modal",
                     "Meningkatnya kepuasan layanan perizinan", 'value="75"'):
            assert text in page
        assert 'value="Diubah"' not in page and "Sasaran tambahan" not in page
        all_tasks = list(db.session.scalars(select(Task).where(Task.run_id == run_id).order_by(Task.id)))
        merged = tree_branches.current_tree(spec, all_tasks)
        assert post(app, task5, to_formdata(spec, merged)).status_code == 303
        assert post(app, open_tasks(run_id)[0]).status_code == 303  # 6: rapat koordinasi
        ba = {"nomor": "BA/045/ORG/2027", "tanggal": "2027-02-10", "tempat": "Bandung", "verifikator_nama": "Fajar Nugraha, S.Sos.",
              "verifikator_jabatan": "Analis Kelembagaan", "verifikator_nip": "198005052006041012",
              "dinas_nama": "Budi Santoso, S.T., M.P.W.K.", "dinas_jabatan": "Perencana Ahli Muda", "dinas_nip": "198206152008011004",
              "kesimpulan": "Dokumen cascading perlu disesuaikan sesuai catatan",
              "hasil-0-aspek": "Keselarasan sasaran dengan IKU", "hasil-0-hasil": "Perlu penyesuaian",
              "hasil-0-catatan": "Satuan target sasaran 1 diseragamkan"}
        task7 = open_tasks(run_id)[0]
        assert task7.step_no == 7 and post(app, task7, ba).status_code == 303
        task8 = open_tasks(run_id)[0]
        merged["simpul"][0]["anak"][0]["satuan"] = "triliun rupiah (Rp)"
        assert task8.step_no == 8 and post(app, task8, to_formdata(spec, merged)).status_code == 303
        assert post(app, open_tasks(run_id)[0]).status_code == 303  # 9: Sekretaris reviews
        task10 = open_tasks(run_id)[0]
        back = post(app, task10, {"catatan": "Target program promosi disesuaikan"}, action="kembali")
        assert task10.step_no == 10 and back.status_code == 303
        task8 = open_tasks(run_id)[0]
        assert task8.step_no == 8
        page = client_for(app, "perencana").get(f"/tugas/{task8.id}").get_data(as_text=True)
        assert 'value="triliun rupiah (Rp)"' in page  # reopened with the run's current tree
        merged["simpul"][0]["anak"][0]["anak"][0]["target"] = 45
        assert post(app, task8, to_formdata(spec, merged)).status_code == 303
        for expected in (9, 10, 11, 11):  # 11 twice: the hand-over, then the receiver confirms the tanda terima
            task = open_tasks(run_id)[0]
            assert task.step_no == expected and post(app, task).status_code == 303
        db.session.expire_all()
        run = db.session.get(Run, run_id)
        assert run.status == "selesai" and run.return_count == 1

        shared = records.latest("cascading", "pohon_kinerja", 2027)["data"]["simpul"]
        sasaran = shared[0]["anak"]
        assert [s["unit_pj"] for s in sasaran] == [u1, u3, u2]
        assert sasaran[0]["anak"][0]["target"] == 45 and sasaran[2]["target"] == 75 and sasaran[2]["anak"][0]["uraian"].startswith("Program Pengendalian")

        web = client_for(app, "perencana")
        texts = {}
        for key in ("matriks_cascading", "pohon_kinerja", "berita_acara"):
            response = web.get(f"/pelaksanaan/{run_id}/dokumen/{key}.pdf")
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
            texts[key] = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
            assert "RANCANGAN" not in texts[key]
        matrix = texts["matriks_cascading"]
        for value in ("MATRIKS CASCADING KINERJA TAHUN 2027", "Program Promosi Penanaman Modal", "Penyelenggaraan promosi",
                      "Persentase LKPM tepat waktu", "triliun rupiah (Rp)", "12,5", "Bidang Pengendalian"):
            assert value in matrix, value
        assert "POHON KINERJA TAHUN 2027" in texts["pohon_kinerja"]
        ba_text = texts["berita_acara"]
        for value in ("BA/045/ORG/2027", "10 Februari 2027", "Fajar Nugraha", "Keselarasan sasaran dengan IKU",
                      "Satuan target sasaran 1 diseragamkan", "perlu disesuaikan", "19800505 200604 1 012"):
            assert value in ba_text.replace("  ", " "), value
        run_page = web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)
        assert 'class="tree-diagram"' in run_page and 'data-level="kegiatan"' in run_page


def test_diagram_pdf_draws_the_tree_as_an_image():
    """The diagram document embeds the SVG as an image (xhtml2pdf draws no inline SVG)."""
    from portal.forms.tree_svg import tree_svg

    spec = load_definition_file(DEFINITION).form("pohon_kinerja")
    data = {"simpul": [{"tingkat": "tujuan", "uraian": "T", "indikator": "I", "anak": [
        {"tingkat": "sasaran", "uraian": "S1", "indikator": "I1", "target": 12.5, "satuan": "%", "anak": []},
        {"tingkat": "sasaran", "uraian": "S2", "indikator": "I2", "target": 3, "satuan": "x", "anak": []}]}]}
    svg = tree_svg(spec, data)
    assert svg.count('class="tree-box"') == 3 and "Target: 12,5 %" in svg and svg.count("<polyline") == 2


def test_step3_prefills_last_years_tree(cascading_app):
    from portal.testing import run_end_to_end

    last = run_end_to_end(cascading_app, "cascading_jabar", tahun=2026)
    assert last.status == "selesai"
    run_id = start(cascading_app, tahun=2027)
    with cascading_app.test_request_context():
        for _ in range(2):
            assert post(cascading_app, open_tasks(run_id)[0]).status_code == 303
        task = open_tasks(run_id)[0]
        title = db.session.get(Run, last.run_id).judul
        page = client_for(cascading_app, "perencana").get(f"/tugas/{task.id}").get_data(as_text=True)
    assert 'id="prefill"' in page and title in page and f"/pelaksanaan/{last.run_id}" in page
    assert 'value="Indikator sasaran 1"' in page


def test_pk_step3_prefills_sasaran_from_the_cascading_of_the_same_year(cascading_app):
    from portal.testing import run_end_to_end

    source = run_end_to_end(cascading_app, "cascading_jabar", tahun=2027)
    assert source.status == "selesai"
    with cascading_app.test_request_context():
        tree = records.latest("cascading", "pohon_kinerja", 2027)["data"]["simpul"]
        expected = [n for n in tree_nodes(tree) if n["tingkat"] == "sasaran"]
        definition = cascading_app.extensions["portal_plugins"].definition("pk_jabar")
        from portal.models import User

        user = db.session.scalar(select(User).where(User.username == "kadis"))
        run = runner.start_run(definition, user, judul="PK 2027", tahun=2027, unit_id=user.unit_id)
        db.session.commit()
        for _ in range(2):  # step 1 fills the built-in lembar disposisi
            first = open_tasks(run.id)[0]
            spec = first.run.sop.form(first.step.form)
            data = to_formdata(spec, sample_data(spec)) if spec is not None else None
            assert post(cascading_app, first, data).status_code == 303
        task = open_tasks(run.id)[0]
        assert task.step_no == 3
        title = db.session.get(Run, source.run_id).judul
        page = client_for(cascading_app, "perencana").get(f"/tugas/{task.id}").get_data(as_text=True)
    assert "diisi awal dari" in page and title in page and f"/pelaksanaan/{source.run_id}" in page
    for i, sasaran in enumerate(expected):
        assert re.search(rf'name="entri-0-sasaran-{i}-sasaran"[^>]*value="{re.escape(sasaran["uraian"])}"', page)
        assert re.search(rf'name="entri-0-sasaran-{i}-indikator"[^>]*value="{re.escape(sasaran["indikator"])}"', page)
        assert re.search(rf'name="entri-0-sasaran-{i}-target"[^>]*value="{re.escape(number(sasaran["target"]))}"', page)
        assert re.search(rf'name="entri-0-sasaran-{i}-satuan"[^>]*value="{re.escape(sasaran["satuan"])}"', page)


def tree_nodes(nodes):
    for n in nodes or []:
        yield n
        yield from tree_nodes(n.get("anak"))


def number(value):
    from portal.forms.fields import number_text

    return number_text(value)


IKU_TOML = """
[identitas]
id = "iku_saran_uji"
kode = "iku"
versi = "1"
nomor = "1/IKU/UJI"
agency = "Dinas Uji"
nama = "IKU uji (sumber saran)"
[pelaksana]
tim_perencanaan = "Tim Perencanaan"
[[langkah]]
no = 1
kegiatan = "Menyusun IKU"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "IKU"
formulir = "iku"
[[formulir]]
kunci = "iku"
judul = "IKU"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "sasaran"
  judul = "Sasaran strategis"
  wajib = true
  [[formulir.kolom]]
  kunci = "indikator"
  judul = "Indikator kinerja utama"
  wajib = true
"""


def test_iku_sasaran_are_offered_on_the_sasaran_level(cascading_app, tmp_path):
    from portal import create_app
    from portal.testing import run_end_to_end

    folder = tmp_path / "iku_dropin" / "iku_uji"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(IKU_TOML, encoding="utf-8")
    app = create_app(dict(cascading_app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "iku_dropin")))
    assert run_end_to_end(app, "iku_saran_uji", tahun=2027).status == "selesai"
    run_id = start(app, tahun=2027)
    with app.test_request_context():
        for _ in range(2):
            assert post(app, open_tasks(run_id)[0]).status_code == 303
        task = open_tasks(run_id)[0]
        page = client_for(app, "perencana").post(f"/tugas/{task.id}/formulir", data={  # + Sasaran under the tujuan
            "simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Tujuan", "_ubah": "anak:simpul-0"}).get_data(as_text=True)
    datalist = re.search(r'<datalist id="simpul-1-sasaran-uraian-saran">(.*?)</datalist>', page, re.S)
    assert datalist and '<option value="Sasaran strategis 1">' in datalist.group(1) and '<option value="Sasaran strategis 2">' in datalist.group(1)
    assert re.search(r'name="simpul-1-sasaran-uraian"[^>]*list="simpul-1-sasaran-uraian-saran"', page) or \
        re.search(r'list="simpul-1-sasaran-uraian-saran"[^>]*name="simpul-1-sasaran-uraian"', page)
    assert '<datalist id="simpul-1-sasaran-indikator-saran">' in page
