"""Runs (Pelaksanaan SOP), their tasks (one per step activation) and attachments."""
from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.org import Unit, User
from portal.models.types import UtcDateTime, utcnow
from portal.sop import SopDefinition, cached_snapshot

class RunStatus(StrEnum):
    """The status of a run (stored as its string value)."""

    BERJALAN = "berjalan"
    SELESAI = "selesai"
    DIBATALKAN = "dibatalkan"


class TaskStatus(StrEnum):
    """The status of a task (stored as its string value)."""

    TERBUKA = "terbuka"
    SELESAI = "selesai"
    DIBATALKAN = "dibatalkan"


class Outcome(StrEnum):
    """How a task was closed (stored as its string value)."""

    SELESAI = "selesai"
    SETUJU = "setuju"
    KEMBALI = "kembali"
    TOLAK = "tolak"
    LEWATI = "lewati"
    DIBATALKAN = "dibatalkan"


class TaskKind(StrEnum):
    """What a task is: a step of the SOP, or the receiver's confirmation of a tanda terima."""

    LANGKAH = "langkah"
    KONFIRMASI = "konfirmasi"


RUN_STATUS = {RunStatus.BERJALAN: "Berjalan", RunStatus.SELESAI: "Selesai", RunStatus.DIBATALKAN: "Dibatalkan"}
TASK_STATUS = {TaskStatus.TERBUKA: "Terbuka", TaskStatus.SELESAI: "Selesai", TaskStatus.DIBATALKAN: "Dibatalkan"}
OUTCOMES = {
    Outcome.SELESAI: "Selesai", Outcome.SETUJU: "Disetujui", Outcome.KEMBALI: "Dikembalikan",
    Outcome.TOLAK: "Ditolak", Outcome.LEWATI: "Dilewati", Outcome.DIBATALKAN: "Dibatalkan",
}


class Run(db.Model):
    """One execution of an SOP, pinned to the definition it started with (``definition``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sop_id: Mapped[str] = mapped_column(String(80), index=True)
    sop_kode: Mapped[str] = mapped_column(String(80))
    sop_versi: Mapped[str] = mapped_column(String(40))
    sop_nomor: Mapped[str] = mapped_column(String(120))
    sop_nama: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    definition_sha: Mapped[str] = mapped_column(String(64), default="")
    judul: Mapped[str] = mapped_column(String(300))
    tahun: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.BERJALAN.value, index=True)
    current_step_no: Mapped[int | None] = mapped_column()
    return_count: Mapped[int] = mapped_column(default=0)
    fan_out_units: Mapped[dict] = mapped_column(JSON, default=dict)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at = mapped_column(UtcDateTime(), default=utcnow, index=True)
    finished_at = mapped_column(UtcDateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    started_by: Mapped[User] = relationship(lazy="joined")
    tasks: Mapped[list["Task"]] = relationship(back_populates="run", order_by="Task.id")

    @cached_property
    def sop(self) -> SopDefinition:
        """The pinned definition this run follows (never the plugin's current one).

        Parsed once per process per snapshot (keyed by its sha256); the JSON column is
        deferred, so listing many runs loads it only for snapshots not seen yet.
        """
        if not self.definition_sha:
            return SopDefinition.from_dict(self.definition)
        return cached_snapshot(self.definition_sha, lambda: self.definition)

    @property
    def status_label(self) -> str:
        """Indonesian status."""
        return RUN_STATUS.get(self.status, self.status)


class Task(db.Model):
    """One activation of a step for a role (and unit): what shows in Tugas Saya."""

    __table_args__ = (
        Index("ix_task_open_role", "status", "role_key", "assignee_id", "unit_id", "run_id"),
        Index("ix_task_assignee_status", "assignee_id", "status"),
        Index("ix_task_status_due", "status", "due_at", "id"),
        Index("ix_task_completed_by", "completed_by_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    step_no: Mapped[int] = mapped_column()
    attempt: Mapped[int] = mapped_column(default=1)
    role_key: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.TERBUKA.value)
    outcome: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at = mapped_column(UtcDateTime(), nullable=True)
    created_at = mapped_column(UtcDateTime(), default=utcnow)
    due_at = mapped_column(UtcDateTime(), nullable=True, index=True)
    completed_at = mapped_column(UtcDateTime(), nullable=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    catatan: Mapped[str] = mapped_column(Text, default="")
    form_data: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    acting_note: Mapped[str] = mapped_column(String(400), default="", server_default="")  # issue 10: "Plh. … atas nama …"
    # issue 10: "langkah" (a step of the SOP) or "konfirmasi" (the receiver confirms a tanda terima)
    kind: Mapped[str] = mapped_column(String(20), default="langkah", server_default="langkah")
    # issue 10: on a checker task that returned only some units of a fan-out: {"<unit id>": "catatan"}
    returned_units: Mapped[dict | None] = mapped_column(JSON)

    run: Mapped[Run] = relationship(back_populates="tasks")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    # the current files (issue 10: removed or replaced ones stay stored, marked, in ``all_attachments``)
    attachments: Mapped[list["Attachment"]] = relationship(
        primaryjoin="and_(Task.id == Attachment.task_id, Attachment.replaced_at.is_(None))",
        order_by="Attachment.id", viewonly=True)
    all_attachments: Mapped[list["Attachment"]] = relationship(back_populates="task", order_by="Attachment.id")

    @property
    def is_confirmation(self) -> bool:
        """True for a "Konfirmasi penerimaan" task (the receiver confirms the hand-over's receipt)."""
        return self.kind == TaskKind.KONFIRMASI

    @property
    def step(self):
        """The pinned definition's step of this task."""
        return self.run.sop.step(self.step_no)

    def is_overdue(self, now=None) -> bool:
        """True when open past its due time (or completed after it)."""
        if self.due_at is None:
            return False
        end = self.completed_at or now or utcnow()
        return end > self.due_at

    @property
    def status_label(self) -> str:
        """Indonesian status or outcome."""
        if self.outcome:
            return OUTCOMES.get(self.outcome, self.outcome)
        return TASK_STATUS.get(self.status, self.status)


class Attachment(db.Model):
    """A file uploaded at a task; the bytes live content-addressed in the file store."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at = mapped_column(UtcDateTime(), default=utcnow)
    # issue 10: removed/replaced before the step was completed (the stored file is kept)
    replaced_at = mapped_column(UtcDateTime(), nullable=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    kept_from_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))  # reused from an earlier attempt

    task: Mapped[Task] = relationship(back_populates="all_attachments")
    uploaded_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[uploaded_by_id])
    replaced_by: Mapped[User | None] = relationship(foreign_keys=[replaced_by_id])
