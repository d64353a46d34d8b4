"""Renja 503/2022/DPM PTSP (Tanjung Jabung Barat): the definition equals seed 003; the Renja
table is prefilled from the finished Renstra whose period covers the run's year (that
year's target/pagu, the next year's as prakiraan maju) and names it; a full run with one
return; the summary PDF with totals per program; bad input and a year outside the
Renstra period refused with nothing saved."""
import re

from portal.extensions import db
from portal.models import FormRecord, Task
from portal.sop import load_definition_file
from tests import renstra_support as rs
from tests.seed003 import check_identity, check_steps, sop_block
from tests.test_renstra import pdf_text


def test_renja_definition_equals_seed_003():
    definition = load_definition_file("plugins/renja/sop_tanjabbar.toml")
    identity, table = sop_block("(RENJA)")
    check_identity(definition, identity)
    check_steps(definition, table)
    assert (definition.id, definition.kode) == ("renja_tanjabbar", "renja")
    assert definition.step(3).fan_out and definition.step(3).actor == "bidang" and "bidang" in definition.per_unit_lanes
    assert definition.step(6).form == "renja" and definition.step(7).decision == 6


def _renja_at_step_6(app, tahun):
    run_id = rs.start(app, "renja_tanjabbar", tahun)
    rs.drive(app, run_id, {}, until=6)
    task = rs.open_task(run_id)
    assert task.step_no == 6
    return run_id, task


def _value(page: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page).group(1)


def test_renja_prefilled_from_renstra_of_its_year_full_run_and_pdf(app, demo):
    with app.test_request_context():
        renstra_id, _ = rs.finish_renstra(app)
        run_id, task = _renja_at_step_6(app, 2026)
        status, body = rs.request_as(app, demo["stafppmep"], f"/tugas/{task.id}")
        page = body.decode()
        assert status == 200 and f'<a href="/pelaksanaan/{renstra_id}">' in page and "periode 2025–2029" in page
        assert [_value(page, f"baris-{i}-kode") for i in range(5)] == [row[1] for row in rs.PROGRAM]
        assert (_value(page, "baris-1-target"), _value(page, "baris-1-pagu")) == ("3", "91.500.000")  # 2026: year 2
        assert (_value(page, "baris-4-target_maju"), _value(page, "baris-4-pagu_maju")) == ("3", "280.000.000")  # 2027
        assert _value(page, "baris-1-lokasi") == ""
        data = rs.formdata(app, "renja_tanjabbar", "renja", {"baris": rs.renja_rows(2026)})
        done = rs.drive(app, run_id, {6: data}, returns={7: "Lokasi sub kegiatan dirinci"})
        assert [no for no, _, _ in done] == [6, 7, 6, 7, 8, 9, 10, 11]
        assert rs.finished_run(run_id).status == "selesai"
        record = db.session.scalar(db.select(FormRecord).where(FormRecord.run_id == run_id))
        assert record.data["baris"][4]["pagu"] == 262_750_000
        six = db.session.scalars(db.select(Task).where(Task.run_id == run_id, Task.step_no == 6).order_by(Task.id)).all()
        assert six[-1].form_data["_sumber"][0]["run_id"] == renstra_id
        status, body = rs.request_as(app, demo["kadis"], f"/pelaksanaan/{run_id}/dokumen/renja.pdf")
        assert status == 200  # render_pdf refuses any xhtml2pdf warning
        text = pdf_text(body)
    assert "RENCANA KERJA (RENJA) TAHUN 2026" in text and "RANCANGAN" not in text
    # program totals: the sub kegiatan of each program (91.500.000 + 62.000.000; 262.750.000)
    assert "Jumlah Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota 153.500.000" in text
    assert "Jumlah Program Promosi Penanaman Modal 262.750.000" in text
    assert "JUMLAH SELURUH PROGRAM 416.250.000" in text and "Rp 416.250.000" in text
    for value in ("Penyusunan Dokumen Perencanaan Perangkat Daerah", "Kabupaten Tanjung Jabung Barat", "Prakiraan maju 2027",
                  "Jumlah pameran investasi yang diikuti", demo["kadis"].nama):
        assert value in text, value


def _post(app, user, task, payload):
    status, body = rs.request_as(app, user, f"/tugas/{task.id}/selesaikan",
                                 {"tindakan": "selesai", "versi": str(task.version), "catatan": "", **payload})
    db.session.expire_all()
    fresh = db.session.get(Task, task.id)
    assert status == 400 and fresh.status == "terbuka" and fresh.form_data is None
    return body.decode()


def test_renja_bad_input_and_year_outside_renstra_period_refused(app, demo):
    with app.test_request_context():
        rs.finish_renstra(app)
        run_id, task = _renja_at_step_6(app, 2026)
        staf = demo["stafppmep"]
        good = rs.formdata(app, "renja_tanjabbar", "renja", {"baris": rs.renja_rows(2026)})
        page = _post(app, staf, task, {**good, "baris-2-target": "empat"})
        assert re.search(r'id="baris-2-target-err" role="alert">[^<]*angka', page, re.I)
        page = _post(app, staf, task, {**good, "baris-0-pagu": "-1.000"})
        assert 'id="baris-0-pagu-err"' in page
        outside_id, outside = _renja_at_step_6(app, 2031)
        status, body = rs.request_as(app, staf, f"/tugas/{outside.id}")
        assert "yang mencakup tahun ini" in body.decode()
        page = _post(app, staf, outside, rs.formdata(app, "renja_tanjabbar", "renja", {"baris": rs.renja_rows(2026)}))
        assert "Tahun Renja 2031 di luar periode Renstra (2025–2029)" in page
        assert db.session.scalar(db.select(db.func.count(FormRecord.id)).where(FormRecord.sop_kode == "renja")) == 0


def test_demo_renstra_finished_and_renja_waiting_at_step_6_prefilled(tmp_path):
    """``flask demo load``: the Renstra 2025-2029 finished (after one return), the Renja 2026
    open at step 6 for the Staf Perencanaan with its table prefilled from that Renstra."""
    from portal.demo import load_demo
    from portal.models import Run, User
    from portal.testing import portal_app

    app = portal_app(tmp_path, config={"PUBLIC_BASE_URL": "https://sop.example"})
    with app.test_request_context():
        load_demo(sops={"renstra_tanjabbar", "renja_tanjabbar"})
        renstra = db.session.scalar(db.select(Run).where(Run.sop_kode == "renstra"))
        renja = db.session.scalar(db.select(Run).where(Run.sop_kode == "renja"))
        assert renstra.status == "selesai" and renja.status == "berjalan" and renja.tahun == 2026
        returned = db.session.scalar(db.select(Task).where(Task.run_id == renstra.id, Task.outcome == "kembali"))
        assert returned.step_no == 9
        task = rs.open_task(renja.id)
        assert task.step_no == 6
        staf = db.session.scalar(db.select(User).where(User.username == "stafppmep"))
        status, body = rs.request_as(app, staf, f"/tugas/{task.id}")
        page = body.decode()
        assert status == 200 and f'<a href="/pelaksanaan/{renstra.id}">{renstra.judul}</a>' in page
        assert _value(page, "baris-0-pagu") == "2.250.000.000" and _value(page, "baris-0-pagu_maju") == "2.350.000.000"
