"""The wheel works: it holds every package, the core templates, the migrations and the guide,
and the app built from the unpacked wheel alone migrates a database and serves the login page."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # build from a copy: no build/ left in the checkout
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("portal", "plugins", "templates", "migrations", "docs"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                             "--quiet", "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [built] = out.glob("sop_portal-*.whl")
    return built


def _repo_files(folder: str, pattern: str) -> set[str]:
    return {p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob(pattern)
            if "__pycache__" not in p.parts}


def test_wheel_holds_code_templates_migrations_and_docs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"portal/{f}" for f in _repo_files("portal", "*.py")} | {f"plugins/{f}" for f in _repo_files("plugins", "*")
                                                                       if (ROOT / "plugins" / f).is_file()}
    expected |= {f"portal/templates/{f}" for f in _repo_files("templates", "*.html")}
    expected |= {f"portal/migrations/{f}" for f in _repo_files("migrations", "*") if (ROOT / "migrations" / f).is_file()}
    expected |= {"portal/docs/panduan.md", "portal/static/portal.css", "portal/static/favicon.svg",
                 "portal/static/vendor/htmx/htmx.min.js", "portal/static/vendor/htmx/LICENSE"}
    missing = sorted(expected - names)
    assert missing == [], f"not in the wheel: {missing}"


def test_app_from_the_unpacked_wheel_migrates_and_serves_the_login_page(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    script = (
        "import portal, portal.resources as r\n"
        "assert portal.__file__.startswith(%r), portal.__file__\n"
        "for name in ('templates', 'migrations', 'docs'):\n"
        "    assert str(r.resource_dir(name)) == %r + '/portal/' + name, r.resource_dir(name)\n"
        "from portal import create_app\n"
        "from flask_migrate import upgrade\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + %r, 'PUBLIC_BASE_URL': 'http://x'})\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "r = app.test_client().get('/masuk')\n"
        "assert r.status_code == 200 and 'Masuk ke SOP Portal' in r.get_data(as_text=True), r.status_code\n"
        "js = app.test_client().get('/vendor/htmx.min.js')\n"
        "assert js.status_code == 200 and js.mimetype == 'text/javascript', js.status_code\n"
        "assert js.get_data() == open(%r, 'rb').read(), 'served htmx differs from the vendored copy'\n"
        "print('ok')\n"
    ) % (str(site), str(site), str(tmp_path / "p.db"), str(ROOT / "portal/static/vendor/htmx/htmx.min.js"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *deps]), PORTAL_INSTANCE=str(tmp_path / "instance"))
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_vendored_htmx_is_the_pinned_npm_version():
    """The htmx the package serves is the version package.json pins (and, when the npm set-up ran,
    byte for byte the file npm installed)."""
    import json
    import re

    vendored = (ROOT / "portal/static/vendor/htmx/htmx.min.js").read_bytes()
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["htmx.org"]
    assert re.search(rb'version:"([0-9.]+)"', vendored).group(1).decode() == pinned
    assert "Zero-Clause BSD" in (ROOT / "portal/static/vendor/htmx/LICENSE").read_text()
    installed = ROOT / "node_modules/htmx.org/dist/htmx.min.js"
    if not installed.exists():
        pytest.skip("node_modules/htmx.org not installed (npm ci): only the version was compared")
    assert json.loads((ROOT / "node_modules/htmx.org/package.json").read_text())["version"] == pinned
    assert installed.read_bytes() == vendored
