"""A phone (390 px) and a desktop (1366 px) in Chromium: no page scrolls sideways, the menu folds."""
import pytest

from tests.browser_support import Browser, PageProblems, artifacts_dir, chromium_missing_reason, launch_chromium, start_portal

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def demo_live(tmp_path_factory):
    """The portal with the demo runs (a finished one with its receipt, open and overdue ones)."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    live = start_portal(tmp_path_factory.mktemp("mobile-portal"))
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.models import Receipt, Run, Task

    with live.app.test_request_context(base_url=live.url):
        load_demo(with_runs=True, sops={"pk_jabar"})
        pages = {
            "dasbor": "/dasbor", "tugas": "/tugas",
            "langkah": f"/tugas/{db.session.scalar(db.select(Task.id).join(Run, Run.id == Task.run_id).where(Task.status == 'terbuka', Task.step_no == 3, Run.sop_kode == 'pk', Task.role_key == 'tim_perencanaan').order_by(Task.id))}",
            "pelaksanaan": f"/pelaksanaan/{db.session.scalar(db.select(Run.id).where(Run.status == 'selesai'))}",
            "verifikasi": f"/verifikasi/{db.session.scalar(db.select(Receipt.token))}",
            "arsip": "/arsip", "sop": "/sop/pk_jabar", "daftar": "/pelaksanaan", "daftar-sop": "/sop", "panduan": "/panduan",
        }
        db.session.remove()
    live.pages = pages
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser(demo_live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_no_page_scrolls_sideways(browser, demo_live, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    web = Browser(page, demo_live.url, artifacts_dir())
    web.login("perencana")
    wide = {}
    for name, path in demo_live.pages.items():
        response = web.goto(path)
        assert response.status == 200, (name, path, response.status)
        web.shot(f"{width}-{name}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[name] = scroll
    context.close()
    assert wide == {}, f"halaman lebih lebar dari {width} px: {wide}"
    assert not problems.messages, problems.messages


def test_phone_menu_folds_and_opens(browser, demo_live):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="id-ID")
    page = context.new_page()
    web = Browser(page, demo_live.url, artifacts_dir())
    web.goto("/masuk")
    page.get_by_label("Nama pengguna").fill("perencana")
    page.get_by_label("Kata sandi").fill("sakip2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    nav = page.locator("#mainnav")
    assert not nav.is_visible()
    assert page.locator("header").bounding_box()["height"] < 70
    page.get_by_text("☰ Menu").click()
    assert nav.is_visible() and nav.get_by_role("link", name="Arsip").is_visible()
    assert nav.get_by_role("link", name="Panduan").is_visible()
    with page.expect_navigation():
        nav.get_by_role("link", name="Panduan").click()
    assert "Panduan singkat SOP Portal" in page.locator("main").inner_text()
    context.close()


def test_dashboard_counts_fit_a_phone(browser, demo_live):
    """Each SOP's counts on the Dasbor show on a phone, not cut off inside a scrolling table."""
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="id-ID")
    page = context.new_page()
    web = Browser(page, demo_live.url, artifacts_dir())
    web.login("perencana")
    web.goto("/dasbor")
    cells = page.locator(".panel td")
    assert cells.count() >= 4
    rightmost = page.evaluate("Math.max(...[...document.querySelectorAll('.panel td')]"
                              ".map(td => td.getBoundingClientRect().right))")
    assert rightmost <= 390, rightmost
    context.close()
