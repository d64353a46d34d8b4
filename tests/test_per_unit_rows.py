"""portal.forms.per_unit: a unit's rows, the merge back by kunci_baris, and the duplicate check."""
from portal.forms import per_unit
from portal.forms.spec import FormSpec

SPEC = FormSpec.model_validate({"kunci": "d", "judul": "D", "jenis": "tabel", "kunci_baris": "indikator", "saring_unit": "unit",
                                "kolom": [{"kunci": "indikator", "judul": "Indikator"},
                                          {"kunci": "unit", "judul": "Unit", "tipe": "pilihan", "pilihan": "unit"},
                                          {"kunci": "catatan", "judul": "Catatan"},
                                          {"kunci": "tw1", "judul": "TW I", "tipe": "angka"}]})
BASE = {"baris": [{"indikator": "A", "unit": 1}, {"indikator": "B", "unit": 2}, {"indikator": "C", "unit": 1}]}


def test_unit_rows_keep_only_the_units_rows():
    assert per_unit.unit_rows(SPEC, BASE, 1) == {"baris": [{"indikator": "A", "unit": 1}, {"indikator": "C", "unit": 1}]}
    assert per_unit.unit_rows(SPEC, BASE, 9) == {"baris": []}


def test_merge_replaces_by_key_keeps_order_appends_new_ignores_foreign_rows():
    parts = [(2, {"baris": [{"indikator": "b ", "unit": 2, "tw1": 5}, {"indikator": "A", "unit": 1, "tw1": 99}]}),
             (1, {"baris": [{"indikator": "C", "unit": 1, "tw1": 3}, {"indikator": "D", "unit": 1, "tw1": 4}]})]
    assert per_unit.merged(SPEC, BASE, parts)["baris"] == [
        {"indikator": "A", "unit": 1}, {"indikator": "b ", "unit": 2, "tw1": 5}, {"indikator": "C", "unit": 1, "tw1": 3},
        {"indikator": "D", "unit": 1, "tw1": 4}]


def test_duplicates_named_beside_the_figure_or_the_key():
    rows = {"baris": [{"indikator": "A", "catatan": "x", "tw1": 1}, {"indikator": " a", "catatan": "y", "tw1": 2},
                      {"indikator": "A", "catatan": "z"}, {"indikator": "B", "tw1": 1}]}
    assert per_unit.problems(SPEC, rows) == [
        (1, "tw1", "TW I untuk indikator ini sudah diisi di baris 1: satu indikator diisi pada satu baris."),
        (2, "indikator", "Indikator ini sudah ada di baris 1: isi pada satu baris.")]
