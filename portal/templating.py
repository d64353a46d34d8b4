"""Jinja set-up: Indonesian filters, navigation context, HTMX fragment rendering."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from portal.audit import action_label
from portal.pdf import font_css
from portal.formatting import format_date, format_datetime, format_number, format_rupiah, format_size
from portal.models.org import format_nip



def init_templating(app: Flask) -> None:
    """Register filters, globals and the ``Vary: HX-Request`` header."""
    app.jinja_env.filters.update(
        tanggal=format_date, waktu=format_datetime, rupiah=format_rupiah, angka=format_number,
        nip=format_nip, ukuran=format_size, audit_label=action_label,
    )
    app.jinja_env.globals.update(font_css=font_css, link=link)
    from portal.forms.render import init_form_templating

    init_form_templating(app)

    @app.context_processor
    def navigation():
        """The menu's badges (tasks, unread notifications), plugin links and admin warnings,
        computed once per request even when panels render their own templates."""
        if not current_user.is_authenticated:
            return {}
        from portal import request_cache

        return request_cache.memo(("navigation", current_user.id), _navigation)

    @app.after_request
    def vary_on_htmx(response):
        response.headers.add("Vary", "HX-Request")
        if request.method == "POST" and request.htmx:
            response.headers["HX-Trigger"] = "portal:changed"  # refreshes the Tugas Saya badge
        return response

    @app.route("/plugin-static/<plugin>/<path:filename>")
    def plugin_static(plugin: str, filename: str):
        """A plugin's static files (from its ``portal_static_folder`` hook)."""
        from flask import abort, send_from_directory

        folder = current_app.extensions["portal_plugins"].static_folders.get(plugin)
        if folder is None:
            abort(404)
        return send_from_directory(folder, filename, max_age=3600)

    @app.route("/vendor/htmx.min.js")
    def vendor_htmx():
        """htmx, vendored in the package (``portal/static/vendor/htmx``, with its 0BSD licence) so that
        an installed wheel serves it too; tests/test_packaging.py checks it equals the npm pin."""
        from flask import send_from_directory

        return send_from_directory(Path(app.static_folder) / "vendor" / "htmx", "htmx.min.js",
                                   mimetype="text/javascript", max_age=86400)


def link(endpoint: str) -> str:
    """``url_for(endpoint)`` of an endpoint without arguments, built once per app and script root
    (the menu on every page has fifteen of them)."""
    links = current_app.extensions.setdefault("portal_links", {})
    key = (endpoint, request.script_root)
    found = links.get(key)
    if found is None:
        found = links[key] = url_for(endpoint)
    return found


def _navigation() -> dict:
    from portal.tasks_query import badge_counts

    registry = current_app.extensions["portal_plugins"]
    extra = [item for items in registry.pm.hook.portal_menu_links(user=current_user) for item in (items or [])]
    warnings = []
    if current_user.is_admin and request.blueprint in ("admin", "admin_org"):
        from portal.receipts import public_base_url

        if public_base_url() is None:
            warnings.append("PUBLIC_BASE_URL belum diatur: tanda terima tidak dapat diterbitkan sampai alamat "
                            "publik portal (misalnya https://sop.dinas.go.id) diisi di pengaturan server.")
    tasks, unread = badge_counts(current_user)
    return {"nav_task_count": tasks, "notif_unread": unread, "plugin_links": extra, "admin_warnings": warnings}


def render_page(template_name: str, **context) -> str:
    """Render a full page, or only the block an HTMX request targets.

    A block renders alone when the request is an HTMX request whose ``HX-Target`` is
    the block's name with dashes (block ``task_list`` answers target ``task-list``).
    Boosted navigation also sends HX-Request, so the target decides, not the header.
    """
    block = (request.htmx.target or "").replace("-", "_") if request.htmx else ""
    if block and block in current_app.jinja_env.get_or_select_template(template_name).blocks:
        return render_block(template_name, block, **context)
    return render_template(template_name, **context)
