"""The declared form of a step on the step page: initial values (earlier entry, or prefill
from another SOP's latest finished run), submission, structural edits, plugin validators."""
from __future__ import annotations

from flask import current_app

from sqlalchemy import select

from portal.extensions import db
from portal.forms import column_sources, engine, per_unit, tree, tree_branches
from portal.forms.basics import _row_empty
from portal.forms.spec import FormSpec
from portal.models import Task


def full_spec(task: Task) -> FormSpec | None:
    """The ``[[formulir]]`` the task's step names, if it is declared in the definition."""
    return task.run.sop.form(task.step.form)


def declared_spec(task: Task) -> FormSpec | None:
    """The form the task fills: the declared form, or on a fan-out step of a tree with
    ``cabang`` the unit's part of it (the tree cut at the branch level)."""
    spec = full_spec(task)
    if tree_branches.is_branch_step(spec, task.step):
        return tree_branches.branch_spec(spec)
    return spec


def _run_tasks(task: Task) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.run_id == task.run_id).order_by(Task.id)))


def _branch_view(bound, task: Task, full: FormSpec, current: dict | None):
    """Mark a unit's bound branch form: roots fixed, and where each branch sits."""
    bound.fixed_roots = True
    bound.branch_context = tree_branches.branch_context(full, current or {}, task.unit_id)
    bound.branch_unit = task.unit
    return bound


def previous_data(task: Task, run_tasks: list[Task]) -> dict:
    """What the last completion of this step entered (same unit on a fan-out step). A step
    not done before opens with the run's current data of its form from an earlier step
    instead (``per_unit.carried``: a draft typed again or reworked after a review, e.g. IKU
    Tanjung Jabung Barat step 4, BKPSDM PK step 5; a unit's own rows on a fan-out step)."""
    earlier = [t for t in run_tasks if t.step_no == task.step_no and t.form_data and t.id != task.id
               and (t.unit_id == task.unit_id or not task.step.fan_out)]
    return {k: v for k, v in earlier[-1].form_data.items() if k != "_sumber"} if earlier else {}


def prefill(spec: FormSpec, task: Task):
    """The latest finished record of the form's ``sumber`` for the run's tahun (and unit), or None."""
    if spec.source is None:
        return None
    from portal import records

    run = task.run
    return records.latest_record(kode=spec.source.sop, form=spec.source.form, tahun=run.tahun + spec.source.year_offset,
                                 unit_id=task.unit_id if task.unit_id is not None else run.unit_id)


def _column_finder(task: Task):
    """``find(source)``: the records a column ``sumber`` reads (cached): the latest finished
    record of the run's tahun (plus ``tahun`` offset, or the one whose ``periode`` covers
    it), and with ``cocok`` every unit's record of that run."""
    from portal import records

    run, cache = task.run, {}
    unit_id = task.unit_id if task.unit_id is not None else run.unit_id

    def latest(kode: str, source):
        if source.period:
            return records.covering_record(kode=kode, form=source.form, tahun=run.tahun,
                                           first=source.period[0], last=source.period[1])
        return records.latest_record(kode=kode, form=source.form, tahun=run.tahun + source.year_offset, unit_id=unit_id)

    def find(source):
        key = (source.kodes, source.form, source.year_offset, tuple(source.period or ()), bool(source.match))
        if key not in cache:
            found = [r for r in (latest(kode, source) for kode in source.kodes) if r is not None]
            record = max(found, key=lambda r: (r.run.finished_at, r.id)) if found else None
            cache[key] = records.run_records(record) if record is not None and source.match else record
        return cache[key]

    return find


def initial(spec: FormSpec, task: Task, run_tasks: list[Task]):
    """(bound form, prefill info) for a freshly opened step page. Columns prefilled from
    another SOP are listed on the bound form (``column_prefill``) for the form macro."""
    full = full_spec(task)
    if tree_branches.is_branch_step(full, task.step):
        current = tree_branches.current_tree(full, run_tasks)
        data = {tree.NODES: tree_branches.unit_branches(full, current or {}, task.unit_id)}
        bound = _branch_view(engine.bind(spec, data=data, run_id=task.run_id), task, full, current)
        bound.column_prefill = []
        return bound, {"declared": False, "record": None}
    data = previous_data(task, run_tasks) or per_unit.carried(spec, task, run_tasks)  # earlier step of the run
    info = {"declared": spec.source is not None, "record": None}
    used = []
    if spec.kind == "pohon":  # one tree through the run: open with its current state
        data = tree_branches.current_tree(spec, run_tasks) or {}
        if data:
            info["declared"] = False
    if not data:
        if spec.source is not None:
            record = prefill(spec, task)
            info["record"] = record
            if record is not None:
                data = record.data
        if spec.column_sources():
            data, used = column_sources.apply(spec, data or {}, _column_finder(task), tahun=task.run.tahun)
    bound = engine.bind(spec, data=data, run_id=task.run_id)
    bound.column_prefill = used
    return bound, info


def submitted(spec: FormSpec, task: Task, formdata) -> tuple[dict | None, object, list[str]]:
    """Validate a submission: (typed data or None, bound form, messages for the page top)."""
    from portal.errors import StepRefused

    bound = engine.bind(spec, formdata=formdata, run_id=task.run_id)
    full = full_spec(task)
    branches = tree_branches.is_branch_step(full, task.step)
    current = tree_branches.current_tree(full, _run_tasks(task)) if branches else None
    if branches:
        _branch_view(bound, task, full, current)
    data, places = engine.extract(spec, bound)
    if places:
        bound.column_prefill = prefill_notes(spec, task)
        return None, bound, ["Periksa isian yang ditandai: " + "; ".join(places) + ". Belum ada yang disimpan."]
    if branches:
        refused = tree_branches.check_submission(full, current or {}, task.unit_id, data)
        if refused:
            return None, bound, [refused]
        data[tree_branches.MARK] = {"tingkat": full.branches.level, "unit": task.unit_id}
    if places := _row_problems(spec, task, bound, data):
        return None, bound, ["Periksa isian yang ditandai: " + "; ".join(places) + ". Belum ada yang disimpan."]
    registry = current_app.extensions["portal_plugins"]
    try:
        registry.pm.hook.portal_validate_form(definition=task.run.sop, step=task.step, form_key=spec.key,
                                              data=data, run=task.run)
    except StepRefused as exc:
        _mark_field(bound, exc.field, exc.message)
        return None, bound, [exc.message]
    used = [prefill(spec, task)]
    find = _column_finder(task)
    for _, column in spec.column_sources():
        found = find(column.source)
        used.append(found[0] if isinstance(found, list) else found)
    sources = []
    for record in used:
        if record is not None and record.run_id not in {s["run_id"] for s in sources}:
            sources.append({"run_id": record.run_id, "sop": record.sop_kode, "formulir": record.form_key,
                            "judul": record.run.judul if record.run else ""})
    if sources:
        data["_sumber"] = sources
    return data, bound, []


def _mark_field(form, name: str | None, message: str) -> bool:
    """Show ``message`` beside the input posted as ``name`` (searched through tables and entries)."""
    from wtforms import FieldList, FormField

    for field in form if name else ():
        if field.name == name and not isinstance(field, (FieldList, FormField)):
            field.errors = [message]
            return True
        children = field.entries if isinstance(field, FieldList) else [field] if isinstance(field, FormField) else []
        if any(_mark_field(child.form, name, message) for child in children):
            return True
    return False


def _row_problems(spec: FormSpec, task: Task, bound, data: dict) -> list[str]:
    """``kunci_baris`` / ``saring_unit`` checks (portal.forms.per_unit): each message is put
    beside its cell; returns the places for the page top."""
    if spec.row_key is None:
        return []
    from portal.models import Unit

    run_tasks = list(db.session.scalars(select(Task).where(Task.run_id == task.run_id).order_by(Task.id)))

    def unit_name(unit_id):
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        return unit.nama if unit is not None else "-"

    entries = [e for e in bound.baris.entries if not _row_empty(e.form)]
    places = []
    for index, key, message in per_unit.problems(spec, data, task, run_tasks, unit_name):
        entries[index].form[key].errors = [message]
        places.append(f"{spec.title}, baris {index + 1} ({next(c.title for c in spec.columns if c.key == key)})")
    return places


def prefill_notes(spec: FormSpec, task: Task) -> list[tuple]:
    """(column, record or None) of every column ``sumber``, for the notes above the form
    when it is shown again (after an edit or a refused submission)."""
    find = _column_finder(task)
    notes = []
    for _, column in spec.column_sources():
        found = find(column.source)
        notes.append((column, found[0] if isinstance(found, list) else found))
    return notes


def edited(spec: FormSpec, task: Task, formdata):
    """Apply an add/remove (or, in a tree, move) command (``_ubah``) to the submitted form;
    nothing is saved."""
    if spec.kind == "pohon":
        full = full_spec(task)
        branches = tree_branches.is_branch_step(full, task.step)
        bound = engine.bind(spec, formdata=tree.edit(spec, formdata, formdata.get("_ubah", ""), fixed_roots=branches),
                            run_id=task.run_id)
        if branches:
            _branch_view(bound, task, full, tree_branches.current_tree(full, _run_tasks(task)))
    else:
        bound = engine.bind(spec, formdata=formdata, run_id=task.run_id)
        engine.apply_edit(bound, formdata.get("_ubah", ""))
    engine.clear_errors(bound)
    bound.column_prefill = prefill_notes(spec, task)
    return bound
