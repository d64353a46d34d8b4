"""Column ``sumber`` with ``periode``: the source record is the one whose period covers the
run's year; ``{ke}``/``{ke_berikut}`` pick that year's columns; bad declarations are refused."""
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from portal.forms import column_sources
from portal.forms.spec import ColumnSource, FormSpec

RENJA_LIKE = {"kunci": "r", "judul": "R", "jenis": "tabel", "kolom": [
    {"kunci": "kode", "judul": "Kode", "sumber": {"sop": "s", "formulir": "f", "tabel": "p", "periode": ["awal", "akhir"]}},
    {"kunci": "pagu", "judul": "Pagu", "tipe": "rupiah",
     "sumber": {"sop": "s", "formulir": "f", "tabel": "p", "kolom": "pagu_{ke}", "periode": ["awal", "akhir"]}},
    {"kunci": "pagu_maju", "judul": "Maju", "tipe": "rupiah",
     "sumber": {"sop": "s", "formulir": "f", "tabel": "p", "kolom": "pagu_{ke_berikut}", "periode": ["awal", "akhir"]}},
]}
RECORD = SimpleNamespace(data={"awal": 2025, "akhir": 2029, "p": [
    {"kode": "1", "pagu_1": 10, "pagu_2": 20, "pagu_5": 50}, {"kode": "2", "pagu_2": 21}]})


@pytest.mark.parametrize("tahun,expected", [
    (2026, [{"kode": "1", "pagu": 20, "pagu_maju": None}, {"kode": "2", "pagu": 21, "pagu_maju": None}]),
    (2029, [{"kode": "1", "pagu": 50, "pagu_maju": None}, {"kode": "2", "pagu": None, "pagu_maju": None}]),
    (2025, [{"kode": "1", "pagu": 10, "pagu_maju": 20}, {"kode": "2", "pagu": None, "pagu_maju": 21}]),
])
def test_year_columns_of_the_covering_record(tahun, expected):
    spec = FormSpec.model_validate(RENJA_LIKE)
    asked = []

    def find(source):
        asked.append((source.sop, source.form, tuple(source.period) if source.period else None))
        return RECORD

    data, used = column_sources.apply(spec, {}, find, tahun=tahun)
    assert data["baris"] == expected
    assert set(asked) == {("s", "f", ("awal", "akhir"))} and len(used) == 3


def test_placeholders_need_periode_and_keys_are_checked():
    with pytest.raises(ValidationError, match="hanya bersama periode"):
        ColumnSource.model_validate({"sop": "s", "formulir": "f", "kolom": "pagu_{ke}"})
    with pytest.raises(ValidationError):
        ColumnSource.model_validate({"sop": "s", "formulir": "f", "kolom": "pagu_{tahun}", "periode": ["a", "b"]})
    with pytest.raises(ValidationError):
        ColumnSource.model_validate({"sop": "s", "formulir": "f", "periode": ["a"]})
    assert ColumnSource.model_validate({"sop": "s", "formulir": "f", "kolom": "target_{ke}", "periode": ["a", "b"]}).period == ["a", "b"]
