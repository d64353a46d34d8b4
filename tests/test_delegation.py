"""Plt./Plh. delegation: on and off by date, acting for the official through the web, recorded as such."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import delegation
from portal.extensions import db
from portal.models import AuditEvent, Delegation
from tests.helpers import advance, open_tasks, start_pk


def _name(client, official, substitute, start, end, kind="Plh.", nomor="800/12/SEKRT"):
    return client.post("/delegasi", data={"pejabat": official.id, "pengganti": substitute.id, "jenis": kind,
                                          "mulai": start.isoformat(), "selesai": end.isoformat(), "nomor": nomor})


def test_plh_for_kadis_today_approves_and_every_record_says_so(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    [decision] = open_tasks(run.id)
    today = delegation.today()
    auth.login("sekretaris")
    assert client.get(f"/tugas/{decision.id}").status_code in (200,)  # heads see every run
    assert client.post(f"/tugas/{decision.id}/selesaikan", data={"tindakan": "setuju", "versi": decision.version}).status_code == 403
    assert client.get("/delegasi").status_code == 403  # only admins and the Kepala Dinas name substitutes
    auth.logout()

    auth.login("kadis")
    assert _name(client, demo["kadis"], demo["sekretaris"], today, today).status_code == 303
    assert "Plh. Hj. Rina Marlina" in client.get("/delegasi").text
    auth.logout()

    auth.login("sekretaris")
    assert f"/tugas/{decision.id}" in client.get("/tugas").text  # the official's task in Tugas Saya
    page = client.get(f"/tugas/{decision.id}").text
    assert 'id="acting-note"' in page and "Plh. Hj. Rina Marlina, S.E., M.M. atas nama Dr. H. Ahmad Suryana" in page
    assert client.post(f"/tugas/{decision.id}/selesaikan", data={"tindakan": "setuju", "versi": decision.version}).status_code == 303
    db.session.expire_all()
    done = db.session.get(type(decision), decision.id)
    assert done.completed_by_id == demo["sekretaris"].id and done.acting_note.startswith("Plh. Hj. Rina Marlina")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.task_id == decision.id, AuditEvent.action == "setuju"))
    assert event.detail.startswith("[Plh. Hj. Rina Marlina, S.E., M.M. atas nama Dr. H. Ahmad Suryana")
    assert "atas nama Dr. H. Ahmad Suryana" in client.get(f"/pelaksanaan/{run.id}").text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delegasi")).user_id == demo["kadis"].id


def test_substitute_is_told_of_the_officials_new_tasks(app, demo):
    from portal.models import Notification

    today = delegation.today()
    db.session.add(Delegation(official_id=demo["kadis"].id, substitute_id=demo["sekretaris"].id, kind="Plt.",
                              start_date=today, end_date=today, created_by_id=demo["admin"].id))
    db.session.commit()
    run = start_pk(app, demo)  # step 1 opens for the Kepala Dinas
    [task] = open_tasks(run.id)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.task_id == task.id)))
    assert told == {demo["kadis"].id, demo["sekretaris"].id}


def test_delegation_on_and_off_by_date(app, demo):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)
    [decision] = open_tasks(run.id)
    today = delegation.today()
    item = Delegation(official_id=demo["kadis"].id, substitute_id=demo["sekretaris"].id, kind="Plh.",
                      start_date=today - timedelta(days=3), end_date=today - timedelta(days=1),
                      created_by_id=demo["admin"].id)
    db.session.add(item)
    db.session.commit()
    from portal.access import can_act

    with app.test_request_context():
        assert not can_act(demo["sekretaris"], decision)  # ended yesterday
        item.end_date = today
        db.session.commit()
        assert can_act(demo["sekretaris"], decision)  # runs today
        assert delegation.status(item, today + timedelta(days=1)) == "Berakhir"
        assert not delegation.active_for(demo["sekretaris"], today + timedelta(days=1))  # tomorrow it has ended
        item.start_date = today + timedelta(days=1)
        item.end_date = today + timedelta(days=2)
        db.session.commit()
        assert not can_act(demo["sekretaris"], decision)  # not yet
        item.start_date, item.end_date = today, today
        delegation.revoke(demo["admin"], item)
        db.session.commit()
        assert not can_act(demo["sekretaris"], decision)  # revoked


def test_substitute_may_not_approve_what_they_drafted(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)  # step 3 drafted by perencana
    [decision] = open_tasks(run.id)
    today = delegation.today()
    auth.login("admin")
    assert _name(client, demo["kadis"], demo["perencana"], today, today).status_code == 303
    auth.logout()
    auth.login("perencana")
    response = client.post(f"/tugas/{decision.id}/selesaikan", data={"tindakan": "setuju", "versi": decision.version})
    assert response.status_code == 400 and "prinsip pembuat-pemeriksa" in response.text


def test_bad_input_is_refused_and_changes_nothing(app, demo, client, auth):
    today = delegation.today()
    auth.login("kadis")
    cases = [
        (_name(client, demo["kadis"], demo["kadis"], today, today), "harus orang yang berbeda"),
        (_name(client, demo["kadis"], demo["sekretaris"], today, today - timedelta(days=1)), "tidak boleh sebelum"),
        (_name(client, demo["kadis"], demo["sekretaris"], today, today, kind="Kepala"), "Plt. atau Plh."),
        (_name(client, demo["biro"], demo["sekretaris"], today, today), "tidak berwenang"),  # not his office
        (_name(client, demo["admin"], demo["sekretaris"], today, today), "tidak dapat diwakilkan"),  # would see everything
        (_name(client, demo["perencana"], demo["biro"], today, today), "pegawai internal"),
        (client.post("/delegasi", data={"pejabat": demo["kadis"].id, "pengganti": demo["sekretaris"].id, "mulai": "kemarin",
                                        "selesai": "x", "jenis": "Plh."}), "format tanggal"),
    ]
    for response, message in cases:
        assert response.status_code == 400 and message in response.text, message
    assert db.session.scalar(select(Delegation.id)) is None


def test_receipt_signed_by_a_substitute_says_plh(app, demo, client, auth):
    import io

    from portal.models import Receipt
    from tests.browser_support import pdf_text
    from tests.test_records import small_pdf

    today = delegation.today()
    db.session.add(Delegation(official_id=demo["perencana"].id, substitute_id=demo["kasubbag"].id, kind="Plh.",
                              start_date=today, end_date=today, created_by_id=demo["admin"].id))
    db.session.commit()
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=9)
    [task] = open_tasks(run.id)
    auth.login("kasubbag")
    client.post(f"/tugas/{task.id}/unggah", data={"berkas": (io.BytesIO(small_pdf()), "PK final.pdf")},
                content_type="multipart/form-data")
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version,
                                                                "penerima": demo["biro"].id})
    assert response.status_code == 303, response.text
    receipt = db.session.scalar(select(Receipt).where(Receipt.run_id == run.id))
    assert receipt.giver["nama"] == demo["kasubbag"].nama
    assert receipt.giver["atas_nama"].startswith("Plh. Dewi Lestari, S.Sos., M.Si. atas nama Budi Santoso")
    pdf = client.get(f"/tanda-terima/{receipt.id}.pdf")
    assert pdf.status_code == 200 and "atas nama Budi Santoso" in " ".join(pdf_text(pdf.data).split())
    auth.logout()
    page = client.get(f"/verifikasi/{receipt.token}")
    assert "atas nama Budi Santoso" in page.text
