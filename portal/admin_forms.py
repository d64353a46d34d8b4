"""Flask-WTF forms of the admin organisation pages (users, role grants, roles, units), messages in Indonesian.

Templates render every field through the one macro (templates/macros/fields.html). Checks that need
the database (a unique username, key or kode; a unit that exists; a NIP for staff of an internal unit;
an admin keeping their own rights) are made by the views in ``portal.views.admin_org``, which add their
message to the field with ``add_error``.
"""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from portal.models.org import UNIT_KINDS, validate_nip

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
KEY_RE = re.compile(r"^[a-z0-9_]{1,60}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
CHECKBOX_FALSE = ("false", "", "0", "off", "n", "no")


def strip(value):
    """Surrounding spaces are not part of what was typed."""
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    """A posted id as a number; empty or not a number is no choice (None)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def at_most(limit: int) -> Length:
    """Length check with the Indonesian message the admin pages use."""
    return Length(max=limit, message=f"Paling banyak {limit} karakter.")


def code_validators(name: str, limit: int) -> list:
    """A new role key / unit kode: required, lowercase letters, digits and underscore, at most ``limit``."""
    shape = f"{name} hanya boleh huruf kecil, angka dan garis bawah (paling banyak {limit} karakter)."
    return [DataRequired(f"{name} wajib diisi."), Regexp(KEY_RE, message=shape), Length(max=limit, message=shape)]


def add_error(field, message: str) -> None:
    """Attach a message found by the view (after ``validate``) to ``field``."""
    field.errors = [*field.errors, message]


class UserForm(FlaskForm):
    """A user's data; the password is required only for a new user (``is_new``)."""

    username = StringField("Nama pengguna", filters=[strip], validators=[
        DataRequired("Nama pengguna wajib diisi."),
        Regexp(USERNAME_RE, message="Nama pengguna 2–80 karakter: huruf, angka, titik, garis bawah atau tanda hubung.")])
    nama = StringField("Nama lengkap dan gelar", filters=[strip],
                       validators=[DataRequired("Nama wajib diisi."), at_most(200)])
    nip = StringField("NIP", filters=[strip])
    jabatan = StringField("Jabatan", filters=[strip], validators=[at_most(200)])
    email = StringField("Email", filters=[strip], validators=[
        Optional(), Regexp(EMAIL_RE, message="Alamat email tidak valid."), at_most(200)])
    unit_id = SelectField("Unit", coerce=optional_id, validate_choice=False)
    active = BooleanField("Aktif (boleh masuk)", false_values=CHECKBOX_FALSE, default=True)
    is_admin = BooleanField("Admin (mengelola pengguna, peran, unit, plugin)", false_values=CHECKBOX_FALSE)
    password = PasswordField("Kata sandi")

    def __init__(self, *args, is_new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = is_new
        if not is_new:
            self.password.label.text = "Kata sandi baru"

    def validate_nip(self, field) -> None:
        """18 digits (spaces allowed while typing), or empty."""
        if message := validate_nip("".join((field.data or "").split())):
            raise ValidationError(message)

    def validate_password(self, field) -> None:
        """Required for a new user; at least ``MIN_PASSWORD`` characters when given."""
        if self.is_new and not field.data:
            raise ValidationError("Kata sandi wajib diisi untuk pengguna baru.")
        if field.data and len(field.data) < MIN_PASSWORD:
            raise ValidationError(f"Kata sandi paling sedikit {MIN_PASSWORD} karakter.")

    def values(self) -> dict:
        """The validated values, as the view stores them (NIP as typed; spaces dropped on save)."""
        return {"username": self.username.data, "nama": self.nama.data, "nip": self.nip.data or "",
                "jabatan": self.jabatan.data or "", "email": self.email.data or "", "unit_id": self.unit_id.data,
                "active": bool(self.active.data), "is_admin": bool(self.is_admin.data),
                "password": self.password.data or ""}


class GrantForm(FlaskForm):
    """Give a user a role, scoped to a unit when the role is held per unit."""

    role_id = SelectField("Peran", coerce=optional_id, validate_choice=False,
                          validators=[DataRequired("Pilih peran yang akan diberikan.")])
    unit_id = SelectField("Unit", coerce=optional_id, validate_choice=False)


class RoleForm(FlaskForm):
    """A role (lane of the SOP steps); its key is set once, on creation."""

    code_field = "key"

    key = StringField("Kunci", filters=[strip], validators=code_validators("Kunci peran", 60))
    label = StringField("Nama peran", filters=[strip],
                        validators=[DataRequired("Nama peran wajib diisi."), at_most(200)])
    per_unit = BooleanField("Per unit (dipegang di tiap unit, misalnya Tim Urusan tiap bidang)",
                            false_values=CHECKBOX_FALSE)
    external = BooleanField("Pihak luar (misalnya Biro Organisasi, Bappeda)", false_values=CHECKBOX_FALSE)


class UnitForm(FlaskForm):
    """A unit (Sekretariat, bidang, outside party); its kode is set once, on creation."""

    code_field = "kode"

    kode = StringField("Kode", filters=[strip], validators=code_validators("Kode unit", 40))
    nama = StringField("Nama unit", filters=[strip],
                       validators=[DataRequired("Nama unit wajib diisi."), at_most(200)])
    jenis = SelectField("Jenis", choices=list(UNIT_KINDS.items()), validate_choice=False, default="bidang",
                        validators=[AnyOf(list(UNIT_KINDS), message="Pilih jenis unit.")])
