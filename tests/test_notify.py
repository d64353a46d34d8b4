"""Notifications through the transactional outbox: written with the change, delivered once, by email over SMTP."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import runner
from portal.extensions import db
from portal.models import Notification, NotificationPreference, OutboxMessage, Task, User, utcnow
from portal.notify import worker
from tests.helpers import form_payload, open_tasks, start_pk
from tests.smtp_sink import SmtpSink, free_port


@pytest.fixture
def sink(app):
    """A loopback SMTP server the app sends to."""
    server = SmtpSink().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", server.port
    yield server
    server.stop()


def _count(model, *where):
    return db.session.scalar(select(func.count(model.id)).where(*where))


def _complete_step1_through_web(app, demo, client, auth):
    run = start_pk(app, demo)
    task = open_tasks(run.id)[0]
    auth.login("kadis")
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **form_payload(task)})
    assert response.status_code == 303, response.text
    return run


def test_completion_notifies_next_holder_in_app_and_by_email(app, demo, client, auth, sink):
    run = _complete_step1_through_web(app, demo, client, auth)
    step2 = open_tasks(run.id)[0]
    perencana = demo["perencana"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == perencana.id))
    assert note is not None and note.kind == "tugas_baru" and note.url == f"/tugas/{step2.id}"
    assert _count(Notification, Notification.task_id == step2.id) == 1  # perencana only
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.notification_id == note.id)))
    assert [(r.channel, r.recipient, r.status) for r in rows] == [("email", perencana.email, "menunggu")]

    assert worker.run_once("w1") == {"terkirim": _count(OutboxMessage)}
    mails = [m for to, m in sink.messages if perencana.email in to]
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    assert "Tugas baru" in mails[0]["Subject"] and "Yth. " + perencana.nama in body
    assert f"https://sop.dpmptsp.example/tugas/{step2.id}" in body
    assert mails[0]["Message-ID"].startswith("<sop-portal-outbox-")
    assert worker.run_once("w1") == {}  # nothing is sent twice
    assert len(sink.messages) == _count(OutboxMessage)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, rows[0].id).status == "terkirim"


def test_rolled_back_completion_leaves_no_notification(app, demo):
    run = start_pk(app, demo)
    db.session.execute(db.delete(OutboxMessage))
    db.session.execute(db.delete(Notification))
    db.session.commit()
    task = open_tasks(run.id)[0]
    with app.test_request_context():
        runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai")
        assert _count(Notification) > 0  # written in the completion's transaction …
        db.session.rollback()
    assert _count(Notification) == 0 and _count(OutboxMessage) == 0  # … and gone with it
    assert open_tasks(run.id)[0].step_no == 1


def test_failing_plugin_hook_rolls_back_completion_and_its_notifications(app, demo, client, auth):
    from portal.hookspecs import hookimpl

    class Broken:
        @hookimpl
        def portal_step_completed(self, definition, run, task, outcome):
            raise RuntimeError("plugin gagal")

    run = start_pk(app, demo)
    before = _count(Notification)
    app.extensions["portal_plugins"].pm.register(Broken())
    task = open_tasks(run.id)[0]
    auth.login("kadis")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **form_payload(task)})
    assert response.status_code == 500
    db.session.expire_all()
    assert _count(Notification) == before
    assert _count(OutboxMessage, OutboxMessage.notification_id.notin_(select(Notification.id))) == 0


def test_two_workers_racing_deliver_each_message_once(app, demo, sink):
    for i in range(6):
        run = start_pk(app, demo, judul=f"PK {i}")
        with app.test_request_context():
            task = open_tasks(run.id)[0]
            runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai")
            db.session.commit()
    total = _count(OutboxMessage)
    assert total >= 6
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work(name):
        try:
            with app.app_context():
                barrier.wait()
                counts = {}
                while True:  # keep claiming until nothing is left for this worker
                    got = worker.run_once(name, limit=2)
                    if not got:
                        break
                    for k, v in got.items():
                        counts[k] = counts.get(k, 0) + v
                results.append(counts)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r.get("terkirim", 0) for r in results) == total
    ids = [m["Message-ID"] for _, m in sink.messages]
    assert len(ids) == total and len(set(ids)) == total  # each row delivered exactly once
    db.session.expire_all()
    assert _count(OutboxMessage, OutboxMessage.status == "terkirim") == total


def test_failed_delivery_retries_with_backoff_then_gagal_and_admin_can_resend(app, demo, client, auth):
    app.config.update(MAIL_SERVER="127.0.0.1", OUTBOX_MAX_ATTEMPTS=2)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", free_port()  # nobody listens
    run = start_pk(app, demo)
    with app.test_request_context():
        task = open_tasks(run.id)[0]
        runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai")
        db.session.commit()
    row = db.session.scalars(select(OutboxMessage)).first()
    now = utcnow()
    assert worker.run_once("w", now=now)["menunggu"] >= 1
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.attempts == 1 and row.status == "menunggu" and row.last_error
    assert row.next_attempt_at >= now + timedelta(seconds=29)
    assert worker.run_once("w", now=now + timedelta(seconds=10)) == {}  # not before its time
    assert worker.run_once("w", now=now + timedelta(seconds=31)).get("gagal")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "gagal"

    auth.login("perencana")
    assert client.get("/admin/notifikasi").status_code == 403
    assert client.post(f"/admin/notifikasi/{row.id}/ulang").status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/notifikasi?status=gagal").text
    assert "Gagal" in page and row.recipient in page and "ConnectionRefusedError" in page
    assert client.post(f"/admin/notifikasi/{row.id}/ulang").status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "menunggu"


def test_worker_killed_mid_delivery_is_picked_up_after_the_lease(app, demo, sink):
    run = start_pk(app, demo)
    with app.test_request_context():
        task = open_tasks(run.id)[0]
        runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai")
        db.session.commit()
    total = _count(OutboxMessage)
    now = utcnow()
    claimed = worker.claim("dead-worker", now=now)  # claimed, then the process died before sending
    assert len(claimed) == total
    assert worker.run_once("w2", now=now + timedelta(seconds=10)) == {}  # the lease still runs
    later = now + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert worker.run_once("w2", now=later) == {"terkirim": total}
    assert len(sink.messages) == total
    assert worker.deliver(claimed[0], "dead-worker") == "dilewati"  # the old claim cannot send again


def test_user_switches_email_off_per_kind(app, demo, client, auth, sink):
    auth.login("perencana")
    page = client.get("/notifikasi/pengaturan").text
    assert "Tugas baru" in page and "perencana@dpmptsp.example.go.id" in page
    form = {f"email:{k}": "1" for k in ("dikembalikan", "dialihkan", "pengingat", "terlambat", "eskalasi")}
    assert client.post("/notifikasi/pengaturan", data=form).status_code == 303
    perencana = demo["perencana"]
    assert db.session.scalar(select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == perencana.id, NotificationPreference.kind == "tugas_baru")) is False
    auth.logout()
    run = _complete_step1_through_web(app, demo, client, auth)
    note = db.session.scalar(select(Notification).where(Notification.user_id == perencana.id))
    assert note is not None  # the bell still shows it
    assert _count(OutboxMessage, OutboxMessage.notification_id == note.id) == 0  # but no email
    assert run.id


def test_bell_list_and_read_marks_are_per_user(app, demo, client, auth):
    _complete_step1_through_web(app, demo, client, auth)
    auth.logout()
    auth.login("perencana")
    bell = client.get("/notifikasi/lonceng").text
    assert 'data-testid="notif-count">1<' in bell and "has-unread" in bell
    note = db.session.scalar(select(Notification).where(Notification.user_id == demo["perencana"].id))
    page = client.get("/notifikasi").text
    assert note.title in page and "Belum dibaca" in page
    response = client.post(f"/notifikasi/{note.id}/buka")
    assert response.status_code == 303 and response.headers["Location"].endswith(note.url)
    assert 'data-testid="notif-count">0<' in client.get("/notifikasi/lonceng").text
    client.post(f"/notifikasi/{note.id}/tandai")
    assert 'data-testid="notif-count">1<' in client.get("/notifikasi/lonceng").text
    client.post("/notifikasi/semua-dibaca")
    assert 'data-testid="notif-count">0<' in client.get("/notifikasi/lonceng").text
    auth.logout()
    auth.login("kasubbag")
    assert client.post(f"/notifikasi/{note.id}/buka").status_code == 404
    assert client.post(f"/notifikasi/{note.id}/tandai").status_code == 404
    auth.logout()
    assert client.get("/notifikasi/lonceng").status_code == 204


def test_return_and_reassign_notify(app, demo, client, auth):
    from tests.helpers import advance

    run = start_pk(app, demo)
    advance(app, run, 4)
    task = open_tasks(run.id)[0]
    auth.login("kadis")
    client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "kembali", "versi": task.version, "catatan": "Perbaiki target"})
    returned = db.session.scalar(select(Notification).where(Notification.kind == "dikembalikan"))
    assert returned is not None and returned.user_id == demo["perencana"].id
    redo = open_tasks(run.id)[0]
    with app.test_request_context():
        runner.reassign_task(redo, demo["admin"], demo["kasubbag"], "Perencana cuti")
        db.session.commit()
    moved = db.session.scalar(select(Notification).where(Notification.kind == "dialihkan"))
    assert moved.user_id == demo["kasubbag"].id and "Perencana cuti" in moved.body

