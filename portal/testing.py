"""Test helpers for plugin authors: a portal app on a fresh database, and a driver that
runs any loaded SOP definition end to end through the web with sample data generated
from its form schema (``flask plugin new`` writes a test that uses both)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db

SAMPLE_PDF_HTML = ("<html><head><style>{font} body {{ font-family: 'DejaVu Sans'; }}</style></head>"
                   "<body><p>Dokumen contoh untuk serah terima.</p></body></html>")


def portal_app(tmp_path: str | Path, *, plugins_dir: str | Path | None = None, config: dict | None = None):
    """A portal app (tests only) on a fresh, migrated SQLite database with the demo organisation."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import load_demo

    tmp = Path(tmp_path)
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'portal.db'}", "SECRET_KEY": "uji",
                "UPLOAD_DIR": str(tmp / "uploads"), "PORTAL_PLUGINS_DIR": str(plugins_dir or tmp / "plugins"),
                "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SERVER_NAME": "portal.test"}
    app = create_app({**settings, **(config or {})})
    with app.app_context():
        upgrade()
    with app.test_request_context():
        load_demo(with_runs=False)
        db.session.remove()
    return app


@dataclass
class EndToEnd:
    """What ``run_end_to_end`` did: the run, its final status, the steps completed in
    order and each declared document's PDF bytes."""

    run_id: int
    status: str
    steps: list[int] = field(default_factory=list)
    documents: dict[str, bytes] = field(default_factory=dict)


def _client_for(app, user):
    """A fresh test client whose session belongs to ``user`` (no password needed)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # "<id>:<session generation>"
        session["_fresh"] = True
    return client


def run_end_to_end(app, sop_id: str, *, judul: str | None = None, tahun: int = 2027, max_tasks: int = 300) -> EndToEnd:
    """Start a run of ``sop_id`` and complete every task through the web as its pelaksana,
    filling declared forms with sample data (approving decisions, naming the first
    receiver of a hand-over, uploading a sample document when nothing else is handed
    over); then download each declared document. Raises AssertionError naming the step
    and the page's message when the portal refuses something."""
    from portal import runner
    from portal.access import can_start
    from portal.demo_runs import actor_for
    from portal.forms import tree_branches
    from portal.forms.samples import sample_data, to_formdata
    from portal.models import Run, Task
    from portal.pdf import font_css, render_pdf
    from portal.receipts import handed_over_documents, receiver_candidates

    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with app.test_request_context():
            definition = app.extensions["portal_plugins"].definition(sop_id)
            assert definition is not None, f"SOP {sop_id} tidak dimuat"
            starter = next((u for u in _active_users() if can_start(u, definition)), None)
            assert starter is not None, f"tidak ada pengguna yang dapat memulai {sop_id}"
            run = runner.start_run(definition, starter, judul=judul or f"{definition.nama} (uji ujung ke ujung)",
                                   tahun=tahun, unit_id=starter.unit_id)
            db.session.commit()
            run_id, starter_id = run.id, starter.id
        result = EndToEnd(run_id=run_id, status="berjalan")
        for _ in range(max_tasks):
            with app.test_request_context():
                task = db.session.scalar(select(Task).where(Task.run_id == run_id, Task.status == "terbuka")
                                         .order_by(Task.id))
                if task is None:
                    break
                step, user = task.step, actor_for(task)
                data = {"tindakan": "setuju" if step.decision else "selesai", "versi": str(task.version),
                        "catatan": "Uji ujung ke ujung"}
                spec = task.run.sop.form(step.form)
                if tree_branches.is_branch_step(spec, step):  # a unit hands in its own branches
                    run_tasks = list(db.session.scalars(select(Task).where(Task.run_id == run_id).order_by(Task.id)))
                    data.update(to_formdata(tree_branches.branch_spec(spec),
                                            tree_branches.unit_sample(spec, run_tasks, task.unit_id)))
                elif spec is not None:
                    data.update(to_formdata(spec, sample_data(spec)))
                needs_upload = step.handover and not handed_over_documents(task.run, task)
                if step.handover:
                    data["penerima"] = str(receiver_candidates(task.run, task)[0].id)
                task_id, step_no, user_name = task.id, step.no, user.username
                db.session.remove()
            with app.app_context():  # a fresh ``g`` per user, even when the caller left an app context pushed
                client = _client_for(app, user)
                assert client.get(f"/tugas/{task_id}").status_code == 200
                if needs_upload:
                    pdf = render_pdf(SAMPLE_PDF_HTML.format(font=font_css()))
                    upload = client.post(f"/tugas/{task_id}/unggah", content_type="multipart/form-data",
                                         data={"berkas": (io.BytesIO(pdf), "dokumen-contoh.pdf")})
                    assert upload.status_code in (200, 303), f"unggah langkah {step_no}: HTTP {upload.status_code}"
                response = client.post(f"/tugas/{task_id}/selesaikan", data=data)
            if response.status_code != 303:
                raise AssertionError(f"langkah {step_no} ditolak (HTTP {response.status_code}, {user_name}): "
                                     f"{_message(response.get_data(as_text=True))}")
            result.steps.append(step_no)
        with app.test_request_context():
            run = db.session.get(Run, run_id)
            result.status = run.status
            starter = db.session.get(type(starter), starter_id)
            keys = [d.key for d in run.sop.documents]
            db.session.remove()
        with app.app_context():
            client = _client_for(app, starter)
            for key in keys:
                response = client.get(f"/pelaksanaan/{run_id}/dokumen/{key}.pdf")
                assert response.status_code == 200, f"dokumen {key}: HTTP {response.status_code}"
                result.documents[key] = response.data
        return result
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf


def _active_users():
    from portal.models import User

    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))


def _message(page: str) -> str:
    import re

    found = re.findall(r'<(?:div|p|span|li)[^>]*(?:class="(?:errors|cell-error)[^"]*"|role="alert")[^>]*>(.*?)</', page, re.S)
    if not found:
        found = re.findall(r"<main[^>]*>(.*?)</main>", page, re.S)
    return "; ".join(" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found)[:800] or page[:300]


__all__ = ["portal_app", "run_end_to_end", "EndToEnd"]
