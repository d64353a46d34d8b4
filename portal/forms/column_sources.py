"""Column-level ``sumber``: one column of a table prefilled from a column of another SOP's
latest finished record (same tahun, or ``tahun`` years earlier, or the record whose
``periode`` covers the run's tahun, reading the column of that year with ``{ke}``; and unit
where it applies). Rows come from a table, the entries of a repeated form or one level of
a tree (``tingkat``); they are matched by position (missing rows are added) or, with
``cocok``, by the value of a key column (e.g. the indikator). Only an empty form is
prefilled. A ``tabel`` form with ``kunci_baris`` takes each key once (a repeated source,
e.g. every agreement of a PK, often names the same indicator twice)."""
from __future__ import annotations

from portal.forms.spec import FormSpec
from portal.forms.tree import NODES, walk_nodes


def source_rows(data: dict, table: str | None, entry: int | None = None, level: str | None = None) -> list[dict]:
    """The rows of ``table`` in a record's data: a ``tabel`` form (table None), an
    ``isian`` table, the tables of every entry of a repeated form, in order (only entry
    number ``entry`` when given), or (``level``) the nodes of one level of a tree in
    document order."""
    if level is not None:
        return [node for node in walk_nodes(data.get(NODES)) if node.get("tingkat") == level]
    if table is None:
        return list(data.get("baris") or [])
    if "entri" in data and table not in data:
        entries = data.get("entri") or []
        if entry is not None:
            entries = entries[entry - 1:entry]
        return [row for e in entries for row in e.get(table) or []]
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


def match_key(value) -> str:
    """A cell's text for matching rows (``cocok``, ``kunci_baris``): case and spacing ignored."""
    return " ".join(str(value or "").split()).casefold()


def _fill(rows: list[dict], column, values: list) -> list[dict]:
    rows = [dict(r) for r in rows]
    for index, value in enumerate(values):
        if index < len(rows):
            if rows[index].get(column.key) in (None, ""):
                rows[index][column.key] = value
        else:
            rows.append({column.key: value})
    return rows


def _fill_matched(rows: list[dict], column, key: str, source_rows_: list[dict]) -> list[dict]:
    source = column.source
    found = {}
    for row in source_rows_:
        match = match_key(row.get(source.match))
        if match and match not in found:
            found[match] = row.get(key)
    result = []
    for row in rows:
        row = dict(row)
        match = match_key(row.get(source.match))
        if row.get(column.key) in (None, "") and match in found:
            row[column.key] = found[match]
        result.append(row)
    return result


def _values(column, key: str, rows: list[dict]) -> list:
    values = [row.get(key) for row in rows]
    if column.source.unique:
        seen, distinct = set(), []
        for value in values:
            if value not in (None, "") and match_key(value) not in seen:
                seen.add(match_key(value))
                distinct.append(value)
        values = distinct
    return values


def _filled(rows: list[dict], column, key: str, found: list[dict]) -> list[dict]:
    if column.source.match:
        return _fill_matched(rows, column, key, found)
    return _fill(rows, column, _values(column, key, found))


def apply(spec: FormSpec, data: dict, find, tahun: int | None = None) -> tuple[dict, list[tuple]]:
    """``data`` with the declared columns prefilled; ``find(source)`` returns the record
    (with ``.data``) or a list of records (the units of one run, first one named) or
    None; ``tahun`` is the run's year (for ``{ke}`` in a ``periode`` source's column).
    Returns (data, [(column, record or None)])."""
    used = []
    data = dict(data)
    for table_key, column in spec.column_sources():
        source = column.source
        found = find(source)
        found = found if isinstance(found, list) else ([found] if found is not None else [])
        used.append((column, found[0] if found else None))
        if not found:
            continue
        key = source_column(source, column, found[0], tahun)
        rows = [row for record in found for row in source_rows(record.data or {}, source.table, source.entry, source.level)]
        if table_key is None:
            data["baris"] = _filled(data.get("baris") or [], column, key, rows)
        elif spec.repeat:
            entries = data.get("entri") or [{}]
            data["entri"] = [{**e, table_key: _filled(e.get(table_key) or [], column, key, rows)} for e in entries]
        else:
            data[table_key] = _filled(data.get(table_key) or [], column, key, rows)
    if spec.row_key is not None and any(record is not None for _, record in used):
        data["baris"] = _once(data.get("baris") or [], spec.row_key)
    return data, used


def _once(rows: list[dict], key: str) -> list[dict]:
    """``rows`` without the later rows repeating an earlier row's ``key`` (spaces and case ignored)."""
    seen, kept = set(), []
    for row in rows:
        value = match_key(row.get(key))
        if value and value in seen:
            continue
        seen.add(value)
        kept.append(row)
    return kept


__all__ = ["apply", "source_rows", "source_column", "place_in_period", "match_key"]
