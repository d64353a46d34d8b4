"""The outbox worker: claim due rows, deliver them through their channel, record the result.

Claiming is a compare-and-set: ``UPDATE ... SET status='mengirim' WHERE id=? AND
(due or lease expired)`` succeeds for one worker only, so two workers never send the same
row. On PostgreSQL the candidates are first selected ``FOR UPDATE SKIP LOCKED`` so workers
do not even queue behind each other. The claim is committed before sending and carries a
lease: a worker killed mid-delivery leaves its rows ``mengirim`` until the lease ends, then
another run picks them up (the email keeps its Message-ID, so a copy that did reach the
server before the kill is recognisable). A failed send is retried with exponential
backoff up to ``OUTBOX_MAX_ATTEMPTS`` times, then marked ``gagal`` for the admin.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from portal.extensions import db
from portal.models import OutboxMessage, utcnow
from portal.notify.channels import OutgoingMessage, channels

STATUS_LABELS = {"menunggu": "Menunggu", "mengirim": "Sedang dikirim", "terkirim": "Terkirim", "gagal": "Gagal"}


def worker_name() -> str:
    """A name for this worker process (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 30 s, 1, 2, 4 … minutes, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claimable(now: datetime):
    return or_(and_(OutboxMessage.status == "menunggu", OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == "mengirim", OutboxMessage.lease_until < now))


def claim(worker: str, *, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Claim up to ``limit`` due rows for ``worker`` and commit; returns their ids."""
    now = now or utcnow()
    query = select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(db.session.scalars(query))
    lease = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    won = []
    for row_id in candidates:
        changed = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, _claimable(now))
            .values(status="mengirim", claimed_by=worker, lease_until=lease, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            won.append(row_id)
    db.session.commit()
    return won


def outgoing(row: OutboxMessage) -> OutgoingMessage:
    """The message of an outbox row: Indonesian text with the full link to the step."""
    note = row.notification
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    link = base + note.url if note.url else base + "/notifikasi"
    text = (f"Yth. {note.user.nama},\n\n{note.title}\n\n{note.body}\n\n"
            f"Buka langkahnya di SOP Portal:\n{link}\n\n"
            "Pesan ini dikirim otomatis oleh SOP Portal. Anda dapat mengatur email pemberitahuan di "
            f"{base}/notifikasi/pengaturan\n")
    domain = base.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return OutgoingMessage(message_id=f"<sop-portal-outbox-{row.id}@{domain}>", kind=note.kind,
                           subject=f"[SOP Portal] {note.title}", text=text, link=link,
                           recipient=row.recipient, recipient_name=note.user.nama)


def deliver(row_id: int, worker: str, *, now: datetime | None = None) -> str:
    """Send one claimed row and record the outcome (committed); returns the new status."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None or row.status != "mengirim" or row.claimed_by != worker:
        return "dilewati"
    channel = channels().get(row.channel)
    try:
        if channel is None:
            raise RuntimeError(f"Kanal '{row.channel}' tidak tersedia (plugin dilepas?).")
        channel.send(outgoing(row))
    except Exception as exc:  # any failure of a channel is recorded and retried
        db.session.rollback()
        row = db.session.get(OutboxMessage, row_id)
        final = row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
        values = {"status": "gagal" if final else "menunggu", "lease_until": None,
                  "last_error": f"{type(exc).__name__}: {exc}"[:1000],
                  "next_attempt_at": (now or utcnow()) + backoff(row.attempts)}
    else:
        values = {"status": "terkirim", "sent_at": now or utcnow(), "lease_until": None, "last_error": ""}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return values["status"]


def run_once(worker: str | None = None, *, now: datetime | None = None, limit: int = 20) -> dict[str, int]:
    """Claim and deliver what is due now; returns counts per resulting status."""
    worker = worker or worker_name()
    counts: dict[str, int] = {}
    for row_id in claim(worker, now=now, limit=limit):
        status = deliver(row_id, worker, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def requeue(row: OutboxMessage) -> None:
    """Admin: try a failed row again now (the caller audits and commits)."""
    row.status = "menunggu"
    row.next_attempt_at = utcnow()
    row.lease_until = None
