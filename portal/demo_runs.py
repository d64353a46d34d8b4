"""Demo runs at different stages, driven through the real runner (so the audit trail,
due times, fan-out, returns, receipts and the archive are all genuine)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template_string
from sqlalchemy import select

from portal import runner
from portal.access import can_act
from portal.extensions import db
from portal.models import Attachment, Run, Task, Unit, User, utcnow
from portal.pdf import font_css, render_pdf

SAMPLE_DOC = """<html><head><style>{{ font|safe }} body { font-family: 'DejaVu Sans'; font-size: 11pt; }</style></head>
<body><h1>{{ title }}</h1><p>{{ run.sop_nama }} · {{ run.sop_nomor }}</p><p>Judul: {{ run.judul }} ({{ run.tahun }})</p>
<p>Dokumen contoh yang dibuat oleh data demo SOP Portal.</p></body></html>"""

PK_ROWS = {"rows": [
    {"sasaran": "Meningkatnya realisasi investasi", "indikator": "Persentase realisasi investasi terhadap target",
     "target": "100", "satuan": "%"},
    {"sasaran": "Meningkatnya kualitas pelayanan perizinan", "indikator": "Indeks Kepuasan Masyarakat",
     "target": "88,5", "satuan": "indeks"},
]}


def sample_document(run: Run, title: str, task: Task, user: User) -> Attachment:
    """Attach a small generated PDF to ``task`` (stands in for an uploaded document)."""
    html = render_template_string(SAMPLE_DOC, font=font_css(), title=title, run=run)
    stored = current_app.extensions["file_store"].save_bytes(render_pdf(html), f"{title.lower().replace(' ', '-')}.pdf")
    item = Attachment(run_id=run.id, task_id=task.id, sha256=stored.sha256, filename=stored.filename,
                      mime=stored.mime, size=stored.size, uploaded_by_id=user.id)
    db.session.add(item)
    db.session.flush()
    return item


def actor_for(task: Task) -> User:
    """The first active user who may act on ``task``."""
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        if can_act(user, task):
            return user
    raise LookupError(f"Tidak ada pengguna untuk peran {task.role_key}")


def step_once(run: Run, now: datetime, *, action: str | None = None, catatan: str = "", only_units: int | None = None) -> None:
    """Complete the run's open task(s) as their pelaksana at ``now`` (a fan-out step: the first ``only_units``)."""
    open_tasks = list(db.session.scalars(select(Task).where(Task.run_id == run.id, Task.status == "terbuka").order_by(Task.id)))
    for index, task in enumerate(open_tasks[:only_units] if only_units else open_tasks):
        user = actor_for(task)
        step = task.step
        chosen = action or ("setuju" if step.decision else "selesai")
        form_data = PK_ROWS if step.form == "target_pk" and chosen != "kembali" else None
        if step.output and chosen != "kembali" and step.no in (3, 7, 9):
            sample_document(run, step.output[:60], task, user)
        receiver = None
        if step.handover:
            from portal.receipts import receiver_candidates

            receiver = receiver_candidates(run, task)[0].id
        runner.complete_task(task.id, user, expected_version=task.version, action=chosen, catatan=catatan,
                             form_data=form_data, receiver_id=receiver, now=now + timedelta(minutes=index))
    db.session.flush()


def create_demo_runs(users: dict[str, User], units: dict[str, Unit]) -> int:
    """Create the demo runs that do not exist yet; returns how many were created."""
    registry = current_app.extensions["portal_plugins"]
    definition = registry.definition("pk_jabar")
    if definition is None:
        return 0
    existing = set(db.session.scalars(select(Run.judul)))
    created = 0
    kadis, sekretariat = users["kadis"], units["sekretariat"].id
    now = utcnow()

    def start(judul: str, tahun: int, started: datetime) -> Run | None:
        nonlocal created
        if judul in existing:
            return None
        created += 1
        return runner.start_run(definition, kadis, judul=judul, tahun=tahun, unit_id=sekretariat, now=started)

    run = start("PK Tahun 2026 Dinas (selesai)", 2026, now - timedelta(days=30))
    if run:
        t = now - timedelta(days=30)
        for offset, kwargs in enumerate([{}, {}, {}, {"action": "kembali", "catatan": "Target IKM perlu disesuaikan dengan Renstra."},
                                         {}, {}, {}, {}, {}, {}, {}]):
            step_once(run, t + timedelta(hours=3 * offset), **kwargs)
        db.session.commit()
    run = start("PK Perubahan Tahun 2026 (menunggu bidang)", 2026, now - timedelta(days=6))
    if run:
        t = now - timedelta(days=6)
        for offset in range(6):
            step_once(run, t + timedelta(hours=2 * offset))
        step_once(run, t + timedelta(days=1), only_units=1)
        db.session.commit()
    run = start("PK Tahun 2027 Kepala Dinas dan Pejabat Struktural (terlambat)", 2027, now - timedelta(days=12))
    if run:
        t = now - timedelta(days=12)
        step_once(run, t + timedelta(hours=1))
        step_once(run, t + timedelta(hours=4))
        db.session.commit()
    run = start("PK Tahun 2027 Jabatan Fungsional", 2027, now - timedelta(hours=1))
    if run:
        db.session.commit()
    return created
