"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...`` (see portal/wsgi.py)."""
from portal.wsgi import app  # noqa: F401
