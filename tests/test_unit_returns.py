"""Issue 10: the checker after a fan-out returns only the units whose part was wrong."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Notification, Task
from tests.helpers import advance, form_payload, open_tasks, start_pk
from tests.test_runner import complete, login


def _at_checker(app, demo, client):
    units = [demo[k].unit_id for k in ("bidang1", "bidang2", "bidang3")]
    run = start_pk(app, demo, judul="PK per unit", units=units)
    advance(app, run, until_step=8)
    [checker] = open_tasks(run.id)
    login(client, "kepegawaian")
    return run, checker


def _step7(run_id):
    return list(db.session.scalars(select(Task).where(Task.run_id == run_id, Task.step_no == 7).order_by(Task.id)))


def test_checker_returns_only_the_chosen_unit(app, demo, client):
    run, checker = _at_checker(app, demo, client)
    b1, b2, b3 = (demo[k].unit for k in ("bidang1", "bidang2", "bidang3"))
    page = client.get(f"/tugas/{checker.id}").get_data(as_text=True)
    assert 'id="unit-returns"' in page and all(u.nama in page for u in (b1, b2, b3))

    no_reason = complete(client, checker, tindakan="kembali", unit_kembali=[str(b2.id)])
    assert no_reason.status_code == 400 and f"Alasan untuk {b2.nama} wajib diisi." in no_reason.get_data(as_text=True)
    outsider = complete(client, checker, tindakan="kembali", unit_kembali=["99999"], alasan_unit_99999="x")
    assert outsider.status_code == 400 and "tidak mengerjakan langkah yang diperiksa" in outsider.get_data(as_text=True)
    db.session.expire_all()
    assert [t.step_no for t in open_tasks(run.id)] == [8]

    response = complete(client, checker, tindakan="kembali", unit_kembali=[str(b2.id)],
                        **{f"alasan_unit_{b2.id}": "Target kinerja pelaksana belum diisi."})
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    [redo] = open_tasks(run.id)
    assert (redo.step_no, redo.unit_id, redo.attempt) == (7, b2.id, 2)
    done = [t for t in _step7(run.id) if t.unit_id != b2.id]
    assert len(done) == 2 and all(t.status == "selesai" and t.attempt == 1 for t in done)
    db.session.refresh(checker)
    assert checker.returned_units == {str(b2.id): "Target kinerja pelaksana belum diisi."}

    # only the returned unit is told, with its reason
    told = {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.kind == "dikembalikan"))}
    assert set(told) == {demo["bidang2"].id}
    assert "Target kinerja pelaksana belum diisi." in told[demo["bidang2"].id].body

    # the run page and its audit trail show which unit redoes the step and why
    run_page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert f"Memperbaiki: {b2.nama}" in run_page and "2/3 unit" in run_page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.task_id == checker.id, AuditEvent.action == "kembali"))
    assert f"hanya unit {b2.nama}" in audit.detail and "Target kinerja pelaksana belum diisi." in audit.detail
    assert f"hanya unit {b2.nama}" in run_page

    # the unit sees the reason on its step page; the others have nothing to do
    client.post("/keluar")
    login(client, "bidang1")
    assert "Langkah 7" not in client.get("/tugas").get_data(as_text=True)
    client.post("/keluar")
    login(client, "bidang2")
    step_page = client.get(f"/tugas/{redo.id}").get_data(as_text=True)
    assert "Target kinerja pelaksana belum diisi." in step_page and "unit lain tetap selesai" in step_page
    assert complete(client, redo, **form_payload(redo)).status_code == 303

    # the checker opens again once the unit handed in; approving goes on to the hand-over
    db.session.expire_all()
    [again] = open_tasks(run.id)
    assert (again.step_no, again.attempt) == (8, 2)
    client.post("/keluar")
    login(client, "kepegawaian")
    assert complete(client, again, tindakan="setuju").status_code == 303
    db.session.expire_all()
    assert [t.step_no for t in open_tasks(run.id)] == [9]


def test_returning_without_choosing_units_reopens_every_unit(app, demo, client):
    run, checker = _at_checker(app, demo, client)
    response = complete(client, checker, tindakan="kembali", catatan="Semua unit perlu menyesuaikan format.")
    assert response.status_code == 303
    db.session.expire_all()
    reopened = open_tasks(run.id)
    assert len(reopened) == 3 and {t.attempt for t in reopened} == {2} and {t.step_no for t in reopened} == {7}
