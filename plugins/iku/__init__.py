"""Indikator Kinerja Utama (IKU): two agency versions, one shared form and document; all data."""
from pathlib import Path

from portal.plugin_api import hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The IKU of DPMPTSP Provinsi Jawa Barat and of DPMPTSP Kabupaten Tanjung Jabung Barat (503 / 2021 / DPM PTSP)."""
    return [HERE / "sop_jabar.toml", HERE / "sop_tanjabbar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``iku/<name>``."""
    return HERE / "templates"
