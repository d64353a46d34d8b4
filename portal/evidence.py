"""Evidence on steps (issue 10): required output files, removing/replacing before completion, reuse on a redo.

A step with ``berkas_wajib`` (true = 1, or a count) cannot be completed ("Selesaikan",
"Setujui") until its task holds that many current files. Before completion the holder
may remove or replace a file: the row stays with ``replaced_at``/``replaced_by`` and a
note, the stored bytes stay in the content-addressed store (downloads of the old file keep
working for the audit), and the audit trail records it. After a return, the redo's step
page lists the earlier attempt's current files; "Pakai lagi" copies one onto the new
attempt (same stored bytes, noted ``kept_from``).
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.formatting import format_size
from portal.models import Attachment, Task, TaskStatus, utcnow

audit.ACTION_LABELS.update({"hapus_berkas": "Menghapus berkas", "ganti_berkas": "Mengganti berkas",
                            "pakai_berkas": "Memakai lagi berkas percobaan sebelumnya"})


class EvidenceError(Exception):
    """A refused file action; ``message`` is Indonesian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def current_count(task: Task) -> int:
    """How many current (not removed or replaced) files ``task`` holds."""
    return db.session.scalar(select(func.count(Attachment.id)).where(
        Attachment.task_id == task.id, Attachment.replaced_at.is_(None))) or 0


def missing(task: Task, action: str) -> str | None:
    """Why ``task`` cannot be completed with ``action`` for lack of files, or None."""
    needed = task.step.evidence_required
    if not needed or action not in ("selesai", "setuju"):
        return None
    have = current_count(task)
    if have >= needed:
        return None
    what = f"{needed} berkas" if needed > 1 else "berkas"
    return (f"Langkah ini wajib melampirkan {what} output ({task.step.output}); baru {have} terunggah. "
            "Unggah berkasnya dulu, lalu selesaikan.")


def _current_of(task: Task, attachment_id: int) -> Attachment:
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.task_id != task.id or item.replaced_at is not None:
        raise EvidenceError("Berkas ini tidak ada (atau sudah dihapus/diganti) pada langkah ini.")
    return item


def _open(task: Task) -> None:
    if task.status != TaskStatus.TERBUKA:
        raise EvidenceError("Langkah ini sudah selesai: berkasnya tidak dapat diubah lagi.")


def remove(task: Task, attachment_id: int, user) -> Attachment:
    """Mark a current file of an open task removed (kept in the store), audited."""
    _open(task)
    item = _current_of(task, attachment_id)
    item.replaced_at, item.replaced_by_id, item.replaced_note = utcnow(), user.id, "dihapus"
    audit.record("hapus_berkas", task=task, user=user, detail=f"{item.filename} (sha256 {item.sha256[:12]}…; tetap disimpan)")
    return item


def replace(task: Task, attachment_id: int, stored, user) -> Attachment:
    """Replace a current file with the already stored ``stored`` (a StoredFile), audited."""
    _open(task)
    old = _current_of(task, attachment_id)
    new = Attachment(run_id=task.run_id, task_id=task.id, sha256=stored.sha256, filename=stored.filename,
                     mime=stored.mime, size=stored.size, uploaded_by_id=user.id)
    db.session.add(new)
    old.replaced_at, old.replaced_by_id, old.replaced_note = utcnow(), user.id, f"diganti dengan {stored.filename}"[:300]
    audit.record("ganti_berkas", task=task, user=user,
                 detail=f"{old.filename} diganti dengan {stored.filename} ({format_size(stored.size)}, sha256 {stored.sha256[:12]}…)")
    return new


def earlier_files(task: Task) -> list[Attachment]:
    """Current files of the previous attempt of the same step (and unit) not yet reused on ``task``."""
    if task.attempt < 2:
        return []
    previous = select(Task.id).where(Task.run_id == task.run_id, Task.step_no == task.step_no,
                                     Task.attempt == task.attempt - 1, Task.unit_id.is_(None)
                                     if task.unit_id is None else Task.unit_id == task.unit_id)
    reused = select(Attachment.kept_from_id).where(Attachment.task_id == task.id, Attachment.replaced_at.is_(None),
                                                   Attachment.kept_from_id.isnot(None))
    return list(db.session.scalars(select(Attachment).where(
        Attachment.task_id.in_(previous), Attachment.replaced_at.is_(None), Attachment.id.notin_(reused))
        .order_by(Attachment.id)))


def keep(task: Task, attachment_id: int, user) -> Attachment:
    """Carry a file of the previous attempt over to the redo (same stored bytes), audited."""
    _open(task)
    item = next((a for a in earlier_files(task) if a.id == attachment_id), None)
    if item is None:
        raise EvidenceError("Berkas ini bukan berkas percobaan sebelumnya dari langkah ini (atau sudah dipakai).")
    copy = Attachment(run_id=task.run_id, task_id=task.id, sha256=item.sha256, filename=item.filename, mime=item.mime,
                      size=item.size, uploaded_by_id=user.id, kept_from_id=item.id)
    db.session.add(copy)
    audit.record("pakai_berkas", task=task, user=user, detail=f"{item.filename} dari percobaan {task.attempt - 1}")
    return copy


def replaced_files(task: Task) -> list[Attachment]:
    """Files removed or replaced on ``task`` (history shown on the step page)."""
    return list(db.session.scalars(select(Attachment).where(
        Attachment.task_id == task.id, Attachment.replaced_at.isnot(None)).order_by(Attachment.id)))
