"""The step runner through the web: start, Tugas Saya, complete, decisions, fan-out, pinning, admin."""
import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Run, Task
from tests.helpers import advance, form_payload, open_tasks, start_pk


def login(client, username):
    password = "admin2026" if username == "admin" else "sakip2026"
    assert client.post("/masuk", data={"username": username, "password": password}).status_code == 302


def complete(client, task, **data):
    data.setdefault("tindakan", "selesai")
    data.setdefault("versi", task.version)
    if task.step.form == "disposisi" and data["tindakan"] == "selesai":  # PK step 1: the built-in lembar disposisi
        from tests.helpers import form_payload

        for key, value in form_payload(task).items():
            data.setdefault(key, value)
    return client.post(f"/tugas/{task.id}/selesaikan", data=data)


def test_only_first_step_role_can_start(app, demo, client):
    login(client, "perencana")
    assert client.get("/pelaksanaan/baru/pk_jabar").status_code == 403
    assert client.post("/pelaksanaan/baru/pk_jabar", data={"judul": "x", "tahun": "2026"}).status_code == 403
    assert db.session.scalar(select(func.count(Run.id))) == 0


def test_start_validates_and_creates_first_task(app, demo, client):
    login(client, "kadis")
    bad = client.post("/pelaksanaan/baru/pk_jabar", data={"judul": "", "tahun": "dua ribu", "fan_out": []})
    assert bad.status_code == 400 and "Tahun harus berupa angka" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Run.id))) == 0
    units = [str(u.id) for u in [demo["bidang1"].unit, demo["bidang2"].unit]]
    ok = client.post("/pelaksanaan/baru/pk_jabar", data={"judul": "PK 2027", "tahun": "2027", "fan_out": units,
                                                         "unit_id": demo["kadis"].unit_id})
    assert ok.status_code == 303
    run = db.session.scalar(select(Run))
    assert (run.judul, run.tahun, run.sop_versi, run.current_step_no) == ("PK 2027", 2027, "2023.1", 1)
    [task] = open_tasks(run.id)
    assert task.role_key == "kepala_dinas" and task.due_at > task.created_at
    page = client.get("/tugas").get_data(as_text=True)
    assert "PK 2027" in page and "Mendisposisi penyusunan Perjanjian Kinerja" in page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "mulai")) == 1


def test_tasks_only_for_holders_and_403_for_others(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    assert "PK uji" not in client.get("/tugas").get_data(as_text=True)
    assert complete(client, task).status_code == 403
    assert open_tasks(run.id)[0].id == task.id


def test_complete_moves_on_and_second_submit_gets_409(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    first = complete(client, task, catatan="Segera disusun")
    assert first.status_code == 303
    second = complete(client, task)
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert re.search(r"Langkah ini sudah diselesaikan oleh Dr\. H\. Ahmad Suryana, M\.Si\. pada \d+ \w+ \d{4} \d\d\.\d\d WIB", text)
    assert db.session.scalar(select(func.count(Task.id)).where(Task.run_id == run.id, Task.status == "selesai")) == 1
    [nxt] = open_tasks(run.id)
    assert nxt.step_no == 2 and nxt.role_key == "tim_perencanaan"


def test_declared_form_errors_change_nothing(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    payload = form_payload(task)
    payload.update({"entri-0-sasaran-0-indikator": "", "entri-0-sasaran-0-target": "seratus"})
    response = complete(client, task, **payload)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Wajib diisi." in text and "&#34;seratus&#34; bukan angka" in text and "Belum ada yang disimpan" in text
    db.session.refresh(task)
    assert task.status == "terbuka" and task.version == 1 and task.form_data is None
    payload.update({"entri-0-sasaran-0-indikator": "Realisasi investasi", "entri-0-sasaran-0-target": "97,5"})
    ok = complete(client, task, **payload)
    assert ok.status_code == 303
    db.session.refresh(task)
    row = task.form_data["entri"][0]["sasaran"][0]
    assert row["indikator"] == "Realisasi investasi" and row["target"] == 97.5


def test_return_needs_reason_goes_back_and_is_counted(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    refused = complete(client, task, tindakan="kembali", catatan="  ")
    assert refused.status_code == 400 and "Alasan wajib diisi." in refused.get_data(as_text=True)
    assert complete(client, task, tindakan="kembali", catatan="Target belum sesuai Renstra").status_code == 303
    [back] = open_tasks(run.id)
    assert (back.step_no, back.attempt) == (3, 2)
    db.session.refresh(run)
    assert run.return_count == 1
    page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert "1 kali" in page and "Target belum sesuai Renstra" in page
    assert complete(client, task, tindakan="selesai").status_code == 409


def test_wrong_action_for_step_refused(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    assert complete(client, task, tindakan="setuju").status_code == 400
    assert complete(client, task, tindakan="lewati", catatan="x").status_code == 400


def test_fan_out_progress_and_finish(app, demo, client):
    units = [demo["bidang1"].unit_id, demo["bidang2"].unit_id]
    run = start_pk(app, demo, units=units)
    advance(app, run, until_step=7)
    tasks = open_tasks(run.id)
    assert sorted(t.unit_id for t in tasks) == sorted(units) and all(t.step_no == 7 for t in tasks)
    login(client, "bidang1")
    mine = [t for t in tasks if t.unit_id == demo["bidang1"].unit_id][0]
    other = [t for t in tasks if t.unit_id != demo["bidang1"].unit_id][0]
    assert "PK uji" in client.get("/tugas").get_data(as_text=True)
    assert complete(client, other).status_code == 403
    assert complete(client, mine, **form_payload(mine)).status_code == 303
    assert "1/2 unit" in client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert [t.step_no for t in open_tasks(run.id)] == [7]
    client.post("/keluar")
    login(client, "bidang2")
    assert complete(client, other, **form_payload(other)).status_code == 303
    assert [t.step_no for t in open_tasks(run.id)] == [8]


def test_run_is_pinned_to_its_definition(app, demo):
    run = start_pk(app, demo)
    registry = app.extensions["portal_plugins"]
    original = registry.definitions["pk_jabar"]
    import dataclasses

    registry.definitions["pk_jabar"] = dataclasses.replace(original, versi="2099.1", steps=original.steps[:2])
    try:
        advance(app, run, until_step=3)  # step 3 no longer exists in the "upgraded" plugin
        db.session.refresh(run)
        assert run.sop_versi == "2023.1" and len(run.sop.steps) == 9
    finally:
        registry.definitions["pk_jabar"] = original


def test_take_task_records_and_limits(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=7)
    task = [t for t in open_tasks(run.id) if t.unit_id == demo["urusan"].unit_id][0]
    login(client, "urusan")
    assert client.post(f"/tugas/{task.id}/ambil").status_code == 302
    db.session.refresh(task)
    assert task.assignee_id == demo["urusan"].id
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "ambil")) == 1


def test_admin_reassign_and_cancel_are_audited(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "admin")
    no_reason = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["sekretaris"].id, "alasan": ""})
    assert no_reason.status_code == 303
    db.session.refresh(task)
    assert task.assignee_id is None
    client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["sekretaris"].id, "alasan": "Kadis dinas luar"})
    db.session.refresh(task)
    assert task.assignee_id == demo["sekretaris"].id
    client.post("/keluar")
    login(client, "kadis")
    assert complete(client, task).status_code == 403  # now only the Sekretaris may act
    client.post("/keluar")
    login(client, "perencana")
    assert client.post(f"/pelaksanaan/{run.id}/batalkan", data={"alasan": "x"}).status_code == 403
    client.post("/keluar")
    login(client, "admin")
    client.post(f"/pelaksanaan/{run.id}/batalkan", data={"alasan": "Diganti pelaksanaan lain"})
    db.session.refresh(run)
    assert run.status == "dibatalkan" and open_tasks(run.id) == []
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.run_id == run.id)))
    assert {"mulai", "alihkan", "batalkan"} <= actions


def test_overdue_badge_and_filters(app, demo, client):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    task.due_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    login(client, "kadis")
    assert "Terlambat" in client.get("/tugas").get_data(as_text=True)
    assert "PK uji" in client.get("/tugas?status=terlambat").get_data(as_text=True)
    assert "PK uji" not in client.get("/tugas?tahun=2030").get_data(as_text=True)
    fragment = client.get("/tugas?status=terbuka", headers={"HX-Request": "true", "HX-Target": "task-list"})
    assert "<html" not in fragment.get_data(as_text=True) and "PK uji" in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers.get("Vary", "")
    assert client.get("/tugas/jumlah").get_data(as_text=True).count(">1<") == 1


def test_step_page_shows_standard_due_and_kelengkapan(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=2)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    page = client.get(f"/tugas/{task.id}").get_data(as_text=True)
    for text in ("Dokumen cascading, regulasi, referensi", "300 menit", "Rekapitulasi data penyusunan PK", "Batas waktu", "Selesaikan"):
        assert text in page
