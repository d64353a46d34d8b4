"""The lanes (pelaksana) of loaded definitions against the organisation: roles a lane
names are created when missing, and lanes no active user holds are reported."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal import audit
from portal.extensions import db
from portal.models import Role, User, UserRole


@dataclass(frozen=True)
class LaneWarning:
    """A lane nobody can act in: shown on Admin -> Plugin with the file and the lane."""

    plugin: str
    file: str
    reason: str


def ensure_lane_roles(registry) -> list[Role]:
    """Create the roles named by lanes that do not exist yet (``per_unit`` as the lane
    declares); returns the roles created (audited). Safe when two instances do it at once:
    each role is inserted with ON CONFLICT DO NOTHING on its unique key, and only the
    instance whose insert went in records it. Before the organisation has any user (a
    fresh installation, set up by the demo loader or the admin) they are set-up data and,
    like the demo loader's roles, not audited."""
    existing = set(db.session.scalars(select(Role.key)))
    audited = db.session.scalar(select(User.id).limit(1)) is not None
    created = []
    for definition in registry.sorted_definitions():
        for key, label in definition.pelaksana:
            if key in existing:
                continue
            existing.add(key)
            if _insert_role(key, label, key in definition.per_unit_lanes):
                role = db.session.scalar(select(Role).where(Role.key == key))
                created.append(role)
                if audited:
                    audit.record("peran", detail=f"Peran {key} ({label}) dibuat dari lane {definition.id}")
    return created


def _insert_role(key: str, label: str, per_unit: bool) -> bool:
    """Insert one role unless its key exists (also when another instance just added it)."""
    values = dict(key=key, label=label, per_unit=per_unit, external=False, observer=False)
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        statement = (module.insert(Role.__table__).values(**values).on_conflict_do_nothing(index_elements=["key"])
                     .returning(Role.__table__.c.id))
        return db.session.execute(statement).scalar() is not None  # no row back: another instance had it
    try:
        with db.session.begin_nested():
            db.session.add(Role(**values))
        return True
    except IntegrityError:
        return False


def sync_lane_roles(app) -> list[str]:
    """At start-up: create the roles the loaded definitions' lanes name and that are
    missing, and commit. Does nothing (and says so in the log) while the database has no
    tables yet, e.g. before ``flask db upgrade``; the first request tries again."""
    registry = app.extensions["portal_plugins"]
    with app.app_context():
        try:
            if not inspect(db.engine).has_table(Role.__table__.name):
                return []
            keys = [role.key for role in ensure_lane_roles(registry)]
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            app.logger.warning("Peran dari lane belum dapat dibuat: %s", exc)
            return []
        finally:
            db.session.remove()
    if keys:
        app.logger.info("Peran dibuat dari lane definisi: %s", ", ".join(keys))
    app.extensions["portal_lane_roles_synced"] = True
    return keys


def init_lane_roles(app) -> None:
    """Sync lane roles at start-up, and once more on the first request when the database
    was not ready at start-up."""
    sync_lane_roles(app)

    @app.before_request
    def _sync_once() -> None:
        if not app.extensions.get("portal_lane_roles_synced"):
            app.extensions["portal_lane_roles_synced"] = True
            sync_lane_roles(app)


def lane_warnings(registry) -> list[LaneWarning]:
    """Lanes that no active user holds (their steps would wait forever)."""
    held = set(db.session.scalars(select(Role.key).join(UserRole, UserRole.role_id == Role.id)
                                  .join(User, User.id == UserRole.user_id).where(User.active.is_(True))))
    warnings = []
    for definition in registry.sorted_definitions():
        for key, label in definition.pelaksana:
            if key not in held:
                warnings.append(LaneWarning(definition.plugin, definition.source,
                                            f"pelaksana, field {key}: tidak ada pengguna aktif yang memegang peran "
                                            f"{label}; langkahnya tidak dapat dikerjakan"))
    return warnings
