"""Rencana Strategis (Renstra) of DPMPTSP Kabupaten Tanjung Jabung Barat: the definition
(steps, form, document) is data; Python adds the five-year period rule."""
from pathlib import Path

from portal.plugin_api import StepRefused, hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The Renstra SOP 503/06/DPM PTSP."""
    return [HERE / "sop_tanjabbar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``renstra/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_validate_form(definition, step, form_key, data, run):
    """A Renstra covers five years: periode_akhir = periode_awal + 4."""
    if definition.kode == "renstra" and form_key == "renstra" and data["periode_akhir"] != data["periode_awal"] + 4:
        raise StepRefused(f"Periode Renstra lima tahun: tahun akhir harus {data['periode_awal'] + 4} "
                          f"(tahun awal {data['periode_awal']} + 4).", field="periode_akhir")
