"""Issue 10: the built-in ``disposisi`` form (PK step 1 names it without declaring it)."""
from portal.extensions import db
from tests.helpers import open_tasks, start_pk
from tests.test_runner import login


def test_pk_names_the_builtin_form_without_declaring_it(app):
    definition = app.extensions["portal_plugins"].definition("pk_jabar")
    assert definition.steps[0].form == "disposisi" and all(f.key != "disposisi" for f in definition.forms)
    spec = definition.form("disposisi")
    assert [f.key for f in spec.fields] == ["kepada", "kepada_pengguna", "isi", "sifat", "batas_waktu", "paraf"]
    assert spec.fields[3].choices == ["Biasa", "Segera", "Sangat Segera"]
    assert not [p for p in app.extensions["portal_plugins"].problems if "disposisi" in str(p)]


def test_disposition_is_required_then_shown_on_the_next_step_and_the_run(app, demo, client):
    run = start_pk(app, demo, judul="PK disposisi")
    [task] = open_tasks(run.id)
    login(client, "kadis")
    page = client.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert 'name="kepada"' in page and 'name="sifat"' in page and "Sangat Segera" in page
    empty = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version})
    assert empty.status_code == 400
    db.session.expire_all()
    assert open_tasks(run.id)[0].id == task.id  # nothing changed
    wrong = client.post(f"/tugas/{task.id}/selesaikan", data={
        "tindakan": "selesai", "versi": task.version, "kepada": "tim_perencanaan", "isi": "Susun PK.", "sifat": "Kilat"})
    assert wrong.status_code == 400
    done = client.post(f"/tugas/{task.id}/selesaikan", data={
        "tindakan": "selesai", "versi": task.version, "kepada": "tim_perencanaan", "sifat": "Sangat Segera",
        "isi": "Susun rancangan PK bersama Sekretaris paling lambat Jumat.", "batas_waktu": "2026-12-04",
        "paraf": "AS"})
    assert done.status_code == 303, done.get_data(as_text=True)[:1500]
    client.post("/keluar")
    db.session.expire_all()
    [step2] = open_tasks(run.id)
    login(client, "perencana")
    page = client.get(f"/tugas/{step2.id}").get_data(as_text=True)
    top = page.split('id="disposition"')[1].split("</section>")[0]
    assert page.index('id="disposition"') < page.index("Hasil langkah sebelumnya")
    assert "Sangat Segera" in top and "Susun rancangan PK bersama Sekretaris paling lambat Jumat." in top
    assert "Tim Perencanaan" in top and "4 Desember 2026" in top and "AS" in top and demo["kadis"].nama in top
    run_page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert 'id="disposition"' in run_page and "Susun rancangan PK bersama Sekretaris" in run_page
