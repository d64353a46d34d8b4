"""Kepatuhan Mutu Baku against hand-computed working times (weekends, 17 and 25 August 2026 holidays)."""
import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from portal import runner
from portal.compliance import compliance, nearest_rank
from portal.demo_runs import step_once
from portal.extensions import db

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args):
    return datetime(*args, tzinfo=WIB)


def make_runs(app, demo):
    definition = app.extensions["portal_plugins"].definition("pk_jabar")
    kadis = demo["kadis"]
    with app.test_request_context():
        def start(judul, at):
            return runner.start_run(definition, kadis, judul=judul, tahun=2026, unit_id=kadis.unit_id, now=at)

        # A: step 1 from Fri 14 Aug 15:00 to Tue 18 Aug 08:00 = 60 (Fri) + 0 (Mon 17 Aug holiday) + 30 = 90 min, late;
        #    step 2 Tue 08:00-10:00 = 120 min (standard 300), on time; step 3 10:00-11:00; step 4 returned after 10 min.
        a = start("A", wib(2026, 8, 14, 15, 0))
        step_once(a, wib(2026, 8, 18, 8, 0))
        step_once(a, wib(2026, 8, 18, 10, 0))
        step_once(a, wib(2026, 8, 18, 11, 0))
        step_once(a, wib(2026, 8, 18, 11, 10), action="kembali", catatan="Perbaiki target")
        # B: step 1 Wed 19 Aug 09:00-09:20 = 20 min, on time; step 2 to Fri 21 Aug 09:00 = 400 + 510 + 90 = 1000 min, late.
        b = start("B", wib(2026, 8, 19, 9, 0))
        step_once(b, wib(2026, 8, 19, 9, 20))
        step_once(b, wib(2026, 8, 21, 9, 0))
        # C: step 1 Mon 24 Aug 15:30 to Wed 26 Aug 07:45 = 30 + 0 (Tue 25 Aug holiday) + 15 = 45 min, late.
        c = start("C", wib(2026, 8, 24, 15, 30))
        step_once(c, wib(2026, 8, 26, 7, 45))
        # D: cancelled, left out: step 1 in 5 minutes.
        d = start("D", wib(2026, 8, 27, 8, 0))
        step_once(d, wib(2026, 8, 27, 8, 5))
        db.session.commit()
        runner.cancel_run(d, demo["admin"], "Uji pembatalan")
        db.session.commit()


def test_nearest_rank():
    assert nearest_rank([], 50) is None
    assert nearest_rank([90, 20, 45], 50) == 45 and nearest_rank([90, 20, 45], 90) == 90
    assert nearest_rank([120, 1000], 50) == 120 and nearest_rank([120, 1000], 90) == 1000


def test_figures_equal_hand_computed_values(app, demo):
    make_runs(app, demo)
    with app.test_request_context():
        figures = compliance("pk_jabar", date(2026, 8, 1), date(2026, 8, 31))
    steps = {s.no: s for s in figures.steps}
    assert sorted(steps[1].times) == [20, 45, 90]
    assert (steps[1].median, steps[1].p90, steps[1].on_time, steps[1].count) == (45, 90, 1, 3)
    assert sorted(steps[2].times) == [120, 1000]
    assert (steps[2].median, steps[2].p90, steps[2].on_time) == (120, 1000, 1)
    assert steps[2].standard_minutes == 300 and steps[1].standard_minutes == 30
    assert steps[4].returns == 1 and steps[4].times == [10] and steps[4].on_time == 1
    assert steps[3].times == [60]
    assert [s.no for s in figures.steps][:2] == [1, 2]  # late most often first
    with app.test_request_context():
        later = compliance("pk_jabar", date(2026, 8, 20), date(2026, 8, 31))
        elsewhere = compliance("pk_jabar", date(2026, 8, 1), date(2026, 8, 31), unit_id=demo["bidang1"].unit_id)
    assert sorted(next(s for s in later.steps if s.no == 1).times) == [45]
    assert all(s.count == 0 for s in elsewhere.steps)


def test_compliance_page_and_downloads(app, demo, client, auth):
    make_runs(app, demo)
    auth.login("kadis")
    query = "sop=pk_jabar&dari=2026-08-01&sampai=2026-08-31"
    html = client.get(f"/kepatuhan?{query}").get_data(as_text=True)
    row = html.split('<tr data-step="1">')[1].split("</tr>")[0]
    assert "45 menit" in row and "1 jam 30 menit" in row and "(1/3)" in row
    assert 'class="compliance-chart"' in html and 'data-step="2" data-standard="300" data-median="120" data-p90="1000"' in html
    rows = list(csv.reader(io.StringIO(client.get(f"/kepatuhan.csv?{query}").get_data(as_text=True).lstrip("\ufeff"))))
    step1 = next(r for r in rows[1:] if r[0] == "1")
    assert step1[4:10] == ["30", "3", "45", "90", "1", "2"] and step1[10] == "33.3"
    sheet = load_workbook(io.BytesIO(client.get(f"/kepatuhan.xlsx?{query}").data)).active
    values = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == 2][0]
    assert values[6:8] == (120, 1000)
    summary = client.get("/kepatuhan?dari=2026-08-01&sampai=2026-08-31").get_data(as_text=True)
    assert "Ringkasan semua SOP" in summary and "Langkah 1" in summary
    bad = client.get("/kepatuhan?sop=pk_jabar&dari=kemarin")
    assert bad.status_code == 200 and "tidak sah" in bad.get_data(as_text=True)
    assert client.get("/kepatuhan.csv?sop=tidak_ada").status_code == 400
