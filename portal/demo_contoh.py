"""Demo runs a definition declares with ``[[contoh]]``, driven through the real runner
(so their audit trail, due times, fan-out, returns, receipts and archive are genuine)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal import runner
from portal.extensions import db
from portal.models import Run, Task, User

# The SAKIP chain (domain.md): an SOP's demo runs are made after those it prefills from.
CHAIN = ("renstra", "iku", "cascading", "pk", "pengumpulan_data_kinerja", "renja", "lkpj", "lakip", "lkjip")
RETURN_NOTE = "Contoh pengembalian: mohon diperbaiki sesuai catatan pemeriksa."


def chain_order(definitions) -> list:
    """``definitions`` sorted along the SAKIP chain; SOPs outside it keep their order, last."""
    rank = {kode: index for index, kode in enumerate(CHAIN)}
    return sorted(definitions, key=lambda d: rank.get(d.kode, len(CHAIN)))


def demo_form_values(definition, demo) -> dict[str, dict]:
    """The form data a ``[[contoh]]`` names (form key -> data read from its JSON file)."""
    base = Path(definition.source).parent
    return {key: json.loads((base / name).read_text(encoding="utf-8")) for key, name in demo.data.items()}


def create_declared_runs(definition, starter: User, existing: set[str], started: datetime) -> int:
    """Create the ``[[contoh]]`` runs of ``definition`` not made yet; returns how many were created."""
    from portal.demo_runs import local_year, step_once

    calendar = current_app.extensions["worktime"]
    created = 0
    for demo in definition.demo_runs:
        if demo.judul in existing:
            continue
        run = runner.start_run(definition, starter, judul=demo.judul, tahun=demo.tahun or local_year(started),
                               unit_id=starter.unit_id, now=started)
        values = demo_form_values(definition, demo)
        returned: set[int] = set()
        moment = started
        for _ in range(len(definition.steps) * 4):
            open_steps = _open_steps(run)
            if run.status != "berjalan" or not open_steps:
                break
            moment = calendar.add(moment, 45, "menit")
            current = min(open_steps)
            if current == demo.sampai_langkah:
                if demo.unit_selesai:
                    step_once(run, moment, only_units=demo.unit_selesai, form_values=values)
                break
            if current in demo.kembali and current not in returned:
                returned.add(current)
                step_once(run, moment, action="kembali", catatan=RETURN_NOTE)
                continue
            step_once(run, moment, form_values=values)
        db.session.commit()
        existing.add(demo.judul)
        created += 1
    return created


def _open_steps(run: Run) -> set[int]:
    return set(db.session.scalars(select(Task.step_no).where(Task.run_id == run.id, Task.status == "terbuka")))
