"""The SOP definition format: the PK plugin against its seed, validation, CLI export."""
import json
import textwrap

import pytest

from portal.sop import DefinitionError, load_definition_file, parse_waktu

PK_SEED = [  # (no, waktu, output) transcribed from seed 000
    (1, "30 menit", "Penugasan sesuai lembar disposisi"),
    (2, "300 menit", "Rekapitulasi data penyusunan PK"),
    (3, "120 menit", "Rancangan PK Kepala Dinas, Administrator dan Pengawas"),
    (4, "30 menit", "Rancangan PK yang telah validasi"),
    (5, "180 menit", "Catatan atas penyusunan PK"),
    (6, "180 menit", "Rancangan dokumen PK Kepala Dinas Administrator dan Pengawas yang telah diverifikasi"),
    (7, "30 menit", "Rancangan PK lanjutan"),
    (8, "180 menit", "Dokumen PK yang telah divalidasi oleh masing masing pegawai"),
    (9, "120 menit", "Tanda terima dokumen PK"),
]


def test_pk_definition_matches_seed():
    d = load_definition_file("plugins/pk/sop_jabar.toml")
    assert (d.kode, d.nomor, d.nama) == ("pk", "62/46/SEKRT/2023", "Penyusunan Perjanjian Kinerja (PK)")
    assert [(s.no, s.waktu.text, s.output) for s in d.steps] == PK_SEED
    assert [label for _, label in d.pelaksana] == ["Kepala Dinas", "Sekretaris", "Tim Perencanaan", "Tim Kepegawaian",
                                                   "Tim Urusan / Sekretariat", "Biro Organisasi"]
    assert d.step(4).decision == 3 and d.step(7).fan_out and d.step(9).handover
    assert d.tanggal_efektif == "2023-06-27" and len(d.dasar_hukum) == 4


@pytest.mark.parametrize("text,value,unit", [("30 menit", 30, "menit"), ("2 Jam", 2, "jam"), ("1 Hari", 1, "hari"), ("1 hari", 1, "hari")])
def test_parse_waktu(text, value, unit):
    w = parse_waktu(text)
    assert (w.text, w.value, w.unit) == (text, value, unit)


@pytest.mark.parametrize("text", ["", "setengah hari", "30 detik", "0 menit", "menit 30"])
def test_parse_waktu_refuses(text):
    with pytest.raises(ValueError, match="waktu"):
        parse_waktu(text)


BASE = """
[identitas]
kode = "uji"
versi = "1"
nomor = "1/UJI/2026"
agency = "Dinas Uji"
nama = "SOP Uji"
[pelaksana]
kepala = "Kepala"
staf = "Staf"
"""


def write(tmp_path, steps: str):
    path = tmp_path / "sop.toml"
    path.write_text(BASE + textwrap.dedent(steps), encoding="utf-8")
    return path


def test_validation_names_file_step_and_field(tmp_path):
    path = write(tmp_path, """
    [[langkah]]
    no = 1
    kegiatan = "A"
    pelaksana = ["sekretaris"]
    waktu = "30 menit"
    output = "x"
    [[langkah]]
    no = 2
    kegiatan = "B"
    pelaksana = ["staf"]
    waktu = "sebentar"
    output = "y"
    kembali_ke = 9
    [[langkah]]
    no = 2
    kegiatan = "C"
    pelaksana = ["staf"]
    waktu = "1 Hari"
    output = "z"
    """)
    with pytest.raises(DefinitionError) as info:
        load_definition_file(path)
    text = str(info.value)
    assert str(path) in text
    assert 'langkah 1, field pelaksana: pelaksana "sekretaris" tidak ada' in text
    assert 'langkah 2, field waktu: waktu "sebentar" tidak terbaca' in text
    assert "langkah 2, field kembali_ke: langkah 9 tidak ada" in text
    assert "field no: nomor 2 dipakai lebih dari satu langkah" in text


def test_valid_definition_with_optional_and_fan_out(tmp_path):
    path = write(tmp_path, """
    [[langkah]]
    no = 1
    kegiatan = "A"
    pelaksana = "kepala"
    waktu = "2 Jam"
    output = "x"
    opsional = true
    [[langkah]]
    no = 2
    kegiatan = "B"
    pelaksana = ["staf"]
    waktu = "1 Hari"
    output = "Tanda terima berkas"
    fan_out = true
    """)
    d = load_definition_file(path)
    assert d.id == "uji" and d.steps[0].optional and d.steps[1].fan_out and d.steps[1].handover


def test_cli_export_json(app):
    result = app.test_cli_runner().invoke(args=["sop", "export", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    pk = next(d for d in data if d["id"] == "pk_jabar")
    assert pk["kode"] == "pk" and pk["nomor"] == "62/46/SEKRT/2023" and pk["agency"].startswith("Dinas Penanaman Modal")
    assert len(pk["steps"]) == 9
    assert [(s["no"], s["waktu"], s["output"]) for s in pk["steps"]] == PK_SEED
    step = pk["steps"][3]
    assert (step["waktu_value"], step["waktu_unit"], step["decision"], step["optional"], step["fan_out"]) == (30, "menit", 3, False, False)
    assert {"dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan", "peringatan", "pencatatan"} <= set(pk)
    assert {"key": "biro_organisasi", "label": "Biro Organisasi"} in pk["pelaksana"]


def test_cli_list(app):
    result = app.test_cli_runner().invoke(args=["sop", "list"])
    assert result.exit_code == 0
    assert "pk_jabar" in result.output and "62/46/SEKRT/2023" in result.output and "sop_jabar.toml" in result.output
