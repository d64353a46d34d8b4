"""Plugins: drop-in folder, broken plugins reported, the rest keeps serving, every hook used."""
import inspect
import textwrap


from portal import hookspecs
from portal.plugins import load_plugins

GOOD_TOML = """
[identitas]
id = "uji_dropin"
kode = "uji"
versi = "1"
nomor = "9/UJI/2026"
agency = "Dinas Uji"
nama = "SOP Uji Drop-in"
[pelaksana]
kepala_dinas = "Kepala Dinas"
[[langkah]]
no = 1
kegiatan = "Mendisposisi"
pelaksana = ["kepala_dinas"]
waktu = "30 menit"
output = "Disposisi"
"""


def make_plugin(folder, name, toml=GOOD_TOML, init=None):
    target = folder / name
    target.mkdir(parents=True)
    (target / "sop.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    if init is not None:
        (target / "__init__.py").write_text(textwrap.dedent(init), encoding="utf-8")
    return target


def test_dropin_folder_plugin_appears(tmp_path):
    make_plugin(tmp_path, "uji", init="""
        from pathlib import Path
        from portal.plugin_api import hookimpl

        @hookimpl
        def portal_sop_definitions():
            return [Path(__file__).parent / "sop.toml"]
    """)
    registry = load_plugins(tmp_path)
    assert "uji_dropin" in registry.definitions and "pk_jabar" in registry.definitions
    assert any(p.name == "uji" and p.source == "folder" for p in registry.plugins)
    assert registry.problems == []


def test_data_only_folder_is_a_plugin(tmp_path):
    make_plugin(tmp_path, "hanya_data")
    assert "uji_dropin" in load_plugins(tmp_path, builtin=False).definitions


def test_broken_toml_reported_with_file_step_and_field(tmp_path):
    bad = GOOD_TOML.replace('waktu = "30 menit"', 'waktu = "tiga puluh menit"')
    folder = make_plugin(tmp_path, "rusak", toml=bad)
    registry = load_plugins(tmp_path)
    [problem] = registry.problems
    assert problem.plugin == "rusak" and problem.file == str(folder / "sop.toml")
    assert problem.reason.startswith("langkah 1, field waktu:")
    assert "pk_jabar" in registry.definitions


def test_import_error_reported(tmp_path):
    make_plugin(tmp_path, "meledak", init="raise RuntimeError('sengaja rusak')\n")
    registry = load_plugins(tmp_path)
    [problem] = registry.problems
    assert problem.plugin == "meledak" and "sengaja rusak" in problem.reason and problem.file.endswith("__init__.py")


def test_unknown_hook_reported(tmp_path):
    make_plugin(tmp_path, "salah_ketik", init="""
        from portal.plugin_api import hookimpl

        @hookimpl
        def portal_sop_definitionz():
            return []
    """)
    registry = load_plugins(tmp_path, builtin=False)
    assert any("hook tidak dikenal" in p.reason for p in registry.problems)


def test_entry_point_plugin(tmp_path, monkeypatch):
    import sys
    import types

    module = types.ModuleType("paket_uji")
    toml = tmp_path / "ep.toml"
    toml.write_text(GOOD_TOML.replace("uji_dropin", "uji_paket"), encoding="utf-8")

    class Impl:
        @hookspecs.hookimpl
        def portal_sop_definitions(self):
            return [toml]

    module.plugin = Impl()
    monkeypatch.setitem(sys.modules, "paket_uji", module)

    class FakeEntryPoint:
        name, value = "paket_uji", "paket_uji"

        def load(self):
            return module

    monkeypatch.setattr("portal.plugins.entry_points", lambda group: [FakeEntryPoint()] if group == "portal.plugins" else [])
    registry = load_plugins(None)
    assert "uji_paket" in registry.definitions
    assert any(p.name == "paket_uji" and p.source == "paket" for p in registry.plugins)


def test_portal_serves_with_broken_plugin(app, demo, tmp_path):
    """A broken drop-in plugin is listed on the Plugin page; everything else still serves."""
    from portal import create_app

    folder = tmp_path / "dropin"
    make_plugin(folder, "rusak", toml=GOOD_TOML.replace('pelaksana = ["kepala_dinas"]', 'pelaksana = ["kadis"]'))
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "SERVER_NAME", "SECRET_KEY")}
    second = create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": False, "PORTAL_PLUGINS_DIR": str(folder)})
    client = second.test_client()
    with second.app_context():
        assert client.post("/masuk", data={"username": "admin", "password": "admin2026"}).status_code == 302
        page = client.get("/admin/plugin").get_data(as_text=True)
        assert "rusak" in page and str(folder / "rusak" / "sop.toml") in page
        assert "langkah 1, field pelaksana: pelaksana &#34;kadis&#34; tidak ada" in page
        assert client.get("/sop/pk_jabar").status_code == 200
        assert client.get("/tugas").status_code == 200
        assert client.get("/sop/uji_dropin").status_code == 404


def test_every_hookspec_is_implemented_by_a_plugin_or_exercised():
    """Like Datasette: a new hook without a user fails here until it is wired and tested."""
    import plugins.pk as pk

    specs = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("portal_")}
    implemented = {name for name in specs if hasattr(pk, name)}
    exercised_by_core_tests = {"portal_static_folder", "portal_menu_links", "portal_step_completed", "portal_run_finished",
                               "portal_notification_channels"}  # the last: tests/test_notify.py
    assert specs - implemented <= exercised_by_core_tests, specs - implemented - exercised_by_core_tests


def test_hooks_static_menu_and_events(app, demo, tmp_path):
    """portal_static_folder, portal_menu_links, portal_step_completed and portal_run_finished are called."""
    from tests.helpers import advance, start_pk
    from tests.test_records import finish_run

    calls = []

    class Listener:
        @hookspecs.hookimpl
        def portal_menu_links(self, user):
            return [("Menu Uji", "/uji")]

        @hookspecs.hookimpl
        def portal_static_folder(self):
            return str(tmp_path)

        @hookspecs.hookimpl
        def portal_step_completed(self, definition, run, task, outcome):
            calls.append(("step", task.step_no, outcome))

        @hookspecs.hookimpl
        def portal_run_finished(self, definition, run):
            calls.append(("run", run.id))

    pm = app.extensions["portal_plugins"].pm
    pm.register(Listener(), name="listener")
    run = start_pk(app, demo)
    advance(app, run, until_step=2)
    assert ("step", 1, "selesai") in calls
    client = app.test_client()
    client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    assert "Menu Uji" in client.get("/tugas").get_data(as_text=True)
    assert pm.hook.portal_static_folder() == [str(tmp_path)]
    client.post("/keluar")
    finished = finish_run(app, demo, client, judul="PK hook selesai")
    assert ("run", finished.id) in calls and ("run", run.id) not in calls


def test_plugin_static_route(tmp_path):
    """A plugin's static folder is served under /plugin-static/<name>/."""
    from portal import create_app

    folder = tmp_path / "dropin"
    plugin = make_plugin(folder, "bergaya", init="""
        from pathlib import Path
        from portal.plugin_api import hookimpl

        @hookimpl
        def portal_static_folder():
            return Path(__file__).parent / "static"
    """)
    (plugin / "static").mkdir()
    (plugin / "static" / "gaya.css").write_text("body { color: red; }")
    app = create_app({"TESTING": True, "PORTAL_PLUGINS_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "UPLOAD_DIR": str(tmp_path / "u")})
    response = app.test_client().get("/plugin-static/bergaya/gaya.css")
    assert response.status_code == 200 and b"color: red" in response.data
    assert app.test_client().get("/plugin-static/bergaya/../sop.toml").status_code == 404
