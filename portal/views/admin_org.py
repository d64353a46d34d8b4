"""Admin pages for the organisation: users and their role grants, roles, units."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_user
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
    was_active = bool(user.active)
    changes = []
    for field, label in USER_FIELDS.items():
        old = getattr(user, field)
        if old != new[field]:
            changes.append(f"{label} {_shown(field, old)} → {_shown(field, new[field])}")
            setattr(user, field, new[field])
    if values["password"]:
        user.set_password(values["password"])  # ends the user's other sessions
        user.failed_logins = 0
        user.locked_until = None
        changes.append("kata sandi diganti")
        if user.id is not None and user.id == current_user.id:
            login_user(user)  # the admin changing their own password stays logged in here
    if was_active and not user.active and user.id is not None:
        user.end_sessions()
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
    if request.htmx:
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


# --- Roles and units ---------------------------------------------------------------------------

def _changes(obj, form: dict, labels: dict[str, str]) -> list[str]:
    """Apply ``form`` to ``obj`` for the fields in ``labels``; return what changed, for the audit."""
    changes = []
    for field, label in labels.items():
        if getattr(obj, field) != form[field]:
            changes.append(f"{label} {_shown(field, getattr(obj, field))} → {_shown(field, form[field])}")
            setattr(obj, field, form[field])
    return changes


def _check_code(errors: dict, field: str, model, name: str, limit: int) -> str:
    """The posted key/kode of a new role or unit; unique, lowercase letters, digits and underscore."""
    value = request.form.get(field, "").strip()
    if not value:
        errors[field] = f"{name} wajib diisi."
    elif not KEY_RE.match(value) or len(value) > limit:
        errors[field] = f"{name} hanya boleh huruf kecil, angka dan garis bawah (paling banyak {limit} karakter)."
    elif db.session.scalar(select(model.id).where(getattr(model, field) == value)) is not None:
        errors[field] = f"{name} sudah dipakai."
    return value


def _save(obj, new: bool, form: dict, errors: dict, labels: dict, action: str, code_field: str):
    """Create or update a role/unit with an audit event; a redirect, or None when there are errors."""
    code = form[code_field]

    def write():
        changes = _changes(obj, form, labels)
        if new:
            db.session.add(obj)
            shown = ", ".join(f"{labels[f]} {_shown(f, form[f])}" for f in labels)
            audit.record(action, detail=f"Membuat {action} {code}: {shown}")
        elif changes:
            audit.record(action, detail=f"Mengubah {action} {code}: " + "; ".join(changes))
    if errors:
        return None
    try:
        with_write_retry(write)
    except IntegrityError:
        errors[code_field] = "Kunci peran sudah dipakai." if action == "peran" else "Kode unit sudah dipakai."
        return None
    flash(f"{action.capitalize()} {code} disimpan.", "success")
    return redirect(url_for("admin_org.roles" if action == "peran" else "admin_org.units"))


ROLE_LABELS = {"label": "nama", "per_unit": "per unit", "external": "pihak luar"}
UNIT_LABELS = {"nama": "nama", "jenis": "jenis"}


@bp.route("/peran", methods=["GET", "POST"], endpoint="roles")
@bp.route("/peran/<int:role_id>", methods=["GET", "POST"], endpoint="role_edit")
@admin_required
def role_page(role_id: int | None = None):
    """Roles with their number of holders, and a form that creates one or edits one.

    The key of an existing role stays: SOP steps and open tasks refer to it.
    """
    role = (db.session.get(Role, role_id) or abort(404)) if role_id else None
    form = {"key": role.key if role else "", "label": role.label if role else "",
            "per_unit": bool(role and role.per_unit), "external": bool(role and role.external)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update(label=request.form.get("label", "").strip(), per_unit=_checked("per_unit"),
                    external=_checked("external"))
        if role is None:
            form["key"] = _check_code(errors, "key", Role, "Kunci peran", 60)
        elif form["per_unit"] and not role.per_unit:
            unscoped = db.session.scalar(select(func.count()).select_from(UserRole).where(
                UserRole.role_id == role.id, UserRole.unit_id.is_(None)))
            if unscoped:
                errors["per_unit"] = f"{unscoped} pemberian peran ini tanpa unit. Cabut dahulu, lalu berikan per unit."
        if not form["label"]:
            errors["label"] = "Nama peran wajib diisi."
        _too_long(errors, form, {"label": 200})
        if done := _save(role or Role(key=form["key"]), role is None, form, errors, ROLE_LABELS, "peran", "key"):
            return done
    holders = dict(db.session.execute(select(UserRole.role_id, func.count(func.distinct(UserRole.user_id)))
                                      .group_by(UserRole.role_id)).all())
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    return render_page("admin/roles.html", roles=roles, holders=holders, form=form, errors=errors,
                       editing=role), 400 if errors else 200


@bp.route("/unit", methods=["GET", "POST"], endpoint="units")
@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"], endpoint="unit_edit")
@admin_required
def unit_page(unit_id: int | None = None):
    """Units (Sekretariat, bidang, outside parties) with their members, and a form that creates or edits one.

    The kode of an existing unit stays.
    """
    unit = (db.session.get(Unit, unit_id) or abort(404)) if unit_id else None
    form = {"kode": unit.kode if unit else "", "nama": unit.nama if unit else "",
            "jenis": unit.jenis if unit else "bidang"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update(nama=request.form.get("nama", "").strip(), jenis=request.form.get("jenis", ""))
        if unit is None:
            form["kode"] = _check_code(errors, "kode", Unit, "Kode unit", 40)
        if not form["nama"]:
            errors["nama"] = "Nama unit wajib diisi."
        _too_long(errors, form, {"nama": 200})
        if form["jenis"] not in UNIT_KINDS:
            errors["jenis"] = "Pilih jenis unit."
        if done := _save(unit or Unit(kode=form["kode"]), unit is None, form, errors, UNIT_LABELS, "unit", "kode"):
            return done
    members = dict(db.session.execute(select(User.unit_id, func.count()).where(User.unit_id.is_not(None))
                                      .group_by(User.unit_id)).all())
    return render_page("admin/units.html", units=_units(), members=members, kinds=UNIT_KINDS, form=form,
                       errors=errors, editing=unit), 400 if errors else 200
