"""The PK target table: sasaran, indikator, target, satuan per row."""
from __future__ import annotations

import re
from typing import Any, Mapping

MAX_ROWS = 50
_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")


def _getlist(form: Mapping[str, Any], key: str) -> list[str]:
    getter = getattr(form, "getlist", None)
    values = getter(key) if getter else form.get(key, [])
    return [str(v).strip() for v in (values if isinstance(values, list) else [values])]


def parse_target_table(form: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """Read the rows of the target table; errors are Indonesian sentences naming the row."""
    columns = {key: _getlist(form, key) for key in ("sasaran", "indikator", "target", "satuan")}
    count = max((len(v) for v in columns.values()), default=0)
    rows, errors = [], []
    for index in range(min(count, MAX_ROWS)):
        row = {key: (values[index] if index < len(values) else "") for key, values in columns.items()}
        if not any(row.values()):
            continue
        number = index + 1
        for key, label in (("sasaran", "Sasaran"), ("indikator", "Indikator"), ("target", "Target"), ("satuan", "Satuan")):
            if not row[key]:
                errors.append(f"Baris {number}: {label} wajib diisi.")
        if row["target"] and not _NUMBER.match(row["target"]):
            errors.append(f'Baris {number}: Target "{row["target"]}" harus berupa angka (desimal memakai koma, mis. 97,5).')
        rows.append(row)
    if not rows and not errors:
        errors.append("Isi paling sedikit satu baris sasaran, indikator dan target.")
    if count > MAX_ROWS:
        errors.append(f"Paling banyak {MAX_ROWS} baris.")
    return {"rows": rows}, errors
