"""Rows per unit in a ``tabel`` form that several steps of a run fill (``kunci_baris`` and
``saring_unit``).

- A step whose form an earlier step of the same run already filled opens with that data
  (:func:`carried`).
- ``kunci_baris = "indikator"``: rows are identified by that column. Two rows with the
  same value are refused, the message beside the later row's cell.
- ``saring_unit = "unit_pj"`` (a ``pilihan = "unit"`` column): on a fan-out step each
  unit's task holds only the rows whose ``unit_pj`` is that unit; a unit may not add a
  row for another unit or for an indicator another unit answers for. The step after the
  fan-out (and the documents) see every unit's rows merged back into the rows before the
  fan-out, matched by ``kunci_baris`` (:func:`merged`).
"""
from __future__ import annotations

from typing import Iterable

from portal.forms.column_sources import match_key

POSITIVE = ("selesai", "setuju")




def unit_rows(spec, data: dict, unit_id: int | None) -> dict:
    """``data`` with only the rows whose ``saring_unit`` column is ``unit_id``."""
    rows = (data or {}).get("baris") or []
    return {"baris": [dict(r) for r in rows if r.get(spec.unit_filter) == unit_id]}


def merged(spec, base: dict | None, parts: Iterable[tuple[int | None, dict]]) -> dict:
    """The rows of ``base`` with each unit's own rows replaced by what that unit handed in
    (matched by ``kunci_baris``); rows a unit added come after. A unit's rows it did not
    hand back stay as they were; rows it handed in for another unit are ignored."""
    rows = [dict(r) for r in (base or {}).get("baris") or []]
    key, unit_column = spec.row_key, spec.unit_filter
    for unit_id, data in parts:
        own: dict[str, dict] = {}
        for row in (data or {}).get("baris") or []:
            if row.get(unit_column) == unit_id:
                own.setdefault(match_key(row.get(key)), dict(row))
        for index, row in enumerate(rows):
            if row.get(unit_column) == unit_id and match_key(row.get(key)) in own:
                rows[index] = own.pop(match_key(row.get(key)))
        rows.extend(own.values())
    return {"baris": rows}


def _form_tasks(spec, tasks) -> list:
    """Completed tasks (approved or done) that entered ``spec``'s data, oldest completion first."""
    found = [t for t in tasks if t.form_data and t.outcome in POSITIVE and t.step.form == spec.key]
    return sorted(found, key=lambda t: (t.completed_at, t.id))


def run_data(spec, tasks) -> dict | None:
    """The run's current data of ``spec``: the latest completion of a step with this form;
    when that was a fan-out step and the form has ``saring_unit``, every unit's rows of
    that round merged into the data before the fan-out."""
    done = _form_tasks(spec, tasks)
    if not done:
        return None
    last = done[-1]
    if not last.step.fan_out:
        return last.form_data
    if spec.unit_filter is None:
        return None  # nothing declares how the units' copies fit together
    group = [t for t in done if t.step_no == last.step_no and t.attempt == last.attempt]
    first = min(t.id for t in group)
    base = run_data(spec, [t for t in tasks if t.id < first])
    return merged(spec, base, [(t.unit_id, t.form_data) for t in group])


def carried(spec, task, run_tasks) -> dict | None:
    """What ``task`` opens with when its own step has no earlier entry: the run's current
    data of the form from another step (for a unit's fan-out task, only its rows)."""
    data = run_data(spec, [t for t in run_tasks if t.id != task.id and t.step_no != task.step_no])
    if data is None:
        return None
    data = {k: v for k, v in data.items() if k != "_sumber"}
    if task.step.fan_out and spec.unit_filter is not None:
        return unit_rows(spec, data, task.unit_id)
    return data


def _column(spec, key):
    return next(c for c in spec.columns if c.key == key)


def problems(spec, data: dict, task=None, run_tasks=(), unit_name=lambda unit_id: str(unit_id)) -> list[tuple[int, str, str]]:
    """(row index, column key, message) for every row that breaks ``kunci_baris`` or, on a
    unit's fan-out task, ``saring_unit``. ``unit_name(id)`` names a unit in messages."""
    found: list[tuple[int, str, str]] = []
    if spec.row_key is None:
        return found
    rows = data.get("baris") or []
    key_col = _column(spec, spec.row_key)
    seen: dict[str, int] = {}
    others = [c for c in spec.columns if not c.computed and c.key not in (spec.row_key, spec.unit_filter)]
    for index, row in enumerate(rows):
        value = match_key(row.get(spec.row_key))
        if not value:
            continue
        if value not in seen:
            seen[value] = index
            continue
        first = rows[seen[value]]
        filled = [c for c in others if row.get(c.key) not in (None, "") and first.get(c.key) not in (None, "")]
        both = next((c for c in filled if c.numeric), None)  # a figure entered twice, e.g. one triwulan
        if both is not None:
            found.append((index, both.key, f"{both.title} untuk {key_col.title.lower()} ini sudah diisi di baris "
                                           f"{seen[value] + 1}: satu {key_col.title.lower()} diisi pada satu baris."))
        else:
            found.append((index, spec.row_key, f"{key_col.title} ini sudah ada di baris {seen[value] + 1}: "
                                                f"isi pada satu baris."))
    if task is None or spec.unit_filter is None or not task.step.fan_out:
        return found
    unit_col = _column(spec, spec.unit_filter)
    before = run_data(spec, [t for t in run_tasks if t.step_no != task.step_no and t.id < task.id]) or {}
    owners = {match_key(r.get(spec.row_key)): r.get(spec.unit_filter) for r in before.get("baris") or []}
    for index, row in enumerate(rows):
        owner = owners.get(match_key(row.get(spec.row_key)))
        if row.get(spec.unit_filter) != task.unit_id:
            found.append((index, spec.unit_filter, f"{unit_col.title} harus unit Anda ({unit_name(task.unit_id)}): "
                                                   "setiap unit hanya mengisi barisnya sendiri."))
        elif owner is not None and owner != task.unit_id:
            found.append((index, spec.row_key, f"{key_col.title} ini tanggung jawab {unit_name(owner)}; "
                                               "hanya unit itu yang mengisinya."))
    return found


__all__ = ["unit_rows", "merged", "run_data", "carried", "problems"]
