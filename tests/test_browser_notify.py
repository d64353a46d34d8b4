"""Browser test of issue 10: a task arrives and the bell count rises without reloading the page."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright (Python) belum terpasang: pip install -e '.[test]'")

from browser_support import (  # noqa: E402
    VIEWPORT, chromium_missing_reason, open_tab, start_portal,
)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal served on 127.0.0.1 (SQLite, demo organisation), the bell polled every second."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("browser-notify"))
    portal.app.config["NOTIFY_POLL_SECONDS"] = 1
    yield portal
    portal.stop()



def tab(chromium, live, viewport=VIEWPORT):
    """A fresh profile and tab; returns (context, browser helper, problems)."""
    return open_tab(chromium, live, viewport)


def test_bell_count_rises_without_reload_and_list_marks_read(chromium, live):
    from playwright.sync_api import expect

    holder_ctx, holder, holder_problems = tab(chromium, live)
    head_ctx, head, _ = tab(chromium, live)
    try:
        holder.login("perencana")
        holder.goto("/tugas")
        bell = holder.page.locator("#notif-bell [data-testid=notif-count]")
        expect(bell).to_have_text("0")
        holder.page.evaluate("window.__marker = 'same page'")

        head.login("kadis")
        head.goto("/pelaksanaan/baru/pk_jabar")
        head.page.get_by_label("Judul").fill("PK lonceng")
        with head.page.expect_navigation():
            head.page.get_by_role("button", name="Mulai", exact=True).click()
        head.open_task_from_inbox("PK lonceng", 1)
        head.fill_disposition()
        head.press("Selesaikan")
        assert "Langkah diselesaikan." in head.flashes()

        expect(bell).to_have_text("1")  # polled through htmx: no reload
        assert holder.page.evaluate("window.__marker") == "same page"
        holder.shot("notify-bell")
        holder.page.locator("#notif-bell").click()
        holder.page.wait_for_url("**/notifikasi")
        item = holder.page.locator(".notif.unread")
        assert item.count() == 1 and "Langkah 2" in item.inner_text()
        holder.shot("notify-list")
        item.get_by_role("button").first.click()
        holder.page.wait_for_url("**/tugas/*")
        expect(holder.page.locator("#notif-bell [data-testid=notif-count]")).to_have_text("0")
        assert not holder_problems.messages
    finally:
        holder_ctx.close()
        head_ctx.close()


def test_notification_pages_on_a_phone(chromium, live):
    context, web, problems = tab(chromium, live, viewport={"width": 390, "height": 844})
    try:
        web.login("perencana")
        web.goto("/notifikasi")
        assert web.page.locator("#notif-bell").is_visible()
        width = web.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, width
        web.shot("notify-list-phone")
        web.goto("/notifikasi/pengaturan")
        web.shot("notify-preferences-phone")
        assert not problems.messages
    finally:
        context.close()
