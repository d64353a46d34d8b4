"""Jinja helpers of the declarative forms: display values, live computed columns, summaries."""
from __future__ import annotations

from datetime import date

from flask import Flask, current_app
from markupsafe import Markup, escape

from portal.forms.fields import number_text, option_label
from portal.forms import tree, tree_svg
from portal.svg_draw import svg_size
from portal.forms.formula import parsed


def form_value(spec, value) -> str:
    """The display text of a stored value of field ``spec`` (Indonesian notation)."""
    if value is None or value == "":
        return ""
    if spec.computed:
        return number_text(value) if isinstance(value, (int, float)) else str(value)
    if spec.type == "rupiah":
        return "Rp " + number_text(value, 2 if isinstance(value, float) else 0)
    if spec.type == "persen":
        return number_text(value) + " %"
    if spec.type == "angka":
        return number_text(value)
    if spec.type == "nip":
        from portal.models.org import format_nip

        return format_nip(str(value))
    if spec.type == "tanggal":
        from portal.formatting import format_date

        try:
            return format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if spec.type == "berkas" or (spec.type == "pilihan" and isinstance(spec.choices, str)):
        return option_label("berkas" if spec.type == "berkas" else spec.choices, value)
    return str(value)


def form_computed(fields, form) -> dict:
    """Computed values of one row/entry of a bound form (shown live while editing)."""
    values = {f.key: form[f.key].data for f in fields if not f.computed and f.key in form}
    for spec in fields:
        if spec.computed:
            values[spec.key] = parsed(spec.formula).evaluate(values)
    return values


def capaian_cell(spec, values: dict):
    """The :class:`~portal.forms.formula.Capaian` of a ``persen_capaian`` column for one
    row (value, status colour, explanation), or None for any other column."""
    if not getattr(spec, "computed", False):
        return None
    return parsed(spec.formula).capaian(values)


def computed_cell(column, values: dict, tag: str = "td", extra: str = "") -> Markup:
    """A computed cell; a ``persen_capaian`` column also gets its status colour and, when it
    cannot be computed, the reason beside the value (the ``computed_cell`` macro calls this)."""
    cap = capaian_cell(column, values)
    status = escape(cap.status) if cap and cap.status else ""
    text = escape(form_value(column, values.get(column.key)))
    cell = f'<{tag} class="computed num{f" capaian-{status}" if status else ""} {escape(extra)}">{text or "—"}'
    if status:
        cell += f' <span class="capaian-label">({status})</span>'
    if cap and cap.catatan:
        cell += f'<span class="cell-note">{escape(cap.catatan)}</span>'
    return Markup(f"{cell}</{tag}>")


def summary_cells(columns, row: dict) -> Markup:
    """The cells of one row of a read-only table, built here: a long table called two macros per cell."""
    return Markup("".join(computed_cell(c, row) if c.computed
                          else f'<td class="{"num" if c.numeric else ""}">{escape(form_value(c, row.get(c.key)))}</td>'
                          for c in columns))


def summary_fields(fields, values: dict) -> Markup:
    """``<dt>title</dt><dd>value or —</dd>`` for each of ``fields``: the read-only fields of a
    tree node or an entry, built here (a tree of many nodes called a function per field in Jinja)."""
    return Markup("".join(f"<dt>{escape(f.title)}</dt><dd>{escape(form_value(f, values.get(f.key))) or '—'}</dd>"
                          for f in fields))


def capaian_columns(columns) -> bool:
    """True when one of ``columns`` is a ``persen_capaian`` column."""
    return any(c.computed and parsed(c.formula).is_capaian for c in columns)


def capaian_rule() -> dict:
    """The % capaian rules in use, for the sentence above a form or a report."""
    from portal.forms.formula import RUMUS_NAIK, RUMUS_TURUN, capaian_settings

    rule, (green, yellow) = capaian_settings()
    return {"naik": RUMUS_NAIK, "turun": RUMUS_TURUN[rule], "kunci": rule,
            "hijau": number_text(green), "kuning": number_text(yellow)}


def step_form_summary(definition, step_no: int, data: dict | None, run_id: int | None = None) -> Markup:
    """The read-only summary of a step's stored form data (declared form or plugin form)."""
    from flask import g

    if not data:
        return Markup("")
    step = definition.step(step_no)
    g.portal_form_run_id = run_id
    spec = definition.form(step.form)
    env = current_app.jinja_env
    if spec is not None:
        macros = env.get_template("forms/macros.html").module
        return Markup(macros.form_summary(spec, data))
    registry = current_app.extensions["portal_plugins"]
    custom = registry.pm.hook.portal_step_form(definition=definition, step=step) if step.form else None
    if custom is not None and custom.summary_template:
        return Markup(env.get_template(custom.summary_template).render(data=data))
    return Markup("")


def form_suggestions(spec) -> list[str]:
    """Suggested values of a field with ``saran``: the distinct values of the named column
    (or tree level) in the latest finished record of that SOP for the edited run's tahun."""
    from flask import g

    from portal import records
    from portal.extensions import db
    from portal.forms.column_sources import source_rows
    from portal.models import Run

    source, run_id = spec.suggest, g.get("portal_form_run_id")
    cache = g.setdefault("portal_form_suggestions", {})
    key = (source.sop, source.form, source.table, source.level, source.column or spec.key, run_id)
    if key not in cache:
        run = db.session.get(Run, run_id) if run_id else None
        record = records.latest_record(kode=source.sop, form=source.form, tahun=run.tahun) if run else None
        values = [row.get(source.column or spec.key) for row in source_rows(record.data or {}, source.table, source.level)] if record else []
        cache[key] = list(dict.fromkeys(str(v).strip() for v in values if v not in (None, "")))
    return cache[key]


def _unit_name(unit_id) -> str | None:
    if unit_id in (None, ""):
        return None
    return option_label("unit", unit_id)


def tree_diagram(spec, data, title: str = "", scale: float = 1.0) -> Markup:
    """A tree form's data drawn as an inline SVG diagram (for pages; ``scale`` enlarges it)."""
    return Markup(tree_svg.tree_svg(spec, data, _unit_name, title, scale))


def tree_diagram_uri(spec, data, title: str = "") -> str:
    """The same diagram as a data: URI for ``<img>`` in a PDF (xhtml2pdf draws SVG only so)."""
    return tree_svg.tree_svg_data_uri(spec, data, _unit_name, title)


def run_form_data(run, form_key: str) -> dict | None:
    """The current data of ``form_key`` in ``run`` (a tree with the units' branches merged)."""
    from portal import documents

    return documents.form_data(run, documents.run_tasks(run))[0].get(form_key)


def init_form_templating(app: Flask) -> None:
    """Register the form helpers as Jinja globals."""
    app.jinja_env.globals.update(form_value=form_value, form_computed=form_computed, capaian_cell=capaian_cell,
                                 computed_cell_html=computed_cell, summary_cells=summary_cells,
                                 summary_fields=summary_fields,
                                 capaian_columns=capaian_columns, capaian_rule=capaian_rule,
                                 step_form_summary=step_form_summary, tree_outline=tree.outline,
                                 tree_rows=tree.rows, tree_pdf_columns=tree.pdf_columns, tree_diagram=tree_diagram,
                                 tree_diagram_uri=tree_diagram_uri, run_form_data=run_form_data,
                                 form_suggestions=form_suggestions, svg_size=svg_size)
