"""``flask plugin new KODE``: write a working plugin skeleton (definition with one form and
one document, templates, a test) into the drop-in folder or ``--ke DIR``."""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).parent
FILES = {  # skeleton file -> path inside the new plugin folder
    "sop.toml.j2": "sop.toml",
    "init.py.j2": "__init__.py",
    "laporan.html.j2": "templates/laporan.html",
    "test_plugin.py.j2": "tests/test_{kode}.py",
}


class ScaffoldError(ValueError):
    """The plugin cannot be written (message in Indonesian)."""


def new_plugin(kode: str, target_dir: str | Path) -> Path:
    """Write plugin ``kode`` into ``target_dir/kode``; returns the folder. Refuses an existing folder."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", kode or ""):
        raise ScaffoldError("KODE hanya boleh huruf kecil, angka dan garis bawah (2-40 karakter), diawali huruf.")
    folder = Path(target_dir) / kode
    if folder.exists():
        raise ScaffoldError(f"Folder {folder} sudah ada; tidak ada yang ditimpa.")
    env = Environment(loader=FileSystemLoader(str(HERE)), undefined=StrictUndefined, keep_trailing_newline=True,
                      variable_start_string="<<", variable_end_string=">>",
                      block_start_string="<%", block_end_string="%>", comment_start_string="<#", comment_end_string="#>")
    context = {"kode": kode, "judul": kode.replace("_", " ").title()}
    for source, relative in FILES.items():
        path = folder / relative.format(kode=kode)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(source).render(**context), encoding="utf-8")
    return folder


__all__ = ["new_plugin", "ScaffoldError"]
