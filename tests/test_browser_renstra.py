"""Renstra and Renja in Chromium (main path), at 1366 px and on a 390 px phone: the staff
types the Renstra matrix (a wrong period is refused beside the field, then corrected);
the demo Renja 2026 opens prefilled from the demo Renstra 2025-2029 and is completed
after typing the lokasi. Screenshots go to test-artifacts/."""
import re

import pytest

from tests.browser_support import Browser, PageProblems, artifacts_dir, chromium_missing_reason, open_tab, start_portal

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal with the demo runs, plus a Renstra 2030-2034 waiting at step 6."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    live = start_portal(tmp_path_factory.mktemp("renstra-portal"))
    from portal import runner
    from portal.demo import load_demo
    from portal.demo_runs import step_once
    from portal.extensions import db
    from portal.models import Task, User

    with live.app.test_request_context(base_url=live.url):
        load_demo(with_runs=True, sops={"renstra_tanjabbar", "renja_tanjabbar"})
        kadis = db.session.scalar(db.select(User).where(User.username == "kadis"))
        definition = live.app.extensions["portal_plugins"].definition("renstra_tanjabbar")
        run = runner.start_run(definition, kadis, judul="Renstra 2030-2034 (uji peramban)", tahun=2029, unit_id=kadis.unit_id)
        for _ in range(10):
            if db.session.scalar(db.select(Task.step_no).where(Task.run_id == run.id, Task.status == "terbuka")) == 6:
                break
            step_once(run, runner.utcnow())
        db.session.commit()
        db.session.remove()
    yield live
    live.stop()


def _no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


RENSTRA_FIELDS = {
    "periode_awal": "2030", "periode_akhir": "2035", "visi": "Investasi yang tumbuh dan pelayanan yang prima",
    "misi": "Meningkatkan kualitas pelayanan perizinan", "tujuan": "Meningkatkan realisasi penanaman modal",
    "sasaran-0-sasaran": "Meningkatnya realisasi investasi", "sasaran-0-indikator": "Nilai realisasi investasi",
    "sasaran-0-satuan": "Rp miliar", "sasaran-0-baseline": "1.100", "sasaran-0-kondisi_akhir": "1.400",
    **{f"sasaran-0-target_{i}": str(1100 + 60 * i) for i in range(1, 6)},
    "program-0-kode": "2.18.03", "program-0-program": "Program Promosi Penanaman Modal",
    "program-0-indikator": "Jumlah kegiatan promosi", "program-0-satuan": "kegiatan", "program-0-kondisi_akhir_target": "30",
    **{f"program-0-target_{i}": str(5 + i) for i in range(1, 6)},
    **{f"program-0-pagu_{i}": f"{500 + 25 * i}.000.000" for i in range(1, 6)},
}


@pytest.mark.parametrize("width", [390, 1366])
def test_renstra_matrix_typed_in_the_browser(chromium, live, width):
    context, web, problems = open_tab(chromium, live, {"width": width, "height": 900})
    page = web.page
    web.login("stafppmep")
    web.open_task_from_inbox("Renstra 2030-2034 (uji peramban)", 6)
    if width == 390:  # the phone looks at the empty step page; the desktop pass completes it
        web.shot("renstra-step6-390")
        _no_sideways_scroll(page, width)
        assert not problems.messages
        context.close()
        return
    for name, value in RENSTRA_FIELDS.items():
        page.fill(f'[name="{name}"]', value)
    page.select_option('[name="sasaran-0-arah"]', "naik")
    page.select_option('[name="program-0-jenis"]', "Program")
    page.get_by_role("button", name="Selesaikan").click()
    error = page.locator("#periode_akhir-err")
    error.wait_for()
    assert "tahun akhir harus 2034" in error.inner_text()
    web.shot("renstra-step6-refused-1366")
    page.fill('[name="periode_akhir"]', "2034")
    with page.expect_navigation(url=re.compile(r"/pelaksanaan/\d+$")):
        page.get_by_role("button", name="Selesaikan").click()
    assert "Langkah diselesaikan." in web.flashes()
    assert "Program Promosi Penanaman Modal" in page.content()
    web.shot("renstra-run-1366")
    assert not problems.messages and not live.errors.messages
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_renja_prefilled_from_the_renstra_then_completed(chromium, live, width):
    context, web, problems = open_tab(chromium, live, {"width": width, "height": 900})
    page = web.page
    web.login("stafppmep")
    judul = "Renja Tahun 2026 (draf diketik, diisi awal dari Renstra 2025–2029)"
    web.open_task_from_inbox(judul, 6)
    prefill = page.locator(".column-prefill")
    assert "Renstra DPMPTSP Tanjung Jabung Barat 2025–2029" in prefill.inner_text()
    assert "periode 2025–2029" in prefill.inner_text()
    assert page.input_value('[name="baris-1-pagu"]') == "91.500.000"
    web.shot(f"renja-step6-{width}")
    _no_sideways_scroll(page, width)
    if width == 1366:
        for row in range(5):
            page.fill(f'[name="baris-{row}-lokasi"]', "Kabupaten Tanjung Jabung Barat")
        with page.expect_navigation(url=re.compile(r"/pelaksanaan/\d+$")):
            page.get_by_role("button", name="Selesaikan").click()
        assert "Langkah diselesaikan." in web.flashes()
        web.shot("renja-run-1366")
    assert not problems.messages and not live.errors.messages
    context.close()
