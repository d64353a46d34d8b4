"""Column-level ``sumber``: one column of a table prefilled from a column of another SOP's
latest finished record (same tahun, and unit where it applies; with ``periode``: the
latest whose period covers the tahun, reading the column of that year). Rows are matched
by position; missing rows are added. Only an empty form is prefilled. A ``tabel`` form with
``kunci_baris`` takes each key once (a repeated source, e.g. every agreement of a PK,
often names the same indicator twice)."""
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


def place_in_period(source, record, tahun: int | None) -> int | None:
    """The run's year within the source record's period (1 for its first year), or None."""
    if not source.period or record is None or tahun is None:
        return None
    try:
        return int(tahun) - int((record.data or {}).get(source.period[0])) + 1
    except (TypeError, ValueError):
        return None


def source_column(source, column, record, tahun: int | None) -> str:
    """The source column to read: ``kolom`` (or the same key), with ``{ke}`` / ``{ke_berikut}``
    replaced by the year's place in the period and the next one."""
    name = source.column or column.key
    place = place_in_period(source, record, tahun)
    if place is not None:
        name = name.replace("{ke_berikut}", str(place + 1)).replace("{ke}", str(place))
    return name


def find_for(find, source):
    """The record for ``source`` through ``find(sop, form[, periode])``."""
    return find(source.sop, source.form, tuple(source.period)) if source.period else find(source.sop, source.form)


def _fill(rows: list[dict], column, values: list) -> list[dict]:
    rows = [dict(r) for r in rows]
    for index, value in enumerate(values):
        if index < len(rows):
            if rows[index].get(column.key) in (None, ""):
                rows[index][column.key] = value
        else:
            rows.append({column.key: value})
    return rows


def apply(spec: FormSpec, data: dict, find, tahun: int | None = None) -> tuple[dict, list[tuple]]:
    """``data`` with the declared columns prefilled; ``find(sop, form[, periode])`` returns a
    record (with ``.data``) or None; ``tahun`` is the run's year (for ``periode`` sources).
    Returns (data, [(column, record or None)])."""
    used = []
    data = dict(data)
    for table_key, column in spec.column_sources():
        source = column.source
        record = find_for(find, source)
        used.append((column, record))
        if record is None:
            continue
        key = source_column(source, column, record, tahun)
        values = [row.get(key) for row in source_rows(record.data or {}, source.table, source.level)]
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


__all__ = ["apply", "source_rows", "source_column", "place_in_period", "find_for"]
