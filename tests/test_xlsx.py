"""XLSX export and import of a declared form's table, through the web."""
import io
import re

from openpyxl import Workbook, load_workbook

from portal.extensions import db
from tests.helpers import advance, form_payload, open_tasks, start_pk
from tests.test_runner import complete, login

TABLE = "entri-0-sasaran"


def drafting(app, demo, client):
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    return task, form_payload(task)


def sheet(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, task, payload, data: bytes, name="target.xlsx"):
    return client.post(f"/tugas/{task.id}/formulir/impor", content_type="multipart/form-data",
                       data={**payload, "_tabel": TABLE, f"xlsx-{TABLE}": (io.BytesIO(data), name)})


def test_export_import_round_trip(app, demo, client):
    task, payload = drafting(app, demo, client)
    payload[f"{TABLE}-0-target"] = "1.234,5"
    exported = client.post(f"/tugas/{task.id}/formulir/ekspor", data={**payload, "_tabel": TABLE})
    assert exported.status_code == 200 and "perjanjian_kinerja-entri-0-sasaran.xlsx" in exported.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Sasaran", "Indikator kinerja", "Target", "Satuan")
    assert rows[1][2] == 1234.5 and isinstance(rows[2][2], (int, float))  # typed cells

    edited = sheet(rows[0], *rows[1:], ("Sasaran baru", "Indikator baru", "97,5", "persen"), (None, None, None, None),
                   ("Sasaran lain", "Indikator lain", 12, "unit"))
    preview = upload(client, task, payload, edited)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and f"{len(rows) + 1} baris dari" in page and "menggantikan 2 baris" in page
    applied = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.split("Batal")[0]))
    assert applied[f"{TABLE}-2-target"] == "97,5" and applied[f"{TABLE}-3-target"] == "12"
    assert applied["entri-0-pihak1_nama"] == payload["entri-0-pihak1_nama"]  # the rest of the form is kept
    db.session.refresh(task)
    assert task.version == 1 and task.form_data is None  # a preview changes nothing

    shown = client.post(f"/tugas/{task.id}/formulir", data={**applied, "_ubah": "terapkan"}).get_data(as_text=True)
    assert f'name="{TABLE}-3-sasaran" type="text" value="Sasaran lain"' in shown or 'value="Sasaran lain"' in shown
    applied.pop("_ubah", None)
    assert complete(client, task, **{k: v for k, v in applied.items() if k != "csrf_token"}).status_code == 303
    db.session.refresh(task)
    stored = task.form_data["entri"][0]["sasaran"]
    assert [r["target"] for r in stored] == [1234.5, rows[2][2], 97.5, 12]


def test_malformed_sheet_names_row_and_column_and_changes_nothing(app, demo, client):
    task, payload = drafting(app, demo, client)
    header = ("Sasaran", "Indikator kinerja", "Target", "Satuan")
    bad_header = upload(client, task, payload, sheet(header + ("Warna",), ("a", "b", 1, "c", "merah")))
    assert bad_header.status_code == 400
    assert 'Baris 1, kolom E: judul kolom &#34;Warna&#34; tidak dikenal.' in bad_header.get_data(as_text=True)
    missing = upload(client, task, payload, sheet(header[:3], ("a", "b", 1)))
    assert missing.status_code == 400 and "Baris 1: kolom &#34;Satuan&#34; tidak ada." in missing.get_data(as_text=True)
    bad_cell = upload(client, task, payload, sheet(header, ("a", "b", 1, "c"), ("a", "", "sembilan", "c")))
    text = bad_cell.get_data(as_text=True)
    assert bad_cell.status_code == 400
    assert "Baris 3, kolom C (Target): &#34;sembilan&#34; bukan angka" in text and "Baris 3, kolom B (Indikator kinerja): Wajib diisi." in text
    assert f'value="{payload[f"{TABLE}-0-sasaran"]}"' in text  # the form on screen is kept
    not_xlsx = upload(client, task, payload, b"%PDF-1.4 bukan lembar kerja", name="x.xlsx")
    assert not_xlsx.status_code == 400 and "bukan XLSX" in not_xlsx.get_data(as_text=True)
    db.session.refresh(task)
    assert task.version == 1 and task.form_data is None


def test_xlsx_access(app, demo, client):
    task, payload = drafting(app, demo, client)
    assert client.post(f"/tugas/{task.id}/formulir/ekspor", data={**payload, "_tabel": "entri-0-tidakada"}).status_code == 404
    client.post("/keluar")
    login(client, "kadis")
    assert client.post(f"/tugas/{task.id}/formulir/ekspor", data={**payload, "_tabel": TABLE}).status_code == 403
    assert upload(client, task, payload, sheet(("Sasaran",))).status_code == 403
