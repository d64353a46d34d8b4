"""``flask notifikasi kirim``: the outbox worker (once, or as a loop for ``make run``)."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

notify_cli = AppGroup("notifikasi", help="Pemberitahuan: kirim isi outbox.")

LOOP_HOOKS: list = []  # callables run once a minute by the loop (the reminders add theirs)


@notify_cli.command("kirim")
@click.option("--sekali", is_flag=True, help="Kirim yang sudah jatuh tempo lalu berhenti.")
@click.option("--jeda", default=5, show_default=True, help="Detik antara dua putaran.")
def send(sekali: bool, jeda: int):
    """Deliver due outbox rows; without --sekali keep running (Ctrl-C stops)."""
    from portal.notify.worker import run_once, worker_name

    name = worker_name()
    last_minute = 0.0
    while True:
        try:
            counts = run_once(name)
            if counts:
                click.echo("Notifikasi: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            if not sekali and time.monotonic() - last_minute >= 60:
                last_minute = time.monotonic()
                for hook in LOOP_HOOKS:
                    hook()
        except Exception:  # keep the worker alive through a database restart
            db.session.rollback()
            current_app.logger.exception("Pekerja notifikasi: putaran gagal, dicoba lagi.")
            if sekali:
                raise
        finally:
            db.session.remove()
        if sekali:
            return
        time.sleep(jeda)
