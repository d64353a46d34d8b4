"""Dasbor: the panels of the core and of the plugins (``portal_dashboard_panels``)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.templating import render_page

bp = Blueprint("dashboard", __name__)


def render_panels(panels) -> list[tuple[str, Markup]]:
    """(title, HTML) of each Panel; a panel whose template fails is shown as an error, not a 500."""
    result = []
    for panel in panels:
        try:
            result.append((panel.title, Markup(render_template(panel.template, **panel.context))))
        except Exception as exc:  # a broken plugin panel must not take the page down
            current_app.logger.error("Panel %s gagal: %s", panel.title, exc)
            result.append((panel.title, Markup('<p class="error">Panel ini gagal ditampilkan.</p>')))
    return result


@bp.route("/dasbor")
@login_required
def index():
    """The dashboard: every panel the core and the plugins offer this user."""
    registry = current_app.extensions["portal_plugins"]
    panels = [p for group in registry.pm.hook.portal_dashboard_panels(user=current_user) for p in (group or [])]
    return render_page("dashboard/index.html", panels=render_panels(panels))
