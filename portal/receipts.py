"""Tanda terima: gap-free numbering per year, the receipt record and its PDF."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import RunnerError
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


@dataclass(frozen=True)
class HandoverItem:
    """One document listed by a hand-over (an upload, or a declared document)."""

    filename: str
    sha256: str | None  # None: a declared document that is rendered at the hand-over
    size: int


def handed_over_documents(run: Run, task: Task, *, render: bool = False) -> list[HandoverItem]:
    """What a hand-over lists: the run's declared documents, every unit's upload of the
    latest round of each fan-out step, and the task's own uploads; with none of these,
    the run's latest uploads. ``render=True`` renders and stores the declared documents
    (once) so they can be listed with their sha256."""
    from portal.documents import is_available, store_final_documents, stored_documents

    items: list[HandoverItem] = []
    if render:
        stored = store_final_documents(run)
    else:
        stored = stored_documents(run)
        keys = {d.key for d in stored}
        items += [HandoverItem(spec.file_name(run), None, 0) for spec in run.sop.documents
                  if spec.key not in keys and is_available(run, spec)]
    items += [HandoverItem(d.filename, d.sha256, d.size) for d in stored]
    attachments: list[Attachment] = []
    from portal.rounds import step_round

    for step in run.sop.steps:
        if step.fan_out and step.no != task.step_no:  # each unit's latest work (a per-unit return redoes only some)
            for unit_task in step_round(run.id, step.no):
                attachments += list(unit_task.attachments)
    attachments += list(task.attachments)
    if not items and not attachments:
        latest_task_id = db.session.scalar(select(Attachment.task_id).where(Attachment.run_id == run.id)
                                           .order_by(Attachment.id.desc()).limit(1))
        if latest_task_id is not None:
            attachments = list(db.session.scalars(select(Attachment).where(Attachment.task_id == latest_task_id)
                                                  .order_by(Attachment.id)))
    seen = {i.sha256 for i in items}
    for a in attachments:
        if a.sha256 not in seen:
            seen.add(a.sha256)
            items.append(HandoverItem(a.filename, a.sha256, a.size))
    return items


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


def issue_receipt(run: Run, task: Task, giver: User, *, receiver_id: int | None, now: datetime,
                  external_receiver: dict | None = None) -> Receipt:
    """Issue the numbered receipt of a hand-over task and store its PDF (same transaction),
    awaiting the receiver's confirmation (issue 10). ``external_receiver`` (nama, jabatan,
    instansi) names a receiver without an account instead of ``receiver_id``.

    Refused while ``PUBLIC_BASE_URL`` is unset: the QR link is hashed and archived with the
    receipt, so it must not depend on whatever host the request came in on.
    """
    if public_base_url() is None:
        raise RunnerError(MISSING_BASE_URL)
    from portal.receipt_confirm import PENDING, external_person

    if external_receiver and not receiver_id:
        receiver_snapshot = external_person(external_receiver)
    else:
        receiver = db.session.get(User, receiver_id) if receiver_id else None
        if receiver is None or receiver not in receiver_candidates(run, task):
            raise RunnerError("Pilih penerima dokumen dari daftar, atau isi penerima di luar portal.")
        receiver_snapshot = person(receiver)
    documents = handed_over_documents(run, task, render=True)
    if not documents:
        raise RunnerError("Belum ada dokumen yang diserahkan: unggah dokumennya terlebih dahulu.")
    year = local(now).year
    seq = next_receipt_seq(year)
    receipt = Receipt(
        number=f"TT/{year}/{seq:05d}", year=year, seq=seq, token=secrets.token_urlsafe(24),
        run_id=run.id, task_id=task.id, giver=person(giver) | ({"atas_nama": task.acting_note} if task.acting_note else {}),
        receiver=receiver_snapshot, issued_at=now, status=PENDING,
        documents=[{"filename": d.filename, "sha256": d.sha256, "size": d.size} for d in documents],
    )
    db.session.add(receipt)
    db.session.flush()
    stored = current_app.extensions["file_store"].save_bytes(receipt_pdf(receipt, run), receipt_filename(receipt))
    receipt.pdf_sha256 = stored.sha256
    audit.record("tanda_terima", task=task, user=giver, at=now,
                 detail=f"{receipt.number}: {giver.nama} kepada {receiver_snapshot['nama']}"
                 + (" (di luar portal)" if external_receiver and not receiver_id else "")
                 + f", {len(documents)} dokumen, menunggu konfirmasi penerima")
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
