"""Evidence on steps through the web: required files, remove/replace before completion, reuse on a redo."""
from __future__ import annotations

import copy
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, AuditEvent
from tests.helpers import advance, form_payload, open_tasks, start_pk



def _pdf(text: str) -> bytes:
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + text.encode() +
            b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _files(name: str):
    return {"berkas": [(io.BytesIO(_pdf(name)), name)]}


def _require_files_on_step3(run, count=1):
    snapshot = copy.deepcopy(run.definition)
    snapshot["steps"][2]["evidence_required"] = count
    run.definition, run.definition_sha = snapshot, ""
    db.session.commit()
    run.__dict__.pop("sop", None)


def _complete(client, task, **data):
    return client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **form_payload(task), **data})


def _current(task_id):
    return list(db.session.scalars(select(Attachment).where(Attachment.task_id == task_id, Attachment.replaced_at.is_(None))))


def test_required_file_remove_and_replace_before_completion(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    _require_files_on_step3(run)
    [task] = open_tasks(run.id)
    auth.login("perencana")
    page = client.get(f"/tugas/{task.id}").text
    assert "Wajib: 1 berkas output" in page and "0 terunggah" in page
    refused = _complete(client, task)
    assert refused.status_code == 400 and "wajib melampirkan berkas output" in refused.text
    db.session.expire_all()
    assert open_tasks(run.id)[0].id == task.id

    assert client.post(f"/tugas/{task.id}/unggah", data=_files("draf-1.pdf"), content_type="multipart/form-data").status_code == 303
    [first] = _current(task.id)
    replaced = client.post(f"/tugas/{task.id}/berkas/{first.id}/ganti", data=_files("draf-2.pdf"),
                           content_type="multipart/form-data")
    assert replaced.status_code == 303
    db.session.expire_all()
    [second] = _current(task.id)
    old = db.session.get(Attachment, first.id)
    assert second.filename == "draf-2.pdf" and old.replaced_at is not None
    assert old.replaced_by_id == demo["perencana"].id and old.replaced_note == "diganti dengan draf-2.pdf"
    assert client.get(f"/berkas/{old.id}").status_code == 200  # the stored file is kept
    page = client.get(f"/tugas/{task.id}").text
    assert "Berkas yang dihapus/diganti (1)" in page and "<s>draf-1.pdf</s>" in page

    assert client.post(f"/tugas/{task.id}/berkas/{second.id}/hapus").status_code == 303
    assert _current(task.id) == []
    assert "wajib melampirkan" in _complete(client, task).text
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)))
    assert "ganti_berkas" in actions and "hapus_berkas" in actions

    client.post(f"/tugas/{task.id}/unggah", data=_files("final.pdf"), content_type="multipart/form-data")
    assert _complete(client, task).status_code == 303
    [final] = _current(task.id)
    assert client.post(f"/tugas/{task.id}/berkas/{final.id}/hapus").status_code == 403  # completed: frozen


def test_only_the_holder_changes_files(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    auth.login("perencana")
    client.post(f"/tugas/{task.id}/unggah", data=_files("draf.pdf"), content_type="multipart/form-data")
    [item] = _current(task.id)
    auth.logout()
    auth.login("kasubbag")  # an observer: sees the run, may not act
    assert client.post(f"/tugas/{task.id}/berkas/{item.id}/hapus").status_code == 403
    assert client.post(f"/tugas/{task.id}/berkas/{item.id}/ganti", data=_files("x.pdf"),
                       content_type="multipart/form-data").status_code == 403
    auth.logout()
    auth.login("bidang1")  # cannot even see it
    assert client.post(f"/tugas/{task.id}/berkas/{item.id}/hapus").status_code in (403, 404)
    db.session.expire_all()
    assert len(_current(task.id)) == 1


def test_redo_lists_earlier_files_to_keep(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    _require_files_on_step3(run)
    [task] = open_tasks(run.id)
    auth.login("perencana")
    client.post(f"/tugas/{task.id}/unggah", data={"berkas": [(io.BytesIO(_pdf("a")), "lampiran-a.pdf"),
                                                           (io.BytesIO(_pdf("b")), "lampiran-b.pdf")]},
                content_type="multipart/form-data")
    assert _complete(client, task).status_code == 303
    auth.logout()
    [decision] = open_tasks(run.id)
    auth.login("kadis")
    client.post(f"/tugas/{decision.id}/selesaikan", data={"tindakan": "kembali", "versi": decision.version,
                                                         "catatan": "Target kurang tinggi"})
    auth.logout()
    [redo] = open_tasks(run.id)
    assert redo.step_no == 3 and redo.attempt == 2
    auth.login("perencana")
    page = client.get(f"/tugas/{redo.id}").text
    assert "Berkas percobaan sebelumnya" in page and "lampiran-a.pdf" in page and "Pakai lagi" in page
    earlier = {a.filename: a for a in _current(task.id)}
    other_run = start_pk(app, demo, judul="Lain")
    assert client.post(f"/tugas/{redo.id}/berkas/{earlier['lampiran-a.pdf'].id}/pakai").status_code == 303
    kept = _current(redo.id)
    assert [(a.filename, a.kept_from_id, a.sha256) for a in kept] == [
        ("lampiran-a.pdf", earlier["lampiran-a.pdf"].id, earlier["lampiran-a.pdf"].sha256)]
    again = client.post(f"/tugas/{redo.id}/berkas/{earlier['lampiran-a.pdf'].id}/pakai", follow_redirects=True)
    assert "atau sudah dipakai" in again.text and len(_current(redo.id)) == 1  # refused: already kept
    [foreign] = open_tasks(other_run.id)
    client.post(f"/tugas/{redo.id}/unggah", data=_files("x.pdf"), content_type="multipart/form-data")
    stranger = client.post(f"/tugas/{redo.id}/berkas/{_current(redo.id)[-1].id}/pakai", follow_redirects=True)
    assert "bukan berkas percobaan sebelumnya" in stranger.text  # only the previous attempt's files
    assert foreign.run_id == other_run.id
    assert _complete(client, redo).status_code == 303
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "pakai_berkas")) == 1
