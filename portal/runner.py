"""The step runner: start a run, take and complete tasks, approve/return, skip, fan-out.

Completing a task is one transaction guarded by a version check: the run row is
locked first (PostgreSQL ``FOR UPDATE``; SQLite serialises writers), then the task is
closed with ``UPDATE ... WHERE version = :expected AND status = 'terbuka'``. Whoever
loses gets ``Conflict`` (HTTP 409) naming who completed the step and when.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from portal import audit, delegation, evidence, maker_checker, notify
from portal.access import can_act, can_start, role_per_unit
from portal.errors import Conflict, NotAllowed, RunnerError, StepRefused  # noqa: F401 (re-exported)
from portal.extensions import db
from portal.models import Run, Task, Unit, User, utcnow
from portal.sop import SopDefinition, Step, snapshot_sha


def calendar():
    """The app's working-time calendar."""
    return current_app.extensions["worktime"]


def default_fan_out_units() -> list[int]:
    """Units a fan-out step goes to unless chosen otherwise: every internal unit."""
    return list(db.session.scalars(select(Unit.id).where(Unit.jenis != "eksternal").order_by(Unit.id)))


def start_run(definition: SopDefinition, user: User, *, judul: str, tahun: int, unit_id: int | None,
              fan_out_units: list[int] | None = None, now: datetime | None = None) -> Run:
    """Start a run pinned to ``definition`` and open the first step's task(s)."""
    if not can_start(user, definition):
        raise NotAllowed(f"Anda tidak memegang peran {definition.lane_label(definition.steps[0].actor)} "
                         "yang memulai SOP ini.")
    judul = (judul or "").strip()
    if not judul:
        raise RunnerError("Judul wajib diisi.")
    if not 2000 <= int(tahun) <= 2100:
        raise RunnerError("Tahun harus antara 2000 dan 2100.")
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise RunnerError("Unit tidak dikenal.")
    units = fan_out_units if fan_out_units else default_fan_out_units()
    if len(set(units)) != len(units):
        raise RunnerError("Setiap unit hanya boleh dipilih sekali.")
    if set(units) - set(default_fan_out_units()):
        raise RunnerError("Hanya unit internal yang dapat mengisi langkah ini.")
    snapshot = definition.to_dict()
    run = Run(
        sop_id=definition.id, sop_kode=definition.kode, sop_versi=definition.versi, sop_nomor=definition.nomor,
        sop_nama=definition.nama, definition=snapshot, definition_sha=snapshot_sha(snapshot),
        judul=judul[:300], tahun=int(tahun), unit_id=unit_id, started_by_id=user.id,
        started_at=now or utcnow(), fan_out_units={"units": units},
    )
    db.session.add(run)
    db.session.flush()
    audit.record("mulai", run=run, user=user, at=run.started_at, detail=f"{definition.nama} ({definition.nomor}, versi {definition.versi}): {run.judul}")
    _activate(run, definition.steps[0], now=run.started_at)
    return run


def _activate(run: Run, step: Step, *, now: datetime | None = None, kind: str = "tugas_baru") -> list[Task]:
    """Open the task(s) of ``step``: one per chosen unit for a fan-out step."""
    now = now or utcnow()
    attempt = 1 + (db.session.scalar(
        select(func.max(Task.attempt)).where(Task.run_id == run.id, Task.step_no == step.no)) or 0)
    if step.fan_out:
        unit_ids = run.fan_out_units.get("units") or default_fan_out_units()
    elif role_per_unit(step.actor):
        unit_ids = [run.unit_id]
    else:
        unit_ids = [None]
    due = calendar().add(now, step.waktu.value, step.waktu.unit)
    tasks = [Task(run_id=run.id, step_no=step.no, attempt=attempt, role_key=step.actor, unit_id=u,
                  created_at=now, due_at=due) for u in unit_ids]
    db.session.add_all(tasks)
    run.current_step_no = step.no
    notify.tasks_opened(run, step, tasks, kind=kind)  # issue 10: same transaction as the change
    return tasks


def take_task(task: Task, user: User) -> Task:
    """Claim an open task so that only ``user`` works on it; recorded in the audit trail."""
    if not can_act(user, task):
        raise NotAllowed("Anda tidak dapat mengambil tugas ini.")
    changed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.status == "terbuka", Task.assignee_id.is_(None),
                           Task.version == task.version)
        .values(assignee_id=user.id, taken_at=utcnow(), version=Task.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict("Tugas ini sudah diambil atau diubah orang lain. Muat ulang halaman.")
    db.session.refresh(task)
    audit.record("ambil", task=task, user=user, detail=f"Langkah {task.step_no}")
    return task


def allowed_actions(task: Task) -> list[str]:
    """The actions the step of ``task`` offers: selesai, or setuju/kembali; plus lewati when optional."""
    step = task.step
    actions = ["setuju", "kembali"] if step.decision else ["selesai"]
    if step.optional:
        actions.append("lewati")
    return actions


def complete_task(task_id: int, user: User, *, expected_version: int, action: str, catatan: str = "",
                  form_data: dict | None = None, receiver_id: int | None = None, now: datetime | None = None) -> Task:
    """Close a task with ``action`` and move the run on, in one guarded transaction.

    Raises NotAllowed, RunnerError (bad input: nothing changes) or Conflict (someone
    else completed the task first: the message names who and when).
    """
    now = now or utcnow()
    task = db.session.get(Task, task_id)
    if task is None:
        raise RunnerError("Tugas tidak ditemukan.")
    _lock_run(task.run_id)
    db.session.refresh(task)
    run = task.run
    if task.status != "terbuka" or task.version != expected_version:
        raise _conflict(task)
    if run.status != "berjalan":
        raise RunnerError("Pelaksanaan ini tidak lagi berjalan.")
    if not can_act(user, task):
        raise NotAllowed("Langkah ini bukan tugas Anda.")
    step = task.step
    if action not in allowed_actions(task):
        raise RunnerError("Tindakan tidak tersedia untuk langkah ini.")
    if reason := maker_checker.refusal(task, user, action) or evidence.missing(task, action):  # issue 10
        raise RunnerError(reason)
    proxy = delegation.acting_for(user, task)  # issue 10: Plt./Plh.
    acting = delegation.note(proxy) if proxy else ""
    catatan = (catatan or "").strip()
    if action in ("kembali", "lewati") and not catatan:
        raise RunnerError("Alasan wajib diisi." if action == "kembali" else "Alasan melewati langkah wajib diisi.")
    outcome = "tolak" if action == "kembali" and step.reject_label == "Tolak" else action
    closed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.version == expected_version, Task.status == "terbuka")
        .values(status="selesai", outcome=outcome, completed_at=now, completed_by_id=user.id,
                catatan=catatan, form_data=form_data, version=Task.version + 1, acting_note=acting)
        .execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        db.session.rollback()
        raise _conflict(db.session.get(Task, task_id))
    db.session.refresh(task)
    audit.record(outcome, task=task, user=user, at=now, detail=(f"[{acting}] " if acting else "") + _describe(step, outcome, catatan))
    current_app.extensions["portal_plugins"].pm.hook.portal_step_completed(
        definition=run.sop, run=run, task=task, outcome=outcome, user=user,
        details={"receiver_id": receiver_id, "now": now})
    _advance(run, task, step, action, now)
    return task


def _lock_run(run_id: int) -> None:
    """Serialise completions within one run (fan-out siblings, double clicks)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(Run.id).where(Run.id == run_id).with_for_update())
    else:  # SQLite: taking the write lock now makes later reads consistent
        db.session.execute(update(Run).where(Run.id == run_id).values(id=Run.id)
                           .execution_options(synchronize_session=False))


def _conflict(task: Task) -> Conflict:
    if task.status == "selesai" and task.completed_by is not None:
        from portal.formatting import format_datetime

        return Conflict(f"Langkah ini sudah diselesaikan oleh {task.completed_by.nama} pada "
                        f"{format_datetime(task.completed_at)}.")
    return Conflict("Tugas ini sudah diubah orang lain. Muat ulang halaman.")


def _describe(step: Step, outcome: str, catatan: str) -> str:
    kegiatan = step.kegiatan if len(step.kegiatan) <= 120 else step.kegiatan[:119].rsplit(" ", 1)[0] + "…"
    text = f"Langkah {step.no}: {kegiatan}"
    if outcome in ("kembali", "tolak"):
        text += f" (kembali ke langkah {step.decision})"
    return text + (f" — {catatan}" if catatan else "")


def _advance(run: Run, task: Task, step: Step, action: str, now: datetime) -> None:
    """Open what comes after ``task``: the return target, the next step, or finish the run."""
    if step.fan_out:
        still_open = db.session.scalar(select(func.count(Task.id)).where(
            Task.run_id == run.id, Task.step_no == step.no, Task.attempt == task.attempt, Task.status == "terbuka"))
        if still_open:
            return
        if step.decision and action != "kembali" and db.session.scalar(select(func.count(Task.id)).where(
                Task.run_id == run.id, Task.step_no == step.no, Task.attempt == task.attempt,
                Task.outcome.in_(("kembali", "tolak")))):
            action = "kembali"  # a fan-out decision: one unit's rejection sends the step back
    definition = run.sop
    if action == "kembali":
        run.return_count += 1
        _activate(run, definition.step(step.decision), now=now, kind="dikembalikan")
        return
    following = definition.next_step(step.no)
    if following is not None:
        _activate(run, following, now=now)
        return
    run.status = "selesai"
    run.finished_at = now
    run.current_step_no = None
    current_app.extensions["portal_plugins"].pm.hook.portal_run_finished(definition=definition, run=run)


def reassign_task(task: Task, admin: User, new_user: User, reason: str) -> Task:
    """Admin: give an open task to ``new_user`` (with a required reason, audited)."""
    if not admin.is_admin:
        raise NotAllowed("Hanya admin yang dapat mengalihkan tugas.")
    if task.status != "terbuka":
        raise RunnerError("Tugas ini sudah tidak terbuka.")
    if not (reason or "").strip():
        raise RunnerError("Alasan pengalihan wajib diisi.")
    if not new_user.active:
        raise RunnerError("Pengguna tujuan tidak aktif.")
    before = task.assignee.nama if task.assignee else "peran " + task.role_key
    task.assignee_id = new_user.id
    task.taken_at = utcnow()
    task.version += 1
    audit.record("alihkan", task=task, user=admin, detail=f"Dari {before} ke {new_user.nama}: {reason.strip()}")
    notify.task_reassigned(task, new_user, reason)
    return task


def cancel_run(run: Run, admin: User, reason: str) -> Run:
    """Admin: cancel a running run and its open tasks (with a required reason, audited)."""
    if not admin.is_admin:
        raise NotAllowed("Hanya admin yang dapat membatalkan pelaksanaan.")
    if run.status != "berjalan":
        raise RunnerError("Pelaksanaan ini tidak sedang berjalan.")
    if not (reason or "").strip():
        raise RunnerError("Alasan pembatalan wajib diisi.")
    _lock_run(run.id)
    db.session.execute(update(Task).where(Task.run_id == run.id, Task.status == "terbuka")
                       .values(status="dibatalkan", outcome="dibatalkan", version=Task.version + 1)
                       .execution_options(synchronize_session=False))
    run.status = "dibatalkan"
    run.cancel_reason = reason.strip()
    run.finished_at = utcnow()
    audit.record("batalkan", run=run, user=admin, detail=reason.strip())
    return run
