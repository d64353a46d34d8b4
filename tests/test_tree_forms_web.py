"""Tree forms through the web: the step page shows the tree editor, node operations work
with HTMX (a fragment) and without JavaScript (the whole page) keeping other input, only
the pelaksana may edit, bad input is refused beside its field with nothing saved, good
input is stored nested in the task and the shared record, the run page shows the
indented summary, and the end-to-end helper runs a tree SOP."""
import re
import textwrap

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Task
from portal.plugin_api import records
from portal.testing import run_end_to_end
from tests.test_runner import login
from tests.tree_example import TREE_TOML


@pytest.fixture
def tree_app(app, tmp_path):
    folder = tmp_path / "pohon" / "pohon_uji"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(TREE_TOML), encoding="utf-8")
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "pohon")))
    assert other.extensions["portal_plugins"].problems == []
    return other


def start(tree_app, demo) -> tuple[int, int]:
    from portal import runner

    with tree_app.test_request_context():
        definition = tree_app.extensions["portal_plugins"].definition("pohon_uji")
        run = runner.start_run(definition, db.session.merge(demo["perencana"]), judul="Pohon 2026", tahun=2026,
                               unit_id=demo["kadis"].unit_id)
        db.session.commit()
        return run.id, db.session.scalar(select(Task.id).where(Task.run_id == run.id))


TYPED = {"simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Meningkatnya daya saing", "catatan": "draf pohon"}


def test_node_operations_with_and_without_javascript(tree_app, demo):
    _, task_id = start(tree_app, demo)
    web = tree_app.test_client()
    login(web, "kadis")  # not the pelaksana
    assert web.post(f"/tugas/{task_id}/formulir", data={**TYPED, "_ubah": "anak:simpul-0"}).status_code == 403
    web.post("/keluar")
    login(web, "perencana")
    page = web.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert 'name="simpul-0-tujuan-uraian"' in page and 'value="anak:simpul-0"' in page and "+ Sasaran" in page

    full = web.post(f"/tugas/{task_id}/formulir", data={**TYPED, "_ubah": "anak:simpul-0"})
    html = full.get_data(as_text=True)
    assert full.status_code == 200 and "<html" in html and 'name="simpul-1-sasaran-uraian"' in html
    assert 'value="Meningkatnya daya saing"' in html and ">draf pohon</textarea>" in html

    two_roots = {**TYPED, "simpul-1-tingkat": "sasaran", "simpul-1-sasaran-uraian": "Investasi naik",
                 "simpul-1-sasaran-target": "tidak angka", "simpul-2-tingkat": "tujuan", "simpul-2-tujuan-uraian": "Tata kelola"}
    fragment = web.post(f"/tugas/{task_id}/formulir", data={**two_roots, "_ubah": "pindah:simpul-1", "_induk-simpul-1": "2"},
                        headers={"HX-Request": "true", "HX-Target": "step-form"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="step-form">') and "<html" not in fragment
    assert fragment.index("Tata kelola") < fragment.index("Investasi naik")  # now under the second tujuan
    assert re.search(r'<input[^>]*name="simpul-2-sasaran-target"[^>]*value="tidak angka"', fragment)  # kept, renumbered
    assert "bukan angka" not in fragment  # a structural edit is not a submission
    removed = web.post(f"/tugas/{task_id}/formulir", data={**two_roots, "_ubah": "hapus:simpul-0"},
                       headers={"HX-Request": "true", "HX-Target": "step-form"}).get_data(as_text=True)
    assert "Investasi naik" not in removed and 'value="Tata kelola"' in removed and 'name="simpul-0-tujuan-uraian"' in removed
    with tree_app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "terbuka" and task.form_data is None  # nothing saved


def test_bad_input_refused_beside_the_node_then_stored_nested_and_shared(tree_app, demo):
    run_id, task_id = start(tree_app, demo)
    web = tree_app.test_client()
    login(web, "perencana")
    form = {"tindakan": "selesai", "versi": "1", "simpul-0-tingkat": "tujuan", "simpul-0-tujuan-uraian": "Daya saing",
            "simpul-1-tingkat": "sasaran", "simpul-1-sasaran-uraian": "Investasi naik", "simpul-1-sasaran-target": "sepuluh",
            "simpul-2-tingkat": "program", "simpul-2-program-uraian": "", "simpul-2-program-pagu": "Rp 2.500.000"}
    refused = web.post(f"/tugas/{task_id}/selesaikan", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Sasaran 1.1 (Target)" in html and "Program 1.1.1 (Uraian program)" in html
    assert 'id="simpul-1-sasaran-target-err"' in html and 'value="sepuluh"' in html
    with tree_app.app_context():
        assert db.session.get(Task, task_id).form_data is None

    unit = str(demo["bidang1"].unit_id)
    form.update({"simpul-1-sasaran-target": "1.234,5", "simpul-2-program-uraian": "Promosi", "simpul-2-program-unit_pj": unit})
    assert web.post(f"/tugas/{task_id}/selesaikan", data=form).status_code == 303
    expected = [{"tingkat": "tujuan", "uraian": "Daya saing", "indikator": None, "anak": [
        {"tingkat": "sasaran", "uraian": "Investasi naik", "indikator": None, "target": 1234.5, "satuan": None, "anak": [
            {"tingkat": "program", "uraian": "Promosi", "pagu": 2500000, "unit_pj": int(unit), "anak": []}]}]}]
    with tree_app.test_request_context():
        assert db.session.get(Task, task_id).form_data["simpul"] == expected
        assert records.latest("pohon_uji", "pohon_kinerja", 2026)["data"]["simpul"] == expected  # the shared record
    summary = web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)
    assert 'class="tree-node depth-2"><strong>Program 1.1.1</strong>' in summary and "Rp 2.500.000" in summary
    assert demo["bidang1"].unit.nama in summary


def test_end_to_end_helper_runs_a_tree_sop(tree_app, demo):
    outcome = run_end_to_end(tree_app, "pohon_uji")
    assert outcome.status == "selesai" and outcome.steps == [1]
    with tree_app.app_context():
        task = db.session.scalar(select(Task).where(Task.run_id == outcome.run_id))
        assert [n["tingkat"] for n in task.form_data["simpul"][0]["anak"]] == ["sasaran", "sasaran"]
