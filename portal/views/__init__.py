"""One blueprint per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every core blueprint."""
    from portal.views import admin, admin_org, archive, auth, help, receipts, runs, sops, tasks

    for module in (auth, tasks, runs, archive, receipts, sops, admin, admin_org, help):
        app.register_blueprint(module.bp)
    from portal.views import compliance, monitor, sopdoc  # issue 9: monitoring, SOP documents

    for module in (monitor, compliance, sopdoc):
        app.register_blueprint(module.bp)
