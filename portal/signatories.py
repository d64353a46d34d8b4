"""Plt./Plh. in the signature blocks of declared documents (issue 10).

When a substitute acted for an official in a run (a task completed under a delegation),
the documents of that run print the official's signature block as the substitute's:
"Plh. <jabatan>", "atas nama <official>", the substitute's name and NIP. The party of a
block is recognised by the official's NIP. ``pdf/macros.html`` asks ``signatory(party)``
(a template global) while ``portal.documents`` renders, which sets the run's map here.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy import select

from portal.extensions import db


def _digits(nip) -> str:
    return "".join(ch for ch in str(nip or "") if ch.isdigit())


def acting_in_run(tasks) -> dict[str, dict]:
    """NIP of each official a Plt./Plh. acted for in these tasks -> who signs instead and how."""
    from portal.delegation import note
    from portal.models import Delegation

    calendar = current_app.extensions["worktime"]
    result: dict[str, dict] = {}
    for task in tasks:
        if not task.acting_note or task.completed_by_id is None or task.completed_at is None:
            continue
        day = calendar.to_local(task.completed_at).date()
        for item in db.session.scalars(select(Delegation).where(
                Delegation.substitute_id == task.completed_by_id, Delegation.start_date <= day,
                Delegation.end_date >= day)):
            if note(item) == task.acting_note and _digits(item.official.nip):
                result[_digits(item.official.nip)] = {
                    "plt": item.kind, "nama": item.substitute.nama, "nip": item.substitute.nip or "",
                    "pangkat": "", "atas_nama": item.official.nama}
    return result


@contextmanager
def for_document(tasks):
    """While rendering a run's document: signature blocks follow the run's Plt./Plh."""
    previous = g.get("portal_acting_signatories")
    g.portal_acting_signatories = acting_in_run(tasks)
    try:
        yield
    finally:
        g.portal_acting_signatories = previous


def signatory(party) -> dict:
    """The party as its signature block prints it: the substitute's, marked Plt./Plh. and
    "atas nama" the official, when a Plt./Plh. acted for this official in the run."""
    party = dict(party or {})
    acting = (g.get("portal_acting_signatories") or {}).get(_digits(party.get("nip")))
    if acting:
        party.update({"jabatan": party.get("jabatan") or ""} | acting)
    return party
