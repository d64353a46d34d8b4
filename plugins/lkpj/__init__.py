"""Laporan Keterangan Pertanggungjawaban (LKPJ): the definition, its capaian form and the
recap document are data; Python only names the files."""
from pathlib import Path

from portal.plugin_api import hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The LKPJ of DPMPTSP Provinsi Jawa Barat (62/47/SEKRT/2023)."""
    return [HERE / "sop_jabar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``lkpj/<name>``."""
    return HERE / "templates"
