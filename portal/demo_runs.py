"""Demo runs at different stages, driven through the real runner (so the audit trail,
due times, fan-out, returns, receipts and the archive are all genuine)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import current_app, render_template_string
from sqlalchemy import select

from portal import runner
from portal.access import can_act
from portal.extensions import db
from portal.models import Attachment, Run, Task, Unit, User, utcnow
from portal.forms.samples import sample_data
from portal.pdf import font_css, render_pdf

SAMPLE_DOC = """<html><head><style>{{ font|safe }} body { font-family: 'DejaVu Sans'; font-size: 11pt; }</style></head>
<body><h1>{{ title }}</h1><p>{{ run.sop_nama }} · {{ run.sop_nomor }}</p><p>Judul: {{ run.judul }} ({{ run.tahun }})</p>
<p>Dokumen contoh yang dibuat oleh data demo SOP Portal.</p></body></html>"""

def sample_document(run: Run, title: str, task: Task, user: User, at: datetime | None = None) -> Attachment:
    """Attach a small generated PDF to ``task`` (stands in for an uploaded document)."""
    html = render_template_string(SAMPLE_DOC, font=font_css(), title=title, run=run)
    stored = current_app.extensions["file_store"].save_bytes(render_pdf(html), f"{title.lower().replace(' ', '-')}.pdf")
    item = Attachment(run_id=run.id, task_id=task.id, sha256=stored.sha256, filename=stored.filename,
                      mime=stored.mime, size=stored.size, uploaded_by_id=user.id, uploaded_at=at or utcnow())
    db.session.add(item)
    db.session.flush()
    return item


def actor_for(task: Task) -> User:
    """The first active user who may act on ``task``."""
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        if can_act(user, task):
            return user
    raise LookupError(f"Tidak ada pengguna untuk peran {task.role_key}")


def step_once(run: Run, now: datetime, *, action: str | None = None, catatan: str = "", only_units: int | None = None,
              form_values: dict[str, dict] | None = None) -> None:
    """Complete the run's open task(s) as their pelaksana at ``now`` (a fan-out step: the first ``only_units``);
    a form named in ``form_values`` gets that data, any other declared form generated sample data."""
    open_tasks = list(db.session.scalars(select(Task).where(Task.run_id == run.id, Task.status == "terbuka").order_by(Task.id)))
    for index, task in enumerate(open_tasks[:only_units] if only_units else open_tasks):
        user = actor_for(task)
        step = task.step
        chosen = action or ("setuju" if step.decision else "selesai")
        spec = run.sop.form(step.form)
        form_data = None
        if spec is not None and chosen != "kembali":
            form_data = (form_values or {}).get(step.form) or sample_data(spec)
        if step.output and chosen != "kembali" and (step.form or step.fan_out or step.handover):
            sample_document(run, step.output[:60], task, user, at=now)
        receiver = None
        if step.handover:
            from portal.receipts import receiver_candidates

            receiver = receiver_candidates(run, task)[0].id
        runner.complete_task(task.id, user, expected_version=task.version, action=chosen, catatan=catatan,
                             form_data=form_data, receiver_id=receiver, now=now + timedelta(minutes=index))
    db.session.flush()


def workday_morning(days_back: int) -> datetime:
    """08:00 local time of the working day ``days_back`` working days before today (as UTC)."""
    calendar = current_app.extensions["worktime"]
    day = calendar.to_local(utcnow()).date()
    while days_back > 0 or not calendar.is_working_day(day):
        if calendar.is_working_day(day):
            days_back -= 1
        day -= timedelta(days=1)
    return datetime.combine(day, time(8, 0), tzinfo=calendar.tz).astimezone(timezone.utc)


def just_started(now: datetime, minutes: int = 10) -> datetime:
    """A start ``minutes`` working minutes before ``now`` (or before the last closing time when ``now``
    is outside working hours), so the demo's "just started" run is never already late."""
    calendar = current_app.extensions["worktime"]
    local = calendar.to_local(now).replace(tzinfo=None)
    day = local.date()
    if calendar.is_working_day(day) and local.time() >= calendar.day_start:
        end = min(local, datetime.combine(day, calendar.day_end))
    else:
        day -= timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
        end = datetime.combine(day, calendar.day_end)
    start = max(end - timedelta(minutes=minutes), datetime.combine(end.date(), calendar.day_start))
    return start.replace(tzinfo=calendar.tz).astimezone(timezone.utc)


def create_demo_runs(users: dict[str, User], units: dict[str, Unit], sops=None) -> int:
    """Create the demo runs that do not exist yet (of the definition ids in ``sops``, or of
    every loaded SOP); returns how many were created."""
    registry = current_app.extensions["portal_plugins"]
    existing = set(db.session.scalars(select(Run.judul)))
    definition = registry.definition("pk_jabar")
    if definition is None or (sops is not None and "pk_jabar" not in sops):
        return sample_runs_of_other_sops(existing, workday_morning(10), sops)
    created = 0
    kadis, sekretariat = users["kadis"], units["sekretariat"].id

    def start(judul: str, tahun: int, started: datetime) -> Run | None:
        nonlocal created
        if judul in existing:
            return None
        created += 1
        return runner.start_run(definition, kadis, judul=judul, tahun=tahun, unit_id=sekretariat, now=started)

    calendar = current_app.extensions["worktime"]

    def after(moment: datetime, minutes: int) -> datetime:
        return calendar.add(moment, minutes, "menit")

    run = start("PK Tahun 2026 Dinas (selesai)", 2026, workday_morning(22))
    if run:
        t = workday_morning(22)
        steps = [(20, {}), (240, {}), (100, {}), (25, {"action": "kembali", "catatan": "Target IKM perlu disesuaikan dengan Renstra."}),
                 (90, {}), (20, {}), (150, {}), (170, {}), (200, {}), (140, {}), (100, {}),
                 (45, {})]  # issue 10: Biro Organisasi confirms the tanda terima
        for minutes, kwargs in steps:
            t = after(t, minutes)
            step_once(run, t, **kwargs)
        db.session.commit()
    run = start("PK Perubahan Tahun 2026 (menunggu bidang)", 2026, workday_morning(4))
    if run:
        t = workday_morning(4)
        for minutes in (25, 280, 110, 20, 160, 150):
            t = after(t, minutes)
            step_once(run, t)
        step_once(run, after(t, 25), only_units=1)
        db.session.commit()
    run = start("PK Tahun 2027 Kepala Dinas dan Pejabat Struktural (terlambat)", 2027, workday_morning(8))
    if run:
        t = after(workday_morning(8), 20)
        step_once(run, t)
        step_once(run, after(t, 290))
        db.session.commit()
    run = start("PK Tahun 2027 Jabatan Fungsional", 2027, just_started(utcnow()))
    if run:
        db.session.commit()
    return created + sample_runs_of_other_sops(existing, workday_morning(10), sops)


def sample_runs_of_other_sops(existing: set[str], started: datetime, sops=None) -> int:
    """The declared ``[[contoh]]`` runs of every other loaded SOP (of the ids in ``sops``), or
    one finished run with sample data generated from its forms' declarations (so a new
    plugin shows up in the demo too)."""
    from portal.access import can_start
    from portal.demo_contoh import chain_order, create_declared_runs  # it builds on step_once above

    registry = current_app.extensions["portal_plugins"]
    calendar = current_app.extensions["worktime"]
    users = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
    created = 0
    for definition in chain_order(registry.sorted_definitions()):
        if sops is not None and definition.id not in sops:
            continue
        starter = next((u for u in users if can_start(u, definition)), None)
        if definition.demo_runs and starter is not None:
            created += create_declared_runs(definition, starter, existing, started)
            continue
        judul = f"{definition.nama} (contoh)"
        if definition.id == "pk_jabar" or judul in existing or starter is None:
            continue
        run = runner.start_run(definition, starter, judul=judul, tahun=local_year(started), unit_id=starter.unit_id,
                               now=started)
        moment = started
        for _ in range(len(definition.steps) * 4):
            if run.status != "berjalan":
                break
            moment = calendar.add(moment, 45, "menit")
            step_once(run, moment)
        db.session.commit()
        created += 1
    return created


def local_year(moment: datetime) -> int:
    """The agency's local year of ``moment``."""
    return current_app.extensions["worktime"].to_local(moment).year

