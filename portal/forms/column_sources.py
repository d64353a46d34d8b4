"""Column-level ``sumber``: one column of a table prefilled from a column of another SOP's
latest finished record (same tahun, or ``tahun`` years earlier, or the record whose
``periode`` covers the run's tahun; and unit where it applies). Rows are matched by
position (missing rows are added) or, with ``cocok``, by the value of a key column (e.g.
the indikator). Only an empty form is prefilled."""
from __future__ import annotations

import re

from portal.forms.spec import FormSpec


def source_rows(data: dict, table: str | None, entry: int | None = None) -> list[dict]:
    """The rows of ``table`` in a record's data: a ``tabel`` form (table None), an
    ``isian`` table, or the tables of every entry of a repeated form, in order (only
    entry number ``entry`` when given)."""
    if table is None:
        return list(data.get("baris") or [])
    if "entri" in data and table not in data:
        entries = data.get("entri") or []
        if entry is not None:
            entries = entries[entry - 1:entry]
        return [row for e in entries for row in e.get(table) or []]
    return list(data.get(table) or [])


def match_key(value) -> str:
    """A cell's text for matching rows: case and spacing ignored."""
    return re.sub(r"\s+", " ", str(value or "")).strip().lower()


def _fill(rows: list[dict], column, values: list) -> list[dict]:
    rows = [dict(r) for r in rows]
    for index, value in enumerate(values):
        if index < len(rows):
            if rows[index].get(column.key) in (None, ""):
                rows[index][column.key] = value
        else:
            rows.append({column.key: value})
    return rows


def _fill_matched(rows: list[dict], column, source_rows_: list[dict]) -> list[dict]:
    source = column.source
    found = {}
    for row in source_rows_:
        key = match_key(row.get(source.match))
        if key and key not in found:
            found[key] = row.get(source.column or column.key)
    result = []
    for row in rows:
        row = dict(row)
        key = match_key(row.get(source.match))
        if row.get(column.key) in (None, "") and key in found:
            row[column.key] = found[key]
        result.append(row)
    return result


def _values(column, rows: list[dict]) -> list:
    source = column.source
    values = [row.get(source.column or column.key) for row in rows]
    if source.unique:
        seen, distinct = set(), []
        for value in values:
            if value not in (None, "") and match_key(value) not in seen:
                seen.add(match_key(value))
                distinct.append(value)
        values = distinct
    return values


def _filled(rows: list[dict], column, found: list[dict]) -> list[dict]:
    if column.source.match:
        return _fill_matched(rows, column, found)
    return _fill(rows, column, _values(column, found))


def apply(spec: FormSpec, data: dict, find) -> tuple[dict, list[tuple]]:
    """``data`` with the declared columns prefilled; ``find(source)`` returns the record
    (with ``.data``) or a list of records (the units of one run, first one named) or
    None. Returns (data, [(column, record or None)])."""
    used = []
    data = dict(data)
    for table_key, column in spec.column_sources():
        source = column.source
        found = find(source)
        found = found if isinstance(found, list) else ([found] if found is not None else [])
        used.append((column, found[0] if found else None))
        if not found:
            continue
        rows = [row for record in found for row in source_rows(record.data or {}, source.table, source.entry)]
        if table_key is None:
            data["baris"] = _filled(data.get("baris") or [], column, rows)
        elif spec.repeat:
            entries = data.get("entri") or [{}]
            data["entri"] = [{**e, table_key: _filled(e.get(table_key) or [], column, rows)} for e in entries]
        else:
            data[table_key] = _filled(data.get(table_key) or [], column, rows)
    return data, used


__all__ = ["apply", "source_rows", "match_key"]
