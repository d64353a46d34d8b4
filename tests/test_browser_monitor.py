"""Browser tests of issue 9 in Chromium: the SOP page's flowchart and PDF link, the SOP book
made in the background with its progress polled by htmx, and the Pemantauan on a phone."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright (Python) belum terpasang: pip install -e '.[test]'")

from browser_support import (  # noqa: E402
    VIEWPORT, chromium_missing_reason, open_tab, pdf_text, start_portal,
)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal served on 127.0.0.1 (SQLite, demo organisation without runs)."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("browser-monitor"))
    yield portal
    portal.stop()



def tab(chromium, live, viewport=VIEWPORT):
    """A fresh profile and tab; returns (context, browser helper, problems)."""
    return open_tab(chromium, live, viewport)


def test_sop_page_flowchart_and_book_in_background(chromium, live):
    context, web, problems = tab(chromium, live)
    try:
        web.login("perencana")
        web.goto("/sop/pk_jabar")
        chart = web.page.locator("#flowchart svg.sop-flowchart")
        assert chart.count() == 1 and chart.locator("g.symbol").count() == 9
        assert chart.bounding_box()["width"] > 1000
        with web.page.expect_download() as download:
            web.page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
                              "document.body.appendChild(a); a.click(); }", "/sop/pk_jabar/dokumen.pdf")
        assert "Nomor SOP" in pdf_text(open(download.value.path(), "rb").read())
        web.page.get_by_role("link", name="Buku SOP").first.click()
        web.page.get_by_role("button", name="Buat Buku SOP").click()
        link = web.page.get_by_role("link", name="Unduh Buku SOP (PDF)")
        link.wait_for(timeout=60000)  # appears through the htmx polling, without a reload
        web.shot("buku-sop")
        with web.page.expect_download() as download:
            link.click()
        text = pdf_text(open(download.value.path(), "rb").read())
        assert "BUKU STANDAR OPERASIONAL PROSEDUR" in text and "Daftar Isi" in text
        assert not problems.messages and not live.errors.messages, problems.messages + live.errors.messages
    finally:
        context.close()


def test_overview_on_a_phone(chromium, live):
    from portal.demo_runs import create_demo_runs
    from portal.extensions import db
    from portal.models import Unit, User

    with live.app.test_request_context():
        create_demo_runs({u.username: u for u in db.session.scalars(db.select(User))},
                         {u.kode: u for u in db.session.scalars(db.select(Unit))}, {"pk_jabar"})
        db.session.remove()
    context, web, problems = tab(chromium, live, viewport={"width": 390, "height": 844})
    try:
        web.login("kadis")
        web.page.get_by_text("☰ Menu").click()  # the menu folds away on a phone
        web.page.get_by_role("link", name="Pemantauan").click()
        first = web.page.locator("#overview tbody tr").first
        assert "(terlambat)" in first.inner_text() and "Terlambat" in first.inner_text()
        assert web.page.evaluate("document.documentElement.scrollWidth") <= 390
        web.shot("pemantauan-390")
        first.get_by_role("link").click()
        assert "Sekarang di langkah 3 dari 9" in web.page.locator("#run-now").inner_text()
        assert web.page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not problems.messages and not live.errors.messages, problems.messages + live.errors.messages
    finally:
        context.close()
