"""The demo organisation: a small DPMPTSP with every pelaksana role of the seeds filled,
and a few PK runs at different stages. Loading is idempotent."""
from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, Run, Unit, User, UserRole, utcnow

DEMO_PASSWORD = "sakip2026"
ADMIN_PASSWORD = "admin2026"

UNITS = [
    ("sekretariat", "Sekretariat", "sekretariat"),
    ("bidang_perencanaan", "Bidang Perencanaan dan Pengembangan Iklim Penanaman Modal", "bidang"),
    ("bidang_pengendalian", "Bidang Pengendalian dan Pelaksanaan Penanaman Modal", "bidang"),
    ("bidang_pelayanan", "Bidang Pelayanan Perizinan", "bidang"),
    ("biro_organisasi", "Biro Organisasi Setda Provinsi", "eksternal"),
    ("bappeda", "Bappeda Provinsi", "eksternal"),
]

# key, label, per_unit, external: the pelaksana named in the seeds (domain.md, "People and roles").
ROLES = [
    ("kepala_dinas", "Kepala Dinas / Kepala Badan", False, False),
    ("sekretaris", "Sekretaris (Dinas/Badan)", False, False),
    ("tim_perencanaan", "Tim Perencanaan", False, False),
    ("perencana", "Perencana", False, False),
    ("tim_kepegawaian", "Tim Kepegawaian", False, False),
    ("tim_urusan", "Tim Urusan / Sekretariat", True, False),
    ("tim_sakip", "Tim SAKIP", False, False),
    ("staf", "Staf", True, False),
    ("kasubbag_ppmep", "Kasubbag Perencanaan Program Monitoring Evaluasi dan Pelaporan (PPMEP)", False, False),
    ("staf_ppmep", "Staf Subbag PPMEP", False, False),
    ("analis_perencanaan", "Analis Perencanaan Evaluasi dan Pelaporan", False, False),
    ("kasubag_pkp", "Kasubag PKP", False, False),
    ("bidang", "Bidang-Bidang Lain", True, False),
    ("biro_organisasi", "Biro Organisasi", False, True),
    ("bappeda", "Bappeda", False, True),
]

# Roles marked as observers in the demo: they see the Pemantauan and every run read-only.
OBSERVER_ROLES = {"kasubbag_ppmep"}

# username, nama, NIP, jabatan, unit, roles [(role, unit or None)], admin
USERS = [
    ("admin", "Administrator Sistem", "198801012015031001", "Pranata Komputer", "sekretariat", [], True),
    ("kadis", "Dr. H. Ahmad Suryana, M.Si.", "197005121995031002", "Kepala Dinas", "sekretariat", [("kepala_dinas", None)], False),
    ("sekretaris", "Hj. Rina Marlina, S.E., M.M.", "197304221998032003", "Sekretaris Dinas", "sekretariat", [("sekretaris", None)], False),
    ("perencana", "Budi Santoso, S.T., M.P.W.K.", "198206152008011004", "Perencana Ahli Muda", "sekretariat",
     [("tim_perencanaan", None), ("perencana", None), ("tim_sakip", None), ("analis_perencanaan", None)], False),
    ("kasubbag", "Dewi Lestari, S.Sos., M.Si.", "197911032005012005", "Kasubbag PPMEP", "sekretariat",
     [("kasubbag_ppmep", None), ("kasubag_pkp", None), ("tim_sakip", None)], False),
    ("stafppmep", "Agus Hidayat, S.Kom.", "199002142019031006", "Staf Subbag PPMEP", "sekretariat",
     [("staf_ppmep", None), ("staf", "sekretariat")], False),
    ("kepegawaian", "Siti Nurhaliza, S.H.", "198507082010012007", "Analis Kepegawaian", "sekretariat", [("tim_kepegawaian", None)], False),
    ("urusan", "Yusuf Maulana, S.AP.", "198812202014021008", "Pengelola Urusan Umum", "sekretariat",
     [("tim_urusan", "sekretariat"), ("staf", "sekretariat"), ("bidang", "sekretariat")], False),
    ("bidang1", "Ir. Wahyu Pratama, M.T.", "197608172003121009", "Kepala Bidang Perencanaan", "bidang_perencanaan",
     [("tim_urusan", "bidang_perencanaan"), ("bidang", "bidang_perencanaan"), ("staf", "bidang_perencanaan")], False),
    ("bidang2", "Lina Herlina, S.E.", "198103302006042010", "Kepala Bidang Pengendalian", "bidang_pengendalian",
     [("tim_urusan", "bidang_pengendalian"), ("bidang", "bidang_pengendalian"), ("staf", "bidang_pengendalian")], False),
    ("bidang3", "Rahmat Hidayat, S.Sos.", "198409112009011011", "Kepala Bidang Pelayanan", "bidang_pelayanan",
     [("tim_urusan", "bidang_pelayanan"), ("bidang", "bidang_pelayanan"), ("staf", "bidang_pelayanan")], False),
    ("biro", "Fajar Nugraha, S.Sos.", "198005052006041012", "Analis Kelembagaan, Biro Organisasi",
     "biro_organisasi", [("biro_organisasi", None)], False),
    ("bappeda", "Nia Kurniasih, S.E.", "198611112011012013", "Perencana, Bappeda", "bappeda", [("bappeda", None)], False),
]


def ensure_units() -> dict[str, Unit]:
    """Create the demo units that are missing; return all by kode."""
    existing = {u.kode: u for u in db.session.scalars(select(Unit))}
    for kode, nama, jenis in UNITS:
        if kode not in existing:
            existing[kode] = Unit(kode=kode, nama=nama, jenis=jenis)
            db.session.add(existing[kode])
    db.session.flush()
    return existing


def ensure_roles() -> dict[str, Role]:
    """Create the seed roles, then any role a loaded definition names that is still missing."""
    existing = {r.key: r for r in db.session.scalars(select(Role))}
    definitions = current_app.extensions["portal_plugins"].definitions.values()
    lane_labels = {(key, label) for definition in definitions for key, label in definition.pelaksana}
    for key, label, per_unit, external in ROLES:
        if key not in existing:
            existing[key] = Role(key=key, label=label, per_unit=per_unit, external=external,
                                 observer=key in OBSERVER_ROLES)
            db.session.add(existing[key])
        else:  # created earlier from a definition's lane (at start-up): the seed flags still apply
            role = existing[key]
            role.per_unit, role.external = per_unit or role.per_unit, external or role.external
            role.observer = role.observer or key in OBSERVER_ROLES
            if (key, role.label) in lane_labels:  # still the lane's label, not one an admin chose
                role.label = label
    for definition in definitions:
        for key, label in definition.pelaksana:
            if key not in existing:
                existing[key] = Role(key=key, label=label)
                db.session.add(existing[key])
    db.session.flush()
    return existing


def ensure_users(units: dict[str, Unit], roles: dict[str, Role]) -> dict[str, User]:
    """Create the demo users that are missing (existing ones are left as they are)."""
    users = {u.username: u for u in db.session.scalars(select(User))}
    for username, nama, nip, jabatan, unit, grants, admin in USERS:
        if username in users:
            continue
        user = User(username=username, nama=nama, nip=nip, jabatan=jabatan, unit=units[unit], is_admin=admin,
                    email=f"{username}@dpmptsp.example.go.id")
        user.set_password(ADMIN_PASSWORD if admin else DEMO_PASSWORD)
        user.roles = [UserRole(role=roles[r], unit=units[u] if u else None) for r, u in grants]
        db.session.add(user)
        users[username] = user
    db.session.flush()
    return users


def load_demo(with_runs: bool = True, sops: Collection[str] | None = None) -> dict[str, int]:
    """Load the demo organisation (and runs); safe to call again: nothing is created twice.
    ``sops``: only the demo runs of these definition ids (tests that need one SOP's runs)."""
    units = ensure_units()
    roles = ensure_roles()
    users = ensure_users(units, roles)
    db.session.commit()
    created = 0
    if with_runs:
        from portal.demo_runs import create_demo_runs

        created = create_demo_runs(users, units, sops)
    return {"units": len(units), "roles": len(roles), "users": len(users), "runs_created": created,
            "runs": db.session.scalar(select(db.func.count(Run.id)))}


def days_ago(days: int):
    """A moment ``days`` calendar days before now."""
    return utcnow() - timedelta(days=days)
