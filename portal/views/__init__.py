"""One blueprint per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every core blueprint."""
    from portal.views import (
        admin, admin_documents, admin_org, archive, auth, dashboard, form_tables, help, receipts, runs, sops, tasks,
    )

    for module in (auth, tasks, runs, archive, receipts, sops, admin, admin_org, help, dashboard, admin_documents,
                   form_tables):
        app.register_blueprint(module.bp)
    from portal.views import compliance, monitor, sopdoc  # issue 9: monitoring, SOP documents

    for module in (monitor, compliance, sopdoc):
        app.register_blueprint(module.bp)
