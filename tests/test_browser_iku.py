"""The IKU (Tanjung Jabung Barat) main path in Chromium: the Kepala Dinas starts it, the
Tim Sakip types the IKU table (a non-numeric target is refused beside its cell first), the
Staf's step opens with those values, the check at step 5 returns it once, and the run
ends with the IKU document. The SOP pages and the IKU form are screenshot at 1366 and
390 px and must not scroll sideways."""
from __future__ import annotations

import re

import pytest

from tests.browser_support import PageProblems, artifacts_dir, chromium_missing_reason, open_tab, pdf_text, start_portal

pytest.importorskip("playwright.sync_api", reason="Playwright (Python) belum terpasang: pip install -e '.[test]'")
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ROW = {"sasaran": "Meningkatnya realisasi investasi", "indikator": "Nilai realisasi investasi",
       "definisi": "Jumlah investasi yang dilaporkan dalam LKPM", "alasan": "Mengukur hasil promosi",
       "satuan": "Miliar Rupiah", "target": "125,5", "sumber_data": "Laporan LKPM", "penanggung_jawab": "Bidang Pengendalian"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal served on 127.0.0.1 (SQLite, demo organisation without runs)."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("browser-iku"))
    yield portal
    portal.stop()


def no_sideways_scroll(web, width, name):
    web.shot(f"iku-{width}-{name}")
    scroll = web.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll} px pada layar {width} px"


def fill_row(page, row, arah="naik"):
    for key, value in row.items():
        page.locator(f"[name='baris-0-{key}']").fill(value)
    page.locator("[name='baris-0-arah']").select_option(arah)


def test_iku_tanjabbar_main_path(chromium, live):
    context, web, problems = open_tab(chromium, live, {"width": 1366, "height": 900})
    page = web.page
    judul = "IKU Tanjab Barat Uji Peramban"
    web.login("kadis")
    web.goto("/sop/iku_tanjabbar")
    identity = page.locator("#identity").inner_text()
    assert "503 / 2021 / DPM PTSP" in identity and "4 Januari 2022" in identity and "Disimpan sebagai data" in identity
    no_sideways_scroll(web, 1366, "sop-tanjabbar")
    web.goto("/sop/iku_jabar")
    assert "Bappeda" in page.locator("#steps thead").inner_text()
    no_sideways_scroll(web, 1366, "sop-jabar")

    web.goto("/pelaksanaan/baru/iku_tanjabbar")
    page.get_by_label("Judul").fill(judul)
    with page.expect_navigation():
        page.get_by_role("button", name="Mulai", exact=True).click()
    run_path = web.path
    assert re.fullmatch(r"/pelaksanaan/\d+", run_path)
    web.open_task_from_inbox(judul, 1)
    web.press("Selesaikan")
    web.logout()
    web.login("sekretaris")
    web.open_task_from_inbox(judul, 2)
    web.press("Selesaikan")
    web.logout()

    # Tim Sakip: step 3, the IKU table; a target in words is refused beside its cell.
    web.login("kasubbag")
    web.open_task_from_inbox(judul, 3)
    fill_row(page, dict(ROW, target="seratus"))
    web.press("Selesaikan", expect_status=400)
    assert "bukan angka" in page.locator("td.cell-invalid").first.inner_text()
    assert page.locator("[name='baris-0-indikator']").input_value() == ROW["indikator"]
    no_sideways_scroll(web, 1366, "langkah3-galat")
    page.locator("[name='baris-0-target']").fill(ROW["target"])
    web.press("Selesaikan")
    assert "Langkah diselesaikan." in web.flashes()
    web.logout()

    # Staf: step 4 opens with the concept's values; the typed table goes to the check.
    web.login("stafppmep")
    web.open_task_from_inbox(judul, 4)
    assert page.locator("[name='baris-0-target']").input_value() == "125,5"
    web.press("Selesaikan")
    web.logout()
    web.login("kasubbag")
    web.open_task_from_inbox(judul, 5)
    web.press("Kembalikan untuk perbaikan (ke langkah 4)", catatan="Satuan ditulis lengkap")
    web.logout()
    web.login("stafppmep")
    web.open_task_from_inbox(judul, 4)
    assert "Satuan ditulis lengkap" in page.locator("#step-panel").inner_text()
    page.locator("[name='baris-0-satuan']").fill("Miliar Rupiah per tahun")
    web.press("Selesaikan")
    web.logout()
    for user, no, button in (("kasubbag", 5, "Setujui"), ("perencana", 6, "Selesaikan"), ("kadis", 7, "Selesaikan"),
                             ("sekretaris", 8, "Selesaikan"), ("stafppmep", 9, "Selesaikan")):
        web.login(user)
        web.open_task_from_inbox(judul, no)
        web.press(button)
        web.logout()

    web.login("kadis")
    web.goto(run_path)
    assert web.meta("Status") == "Selesai"
    no_sideways_scroll(web, 1366, "pelaksanaan-selesai")
    link = page.locator("a[href$='/dokumen/iku.pdf']").first
    response = page.request.get(live.url + link.get_attribute("href"))
    assert response.status == 200
    text = " ".join(pdf_text(response.body()).split())
    assert "Miliar Rupiah per tahun" in text and "125,5" in text and "Dokumen IKU yang sudah divalidasi" in text
    (artifacts_dir() / "browser-iku-tanjabbar.pdf").write_bytes(response.body())
    context.close()
    assert not problems.messages and not live.errors.messages, problems.messages + live.errors.messages


def task_at(live, sop_id, step_no):
    """A fresh run of ``sop_id`` advanced (as the demo users) until ``step_no`` is open; its task id."""
    from portal import runner
    from portal.extensions import db
    from portal.models import User
    from tests.helpers import advance, open_tasks

    app = live.app
    with app.test_request_context(base_url=live.url):
        kadis = db.session.scalar(db.select(User).where(User.username == "kadis"))
        run = runner.start_run(app.extensions["portal_plugins"].definition(sop_id), kadis, judul=f"{sop_id} layar {step_no}",
                               tahun=2026, unit_id=kadis.unit_id)
        db.session.commit()
        advance(app, run, until_step=step_no)
        task_id = open_tasks(run.id)[0].id
        db.session.remove()
    return task_id


@pytest.mark.parametrize("width", [390, 1366])
def test_iku_pages_without_sideways_scroll(chromium, live, width):
    form_task, desk_task = task_at(live, "iku_jabar", 4), task_at(live, "iku_jabar", 7)
    context, web, problems = open_tab(chromium, live, {"width": width, "height": 900})
    web.login("perencana")
    for name, path in (("sop-jabar", "/sop/iku_jabar"), ("sop-tanjabbar", "/sop/iku_tanjabbar"),
                       ("langkah4-tabel-iku", f"/tugas/{form_task}")):
        assert web.goto(path).status == 200
        no_sideways_scroll(web, width, name)
    context.clear_cookies()  # the phone folds the Keluar button into the menu
    web.login("bappeda")
    assert web.goto(f"/tugas/{desk_task}").status == 200
    assert web.page.get_by_label("Nomor berita acara").count() == 1
    no_sideways_scroll(web, width, "langkah7-berita-acara")
    context.close()
    assert not problems.messages, problems.messages
