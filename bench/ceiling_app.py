"""The ceiling of the served-app benchmark: the least a Flask DB page costs on this machine.

A minimal Flask app (no login, no ORM objects, no plugins) whose one page selects 50 rows of a
200,000-row SQLite table through an index and renders them with a Jinja template compiled once. Under the same gunicorn
settings as the portal, its req/s is what the framework, the WSGI server and SQLite allow; the
portal's pages are reported as a share of it.

Served by ``gunicorn 'bench.ceiling_app:create_app()'`` with ``CEILING_DB`` set to a file made by
``build_database``.
"""
from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

from flask import Flask, render_template
from jinja2 import DictLoader
from sqlalchemy import create_engine, text

ROWS = 200_000
PAGE_ROWS = 50

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Daftar</title></head>
<body><h1>Daftar ({{ rows|length }} baris)</h1><table><thead><tr><th>No</th><th>Nama</th>
<th>Unit</th><th>Nilai</th><th>Tanggal</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.nama }}</td><td>{{ row.unit }}</td>
<td>{{ row.nilai }}</td><td>{{ row.tanggal }}</td></tr>{% endfor %}
</tbody></table></body></html>"""


def build_database(path: Path, rows: int = ROWS) -> Path:
    """Write the ceiling's SQLite table of ``rows`` rows (indexed on ``unit, id``) to ``path``."""
    path.unlink(missing_ok=True)
    rng = random.Random(7)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, nama TEXT NOT NULL, unit INTEGER NOT NULL,"
                     " nilai INTEGER NOT NULL, tanggal TEXT NOT NULL)")
        conn.executemany("INSERT INTO item (id, nama, unit, nilai, tanggal) VALUES (?, ?, ?, ?, ?)",
                         ((i, f"Dokumen kinerja nomor {i}", rng.randrange(40), rng.randrange(10**6),
                           f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(1, rows + 1)))
        conn.execute("CREATE INDEX ix_item_unit ON item (unit, id)")
    return path


def create_app(database: str | None = None) -> Flask:
    """The ceiling app on the SQLite file ``database`` (default: the ``CEILING_DB`` variable)."""
    app = Flask(__name__)
    # a template as a Flask page has one: loaded through the app's loader, compiled once and kept
    # (``render_template_string`` compiled it anew on every request, which cost three times the rest)
    app.jinja_loader = DictLoader({"page.html": PAGE})
    engine = create_engine(f"sqlite:///{database or os.environ['CEILING_DB']}")
    statement = text("SELECT id, nama, unit, nilai, tanggal FROM item WHERE unit = :unit "
                     "ORDER BY id DESC LIMIT :limit")

    @app.get("/")
    def page():
        with engine.connect() as conn:
            rows = conn.execute(statement, {"unit": random.randrange(40), "limit": PAGE_ROWS}).all()
        return render_template("page.html", rows=rows)

    return app
