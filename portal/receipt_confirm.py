"""The receiver confirms the tanda terima (issue 10).

A hand-over step issues its receipt as "menunggu konfirmasi" and the run waits on a
"Konfirmasi penerimaan" task: the receiver's, or, when the receiver is outside the portal
(no account), the giver's, who then uploads the scan of the paper receipt the receiver
signed. Confirming stamps the receipt with who and when (and the scan) and re-renders its
PDF (the first one stays in the file store); refusing records the reason and the runner
sends the run back to the hand-over step. The runner calls these inside its guarded
transaction; nothing here commits.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.errors import RunnerError
from portal.extensions import db
from portal.models import Receipt, Task, User

audit.ACTION_LABELS.update({"konfirmasi_terima": "Mengonfirmasi penerimaan",
                            "tolak_terima": "Menolak penerimaan"})
PENDING, CONFIRMED, REFUSED = "menunggu", "dikonfirmasi", "ditolak"


def pending_receipt(handover: Task) -> Receipt | None:
    """The receipt the hand-over task ``handover`` just issued, awaiting confirmation."""
    return db.session.scalar(select(Receipt).where(Receipt.task_id == handover.id, Receipt.status == PENDING)
                             .order_by(Receipt.id.desc()).limit(1))


def receipt_of(confirmation: Task) -> Receipt | None:
    """The receipt a "Konfirmasi penerimaan" task is about."""
    return db.session.scalar(select(Receipt).where(Receipt.confirm_task_id == confirmation.id))


def handover_task(confirmation: Task) -> Task:
    """The hand-over task whose receipt ``confirmation`` confirms."""
    return db.session.get(Task, receipt_of(confirmation).task_id)


def is_external(receipt: Receipt) -> bool:
    """True when the receiver has no account (named by hand at the hand-over)."""
    return bool(receipt.receiver.get("eksternal"))


def confirmer_id(receipt: Receipt, handover: Task) -> int:
    """Who holds the confirmation task: the receiver, or the giver for an external receiver."""
    return handover.completed_by_id if is_external(receipt) else receipt.receiver["id"]


def external_person(data: dict | None) -> dict:
    """Validate a receiver without an account (nama, jabatan, instansi) into the receipt's snapshot."""
    data = {k: " ".join(str((data or {}).get(k) or "").split())[:200] for k in ("nama", "jabatan", "instansi")}
    if not data["nama"]:
        raise RunnerError("Nama penerima di luar portal wajib diisi.")
    if not data["instansi"]:
        raise RunnerError("Instansi penerima di luar portal wajib diisi.")
    return {"id": None, "nama": data["nama"], "jabatan": data["jabatan"], "nip": "", "unit": data["instansi"],
            "eksternal": True}


def confirm(task: Task, user: User, *, acting: str, now: datetime) -> Receipt:
    """Stamp the receipt confirmed by ``user`` at ``now`` (with the scan for an external
    receiver; refused without one) and store its re-rendered PDF."""
    from portal.receipts import person, receipt_filename, receipt_pdf

    receipt = receipt_of(task)
    method = "akun"
    if is_external(receipt):
        scans = list(task.attachments)
        if not scans:
            raise RunnerError("Unggah pindaian tanda terima yang sudah ditandatangani penerima terlebih dahulu.")
        scan = scans[-1]
        receipt.scan = {"filename": scan.filename, "sha256": scan.sha256, "size": scan.size}
        method = "pindaian"
    receipt.status, receipt.confirmed_at, receipt.confirm_method = CONFIRMED, now, method
    receipt.confirmed_by = person(user) | ({"atas_nama": acting} if acting else {})
    stored = current_app.extensions["file_store"].save_bytes(receipt_pdf(receipt, task.run), receipt_filename(receipt))
    receipt.pdf_sha256 = stored.sha256
    how = f"pindaian tanda terima bertanda tangan {receipt.receiver['nama']} ({receipt.scan['filename']})" \
        if method == "pindaian" else "oleh penerima"
    audit.record("konfirmasi_terima", task=task, user=user, at=now,
                 detail=(f"[{acting}] " if acting else "") + f"{receipt.number} dikonfirmasi {how}")
    return receipt


def refuse(task: Task, user: User, *, acting: str, now: datetime) -> Receipt:
    """Record the receiver's refusal (reason = the task's catatan); the runner reopens the hand-over."""
    receipt = receipt_of(task)
    receipt.status, receipt.refused_reason = REFUSED, task.catatan
    receipt.confirmed_at, receipt.confirmed_by = now, {"id": user.id, "nama": user.nama, "jabatan": user.jabatan}
    audit.record("tolak_terima", task=task, user=user, at=now,
                 detail=(f"[{acting}] " if acting else "") + f"{receipt.number} ditolak: {task.catatan}"
                 f" (kembali ke langkah {task.step_no})")
    return receipt

