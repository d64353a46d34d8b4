"""Flask-WTF forms of the core pages (login, start a run, reassign, cancel), messages in Indonesian.

Templates render every field through one macro (templates/macros/fields.html). Checks that need
the database or the SOP definition stay in the runner, which refuses bad input on its own.
(Named ``core_forms`` so that it does not clash with the plugins' step-form engine.)
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from markupsafe import Markup, escape
from wtforms.widgets import CheckboxInput, ListWidget, Select


class IndonesianIntegerField(IntegerField):
    """An integer field whose "not a number" message is Indonesian."""

    def __init__(self, *args, not_a_number: str = "Isian harus berupa angka.", **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        """Parse the number; keep the typed text and an Indonesian error when it is not one."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.not_a_number) from None


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes; choices are checked by the runner, not rejected in English here."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """Leave the choice check to the caller (it knows the allowed units and says why)."""


class PlaceholderSelect(Select):
    """A select whose first option is "- pilih -" (nothing chosen), before any option groups."""

    def __call__(self, field, **kwargs):
        """Render the select with the empty first option, selected while nothing is chosen."""
        html = str(super().__call__(field, **kwargs))
        selected = " selected" if field.data in (None, "") else ""
        head, _, rest = html.partition(">")
        return Markup(f'{head}><option value=""{selected}>- pilih -</option>{rest}')

    @classmethod
    def render_option(cls, choice, **kwargs):
        """One option, written here when it has no attributes but its value (the same HTML as
        WTForms' own: ``<option selected value="…">``). A run page as admin lists every staff
        member in each reassign form, and WTForms' general attribute writer took a fifth of it."""
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>')


class LoginForm(FlaskForm):
    """Masuk: nama pengguna and kata sandi."""

    username = StringField("Nama pengguna", validators=[InputRequired("Nama pengguna wajib diisi."), Length(max=80)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Kata sandi", validators=[InputRequired("Kata sandi wajib diisi.")],
                             render_kw={"autocomplete": "current-password"})


class StartRunForm(FlaskForm):
    """Mulai pelaksanaan: judul, tahun, unit pemilik, and the units that fill a fan-out step."""

    judul = StringField("Judul", validators=[InputRequired("Judul wajib diisi."),
                                             Length(max=300, message="Judul paling panjang 300 karakter.")],
                        render_kw={"placeholder": "mis. PK Tahun 2027 Kepala Dinas dan Pejabat Struktural"})
    tahun = IndonesianIntegerField("Tahun", not_a_number="Tahun harus berupa angka, misalnya 2026.",
                                   validators=[InputRequired("Tahun harus berupa angka, misalnya 2026."),
                                               NumberRange(2000, 2100, "Tahun harus antara 2000 dan 2100.")])
    unit_id = SelectField("Unit pemilik pelaksanaan", coerce=int, validators=[Optional()], validate_choice=False)
    fan_out = CheckboxListField("Unit yang mengisi", coerce=int)


class ReassignForm(FlaskForm):
    """Admin: give an open task to another person, with a reason."""

    user_id = SelectField("Kepada", coerce=lambda v: int(v) if v not in (None, "") else None,
                          validators=[InputRequired("Pilih pengguna tujuan.")], validate_choice=False,
                          widget=PlaceholderSelect())
    alasan = StringField("Alasan", validators=[InputRequired("Alasan pengalihan wajib diisi."), Length(max=500)])


class CancelForm(FlaskForm):
    """Admin: cancel a run, with a reason."""

    alasan = StringField("Alasan", validators=[InputRequired("Alasan pembatalan wajib diisi."), Length(max=500)])


def first_error(form: FlaskForm) -> str | None:
    """The first validation message of ``form`` (for a flash or the error line), or None."""
    for errors in form.errors.values():
        if errors:
            return errors[0] if isinstance(errors[0], str) else str(errors[0])
    return None
