"""Drive a run through the web client as each step's pelaksana: forms posted as a browser
posts them, chosen decision steps returned once ("Tolak"/"Kembalikan" with a reason)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db


@dataclass
class Driven:
    """What ``drive`` did: (step, unit id, action) per completion, in order."""

    run_id: int
    done: list[tuple[int, int | None, str]] = field(default_factory=list)


def start(app, sop_id: str, username: str, *, judul: str, tahun: int = 2027, units: list[str] | None = None) -> int:
    """Start a run of ``sop_id`` through the web as ``username`` (fan-out steps go to the
    units with kode in ``units``, every internal unit by default); returns the run id."""
    from portal.models import Run, Unit, User
    from portal.testing import _client_for

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        internal = list(db.session.scalars(select(Unit).where(Unit.jenis != "eksternal").order_by(Unit.id)))
        chosen = [str(u.id) for u in internal if units is None or u.kode in units]
        unit_id = str(user.unit_id)
        db.session.remove()
    with app.app_context():
        response = _client_for(app, user).post(f"/pelaksanaan/baru/{sop_id}", data={
            "judul": judul, "tahun": str(tahun), "unit_id": unit_id, "fan_out": chosen})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.test_request_context():
        run_id = db.session.scalar(select(Run.id).where(Run.judul == judul))
        db.session.remove()
    return run_id


def drive(app, run_id: int, *, returns: dict | None = None, forms: dict | None = None, until: int | None = None,
          max_tasks: int = 200) -> Driven:
    """Complete the run's open tasks (oldest first) through the web as their pelaksana.

    ``returns``: {step no: unit kode or None} - that step (the given unit's task on a
    fan-out step) is returned once. ``forms``: {form key: typed data} posted instead of
    generated sample data. ``until``: stop when that step is open."""
    from portal.demo_runs import actor_for
    from portal.forms.samples import sample_data, to_formdata
    from portal.models import Task
    from portal.pdf import render_pdf
    from portal.receipts import handed_over_documents, receiver_candidates
    from portal.testing import SAMPLE_PDF_HTML, _client_for, _message
    from portal.pdf import font_css

    pending = dict(returns or {})
    result = Driven(run_id)
    for _ in range(max_tasks):
        with app.test_request_context():
            task = db.session.scalar(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id))
            if task is None or (until is not None and task.step_no == until):
                break
            step, user = task.step, actor_for(task)
            unit = task.unit.kode if task.unit else None
            back = step.no in pending and step.decision and pending[step.no] in (None, unit)
            action = "kembali" if back else ("setuju" if step.decision else "selesai")
            data = {"tindakan": action, "versi": str(task.version), "catatan": "Target belum sesuai Renstra." if back else ""}
            spec = task.run.sop.form(step.form)
            if spec is not None:
                data.update(to_formdata(spec, (forms or {}).get(spec.key) or sample_data(spec)))
            upload = step.handover and not handed_over_documents(task.run, task)
            if step.handover:
                data["penerima"] = str(receiver_candidates(task.run, task)[0].id)
            task_id, step_no, unit_id = task.id, step.no, task.unit_id
            db.session.remove()
        if back:
            del pending[step_no]
        with app.app_context():
            client = _client_for(app, user)
            assert client.get(f"/tugas/{task_id}").status_code == 200
            if upload:
                pdf = render_pdf(SAMPLE_PDF_HTML.format(font=font_css()))
                client.post(f"/tugas/{task_id}/unggah", content_type="multipart/form-data",
                            data={"berkas": (io.BytesIO(pdf), "dokumen.pdf")})
            response = client.post(f"/tugas/{task_id}/selesaikan", data=data)
        assert response.status_code == 303, f"langkah {step_no}: {_message(response.get_data(as_text=True))}"
        result.done.append((step_no, unit_id, action))
    return result


def as_user(app, username: str, method: str, url: str, data: dict | None = None):
    """One request as the demo user ``username``, in a fresh app context (flask-login keeps
    the loaded user in ``g``, which a test's own app context would share)."""
    from portal.models import User
    from portal.testing import _client_for

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.remove()
    with app.app_context():
        client = _client_for(app, user)
        return client.get(url) if method == "GET" else client.post(url, data=data or {})
