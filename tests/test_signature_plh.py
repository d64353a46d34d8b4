"""Issue 10: the declared documents' signature blocks print "Plh. <jabatan>" and "atas nama
<official>" when a Plt./Plh. acted for the signing official in the run."""
import io

from pypdf import PdfReader

from portal import delegation
from portal.extensions import db
from portal.models import Delegation
from tests.helpers import advance, form_payload, open_tasks, start_pk
from tests.test_runner import complete, login


def _draft_with_kadis_as_second_party(app, demo, client):
    run = start_pk(app, demo, judul="PK Plh", units=[demo["bidang1"].unit_id])
    advance(app, run, until_step=3)
    [draft] = open_tasks(run.id)
    data = form_payload(draft)
    second_nip = [k for k in data if k.endswith("pihak2_nip")]
    assert second_nip, sorted(data)[:20]
    for key in second_nip:
        data[key] = demo["kadis"].nip
    for key in (k for k in data if k.endswith("pihak2_nama")):
        data[key] = demo["kadis"].nama
    for key in (k for k in data if k.endswith("pihak2_jabatan")):
        data[key] = "Kepala Dinas"
    for key in (k for k in data if k.endswith("pihak2_plt")):
        data[key] = ""
    login(client, "perencana")
    assert complete(client, draft, **data).status_code == 303
    client.post("/keluar")
    db.session.expire_all()
    [decision] = open_tasks(run.id)
    return run, decision


def _document_text(client, run) -> str:
    response = client.get(f"/pelaksanaan/{run.id}/dokumen/pk.pdf")
    assert response.status_code == 200, response.status_code
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace("\n", " ")


def test_plh_signs_for_the_kadis_in_the_pk_document(app, demo, client):
    run, decision = _draft_with_kadis_as_second_party(app, demo, client)
    today = delegation.today()
    db.session.add(Delegation(official_id=demo["kadis"].id, substitute_id=demo["sekretaris"].id, kind="Plh.",
                              start_date=today, end_date=today, created_by_id=demo["admin"].id))
    db.session.commit()
    login(client, "sekretaris")
    assert complete(client, decision, tindakan="setuju").status_code == 303
    text = _document_text(client, run)
    assert "Plh. Kepala Dinas" in text
    assert f"atas nama {demo['kadis'].nama}" in text
    assert demo["sekretaris"].nama in text  # the substitute signs with her own name and NIP
    assert "19730422 199803 2 003" in text


def test_without_delegation_the_official_signs(app, demo, client):
    run, decision = _draft_with_kadis_as_second_party(app, demo, client)
    login(client, "kadis")
    assert complete(client, decision, tindakan="setuju").status_code == 303
    text = _document_text(client, run)
    assert "atas nama" not in text and "Plh." not in text
    assert demo["kadis"].nama in text
