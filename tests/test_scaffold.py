"""`flask plugin new` writes a working plugin; the end-to-end helper runs any loaded SOP."""
import importlib.util
import io

from pypdf import PdfReader

from portal import create_app
from portal.testing import run_end_to_end


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_plugin_new_writes_a_plugin_that_runs_and_prints(app, demo, tmp_path):
    target = tmp_path / "dropin"
    result = app.test_cli_runner().invoke(args=["plugin", "new", "contoh", "--ke", str(target)])
    assert result.exit_code == 0, result.output
    folder = target / "contoh"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        "sop.toml", "__init__.py", "templates/laporan.html", "tests/test_contoh.py"}
    init = (folder / "__init__.py").read_text()
    assert "portal.plugin_api" in init and len([l for l in init.splitlines() if l.strip()]) <= 20
    again = app.test_cli_runner().invoke(args=["plugin", "new", "contoh", "--ke", str(target)])
    assert again.exit_code != 0 and "sudah ada" in again.output
    bad = app.test_cli_runner().invoke(args=["plugin", "new", "Contoh-1", "--ke", str(target)])
    assert bad.exit_code != 0 and "huruf kecil" in bad.output

    restarted = create_app(dict(app.config, PORTAL_PLUGINS_DIR=str(target)))  # "a restart"
    registry = restarted.extensions["portal_plugins"]
    assert registry.problems == [] and "contoh" in registry.definitions
    outcome = run_end_to_end(restarted, "contoh")
    assert outcome.status == "selesai" and outcome.steps == [1, 2, 3]
    text = pdf_text(outcome.documents["laporan"])
    assert "LAPORAN CONTOH TAHUN 2027" in text and "Indikator kinerja 1" in text and "RANCANGAN" not in text


def test_scaffold_default_folder_and_generated_test(app, tmp_path):
    app.config["PORTAL_PLUGINS_DIR"] = str(tmp_path / "instance-plugins")
    result = app.test_cli_runner().invoke(args=["plugin", "new", "uji_lagi"])
    assert result.exit_code == 0, result.output
    test_file = tmp_path / "instance-plugins" / "uji_lagi" / "tests" / "test_uji_lagi.py"
    spec = importlib.util.spec_from_file_location("scaffold_generated_test", test_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.test_uji_lagi_runs_end_to_end(tmp_path / "generated")  # the written test passes as written


def test_end_to_end_helper_runs_pk(app, demo):
    outcome = run_end_to_end(app, "pk_jabar", judul="PK ujung ke ujung")
    assert outcome.status == "selesai" and outcome.steps[:3] == [1, 2, 3] and outcome.steps[-1] == 9
    text = pdf_text(outcome.documents["pk"])
    assert "PERJANJIAN KINERJA TAHUN 2027" in text and "Pihak Pertama" in text and "NIP." in text
