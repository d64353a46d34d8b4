"""Rencana Kerja (Renja) of DPMPTSP Kabupaten Tanjung Jabung Barat: the definition (steps,
form prefilled from the Renstra of its year, document) is data; Python adds one rule."""
from pathlib import Path

from portal.plugin_api import StepRefused, hookimpl, records

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The Renja SOP 503/2022/DPM PTSP."""
    return [HERE / "sop_tanjabbar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``renja/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_validate_form(definition, step, form_key, data, run):
    """A Renja year must lie inside the period of a finished Renstra (when any is finished)."""
    periods = records.periods("renstra", "renstra") if (definition.kode, form_key) == ("renja", "renja") else []
    if periods and not any(first <= run.tahun <= last for first, last in periods):
        known = ", ".join(f"{first}–{last}" for first, last in periods)
        raise StepRefused(f"Tahun Renja {run.tahun} di luar periode Renstra ({known}). Tidak ada yang disimpan: "
                          "Renja disusun untuk tahun di dalam periode Renstra; selesaikan dulu Renstra periode berikutnya.")
