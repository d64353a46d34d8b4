"""The declared form of a step on the step page: initial values (earlier entry, or prefill
from another SOP's latest finished run), submission, structural edits, plugin validators."""
from __future__ import annotations

from flask import current_app

from portal.forms import column_sources, engine, tree
from portal.forms.spec import FormSpec
from portal.models import Task


def declared_spec(task: Task) -> FormSpec | None:
    """The ``[[formulir]]`` the task's step names, if it is declared in the definition."""
    return task.run.sop.form(task.step.form)


def previous_data(task: Task, run_tasks: list[Task]) -> dict:
    """What the last completion of this step entered (same unit on a fan-out step); when
    this step has none yet, what the latest completed step naming the same form entered."""
    earlier = [t for t in run_tasks if t.step_no == task.step_no and t.form_data and t.id != task.id
               and (t.unit_id == task.unit_id or not task.step.fan_out)]
    if not earlier and task.step.form:  # a correction step naming the form an earlier step filled
        same_form = {s.no for s in task.run.sop.steps if s.form == task.step.form and not s.fan_out}
        earlier = [t for t in run_tasks if t.step_no in same_form and t.form_data and t.id != task.id
                   and t.outcome in ("selesai", "setuju")]
    return {k: v for k, v in earlier[-1].form_data.items() if k != "_sumber"} if earlier else {}


def prefill(spec: FormSpec, task: Task):
    """The latest finished record of the form's ``sumber`` for the run's tahun (and unit), or None."""
    if spec.source is None:
        return None
    from portal import records

    run = task.run
    return records.latest_record(kode=spec.source.sop, form=spec.source.form, tahun=run.tahun,
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
            return records.covering_record(kode=kode, form=source.form, tahun=run.tahun, period=list(source.period))
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
    data = previous_data(task, run_tasks)
    info = {"declared": spec.source is not None, "record": None}
    used = []
    if not data:
        if spec.source is not None:
            record = prefill(spec, task)
            info["record"] = record
            if record is not None:
                data = record.data
        if spec.column_sources():
            data, used = column_sources.apply(spec, data or {}, _column_finder(task))
    bound = engine.bind(spec, data=data, run_id=task.run_id)
    bound.column_prefill = used
    return bound, info


def submitted(spec: FormSpec, task: Task, formdata) -> tuple[dict | None, object, list[str]]:
    """Validate a submission: (typed data or None, bound form, messages for the page top)."""
    from portal.errors import StepRefused

    bound = engine.bind(spec, formdata=formdata, run_id=task.run_id)
    data, places = engine.extract(spec, bound)
    if places:
        bound.column_prefill = prefill_notes(spec, task)
        return None, bound, ["Periksa isian yang ditandai: " + "; ".join(places) + ". Belum ada yang disimpan."]
    registry = current_app.extensions["portal_plugins"]
    try:
        registry.pm.hook.portal_validate_form(definition=task.run.sop, step=task.step, form_key=spec.key,
                                              data=data, run=task.run)
    except StepRefused as exc:
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
        bound = engine.bind(spec, formdata=tree.edit(spec, formdata, formdata.get("_ubah", "")), run_id=task.run_id)
    else:
        bound = engine.bind(spec, formdata=formdata, run_id=task.run_id)
        engine.apply_edit(bound, formdata.get("_ubah", ""))
    engine.clear_errors(bound)
    bound.column_prefill = prefill_notes(spec, task)
    return bound
