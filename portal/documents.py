"""Declared documents (``[[dokumen]]``): rendered from the run's forms on the shared PDF
base template, "RANCANGAN" until final, stored once with their sha256 when handed over
or when the run finishes, then served from the store (never re-rendered)."""
from __future__ import annotations

import base64
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select

from portal import request_cache
from portal.extensions import db
from portal.forms import tree_branches
from portal.models import Run, RunDocument, Setting, Task, utcnow
from portal.forms import per_unit as forms_per_unit
from portal.pdf import render_pdf

POSITIVE = ("selesai", "setuju")


def setting(key: str, default: str = "") -> str:
    """An admin-configured setting (``Setting`` table), else the app config, else ``default``."""
    row = db.session.get(Setting, key)
    if row is not None and row.value:
        return row.value
    return str(current_app.config.get(f"PORTAL_{key.upper()}", default) or default)


def logo_data_uri() -> str | None:
    """The kop logo uploaded by the admin, as a data: URI for the PDF (None when unset)."""
    sha = setting("logo_sha256")
    store = current_app.extensions["file_store"]
    if not sha or not store.exists(sha):
        return None
    mime = setting("logo_mime", "image/png")
    with store.open(sha) as handle:
        return f"data:{mime};base64," + base64.b64encode(handle.read()).decode("ascii")


def run_tasks(run: Run) -> list[Task]:
    """Every task of ``run`` in order, read once per request (the step table, the panels and
    each declared document ask for them; ``request_cache`` keeps the answer until a write)."""
    found = request_cache.memo(("run_tasks", run.id), lambda: list(
        db.session.scalars(select(Task).where(Task.run_id == run.id).order_by(Task.id))))
    return list(found)


def is_available(run: Run, spec, tasks: list[Task] | None = None) -> bool:
    """True once the run has reached step ``tersedia_dari`` (always when not set)."""
    if spec.available_from is None or run.status == "selesai":
        return True
    numbers = [s.no for s in run.sop.steps]
    reached = {t.step_no for t in (tasks if tasks is not None else run_tasks(run))}
    return any(numbers.index(no) >= numbers.index(spec.available_from) for no in reached if no in numbers)


def is_final(run: Run, spec, tasks: list[Task] | None = None) -> bool:
    """Final (no watermark) once step ``final_setelah`` was approved/completed and nothing
    before it was reopened since; without ``final_setelah``, when the run finished."""
    if spec.final_after is None:
        return run.status == "selesai"
    tasks = tasks if tasks is not None else run_tasks(run)
    numbers = [s.no for s in run.sop.steps]
    position = numbers.index(spec.final_after)
    approved = [t for t in tasks if t.step_no == spec.final_after and t.outcome in POSITIVE]
    if not approved:
        return False
    earlier = [t.id for t in tasks if t.step_no in numbers[:position]]
    return approved[-1].id > max(earlier, default=0)


def form_data(run: Run, tasks: list[Task]) -> tuple[dict, dict]:
    """(key -> latest data of each declared form, key -> [(unit, data)] for fan-out steps)."""
    latest, per_unit = {}, {}
    definition = run.sop
    for spec in definition.forms:
        steps = {s.no: s for s in definition.steps if s.form == spec.key}
        units: dict = {}
        for task in tasks:
            if task.step_no in steps and task.form_data and task.outcome in POSITIVE:
                latest[spec.key] = task.form_data
                if steps[task.step_no].fan_out:
                    units[task.unit_id] = (task.unit, task.form_data)
        per_unit[spec.key] = list(units.values())
        if spec.kind == "pohon" and spec.key in latest:  # one tree through the run, branches merged
            latest[spec.key] = tree_branches.current_tree(spec, [t for t in tasks if t.step_no in steps]) or latest[spec.key]
        if spec.unit_filter is not None and spec.key in latest:  # units' rows merged (saring_unit)
            latest[spec.key] = forms_per_unit.run_data(spec, tasks) or latest[spec.key]
    return latest, per_unit


def render_html(run: Run, spec, *, final: bool, tasks: list[Task] | None = None) -> str:
    """The document's HTML (the plugin template extends ``pdf/base.html``)."""
    from portal.signatories import for_document

    tasks = tasks if tasks is not None else run_tasks(run)
    forms, forms_per_unit = form_data(run, tasks)
    with for_document(tasks):  # issue 10: Plt./Plh. in the signature blocks
        return render_template(spec.template, doc=spec, run=run, sop=run.sop, final=final, forms=forms,
                               forms_per_unit=forms_per_unit, kota=run.sop.kota or setting("kota", "Bandung"),
                               logo=logo_data_uri(),
                               printed_at=utcnow())


def render_bytes(run: Run, spec, *, final: bool) -> bytes:
    """The document as PDF bytes."""
    return render_pdf(render_html(run, spec, final=final), static_folder=current_app.static_folder)


def stored_documents(run: Run) -> list[RunDocument]:
    """The run's documents rendered and stored so far."""
    return list(db.session.scalars(select(RunDocument).where(RunDocument.run_id == run.id).order_by(RunDocument.id)))


def store_final_documents(run: Run, *, now: datetime | None = None) -> list[RunDocument]:
    """Render and store every available declared document of ``run`` that is not stored
    yet (once: an existing copy is kept). Returns all stored documents."""
    existing = {d.key: d for d in stored_documents(run)}
    tasks = run_tasks(run)
    store = current_app.extensions["file_store"]
    for spec in run.sop.documents:
        if spec.key in existing or not is_available(run, spec, tasks):
            continue
        filename = spec.file_name(run)
        stored = store.save_bytes(render_pdf(render_html(run, spec, final=True, tasks=tasks),
                                             static_folder=current_app.static_folder), filename)
        doc = RunDocument(run_id=run.id, key=spec.key, title=spec.title, filename=filename, sha256=stored.sha256,
                          size=stored.size, created_at=now or utcnow())
        db.session.add(doc)
        existing[spec.key] = doc
    db.session.flush()
    return list(existing.values())


def document_rows(run: Run) -> list[dict]:
    """For the run page: each declared document with its state (stored, final, available)."""
    tasks = run_tasks(run)
    stored = {d.key: d for d in stored_documents(run)}
    return [{"spec": spec, "stored": stored.get(spec.key), "available": is_available(run, spec, tasks),
             "final": spec.key in stored or is_final(run, spec, tasks)} for spec in run.sop.documents]


__all__ = ["setting", "logo_data_uri", "is_available", "is_final", "render_html", "render_bytes",
           "store_final_documents", "stored_documents", "document_rows"]
