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
        for task in tasks:
            if task.step_no in steps and task.outcome in ("selesai", "setuju"):
                unit = task.unit_id if steps[task.step_no].fan_out else run.unit_id
                latest[unit] = task
        for unit_id, task in latest.items():
            data = {k: v for k, v in task.form_data.items() if k != "_sumber"}
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


def covering_record(*, kode: str, form: str, tahun: int, period: list[str]) -> FormRecord | None:
    """The latest finished record of SOP ``kode``/``form`` whose fields ``period`` =
    [start, end] (years) cover ``tahun``, whatever year its run was filed under (a
    five-year Renstra read by the report of one of its years)."""
    query = (select(FormRecord).join(Run, Run.id == FormRecord.run_id)
             .where(FormRecord.sop_kode == kode, FormRecord.form_key == form, Run.status == "selesai",
                    FormRecord.tahun <= tahun, FormRecord.tahun >= tahun - 10)
             .order_by(Run.finished_at.desc(), FormRecord.id.desc()).limit(50))
    start, end = period
    for record in db.session.scalars(query):
        try:
            if int((record.data or {}).get(start)) <= tahun <= int((record.data or {}).get(end)):
                return record
        except (TypeError, ValueError):
            continue
    return None


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


__all__ = ["write_run_records", "latest_record", "covering_record", "run_records", "latest", "schema_version"]
