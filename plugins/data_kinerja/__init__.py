"""Mekanisme Pengumpulan Data Kinerja (DPMPTSP Kabupaten Tanjung Jabung Barat, 503 / 03 /
DPM PTSP): the definition, form and documents are data; Python adds one rule."""
from pathlib import Path

from portal.plugin_api import StepRefused, hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The Tanjung Jabung Barat version (seed 003)."""
    return [HERE / "sop_tanjabbar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``data_kinerja/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_validate_form(definition, step, form_key, data, run):
    """The agency's table needs at least one indikator; a bidang without indicators hands in an empty table."""
    if definition.kode == "pengumpulan_data_kinerja" and form_key == "data_kinerja" and not step.fan_out \
            and not data.get("baris"):
        raise StepRefused("Isi paling sedikit satu indikator kinerja.")
