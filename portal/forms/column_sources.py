"""Column-level ``sumber``: one column of a table prefilled from a column of another SOP's
latest finished record (same tahun, and unit where it applies). Rows are matched by
position; missing rows are added. Only an empty form is prefilled. A ``tabel`` form with
``kunci_baris`` takes each key once (a repeated source, e.g. every agreement of a PK,
often names the same indicator twice)."""
from __future__ import annotations

from portal.forms.spec import FormSpec


def source_rows(data: dict, table: str | None) -> list[dict]:
    """The rows of ``table`` in a record's data: a ``tabel`` form (table None), an
    ``isian`` table, or the tables of every entry of a repeated form, in order."""
    if table is None:
        return list(data.get("baris") or [])
    if "entri" in data and table not in data:
        return [row for entry in data.get("entri") or [] for row in entry.get(table) or []]
    return list(data.get(table) or [])


def _fill(rows: list[dict], column, values: list) -> list[dict]:
    rows = [dict(r) for r in rows]
    for index, value in enumerate(values):
        if index < len(rows):
            if rows[index].get(column.key) in (None, ""):
                rows[index][column.key] = value
        else:
            rows.append({column.key: value})
    return rows


def apply(spec: FormSpec, data: dict, find) -> tuple[dict, list[tuple]]:
    """``data`` with the declared columns prefilled; ``find(sop, form)`` returns a record
    (with ``.data``) or None. Returns (data, [(column, record or None)])."""
    used = []
    data = dict(data)
    for table_key, column in spec.column_sources():
        source = column.source
        record = find(source.sop, source.form)
        used.append((column, record))
        if record is None:
            continue
        values = [row.get(source.column or column.key) for row in source_rows(record.data or {}, source.table)]
        if table_key is None:
            data["baris"] = _fill(data.get("baris") or [], column, values)
        elif spec.repeat:
            entries = data.get("entri") or [{}]
            data["entri"] = [{**e, table_key: _fill(e.get(table_key) or [], column, values)} for e in entries]
        else:
            data[table_key] = _fill(data.get(table_key) or [], column, values)
    if spec.row_key is not None and any(record is not None for _, record in used):
        data["baris"] = _once(data.get("baris") or [], spec.row_key)
    return data, used


def _once(rows: list[dict], key: str) -> list[dict]:
    """``rows`` without the later rows repeating an earlier row's ``key`` (spaces and case ignored)."""
    seen, kept = set(), []
    for row in rows:
        value = " ".join(str(row.get(key) or "").split()).casefold()
        if value and value in seen:
            continue
        seen.add(value)
        kept.append(row)
    return kept


__all__ = ["apply", "source_rows"]
