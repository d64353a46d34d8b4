"""Tanda terima: gap-free numbering per year, the receipt record and its PDF."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, render_template, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.extensions import db
from portal.formatting import local
from portal.models import Attachment, Receipt, ReceiptCounter, Run, Task, User
from portal.pdf import qr_png_data_uri, render_pdf


def next_receipt_seq(year: int) -> int:
    """Take the next number of ``year`` inside the current transaction.

    The counter row is updated in place (a row lock on PostgreSQL), so numbers are unique
    and, because a rolled-back transaction returns its number, gap-free.
    """
    bump = (update(ReceiptCounter).where(ReceiptCounter.year == year)
            .values(last=ReceiptCounter.last + 1).returning(ReceiptCounter.last))
    seq = db.session.execute(bump).scalar()
    if seq is not None:
        return seq
    try:
        with db.session.begin_nested():
            db.session.add(ReceiptCounter(year=year, last=1))
        return 1
    except IntegrityError:  # another transaction created the row first
        return db.session.execute(bump).scalar_one()


def person(user: User) -> dict:
    """The receipt's snapshot of a person: nama, jabatan, NIP, unit."""
    return {"id": user.id, "nama": user.nama, "jabatan": user.jabatan, "nip": user.nip or "",
            "unit": user.unit.nama if user.unit else ""}


def handed_over_documents(run: Run, task: Task) -> list[Attachment]:
    """What a hand-over lists: the task's own attachments, else the run's latest ones."""
    if task.attachments:
        return list(task.attachments)
    latest_task_id = db.session.scalar(select(Attachment.task_id).where(Attachment.run_id == run.id)
                                       .order_by(Attachment.id.desc()).limit(1))
    if latest_task_id is None:
        return []
    return list(db.session.scalars(select(Attachment).where(Attachment.task_id == latest_task_id)
                                   .order_by(Attachment.id)))


def receiver_candidates(run: Run, task: Task) -> list[User]:
    """Users who may be named as receiver of a hand-over step."""
    from portal.models import Role, UserRole

    role_key = task.step.receiver
    query = select(User).where(User.active.is_(True)).order_by(User.nama)
    if role_key:
        query = query.join(UserRole, UserRole.user_id == User.id).join(Role).where(Role.key == role_key)
    return list(db.session.scalars(query).unique())


MISSING_BASE_URL = ("Tanda terima belum dapat diterbitkan: alamat publik portal (PUBLIC_BASE_URL) belum diatur. "
                    "Hubungi admin.")


def public_base_url() -> str | None:
    """The configured public address of the portal (``PUBLIC_BASE_URL``), never the request's Host header."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    return base.rstrip("/") if base.startswith(("http://", "https://")) else None


def issue_receipt(run: Run, task: Task, giver: User, *, receiver_id: int | None, now: datetime) -> Receipt:
    """Issue the numbered receipt of a hand-over task and store its PDF (same transaction).

    Refused while ``PUBLIC_BASE_URL`` is unset: the QR link is hashed and archived with the
    receipt, so it must not depend on whatever host the request came in on.
    """
    from portal.runner import RunnerError

    if public_base_url() is None:
        raise RunnerError(MISSING_BASE_URL)
    receiver = db.session.get(User, receiver_id) if receiver_id else None
    if receiver is None or receiver not in receiver_candidates(run, task):
        raise RunnerError("Pilih penerima dokumen dari daftar.")
    documents = handed_over_documents(run, task)
    if not documents:
        raise RunnerError("Belum ada dokumen yang diserahkan: unggah dokumennya terlebih dahulu.")
    year = local(now).year
    seq = next_receipt_seq(year)
    receipt = Receipt(
        number=f"TT/{year}/{seq:05d}", year=year, seq=seq, token=secrets.token_urlsafe(24),
        run_id=run.id, task_id=task.id, giver=person(giver) | ({"atas_nama": task.acting_note} if task.acting_note else {}),
        receiver=person(receiver), issued_at=now,
        documents=[{"filename": d.filename, "sha256": d.sha256, "size": d.size} for d in documents],
    )
    db.session.add(receipt)
    db.session.flush()
    stored = current_app.extensions["file_store"].save_bytes(receipt_pdf(receipt, run), receipt_filename(receipt))
    receipt.pdf_sha256 = stored.sha256
    audit.record("tanda_terima", task=task, user=giver, at=now,
                 detail=f"{receipt.number}: {giver.nama} kepada {receiver.nama}, {len(documents)} dokumen")
    return receipt


def receipt_filename(receipt: Receipt) -> str:
    """File name of the receipt PDF."""
    return f"tanda-terima-{receipt.number.replace('/', '-')}.pdf"


def verification_url(receipt: Receipt) -> str:
    """The public verification page the QR code points to (on ``PUBLIC_BASE_URL``)."""
    base = public_base_url()
    if base is None:
        raise RuntimeError("PUBLIC_BASE_URL is not set")
    return base + url_for("receipts.verify", token=receipt.token)


def receipt_pdf(receipt: Receipt, run: Run) -> bytes:
    """Render the A4 receipt PDF (embedded font, QR code to the verification page)."""
    url = verification_url(receipt)
    html = render_template("receipts/receipt_pdf.html", receipt=receipt, run=run, verify_url=url,
                           qr=qr_png_data_uri(url))
    return render_pdf(html, static_folder=current_app.static_folder)
