"""The forms engine: a ``[[formulir]]`` compiled to a WTForms class, bound, validated,
turned into typed data, and edited structurally (add/remove rows and entries).

Shapes of the stored data:

- ``tabel``: ``{"baris": [row, ...]}``
- ``isian``: ``{field: value, ..., table_key: [row, ...]}``
- ``isian`` with ``berulang = true``: ``{"entri": [entry, ...]}`` (entry as above)

Wholly empty rows are ignored, so spare rows never block a submission.
"""
from __future__ import annotations

from flask import g
from wtforms import FieldList, Form, FormField

from portal.forms import tree
from portal.forms.basics import _fields_class, _row_empty, _validate_fields, _values  # noqa: F401 (re-exported)
from portal.forms.spec import FieldSpec, FormSpec

_CLASSES: dict[int, tuple[FormSpec, type]] = {}


def form_class(spec: FormSpec) -> type:
    """The WTForms class of ``spec`` (compiled once per spec object)."""
    cached = _CLASSES.get(id(spec))
    if cached and cached[0] is spec:
        return cached[1]
    name = f"Formulir_{spec.key}"
    if spec.kind == "pohon":
        cls = tree.form_class(spec)
    elif spec.kind == "tabel":
        row_cls = _fields_class(f"{name}_baris", spec.columns)
        cls = type(name, (Form,), {"baris": FieldList(FormField(row_cls), label=spec.title,
                                                         min_entries=max(spec.min_rows, 1))})
    elif spec.repeat:
        entry_cls = _fields_class(f"{name}_entri", spec.fields, spec.tables)
        cls = type(name, (Form,), {"entri": FieldList(FormField(entry_cls), label=spec.entry_label,
                                                         min_entries=max(spec.min_entries, 1))})
    else:
        cls = _fields_class(name, spec.fields, spec.tables)
    if len(_CLASSES) > 200:
        _CLASSES.clear()
    _CLASSES[id(spec)] = (spec, cls)
    return cls


def bind(spec: FormSpec, *, formdata=None, data: dict | None = None, run_id: int | None = None):
    """An instance of the form: from submitted ``formdata``, else from stored ``data``."""
    g.portal_form_run_id = run_id
    cls = form_class(spec)
    if formdata is not None:
        return cls(formdata=formdata)
    return cls(data=_for_binding(spec, data or {}))


def _for_binding(spec: FormSpec, data: dict) -> dict:
    """Stored data in the shape the form binds to (a tree as its flat node list)."""
    if spec.kind == "pohon":
        return tree.flatten(spec, data)
    return data


# --- validation and typed data -------------------------------------------------------

def _rows(field_list: FieldList, columns: list[FieldSpec], errors: list[str], label: str,
          min_rows: int, max_rows: int) -> list[dict]:
    rows = []
    for entry in field_list.entries:
        row_form = entry.form
        if _row_empty(row_form):
            continue
        invalid = _validate_fields(row_form)
        if invalid:
            errors.append(f"{label}, baris {len(rows) + 1} ({', '.join(invalid)})")
        rows.append(_values(row_form, columns))
    if len(rows) < min_rows:
        field_list.errors = [f"Isi paling sedikit {min_rows} baris."]
        errors.append(f"{label}: paling sedikit {min_rows} baris")
    if len(rows) > max_rows:
        field_list.errors = [f"Paling banyak {max_rows} baris."]
        errors.append(f"{label}: paling banyak {max_rows} baris")
    return rows


def _entry(form, spec: FormSpec, errors: list[str], prefix: str) -> dict:
    invalid = _validate_fields(form)
    if invalid:
        errors.append(f"{prefix}{', '.join(invalid)}")
    values = _values(form, spec.fields)
    for table in spec.tables:
        values[table.key] = _rows(form[table.key], table.columns, errors, f"{prefix}{table.title}",
                                  table.min_rows, table.max_rows)
    return values


def extract(spec: FormSpec, form) -> tuple[dict, list[str]]:
    """Validate the bound ``form``; returns (typed data, places with errors).

    Errors stay on the fields (``field.errors``) so they render beside their cells; the
    returned list only names where they are, for the summary at the top.
    """
    errors: list[str] = []
    if spec.kind == "pohon":
        return tree.extract(spec, form)
    if spec.kind == "tabel":
        return {"baris": _rows(form.baris, spec.columns, errors, spec.title, spec.min_rows, spec.max_rows)}, errors
    if spec.repeat:
        entries = []
        for index, entry in enumerate(form.entri.entries, start=1):
            if _entry_empty(entry.form):
                continue
            entries.append(_entry(entry.form, spec, errors, f"{spec.entry_label} {index}, "))
        if len(entries) < spec.min_entries:
            form.entri.errors = [f"Isi paling sedikit {spec.min_entries} {spec.entry_label.lower()}."]
            errors.append(f"paling sedikit {spec.min_entries} {spec.entry_label.lower()}")
        if len(entries) > spec.max_entries:
            form.entri.errors = [f"Paling banyak {spec.max_entries} {spec.entry_label.lower()}."]
            errors.append(f"paling banyak {spec.max_entries} {spec.entry_label.lower()}")
        return {"entri": entries}, errors
    return _entry(form, spec, errors, ""), errors


def _entry_empty(form) -> bool:
    for field in form:
        if isinstance(field, FieldList):
            if not all(_row_empty(e.form) for e in field.entries):
                return False
        elif field.data not in (None, "") or getattr(field, "raw", None):
            return False
    return True


def parse_errors_present(form) -> bool:
    """True when a value could not even be read (WTForms ``process_errors``)."""
    return any(True for _ in _walk_process_errors(form))


def _walk_process_errors(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _walk_process_errors(entry.form)
        elif isinstance(field, FormField):
            yield from _walk_process_errors(field.form)
        elif field.process_errors:
            yield field


# --- structural edits (add/remove rows and entries) -------------------------------------

def _lists(form):
    for field in form:
        if isinstance(field, FieldList):
            yield field
            for entry in field.entries:
                yield from _lists(entry.form)


def apply_edit(form, command: str) -> bool:
    """Apply ``"tambah:<list name>"`` or ``"hapus:<entry name>"``; False when unknown.

    The other inputs keep what was typed, because the form is re-rendered from the
    submitted values.
    """
    action, _, target = (command or "").partition(":")
    for field_list in _lists(form):
        if action == "tambah" and field_list.name == target:
            field_list.append_entry()
            return True
        if action == "hapus":
            for entry in field_list.entries:
                if entry.name == target:
                    field_list.entries.remove(entry)
                    return True
    return False


def clear_errors(form) -> None:
    """Forget parse errors (a structural edit is not a submission)."""
    for field in form:
        if isinstance(field, FieldList):
            field.errors = []
            for entry in field.entries:
                clear_errors(entry.form)
        elif isinstance(field, FormField):
            clear_errors(field.form)
        else:
            field.errors = []


def empty_data(spec: FormSpec) -> dict:
    """Stored data of an untouched form."""
    if spec.kind == "tabel":
        return {"baris": []}
    if spec.kind == "pohon":
        return {tree.NODES: []}
    if spec.repeat:
        return {"entri": []}
    return {**{f.key: None for f in spec.fields}, **{t.key: [] for t in spec.tables}}


__all__ = ["form_class", "bind", "extract", "apply_edit", "clear_errors", "empty_data", "parse_errors_present"]
