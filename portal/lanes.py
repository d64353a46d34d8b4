"""The lanes (pelaksana) of loaded definitions against the organisation: roles a lane
names are created when missing, and lanes no active user holds are reported."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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
    declares); returns the roles created (audited)."""
    existing = set(db.session.scalars(select(Role.key)))
    created = []
    for definition in registry.sorted_definitions():
        for key, label in definition.pelaksana:
            if key not in existing:
                role = Role(key=key, label=label, per_unit=key in definition.per_unit_lanes)
                db.session.add(role)
                existing.add(key)
                created.append(role)
                audit.record("peran", detail=f"Peran {key} ({label}) dibuat dari lane {definition.id}")
    return created


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
