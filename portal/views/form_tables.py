"""XLSX export/import of the tables of a step's declared form. Both buttons sit in the
step form, so they send what is on screen; an import shows a preview of what will change
and changes nothing until "Terapkan" (and the form is still saved only by "Selesaikan")."""
from __future__ import annotations

from flask import Blueprint, abort, request, send_file
from flask_login import current_user, login_required

import io

from portal.access import can_act
from portal.forms import engine, xlsx
from portal.templating import render_page
from portal.views import step_forms
from portal.views.tasks import _load, show

bp = Blueprint("form_tables", __name__)


def _context(task_id: int):
    task = _load(task_id)
    if not can_act(current_user, task):
        abort(403)
    spec = step_forms.declared_spec(task)
    list_name = request.form.get("_tabel", "")
    table = xlsx.table_of(spec, list_name) if spec is not None and task.status == "terbuka" else None
    if table is None:
        abort(404)
    return task, spec, list_name, table


@bp.route("/tugas/<int:task_id>/formulir/ekspor", methods=["POST"])
@login_required
def export(task_id: int):
    """Download the table as it is on screen (typed cells, header row of column titles)."""
    task, spec, list_name, (title, _, _) = _context(task_id)
    bound = engine.bind(spec, formdata=request.form, run_id=task.run_id)
    data = xlsx.export_rows(spec, bound, list_name)
    name = f"{spec.key}-{list_name}.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/tugas/<int:task_id>/formulir/impor", methods=["POST"])
@login_required
def import_(task_id: int):
    """Read an uploaded XLSX into the table: a preview, or 400 naming row and column."""
    task, spec, list_name, (title, columns, _) = _context(task_id)
    upload = request.files.get(f"xlsx-{list_name}")
    if upload is None or not upload.filename:
        return show(task_id, errors=["Pilih berkas XLSX yang akan diimpor."], status=400,
                    bound_form=engine.bind(spec, formdata=request.form, run_id=task.run_id))
    try:
        rows = xlsx.read_rows(spec, list_name, upload.stream.read(xlsx.MAX_BYTES + 1))
    except xlsx.SheetError as exc:
        return show(task_id, errors=[f"Impor {upload.filename} ditolak, tidak ada yang berubah: " + m for m in exc.messages],
                    status=400, bound_form=engine.bind(spec, formdata=request.form, run_id=task.run_id))
    current = engine.bind(spec, formdata=request.form, run_id=task.run_id)
    before = next(f for f in engine._lists(current) if f.name == list_name)
    existing = sum(1 for e in before.entries if not engine._row_empty(e.form))
    return render_page("tasks/xlsx_preview.html", task=task, run=task.run, spec=spec, title=title,
                       columns=[c for c in columns if not c.computed], rows=rows, existing=existing,
                       filename=upload.filename, applied=xlsx.replaced_formdata(request.form, list_name, rows),
                       original=request.form)
