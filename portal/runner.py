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

from portal import audit, delegation, evidence, maker_checker, notify, receipt_confirm, rounds
from portal.access import can_act, can_start, role_per_unit
from portal.errors import Conflict, NotAllowed, RunnerError, StepRefused  # noqa: F401 (re-exported)
from portal.extensions import db
from portal.models import Outcome, Run, RunStatus, Task, TaskKind, TaskStatus, Unit, User, utcnow
from portal.sop import SopDefinition, Step, snapshot_sha

RETURNED = (Outcome.KEMBALI, Outcome.TOLAK)


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


def _activate(run: Run, step: Step, *, now: datetime | None = None, kind: str = "tugas_baru",
              units: list[int] | None = None, reasons: dict[int, str] | None = None) -> list[Task]:
    """Open the task(s) of ``step``: one per chosen unit for a fan-out step (only ``units``
    when a checker returned some of them; ``reasons`` per unit go into their notifications)."""
    now = now or utcnow()
    attempts = rounds.next_attempts(run.id, step.no)
    if step.fan_out:
        unit_ids = units or run.fan_out_units.get("units") or default_fan_out_units()
    elif role_per_unit(step.actor):
        unit_ids = [run.unit_id]
    else:
        unit_ids = [None]
    due = calendar().add(now, step.waktu.value, step.waktu.unit)
    tasks = [Task(run_id=run.id, step_no=step.no, attempt=attempts.get(u, 1), role_key=step.actor, unit_id=u,
                  created_at=now, due_at=due) for u in unit_ids]
    db.session.add_all(tasks)
    run.current_step_no = step.no
    notify.tasks_opened(run, step, tasks, kind=kind, reasons=reasons)  # issue 10: same transaction as the change
    return tasks


def take_task(task: Task, user: User) -> Task:
    """Claim an open task so that only ``user`` works on it; recorded in the audit trail."""
    if not can_act(user, task):
        raise NotAllowed("Anda tidak dapat mengambil tugas ini.")
    changed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.status == TaskStatus.TERBUKA, Task.assignee_id.is_(None),
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
    """The actions the step of ``task`` offers: selesai, or setuju/kembali; plus lewati when optional.
    A receipt confirmation offers selesai (confirm) and kembali (refuse)."""
    if task.is_confirmation:
        return [Outcome.SELESAI, Outcome.KEMBALI]
    step = task.step
    actions = [Outcome.SETUJU, Outcome.KEMBALI] if step.decision else [Outcome.SELESAI]
    if step.optional:
        actions.append(Outcome.LEWATI)
    return actions


def returnable_units(task: Task) -> list[Task]:
    """On a checker whose return target is a fan-out step: the target's current round (one
    task per unit), any of which may be sent back alone; empty otherwise."""
    step = task.step
    if task.is_confirmation or not step.decision or not task.run.sop.step(step.decision).fan_out:
        return []
    return [t for t in rounds.step_round(task.run_id, step.decision) if t.status == TaskStatus.SELESAI]


def _unit_returns(task: Task, return_units: dict[int, str] | None) -> dict[int, str] | None:
    """Validate the units a checker returns (each with its own reason); None: the whole step."""
    if not return_units:
        return None
    allowed = {t.unit_id: t for t in returnable_units(task)}
    if not allowed:
        raise RunnerError("Langkah ini tidak dapat dikembalikan per unit.")
    result = {}
    for unit_id, note in return_units.items():
        if unit_id not in allowed:
            raise RunnerError("Unit yang dipilih tidak mengerjakan langkah yang diperiksa.")
        note = (note or "").strip()
        if not note:
            raise RunnerError(f"Alasan untuk {allowed[unit_id].unit.nama} wajib diisi.")
        result[unit_id] = note[:2000]
    return result


def complete_task(task_id: int, user: User, *, expected_version: int, action: str, catatan: str = "",
                  form_data: dict | None = None, receiver_id: int | None = None, now: datetime | None = None,
                  return_units: dict[int, str] | None = None, external_receiver: dict | None = None) -> Task:
    """Close a task with ``action`` and move the run on, in one guarded transaction.

    ``return_units`` (unit id -> reason), with ``action="kembali"`` on a checker after a
    fan-out, reopens only those units' tasks. ``external_receiver`` (nama, jabatan,
    instansi) names a receiver without an account on a hand-over step. Raises NotAllowed,
    RunnerError (bad input: nothing changes) or Conflict (someone else completed the task
    first: the message names who and when).
    """
    now = now or utcnow()
    task = db.session.get(Task, task_id)
    if task is None:
        raise RunnerError("Tugas tidak ditemukan.")
    _lock_run(task.run_id)
    db.session.refresh(task)
    run = task.run
    if task.status != TaskStatus.TERBUKA or task.version != expected_version:
        raise _conflict(task)
    if run.status != RunStatus.BERJALAN:
        raise RunnerError("Pelaksanaan ini tidak lagi berjalan.")
    if not can_act(user, task):
        raise NotAllowed("Langkah ini bukan tugas Anda.")
    step = task.step
    if action not in allowed_actions(task):
        raise RunnerError("Tindakan tidak tersedia untuk langkah ini.")
    if not task.is_confirmation and (reason := maker_checker.refusal(task, user, action) or evidence.missing(task, action)):
        raise RunnerError(reason)  # issue 10
    proxy = delegation.acting_for(user, task)  # issue 10: Plt./Plh.
    acting = delegation.note(proxy) if proxy else ""
    catatan = (catatan or "").strip()
    units = _unit_returns(task, return_units) if action == Outcome.KEMBALI else None
    if units and not catatan:
        catatan = "; ".join(f"{db.session.get(Unit, u).nama}: {note}" for u, note in units.items())
    if action in (Outcome.KEMBALI, Outcome.LEWATI) and not catatan:
        raise RunnerError("Alasan wajib diisi." if action == Outcome.KEMBALI else "Alasan melewati langkah wajib diisi.")
    if task.is_confirmation:
        outcome = Outcome.TOLAK if action == Outcome.KEMBALI else Outcome.SELESAI
    else:
        outcome = Outcome.TOLAK if action == Outcome.KEMBALI and step.reject_label == "Tolak" else Outcome(action)
    closed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.version == expected_version, Task.status == TaskStatus.TERBUKA)
        .values(status=TaskStatus.SELESAI, outcome=outcome, completed_at=now, completed_by_id=user.id,
                catatan=catatan, form_data=form_data, version=Task.version + 1, acting_note=acting,
                returned_units={str(u): note for u, note in units.items()} if units else None)
        .execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        db.session.rollback()
        raise _conflict(db.session.get(Task, task_id))
    db.session.refresh(task)
    if task.is_confirmation:  # issue 10: the receiver confirms or refuses the tanda terima
        _close_confirmation(run, task, step, user, acting, now)
        return task
    audit.record(outcome, task=task, user=user, at=now,
                 detail=(f"[{acting}] " if acting else "") + _describe(step, outcome, catatan, units))
    current_app.extensions["portal_plugins"].pm.hook.portal_step_completed(
        definition=run.sop, run=run, task=task, outcome=outcome, user=user,
        details={"receiver_id": receiver_id, "external_receiver": external_receiver, "now": now})
    if step.handover and outcome not in RETURNED and (receipt := receipt_confirm.pending_receipt(task)) is not None:
        _open_confirmation(run, task, step, receipt, now)  # the run waits for the receiver
        return task
    _advance(run, task, step, action, now, units=units)
    return task


def _open_confirmation(run: Run, handover: Task, step: Step, receipt, now: datetime) -> Task:
    """Open the "Konfirmasi penerimaan" task of a just-issued receipt: for the receiver, or
    for the giver (to upload the signed paper receipt) when the receiver has no account."""
    holder = receipt_confirm.confirmer_id(receipt, handover)
    due = calendar().add(now, step.waktu.value, step.waktu.unit)
    task = Task(run_id=run.id, step_no=step.no, attempt=handover.attempt, role_key=step.receiver or step.actor,
                unit_id=None, assignee_id=holder, kind=TaskKind.KONFIRMASI, created_at=now, due_at=due)
    db.session.add(task)
    db.session.flush()
    receipt.confirm_task_id = task.id
    notify.tasks_opened(run, step, [task], kind="konfirmasi")
    return task


def _close_confirmation(run: Run, task: Task, step: Step, user: User, acting: str, now: datetime) -> None:
    """Confirmed: stamp the receipt and move the run on. Refused: back to the hand-over step."""
    handover = receipt_confirm.handover_task(task)
    if task.outcome == Outcome.SELESAI:
        receipt_confirm.confirm(task, user, acting=acting, now=now)
        _advance(run, handover, step, Outcome.SELESAI, now)
        return
    receipt_confirm.refuse(task, user, acting=acting, now=now)
    run.return_count += 1
    _activate(run, step, now=now, kind="dikembalikan")


def _lock_run(run_id: int) -> None:
    """Serialise completions within one run (fan-out siblings, double clicks)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(Run.id).where(Run.id == run_id).with_for_update())
    else:  # SQLite: taking the write lock now makes later reads consistent
        db.session.execute(update(Run).where(Run.id == run_id).values(id=Run.id)
                           .execution_options(synchronize_session=False))


def _conflict(task: Task) -> Conflict:
    if task.status == TaskStatus.SELESAI and task.completed_by is not None:
        from portal.formatting import format_datetime

        return Conflict(f"Langkah ini sudah diselesaikan oleh {task.completed_by.nama} pada "
                        f"{format_datetime(task.completed_at)}.")
    return Conflict("Tugas ini sudah diubah orang lain. Muat ulang halaman.")


def _describe(step: Step, outcome: str, catatan: str, units: dict[int, str] | None = None) -> str:
    kegiatan = step.kegiatan if len(step.kegiatan) <= 120 else step.kegiatan[:119].rsplit(" ", 1)[0] + "…"
    text = f"Langkah {step.no}: {kegiatan}"
    if outcome in RETURNED:
        names = ", ".join(db.session.get(Unit, u).nama for u in units) if units else ""
        text += f" (kembali ke langkah {step.decision}" + (f", hanya unit {names})" if names else ")")
    return text + (f" — {catatan}" if catatan else "")


def _advance(run: Run, task: Task, step: Step, action: str, now: datetime, units: dict[int, str] | None = None) -> None:
    """Open what comes after ``task``: the return target (only ``units`` of a fan-out when
    given), the next step, or finish the run."""
    if step.fan_out:  # the step ends when no unit's task of it is open (units redo at their own attempt)
        still_open = db.session.scalar(select(func.count(Task.id)).where(
            Task.run_id == run.id, Task.step_no == step.no, Task.kind == TaskKind.LANGKAH,
            Task.status == TaskStatus.TERBUKA))
        if still_open:
            return
        if step.decision and action != "kembali" and db.session.scalar(select(func.count(Task.id)).where(
                Task.run_id == run.id, Task.step_no == step.no, Task.attempt == task.attempt,
                Task.outcome.in_(("kembali", "tolak")))):
            action = "kembali"  # a fan-out decision: one unit's rejection sends the step back
    definition = run.sop
    if action == Outcome.KEMBALI:
        run.return_count += 1
        _activate(run, definition.step(step.decision), now=now, kind="dikembalikan",
                  units=list(units) if units else None, reasons=units)
        return
    following = definition.next_step(step.no)
    if following is not None:
        _activate(run, following, now=now)
        return
    run.status = RunStatus.SELESAI
    run.finished_at = now
    run.current_step_no = None
    current_app.extensions["portal_plugins"].pm.hook.portal_run_finished(definition=definition, run=run)


def reassign_task(task: Task, admin: User, new_user: User, reason: str) -> Task:
    """Admin: give an open task to ``new_user`` (with a required reason, audited)."""
    if not admin.is_admin:
        raise NotAllowed("Hanya admin yang dapat mengalihkan tugas.")
    if task.status != TaskStatus.TERBUKA:
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
    if run.status != RunStatus.BERJALAN:
        raise RunnerError("Pelaksanaan ini tidak sedang berjalan.")
    if not (reason or "").strip():
        raise RunnerError("Alasan pembatalan wajib diisi.")
    _lock_run(run.id)
    db.session.execute(update(Task).where(Task.run_id == run.id, Task.status == TaskStatus.TERBUKA)
                       .values(status=TaskStatus.DIBATALKAN, outcome=Outcome.DIBATALKAN, version=Task.version + 1)
                       .execution_options(synchronize_session=False))
    run.status = RunStatus.DIBATALKAN
    run.cancel_reason = reason.strip()
    run.finished_at = utcnow()
    audit.record("batalkan", run=run, user=admin, detail=reason.strip())
    return run
