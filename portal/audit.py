"""The audit trail: every state change writes one append-only event."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, utcnow

ACTION_LABELS = {
    "masuk": "Masuk", "gagal_masuk": "Gagal masuk", "akun_terkunci": "Akun terkunci", "keluar": "Keluar",
    "mulai": "Memulai pelaksanaan", "ambil": "Mengambil tugas", "selesai": "Menyelesaikan langkah",
    "setuju": "Menyetujui", "kembali": "Mengembalikan untuk perbaikan", "tolak": "Menolak",
    "lewati": "Melewati langkah", "unggah": "Mengunggah berkas", "unduh": "Mengunduh berkas",
    "alihkan": "Mengalihkan tugas", "batalkan": "Membatalkan pelaksanaan", "arsip": "Mengarsipkan dokumen",
    "tanda_terima": "Menerbitkan tanda terima", "pengguna": "Mengubah pengguna", "peran": "Mengubah peran",
    "unit": "Mengubah unit", "pengamat": "Mengubah peran pengamat", "buku_sop": "Membuat Buku SOP",
    "pengaturan": "Mengubah pengaturan",
}


def record(action: str, *, run=None, task=None, detail: str = "", user=None, at=None) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the change it records).

    ``user`` defaults to the logged-in user; the IP comes from the request when there is one;
    ``at`` is the moment of the change (now unless the runner says otherwise).
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        at=at or utcnow(),
        user_id=getattr(user, "id", None),
        user_nama=getattr(user, "nama", "") or "",
        action=action,
        run_id=getattr(run, "id", None) if run is not None else getattr(task, "run_id", None),
        task_id=getattr(task, "id", None),
        step_no=getattr(task, "step_no", None),
        detail=detail[:2000],
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event


def action_label(action: str) -> str:
    """Indonesian label of an audit action."""
    return ACTION_LABELS.get(action, action)
