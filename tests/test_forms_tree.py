"""Tree forms (jenis "pohon") in the engine: definition checks, typed values and Indonesian
numbers per node, errors beside the node's field, structure, structural edits that keep
every typed value (add, child, up/down, move to another parent, remove with subtree),
sample data, summary and PDF rendering. No database."""
import io

import pytest
from flask import Flask, render_template_string
from pydantic import ValidationError
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from portal.forms import engine, tree
from portal.forms.render import init_form_templating
from portal.forms.samples import sample_data, to_formdata
from portal.forms.spec import FormSpec
from tests.tree_example import TREE_FORM


@pytest.fixture
def app():
    app = Flask(__name__, template_folder="../templates")
    init_form_templating(app)
    with app.test_request_context():
        yield app


@pytest.fixture
def spec():
    return FormSpec.model_validate(TREE_FORM)


def submit(spec, values):
    form = engine.bind(spec, formdata=MultiDict(values))
    data, places = engine.extract(spec, form)
    return data, places, form


BASE = {
    "simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Meningkatnya daya saing",
    "simpul-1-tingkat": "sasaran", "simpul-1-sasaran-uraian": "Investasi naik", "simpul-1-sasaran-target": "1.234,5",
    "simpul-2-tingkat": "program", "simpul-2-program-uraian": "Promosi", "simpul-2-program-pagu": "Rp 1.500.000",
    "simpul-3-tingkat": "sasaran", "simpul-3-sasaran-uraian": "Ekspor naik", "simpul-3-sasaran-target": "97,5",
    "simpul-4-tingkat": "tujuan", "simpul-4-tujuan-uraian": "Tata kelola baik",
}


def test_definition_checks():
    assert FormSpec.model_validate(TREE_FORM).levels[1].key == "sasaran"
    bad = [
        ({**TREE_FORM, "tingkat": []}, '[[formulir.tingkat]]'),
        ({**TREE_FORM, "isian": [{"kunci": "x", "judul": "X"}]}, '[[formulir.tingkat]]'),
        ({**TREE_FORM, "tingkat": [TREE_FORM["tingkat"][0], TREE_FORM["tingkat"][0]]}, "kunci tingkat dipakai lebih dari sekali"),
        ({**TREE_FORM, "tingkat": [{"kunci": "a", "judul": "A", "isian": [{"kunci": "x", "judul": "X"}, {"kunci": "x", "judul": "Y"}]}]},
         "kunci isian dipakai lebih dari sekali"),
        ({**TREE_FORM, "tingkat": [{"kunci": "a", "judul": "A", "isian": [{"kunci": "x", "judul": "X", "rumus": "y * 2"}]}]},
         "bukan kolom/isian"),
        ({"kunci": "t", "judul": "T", "jenis": "tabel", "kolom": [{"kunci": "x", "judul": "X"}], "tingkat": TREE_FORM["tingkat"]},
         'hanya untuk jenis "pohon"'),
        ({**TREE_FORM, "min_simpul": 5, "max_simpul": 2}, "min_simpul lebih besar"),
    ]
    for data, message in bad:
        with pytest.raises(ValidationError) as info:
            FormSpec.model_validate(data)
        assert message in str(info.value)


def test_nested_typed_values(app, spec):
    data, places, _ = submit(spec, BASE)
    assert places == []
    [tujuan1, tujuan2] = data["simpul"]
    assert tujuan1["uraian"] == "Meningkatnya daya saing" and tujuan2 == {
        "tingkat": "tujuan", "uraian": "Tata kelola baik", "indikator": None, "anak": []}
    [sasaran1, sasaran2] = tujuan1["anak"]
    assert sasaran1["target"] == 1234.5 and sasaran2["target"] == 97.5 and sasaran2["anak"] == []
    assert sasaran1["anak"][0]["pagu"] == 1500000 and type(sasaran1["anak"][0]["pagu"]) is int


def test_bad_values_beside_the_node_field_and_nothing_returned(app, spec):
    values = {**BASE, "simpul-3-sasaran-target": "sembilan", "simpul-2-program-uraian": "",
              "simpul-2-program-pagu": "Rp 5"}
    _, places, form = submit(spec, values)
    assert places == ["Program 1.1.1 (Uraian program)", "Sasaran 1.2 (Target)"]
    target = form.simpul.entries[3].form.sasaran.form.target
    assert any("bukan angka" in e for e in target.errors) and target._value() == "sembilan"
    assert form.simpul.entries[2].form.program.form.uraian.errors == ["Wajib diisi."]
    assert form.simpul.entries[1].form.sasaran.form.target.errors == []
    _, places, form = submit(spec, {**BASE, "simpul-1-sasaran-target": "-1"})
    assert places == ["Sasaran 1.1 (Target)"] and form.simpul.entries[1].form.sasaran.form.target.errors == ["Paling kecil 0."]


def test_structure_and_limits(app, spec):
    _, places, form = submit(spec, {"simpul-0-tingkat": "sasaran", "simpul-0-sasaran-uraian": "Yatim"})
    assert places == ["susunan pohon tidak sah"] and "tanpa induk" in form.simpul.errors[0]
    _, places, _ = submit(spec, {"simpul-0-tingkat": "kegiatan", "simpul-0-tujuan-uraian": "x"})
    assert places == ["susunan pohon tidak sah"]
    _, places, form = submit(spec, {"simpul-0-tingkat": "tujuan"})  # an empty leaf is ignored
    assert places == ["Pohon kinerja: paling sedikit 1 simpul"] and form.simpul.errors == ["Isi paling sedikit 1 simpul."]
    small = FormSpec.model_validate({**TREE_FORM, "max_simpul": 2})
    _, places, form = submit(small, BASE)
    assert places == ["Pohon kinerja: paling banyak 2 simpul"] and len(form.simpul.entries) == 3  # read no further
    many = {k: v for i in range(400) for k, v in ((f"simpul-{i}-tingkat", "tujuan"), (f"simpul-{i}-tujuan-uraian", f"T{i}"))}
    _, places, _ = submit(spec, many)
    assert places == ["Pohon kinerja: paling banyak 300 simpul"]


def order(values: MultiDict) -> list[str]:
    return [values[k] for k in values if k.endswith("-uraian")]


def test_structural_edits_keep_every_typed_value(app, spec):
    typed = MultiDict({**BASE, "simpul-3-sasaran-target": "tidak valid", "catatan": "draf"})
    added = tree.edit(spec, typed, "anak:simpul-0")
    assert added["simpul-4-tingkat"] == "sasaran" and "simpul-4-sasaran-uraian" not in added
    assert added["simpul-3-sasaran-target"] == "tidak valid" and added["catatan"] == "draf"
    assert tree.edit(spec, typed, "anak:simpul-2") == typed  # a program has no lower level
    assert tree.edit(spec, typed, "tambah:simpul")["simpul-5-tingkat"] == "tujuan"
    down = tree.edit(spec, typed, "turun:simpul-1")  # sasaran 1.1 with its program below sasaran 1.2
    assert order(down) == ["Meningkatnya daya saing", "Ekspor naik", "Investasi naik", "Promosi", "Tata kelola baik"]
    assert down["simpul-1-sasaran-target"] == "tidak valid"
    assert tree.edit(spec, down, "naik:simpul-2") == tree.edit(spec, typed, "")
    assert tree.edit(spec, typed, "naik:simpul-1") == tree.edit(spec, typed, "")  # first child stays
    moved = tree.edit(spec, MultiDict({**typed, "_induk-simpul-3": "4"}), "pindah:simpul-3")
    assert order(moved) == ["Meningkatnya daya saing", "Investasi naik", "Promosi", "Tata kelola baik", "Ekspor naik"]
    assert moved["simpul-4-tingkat"] == "sasaran" and "_induk-simpul-3" not in moved
    data, places, _ = submit(spec, {**moved, "simpul-4-sasaran-target": "1"})
    assert places == [] and [s["uraian"] for s in data["simpul"][1]["anak"]] == ["Ekspor naik"]
    for wrong in ("0", "2", "99", "x"):  # a parent of the wrong level, or none: nothing moves
        assert order(tree.edit(spec, MultiDict({**typed, "_induk-simpul-3": wrong}), "pindah:simpul-3")) == order(typed)
    removed = tree.edit(spec, typed, "hapus:simpul-1")
    assert order(removed) == ["Meningkatnya daya saing", "Ekspor naik", "Tata kelola baik"]
    assert tree.edit(spec, typed, "hapus:simpul-42") == tree.edit(spec, typed, "")


def test_outline_offers_the_right_moves(app, spec):
    form = engine.bind(spec, formdata=MultiDict(BASE))
    rows = {r["number"]: r for r in tree.outline(spec, form)}
    assert rows["1.1"]["child"].key == "program" and rows["1.1.1"]["child"] is None
    assert (rows["1.1"]["can_up"], rows["1.1"]["can_down"], rows["1.2"]["can_up"]) == (False, True, True)
    assert rows["1.1.1"]["parents"] == [(3, "Sasaran 1.2 — Ekspor naik")]
    assert rows["1.2"]["parents"] == [(4, "Tujuan 2 — Tata kelola baik")] and rows["1"]["parents"] == []


def test_sample_data_round_trips_and_stored_data_binds(app, spec):
    data = sample_data(spec)
    assert [n["tingkat"] for n in tree.walk_nodes(data["simpul"])] == ["tujuan", "sasaran", "program", "program", "sasaran", "tujuan"]
    again, places, _ = submit(spec, to_formdata(spec, data))
    assert places == [] and again == data
    bound = engine.bind(spec, data=data)
    assert bound.simpul.entries[2].form.program.form.pagu._value() == "150.000.000"
    assert len(engine.bind(spec, data={}).simpul.entries) == 1  # a fresh tree starts with one node


def test_summary_and_pdf_table(app, spec):
    from portal.pdf import font_css, render_pdf

    data, _, _ = submit(spec, BASE)
    html = render_template_string('{% import "forms/macros.html" as fm %}{{ fm.form_summary(spec, data) }}', spec=spec, data=data)
    assert 'class="tree-node depth-2"><strong>Program 1.1.1</strong>' in html and "Rp 1.500.000" in html and "1.234,5" in html
    page = render_template_string('<html><head><style>{{ font|safe }}</style></head><body>{% import "forms/macros.html" as fm %}'
                                  '{{ fm.pdf_tree(spec, data) }}</body></html>', spec=spec, data=data, font=font_css())
    assert "<th>Tujuan</th><th>Sasaran</th><th>Program</th>" in page
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(page))).pages).split())  # raises on any warning
    for expected in ("Meningkatnya daya saing", "1.1.1", "Promosi", "1.234,5", "Rp 1.500.000", "Tata kelola baik"):
        assert expected in text
