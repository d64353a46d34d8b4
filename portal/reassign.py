"""Who an open task may be given to (the admin's reassign form on the run page).

Active staff, outside guests left out, the holders of the task's role first. A run page as admin
offers the list once for every open task, so it is read once per request in one statement of plain
rows (id, the option's text, the grants) rather than as user objects with their grants, roles and units.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select

from portal import request_cache
from portal.extensions import db
from portal.models import Role, Task, Unit, User, UserRole
from portal.models.org import grants_include


class StaffMember(NamedTuple):
    """An active staff member as a reassign form offers them."""

    id: int
    label: str
    grants: tuple[tuple[str, int | None], ...]


def active_staff() -> list[StaffMember]:
    """Active staff (no outside guests) by name, with their role grants; read once per request."""
    return request_cache.memo("active_staff", _load_active_staff)


def _load_active_staff() -> list[StaffMember]:
    rows = db.session.execute(
        select(User.id, User.nama, User.jabatan, Role.key, UserRole.unit_id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .outerjoin(UserRole, UserRole.user_id == User.id).outerjoin(Role, Role.id == UserRole.role_id)
        .where(User.active.is_(True), or_(Unit.jenis.is_(None), Unit.jenis != "eksternal"))  # SQL of User.is_internal
        .order_by(User.nama, User.id))
    people: dict[int, tuple[str, list]] = {}  # by name, one entry per person with their grants
    for user_id, nama, jabatan, key, unit_id in rows:
        label, grants = people.setdefault(user_id, (f"{nama} — {jabatan}", []))
        if key is not None:
            grants.append((key, unit_id))
    return [StaffMember(user_id, label, tuple(grants)) for user_id, (label, grants) in people.items()]


def reassign_choices(task: Task) -> tuple[list[StaffMember], list[StaffMember]]:
    """Who ``task`` may be given to: the holders of its role (within its unit), then the other staff."""
    fitting, others = [], []
    for person in active_staff():
        (fitting if grants_include(person.grants, task.role_key, task.unit_id) else others).append(person)
    return fitting, others


def may_receive(user_id: int) -> bool:
    """True when ``user_id`` is active staff of the agency, so that a task may be given to them."""
    user = db.session.get(User, user_id)
    return user is not None and user.active and user.is_internal
