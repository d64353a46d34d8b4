"""LAKIP and LKjIP of DPMPTSP Kabupaten Tanjung Jabung Barat: two definitions sharing the
forms and the report (laporan_kinerja.toml); no Python rules of its own."""
from pathlib import Path

from portal.plugin_api import hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """LAKIP 503 / 01 / DPM PTSP and LKjIP 503 / 02 /DPM PTSP (seed 003)."""
    return [HERE / "lakip_tanjabbar.toml", HERE / "lkjip_tanjabbar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``lkjip/<name>``."""
    return HERE / "templates"
