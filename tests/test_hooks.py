"""Every hook of portal/hookspecs.py: documented in docs/plugins.md and tested here (a
``test_hook_<name>`` per hook), as Datasette does. Adding a hook without both fails."""
import inspect
import io
import re
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal import create_app, hookspecs
from portal.extensions import db
from portal.models import Run, Task
from tests.helpers import advance, form_payload, open_tasks, start_pk
from tests.test_runner import complete, login

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("portal_"))

KAIT_TOML = """
[identitas]
id = "kait_uji"
kode = "kait"
versi = "1"
nomor = "1/KAIT/2026"
agency = "Dinas Uji"
nama = "SOP Uji Kait"
[pelaksana]
kepala_dinas = "Kepala Dinas"
[[langkah]]
no = 1
kegiatan = "Mengisi formulir khusus"
pelaksana = "kepala_dinas"
waktu = "30 menit"
output = "Isian"
formulir = "khusus"
[[langkah]]
no = 2
kegiatan = "Menutup"
pelaksana = "kepala_dinas"
waktu = "30 menit"
output = "Selesai"
"""

KAIT_INIT = '''
from pathlib import Path

from flask import Blueprint

from portal.plugin_api import (CustomForm, OutputDocument, Panel, hookimpl, load_run, login_required,
                               render_page)

HERE = Path(__file__).parent
bp = Blueprint("kait", __name__)


@bp.route("/ringkas/<int:run_id>")
@login_required
def ringkas(run_id):
    run = load_run(run_id)
    return f"ringkas {run.judul}"


def parse(form):
    nilai = (form.get("nilai") or "").strip()
    return {"nilai": nilai}, ([] if nilai else ["Nilai khusus wajib diisi."])


@hookimpl
def portal_sop_definitions():
    return [HERE / "sop.toml"]


@hookimpl
def portal_template_folder():
    return HERE / "templates"


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_links(user):
    return [("Menu Kait", "/p/kait/ringkas/0")]


@hookimpl
def portal_dashboard_panels(user):
    return [Panel("Panel Kait", "kait/panel.html", {"nama": user.nama})]


@hookimpl
def portal_run_panels(run, user):
    return [Panel("Panel Run Kait", "kait/panel.html", {"nama": run.judul})]


@hookimpl
def portal_step_form(definition, step):
    if step.form == "khusus":
        return CustomForm(template="kait/form.html", parse=parse, summary_template="kait/summary.html")


@hookimpl
def portal_run_documents(definition, run):
    return [("kait", "Dokumen Kait")] if definition.kode == "kait" else []


@hookimpl
def portal_render_document(definition, run, kind):
    if kind == "kait":
        return OutputDocument(filename="kait.pdf", title="Kait", html="<html><body><p>Dokumen kait " + run.judul + "</p></body></html>")
'''


@pytest.fixture
def kait(app, demo, tmp_path):
    """A second app on the same database with the drop-in plugin ``kait`` using every optional hook."""
    folder = tmp_path / "dropin" / "kait"
    (folder / "templates").mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(KAIT_TOML), encoding="utf-8")
    (folder / "__init__.py").write_text(KAIT_INIT, encoding="utf-8")
    (folder / "templates" / "panel.html").write_text("<p class='kait-panel'>Halo {{ nama }}</p>")
    (folder / "templates" / "form.html").write_text(
        "<input name='nilai' value='{{ form_data.nilai or \"\" }}'>{% for e in errors %}<p>{{ e }}</p>{% endfor %}")
    (folder / "templates" / "summary.html").write_text("<p class='kait-summary'>Nilai: {{ data.nilai }}</p>")
    other = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(tmp_path / "dropin")))
    assert other.extensions["portal_plugins"].problems == []
    return other


def start_kait(kait_app, demo, judul="Kait uji"):
    from portal import runner

    with kait_app.test_request_context():
        definition = kait_app.extensions["portal_plugins"].definition("kait_uji")
        run = runner.start_run(definition, db.session.merge(demo["kadis"]), judul=judul, tahun=2026, unit_id=None)
        db.session.commit()
        return run.id


# --- the contract itself ----------------------------------------------------------------

def test_every_hook_is_documented_and_tested():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### (portal_\w+)\s*$", docs, flags=re.M))
    assert documented == set(HOOKS), f"docs/plugins.md: missing {set(HOOKS) - documented}, unknown {documented - set(HOOKS)}"
    tested = {name[len("test_hook_"):] for name in globals() if name.startswith("test_hook_")}
    assert set(HOOKS) <= tested, f"untested hooks: {set(HOOKS) - tested}"
    for name in HOOKS:
        assert inspect.getdoc(getattr(hookspecs, name)), f"{name} has no docstring"


# --- one test per hook --------------------------------------------------------------------

def test_hook_portal_sop_definitions(kait):
    registry = kait.extensions["portal_plugins"]
    assert {"kait_uji", "pk_jabar"} <= set(registry.definitions)
    assert registry.definition("kait_uji").plugin == "kait"


def test_hook_portal_template_folder(kait):
    with kait.app_context():
        assert "Halo" in kait.jinja_env.get_template("kait/panel.html").render(nama="x")
        assert kait.jinja_env.get_template("pk/dokumen_pk.html")


def test_hook_portal_static_folder(app, tmp_path):
    class Styled:
        @hookspecs.hookimpl
        def portal_static_folder(self):
            return str(tmp_path)

    pm = app.extensions["portal_plugins"].pm
    pm.register(Styled(), name="bergaya")
    assert str(tmp_path) in pm.hook.portal_static_folder()


def test_hook_portal_blueprints(kait, demo):
    run_id = start_kait(kait, demo)
    web = kait.test_client()
    assert web.get(f"/p/kait/ringkas/{run_id}").status_code == 302  # login first
    login(web, "kadis")
    ok = web.get(f"/p/kait/ringkas/{run_id}")
    assert ok.status_code == 200 and b"ringkas Kait uji" in ok.data
    web.post("/keluar")
    login(web, "bappeda")  # holds no role of the SOP: the core's access helper refuses
    assert web.get(f"/p/kait/ringkas/{run_id}").status_code == 404


def test_hook_portal_menu_links(kait, demo):
    web = kait.test_client()
    login(web, "kadis")
    assert 'href="/p/kait/ringkas/0">Menu Kait' in web.get("/tugas").get_data(as_text=True)


def test_hook_portal_dashboard_panels(kait, demo):
    start_kait(kait, demo)
    web = kait.test_client()
    login(web, "kadis")
    page = web.get("/dasbor").get_data(as_text=True)
    assert "Panel Kait" in page and "Halo Dr. H. Ahmad Suryana" in page
    assert "Pelaksanaan per SOP" in page and "SOP Uji Kait" in page  # the core's own panel
    web.post("/keluar")
    login(web, "bappeda")  # holds no lane of the SOP: its counts are not shown
    assert "SOP Uji Kait" not in web.get("/dasbor").get_data(as_text=True)


def test_hook_portal_run_panels(kait, demo):
    run_id = start_kait(kait, demo)
    web = kait.test_client()
    login(web, "kadis")
    assert "Halo Kait uji" in web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)


def test_hook_portal_step_form(kait, demo):
    run_id = start_kait(kait, demo)
    web = kait.test_client()
    login(web, "kadis")
    with kait.app_context():
        task = db.session.scalar(select(Task).where(Task.run_id == run_id))
        assert "name='nilai'" in web.get(f"/tugas/{task.id}").get_data(as_text=True)
        refused = complete(web, task, nilai="")
        assert refused.status_code == 400 and "Nilai khusus wajib diisi." in refused.get_data(as_text=True)
        assert complete(web, task, nilai="42").status_code == 303
        db.session.refresh(task)
        assert task.form_data == {"nilai": "42"}
        assert "Nilai: 42" in web.get(f"/tugas/{task.id}").get_data(as_text=True)  # summary template


def test_hook_portal_validate_form(app, demo, client):
    """The PK plugin refuses an agreement whose two parties share one NIP (StepRefused, 400)."""
    run = start_pk(app, demo)
    advance(app, run, until_step=3)
    [task] = open_tasks(run.id)
    login(client, "perencana")
    payload = form_payload(task)
    payload["entri-0-pihak2_nip"] = payload["entri-0-pihak1_nip"]
    refused = complete(client, task, **payload)
    assert refused.status_code == 400
    assert "Perjanjian 1: NIP pihak pertama dan pihak kedua tidak boleh sama." in refused.get_data(as_text=True)
    db.session.refresh(task)
    assert task.status == "terbuka" and task.form_data is None


def test_hook_portal_run_documents(kait, demo):
    run_id = start_kait(kait, demo)
    web = kait.test_client()
    login(web, "kadis")
    assert f"/pelaksanaan/{run_id}/dokumen/kait.pdf" in web.get(f"/pelaksanaan/{run_id}").get_data(as_text=True)


def test_hook_portal_render_document(kait, demo):
    run_id = start_kait(kait, demo)
    web = kait.test_client()
    login(web, "kadis")
    pdf = web.get(f"/pelaksanaan/{run_id}/dokumen/kait.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "Dokumen kait Kait uji" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert web.get(f"/pelaksanaan/{run_id}/dokumen/tidak-ada.pdf").status_code == 404


def test_hook_portal_step_completed(app, demo, client):
    from portal.plugin_api import StepRefused

    calls = []

    class Listener:
        @hookspecs.hookimpl
        def portal_step_completed(self, definition, run, task, outcome, user, details):
            calls.append((task.step_no, outcome, user.username, details["receiver_id"]))
            if task.catatan == "tolak saya":
                raise StepRefused("Catatan ini ditolak plugin.")

    app.extensions["portal_plugins"].pm.register(Listener(), name="pendengar")
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    login(client, "kadis")
    refused = complete(client, task, catatan="tolak saya")
    assert refused.status_code == 400 and "Catatan ini ditolak plugin." in refused.get_data(as_text=True)
    db.session.refresh(task)
    assert task.status == "terbuka"  # raising aborted the completion
    assert complete(client, task, catatan="Segera").status_code == 303
    assert calls[-1] == (1, "selesai", "kadis", None)


def test_hook_portal_run_finished(app, demo, client):
    """Plugins hear the end of a run after the core wrote the records they may read."""
    from portal.plugin_api import records
    from tests.test_records import finish_run

    seen = []

    class Listener:
        @hookspecs.hookimpl
        def portal_run_finished(self, definition, run):
            latest = records.latest("pk", "perjanjian_kinerja", run.tahun)
            seen.append((run.id, latest["run_id"] if latest else None))

    app.extensions["portal_plugins"].pm.register(Listener(), name="pendengar")
    run = finish_run(app, demo, client, judul="PK kait selesai")
    assert seen == [(run.id, run.id)]
    assert db.session.get(Run, run.id).status == "selesai"

def test_hook_portal_notification_channels(app, demo):
    """A plugin channel gets its own outbox rows, delivered by the worker with the step's link."""
    from portal import runner
    from portal.models import OutboxMessage
    from portal.notify import worker

    def _count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    from portal.hookspecs import hookimpl
    from portal.plugin_api import NotificationChannel

    sent = []

    class Gateway(NotificationChannel):
        name, label = "wa", "WhatsApp"

        def address(self, user):
            return "+62-" + user.username

        def send(self, message):
            sent.append((message.recipient, message.subject, message.link))

    class Plugin:
        @hookimpl
        def portal_notification_channels(self):
            return [Gateway()]

    app.extensions["portal_plugins"].pm.register(Plugin())
    run = start_pk(app, demo)
    with app.test_request_context():
        task = open_tasks(run.id)[0]
        runner.complete_task(task.id, demo["kadis"], expected_version=task.version, action="selesai")
        db.session.commit()
    assert _count(OutboxMessage, OutboxMessage.channel == "email") == 0  # MAIL_SERVER not set
    assert worker.run_once("w") == {"terkirim": _count(OutboxMessage, OutboxMessage.channel == "wa")}
    step2 = open_tasks(run.id)[0]
    assert ("+62-perencana", "[SOP Portal] Tugas baru: Langkah 2 — PK uji",
            f"https://sop.dpmptsp.example/tugas/{step2.id}") in sent
