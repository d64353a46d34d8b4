"""Data Kinerja in Chromium: a bidang opens its fan-out task of the demo run waiting on the
bidang, sees only its own indicators, gets a non-numeric realisasi refused beside the cell,
corrects it and hands in; the step page and the run page fit a phone (390 px) and a desktop
(1366 px). Screenshots go to test-artifacts/browser-data-kinerja-*."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright (Python) belum terpasang: pip install -e '.[test]'")

from tests.browser_support import chromium_missing_reason, open_tab, start_portal  # noqa: E402

WAITING = "Data Kinerja Tahun 2026 (menunggu bidang)"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal with the two declared Data Kinerja demo runs."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("data-kinerja-portal"))
    from portal.demo_contoh import create_declared_runs
    from portal.demo_runs import workday_morning
    from portal.extensions import db
    from portal.models import User

    with portal.app.test_request_context(base_url=portal.url):
        definition = portal.app.extensions["portal_plugins"].definition("pengumpulan_data_kinerja_tanjabbar")
        kadis = db.session.scalar(db.select(User).where(User.username == "kadis"))
        create_declared_runs(definition, kadis, set(), workday_morning(2))
        db.session.remove()
    yield portal
    portal.stop()


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_bidang_fills_its_own_indicators(chromium, live):
    context, web, problems = open_tab(chromium, live, {"width": 1366, "height": 900})
    page = web.page
    try:
        web.login("bidang3")
        task_id = web.open_task_from_inbox(WAITING, 3)
        table = page.locator("#formulir-data_kinerja table.form-table")
        indicators = [table.locator(f"[name='baris-{i}-indikator']").input_value() for i in range(table.locator("tbody tr").count())]
        assert indicators == ["Indeks Kepuasan Masyarakat (IKM) pelayanan perizinan", "Rata-rata waktu penyelesaian perizinan"]
        no_sideways_scroll(page, 1366)
        web.shot("data-kinerja-1366-langkah3")

        page.locator("[name='baris-0-realisasi_tw1']").fill("delapan puluh")
        web.press("Selesaikan", expect_status=400)
        error = page.locator("#baris-0-realisasi_tw1-err")
        assert "bukan angka" in error.inner_text()
        assert page.locator("[name='baris-0-realisasi_tw1']").input_value() == "delapan puluh"  # typed text kept
        web.shot("data-kinerja-1366-langkah3-salah")

        page.locator("[name='baris-0-realisasi_tw1']").fill("80,5")
        web.press("Selesaikan")
        assert "Langkah diselesaikan." in web.flashes()
        assert web.path.startswith("/pelaksanaan/")
        no_sideways_scroll(page, 1366)
        web.shot("data-kinerja-1366-pelaksanaan")
        web.goto(f"/tugas/{task_id}")
        assert "80,5" in page.locator("main").inner_text()
        assert not problems.messages and not live.errors.messages, problems.messages + live.errors.messages
    finally:
        context.close()


def test_phone_step_and_run_pages_fit(chromium, live):
    context, web, problems = open_tab(chromium, live, {"width": 390, "height": 844})
    page = web.page
    try:
        web.login("bidang1")
        web.open_task_from_inbox(WAITING, 3)
        assert page.locator("[name='baris-0-indikator']").input_value() == "Jumlah kegiatan promosi dan kerja sama investasi"
        assert page.locator("[name='baris-1-indikator']").count() == 0
        no_sideways_scroll(page, 390)
        web.shot("data-kinerja-390-langkah3")
        page.get_by_role("link", name=WAITING, exact=True).first.click()
        page.wait_for_load_state()
        no_sideways_scroll(page, 390)
        web.shot("data-kinerja-390-pelaksanaan")
        assert not problems.messages and not live.errors.messages, problems.messages + live.errors.messages
    finally:
        context.close()
