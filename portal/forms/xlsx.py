"""Tables of declared forms as XLSX (openpyxl): export what is on screen, import a filled
sheet (checked cell by cell with the same parsers as the form; a malformed sheet gets a
message naming the row and the column and changes nothing)."""
from __future__ import annotations

import io
from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from portal.forms import engine
from portal.forms.fields import number_text
from portal.forms.spec import FormSpec

MAX_BYTES = 2 * 1024 * 1024


class SheetError(ValueError):
    """The uploaded sheet cannot be used; ``messages`` name row and column (Indonesian)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def table_of(spec: FormSpec, list_name: str):
    """(title, columns, max_rows) of the table whose FieldList is named ``list_name``
    (``baris``, ``program`` or ``entri-0-program``); None when the form has no such table."""
    if spec.kind == "tabel" and list_name == "baris":
        return spec.title, spec.columns, spec.max_rows
    key = list_name.rsplit("-", 1)[-1]
    prefix_ok = (list_name == key and not spec.repeat) or (spec.repeat and list_name.startswith("entri-")
                                                          and list_name.split("-")[1].isdigit())
    for table in spec.tables:
        if table.key == key and prefix_ok:
            return table.title, table.columns, table.max_rows
    return None


def export_rows(spec: FormSpec, bound, list_name: str) -> bytes:
    """The rows of table ``list_name`` of the bound form as an XLSX workbook (typed cells)."""
    from openpyxl import Workbook  # imported on first use: ~11 MB per worker otherwise
    from openpyxl.styles import Font, PatternFill

    title, columns, _ = table_of(spec, list_name)
    field_list = next(f for f in engine._lists(bound) if f.name == list_name)
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Tabel"
    sheet.append([c.title for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EDF3")
    for entry in field_list.entries:
        row_form = entry.form
        if engine._row_empty(row_form):
            continue
        values = engine._values(row_form, columns)
        sheet.append([_cell(c, values.get(c.key)) for c in columns])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, min(50, len(column.title) + 4))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(column, value):
    if value is None:
        return None
    if column.type == "tanggal":
        return date.fromisoformat(value)
    return value


def read_rows(spec: FormSpec, list_name: str, data: bytes) -> list[dict[str, str]]:
    """Read and check an uploaded sheet for table ``list_name``; returns the rows as the
    texts a browser would post. Raises SheetError naming row and column."""
    title, columns, max_rows = table_of(spec, list_name)
    if len(data) > MAX_BYTES:
        raise SheetError(["Berkas XLSX paling besar 2 MB."])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError([f"Berkas bukan XLSX yang dapat dibaca ({type(exc).__name__})."]) from None
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    if not rows:
        raise SheetError(["Lembar kerja kosong: baris 1 harus berisi judul kolom."])
    inputs = [c for c in columns if not c.computed]
    by_title = {c.title.strip().lower(): c for c in columns} | {c.key: c for c in columns}
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    problems, positions = [], {}
    for index, name in enumerate(header):
        if not name:
            continue
        column = by_title.get(name.lower())
        if column is None:
            problems.append(f'Baris 1, kolom {_letter(index)}: judul kolom "{name}" tidak dikenal.')
        elif not column.computed:
            positions[column.key] = index
    for column in inputs:
        if column.key not in positions:
            problems.append(f'Baris 1: kolom "{column.title}" tidak ada.')
    if problems:
        raise SheetError(problems)
    texts = []
    for number, raw in enumerate(rows[1:], start=2):
        values = {c.key: _text(c, raw[positions[c.key]] if positions[c.key] < len(raw) else None) for c in inputs}
        if any(values.values()):
            texts.append((number, values))
    if len(texts) > max_rows:
        raise SheetError([f"Paling banyak {max_rows} baris; lembar ini berisi {len(texts)} baris."])
    probe = FormSpec.model_validate({"kunci": "impor", "judul": title, "jenis": "tabel",
                                     "kolom": [c.model_dump(by_alias=True, exclude_none=True) for c in columns]})
    formdata = MultiDict({f"baris-{i}-{key}": value for i, (_, row) in enumerate(texts) for key, value in row.items()})
    bound = engine.bind(probe, formdata=formdata)
    engine.extract(probe, bound)
    for (number, _), entry in zip(texts, bound.baris.entries):
        for column in inputs:
            for error in entry.form[column.key].errors:
                problems.append(f'Baris {number}, kolom {_letter(positions[column.key])} ({column.title}): {error}')
    if problems:
        raise SheetError(problems)
    return [row for _, row in texts]


def _text(column, value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        whole = float(value).is_integer()
        if column.type in ("nip", "tahun"):
            return str(int(value)) if whole else str(value)
        if column.type in ("angka", "persen", "rupiah"):
            return number_text(int(value) if whole else value)
        return str(int(value)) if whole else str(value)
    return str(value).strip()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def replaced_formdata(formdata, list_name: str, rows: list[dict[str, str]]) -> MultiDict:
    """The submitted form with the rows of ``list_name`` replaced by ``rows``."""
    prefix = f"{list_name}-"
    kept = [(k, v) for k, v in formdata.items(multi=True)
            if not (k.startswith(prefix) and k[len(prefix):].split("-", 1)[0].isdigit()) and k not in ("_ubah", "_tabel")]
    kept += [(f"{prefix}{i}-{key}", value) for i, row in enumerate(rows) for key, value in row.items()]
    return MultiDict(kept)


__all__ = ["export_rows", "read_rows", "replaced_formdata", "table_of", "SheetError"]
