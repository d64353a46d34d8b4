"""Structured records shared between SOPs.

When a run finishes, the typed data of each declared form it filled is written as a
``FormRecord`` (one per unit on a fan-out step) in the same transaction. Other SOPs read
the latest finished version through ``portal.plugin_api.records`` (or a form's
``sumber``), never through the models.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.forms import tree_branches
from portal.models import FormRecord, Run, Task


def schema_version(spec) -> str:
    """A short hash of a form's declaration: records of different shapes are told apart."""
    text = json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def write_run_records(run: Run, *, now: datetime) -> list[FormRecord]:
    """Record the final data of every declared form of ``run`` (latest completion per unit)."""
    definition = run.sop
    tasks = list(db.session.scalars(select(Task).where(Task.run_id == run.id, Task.form_data.is_not(None))
                                    .order_by(Task.id)))
    written = []
    for spec in definition.forms:
        steps = {s.no: s for s in definition.steps if s.form == spec.key}
        latest: dict[int | None, Task] = {}
        whole: Task | None = None  # the latest completion of a step that is not a fan-out
        for task in tasks:
            if task.step_no in steps and task.outcome in ("selesai", "setuju"):
                if steps[task.step_no].fan_out:
                    latest[task.unit_id] = task
                else:
                    whole = task
        # The whole-run record is written last, so it is the newest one a reader without a
        # unit gets (a form filled per unit and merged at a later step, e.g. saring_unit).
        ordered = list(latest.items()) + ([(run.unit_id, whole)] if whole is not None else [])
        if spec.kind == "pohon" and spec.branches is not None and ordered:
            # per-unit branches: one record, the merged tree (the units' parts are inside it)
            merged = tree_branches.current_tree(spec, [t for t in tasks if t.step_no in steps])
            last = max((t for _, t in ordered), key=lambda t: t.id)
            ordered = [(run.unit_id, last)] if merged is not None else []
        for unit_id, task in ordered:
            data = {k: v for k, v in task.form_data.items() if k != "_sumber"}
            if spec.kind == "pohon" and spec.branches is not None:
                data = merged
            record = FormRecord(run_id=run.id, sop_kode=run.sop_kode, sop_id=run.sop_id,
                                definition_ident=definition.ident, form_key=spec.key, tahun=run.tahun,
                                unit_id=unit_id, data=data, schema_version=schema_version(spec),
                                task_id=task.id, created_at=now)
            db.session.add(record)
            written.append(record)
    return written


def latest_record(*, kode: str, form: str, tahun: int, unit_id: int | None = None) -> FormRecord | None:
    """The latest record of a finished run of SOP ``kode`` for ``form`` and ``tahun``.

    With ``unit_id``: that unit's record first, else a record without a unit, else the
    latest of any unit (a form filled once for the whole agency)."""
    query = (select(FormRecord).join(Run, Run.id == FormRecord.run_id)
             .where(FormRecord.sop_kode == kode, FormRecord.form_key == form, FormRecord.tahun == tahun,
                    Run.status == "selesai")
             .order_by(Run.finished_at.desc(), FormRecord.id.desc()))
    if unit_id is not None:
        for condition in (FormRecord.unit_id == unit_id, FormRecord.unit_id.is_(None)):
            found = db.session.scalars(query.where(condition).limit(1)).first()
            if found is not None:
                return found
    return db.session.scalars(query.limit(1)).first()


def covering_record(*, kode: str, form: str, tahun: int, first: str, last: str, scan: int = 200) -> FormRecord | None:
    """The latest record of a finished run of SOP ``kode`` for ``form`` whose period (the
    years in its fields ``first`` and ``last``) covers ``tahun``, whatever the run's own
    tahun (a five-year Renstra read by a yearly Renja). The newest ``scan`` records are looked at."""
    query = (select(FormRecord).join(Run, Run.id == FormRecord.run_id)
             .where(FormRecord.sop_kode == kode, FormRecord.form_key == form, Run.status == "selesai")
             .order_by(Run.finished_at.desc(), FormRecord.id.desc()).limit(scan))
    for record in db.session.scalars(query):
        try:
            start, end = int((record.data or {}).get(first)), int((record.data or {}).get(last))
        except (TypeError, ValueError):
            continue
        if start <= tahun <= end:
            return record
    return None


def periods(kode: str, form: str, first: str = "periode_awal", last: str = "periode_akhir", scan: int = 200) -> list[tuple[int, int]]:
    """Plugin-facing: the distinct periods (first year, last year) of the finished records of
    ``form`` of SOP ``kode``, in order (e.g. the Renstra periods a Renja year must fall in)."""
    query = (select(FormRecord.data).join(Run, Run.id == FormRecord.run_id)
             .where(FormRecord.sop_kode == kode, FormRecord.form_key == form, Run.status == "selesai")
             .order_by(FormRecord.id.desc()).limit(scan))
    found = set()
    for data in db.session.scalars(query):
        try:
            found.add((int((data or {}).get(first)), int((data or {}).get(last))))
        except (TypeError, ValueError):
            continue
    return sorted(found)


def covering(kode: str, form: str, tahun: int, first: str = "periode_awal", last: str = "periode_akhir") -> dict | None:
    """Plugin-facing: like ``latest`` but for a record whose period (fields ``first`` and
    ``last``) covers ``tahun``; the dict also holds ``periode`` = (first year, last year)."""
    record = covering_record(kode=kode, form=form, tahun=tahun, first=first, last=last)
    if record is None:
        return None
    return {"data": record.data, "run_id": record.run_id, "sop_id": record.sop_id, "tahun": record.tahun,
            "unit_id": record.unit_id, "schema_version": record.schema_version, "created_at": record.created_at,
            "periode": (int(record.data[first]), int(record.data[last]))}


def run_records(record: FormRecord) -> list[FormRecord]:
    """Every record of ``record``'s run for the same form (one per unit of a fan-out step), ``record`` first."""
    others = db.session.scalars(select(FormRecord).where(FormRecord.run_id == record.run_id,
                                                         FormRecord.form_key == record.form_key,
                                                         FormRecord.id != record.id).order_by(FormRecord.id))
    return [record, *others]


def latest(kode: str, form: str, tahun: int, unit: int | None = None) -> dict | None:
    """Plugin-facing: the latest finished data of ``form`` of SOP ``kode`` for ``tahun``
    (and ``unit`` id), as plain data: ``{"data", "run_id", "sop_id", "tahun", "unit_id",
    "schema_version", "created_at"}``; None when no finished run has it."""
    record = latest_record(kode=kode, form=form, tahun=tahun, unit_id=unit)
    if record is None:
        return None
    return {"data": record.data, "run_id": record.run_id, "sop_id": record.sop_id, "tahun": record.tahun,
            "unit_id": record.unit_id, "schema_version": record.schema_version, "created_at": record.created_at}


__all__ = ["write_run_records", "latest_record", "latest", "covering_record", "covering", "periods", "run_records",
           "schema_version"]
