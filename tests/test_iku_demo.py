"""The IKU demo runs ([[contoh]]): Jawa Barat finished with its IKU and Berita Acara in the
archive, Tanjung Jabung Barat returned once at step 5 and waiting for the paraf (step 6)."""
import io
import json
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from portal.demo_contoh import create_declared_runs
from portal.extensions import db
from portal.models import ArchivedDocument, AuditEvent, Run, Task, utcnow
from portal.records import latest

HERE = Path(__file__).resolve().parent.parent / "plugins" / "iku" / "contoh"


def test_demo_runs_of_both_versions(app, demo):
    registry = app.extensions["portal_plugins"]
    with app.test_request_context():
        for sop_id in ("iku_jabar", "iku_tanjabbar"):
            assert create_declared_runs(registry.definition(sop_id), demo["kadis"], set(), utcnow() - timedelta(days=10)) == 1
        finished = db.session.scalar(select(Run).where(Run.sop_id == "iku_jabar"))
        waiting = db.session.scalar(select(Run).where(Run.sop_id == "iku_tanjabbar"))
        assert finished.status == "selesai" and finished.tahun == 2026
        expected = json.loads((HERE / "iku_jabar_2026.json").read_text(encoding="utf-8"))
        assert latest("iku", "iku", 2026)["data"]["baris"] == expected["baris"]
        archived = {d.filename: d for d in db.session.scalars(select(ArchivedDocument).where(ArchivedDocument.run_id == finished.id))}
        assert f"iku-2026-{finished.id}.pdf" in archived and f"berita-acara-desk-iku-2026-{finished.id}.pdf" in archived
        store = app.extensions["file_store"]
        with store.open(archived[f"iku-2026-{finished.id}.pdf"].sha256) as handle:
            text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages).split())
        assert "Nilai realisasi investasi PMA dan PMDN" in text and "86,5" in text and "RANCANGAN" not in text

        assert waiting.status == "berjalan"
        assert [t.step_no for t in db.session.scalars(select(Task).where(Task.run_id == waiting.id, Task.status == "terbuka"))] == [6]
        returns = db.session.scalars(select(AuditEvent).where(AuditEvent.run_id == waiting.id, AuditEvent.action == "kembali")).all()
        assert [r.step_no for r in returns] == [5]
        typed = db.session.scalars(select(Task).where(Task.run_id == waiting.id, Task.step_no == 4).order_by(Task.id)).all()
        assert len(typed) == 2 and typed[-1].form_data["baris"][0]["satuan"] == "Miliar Rupiah"
