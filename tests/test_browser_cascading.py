"""Cascading main path in Chromium: on the demo run waiting on two bidang, a bidang adds a
program inside its own branch with HTMX and hands in; the last bidang hands in; the
planning team's step 5 opens with the merged tree and the run page draws the diagram.
Screens at 1366 and 390 px, none scrolling sideways."""
import pytest

from tests.browser_support import Browser, PageProblems, artifacts_dir, chromium_missing_reason, start_portal

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

JUDUL = "Cascading Tahun 2027 (menunggu dua bidang)"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    portal = start_portal(tmp_path_factory.mktemp("cascading-portal"))
    from portal.demo import load_demo

    with portal.app.test_request_context(base_url=portal.url):
        load_demo(with_runs=True, sops={"cascading_jabar"})
    yield portal
    portal.stop()


def ids(live):
    from portal.extensions import db
    from portal.models import Run, Task, Unit

    with live.app.test_request_context(base_url=live.url):
        run = db.session.scalar(db.select(Run).where(Run.judul == JUDUL))
        tasks = {t.unit.kode: t.id for t in db.session.scalars(db.select(Task).where(
            Task.run_id == run.id, Task.status == "terbuka").join(Unit, Unit.id == Task.unit_id))}
        step5 = db.session.scalar(db.select(Task.id).where(Task.run_id == run.id, Task.step_no == 5))
        db.session.remove()
        return run.id, tasks, step5


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_bidang_fill_their_branches_and_the_join_sees_the_merged_tree(chromium, live):
    run_id, tasks, _ = ids(live)
    assert set(tasks) == {"bidang_pengendalian", "bidang_pelayanan"}
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    web = Browser(page, live.url, artifacts_dir())
    web.login("bidang2")
    web.goto(f"/tugas/{tasks['bidang_pengendalian']}")
    form = page.locator("#step-form")
    assert "Anda mengisi cabang Bidang Pengendalian" in form.inner_text()
    assert form.locator("input[value='Meningkatnya realisasi investasi']").count() == 0  # another bidang's branch
    assert form.locator("button[value='tambah:simpul']").count() == 0
    program = form.locator("fieldset.tree-node.depth-1")
    before = program.count()
    form.locator("fieldset.tree-node.depth-0 button[value^='anak:']").first.click()  # + Program (HTMX)
    page.wait_for_function(f"document.querySelectorAll('#step-form fieldset.tree-node.depth-1').length > {before}")
    new = form.locator("fieldset.tree-node.depth-1").last
    new.locator("textarea[name$='-program-uraian']").fill("Program Fasilitasi Penyelesaian Masalah Investasi")
    new.locator("input[name$='-program-indikator']").fill("Persentase masalah investasi yang diselesaikan")
    new.locator("input[name$='-program-target']").fill("80")
    new.locator("input[name$='-program-satuan']").fill("persen")
    web.shot("cascading-1366-langkah4")
    with page.expect_navigation():
        page.get_by_role("button", name="Selesaikan", exact=True).click()
    assert web.path == f"/pelaksanaan/{run_id}", web.path
    phone = chromium.new_context(viewport={"width": 390, "height": 900}, locale="id-ID").new_page()
    mobile = Browser(phone, live.url, artifacts_dir())
    mobile.login("bidang3")
    mobile.goto(f"/tugas/{tasks['bidang_pelayanan']}")
    mobile.shot("cascading-390-langkah4")
    no_sideways_scroll(phone, 390)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Selesaikan", exact=True).click()
    _, _, step5 = ids(live)
    web.logout()
    web.login("perencana")
    web.goto(f"/tugas/{step5}")
    merged = page.locator("#step-form")
    assert merged.locator("textarea", has_text="Program Fasilitasi Penyelesaian Masalah Investasi").count() == 1
    assert merged.locator("input[value='Meningkatnya realisasi investasi']").count() == 1
    web.shot("cascading-1366-langkah5")
    web.goto(f"/pelaksanaan/{run_id}")
    assert page.locator("svg.tree-diagram .tree-box").count() >= 12
    web.shot("cascading-1366-pelaksanaan")
    mobile.goto(f"/pelaksanaan/{run_id}")
    mobile.shot("cascading-390-pelaksanaan")
    no_sideways_scroll(phone, 390)
    assert problems.messages == []
    context.close()
