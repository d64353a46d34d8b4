"""Maker-checker on decision steps through the web: the maker cannot approve their own work."""
from __future__ import annotations

import copy
import tomllib

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Role, UserRole
from portal.sop import DefinitionError, parse_definition
from tests.helpers import advance, form_payload, open_tasks, start_pk



def _kadis_drafts_step3(app, demo, client, auth):
    role = db.session.scalar(select(Role).where(Role.key == "tim_perencanaan"))
    db.session.add(UserRole(user_id=demo["kadis"].id, role_id=role.id))
    db.session.commit()
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    auth.login("kadis")
    response = client.post(f"/tugas/{task.id}/selesaikan", data={"tindakan": "selesai", "versi": task.version, **form_payload(task)})
    assert response.status_code == 303
    [decision] = open_tasks(run.id)
    assert decision.step_no == 4
    return run, decision


def test_maker_cannot_approve_own_work_but_may_return_it(app, demo, client, auth):
    run, decision = _kadis_drafts_step3(app, demo, client, auth)
    page = client.get(f"/tugas/{decision.id}").text
    assert 'id="maker-checker-note"' in page and "prinsip pembuat-pemeriksa" in page
    events = db.session.query(AuditEvent).count()
    response = client.post(f"/tugas/{decision.id}/selesaikan", data={"tindakan": "setuju", "versi": decision.version})
    assert response.status_code == 400
    assert "Anda sendiri yang mengerjakan langkah 3" in response.text
    db.session.expire_all()
    assert open_tasks(run.id)[0].id == decision.id and open_tasks(run.id)[0].status == "terbuka"
    assert db.session.query(AuditEvent).count() == events  # nothing changed
    response = client.post(f"/tugas/{decision.id}/selesaikan",
                           data={"tindakan": "kembali", "versi": decision.version, "catatan": "Saya perbaiki dulu"})
    assert response.status_code == 303


def test_step_can_allow_the_maker_with_pemeriksa_berbeda_false(app, demo, client, auth):
    run, decision = _kadis_drafts_step3(app, demo, client, auth)
    snapshot = copy.deepcopy(run.definition)
    snapshot["steps"][3]["checker_differs"] = False
    run.definition, run.definition_sha = snapshot, ""
    task_id, version = decision.id, decision.version
    db.session.commit()
    run.__dict__.pop("sop", None)  # the parsed definition is cached per instance (one request's session)
    assert 'id="maker-checker-note"' not in client.get(f"/tugas/{task_id}").text
    response = client.post(f"/tugas/{task_id}/selesaikan", data={"tindakan": "setuju", "versi": version})
    assert response.status_code == 303


def test_a_different_checker_approves(app, demo, client, auth):
    run = start_pk(app, demo)
    advance(app, run, until_step=4)  # step 3 by perencana
    [decision] = open_tasks(run.id)
    auth.login("kadis")
    assert 'id="maker-checker-note"' not in client.get(f"/tugas/{decision.id}").text
    assert client.post(f"/tugas/{decision.id}/selesaikan",
                       data={"tindakan": "setuju", "versi": decision.version}).status_code == 303


def _pk_raw():
    with open("plugins/pk/sop_jabar.toml", "rb") as handle:
        return tomllib.load(handle)


def test_definition_keys_are_validated():
    raw = _pk_raw()
    raw["langkah"][3]["pemeriksa_berbeda"] = False
    raw["langkah"][2]["berkas_wajib"] = 2
    raw["langkah"][4]["berkas_wajib"] = True
    definition = parse_definition(raw)
    assert definition.step(4).checker_differs is False and definition.step(6).checker_differs is True
    assert definition.step(3).evidence_required == 2 and definition.step(5).evidence_required == 1
    assert definition.step(1).evidence_required == 0
    bad = _pk_raw()
    bad["langkah"][3]["pemeriksa_berbeda"] = "ya"
    bad["langkah"][2]["berkas_wajib"] = -1
    with pytest.raises(DefinitionError) as error:
        parse_definition(bad)
    text = str(error.value)
    assert "langkah 4, field pemeriksa_berbeda: harus true atau false" in text
    assert "langkah 3, field berkas_wajib" in text
