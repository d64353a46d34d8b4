"""Building blocks shared by the forms engine and the tree editor: a WTForms class from
declared fields, empty-row test, field validation and typed values with computed columns."""
from __future__ import annotations

from typing import Any

from wtforms import FieldList, Form, FormField

from portal.forms.fields import make_field
from portal.forms.formula import parsed
from portal.forms.spec import FieldSpec, TableSpec


def _fields_class(name: str, fields: list[FieldSpec], tables: list[TableSpec] = ()) -> type:
    attrs: dict[str, Any] = {}
    titles = {spec.key: spec.title for spec in fields}
    for spec in fields:
        if not spec.computed:
            attrs[spec.key] = make_field(spec, titles)
    for table in tables:
        row_cls = _fields_class(f"{name}_{table.key}", table.columns)
        attrs[table.key] = FieldList(FormField(row_cls), label=table.title, min_entries=max(table.min_rows, 1))
    return type(name, (Form,), attrs)


def _row_empty(row_form) -> bool:
    return all((f.data in (None, "") and not getattr(f, "raw", None)) for f in row_form)


def _validate_fields(form) -> list[str]:
    """Validate the plain fields of ``form``; returns the labels of the invalid ones."""
    invalid = []
    for field in form:
        if isinstance(field, FieldList):
            continue
        if not field.validate(form):
            invalid.append(field.label.text)
    return invalid


def _compute(fields: list[FieldSpec], values: dict) -> dict:
    for spec in fields:
        if spec.computed:
            values[spec.key] = parsed(spec.formula).evaluate(values)
    return values


def _values(form, fields: list[FieldSpec]) -> dict:
    values = {spec.key: (form[spec.key].data if spec.key in form else None) for spec in fields if not spec.computed}
    return _compute(fields, values)
