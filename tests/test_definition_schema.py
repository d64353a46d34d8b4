"""The definition schema (pydantic): unknown keys refused with file, section, step and
field; [[formulir]] / [[dokumen]] / per_unit lanes; cross-checks on Admin -> Plugin."""
import json
import textwrap

import pytest

from portal import create_app
from portal.plugins import load_plugins
from portal.sop import DefinitionError, load_definition_file
from tests.test_plugins import GOOD_TOML, make_plugin

FORM = """
[[formulir]]
kunci = "capaian"
judul = "Capaian"
jenis = "tabel"
  [[formulir.kolom]]
  kunci = "target"
  judul = "Target"
  tipe = "angka"
  [[formulir.kolom]]
  kunci = "realisasi"
  judul = "Realisasi"
  tipe = "angka"
  [[formulir.kolom]]
  kunci = "persen"
  judul = "Capaian"
  rumus = "persen_capaian(target, realisasi, 'naik')"
"""


def write(tmp_path, text):
    path = tmp_path / "sop.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text) -> str:
    with pytest.raises(DefinitionError) as info:
        load_definition_file(write(tmp_path, text))
    return str(info.value)


def test_valid_forms_documents_and_per_unit_lanes(tmp_path):
    text = GOOD_TOML.replace('kepala_dinas = "Kepala Dinas"', 'kepala_dinas = { label = "Kepala Dinas", per_unit = true }')
    text = text.replace('output = "Disposisi"', 'output = "Disposisi"\nformulir = "capaian"')
    text += FORM + '[[dokumen]]\nkunci = "laporan"\njudul = "Laporan"\ntemplate = "uji/laporan.html"\nfinal_setelah = 1\n'
    d = load_definition_file(write(tmp_path, text))
    assert d.form("capaian").columns[2].formula.startswith("persen_capaian")
    assert d.document("laporan").final_after == 1 and d.per_unit_lanes == ("kepala_dinas",)
    assert d.lane_label("kepala_dinas") == "Kepala Dinas"
    again = type(d).from_dict(json.loads(json.dumps(d.to_dict())))  # a run's pinned snapshot
    assert again.form("capaian") == d.form("capaian") and again.documents == d.documents


def test_unknown_keys_named_with_section_step_and_field(tmp_path):
    text = GOOD_TOML.replace('output = "Disposisi"', 'output = "Disposisi"\nwarna = "merah"') + FORM.replace(
        'tipe = "angka"\n  [[formulir.kolom]]\n  kunci = "realisasi"', 'tipe = "angka"\n  lebarr = 3\n  [[formulir.kolom]]\n  kunci = "realisasi"')
    message = problems_of(tmp_path, text)
    assert str(tmp_path / "sop.toml") in message
    assert "langkah 1, field warna: field tidak dikenal" in message
    assert "formulir capaian, kolom target, field lebarr: field tidak dikenal" in message


@pytest.mark.parametrize("change,expected", [
    (('tipe = "angka"', 'tipe = "bilangan"'), "formulir capaian, kolom target, field tipe: harus salah satu dari"),
    (("persen_capaian(target, realisasi, 'naik')", "eval('1')"), 'fungsi "eval" tidak diizinkan'),
    (("persen_capaian(target, realisasi, 'naik')", "target + sisa"), 'memakai "sisa" yang bukan kolom'),
    (('jenis = "tabel"', 'jenis = "grafik"'), "formulir capaian, field jenis: harus salah satu dari"),
])
def test_form_problems(tmp_path, change, expected):
    assert expected in problems_of(tmp_path, GOOD_TOML + FORM.replace(*change))


def test_document_naming_unknown_step(tmp_path):
    text = GOOD_TOML + '[[dokumen]]\nkunci = "x"\njudul = "X"\ntemplate = "a.html"\nfinal_setelah = 7\nwarna = 1\n'
    message = problems_of(tmp_path, text)
    assert "dokumen x, field warna: field tidak dikenal" in message


def test_document_step_cross_check(tmp_path):
    text = GOOD_TOML + '[[dokumen]]\nkunci = "x"\njudul = "X"\ntemplate = "a.html"\nfinal_setelah = 7\n'
    assert "dokumen x, field final_setelah: langkah 7 tidak ada" in problems_of(tmp_path, text)


def test_registry_reports_unprovided_form_and_unknown_source(tmp_path):
    text = GOOD_TOML.replace('output = "Disposisi"', 'output = "Disposisi"\nformulir = "tidak_ada"')
    text += FORM.replace('jenis = "tabel"', 'jenis = "tabel"\nsumber = { sop = "renstra_x", formulir = "pohon" }')
    folder = make_plugin(tmp_path, "uji_masalah", toml=text)
    registry = load_plugins(tmp_path)
    reasons = {p.reason: p for p in registry.problems}
    unprovided = next(p for r, p in reasons.items() if "langkah 1, field formulir" in r)
    assert 'formulir "tidak_ada" tidak dideklarasikan' in unprovided.reason and unprovided.file == str(folder / "sop.toml")
    assert any('formulir capaian, field sumber: SOP "renstra_x" tidak dikenal' in r for r in reasons)
    assert "uji_dropin" in registry.definitions and "pk_jabar" in registry.definitions  # the rest keeps working


def test_admin_plugin_page_lists_the_problems(app, demo, client, tmp_path):
    from portal import create_app

    make_plugin(tmp_path / "p", "uji_masalah", toml=GOOD_TOML.replace('output = "Disposisi"', 'output = "Disposisi"\nformulir = "hilang"\nwarna = 1'))
    config = dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "p"))
    other = create_app(config)
    web = other.test_client()
    web.post("/masuk", data={"username": "admin", "password": "admin2026"})
    page = web.get("/admin/plugin").get_data(as_text=True)
    assert "langkah 1, field warna: field tidak dikenal" in page and "uji_masalah" in page


def test_cli_schema(app):
    result = app.test_cli_runner().invoke(args=["sop", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert {"identitas", "pelaksana", "langkah", "formulir", "dokumen"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    form = schema["$defs"]["FormSpec"]["properties"]
    assert {"kunci", "judul", "jenis", "kolom", "min_baris", "sumber"} <= set(form)


def test_tree_form_without_levels_is_refused(tmp_path):
    text = GOOD_TOML + '[[formulir]]\nkunci = "pohon"\njudul = "Pohon"\njenis = "pohon"\n'
    assert 'formulir pohon: jenis "pohon" memakai [[formulir.tingkat]]' in problems_of(tmp_path, text)


def test_admin_plugin_page_creates_lane_roles_and_warns_about_empty_lanes(app, demo, tmp_path):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import AuditEvent, Role

    toml = GOOD_TOML.replace('kepala_dinas = "Kepala Dinas"', 'kepala_dinas = "Kepala Dinas"\npenilai_baru = { label = "Penilai Baru", per_unit = true }')
    make_plugin(tmp_path / "p", "uji_lane", toml=toml)
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "p")))
    with other.app_context():  # created when the definitions loaded, before any page was opened
        role = db.session.scalar(select(Role).where(Role.key == "penilai_baru"))
        assert role is not None and role.per_unit
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "peran", AuditEvent.detail.contains("penilai_baru")))
    web = other.test_client()
    web.post("/masuk", data={"username": "admin", "password": "admin2026"})
    page = web.get("/admin/plugin").get_data(as_text=True)
    assert "pelaksana, field penilai_baru: tidak ada pengguna aktif yang memegang peran Penilai Baru" in page
    assert "Peran baru dibuat" not in page  # only once, at start-up
