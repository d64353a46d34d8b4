"""``flask sop document`` and ``flask sop book``: print the SOP document or the whole SOP book."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from portal.cli import sop_cli
from portal.extensions import db


def find_definition(sop_id: str, versi: str | None):
    """The loaded definition ``sop_id`` or, for another ``versi``, the snapshot a run pinned."""
    from portal.models import Run
    from portal.sop import SopDefinition

    definition = current_app.extensions["portal_plugins"].definition(sop_id)
    if definition is not None and (versi is None or definition.versi == versi):
        return definition
    if versi is not None:
        run = db.session.scalar(select(Run).where(Run.sop_id == sop_id, Run.sop_versi == versi)
                                .order_by(Run.id.desc()).limit(1))
        if run is not None:
            return SopDefinition.from_dict(run.definition)
    return None


@sop_cli.command("document")
@click.argument("sop_id")
@click.option("--versi", default=None, help="Versi SOP (bawaan: versi yang dimuat).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
def sop_document(sop_id, versi, out):
    """Print one SOP document (identity sheet + flowchart) as PDF."""
    from portal.sop_document import render_document

    definition = find_definition(sop_id, versi)
    if definition is None:
        raise click.ClickException(f'SOP "{sop_id}"' + (f" versi {versi}" if versi else "") + " tidak ditemukan.")
    with current_app.test_request_context():
        data = render_document(definition)
    Path(out).write_bytes(data)
    click.echo(f"{out}: SOP {definition.nama} ({definition.nomor}, versi {definition.versi}), {len(data)} byte.")


@sop_cli.command("book")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
def sop_book(out):
    """Print every enabled SOP as one book (cover, table of contents, each SOP)."""
    from portal.sop_document import render_book

    definitions = current_app.extensions["portal_plugins"].sorted_definitions()
    if not definitions:
        raise click.ClickException("Belum ada SOP yang dimuat.")
    started = time.perf_counter()
    with current_app.test_request_context():
        data = render_book(definitions)
    Path(out).write_bytes(data)
    click.echo(f"{out}: buku {len(definitions)} SOP, {len(data)} byte, {time.perf_counter() - started:.1f} detik.")
