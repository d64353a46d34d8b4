"""The step page as a newcomer meets it: in-place errors, double clicks, the size limit, wording."""
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Task
from tests.helpers import advance, open_tasks, start_pk
from tests.test_runner import complete, login

HX = {"HX-Request": "true", "HX-Target": "step-panel"}


def test_refused_completion_answers_the_panel_in_place(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    [task] = open_tasks(run.id)
    from portal.demo_runs import actor_for

    login(client, actor_for(task).username)
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "kembali", "versi": task.version,
                                                                  "catatan": ""}, headers=HX)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Alasan wajib diisi." in body and "<html" not in body and 'id="complete-form"' in body
    assert "HX-Redirect" not in response.headers


def test_completion_through_htmx_redirects_to_the_run(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version},
                           headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/pelaksanaan/{run.id}"
    assert "Langkah diselesaikan." in client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)


def test_double_click_shows_success_not_a_conflict(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    version = task.version
    login(client, "kadis")
    first = complete(client, task, versi=version)
    second = complete(client, task, versi=version)  # the same form posted again
    assert first.status_code == 303 and second.status_code == 303
    assert second.headers["Location"].endswith(f"/pelaksanaan/{run.id}")
    done = db.session.scalar(select(func.count(Task.id)).where(Task.run_id == run.id, Task.status == "selesai"))
    assert done == 1


def test_someone_elses_completion_is_still_a_conflict(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    version = task.version
    login(client, "kadis")
    assert complete(client, task).status_code == 303
    client.post("/keluar")
    login(client, "admin")  # not the completer: a stale form of someone else is a 409
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": version})
    assert response.status_code in (403, 409)
    client.post("/keluar")
    login(client, "kadis")
    stale = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": version - 1})
    assert stale.status_code == 409


def test_upload_over_the_limit_answers_the_files_card(app, demo, client):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["MAX_UPLOAD_MB"] = 20
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    response = client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(b"%PDF-" + b"0" * 200_000), "besar.pdf")},
                           content_type="multipart/form-data", headers={"HX-Request": "true", "HX-Target": "step-files"})
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "melebihi batas 20 MB" in body and "<html" not in body and 'name="berkas"' in body
