"""The declarative forms engine: every field type (good and bad input), wajib, min/max,
row limits, structural edits, the formula language and sample data. No database."""
import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.forms import engine
from portal.forms.formula import Formula, FormulaError, persen_capaian
from portal.forms.samples import sample_data, to_formdata
from portal.forms.spec import FormSpec


@pytest.fixture
def ctx():
    app = Flask(__name__)
    with app.test_request_context():
        yield


def table(*columns, **extra):
    return FormSpec.model_validate({"kunci": "t", "judul": "Tabel uji", "jenis": "tabel", "kolom": list(columns), **extra})


def submit(spec, values: dict):
    form = engine.bind(spec, formdata=MultiDict(values))
    data, places = engine.extract(spec, form)
    return data, places, form


GOOD = [
    ("teks", "Meningkatnya investasi", "Meningkatnya investasi"),
    ("teks_panjang", "  baris satu\nbaris dua ", "baris satu\nbaris dua"),
    ("angka", "1.234.567,89", 1234567.89),
    ("angka", "97,5", 97.5),
    ("angka", "-3", -3),
    ("persen", "85,25 %", 85.25),
    ("rupiah", "Rp 1.500.000", 1500000),
    ("rupiah", "1.234.567,89", 1234567.89),
    ("tahun", "2027", 2027),
    ("tanggal", "2027-01-31", "2027-01-31"),
    ("tanggal", "31/01/2027", "2027-01-31"),
    ("nip", "19750210 200003 1 002", "197502102000031002"),
]
BAD = [
    ("angka", "sembilan puluh", "bukan angka"),
    ("angka", "97.5", "bukan angka"),  # a point is the thousands separator
    ("persen", "1,2,3", "bukan angka"),
    ("rupiah", "Rp satu juta", "bukan angka"),
    ("tahun", "27", "bukan tahun"),
    ("tanggal", "31/02/2027", "bukan tanggal"),
    ("tanggal", "besok", "bukan tanggal"),
    ("nip", "12345", "NIP harus terdiri dari 18 angka."),
    ("nip", "1975021020000310AB", "NIP harus terdiri dari 18 angka."),
]


@pytest.mark.parametrize("kind,text,stored", GOOD)
def test_field_types_store_typed_values(ctx, kind, text, stored):
    spec = table({"kunci": "nilai", "judul": "Nilai", "tipe": kind})
    data, places, _ = submit(spec, {"baris-0-nilai": text})
    assert places == []
    assert data["baris"][0]["nilai"] == stored
    assert type(data["baris"][0]["nilai"]) is type(stored)


@pytest.mark.parametrize("kind,text,message", BAD)
def test_field_types_refuse_bad_input_beside_the_cell(ctx, kind, text, message):
    spec = table({"kunci": "nilai", "judul": "Nilai", "tipe": kind})
    _, places, form = submit(spec, {"baris-0-nilai": text})
    assert places == ["Tabel uji, baris 1 (Nilai)"]
    cell = form.baris.entries[0].form.nilai
    assert any(message in e for e in cell.errors), cell.errors
    assert cell._value() == text  # what was typed is shown back


def test_choice_from_list_and_unknown_choice(ctx):
    spec = table({"kunci": "arah", "judul": "Arah", "tipe": "pilihan", "pilihan": ["naik", "turun"]})
    data, places, _ = submit(spec, {"baris-0-arah": "turun"})
    assert places == [] and data["baris"][0]["arah"] == "turun"
    _, places, form = submit(spec, {"baris-0-arah": "miring"})
    assert form.baris.entries[0].form.arah.errors == ["Pilihan tidak dikenal."]


def test_required_min_max_and_empty_rows(ctx):
    spec = table({"kunci": "nama", "judul": "Nama", "wajib": True},
                 {"kunci": "target", "judul": "Target", "tipe": "persen", "min": 0, "max": 100})
    data, places, form = submit(spec, {"baris-0-nama": "", "baris-0-target": "120",
                                       "baris-1-nama": "", "baris-1-target": ""})
    row = form.baris.entries[0].form
    assert row.nama.errors == ["Wajib diisi."] and row.target.errors == ["Paling besar 100."]
    assert len(data["baris"]) == 1  # the wholly empty second row is ignored
    _, places, _ = submit(spec, {"baris-0-nama": "A", "baris-0-target": "-1"})
    assert places == ["Tabel uji, baris 1 (Target)"]


def test_row_limits(ctx):
    spec = table({"kunci": "nama", "judul": "Nama"}, min_baris=2, max_baris=3)
    _, places, form = submit(spec, {"baris-0-nama": "A"})
    assert form.baris.errors == ["Isi paling sedikit 2 baris."] and places
    _, places, form = submit(spec, {f"baris-{i}-nama": "A" for i in range(4)})
    assert form.baris.errors == ["Paling banyak 3 baris."]
    data, places, _ = submit(spec, {f"baris-{i}-nama": "A" for i in range(3)})
    assert places == [] and len(data["baris"]) == 3


def test_add_and_remove_rows_keep_other_input(ctx):
    spec = table({"kunci": "nama", "judul": "Nama"}, {"kunci": "nilai", "judul": "Nilai", "tipe": "angka"})
    form = engine.bind(spec, formdata=MultiDict({"baris-0-nama": "A", "baris-0-nilai": "1,5",
                                                  "baris-1-nama": "B", "baris-1-nilai": "x"}))
    assert engine.apply_edit(form, "tambah:baris")
    assert [e.name for e in form.baris.entries] == ["baris-0", "baris-1", "baris-2"]
    assert engine.apply_edit(form, "hapus:baris-0")
    assert [e.form.nama.data for e in form.baris.entries] == ["B", None]
    assert form.baris.entries[0].form.nilai._value() == "x"  # unreadable input is kept as typed
    assert not engine.apply_edit(form, "hapus:baris-9") and not engine.apply_edit(form, "meledak")


def test_computed_column_and_stored_numbers(ctx):
    spec = table({"kunci": "target", "judul": "Target", "tipe": "angka"},
                 {"kunci": "realisasi", "judul": "Realisasi", "tipe": "angka"},
                 {"kunci": "arah", "judul": "Arah", "tipe": "pilihan", "pilihan": ["naik", "turun"]},
                 {"kunci": "capaian", "judul": "Capaian", "rumus": "persen_capaian(target, realisasi, arah)"})
    data, places, _ = submit(spec, {"baris-0-target": "80", "baris-0-realisasi": "100", "baris-0-arah": "naik",
                                    "baris-1-target": "10", "baris-1-realisasi": "8", "baris-1-arah": "turun",
                                    "baris-2-target": "0", "baris-2-realisasi": "8"})
    assert places == []
    assert [r["capaian"] for r in data["baris"]] == [125, 125, None]  # turun: target/realisasi by default


def test_persen_capaian():
    assert persen_capaian(100, 97.5) == 97.5
    assert persen_capaian(100, 90, "turun") == 111.11  # target / realisasi (default rule)
    assert persen_capaian(0, 5) is None and persen_capaian(None, 5) is None and persen_capaian(10, "") is None


@pytest.mark.parametrize("text,value", [
    ("target * 2 + 1", 21), ("-(target - 4)", -6), ("max(target, 12)", 12), ("bulat(target / 3, 2)", 3.33),
    ("100 if target >= 10 else 0", 100), ("abs(realisasi)", None), ("target / 0", None),
])
def test_formula_arithmetic(text, value):
    assert Formula(text).evaluate({"target": 10, "realisasi": None}) == value


@pytest.mark.parametrize("text", [
    "__import__('os').system('id')", "open('/etc/passwd')", "eval('1')", "target.__class__", "target[0]",
    "(lambda: 1)()", "[x for x in target]", "target ** 2", "persen_capaian(target, realisasi, arah=1)",
    "True", "target; 1", "x := 1", "f'{target}'",
])
def test_formula_refuses_anything_not_whitelisted(text):
    with pytest.raises(FormulaError):
        Formula(text)


def test_formula_names_must_be_columns():
    with pytest.raises(ValueError, match="bukan kolom"):
        table({"kunci": "a", "judul": "A", "tipe": "angka"}, {"kunci": "b", "judul": "B", "rumus": "a + c"})


def test_repeating_entries_with_tables(ctx):
    spec = FormSpec.model_validate({
        "kunci": "pk", "judul": "PK", "jenis": "isian", "berulang": True, "label_entri": "Perjanjian",
        "isian": [{"kunci": "nama", "judul": "Nama", "wajib": True}],
        "tabel": [{"kunci": "program", "judul": "Program", "min_baris": 1,
                   "kolom": [{"kunci": "anggaran", "judul": "Anggaran", "tipe": "rupiah", "wajib": True}]}],
    })
    data, places, form = submit(spec, {"entri-0-nama": "A", "entri-0-program-0-anggaran": "1.234.567,89",
                                       "entri-1-nama": "", "entri-1-program-0-anggaran": "2.000"})
    assert places == ["Perjanjian 2, Nama"]
    assert form.entri.entries[1].form.nama.errors == ["Wajib diisi."]
    assert data["entri"][0]["program"][0]["anggaran"] == 1234567.89
    assert engine.apply_edit(form, "tambah:entri-0-program") and len(form.entri.entries[0].form.program.entries) == 2
    assert engine.apply_edit(form, "hapus:entri-1") and len(form.entri.entries) == 1


def test_sample_data_round_trips_through_the_form(ctx):
    spec = table({"kunci": "nama", "judul": "Nama", "wajib": True},
                 {"kunci": "nilai", "judul": "Nilai", "tipe": "rupiah"},
                 {"kunci": "tgl", "judul": "Tanggal", "tipe": "tanggal"},
                 {"kunci": "nip", "judul": "NIP", "tipe": "nip"},
                 {"kunci": "tahun", "judul": "Tahun", "tipe": "tahun"},
                 {"kunci": "p", "judul": "Persen", "tipe": "persen", "max": 100},
                 {"kunci": "arah", "judul": "Arah", "tipe": "pilihan", "pilihan": ["naik", "turun"]},
                 {"kunci": "dua", "judul": "Dua kali", "rumus": "p * 2"}, min_baris=3)
    sample = sample_data(spec)
    data, places, _ = submit(spec, to_formdata(spec, sample))
    assert places == [] and data == sample and len(sample["baris"]) == 3


def test_portal_choices_units_users_roles_and_files(app, demo):
    """pilihan "unit" / "pengguna" / "peran" and berkas (one of the run's uploads): typed values, unknown refused."""
    from portal.extensions import db
    from portal.forms.render import form_value
    from portal.models import Attachment, Unit
    from tests.helpers import start_pk

    run = start_pk(app, demo)
    unit = db.session.scalar(db.select(Unit).order_by(Unit.id))
    with app.test_request_context():
        from portal.demo_runs import sample_document

        attachment = sample_document(run, "Lampiran", run.tasks[0], demo["kadis"])
        db.session.commit()
        spec = table({"kunci": "unit", "judul": "Unit", "tipe": "pilihan", "pilihan": "unit"},
                     {"kunci": "orang", "judul": "Penanggung jawab", "tipe": "pilihan", "pilihan": "pengguna"},
                     {"kunci": "peran", "judul": "Peran", "tipe": "pilihan", "pilihan": "peran"},
                     {"kunci": "bukti", "judul": "Bukti", "tipe": "berkas"})
        good = {"baris-0-unit": str(unit.id), "baris-0-orang": str(demo["perencana"].id),
                "baris-0-peran": "tim_perencanaan", "baris-0-bukti": str(attachment.id)}
        form = engine.bind(spec, formdata=MultiDict(good), run_id=run.id)
        data, places = engine.extract(spec, form)
        assert places == []
        assert data["baris"][0] == {"unit": unit.id, "orang": demo["perencana"].id, "peran": "tim_perencanaan",
                                    "bukti": attachment.id}
        assert form_value(spec.columns[0], unit.id) == unit.nama
        assert form_value(spec.columns[3], attachment.id) == attachment.filename
        bad = {"baris-0-unit": "99999", "baris-0-orang": "x", "baris-0-peran": "raja", "baris-0-bukti": "424242"}
        form = engine.bind(spec, formdata=MultiDict(bad), run_id=run.id)
        _, places = engine.extract(spec, form)
        row = form.baris.entries[0].form
        assert all(row[key].errors == ["Pilihan tidak dikenal."] for key in ("unit", "orang", "peran", "bukti"))
        other_run = start_pk(app, demo, judul="PK lain")
        form = engine.bind(spec, formdata=MultiDict({"baris-0-bukti": str(attachment.id)}), run_id=other_run.id)
        engine.extract(spec, form)
        assert form.baris.entries[0].form.bukti.errors == ["Pilihan tidak dikenal."]  # another run's file
        assert db.session.get(Attachment, attachment.id) is not None
