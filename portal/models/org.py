"""The organisation: units, roles (the pelaksana of the SOPs) and users."""
from __future__ import annotations

import re

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.types import UtcDateTime, utcnow

NIP_RE = re.compile(r"^\d{18}$")
UNIT_KINDS = {"sekretariat": "Sekretariat", "bidang": "Bidang", "eksternal": "Pihak luar"}


def validate_nip(nip: str) -> str | None:
    """Return an Indonesian error message when ``nip`` is not 18 digits, else None."""
    digits = (nip or "").replace(" ", "")
    if not digits:
        return None
    if not NIP_RE.match(digits):
        return "NIP harus terdiri dari 18 angka."
    return None


def format_nip(nip: str | None) -> str:
    """Group an 18-digit NIP as written on documents: 19800101 200501 1 001."""
    digits = (nip or "").replace(" ", "")
    if not NIP_RE.match(digits):
        return nip or ""
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def _dummy_hash() -> str:
    """A hash made with the app's password method, so refusing an unknown user costs as much as a real check."""
    from flask import current_app, has_app_context

    method = (current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None) or "scrypt"
    cached = _DUMMY_HASHES.get(method)
    if cached is None:
        cached = _DUMMY_HASHES[method] = generate_password_hash("dummy-password-never-used", method=method)
    return cached


_DUMMY_HASHES: dict[str, str] = {}


class Unit(db.Model):
    """An organisational unit: Sekretariat, a Bidang, or an outside party."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(40), unique=True)
    nama: Mapped[str] = mapped_column(String(200))
    jenis: Mapped[str] = mapped_column(String(20), default="bidang")

    def __repr__(self) -> str:
        return f"<Unit {self.kode}>"


class Role(db.Model):
    """A pelaksana role of the SOPs; ``per_unit`` roles are held within a unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    per_unit: Mapped[bool] = mapped_column(default=False)
    external: Mapped[bool] = mapped_column(default=False)
    # Observers (e.g. Kasubbag PPMEP, Tim SAKIP) see the Pemantauan and open every run read-only.
    observer: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


def grants_include(grants, key: str, unit_id: int | None = None) -> bool:
    """True when the (role key, unit id or None) pairs ``grants`` hold role ``key``, within
    ``unit_id`` when given (a grant without a unit holds in every unit)."""
    return any(held == key and (unit_id is None or within in (None, unit_id)) for held, within in grants)


class User(UserMixin, db.Model):
    """A person who logs in. Holds several roles, each optionally scoped to a unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    nama: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(18))
    jabatan: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    session_gen: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until = mapped_column(UtcDateTime(), nullable=True)
    created_at = mapped_column(UtcDateTime(), default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    roles: Mapped[list["UserRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        """Inactive users cannot log in."""
        return self.active

    def get_id(self) -> str:  # Flask-Login: stored in the session and the remember cookie
        """The session identity: user id and session generation (see ``end_sessions``)."""
        return f"{self.id}:{self.session_gen or 0}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user (logout, password change, deactivation)."""
        self.session_gen = (self.session_gen or 0) + 1

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (method from ``PASSWORD_HASH_METHOD``, Werkzeug's default otherwise)."""
        from flask import current_app, has_app_context

        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, method=method) if method else generate_password_hash(password)
        if self.id is not None:
            self.end_sessions()

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def check_dummy_password(password: str) -> bool:
        """Spend the same hashing cost as ``check_password`` for a name that is unknown or locked; always False."""
        check_password_hash(_dummy_hash(), password)
        return False

    def role_grants(self) -> set[tuple[str, int | None]]:
        """The (role key, unit id or None) pairs this user holds."""
        return {(ur.role.key, ur.unit_id) for ur in self.roles}

    def has_role(self, key: str, unit_id: int | None = None) -> bool:
        """True when the user holds role ``key`` (within ``unit_id`` when given)."""
        return grants_include(((ur.role.key, ur.unit_id) for ur in self.roles), key, unit_id)

    @property
    def is_internal(self) -> bool:
        """Staff of the agency: no unit, or a unit that is not an outside party (``eksternal``)."""
        return self.unit is None or self.unit.jenis != "eksternal"

    @property
    def nip_display(self) -> str:
        """The NIP grouped as on documents."""
        return format_nip(self.nip)


class UserRole(db.Model):
    """A user's grant of a role, optionally within one unit."""

    __table_args__ = (UniqueConstraint("user_id", "role_id", "unit_id", name="uq_user_role_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    role: Mapped[Role] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
