"""WTForms fields for the declared field types, with Indonesian parsing and messages.

Every field keeps what the user typed (``raw``) so a refused value is shown back in its
cell, and stores a typed value (``data``): numbers as numbers, dates as ISO text, NIP as
18 digits, choices as their value.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal
from flask import g
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import Choice, SelectFieldBase
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import Select, TextInput

from portal.formatting import decimal_text

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def number_text(value, places: int | None = None) -> str:
    """An Indonesian number text: 1.234.567,89."""
    if value is None or value == "":
        return ""
    if places is not None:
        return decimal_text(value, "#,##0." + "0" * places if places else "#,##0")
    return decimal_text(value, quantize=False)


def parse_number(text: str, kind: str = "angka") -> Decimal:
    """Parse "1.234.567,89", "97,5", "Rp 1.000", "85 %"; ValueError with an Indonesian message."""
    cleaned = (text or "").strip()
    if kind == "rupiah":
        cleaned = re.sub(r"^rp\.?\s*", "", cleaned, flags=re.I)
    if kind == "persen":
        cleaned = cleaned.rstrip("%").strip()
    cleaned = cleaned.replace(" ", "")
    try:
        return parse_decimal(cleaned, locale="id", strict=True)
    except (NumberFormatError, ValueError):
        raise ValueError(f'"{text}" bukan angka (titik untuk ribuan, koma untuk desimal: 1.234.567,89)') from None


def plain(value: Decimal) -> int | float:
    """A Decimal as the JSON number stored (int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


class TypedField(StringField):
    """A text input whose value is parsed into a typed value; keeps the raw text."""

    kind = "teks"

    def __init__(self, *args, kind: str = "teks", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.raw: str | None = None

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "") or ""
        text = self.raw.strip()
        if not text:
            self.data = None
            return
        try:
            self.data = self.convert(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def convert(self, text: str):
        """Typed value of ``text``; ValueError with an Indonesian message."""
        return text

    def display(self, value) -> str:
        """The text shown in the input for a stored value."""
        return "" if value is None else str(value)

    def _value(self):
        return self.raw if self.raw is not None else self.display(self.data)


class NumberField(TypedField):
    """angka, persen, rupiah: Indonesian notation in, a JSON number out."""

    def convert(self, text):
        return plain(parse_number(text, self.kind))

    def display(self, value):
        return number_text(value)


class YearField(TypedField):
    """tahun: a four-digit year."""

    def convert(self, text):
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(f'"{text}" bukan tahun (empat angka, mis. 2027)')
        return int(text)


class NipField(TypedField):
    """nip: 18 digits (spaces allowed while typing), stored without spaces."""

    def convert(self, text):
        digits = text.replace(" ", "")
        if not re.fullmatch(r"\d{18}", digits):
            raise ValueError("NIP harus terdiri dari 18 angka.")
        return digits

    def display(self, value):
        from portal.models.org import format_nip

        return format_nip(value) if value else ""


class DateField(TypedField):
    """tanggal: ISO (date input) or dd/mm/yyyy, stored as ISO text."""

    def convert(self, text):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError(f'"{text}" bukan tanggal (hh/bb/tttt, mis. 31/12/2027)')

    def display(self, value):
        return value or ""


class LongTextField(TextAreaField):
    """teks_panjang."""

    kind = "teks_panjang"

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip() or None


class ShortTextField(TypedField):
    """teks."""

    def convert(self, text):
        if len(text) > 2000:
            raise ValueError("Teks terlalu panjang (paling banyak 2.000 karakter).")
        return text


class ChoiceField(SelectFieldBase):
    """pilihan / berkas: a select whose options come from the definition or the portal."""

    widget = Select()

    def __init__(self, *args, source=None, kind: str = "pilihan", **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.kind = kind
        self.raw = None

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs; dynamic sources are read once per request."""
        return choice_options(self.source)

    def iter_choices(self):
        current = "" if self.data is None else str(self.data)
        yield Choice("", "— pilih —", current == "", {})
        for value, label in self.options():
            yield Choice(value, label, value == current, {})

    def has_groups(self):
        return False

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "") or ""
        value = self.raw.strip()
        if not value:
            self.data = None
            return
        if value not in {v for v, _ in self.options()}:
            self.data = None
            raise ValueError("Pilihan tidak dikenal.")
        self.data = int(value) if self.kind == "berkas" or self.source in ("unit", "pengguna") else value

    def _value(self):
        return "" if self.data is None else str(self.data)


def choice_options(source) -> list[tuple[str, str]]:
    """Options of a choice source: a list from the definition, or "unit" / "pengguna" /
    "peran" / "berkas" (the current run's attachments), cached per request."""
    if isinstance(source, (list, tuple)):
        return [(str(v), str(v)) for v in source]
    cache = g.setdefault("portal_form_choices", {})
    key = (source, g.get("portal_form_run_id")) if source == "berkas" else source  # files belong to one run
    if key not in cache:
        cache[key] = _dynamic_options(source)
    return cache[key]


def option_label(source, value) -> str:
    """The label of one stored choice ``value`` of ``source`` (as its option shows it), looked up
    alone: a summary showing one chosen person does not list every user."""
    if isinstance(source, (list, tuple)):
        return str(value)
    key = (source, g.get("portal_form_run_id")) if source == "berkas" else source
    listed = g.get("portal_form_choices", {}).get(key)
    if listed is not None:
        return dict(listed).get(str(value), str(value))
    from portal.request_cache import memo

    found = memo(("option_label", key, str(value)), lambda: _one_option(source, str(value)))
    return found if found is not None else str(value)


def _one_option(source: str, value: str) -> str | None:
    from portal.extensions import db
    from portal.models import Attachment, Unit
    from portal.request_cache import role_by_key, user_by_id

    if source == "peran":
        role = role_by_key(value)
        return role.label if role else None
    if not value.isdigit():
        return None
    if source == "unit":
        unit = db.session.get(Unit, int(value))
        return unit.nama if unit else None
    if source == "pengguna":
        user = user_by_id(int(value))
        return f"{user.nama} — {user.jabatan}" if user and user.active else None
    if source == "berkas":
        attachment = db.session.get(Attachment, int(value))
        run_id = g.get("portal_form_run_id")
        return attachment.filename if attachment and run_id is not None and attachment.run_id == run_id else None
    return None


def _dynamic_options(source: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Attachment, Role, Unit, User

    if source == "unit":
        return [(str(u.id), u.nama) for u in db.session.scalars(select(Unit).order_by(Unit.jenis, Unit.nama))]
    if source == "pengguna":
        return [(str(u.id), f"{u.nama} — {u.jabatan}") for u in
                db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.nama))]
    if source == "peran":
        return [(r.key, r.label) for r in db.session.scalars(select(Role).order_by(Role.label))]
    if source == "berkas":
        run_id = g.get("portal_form_run_id")
        if run_id is None:
            return []
        return [(str(a.id), a.filename) for a in
                db.session.scalars(select(Attachment).where(Attachment.run_id == run_id).order_by(Attachment.id))]
    return []


class Required:
    """wajib: a value must be given (message beside the cell)."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.process_errors:  # unreadable: its own message already stands
            raise StopValidation()
        if field.data is None or field.data == "":
            raise StopValidation("Wajib diisi.")


class RequiredWith:
    """wajib_bila: a value must be given when another field of the same row/entry is filled."""

    def __init__(self, other: str, title: str):
        self.other, self.title = other, title

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        other = form._fields.get(self.other)
        filled = other is not None and (other.data not in (None, "") or bool(getattr(other, "raw", None)))
        if filled and field.data in (None, ""):
            raise StopValidation(f"Wajib diisi bila {self.title} diisi.")


class Bounds:
    """min / max of a number (or of a year)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if self.low is not None and value < self.low:
            raise ValidationError(f"Paling kecil {number_text(plain(Decimal(str(self.low))))}.")
        if self.high is not None and value > self.high:
            raise ValidationError(f"Paling besar {number_text(plain(Decimal(str(self.high))))}.")


def make_field(spec, titles: dict | None = None):
    """The unbound WTForms field of a FieldSpec (computed columns get none); ``titles``
    (key -> title of the sibling fields) names the field a ``wajib_bila`` depends on."""
    validators = [Required()] if spec.required else []
    if spec.required_with:
        validators.append(RequiredWith(spec.required_with, (titles or {}).get(spec.required_with, spec.required_with)))
    if spec.min is not None or spec.max is not None:
        validators.append(Bounds(spec.min, spec.max))
    if spec.type in ("angka", "persen", "rupiah"):
        return NumberField(spec.title, validators, kind=spec.type, widget=TextInput(input_type="text"))
    if spec.type == "tahun":
        return YearField(spec.title, validators, kind="tahun")
    if spec.type == "nip":
        return NipField(spec.title, validators, kind="nip")
    if spec.type == "tanggal":
        return DateField(spec.title, validators, kind="tanggal")
    if spec.type == "teks_panjang":
        return LongTextField(spec.title, validators)
    if spec.type in ("pilihan", "berkas"):
        return ChoiceField(spec.title, validators, source="berkas" if spec.type == "berkas" else spec.choices, kind=spec.type)
    return ShortTextField(spec.title, validators, kind="teks")


def today_iso() -> str:
    """Today as ISO text (sample data)."""
    return date.today().isoformat()
