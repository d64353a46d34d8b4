"""The LKjIP capaian step in Chromium: a run of the demo year at step 3 shows the table prefilled
and the rule in use; a zero target is explained beside its cell after an HTMX row edit;
the form fits a phone (390 px) without sideways scrolling; completing it lands on the run
page with the status colours."""
import pytest

from tests.browser_support import Browser, PageProblems, artifacts_dir, chromium_missing_reason, start_portal

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
JUDUL = "LKjIP Tahun 2026 (uji peramban)"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal with the demo runs and an LKjIP of 2026 at step 3."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("lkjip-portal"))
    from portal.demo import load_demo
    from portal.extensions import db

    from portal import runner
    from portal.demo_runs import step_once
    from portal.models import Run, User

    with portal.app.test_request_context(base_url=portal.url):
        load_demo(with_runs=True, sops={"pk_jabar", "iku_tanjabbar", "renstra_tanjabbar", "pengumpulan_data_kinerja_tanjabbar", "lakip_tanjabbar", "lkjip_tanjabbar"})
        kadis = db.session.scalar(db.select(User).where(User.username == "kadis"))
        definition = portal.app.extensions["portal_plugins"].definition("lkjip_tanjabbar")
        run = runner.start_run(definition, kadis, judul=JUDUL, tahun=2026, unit_id=kadis.unit_id)
        db.session.commit()
        for _ in range(2):  # the Kepala Dinas' disposition and the Sekretaris' order
            step_once(db.session.get(Run, run.id), runner.utcnow())
            db.session.commit()
        db.session.remove()
    yield portal
    portal.stop()


def test_capaian_step_in_the_browser(chromium, live):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    web = Browser(page, live.url, artifacts_dir())
    web.login("stafppmep")
    task_id = web.open_task_from_inbox(JUDUL, 3)
    form = page.locator("#formulir-capaian")
    assert "diisi awal dari" in form.inner_text() and "CAPAIAN_RUMUS_TURUN = rasio" in form.inner_text()
    rows = form.locator("tbody tr")
    assert rows.count() >= 1 and page.locator("input[name='baris-0-indikator']").input_value() != ""
    for i in range(rows.count()):
        page.select_option(f"select[name='baris-{i}-arah']", "naik")
        page.fill(f"input[name='baris-{i}-satuan']", page.locator(f"input[name='baris-{i}-satuan']").input_value() or "%")
        page.fill(f"input[name='baris-{i}-target']", "80")
        page.fill(f"input[name='baris-{i}-realisasi']", "60")
    page.fill("input[name='baris-0-target']", "0")
    count = rows.count()
    page.get_by_role("button", name="+ Tambah baris").click()  # HTMX re-render keeps what was typed
    page.wait_for_selector(f"input[name='baris-{count}-indikator']")
    first = form.locator("tbody tr").first
    assert "Target 0: capaian tidak dapat dihitung" in first.inner_text()
    if count > 1:
        assert "75 (kuning)" in form.locator("tbody tr").nth(1).inner_text()
    web.shot("lkjip-capaian-1366")
    page.set_viewport_size({"width": 390, "height": 900})
    web.shot("lkjip-capaian-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 900})
    assert "diisi awal dari" in form.inner_text()  # the sources stay named after an edit
    with page.expect_navigation():  # the spare empty row does not block sending (the server ignores it)
        page.get_by_role("button", name="Selesaikan", exact=True).click()
    assert web.path.startswith("/pelaksanaan/"), web.path
    assert page.locator("td.capaian-kuning").count() >= 1 and "(kuning)" in page.content()
    web.shot("lkjip-run-1366")
    assert problems.messages == [] and live.errors.messages == []
    context.close()
    assert task_id
