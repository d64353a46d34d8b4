"""Command-line interface: ``flask user``, ``flask sop``, ``flask demo``, ``flask archive``."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db

user_cli = AppGroup("user", help="Kelola pengguna.")
sop_cli = AppGroup("sop", help="Definisi SOP dari plugin.")
demo_cli = AppGroup("demo", help="Data demo.")
archive_cli = AppGroup("archive", help="Arsip dokumen.")
plugin_cli = AppGroup("plugin", help="Plugin SOP.")


@user_cli.command("create")
@click.argument("username")
@click.option("--nama", required=True, help="Nama lengkap.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--nip", default="", help="NIP 18 angka.")
@click.option("--jabatan", default="")
@click.option("--admin", is_flag=True, help="Jadikan admin.")
def create_user(username, nama, password, nip, jabatan, admin):
    """Create a user (``--admin`` for an administrator)."""
    from portal.models import User
    from portal.models.org import validate_nip

    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f'Pengguna "{username}" sudah ada.')
    if error := validate_nip(nip):
        raise click.ClickException(error)
    if len(password) < 8:
        raise click.ClickException("Kata sandi paling sedikit 8 karakter.")
    user = User(username=username, nama=nama, nip=nip.replace(" ", "") or None, jabatan=jabatan, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f'Pengguna "{username}" dibuat{" sebagai admin" if admin else ""}.')


@sop_cli.command("list")
def list_sops():
    """Table of loaded definitions: kode, versi, nomor, agency, steps, source file."""
    registry = current_app.extensions["portal_plugins"]
    rows = [("ID", "KODE", "VERSI", "NOMOR", "AGENCY", "LANGKAH", "BERKAS")]
    rows += [(d.id, d.kode, d.versi, d.nomor, d.agency, str(len(d.steps)), d.source) for d in registry.sorted_definitions()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
    for problem in registry.problems:
        click.echo(f"MASALAH {problem.plugin}: {problem.file}: {problem.reason}", err=True)


@sop_cli.command("export")
@click.option("--json", "as_json", is_flag=True, required=True, help="Keluaran JSON.")
def export_sops(as_json):
    """Every loaded definition as a JSON array."""
    registry = current_app.extensions["portal_plugins"]
    click.echo(json.dumps([d.to_dict() for d in registry.sorted_definitions()], ensure_ascii=False, indent=2))


@sop_cli.command("schema")
def sop_schema():
    """The JSON Schema of definition files (Indonesian keys), for editors and reviews."""
    from portal.definition_schema import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@demo_cli.command("load")
@click.option("--no-runs", is_flag=True, help="Tanpa contoh pelaksanaan.")
def demo_load(no_runs):
    """Load the demo organisation and runs (idempotent)."""
    from portal.demo import load_demo

    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        base = current_app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
        click.echo(f"PUBLIC_BASE_URL belum diatur: tanda terima demo memakai {base}.", err=True)
    with current_app.test_request_context(base_url=base):
        result = load_demo(with_runs=not no_runs)
    click.echo("Data demo: {units} unit, {roles} peran, {users} pengguna, {runs} pelaksanaan "
               "({runs_created} baru).".format(**result))


@archive_cli.command("verify")
def archive_verify():
    """Re-hash every archived file and report any mismatch (exit 1 when one is found)."""
    from portal.archive import verify_archive

    checked, bad = verify_archive()
    for doc in bad:
        click.echo(f"TIDAK COCOK: arsip #{doc.id} {doc.filename} (pelaksanaan #{doc.run_id}, sha256 {doc.sha256})")
    click.echo(f"{checked} berkas diperiksa, {len(bad)} tidak cocok.")
    sys.exit(1 if bad else 0)


@plugin_cli.command("new")
@click.argument("kode")
@click.option("--ke", "target", default=None, help="Folder tujuan (bawaan: PORTAL_PLUGINS_DIR).")
def plugin_new(kode, target):
    """Write a working plugin skeleton: definition with one form and one document, templates, a test."""
    from portal.scaffold import ScaffoldError, new_plugin

    target = target or current_app.config["PORTAL_PLUGINS_DIR"]
    try:
        folder = new_plugin(kode, target)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Plugin {kode} ditulis di {folder}. Mulai ulang portal agar SOP-nya dimuat;")
    click.echo(f"uji: .venv/bin/python -m pytest {folder / 'tests'}")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    import portal.sop_document_cli  # noqa: F401  (adds ``sop document`` and ``sop book``)

    for group in (user_cli, sop_cli, demo_cli, archive_cli, plugin_cli):
        app.cli.add_command(group)
