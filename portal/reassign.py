"""Who an open task may be given to (the admin's reassign form on the run page).

Active staff, outside guests left out, the holders of the task's role first. A run page as admin
offers the list once for every open task, so it is read once per request as plain rows (id, the
option's text, the grants) rather than as user objects with their grants, roles and units.
"""
from __future__ import annotations

from collections import defaultdict
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
    active = (User.active.is_(True), or_(Unit.jenis.is_(None), Unit.jenis != "eksternal"))
    grants = defaultdict(list)
    for user_id, key, unit_id in db.session.execute(
            select(UserRole.user_id, Role.key, UserRole.unit_id).join(Role, Role.id == UserRole.role_id)
            .join(User, User.id == UserRole.user_id).outerjoin(Unit, User.unit_id == Unit.id).where(*active)):
        grants[user_id].append((key, unit_id))
    people = db.session.execute(select(User.id, User.nama, User.jabatan).outerjoin(Unit, User.unit_id == Unit.id)
                                .where(*active).order_by(User.nama))
    return [StaffMember(user_id, f"{nama} — {jabatan}", tuple(grants[user_id])) for user_id, nama, jabatan in people]


def reassign_choices(task: Task) -> tuple[list[StaffMember], list[StaffMember]]:
    """Who ``task`` may be given to: the holders of its role (within its unit), then the other staff."""
    fitting, others = [], []
    for person in active_staff():
        (fitting if grants_include(person.grants, task.role_key, task.unit_id) else others).append(person)
    return fitting, others


def may_receive(user_id: int) -> bool:
    """True when ``user_id`` is active staff, so that a task may be given to them."""
    return any(person.id == user_id for person in active_staff())
