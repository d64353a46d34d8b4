"""The benchmark organisation: the demo organisation plus many extra users.

Extra users are bulk-inserted (one shared password hash) and spread over the units and
roles the way a real agency staffs them: per-unit roles within the user's own unit,
external roles only for users of external units, single-holder posts left alone.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import Role, Unit, User, UserRole

EXTRA_PASSWORD = "bench2026"
SINGLE_HOLDER_ROLES = {"kepala_dinas", "sekretaris"}
FIRST_NAMES = [
    "Ahmad", "Budi", "Cahya", "Dewi", "Eka", "Fajar", "Gilang", "Hendra", "Indah", "Joko", "Kartika", "Lestari",
    "Maya", "Nanda", "Oki", "Putri", "Rizki", "Sari", "Teguh", "Utami", "Wulan", "Yudi", "Zahra", "Asep", "Euis",
    "Ujang", "Neneng", "Dadang", "Iis", "Cecep", "Rina", "Agus", "Siti", "Hadi", "Nur", "Tati", "Dodi", "Yanti",
]
LAST_NAMES = [
    "Suryana", "Permana", "Hidayat", "Kusuma", "Nugraha", "Rahayu", "Saputra", "Wijaya", "Gunawan", "Setiawan",
    "Firmansyah", "Maulana", "Pratama", "Lestari", "Kurniawan", "Ramdani", "Sumarna", "Hermawan", "Susanti",
    "Mulyadi", "Kartini", "Sopandi", "Rusmana", "Fitriani",
]
TITLES = ["", "", "S.E.", "S.T.", "S.Sos.", "S.H.", "S.Kom.", "M.Si.", "S.AP.", "M.M."]
JABATAN = [
    "Analis Kebijakan Ahli Muda", "Perencana Ahli Pertama", "Pengelola Data", "Penata Kelola Penanaman Modal",
    "Analis Perencanaan", "Pranata Komputer", "Pengadministrasi Umum", "Analis Kepegawaian", "Staf Pelaksana",
    "Kepala Seksi", "Arsiparis", "Analis Kelembagaan",
]


def _nip(rng: random.Random, seq: int) -> str:
    """An 18-digit NIP: birth date, appointment month, gender digit, sequence."""
    birth = f"{rng.randint(1965, 1998)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    tmt = f"{rng.randint(1990, 2022)}{rng.randint(1, 12):02d}"
    return f"{birth}{tmt}{rng.randint(1, 2)}{seq % 1000:03d}"


def add_extra_users(count: int, rng: random.Random, now: datetime | None = None) -> int:
    """Bulk-insert ``count`` extra users with role grants; returns how many were added."""
    if count <= 0:
        return 0
    now = now or datetime.now(timezone.utc)
    units = list(db.session.scalars(select(Unit).order_by(Unit.id)))
    roles = list(db.session.scalars(select(Role).order_by(Role.id)))
    internal_units = [u for u in units if u.jenis != "eksternal"]
    external_units = [u for u in units if u.jenis == "eksternal"]
    internal_roles = [r for r in roles if not r.external and r.key not in SINGLE_HOLDER_ROLES]
    external_roles = [r for r in roles if r.external]
    next_user = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    next_grant = (db.session.scalar(select(func.max(UserRole.id))) or 0) + 1
    password_hash = generate_password_hash(EXTRA_PASSWORD)
    users, grants = [], []
    for n in range(count):
        external = bool(external_units and external_roles) and rng.random() < 0.06
        unit = rng.choice(external_units) if external else _pick_internal_unit(rng, internal_units)
        nama = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        title = rng.choice(TITLES)
        uid = next_user + n
        users.append({
            "id": uid, "username": f"pegawai{n + 1:04d}", "password_hash": password_hash,
            "nama": f"{nama}, {title}" if title else nama, "nip": _nip(rng, n), "jabatan": rng.choice(JABATAN),
            "email": f"pegawai{n + 1:04d}@dpmptsp.example.go.id", "unit_id": unit.id, "active": rng.random() > 0.02,
            "is_admin": False, "failed_logins": 0, "locked_until": None, "created_at": now,
        })
        if external:
            same = [r for r in external_roles if r.key == unit.kode] or external_roles
            chosen = [rng.choice(same)]
        else:
            chosen = rng.sample(internal_roles, k=min(len(internal_roles), rng.choice([1, 1, 2, 2, 3])))
        seen = set()
        for role in chosen:
            scope = unit.id if role.per_unit else None
            if (role.id, scope) in seen:
                continue
            seen.add((role.id, scope))
            grants.append({"id": next_grant + len(grants), "user_id": uid, "role_id": role.id, "unit_id": scope})
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserRole), grants)
    db.session.flush()
    return count


def _pick_internal_unit(rng: random.Random, units: list[Unit]) -> Unit:
    sekretariat = [u for u in units if u.jenis == "sekretariat"]
    if sekretariat and rng.random() < 0.4:
        return sekretariat[0]
    return rng.choice(units)


@dataclass
class OrgSnapshot:
    """What the simulator needs to know about the organisation, read once from the database."""

    units: dict[int, dict]
    internal_units: list[int]
    users: dict[int, dict]  # id -> person snapshot as on receipts
    grants: dict[str, list[tuple[int, int | None]]]  # role key -> [(user id, unit id or None)]
    per_unit: set[str]
    admin_id: int
    main_unit_id: int | None
    _cache: dict = field(default_factory=dict, repr=False)

    def holders(self, role_key: str, unit_id: int | None) -> list[int]:
        """Active users who may act on a task of ``role_key`` in ``unit_id`` (as ``User.has_role``)."""
        key = (role_key, unit_id)
        if key not in self._cache:
            found = sorted({u for u, scope in self.grants.get(role_key, [])
                            if unit_id is None or scope in (None, unit_id)})
            self._cache[key] = found or [self.admin_id]
        return self._cache[key]


def snapshot() -> OrgSnapshot:
    """Read units, active users and their grants into an ``OrgSnapshot``."""
    units = {u.id: {"kode": u.kode, "nama": u.nama, "jenis": u.jenis}
             for u in db.session.scalars(select(Unit).order_by(Unit.id))}
    users, grants, admin_id = {}, {}, None
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        users[user.id] = {"id": user.id, "nama": user.nama, "jabatan": user.jabatan, "nip": user.nip or "",
                          "unit": units[user.unit_id]["nama"] if user.unit_id in units else ""}
        if user.is_admin and admin_id is None:
            admin_id = user.id
        for grant in user.roles:
            grants.setdefault(grant.role.key, []).append((user.id, grant.unit_id))
    per_unit = set(db.session.scalars(select(Role.key).where(Role.per_unit.is_(True))))
    internal = [uid for uid, u in units.items() if u["jenis"] != "eksternal"]
    main = next((uid for uid, u in units.items() if u["jenis"] == "sekretariat"), internal[0] if internal else None)
    return OrgSnapshot(units=units, internal_units=internal, users=users, grants=grants, per_unit=per_unit,
                       admin_id=admin_id or min(users), main_unit_id=main)
