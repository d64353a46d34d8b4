"""Sample data generated from a form's declaration: valid typed data for every field
type, and the same data as the flat form fields a browser would post. Used by the
end-to-end test helper, the demo data and the benchmark (so none hard-codes a plugin)."""
from __future__ import annotations

import itertools
from datetime import date

from portal.forms.fields import choice_options, number_text
from portal.forms.formula import Formula
from portal.forms.tree import walk_nodes

_NIP_SEQ = itertools.count(1)


def _clamp(value, spec):
    if spec.min is not None:
        value = max(value, spec.min)
    if spec.max is not None:
        value = min(value, spec.max)
    return int(value) if float(value).is_integer() else value


def sample_value(spec, index: int = 0):
    """A valid stored value for field ``spec`` (row/entry ``index``)."""
    kind = spec.type
    if kind in ("teks", "teks_panjang"):
        return f"{spec.title} {index + 1}"
    if kind == "angka":
        return _clamp(80 + index * 2.5, spec)
    if kind == "persen":
        return _clamp(90 + index, spec)
    if kind == "rupiah":
        return _clamp(150_000_000 + index * 1_250_000.5, spec)
    if kind == "tahun":
        return _clamp(date.today().year + 1, spec)
    if kind == "tanggal":
        return date.today().isoformat()
    if kind == "nip":
        return f"19800101200501{next(_NIP_SEQ) % 10000:04d}"
    if kind == "pilihan":
        options = choice_options(spec.choices)
        if not options:
            return None
        value = options[index % len(options)][0]
        return int(value) if spec.choices in ("unit", "pengguna") else value
    if kind == "berkas":
        options = choice_options("berkas")
        return int(options[0][0]) if options and spec.required else None
    return None


def _fill(fields, index: int) -> dict:
    values = {f.key: sample_value(f, index) for f in fields if not f.computed}
    for f in fields:
        if f.computed:
            values[f.key] = Formula(f.formula).evaluate(values)
    return values


def _rows(columns, min_rows: int, max_rows: int) -> list[dict]:
    return [_fill(columns, i) for i in range(min(max(min_rows, 2), max_rows))]


def _tree(levels, roots: int) -> list[dict]:
    """A chain through every level under the first root, and further bare roots."""
    def chain(depth: int, index: int) -> dict:
        node = {"tingkat": levels[depth].key, **_fill(levels[depth].fields, index), "anak": []}
        if depth + 1 < len(levels) and index == 0:
            node["anak"] = [chain(depth + 1, 0), chain(depth + 1, 1)]
        return node

    return [chain(0, i) for i in range(roots)]


def sample_data(spec) -> dict:
    """Valid typed data for form ``spec`` (the shape the engine stores)."""
    if spec.kind == "tabel":
        return {"baris": _rows(spec.columns, spec.min_rows, spec.max_rows)}
    if spec.kind == "pohon":
        return {"simpul": _tree(spec.levels, min(max(spec.min_nodes, 2), spec.max_nodes))}

    def entry(i: int) -> dict:
        values = _fill(spec.fields, i)
        for table in spec.tables:
            values[table.key] = _rows(table.columns, table.min_rows, table.max_rows)
        return values

    if spec.repeat:
        return {"entri": [entry(i) for i in range(max(spec.min_entries, 1))]}
    return entry(0)


def _text(spec, value) -> str:
    if value is None:
        return ""
    if spec.type in ("angka", "persen", "rupiah"):
        return number_text(value)
    return str(value)


def _flat_fields(fields, values: dict, prefix: str, out: dict) -> None:
    for f in fields:
        if not f.computed:
            out[prefix + f.key] = _text(f, values.get(f.key))


def to_formdata(spec, data: dict) -> dict[str, str]:
    """``data`` as the browser would post it (``baris-0-target = "97,5"``)."""
    out: dict[str, str] = {}

    def entry(values: dict, prefix: str) -> None:
        _flat_fields(spec.fields, values, prefix, out)
        for table in spec.tables:
            for i, row in enumerate(values.get(table.key) or []):
                _flat_fields(table.columns, row, f"{prefix}{table.key}-{i}-", out)

    if spec.kind == "tabel":
        for i, row in enumerate(data.get("baris") or []):
            _flat_fields(spec.columns, row, f"baris-{i}-", out)
    elif spec.kind == "pohon":
        for i, node in enumerate(walk_nodes(data.get("simpul"))):
            out[f"simpul-{i}-tingkat"] = node["tingkat"]
            _flat_fields(spec.level(node["tingkat"]).fields, node, f"simpul-{i}-{node['tingkat']}-", out)
    elif spec.repeat:
        for i, values in enumerate(data.get("entri") or []):
            entry(values, f"entri-{i}-")
    else:
        entry(data, "")
    return out


__all__ = ["sample_data", "sample_value", "to_formdata"]
