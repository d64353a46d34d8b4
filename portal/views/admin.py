"""Admin pages: plugins and the audit trail (organisation pages in ``admin_org``)."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from sqlalchemy import select

from portal.audit import ACTION_LABELS
from portal.extensions import db
from portal.models import AuditEvent
from portal.templating import render_page
from portal.views.helpers import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 50


@bp.route("/plugin")
@admin_required
def plugins():
    """Loaded plugins, their definitions, and every problem with file and reason."""
    from portal.lanes import ensure_lane_roles, lane_warnings

    registry = current_app.extensions["portal_plugins"]
    created = ensure_lane_roles(registry)
    if created:
        db.session.commit()
    return render_page("admin/plugins.html", registry=registry, lane_warnings=lane_warnings(registry),
                       created_roles=created)


@bp.route("/audit")
@admin_required
def audit_trail():
    """The audit trail, newest first, filterable by action."""
    action = request.args.get("aksi") or None
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    pagination = db.paginate(query.order_by(AuditEvent.id.desc()), page=request.args.get("halaman", 1, type=int),
                             per_page=AUDIT_PAGE, error_out=False)
    return render_page("admin/audit.html", events=pagination.items, action=action or "", labels=ACTION_LABELS,
                       pagination=pagination, total=pagination.total)
