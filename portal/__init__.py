"""SOP Portal: the core application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, render_template, request
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import load_config
from portal.resources import resource_dir
from portal.extensions import csrf, db, htmx, login_manager

ROOT = Path(__file__).resolve().parent.parent
SQLITE_CACHE_KIB = 8192  # SQLite page cache per connection (KiB); no mmap, see _sqlite_pragmas


def create_app(config: dict | None = None, *, migrations: bool = True) -> Flask:
    """Build the app: settings, extensions, plugins, blueprints, CLI.

    ``migrations=False`` leaves out Flask-Migrate and Alembic (the ``flask db`` commands): a web
    worker never migrates, and not importing them keeps about 10 MB out of every worker.
    """
    app = Flask(__name__, template_folder=str(resource_dir("templates")), static_folder=str(ROOT / "portal" / "static"),
                instance_path=os.environ.get("PORTAL_INSTANCE", str(ROOT / "instance")), instance_relative_config=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024

    db.init_app(app)
    _init_pool(app)
    if migrations:
        _init_migrations(app)
    csrf.init_app(app)
    htmx.init_app(app)
    _init_login(app)
    _init_services(app)
    _init_plugins(app)
    from portal import work_extras

    work_extras.init_app(app)  # issue 10: notifications, reminders, maker-checker, evidence

    from portal.templating import init_templating
    from portal.views import register_blueprints
    from portal.cli import register_cli

    init_templating(app)
    register_blueprints(app)
    _plugin_blueprints(app)
    register_cli(app)
    from portal.lanes import init_lane_roles

    init_lane_roles(app)  # roles named by the definitions' lanes exist before anyone needs them
    from portal import read_only

    read_only.init_app(app)  # pages that only read: no transaction round trips on PostgreSQL
    _init_errors(app)
    return app


def _init_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    from portal.archive_search import include_in_schema_compare

    Migrate(app, db, directory=str(resource_dir("migrations")), include_name=include_in_schema_compare)


def _init_pool(app: Flask) -> None:
    from portal import unprepared
    from portal.db_ping import init_disconnect_retry, install_idle_ping

    with app.app_context():
        install_idle_ping(db.engine, app.config["DB_PING_IDLE_SECONDS"])
        unprepared.install(db.engine)
    init_disconnect_retry(app)


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user of a session identity ``"<id>:<generation>"``; None when that session was ended.

        One query: the user with every role grant (role and unit joined), which the access
        rules, the menu and the badge read for the rest of the request, and whether a Plt./Plh.
        delegation is in force for them today (when none is, ``delegation.active_for`` asks nothing).
        """
        from portal.principal import load_principal

        ident, _, generation = str(user_id).partition(":")
        if not ident.isdigit() or not generation.isdigit():
            return None
        return load_principal(int(ident), int(generation))


def _init_services(app: Flask) -> None:
    from portal.storage import FileStore
    from portal.worktime import WorkCalendar

    app.extensions["worktime"] = WorkCalendar.from_config(app.config)
    store = FileStore(app.config["UPLOAD_DIR"], max_bytes=app.config["MAX_UPLOAD_MB"] * 1024 * 1024,
                      max_unpacked_bytes=app.config["MAX_UNPACKED_MB"] * 1024 * 1024)
    removed = store.remove_stale_parts(older_than_seconds=3600)
    if removed:
        app.logger.warning("%d berkas unggahan sementara (.part) yang tertinggal dihapus.", removed)
    app.extensions["file_store"] = store


def _init_plugins(app: Flask) -> None:
    from portal.plugins import load_plugins

    registry = load_plugins(app.config["PORTAL_PLUGINS_DIR"], builtin=app.config.get("BUILTIN_PLUGINS", True))
    app.extensions["portal_plugins"] = registry
    prefixed = {name: FileSystemLoader(folder) for name, folder in registry.template_folders.items()}
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(resource_dir("templates"))), PrefixLoader(prefixed)])
    for problem in registry.problems:
        app.logger.warning("Plugin %s bermasalah (%s): %s", problem.plugin, problem.file, problem.reason)


def _plugin_blueprints(app: Flask) -> None:
    """Mount each plugin's blueprints under ``/p/<plugin>/`` (a broken one is reported)."""
    from portal.plugins import PluginProblem, _reason

    registry = app.extensions["portal_plugins"]
    for impl in registry.pm.hook.portal_blueprints.get_hookimpls():
        try:
            for blueprint in impl.function() or []:
                app.register_blueprint(blueprint, url_prefix=f"/p/{impl.plugin_name}")
        except Exception as exc:  # a broken plugin must not stop the portal
            registry.problems.append(PluginProblem(impl.plugin_name, "portal_blueprints", _reason(exc)))


def _init_errors(app: Flask) -> None:
    messages = {
        400: "Permintaan tidak sah.", 403: "Anda tidak berhak membuka halaman ini.",
        404: "Halaman tidak ditemukan.", 405: "Metode tidak diizinkan.",
        409: "Data sudah diubah orang lain.", 413: "Berkas terlalu besar.", 500: "Terjadi kesalahan pada server.",
    }
    for code, message in messages.items():
        def handler(error, code=code, message=message):
            if code == 500:
                db.session.rollback()  # the error page must not flush what the failed request left
            if code == 413 and request.endpoint == "tasks.upload":
                from portal.views.tasks import upload_too_large

                return upload_too_large(error)
            description = getattr(error, "description", None)
            text = description if isinstance(description, str) and not description.startswith(("The ", "You ")) else message
            return render_template("error.html", code=code, message=text), code

        app.register_error_handler(code, handler)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, wait for locks, WAL for concurrent readers.

    No ``mmap_size``: pages of a memory-mapped database count in every worker's RSS (a
    256 MB map of a 20,000-run database put each gunicorn worker far above 120 MB), while
    pages read with ``pread`` stay in the kernel's page cache, shared and not in RSS. A
    private page cache of 8 MB per connection (``SQLITE_CACHE_KIB``) keeps the hot index
    pages without a system call; ``python -m bench.served`` prints RSS per worker.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()
