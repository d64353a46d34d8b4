"""Mekanisme Pengumpulan Data Kinerja (Tanjung Jabung Barat): the definition equals seed 003
(identity sheet 503 / 03 and the step table after it, split across two pages)."""
import re

import pytest
from pydantic import ValidationError

from portal.forms.formula import Formula
from portal.forms.spec import FormSpec
from portal.sop import load_definition_file
from tests.seeds import seed_text, squash

PATH = "plugins/data_kinerja/sop_tanjabbar.toml"


def seed_section() -> str:
    """Seed 003 from the 503 / 03 identity sheet to the next agency heading."""
    text = seed_text(3)
    start = text.index("Nomor SOP : 503 / 03 / DPM PTSP")
    return text[start:text.index("DINAS PENANAMAN MODAL", start)]


def seed_steps() -> list[list[str]]:
    """The table rows: [no, kegiatan, kelengkapan, waktu, output, keterangan] (blank lane cells dropped)."""
    section = seed_section()
    table = section[section.index("Standar Operasional Prosedur Mekanisme Pengumpulan Data Kinerja"):]
    rows = []
    for line in table.splitlines():
        if re.match(r"^\d+\.?\t", line):
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            rows.append([cells[0].rstrip(".")] + cells[1:])
    return rows


def test_steps_equal_seed_003():
    definition = load_definition_file(PATH)
    rows = seed_steps()
    assert len(rows) == len(definition.steps) == 10
    for row, step in zip(rows, definition.steps):
        assert [int(row[0]), row[1], row[2], row[3], row[4], row[5]] == \
            [step.no, step.kegiatan, step.kelengkapan, step.waktu.text, step.output, step.keterangan]


def test_identity_sheet_as_printed():
    d = load_definition_file(PATH)
    section = squash(seed_section())
    assert (d.id, d.kode) == ("pengumpulan_data_kinerja_tanjabbar", "pengumpulan_data_kinerja")
    assert f"Nomor SOP : {d.nomor}" in section and f"Nama SOP : {d.nama}" in section
    assert (d.tanggal_pembuatan, d.tanggal_revisi, d.tanggal_efektif) == ("2019-01-14", "", "2019-01-21")
    assert "Tgl Pembuatan : 14 Januari 2019 Tgl Revisi : - Tgl Pengesahan : 21 Januari 2019" in section
    assert f"Disahkan Oleh {d.disahkan_oleh.jabatan} {d.disahkan_oleh.nama} NIP. {d.disahkan_oleh.nip}" in section
    assert d.disahkan_oleh.nip == "19700980 199703 1 003"  # as printed on this sheet
    for label, items in [("Dasar Hukum :", d.dasar_hukum), ("Kualifikasi Pelaksana :", d.kualifikasi_pelaksana),
                         ("Keterkaitan :", d.keterkaitan), ("Peralatan/ Perlengkapan :", d.peralatan)]:
        block = " ".join(f"{i}. {item}" for i, item in enumerate(items, start=1))
        assert block in section, label
    assert (d.dasar_hukum and len(d.dasar_hukum), len(d.kualifikasi_pelaksana), len(d.keterkaitan), len(d.peralatan)) == (3, 3, 2, 3)
    assert d.peringatan == () and d.pencatatan == ("Disimpan sebagai data",)
    assert "PERINGATAN : PENCATATAN DAN PENDATAAN : Disimpan sebagai data" in section


def test_lanes_fan_out_decisions_and_forms():
    d = load_definition_file(PATH)
    assert [label for _, label in d.pelaksana] == [
        "Kepala Dinas", "Sekretaris Dinas", "Kasubbag Perencanaan Program Monitoring Evaluasi dan Pelaporan",
        "Analisis Perencanaan Evaluasi dan Pelaporan", "Bidang-Bidang Lain"]
    assert d.per_unit_lanes == ("bidang",)
    assert [s.no for s in d.steps if s.fan_out] == [3] and d.step(3).actor == "bidang"
    assert {s.no: s.decision for s in d.steps if s.decision} == {7: 6, 8: 6, 9: 6}
    assert [s.no for s in d.steps if s.optional] == [6]
    assert [s.no for s in d.steps if s.form == "data_kinerja"] == [2, 3, 4, 6]
    spec = d.form("data_kinerja")
    chain = ["indikator", "satuan", "target", "arah", "sumber_data", "unit_pj", "periode", "cara_pengumpulan",
             "realisasi_tw1", "realisasi_tw2", "realisasi_tw3", "realisasi_tw4", "realisasi"]
    assert set(chain) <= {c.key for c in spec.columns}  # CHAIN.md keys
    assert (spec.row_key, spec.unit_filter) == ("indikator", "unit_pj")
    assert [d.document(k).orientation for k in ("mekanisme", "rekap_realisasi")] == ["lanskap", "lanskap"]


@pytest.mark.parametrize("values,expected", [
    ({}, None), ({"realisasi_tw1": 5}, 5), ({"realisasi_tw1": 5, "realisasi_tw2": 7}, 7),
    ({"realisasi_tw1": 5, "realisasi_tw3": 0}, 0), ({"realisasi_tw2": 7, "realisasi_tw4": 9.5}, 9.5)])
def test_year_figure_is_the_last_triwulan_filled(values, expected):
    spec = load_definition_file(PATH).form("data_kinerja")
    assert Formula(next(c for c in spec.columns if c.key == "realisasi").formula).evaluate(values) == expected


def test_row_keys_must_name_fitting_columns():
    base = {"kunci": "f", "judul": "F", "jenis": "tabel", "kolom": [
        {"kunci": "indikator", "judul": "Indikator"}, {"kunci": "unit_pj", "judul": "Unit", "tipe": "pilihan", "pilihan": "unit"},
        {"kunci": "nama", "judul": "Nama", "tipe": "pilihan", "pilihan": ["a"]}]}
    assert FormSpec.model_validate({**base, "kunci_baris": "indikator", "saring_unit": "unit_pj"}).unit_filter == "unit_pj"
    with pytest.raises(ValidationError, match="bukan kolom isian"):
        FormSpec.model_validate({**base, "kunci_baris": "tidak_ada"})
    with pytest.raises(ValidationError, match='pilihan = "unit"'):
        FormSpec.model_validate({**base, "kunci_baris": "indikator", "saring_unit": "nama"})
    with pytest.raises(ValidationError, match="memerlukan kunci_baris"):
        FormSpec.model_validate({**base, "saring_unit": "unit_pj"})
    with pytest.raises(ValidationError, match='hanya untuk jenis "tabel"'):
        FormSpec.model_validate({"kunci": "f", "judul": "F", "jenis": "isian", "isian": [{"kunci": "a", "judul": "A"}],
                                 "kunci_baris": "a"})
