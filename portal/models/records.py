"""Records that are kept: the audit trail, archived documents and receipts."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UtcDateTime, utcnow


class AuditEvent(db.Model):
    """An append-only record of a state change: who, when, what, run, step, IP.

    On PostgreSQL a trigger (see migrations) refuses UPDATE and DELETE on this table.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_nama: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    step_no: Mapped[int | None] = mapped_column()
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class ArchivedDocument(db.Model):
    """A final document of a finished run, kept with its metadata and sha256."""

    __table_args__ = (Index("ix_archive_filter", "tahun", "sop_id"), Index("ix_archive_tahun_time", "tahun", "archived_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="dokumen")  # "dokumen" or "tanda_terima"
    sop_id: Mapped[str] = mapped_column(String(80))
    sop_nama: Mapped[str] = mapped_column(String(300))
    nomor_sop: Mapped[str] = mapped_column(String(120))
    tahun: Mapped[int] = mapped_column()
    unit_nama: Mapped[str] = mapped_column(String(200), default="")
    judul: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    search_text: Mapped[str] = mapped_column(Text, default="")
    archived_at = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ReceiptCounter(db.Model):
    """The last receipt number issued per year; incremented under a row lock."""

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


RECEIPT_STATUS = {"menunggu": "Menunggu konfirmasi", "dikonfirmasi": "Dikonfirmasi", "ditolak": "Ditolak penerima"}


class Receipt(db.Model):
    """A tanda terima: numbered, gap-free per year, verifiable through ``token``."""

    __table_args__ = (UniqueConstraint("year", "seq", name="uq_receipt_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    token: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    giver: Mapped[dict] = mapped_column(JSON)
    receiver: Mapped[dict] = mapped_column(JSON)
    documents: Mapped[list] = mapped_column(JSON)  # [{"filename", "sha256", "size"}]
    issued_at = mapped_column(UtcDateTime(), default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # issue 10: the receiver's confirmation. status: "menunggu" (issued, awaiting the receiver),
    # "dikonfirmasi" or "ditolak"; None for receipts issued before confirmation existed.
    status: Mapped[str | None] = mapped_column(String(20))
    confirm_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    confirmed_at = mapped_column(UtcDateTime(), nullable=True)
    confirmed_by: Mapped[dict | None] = mapped_column(JSON)  # person snapshot of who confirmed
    confirm_method: Mapped[str | None] = mapped_column(String(20))  # "akun" or "pindaian" (signed paper scan)
    scan: Mapped[dict | None] = mapped_column(JSON)  # {"filename", "sha256", "size"} of the signed paper receipt
    refused_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def status_label(self) -> str:
        """Indonesian status of the confirmation ("" for receipts issued before it existed)."""
        return RECEIPT_STATUS.get(self.status or "", "")



class FormRecord(db.Model):
    """A structured output of a finished run (one declared form, one unit), shared with
    other SOPs through ``portal.plugin_api.records``; the latest finished run wins."""

    __table_args__ = (Index("ix_form_record_lookup", "sop_kode", "form_key", "tahun", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    sop_kode: Mapped[str] = mapped_column(String(80))
    sop_id: Mapped[str] = mapped_column(String(80))
    definition_ident: Mapped[str] = mapped_column(String(160))
    form_key: Mapped[str] = mapped_column(String(80))
    tahun: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    data: Mapped[dict] = mapped_column(JSON)
    schema_version: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    created_at = mapped_column(UtcDateTime(), default=utcnow)

    run = relationship("Run", lazy="joined")


class RunDocument(db.Model):
    """A declared document (``[[dokumen]]``) rendered for a run and kept in the file store.

    Rendered once, when it is handed over or when the run finishes; later downloads
    serve this file (checked by its sha256), never a re-render."""

    __table_args__ = (UniqueConstraint("run_id", "key", name="uq_run_document_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    created_at = mapped_column(UtcDateTime(), default=utcnow)


class Setting(db.Model):
    """An admin-configured setting (e.g. the city printed on documents, the kop logo)."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
