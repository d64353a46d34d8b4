"""The step page as a newcomer meets it: in-place errors, double clicks, the size limit, wording."""
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Task
from tests.helpers import advance, form_payload, open_tasks, start_pk
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
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **form_payload(task)},
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


def _returned_step(app, demo, client, reason):
    from portal.demo_runs import actor_for

    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    [task] = open_tasks(run.id)
    login(client, actor_for(task).username)
    assert complete(client, task, tindakan="kembali", catatan=reason).status_code == 303
    client.post("/keluar")
    [redo] = open_tasks(run.id)
    login(client, actor_for(redo).username)
    return run, redo


def test_returned_step_shows_the_reason_on_top_with_line_breaks(app, demo, client):
    run, redo = _returned_step(app, demo, client, "Target investasi terlalu rendah.\nSesuaikan dengan RPJMD.")
    page = client.get(f"/tugas/{redo.id}").get_data(as_text=True)
    notice = page.split('id="return-notice"')[1].split("</section>")[0]
    assert "Dikembalikan untuk perbaikan" in notice and "Dr. H. Ahmad Suryana" in notice
    assert "Target investasi terlalu rendah.\nSesuaikan dengan RPJMD." in notice  # shown with white-space: pre-line
    assert 'class="catatan"' in notice and "Percobaan sebelumnya" in notice
    assert page.index('id="return-notice"') < page.index("Hasil langkah sebelumnya")


def test_older_attempts_are_folded(app, demo, client):
    from portal.demo_runs import step_once

    run, redo = _returned_step(app, demo, client, "Perbaiki.")
    with app.test_request_context():
        from portal import runner

        step_once(run, runner.utcnow())  # step 3 again
        db.session.commit()
    [step4] = open_tasks(run.id)
    client.post("/keluar")
    from portal.demo_runs import actor_for

    login(client, actor_for(step4).username)
    page = client.get(f"/tugas/{step4.id}").get_data(as_text=True)
    assert "Percobaan sebelumnya langkah 3 (1)" in page and "<details" in page


def test_fan_out_results_name_the_unit(app, demo, client):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id, demo["bidang2"].unit_id])
    advance(app, run, until_step=8)
    [task] = open_tasks(run.id)
    from portal.demo_runs import actor_for

    login(client, actor_for(task).username)
    page = client.get(f"/tugas/{task.id}").get_data(as_text=True)
    earlier = page.split("Hasil langkah sebelumnya")[1].split("</section>")[0]
    assert demo["bidang1"].unit.nama in earlier and demo["bidang2"].unit.nama in earlier


def test_wording_on_the_start_form_and_run_page(app, demo, client):
    login(client, "kadis")
    form = client.get("/pelaksanaan/baru/pk_jabar").get_data(as_text=True)
    assert "Unit yang mengisi:" in form and "fan-out" not in form and "langkah 7" not in form
    run = start_pk(app, demo)
    page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert "Masih dalam batas waktu" in page or "Terlambat" in page
    assert ">Berjalan<" not in page.split('id="steps"')[1].split("</table>")[0]
    sop = client.get("/sop/pk_jabar").get_data(as_text=True)
    assert "Sumber definisi" not in sop and "sop_jabar.toml" not in sop


def test_demo_just_started_run_is_never_already_late(app):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from portal.demo_runs import just_started

    wib = ZoneInfo("Asia/Jakarta")
    calendar = app.extensions["worktime"]
    cases = {  # now (WIB) -> expected start (WIB)
        datetime(2026, 11, 23, 20, 0): datetime(2026, 11, 23, 15, 50),   # Monday evening
        datetime(2026, 11, 24, 10, 0): datetime(2026, 11, 24, 9, 50),    # Tuesday morning
        datetime(2026, 11, 24, 7, 0): datetime(2026, 11, 23, 15, 50),    # before opening: last closing time
        datetime(2026, 11, 28, 10, 0): datetime(2026, 11, 27, 15, 50),   # Saturday: Friday
        datetime(2026, 11, 24, 7, 35): datetime(2026, 11, 24, 7, 30),    # just after opening
    }
    for now_local, expected in cases.items():
        now = now_local.replace(tzinfo=wib).astimezone(timezone.utc)
        start = just_started(now)
        assert start.astimezone(wib).replace(tzinfo=None) == expected, now_local
        assert calendar.add(start, 30, "menit") > now, now_local


def test_zero_working_minutes_are_explained(app, demo, client):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from portal import runner
    from tests.helpers import pk_definition

    evening = datetime(2026, 11, 23, 20, 0, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(timezone.utc)
    with app.test_request_context():
        run = runner.start_run(pk_definition(app), demo["kadis"], judul="PK malam", tahun=2026,
                               unit_id=demo["kadis"].unit_id, now=evening)
        db.session.commit()
        [task] = open_tasks(run.id)
        runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai",
                             now=evening + timedelta(minutes=10))
        db.session.commit()
    login(client, "kadis")
    row = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True).split('id="steps"')[1].split("</tr>")[1]
    assert "0 menit" in row and "di luar jam kerja" in row and "tidak dihitung" in row
