"""WSGI entry point inside the package: ``gunicorn portal.wsgi:app`` works from an installed wheel."""
import gc

from portal import create_app

app = create_app()

# The app's long-lived objects (routes, templates, plugins) never become garbage: moving them
# out of the collector's sight keeps full collections short (see bench/: p95 latency).
gc.collect()
gc.freeze()
