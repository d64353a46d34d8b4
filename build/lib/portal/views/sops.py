"""The SOP pages: the list of loaded definitions and one SOP's identity sheet and steps."""
from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user, login_required

from portal.access import can_start
from portal.templating import render_page

bp = Blueprint("sops", __name__)


@bp.route("/sop")
@login_required
def index():
    """All SOP definitions loaded from plugins."""
    registry = current_app.extensions["portal_plugins"]
    return render_page("sops/index.html", definitions=registry.sorted_definitions())


@bp.route("/sop/<sop_id>")
@login_required
def show(sop_id: str):
    """The SOP AP view: identity sheet, then the step table with one column per pelaksana."""
    definition = current_app.extensions["portal_plugins"].definition(sop_id)
    if definition is None:
        abort(404)
    return render_page("sops/show.html", sop=definition, can_start=can_start(current_user, definition))
