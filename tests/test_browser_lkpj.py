"""LKPJ in Chromium, main path: the Tim Perencanaan opens the drafting step, finds the capaian
table prefilled from the year's PK (source named), types a bad target (refused beside the
cell), fixes it; the Sekretaris and the Kepala Dinas approve; the hand-over to Bappeda; the
landscape recap holds the values. The SOP page says the steps are drafted. Screenshots at
1366 and 390 px (no sideways scrolling) go to test-artifacts/browser-lkpj-*."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright (Python) belum terpasang: pip install -e '.[test]'")

from tests.browser_support import chromium_missing_reason, open_tab, pdf_text, start_portal  # noqa: E402

JUDUL = "LKPJ Tahun 2027 (uji peramban)"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal with a finished PK BKPSDM 2027 and an LKPJ 2027 run at step 4."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("browser-lkpj"))
    from portal import runner
    from portal.demo_runs import step_once
    from portal.extensions import db
    from portal.models import User
    from tests.test_pk_bkpsdm import AGREEMENT

    with portal.app.test_request_context(base_url=portal.url):
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        registry = portal.app.extensions["portal_plugins"]
        pk = runner.start_run(registry.definition("pk_bkpsdm"), users["kasubbag"], judul="PK BKPSDM 2027",
                              tahun=2027, unit_id=users["kasubbag"].unit_id)
        while pk.status == "berjalan":
            step_once(pk, runner.utcnow(), form_values={"perjanjian_kinerja": AGREEMENT})
        lkpj = runner.start_run(registry.definition("lkpj_jabar"), users["kadis"], judul=JUDUL, tahun=2027,
                                unit_id=users["kadis"].unit_id)
        for _ in range(3):
            step_once(lkpj, runner.utcnow())
        db.session.commit()
        portal.pk_run = pk.id
        db.session.remove()
    yield portal
    portal.stop()


def _no_sideways(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_lkpj_main_path_in_the_browser(chromium, live):
    context, web, problems = open_tab(chromium, live, {"width": 1366, "height": 900})
    page = web.page
    try:
        web.login("perencana")
        web.goto("/sop/lkpj_jabar")
        assert "disusun berdasarkan SOP sejenis" in page.locator("#langkah-dirancang").inner_text()
        web.shot("lkpj-sop-1366")
        _no_sideways(page, 1366)

        web.open_task_from_inbox(JUDUL, 4)
        form = page.locator("#step-form")
        assert form.locator("[name='baris-0-indikator']").input_value() == "Persentase ASN yang memenuhi standar kompetensi"
        assert form.locator("[name='baris-0-target']").input_value() == "87,5"
        assert page.get_by_role("link", name="PK BKPSDM 2027").count() >= 1  # the source run, named and linked
        values = {"urusan": "Penanaman Modal", "program": "Program Pelayanan Penanaman Modal",
                  "kegiatan": "Pelayanan Perizinan Berusaha", "target": "delapan", "realisasi": "92",
                  "alokasi": "1.250.000.000", "realisasi_anggaran": "1.125.000.000",
                  "permasalahan": "Sistem OSS sering gangguan", "tindak_lanjut": "Rekomendasi DPRD Nomor 12 ditindaklanjuti"}
        for key, value in values.items():
            form.locator(f"[name='baris-0-{key}']").fill(value)
        form.locator("[name='baris-0-arah']").select_option("naik")
        web.press("Selesaikan", expect_status=400)
        assert "bukan angka" in page.locator("#baris-0-target-err").inner_text()
        web.shot("lkpj-langkah4-galat-1366")
        form.locator("[name='baris-0-target']").fill("87,5")
        web.press("Selesaikan")
        assert "Langkah diselesaikan." in web.flashes()
        web.logout()

        for user, step in (("sekretaris", 5), ("kadis", 6)):
            web.login(user)
            web.open_task_from_inbox(JUDUL, step)
            web.press("Setujui")
            web.logout()

        web.login("perencana")
        web.open_task_from_inbox(JUDUL, 7)
        receiver = page.locator("select#penerima option").filter(has_text="Nia Kurniasih")
        page.locator("select#penerima").select_option(value=receiver.get_attribute("value"))
        web.press("Selesaikan")
        assert web.meta("Status") == "Berjalan"  # the tanda terima waits for the receiver (issue 10)
        web.logout()
        web.login("bappeda")  # Bappeda confirms the receipt from Tugas Saya
        web.goto("/tugas")
        row = page.locator("#tasks tbody tr").filter(has_text="Konfirmasi penerimaan") \
            .filter(has=page.get_by_role("link", name=JUDUL, exact=True))
        assert row.count() == 1, "tugas konfirmasi penerimaan tidak ada di Tugas Saya Bappeda"
        with page.expect_navigation():
            row.locator("a[href^='/tugas/']").click()
        web.press("Konfirmasi penerimaan")
        run_path = web.path
        web.logout()
        web.login("perencana")
        web.goto(run_path)
        assert web.meta("Status") == "Selesai"
        web.shot("lkpj-selesai-1366")
        row = page.locator("#documents tbody tr").filter(has_text="Rekapitulasi LKPJ")
        with page.expect_download() as info:
            row.get_by_role("link").first.click()
        text = " ".join(pdf_text(open(info.value.path(), "rb").read()).split())
        for value in ("LKPJ) TAHUN 2027", "Program Pelayanan Penanaman Modal", "105,14", "1.125.000.000",
                      "Rekomendasi DPRD Nomor 12 ditindaklanjuti"):
            assert value in text, value
        run_path = web.path
        web.logout()
    finally:
        context.close()
    assert not problems.messages, problems.messages

    # A phone: the SOP page, the run page and the step form stay inside the screen width.
    context, web, problems = open_tab(chromium, live, {"width": 390, "height": 844})
    try:
        web.login("perencana")
        for name, path in (("sop", "/sop/lkpj_jabar"), ("pelaksanaan", run_path), ("sop-pk-bkpsdm", "/sop/pk_bkpsdm")):
            web.goto(path)
            web.shot(f"lkpj-{name}-390")
            _no_sideways(web.page, 390)
    finally:
        context.close()
    assert not problems.messages, problems.messages
    assert not live.errors.messages, live.errors.messages
