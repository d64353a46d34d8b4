"""Helpers for the browser tests (tests/test_browser.py): a live portal on a temporary
SQLite database served from a background thread, the Chromium launch settings, and a
small page wrapper that logs demo users in and out and walks Tugas Saya like a person.

The browser is the Debian ``chromium`` at /usr/bin/chromium; Playwright never downloads
one. When it is missing the tests skip (the Makefile installs it on a fresh machine).
"""
from __future__ import annotations

import io
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def chromium_missing_reason() -> str | None:
    """None when the Debian Chromium can be used, else why the browser tests skip."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"Chromium tidak ada di {CHROMIUM}: tes peramban dilewati "
                "(jalankan 'make' / 'apt-get install chromium' untuk memasangnya)")
    return None


def launch_chromium(playwright):
    """Launch the system Chromium headless (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)


# --------------------------------------------------------------------------- the live app

class _ErrorLog(logging.Handler):
    """Collects ERROR records of the app logger (unhandled exceptions while serving)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.messages.append(text)


@dataclass
class LivePortal:
    """The app served on 127.0.0.1:<free port>; ``url`` is its base address."""

    app: object
    server: object
    thread: threading.Thread
    url: str
    errors: _ErrorLog

    def stop(self) -> None:
        """Stop serving and release the database."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.logger.removeHandler(self.errors)
        from portal.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def start_portal(tmp: Path) -> LivePortal:
    """Create the app on a migrated temp SQLite file (CSRF on), load the demo
    organisation (no runs) and serve it from a background thread."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.demo import load_demo
    from portal.extensions import db

    plugins = tmp / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'portal.db'}",
        "UPLOAD_DIR": str(tmp / "uploads"), "PORTAL_PLUGINS_DIR": str(plugins),
        "WTF_CSRF_ENABLED": True, "SECRET_KEY": "browser-test-secret", "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    with app.test_request_context(base_url=url):
        load_demo(with_runs=False)
        db.session.remove()
    errors = _ErrorLog()
    app.logger.addHandler(errors)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    return LivePortal(app=app, server=server, thread=thread, url=url, errors=errors)


def run_at_drafting_step(live: LivePortal, judul: str) -> int:
    """Start a PK run directly (no browser) and complete steps 1 and 2 as the demo users;
    returns the id of the open step-3 task (the target table)."""
    from portal import runner
    from portal.extensions import db
    from portal.models import Task, User

    with live.app.test_request_context(base_url=live.url):
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        definition = live.app.extensions["portal_plugins"].definition("pk_jabar")
        run = runner.start_run(definition, users["kadis"], judul=judul, tahun=2027, unit_id=users["kadis"].unit_id)
        db.session.commit()
        for username in ("kadis", "perencana"):
            task = db.session.scalar(db.select(Task).where(Task.run_id == run.id, Task.status == "terbuka"))
            runner.complete_task(task.id, users[username], expected_version=task.version, action="selesai")
            db.session.commit()
        task_id = db.session.scalar(db.select(Task.id).where(Task.run_id == run.id, Task.status == "terbuka"))
        db.session.remove()
    return task_id


# --------------------------------------------------------------------------- files

def make_pdf(title: str, body: str = "") -> bytes:
    """A small real PDF (rendered by the portal's own printer)."""
    from portal.pdf import font_css, render_pdf

    html = (f"<html><head><meta charset='utf-8'><style>{font_css()} body {{ font-family: 'DejaVu Sans'; }}</style>"
            f"</head><body><h1>{title}</h1><p>{body}</p></body></html>")
    return render_pdf(html)


def pdf_text(data: bytes) -> str:
    """All text of a PDF (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def artifacts_dir() -> Path:
    """test-artifacts/ (git-ignored); screenshots overwrite those of earlier runs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --------------------------------------------------------------------------- the page wrapper

@dataclass
class PageProblems:
    """What went wrong in the browser: JS errors, 5xx answers, missing scripts/styles."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("pageerror", lambda exc: self.messages.append(f"JS-fout: {exc}"))

        def on_response(response):
            kind = response.request.resource_type
            if response.status >= 500 or (kind in ("script", "stylesheet", "image", "font") and response.status >= 400):
                self.messages.append(f"{response.status} {kind} {response.url}")

        page.on("response", on_response)


class Browser:
    """One browser tab used by demo users in turn (log in, work, log out)."""

    def __init__(self, page, base_url: str, shots: Path):
        from portal.demo import ADMIN_PASSWORD, DEMO_PASSWORD

        self.page = page
        self.base_url = base_url
        self.shots = shots
        self._passwords = {"admin": ADMIN_PASSWORD}
        self._default_password = DEMO_PASSWORD
        self.user: str | None = None
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)

    # navigation -------------------------------------------------------------------------
    def goto(self, path: str):
        """Open a portal path; returns the response."""
        return self.page.goto(self.base_url + path)

    @property
    def path(self) -> str:
        """The current path (with query)."""
        return self.page.url[len(self.base_url):]

    def shot(self, name: str) -> Path:
        """A full-page screenshot into test-artifacts/browser-<name>.png."""
        target = self.shots / f"browser-{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    # session ----------------------------------------------------------------------------
    def login(self, username: str, password: str | None = None) -> None:
        """Log in through the form; lands on Tugas Saya."""
        page = self.page
        if not page.url.startswith(self.base_url + "/masuk"):
            self.goto("/masuk")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(password or self._passwords.get(username, self._default_password))
        with page.expect_navigation():
            page.get_by_role("button", name="Masuk", exact=True).click()
        assert page.locator("header .who").count() == 1, f"{username} tidak berhasil masuk: {page.url}"
        self.user = username

    def logout(self) -> None:
        """Log out with the Keluar button in the top bar."""
        page = self.page
        with page.expect_navigation():
            page.locator("header .who").get_by_role("button", name="Keluar").click()
        assert self.path.startswith("/masuk"), page.url
        assert "Anda telah keluar." in page.locator(".flashes").inner_text()
        self.user = None

    # reading ----------------------------------------------------------------------------
    def task_count(self) -> int:
        """The number in the Tugas Saya badge."""
        return int(self.page.locator("#task-count").inner_text().strip())

    def flashes(self) -> str:
        """Text of the flash messages on the page ('' when none)."""
        box = self.page.locator(".flashes")
        return box.inner_text() if box.count() else ""

    def meta(self, label: str) -> str:
        """The <dd> after the <dt> named ``label`` in the first dl.meta of the page."""
        return self.page.locator(f"dl.meta dt:text-is('{label}') + dd").first.inner_text().strip()

    def step_row(self, no: int):
        """The row of step ``no`` in the run page's step table."""
        return self.page.locator("#steps tbody tr").nth(no - 1)

    # working ----------------------------------------------------------------------------
    def open_task_from_inbox(self, judul: str, step_no: int) -> int:
        """Open Tugas Saya, find the run's task of ``step_no`` and open it; returns the task id."""
        page = self.page
        self.goto("/tugas")
        row = page.locator("#tasks tbody tr").filter(has=page.get_by_role("link", name=judul, exact=True)) \
            .filter(has=page.locator(f"a[href^='/tugas/']:has(strong:text-is('{step_no}.'))"))
        assert row.count() == 1, f"{self.user}: tugas langkah {step_no} untuk '{judul}' tidak ada di Tugas Saya"
        with page.expect_navigation():
            row.locator("a[href^='/tugas/']").click()
        match = re.fullmatch(r"/tugas/(\d+)", self.path)
        assert match, page.url
        assert page.locator("h1").inner_text().startswith(f"Langkah {step_no}:")
        return int(match.group(1))

    def upload(self, filename: str, data: bytes, mime: str = "application/pdf") -> None:
        """Upload a file on the step page (htmx swaps the step panel) and wait for it to be listed."""
        page = self.page
        page.set_input_files("#berkas", files=[{"name": filename, "mimeType": mime, "buffer": data}])
        with page.expect_response(lambda r: r.url.endswith("/unggah") and r.request.method == "POST") as info:
            page.get_by_role("button", name="Unggah", exact=True).click()
        assert info.value.status == 200, f"unggah {filename}: HTTP {info.value.status}"
        page.locator("#step-panel").get_by_role("link", name=filename, exact=True).first.wait_for()

    def fill_agreement(self, entry: int = 0, *, target: str = "97,5", anggaran: str = "1.234.567,89",
                       nip1: str = "197502102000031002", nip2: str = "196805121990031005") -> None:
        """Fill one PK agreement of the declared form (both parties, one sasaran row, one program row)."""
        page, prefix = self.page, f"entri-{entry}-"
        values = {
            "pihak1_nama": "Ir. Rina Marlina, M.T.", "pihak1_jabatan": "Sekretaris Dinas",
            "pihak1_pangkat": "Pembina Tingkat I (IV/b)", "pihak1_nip": nip1,
            "pihak2_nama": "Dr. H. Ahmad Suryana, M.Si.", "pihak2_jabatan": "Kepala Dinas",
            "pihak2_pangkat": "Pembina Utama Muda (IV/c)", "pihak2_nip": nip2,
            "sasaran-0-sasaran": "Meningkatnya realisasi investasi",
            "sasaran-0-indikator": "Persentase capaian target investasi",
            "sasaran-0-target": target, "sasaran-0-satuan": "persen",
            "program-0-program": "Program Promosi Penanaman Modal", "program-0-anggaran": anggaran,
        }
        for key, value in values.items():
            page.locator(f"[name='{prefix}{key}']").fill(value)

    def fill_disposition(self, *, kepada: str = "tim_perencanaan", isi: str = "Susun rancangan PK tahun berjalan.",
                         sifat: str = "Segera") -> None:
        """Fill the built-in lembar disposisi (issue 10) of a step such as PK step 1."""
        page = self.page
        page.locator("select[name='kepada']").select_option(kepada)
        page.locator("[name='isi']").fill(isi)
        page.locator("select[name='sifat']").select_option(sifat)

    def press(self, button: str, *, catatan: str | None = None, expect_status: int = 200) -> None:
        """Press a completion button (Selesaikan / Setujui / Kembalikan ...), optionally with a catatan."""
        page = self.page
        if catatan is not None:
            page.locator("#catatan").fill(catatan)
        click = page.locator("#complete-form").get_by_role("button", name=button, exact=True)
        if expect_status >= 400:  # refused: answered in place by HTMX, the URL stays the step page
            before = page.url
            with page.expect_response(lambda r: r.url.endswith("/selesaikan") and r.request.method == "POST") as info:
                click.click()
            status = info.value.status
            page.locator("#step-panel .errors").wait_for()
            assert page.url == before, f"{button}: URL berubah menjadi {page.url}"
        else:  # accepted: HX-Redirect to the run page
            with page.expect_navigation() as nav:
                click.click()
            status = nav.value.status if nav.value else None
        assert status == expect_status, f"{button}: HTTP {status} di {page.url}\n{page.locator('main').inner_text()[:1500]}"


def open_tab(chromium, live, viewport: dict, **options):
    """A fresh browser profile and tab on ``live``: (context, Browser helper, page problems).

    The live server's error log is cleared, so the test sees only what its own tab caused.
    """
    context = chromium.new_context(viewport=viewport, accept_downloads=True, locale="id-ID", **options)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    live.errors.messages.clear()
    return context, Browser(page, live.url, artifacts_dir()), problems
