"""Admin pages for the organisation: users and their role grants, roles, units."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.extensions import db
from portal.models import Role, Unit, User, UserRole
from portal.models.org import UNIT_KINDS, validate_nip
from portal.templating import render_page
from portal.views.helpers import admin_required, flash_error, with_write_retry

bp = Blueprint("admin_org", __name__, url_prefix="/admin")

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
KEY_RE = re.compile(r"^[a-z0-9_]{1,60}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
USER_FIELDS = {"username": "nama pengguna", "nama": "nama", "nip": "NIP", "jabatan": "jabatan", "email": "email",
               "unit_id": "unit", "active": "aktif", "is_admin": "admin"}
DUPLICATE_USERNAME = "Nama pengguna sudah dipakai."


def _is_htmx() -> bool:
    """True for requests sent by htmx."""
    return bool(request.headers.get("HX-Request"))


def _checked(name: str) -> bool:
    """True when checkbox ``name`` was ticked in the posted form."""
    return request.form.get(name) in ("1", "on", "y", "true")


def _units() -> list[Unit]:
    """All units: Sekretariat first, then the bidang, then outside parties, each by name."""
    order = case({"sekretariat": 0, "bidang": 1}, value=Unit.jenis, else_=2)
    return list(db.session.scalars(select(Unit).order_by(order, Unit.nama)))


def _too_long(errors: dict, values: dict, limits: dict[str, int]) -> None:
    """Add an error for each value longer than its column allows."""
    for field, limit in limits.items():
        if field not in errors and len(values[field]) > limit:
            errors[field] = f"Paling banyak {limit} karakter."


# --- Users -------------------------------------------------------------------------------

@bp.route("/pengguna")
@admin_required
def users():
    """All users with their roles; ``q`` searches name, username, NIP, jabatan and unit."""
    q = request.args.get("q", "").strip()
    query = select(User).options(selectinload(User.unit)).order_by(func.lower(User.nama), User.id)
    if q:
        nip = "".join(q.split())
        query = query.outerjoin(Unit, User.unit_id == Unit.id).where(or_(
            User.nama.icontains(q, autoescape=True), User.username.icontains(q, autoescape=True),
            User.jabatan.icontains(q, autoescape=True), Unit.nama.icontains(q, autoescape=True),
            User.nip.contains(nip, autoescape=True) if nip.isdigit() else false()))
    return render_page("admin/users.html", users=list(db.session.scalars(query)), q=q)


def _user_values(user: User | None) -> dict:
    """Form values of ``user`` (blank for a new user)."""
    if user is None:
        return {"username": "", "nama": "", "nip": "", "jabatan": "", "email": "", "unit_id": None,
                "active": True, "is_admin": False, "password": ""}
    values = {field: getattr(user, field) for field in USER_FIELDS}
    values.update(nip=user.nip or "", password="")
    return values


def _posted_user_values() -> dict:
    """Form values of the posted user form (the NIP as typed, for re-display)."""
    form = request.form
    return {"username": form.get("username", "").strip(), "nama": form.get("nama", "").strip(),
            "nip": form.get("nip", "").strip(), "jabatan": form.get("jabatan", "").strip(),
            "email": form.get("email", "").strip(), "unit_id": form.get("unit_id", type=int),
            "active": _checked("active"), "is_admin": _checked("is_admin"), "password": form.get("password", "")}


def _validate_user(values: dict, user: User | None) -> dict[str, str]:
    """Indonesian error messages by field; empty when the values may be saved."""
    errors: dict[str, str] = {}
    username = values["username"]
    if not username:
        errors["username"] = "Nama pengguna wajib diisi."
    elif not USERNAME_RE.match(username):
        errors["username"] = "Nama pengguna 2–80 karakter: huruf, angka, titik, garis bawah atau tanda hubung."
    else:
        clash = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
        if clash is not None and (user is None or clash != user.id):
            errors["username"] = DUPLICATE_USERNAME
    if not values["nama"]:
        errors["nama"] = "Nama wajib diisi."
    unit = db.session.get(Unit, values["unit_id"]) if values["unit_id"] else None
    if values["unit_id"] and unit is None:
        errors["unit_id"] = "Unit tidak ditemukan."
    nip = "".join(values["nip"].split())
    if nip_error := validate_nip(nip):
        errors["nip"] = nip_error
    elif not nip and unit is not None and unit.jenis != "eksternal":
        errors["nip"] = "NIP wajib diisi untuk pegawai; hanya tamu dari pihak luar yang boleh tanpa NIP."
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = "Alamat email tidak valid."
    _too_long(errors, values, {"nama": 200, "jabatan": 200, "email": 200})
    if user is None and not values["password"]:
        errors["password"] = "Kata sandi wajib diisi untuk pengguna baru."
    elif values["password"] and len(values["password"]) < MIN_PASSWORD:
        errors["password"] = f"Kata sandi paling sedikit {MIN_PASSWORD} karakter."
    if user is not None and user.id == current_user.id:
        if not values["active"]:
            errors["active"] = "Anda tidak dapat menonaktifkan akun Anda sendiri."
        if not values["is_admin"]:
            errors["is_admin"] = "Anda tidak dapat mencabut hak admin akun Anda sendiri."
    return errors


def _shown(field: str, value) -> str:
    """A value as written in the audit detail."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if field == "unit_id":
        unit = db.session.get(Unit, value) if value else None
        return unit.kode if unit else "-"
    return f'"{value}"' if value else "-"


def _apply_user(user: User, values: dict) -> list[str]:
    """Copy the form values onto ``user``; return what changed (never the password itself)."""
    new = dict(values, nip="".join(values["nip"].split()) or None)
    changes = []
    for field, label in USER_FIELDS.items():
        old = getattr(user, field)
        if old != new[field]:
            changes.append(f"{label} {_shown(field, old)} → {_shown(field, new[field])}")
            setattr(user, field, new[field])
    if values["password"]:
        user.set_password(values["password"])
        user.failed_logins = 0
        user.locked_until = None
        changes.append("kata sandi diganti")
    return changes


def _load_user(user_id: int) -> User:
    """The user or 404."""
    return db.session.get(User, user_id) or abort(404)


def _user_page(user: User | None, values: dict, errors: dict, status: int = 200, **grant):
    """Render the user form (and, for an existing user, the grants block)."""
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    return render_page("admin/user_form.html", user=user, form=values, errors=errors, units=_units(),
                       roles=roles, grant_error=grant.get("error"), grant_message=grant.get("message"),
                       grant_form=grant.get("form") or {}), status


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create a user; bad input re-renders the form with messages (HTTP 400)."""
    if request.method == "GET":
        return _user_page(None, _user_values(None), {})
    values = _posted_user_values()
    errors = _validate_user(values, None)
    if not errors:
        def action():
            user = User(password_hash="", active=True, is_admin=False)
            _apply_user(user, values)
            db.session.add(user)
            audit.record("pengguna", detail=f"Membuat pengguna {user.username} ({user.nama}): NIP {user.nip or '-'}, "
                                            f"unit {_shown('unit_id', user.unit_id)}, aktif {_shown('', user.active)}, "
                                            f"admin {_shown('', user.is_admin)}")
            return user
        try:
            user = with_write_retry(action)
        except IntegrityError:
            errors["username"] = DUPLICATE_USERNAME
        else:
            flash(f"Pengguna {user.nama} dibuat. Tambahkan perannya di bawah.", "success")
            return redirect(url_for("admin_org.user_edit", user_id=user.id))
    return _user_page(None, values, errors, 400)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    """Edit a user's data; an admin cannot deactivate or un-admin themself."""
    user = _load_user(user_id)
    if request.method == "GET":
        return _user_page(user, _user_values(user), {})
    values = _posted_user_values()
    errors = _validate_user(values, user)
    if not errors:
        def action():
            changes = _apply_user(user, values)
            if changes:
                audit.record("pengguna", detail=f"Mengubah pengguna {user.username}: " + "; ".join(changes))
            return changes
        try:
            changes = with_write_retry(action)
        except IntegrityError:
            errors["username"] = DUPLICATE_USERNAME
        else:
            flash(f"Data {user.nama} disimpan." if changes else "Tidak ada perubahan.", "success")
            return redirect(url_for("admin_org.user_edit", user_id=user.id))
    return _user_page(_load_user(user_id), values, errors, 400)


# --- Role grants ---------------------------------------------------------------------------

def _grant_text(role: Role, unit: Unit | None) -> str:
    """A grant as written in messages: the role label, with its unit when scoped."""
    return f"{role.label} ({unit.nama})" if unit else role.label


def _grant_done(user: User, *, error: str | None = None, message: str | None = None, form: dict | None = None):
    """Answer a grant change: the grants block for htmx, otherwise a redirect to the edit page."""
    if _is_htmx():
        db.session.expire(user, ["roles"])
        return _user_page(user, _user_values(user), {}, 200, error=error, message=message, form=form)[0]
    if error:
        flash_error(error)
    elif message:
        flash(message, "success")
    return redirect(url_for("admin_org.user_edit", user_id=user.id) + "#peran")


@bp.route("/pengguna/<int:user_id>/peran", methods=["POST"])
@admin_required
def grant_add(user_id: int):
    """Grant a role to a user; a per-unit role needs a unit, a duplicate grant is refused."""
    user = _load_user(user_id)
    role_id = request.form.get("role_id", type=int)
    unit_id = request.form.get("unit_id", type=int)
    role = db.session.get(Role, role_id) if role_id else None
    unit = db.session.get(Unit, unit_id) if unit_id else None
    form = {"role_id": role_id, "unit_id": unit_id}
    error = None
    if role is None:
        error = "Pilih peran yang akan diberikan."
    elif unit_id and unit is None:
        error = "Unit tidak ditemukan."
    elif role.per_unit and unit is None:
        error = f"Peran {role.label} dipegang per unit: pilih unitnya."
    elif not role.per_unit and unit is not None:
        error = f"Peran {role.label} tidak dipegang per unit: kosongkan pilihan unit."
    elif any(g.role_id == role.id and g.unit_id == unit_id for g in user.roles):
        error = f"{user.nama} sudah memegang peran {_grant_text(role, unit)}."
    if error:
        return _grant_done(user, error=error, form=form)

    def action():
        db.session.add(UserRole(user_id=user.id, role_id=role.id, unit_id=unit.id if unit else None))
        scope = f" di unit {unit.kode}" if unit else ""
        audit.record("peran", detail=f"Memberi peran {role.key}{scope} kepada pengguna {user.username}")
    try:
        with_write_retry(action)
    except IntegrityError:
        return _grant_done(user, error=f"{user.nama} sudah memegang peran {_grant_text(role, unit)}.", form=form)
    return _grant_done(user, message=f"Peran {_grant_text(role, unit)} diberikan.")


@bp.route("/pengguna/<int:user_id>/peran/<int:grant_id>/hapus", methods=["POST"])
@admin_required
def grant_remove(user_id: int, grant_id: int):
    """Take a role grant away from a user."""
    user = _load_user(user_id)
    grant = db.session.get(UserRole, grant_id)
    if grant is None or grant.user_id != user.id:
        abort(404)
    text = _grant_text(grant.role, grant.unit)
    scope = f" di unit {grant.unit.kode}" if grant.unit else ""
    detail = f"Mencabut peran {grant.role.key}{scope} dari pengguna {user.username}"

    def action():
        current = db.session.get(UserRole, grant_id)
        if current is not None:
            db.session.delete(current)
            audit.record("peran", detail=detail)
    with_write_retry(action)
    return _grant_done(user, message=f"Peran {text} dicabut.")


# --- Roles -----------------------------------------------------------------------------------

def _roles_page(form: dict, errors: dict, editing: Role | None = None, status: int = 200):
    """Render the roles list with the create (or edit) form."""
    holders = dict(db.session.execute(select(UserRole.role_id, func.count(func.distinct(UserRole.user_id)))
                                      .group_by(UserRole.role_id)).all())
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    return render_page("admin/roles.html", roles=roles, holders=holders, form=form, errors=errors,
                       editing=editing), status


def _posted_role() -> tuple[dict, dict]:
    """The posted role form and its errors (the key is checked only when present)."""
    form = {"key": request.form.get("key", "").strip(), "label": request.form.get("label", "").strip(),
            "per_unit": _checked("per_unit"), "external": _checked("external")}
    errors = {}
    if not form["label"]:
        errors["label"] = "Nama peran wajib diisi."
    _too_long(errors, form, {"label": 200})
    return form, errors


@bp.route("/peran", methods=["GET", "POST"])
@admin_required
def roles():
    """The pelaksana roles with their number of holders; POST creates a role."""
    if request.method == "GET":
        return _roles_page({"key": "", "label": "", "per_unit": False, "external": False}, {})
    form, errors = _posted_role()
    if not form["key"]:
        errors["key"] = "Kunci peran wajib diisi."
    elif not KEY_RE.match(form["key"]):
        errors["key"] = "Kunci hanya huruf kecil, angka dan garis bawah (paling banyak 60 karakter)."
    elif db.session.scalar(select(Role.id).where(Role.key == form["key"])) is not None:
        errors["key"] = "Kunci peran sudah dipakai."
    if not errors:
        def action():
            db.session.add(Role(**form))
            audit.record("peran", detail=f"Membuat peran {form['key']} ({form['label']}), per unit "
                                         f"{_shown('', form['per_unit'])}, pihak luar {_shown('', form['external'])}")
        try:
            with_write_retry(action)
        except IntegrityError:
            errors["key"] = "Kunci peran sudah dipakai."
        else:
            flash(f"Peran {form['label']} dibuat.", "success")
            return redirect(url_for("admin_org.roles"))
    return _roles_page(form, errors, status=400)


@bp.route("/peran/<int:role_id>", methods=["GET", "POST"])
@admin_required
def role_edit(role_id: int):
    """Edit a role's label and flags; the key stays (SOP steps and tasks refer to it)."""
    role = db.session.get(Role, role_id) or abort(404)
    if request.method == "GET":
        return _roles_page({"key": role.key, "label": role.label, "per_unit": role.per_unit,
                            "external": role.external}, {}, role)
    form, errors = _posted_role()
    form["key"] = role.key
    unscoped = db.session.scalar(select(func.count()).select_from(UserRole)
                                 .where(UserRole.role_id == role.id, UserRole.unit_id.is_(None)))
    if form["per_unit"] and not role.per_unit and unscoped:
        errors["per_unit"] = (f"{unscoped} pemegang peran ini tidak terikat unit. Cabut atau ganti pemberian "
                              "peran mereka dahulu.")
    if not errors:
        def action():
            changes = [f"{label} {_shown('', getattr(role, field))} → {_shown('', form[field])}"
                       for field, label in (("label", "nama"), ("per_unit", "per unit"), ("external", "pihak luar"))
                       if getattr(role, field) != form[field]]
            role.label, role.per_unit, role.external = form["label"], form["per_unit"], form["external"]
            if changes:
                audit.record("peran", detail=f"Mengubah peran {role.key}: " + "; ".join(changes))
        with_write_retry(action)
        flash(f"Peran {form['label']} disimpan.", "success")
        return redirect(url_for("admin_org.roles"))
    return _roles_page(form, errors, role, 400)


# --- Units -----------------------------------------------------------------------------------

def _units_page(form: dict, errors: dict, editing: Unit | None = None, status: int = 200):
    """Render the units list with the create (or edit) form."""
    members = dict(db.session.execute(select(User.unit_id, func.count()).where(User.unit_id.is_not(None))
                                      .group_by(User.unit_id)).all())
    return render_page("admin/units.html", units=_units(), members=members, kinds=UNIT_KINDS, form=form,
                       errors=errors, editing=editing), status


def _posted_unit() -> tuple[dict, dict]:
    """The posted unit form and its errors (the kode is checked by the caller)."""
    form = {"kode": request.form.get("kode", "").strip(), "nama": request.form.get("nama", "").strip(),
            "jenis": request.form.get("jenis", "")}
    errors = {}
    if not form["nama"]:
        errors["nama"] = "Nama unit wajib diisi."
    _too_long(errors, form, {"nama": 200})
    if form["jenis"] not in UNIT_KINDS:
        errors["jenis"] = "Pilih jenis unit."
    return form, errors


@bp.route("/unit", methods=["GET", "POST"])
@admin_required
def units():
    """The units (Sekretariat, bidang, outside parties); POST creates a unit."""
    if request.method == "GET":
        return _units_page({"kode": "", "nama": "", "jenis": "bidang"}, {})
    form, errors = _posted_unit()
    if not form["kode"]:
        errors["kode"] = "Kode unit wajib diisi."
    elif not KEY_RE.match(form["kode"]) or len(form["kode"]) > 40:
        errors["kode"] = "Kode hanya huruf kecil, angka dan garis bawah (paling banyak 40 karakter)."
    elif db.session.scalar(select(Unit.id).where(Unit.kode == form["kode"])) is not None:
        errors["kode"] = "Kode unit sudah dipakai."
    if not errors:
        def action():
            db.session.add(Unit(**form))
            audit.record("unit", detail=f"Membuat unit {form['kode']} ({form['nama']}), jenis {form['jenis']}")
        try:
            with_write_retry(action)
        except IntegrityError:
            errors["kode"] = "Kode unit sudah dipakai."
        else:
            flash(f"Unit {form['nama']} dibuat.", "success")
            return redirect(url_for("admin_org.units"))
    return _units_page(form, errors, status=400)


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id: int):
    """Edit a unit's name and kind; the kode stays."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    if request.method == "GET":
        return _units_page({"kode": unit.kode, "nama": unit.nama, "jenis": unit.jenis}, {}, unit)
    form, errors = _posted_unit()
    form["kode"] = unit.kode
    if not errors:
        def action():
            changes = [f"{label} \"{getattr(unit, field)}\" → \"{form[field]}\""
                       for field, label in (("nama", "nama"), ("jenis", "jenis")) if getattr(unit, field) != form[field]]
            unit.nama, unit.jenis = form["nama"], form["jenis"]
            if changes:
                audit.record("unit", detail=f"Mengubah unit {unit.kode}: " + "; ".join(changes))
        with_write_retry(action)
        flash(f"Unit {form['nama']} disimpan.", "success")
        return redirect(url_for("admin_org.units"))
    return _units_page(form, errors, unit, 400)
