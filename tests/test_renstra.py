"""Renstra 503/06/DPM PTSP (Tanjung Jabung Barat): the definition equals seed 003, a full
run through the web with one return, the Renstra matrix PDF holds the entered values, and
bad input (non-numeric target, negative pagu, a period that is not five years) is refused
beside its field with nothing saved."""
import io
import re

from pypdf import PdfReader

from portal.extensions import db
from portal.models import FormRecord, Task
from portal.sop import load_definition_file
from tests import renstra_support as rs
from tests.seed003 import check_identity, check_steps, sop_block
from tests.seeds import squash


def test_renstra_definition_equals_seed_003():
    definition = load_definition_file("plugins/renstra/sop_tanjabbar.toml")
    identity, table = sop_block("(RENSTRA)")
    check_identity(definition, identity)
    check_steps(definition, table)
    assert (definition.id, definition.kode) == ("renstra_tanjabbar", "renstra")
    assert definition.step(3).fan_out and definition.step(3).actor == "bidang"
    assert dict(definition.pelaksana)["bidang"] == "Bidang-Bidang Lain" and "bidang" in definition.per_unit_lanes
    assert definition.step(6).form == "renstra" and definition.step(9).decision == 6


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_renstra_full_run_with_one_return_and_matrix_pdf(app, demo):
    with app.test_request_context():
        run_id, done = rs.finish_renstra(app, returns={9: "Pagu tahun kedua diperbaiki"})
        steps = [no for no, _, _ in done]
        assert steps == [1, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 6, 7, 8, 9, 10, 11]  # step 3: every internal unit
        assert {user for no, user, _ in done if no == 3} == {"urusan", "bidang1", "bidang2", "bidang3"}
        assert (9, "kadis", "kembali") in done and done[-1] == (11, "stafppmep", "selesai")
        run = rs.finished_run(run_id)
        assert run.status == "selesai"
        record = db.session.scalar(db.select(FormRecord).where(FormRecord.run_id == run_id, FormRecord.form_key == "renstra"))
        assert record.data["periode_awal"] == 2025 and record.data["program"][0]["kondisi_akhir_pagu"] == 11_750_000_000
        status, body = rs.request_as(app, demo["kadis"], f"/pelaksanaan/{run_id}/dokumen/renstra.pdf")
        assert status == 200  # render_pdf refuses any xhtml2pdf warning
        text = pdf_text(body)
    assert "RENCANA STRATEGIS TAHUN 2025–2029" in text and "RANCANGAN" not in text
    for value in (rs.VISI, "Nilai realisasi investasi", "Rata-rata waktu penyelesaian izin", "Program Promosi Penanaman Modal",
                  "2.18.03.2.01.01", "2.150.000.000", "262.750.000", "11.750.000", "87,5", "Bidang Perencanaan",
                  "Jumlah pagu seluruh program", demo["kadis"].nama):
        assert value in text, value
    assert all(str(year) in text for year in range(2025, 2030))


def _at_step_6(app):
    run_id = rs.start(app, "renstra_tanjabbar", 2024)
    rs.drive(app, run_id, {}, until=6)
    task = rs.open_task(run_id)
    assert task.step_no == 6
    return run_id, task


def _refused(app, user, task, payload, name):
    """POST the step; 400 with the message beside input ``name``; nothing saved."""
    status, body = rs.request_as(app, user, f"/tugas/{task.id}/selesaikan",
                                 {"tindakan": "selesai", "versi": str(task.version), "catatan": "", **payload})
    page = body.decode()
    assert status == 400
    match = re.search(rf'id="{re.escape(name)}-err" role="alert">([^<]+)<', page)
    assert match, f"tidak ada pesan di samping {name}"
    db.session.expire_all()
    fresh = db.session.get(Task, task.id)
    assert fresh.status == "terbuka" and fresh.form_data is None
    assert db.session.scalar(db.select(db.func.count(FormRecord.id))) == 0
    return match.group(1)


def test_renstra_bad_input_is_refused_beside_the_field(app, demo):
    with app.test_request_context():
        run_id, task = _at_step_6(app)
        good = rs.formdata(app, "renstra_tanjabbar", "renstra", rs.renstra_data(rs.unit_ids()))
        staf = demo["stafppmep"]
        message = _refused(app, staf, task, {**good, "periode_akhir": "2030"}, "periode_akhir")
        assert "tahun akhir harus 2029" in message
        message = _refused(app, staf, task, {**good, "sasaran-0-target_2": "sembilan ratus"}, "sasaran-0-target_2")
        assert "angka" in message.lower()
        message = _refused(app, staf, task, {**good, "program-1-pagu_3": "-5.000.000"}, "program-1-pagu_3")
        assert "0" in message
        status, body = rs.request_as(app, staf, f"/tugas/{task.id}")
        assert status == 200 and 'name="periode_akhir"' in body.decode()
