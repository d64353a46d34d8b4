"""Who may act on a task and who may see a run. Decided on the server, never trusted from the client."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, false, literal, or_, select, true

from portal.models import Role, Run, Task, TaskStatus, User


def role_per_unit(role_key: str) -> bool:
    """True when ``role_key`` is held per unit (e.g. Tim Urusan of each bidang)."""
    from portal.extensions import db

    return bool(db.session.scalar(select(Role.per_unit).where(Role.key == role_key)))


def can_act(user: User, task: Task) -> bool:
    """True when ``user`` may take or complete ``task``: in their own right or as Plt./Plh. (issue 10)."""
    from portal.delegation import acting_for

    return can_act_directly(user, task) or acting_for(user, task) is not None


def can_act_directly(user: User, task: Task) -> bool:
    """True when ``user`` may take or complete ``task`` in their own right."""
    if not user.is_authenticated or task.status != TaskStatus.TERBUKA:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return user.has_role(task.role_key, task.unit_id)


def can_start(user: User, definition) -> bool:
    """True when ``user`` holds the role of the SOP's first step."""
    return user.is_authenticated and user.has_role(definition.steps[0].actor)


# --- observers (issue 9): see every run read-only; acting still goes through can_act ---
HEAD_ROLES = ("kepala_dinas", "sekretaris")  # the heads who watch the Pemantauan


def is_observer(user: User) -> bool:
    """True when ``user`` holds a role the admin marked as observer (sees every run, read-only)."""
    return bool(user.is_authenticated and any(ur.role.observer for ur in user.roles))


def oversees_all(user: User) -> bool:
    """True for observers and the heads (Kepala Dinas, Sekretaris): they may open every run, read-only."""
    return is_observer(user) or any(user.has_role(key) for key in HEAD_ROLES)


def lane_sop_ids(user: User) -> list[str]:
    """Ids of the loaded SOPs in which ``user`` holds a pelaksana role."""
    from flask import current_app

    keys = {ur.role.key for ur in user.roles}
    registry = current_app.extensions["portal_plugins"]
    return sorted(d.id for d in registry.sorted_definitions() if keys & {key for key, _ in d.pelaksana})


def runs_visible_to(user: User):
    """SQL condition on ``Run`` selecting the runs ``user`` may see: the one rule for pages and downloads.

    Admins, observers and heads see every run (observers and heads read-only: acting stays
    with ``can_act``); others the runs they started and the runs of SOPs in which they hold a
    pelaksana role. Lists (runs, archive) filter with it and ``can_view_run`` asks it,
    so a list never shows what a download would refuse.
    """
    if not getattr(user, "is_authenticated", False):
        return false()
    from portal.delegation import active_for  # issue 10: a Plt./Plh. also sees what the official sees

    return or_(_own_runs(user), *(_own_runs(d.official) for d in active_for(user) if d.official.active))


def _own_runs(user: User):
    if user.is_admin or oversees_all(user):
        return true()
    return or_(Run.started_by_id == user.id, Run.sop_id.in_(lane_sop_ids(user)))


def can_view_run(user: User, run: Run | None) -> bool:
    """True when ``user`` may see ``run`` (and its files, receipts and archived documents)."""
    return run is not None and visible_run(user, run.id) is not None


def visible_run(user: User, run_id: int) -> Run | None:
    """The run ``run_id`` when ``user`` may see it (``runs_visible_to``), else None: one query."""
    from portal.extensions import db

    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Run).where(Run.id == run_id, runs_visible_to(user)))


def visible_task(user: User, task_id: int) -> Task | None:
    """The task ``task_id`` with its run when ``user`` may see the run, else None: one query."""
    from sqlalchemy.orm import contains_eager

    from portal.extensions import db

    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Task).join(Task.run).options(contains_eager(Task.run))
                             .where(Task.id == task_id, runs_visible_to(user)))


def task_filter_for(user: User):
    """SQL condition selecting the open tasks ``user`` may act on (for Tugas Saya), the officials' too while Plt./Plh."""
    return task_filter_of_scope(task_scope(user))


def task_scope(user: User) -> tuple:
    """Whose open tasks ``user`` may act on, as plain values: ``((user id, grants), (official id,
    grants), ...)`` with each person's role grants ``(role key, unit id or None)`` sorted. Equal
    scopes give equal filters, so the statements built on one can be kept (``task_filter_of_scope``)."""
    from portal.delegation import active_for

    officials = [d.official for d in active_for(user) if d.official.active]
    return tuple((person.id, tuple(sorted(person.role_grants(), key=lambda g: (g[0], g[1] or 0))))
                 for person in (user, *officials))


@lru_cache(maxsize=2048)
def task_filter_of_scope(scope: tuple):
    """The SQL condition of ``task_scope``: built once per distinct scope in a process (building a
    condition of many grants costs more than running it). The same tasks as the OR of
    ``task_branches_of_scope``, written with the status test once so that the planners walk the
    open tasks by due time (the Tugas Saya order) instead of sorting every match."""
    people, roles = _scope_parts(scope)
    taken = or_(*(_inline(Task.assignee_id, person) for person in people))
    by_role = and_(Task.assignee_id.is_(None), or_(*roles)) if roles else false()
    return and_(_inline(Task.status, TaskStatus.TERBUKA), or_(taken, by_role))


@lru_cache(maxsize=2048)
def task_branches_of_scope(scope: tuple) -> tuple:
    """The open tasks of ``task_scope`` as disjoint conditions, each answered by one index range:
    per person the open tasks taken by them, and per role key the untaken open tasks of that role
    (of any unit, or of none and of the units the grants of that key name). No task meets two of
    them, so counting them one after the other (``UNION ALL``) counts each task once."""
    people, roles = _scope_parts(scope)
    open_ = _inline(Task.status, TaskStatus.TERBUKA)
    return (*(and_(open_, _inline(Task.assignee_id, person)) for person in people),
            *(and_(open_, Task.assignee_id.is_(None), role) for role in roles))


def _scope_parts(scope: tuple) -> tuple[list[int], list]:
    """(the people of ``scope``, one condition per role key they hold: that key, and when every grant
    of it names a unit, tasks of no unit or of those units)."""
    units_by_key: dict[str, set] = {}
    for _person, grants in scope:
        for key, unit_id in grants:
            units_by_key.setdefault(key, set()).add(unit_id)
    roles = []
    for key, units in sorted(units_by_key.items()):
        role = _inline(Task.role_key, key)
        if None not in units:
            role = and_(role, or_(Task.unit_id.is_(None), *(_inline(Task.unit_id, unit) for unit in sorted(units))))
        roles.append(role)
    return [person for person, _grants in scope], roles


def _inline(column, value):
    """``column == value`` with the value written into the SQL text, not sent as a parameter.

    A scope's conditions are kept per scope anyway (``task_filter_of_scope``); written out, they let
    PostgreSQL plan a prepared statement once and reuse the plan (a generic plan), which it only does
    when the parameters left do not change the plan's choices. The status and the role keys decide
    which index range is read; sent as parameters, every execution was planned afresh (planning
    cost more than running the statement)."""
    return column == literal(value, column.type, literal_execute=True)
