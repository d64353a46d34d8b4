"""Column sumber options added for the LKjIP (cocok, entri, unik, tahun, periode, several
SOPs) and wajib_bila, without a database: matching, filtering and refused declarations."""
import pytest
from flask import Flask
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from portal.forms import column_sources, engine
from portal.forms.spec import ColumnSource, FormSpec


class Rec:
    def __init__(self, data):
        self.data = data


def table(*columns):
    return FormSpec.model_validate({"kunci": "t", "judul": "T", "jenis": "tabel", "kolom": list(columns)})


def test_rows_matched_by_key_column_across_unit_records():
    spec = table({"kunci": "indikator", "judul": "Indikator"},
                 {"kunci": "realisasi", "judul": "Realisasi", "tipe": "angka",
                  "sumber": {"sop": "dk", "formulir": "dk", "cocok": "indikator"}})
    units = [Rec({"baris": [{"indikator": "  indeks   KEPUASAN ", "realisasi": 80}]}),
             Rec({"baris": [{"indikator": "Nilai investasi", "realisasi": 520}, {"indikator": "Lain", "realisasi": 1}]})]
    data = {"baris": [{"indikator": "Nilai investasi"}, {"indikator": "Indeks kepuasan"}, {"indikator": "Baru"},
                      {"indikator": "Lain", "realisasi": 9}]}
    result, used = column_sources.apply(spec, data, lambda source: units)
    assert [r.get("realisasi") for r in result["baris"]] == [520, 80, None, 9]  # typed values are kept
    assert used[0][1] is units[0] and len(result["baris"]) == 4  # no rows added when matching


def test_entry_and_unique_values():
    source = Rec({"entri": [{"sasaran": [{"sasaran": "A"}, {"sasaran": "a "}, {"sasaran": "B"}]},
                            {"sasaran": [{"sasaran": "C"}]}]})
    spec = table({"kunci": "sasaran", "judul": "Sasaran",
                  "sumber": {"sop": "pk", "formulir": "pk", "tabel": "sasaran", "entri": 1, "unik": True}})
    result, _ = column_sources.apply(spec, {}, lambda s: source)
    assert result["baris"] == [{"sasaran": "A"}, {"sasaran": "B"}]
    spec = table({"kunci": "sasaran", "judul": "Sasaran", "sumber": {"sop": "pk", "formulir": "pk", "tabel": "sasaran", "entri": 2}})
    assert column_sources.apply(spec, {}, lambda s: source)[0]["baris"] == [{"sasaran": "C"}]


def test_source_declarations():
    source = ColumnSource.model_validate({"sop": ["lkjip", "lakip"], "formulir": "capaian", "tahun": -1, "cocok": "indikator"})
    assert source.kodes == ("lkjip", "lakip") and source.label == "LKJIP/LAKIP" and source.year_offset == -1
    assert ColumnSource.model_validate({"sop": "renstra", "formulir": "r", "periode": ["a", "b"]}).period == ["a", "b"]
    for bad, words in [({"tahun": 1}, "less than or equal"), ({"tahun": -1, "periode": ["a", "b"]}, '"tahun" dan "periode"'),
                       ({"periode": ["a"]}, "at least 2"), ({"cocok": "x", "unik": True}, '"cocok" dan "unik"'),
                       ({"entri": 0}, "greater than or equal"), ({"sop": []}, "sop tidak boleh kosong")]:
        with pytest.raises(ValidationError, match=words):
            ColumnSource.model_validate({"sop": "pk", "formulir": "f", **bad})


def test_required_with_another_field():
    spec = table({"kunci": "program", "judul": "Program"},
                 {"kunci": "pagu", "judul": "Pagu (Rp)", "tipe": "rupiah", "wajib_bila": "realisasi"},
                 {"kunci": "realisasi", "judul": "Realisasi (Rp)", "tipe": "rupiah"})
    with Flask(__name__).test_request_context():
        form = engine.bind(spec, formdata=MultiDict({"baris-0-program": "A", "baris-0-realisasi": "50",
                                                     "baris-1-program": "B", "baris-1-pagu": "10"}))
        data, places = engine.extract(spec, form)
        assert places == ["T, baris 1 (Pagu (Rp))"]
        assert form.baris.entries[0].form.pagu.errors == ["Wajib diisi bila Realisasi (Rp) diisi."]
        assert form.baris.entries[1].form.pagu.errors == []
    with pytest.raises(ValidationError, match='wajib_bila "tidak_ada" bukan kolom'):
        table({"kunci": "a", "judul": "A", "wajib_bila": "tidak_ada"})
