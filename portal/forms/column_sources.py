"""Column-level ``sumber``: one column of a table prefilled from a column of another SOP's
latest finished record (same tahun, and unit where it applies). Rows are matched by
position; missing rows are added. Only an empty form is prefilled."""
from __future__ import annotations

from portal.forms.spec import FormSpec
from portal.forms.tree import NODES, walk_nodes


def source_rows(data: dict, table: str | None, level: str | None = None) -> list[dict]:
    """The rows of ``table`` in a record's data: a ``tabel`` form (table None), an
    ``isian`` table, the tables of every entry of a repeated form, in order, or (``level``)
    the nodes of one level of a tree in document order."""
    if level is not None:
        return [node for node in walk_nodes(data.get(NODES)) if node.get("tingkat") == level]
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
        values = [row.get(source.column or column.key) for row in source_rows(record.data or {}, source.table, source.level)]
        if table_key is None:
            data["baris"] = _fill(data.get("baris") or [], column, values)
        elif spec.repeat:
            entries = data.get("entri") or [{}]
            data["entri"] = [{**e, table_key: _fill(e.get(table_key) or [], column, values)} for e in entries]
        else:
            data[table_key] = _fill(data.get(table_key) or [], column, values)
    return data, used


__all__ = ["apply", "source_rows"]
