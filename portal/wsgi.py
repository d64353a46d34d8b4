"""WSGI entry point inside the package: ``gunicorn portal.wsgi:app`` works from an installed wheel."""
import gc
import os

from portal import create_app

# ``flask --app wsgi db upgrade`` needs Flask-Migrate; gunicorn's workers do not load it.
app = create_app(migrations=os.environ.get("FLASK_RUN_FROM_CLI") == "true")

# The app's long-lived objects (routes, templates, plugins) never become garbage: moving them
# out of the collector's sight keeps full collections short (see bench/: p95 latency).
gc.collect()
gc.freeze()
