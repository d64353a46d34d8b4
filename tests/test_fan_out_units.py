"""Fan-out units come from the server's list of internal units, never trusted from the form."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Run, Unit
from tests.test_runner import login


def _start(client, demo, units):
    return client.post("/pelaksanaan/baru/pk_jabar", data={"judul": "PK 2027", "tahun": "2027", "fan_out": units,
                                                           "unit_id": demo["kadis"].unit_id})


def test_outside_unit_refused(app, demo, client):
    login(client, "kadis")
    outside = db.session.scalar(select(Unit.id).where(Unit.jenis == "eksternal"))
    response = _start(client, demo, [str(demo["bidang1"].unit_id), str(outside)])
    assert response.status_code == 400 and "Hanya unit internal" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Run.id))) == 0


def test_same_unit_twice_refused(app, demo, client):
    login(client, "kadis")
    unit = str(demo["bidang1"].unit_id)
    response = _start(client, demo, [unit, unit])
    assert response.status_code == 400 and "hanya boleh dipilih sekali" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Run.id))) == 0


def test_distinct_internal_units_accepted(app, demo, client):
    login(client, "kadis")
    response = _start(client, demo, [str(demo["bidang1"].unit_id), str(demo["bidang2"].unit_id)])
    assert response.status_code == 303
    assert db.session.scalar(select(Run)).fan_out_units == {"units": [demo["bidang1"].unit_id, demo["bidang2"].unit_id]}


def test_reassign_select_starts_empty_and_lists_role_holders_first(app, demo, client):
    from tests.helpers import open_tasks, start_pk

    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "admin")
    page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    select = page.split(f'id="u-{task.id}"')[1].split("</select>")[0]
    first_option = select.split("<option", 1)[1].split("</option>")[0]
    assert first_option.startswith(' value=""') and first_option.endswith(">- pilih -")
    fitting = select.split("<optgroup")[1]
    assert "Memegang peran" in fitting and demo["kadis"].nama in fitting and demo["admin"].nama not in fitting
    assert demo["biro"].nama not in select and demo["bappeda"].nama not in select
    refused = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["biro"].id, "alasan": "uji"})
    assert refused.status_code == 303
    db.session.expire_all()
    assert open_tasks(run.id)[0].assignee_id is None


def test_core_forms_are_flask_wtf_forms_rendered_by_one_macro(app, demo, client):
    """Login, start, reassign and cancel render through templates/macros/fields.html and validate in Indonesian."""
    from tests.helpers import open_tasks, start_pk

    empty = client.post("/masuk", data={"username": "", "password": ""})
    assert empty.status_code == 401 and "Nama pengguna wajib diisi." in empty.get_data(as_text=True)
    login(client, "kadis")
    start = client.post("/pelaksanaan/baru/pk_jabar", data={"judul": "x" * 301, "tahun": "2027"})
    body = start.get_data(as_text=True)
    assert start.status_code == 400 and "Judul paling panjang 300 karakter." in body and 'aria-invalid="true"' in body
    client.post("/keluar")
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "admin")
    no_reason = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["kadis"].id, "alasan": ""})
    assert no_reason.status_code == 303
    assert "Alasan pengalihan wajib diisi." in client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    no_user = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": "", "alasan": "cuti"})
    assert no_user.status_code == 303
    assert "Pilih pengguna tujuan." in client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    client.post(f"/pelaksanaan/{run.id}/batalkan", data={"alasan": ""})
    page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert "Alasan pembatalan wajib diisi." in page and 'for="alasan-batal"' in page and 'id="alasan-batal"' in page
