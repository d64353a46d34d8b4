"""Plt./Plh. delegation (issue 10): a substitute acts on an official's tasks for a date range.

While a delegation runs (its dates are the agency's local dates, both inclusive; it ends
by itself after ``end_date``, or when revoked) the substitute sees the official's tasks in
Tugas Saya and may act on them. What they do is recorded as "Plh. <substitute> atas nama
<official>" on the task (``Task.acting_note``) and in the audit trail. The maker-checker
rule still applies to the substitute personally: nobody approves, as substitute or not,
what they themselves drafted.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import and_, select

from portal import audit, request_cache
from portal.extensions import db
from portal.models import Delegation, User, utcnow

KINDS = ("Plh.", "Plt.")
audit.ACTION_LABELS.update({"delegasi": "Menetapkan Plt./Plh.", "delegasi_cabut": "Mencabut Plt./Plh."})


class DelegationError(Exception):
    """Refused input; ``message`` is Indonesian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def today() -> date:
    """The agency's local date now."""
    return current_app.extensions["worktime"].to_local(utcnow()).date()


def active_for(substitute: User, on: date | None = None) -> list[Delegation]:
    """Delegations under which ``substitute`` acts on ``on`` (default: today)."""
    if not getattr(substitute, "is_authenticated", False):
        return []
    on = on or today()
    # Asked several times per page (visibility, Tugas Saya, the badge): one query per request,
    # none when the user loader already saw that there is no delegation (``note_none_active``).
    found = request_cache.memo(_memo_key(substitute.id, on), lambda: list(db.session.scalars(
        select(Delegation).where(active_on(on), Delegation.substitute_id == substitute.id).order_by(Delegation.id))))
    return list(found)


def active_on(on: date):
    """SQL condition: the delegation is in force on ``on`` (not revoked, ``on`` within its dates)."""
    return and_(Delegation.revoked_at.is_(None), Delegation.start_date <= on, Delegation.end_date >= on)


def note_none_active(substitute_id: int, on: date) -> None:
    """Remember for this request that ``substitute_id`` has no delegation in force on ``on``."""
    request_cache.remember(_memo_key(substitute_id, on), [])


def _memo_key(substitute_id: int, on: date) -> tuple:
    return ("delegations", substitute_id, on)


def acting_for(user: User, task) -> Delegation | None:
    """The delegation through which ``user`` may act on ``task`` (None when they may in their own right or not at all)."""
    from portal.access import can_act_directly

    if can_act_directly(user, task):
        return None
    for item in active_for(user):
        if item.official.active and can_act_directly(item.official, task):
            return item
    return None


def note(item: Delegation) -> str:
    """"Plh. <substitute> atas nama <official> (<jabatan>)" for records."""
    jabatan = f" ({item.official.jabatan})" if item.official.jabatan else ""
    return f"{item.kind} {item.substitute.nama} atas nama {item.official.nama}{jabatan}"


def may_manage(user: User, official: User | None = None) -> bool:
    """Admins; the Kepala Dinas for the officials of his own office (internal staff)."""
    if user.is_admin:
        return True
    if not user.has_role("kepala_dinas"):
        return False
    if official is None:
        return True
    return official.is_internal


def create(by: User, official: User, substitute: User, kind: str, start: date, end: date, decree: str = "") -> Delegation:
    """Name a substitute (validated, audited); the caller commits."""
    if not may_manage(by, official):
        raise DelegationError("Anda tidak berwenang menetapkan Plt./Plh. untuk pejabat ini.")
    if kind not in KINDS:
        raise DelegationError("Jenis harus Plt. atau Plh.")
    if official.id == substitute.id:
        raise DelegationError("Pejabat dan penggantinya harus orang yang berbeda.")
    if not substitute.active or not official.active:
        raise DelegationError("Pejabat dan pengganti harus pengguna aktif.")
    if official.is_admin:
        raise DelegationError("Akun admin sistem tidak dapat diwakilkan; pilih pejabat yang memegang tugas SOP.")
    if not substitute.is_internal:
        raise DelegationError("Pengganti harus pegawai internal, bukan tamu dari instansi lain.")
    if end < start:
        raise DelegationError("Tanggal selesai tidak boleh sebelum tanggal mulai.")
    if end < today():
        raise DelegationError("Tanggal selesai sudah lewat.")
    item = Delegation(official_id=official.id, substitute_id=substitute.id, kind=kind, start_date=start, end_date=end,
                      decree=(decree or "").strip()[:200], created_by_id=by.id)
    db.session.add(item)
    db.session.flush()
    audit.record("delegasi", user=by, detail=f"{note(item)}, {start.isoformat()} s.d. {end.isoformat()}"
                 + (f", {item.decree}" if item.decree else ""))
    return item


def revoke(by: User, item: Delegation) -> None:
    """End a delegation now (audited); the caller commits."""
    if not may_manage(by, item.official):
        raise DelegationError("Anda tidak berwenang mencabut Plt./Plh. ini.")
    if item.revoked_at is not None:
        raise DelegationError("Penunjukan ini sudah dicabut.")
    item.revoked_at = utcnow()
    audit.record("delegasi_cabut", user=by, detail=note(item))


def status(item: Delegation, on: date | None = None) -> str:
    """Indonesian status: Berlaku, Akan berlaku, Berakhir, Dicabut."""
    on = on or today()
    if item.revoked_at is not None:
        return "Dicabut"
    if on < item.start_date:
        return "Akan berlaku"
    return "Berakhir" if on > item.end_date else "Berlaku"


def substitutes_of(officials: list[User], on: date | None = None) -> list[User]:
    """Active substitutes of ``officials`` today (they are told of the officials' new tasks too)."""
    ids = [u.id for u in officials]
    if not ids:
        return []
    on = on or today()
    return [d.substitute for d in db.session.scalars(select(Delegation).where(
        Delegation.official_id.in_(ids), Delegation.revoked_at.is_(None), Delegation.start_date <= on,
        Delegation.end_date >= on).order_by(Delegation.id)) if d.substitute.active]
