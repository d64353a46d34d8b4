"""Admin pages for the organisation: users and their role grants, roles, units."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.extensions import db
from portal.models import Role, Unit, User, UserRole
from portal.admin_forms import GrantForm, RoleForm, UnitForm, UserForm, add_error
from portal.models.org import UNIT_KINDS, format_nip
from portal.templating import render_page
from portal.views.helpers import admin_required, with_write_retry

bp = Blueprint("admin_org", __name__, url_prefix="/admin")

USER_FIELDS = {"username": "nama pengguna", "nama": "nama", "nip": "NIP", "jabatan": "jabatan", "email": "email",
               "unit_id": "unit", "active": "aktif", "is_admin": "admin"}
DUPLICATE_USERNAME = "Nama pengguna sudah dipakai."


def _units() -> list[Unit]:
    """All units: Sekretariat first, then the bidang, then outside parties, each by name."""
    order = case({"sekretariat": 0, "bidang": 1}, value=Unit.jenis, else_=2)
    return list(db.session.scalars(select(Unit).order_by(order, Unit.nama)))


def _unit_choices(units: list[Unit]) -> list[tuple]:
    """Choices of a unit select: no unit first."""
    return [("", "— tanpa unit —")] + [(u.id, u.nama) for u in units]


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


def _user_form(user: User | None, units: list[Unit], posted: bool = True) -> UserForm:
    """The user form: the posted values on a POST of it (``posted``), otherwise the user's data
    (or a blank new user)."""
    if posted and request.method == "POST":
        form = UserForm(is_new=user is None)
    elif user is None:
        form = UserForm(formdata=None, is_new=True)
    else:
        form = UserForm(formdata=None, obj=user, is_new=False)
        form.nip.data = format_nip(user.nip)
    form.unit_id.choices = _unit_choices(units)
    return form


def _check_user(form: UserForm, user: User | None) -> bool:
    """Validate the form, then what needs the database; True when the values may be saved."""
    valid = form.validate()
    username = form.username.data
    if not form.username.errors and username:
        clash = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
        if clash is not None and (user is None or clash != user.id):
            add_error(form.username, DUPLICATE_USERNAME)
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    if form.unit_id.data and unit is None:
        add_error(form.unit_id, "Unit tidak ditemukan.")
    nip = "".join((form.nip.data or "").split())
    if not form.nip.errors and not nip and unit is not None and unit.jenis != "eksternal":
        add_error(form.nip, "NIP wajib diisi untuk pegawai; hanya tamu dari pihak luar yang boleh tanpa NIP.")
    if user is not None and user.id == current_user.id:
        if not form.active.data:
            add_error(form.active, "Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if not form.is_admin.data:
            add_error(form.is_admin, "Anda tidak dapat mencabut hak admin akun Anda sendiri.")
    return valid and not any(field.errors for field in form)


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


def _user_page(user: User | None, form: UserForm, status: int = 200, *, units: list[Unit] | None = None,
               grant_form: GrantForm | None = None, grant_message: str | None = None):
    """Render the user form (and, for an existing user, the grants block)."""
    units = units if units is not None else _units()
    grant_form = grant_form or _grant_form(units, formdata=None)
    return render_page("admin/user_form.html", user=user, form=form, grant_form=grant_form,
                       grant_message=grant_message), status


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create a user; bad input re-renders the form with messages beside the fields (HTTP 400)."""
    units = _units()
    form = _user_form(None, units)
    if request.method == "GET":
        return _user_page(None, form, units=units)
    if _check_user(form, None):
        values = form.values()

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
            add_error(form.username, DUPLICATE_USERNAME)
        else:
            flash(f"Pengguna {user.nama} dibuat. Tambahkan perannya di bawah.", "success")
            return redirect(url_for("admin_org.user_edit", user_id=user.id))
    return _user_page(None, form, 400, units=units)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    """Edit a user's data; an admin cannot deactivate or un-admin themself."""
    user = _load_user(user_id)
    units = _units()
    form = _user_form(user, units)
    if request.method == "GET":
        return _user_page(user, form, units=units)
    if _check_user(form, user):
        values = form.values()

        def action():
            changes = _apply_user(user, values)
            if changes:
                audit.record("pengguna", detail=f"Mengubah pengguna {user.username}: " + "; ".join(changes))
            return changes
        try:
            changes = with_write_retry(action)
        except IntegrityError:
            add_error(form.username, DUPLICATE_USERNAME)
        else:
            flash(f"Data {user.nama} disimpan." if changes else "Tidak ada perubahan.", "success")
            return redirect(url_for("admin_org.user_edit", user_id=user.id))
    return _user_page(_load_user(user_id), form, 400, units=units)


# --- Role grants ---------------------------------------------------------------------------

def _grant_text(role: Role, unit: Unit | None) -> str:
    """A grant as written in messages: the role label, with its unit when scoped."""
    return f"{role.label} ({unit.nama})" if unit else role.label


def _grant_form(units: list[Unit], formdata=...) -> GrantForm:
    """The grant form with the roles and units to choose from (``formdata=None``: blank)."""
    form = GrantForm() if formdata is ... else GrantForm(formdata=formdata)
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    form.role_id.choices = [("", "— pilih peran —")] + [
        (r.id, r.label + (" (per unit)" if r.per_unit else "") + (" (pihak luar)" if r.external else "")) for r in roles]
    form.unit_id.choices = _unit_choices(units)
    return form


def _grant_done(user: User, *, form: GrantForm | None = None, message: str | None = None):
    """Answer a grant change: the grants block for htmx; otherwise the edit page again with the
    messages beside the fields (HTTP 400), or a redirect to it after a change."""
    failed = form is not None and any(field.errors for field in form)
    if request.htmx or failed:
        db.session.expire(user, ["roles"])
        units = _units()
        page, status = _user_page(user, _user_form(user, units, posted=False), 400 if failed else 200,
                                  units=units, grant_form=form if failed else None, grant_message=message)
        return (page, 200) if request.htmx else (page, status)
    flash(message, "success")
    return redirect(url_for("admin_org.user_edit", user_id=user.id) + "#peran")


@bp.route("/pengguna/<int:user_id>/peran", methods=["POST"])
@admin_required
def grant_add(user_id: int):
    """Grant a role to a user; a per-unit role needs a unit, a duplicate grant is refused."""
    user = _load_user(user_id)
    form = _grant_form(_units())
    form.validate()
    role = db.session.get(Role, form.role_id.data) if form.role_id.data else None
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    if form.role_id.data and role is None:
        add_error(form.role_id, "Peran tidak ditemukan.")
    elif form.unit_id.data and unit is None:
        add_error(form.unit_id, "Unit tidak ditemukan.")
    elif role is not None and role.per_unit and unit is None:
        add_error(form.unit_id, f"Peran {role.label} dipegang per unit: pilih unitnya.")
    elif role is not None and not role.per_unit and unit is not None:
        add_error(form.unit_id, f"Peran {role.label} tidak dipegang per unit: kosongkan pilihan unit.")
    elif role is not None and any(g.role_id == role.id and g.unit_id == form.unit_id.data for g in user.roles):
        add_error(form.role_id, f"{user.nama} sudah memegang peran {_grant_text(role, unit)}.")
    if any(field.errors for field in form):
        return _grant_done(user, form=form)

    def action():
        db.session.add(UserRole(user_id=user.id, role_id=role.id, unit_id=unit.id if unit else None))
        scope = f" di unit {unit.kode}" if unit else ""
        audit.record("peran", detail=f"Memberi peran {role.key}{scope} kepada pengguna {user.username}")
    try:
        with_write_retry(action)
    except IntegrityError:
        add_error(form.role_id, f"{user.nama} sudah memegang peran {_grant_text(role, unit)}.")
        return _grant_done(user, form=form)
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


def _code_taken(form, field: str, model, name: str) -> None:
    """A new role key / unit kode must not be in use yet."""
    value = getattr(form, field).data
    if not getattr(form, field).errors and db.session.scalar(
            select(model.id).where(getattr(model, field) == value)) is not None:
        add_error(getattr(form, field), f"{name} sudah dipakai.")


def _save(obj, new: bool, form, labels: dict, action: str, code_field: str):
    """Create or update a role/unit with an audit event; a redirect, or None when there are errors."""
    if any(field.errors for field in form):
        return None
    values = {name: getattr(form, name).data for name in labels}
    code = getattr(form, code_field).data if new else getattr(obj, code_field)

    def write():
        changes = _changes(obj, values, labels)
        if new:
            db.session.add(obj)
            shown = ", ".join(f"{labels[f]} {_shown(f, values[f])}" for f in labels)
            audit.record(action, detail=f"Membuat {action} {code}: {shown}")
        elif changes:
            audit.record(action, detail=f"Mengubah {action} {code}: " + "; ".join(changes))
    try:
        with_write_retry(write)
    except IntegrityError:
        add_error(getattr(form, code_field), "Kunci peran sudah dipakai." if action == "peran" else "Kode unit sudah dipakai.")
        return None
    flash(f"{action.capitalize()} {code} disimpan.", "success")
    return redirect(url_for("admin_org.roles" if action == "peran" else "admin_org.units"))


ROLE_LABELS = {"label": "nama", "per_unit": "per unit", "external": "pihak luar"}
UNIT_LABELS = {"nama": "nama", "jenis": "jenis"}


def _bound(form_class, obj):
    """``form_class`` with the posted values on POST, else with ``obj``'s (blank when None); the
    key/kode field is dropped for an existing object (it stays as created)."""
    form = form_class() if request.method == "POST" else form_class(formdata=None, obj=obj)
    if obj is not None:
        del form[form_class.code_field]
    return form


@bp.route("/peran", methods=["GET", "POST"], endpoint="roles")
@bp.route("/peran/<int:role_id>", methods=["GET", "POST"], endpoint="role_edit")
@admin_required
def role_page(role_id: int | None = None):
    """Roles with their number of holders, and a form that creates one or edits one.

    The key of an existing role stays: SOP steps and open tasks refer to it.
    """
    role = (db.session.get(Role, role_id) or abort(404)) if role_id else None
    form = _bound(RoleForm, role)
    failed = False
    if request.method == "POST":
        form.validate()
        if role is None:
            _code_taken(form, "key", Role, "Kunci peran")
        elif form.per_unit.data and not role.per_unit:
            unscoped = db.session.scalar(select(func.count()).select_from(UserRole).where(
                UserRole.role_id == role.id, UserRole.unit_id.is_(None)))
            if unscoped:
                add_error(form.per_unit, f"{unscoped} pemberian peran ini tanpa unit. Cabut dahulu, lalu berikan per unit.")
        if done := _save(role or Role(key=form.key.data), role is None, form, ROLE_LABELS, "peran", "key"):
            return done
        failed = True
    holders = dict(db.session.execute(select(UserRole.role_id, func.count(func.distinct(UserRole.user_id)))
                                      .group_by(UserRole.role_id)).all())
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    return render_page("admin/roles.html", roles=roles, holders=holders, form=form, failed=failed,
                       editing=role), 400 if failed else 200


@bp.route("/unit", methods=["GET", "POST"], endpoint="units")
@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"], endpoint="unit_edit")
@admin_required
def unit_page(unit_id: int | None = None):
    """Units (Sekretariat, bidang, outside parties) with their members, and a form that creates or edits one.

    The kode of an existing unit stays.
    """
    unit = (db.session.get(Unit, unit_id) or abort(404)) if unit_id else None
    form = _bound(UnitForm, unit)
    failed = False
    if request.method == "POST":
        form.validate()
        if unit is None:
            _code_taken(form, "kode", Unit, "Kode unit")
        if done := _save(unit or Unit(kode=form.kode.data), unit is None, form, UNIT_LABELS, "unit", "kode"):
            return done
        failed = True
    members = dict(db.session.execute(select(User.unit_id, func.count()).where(User.unit_id.is_not(None))
                                      .group_by(User.unit_id)).all())
    return render_page("admin/units.html", units=_units(), members=members, kinds=UNIT_KINDS, form=form,
                       failed=failed, editing=unit), 400 if failed else 200
