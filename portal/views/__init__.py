"""One blueprint per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every core blueprint."""
    from portal.views import admin, archive, auth, receipts, runs, sops, tasks

    for module in (auth, tasks, runs, archive, receipts, sops, admin):
        app.register_blueprint(module.bp)
