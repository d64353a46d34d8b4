"""Perjanjian Kinerja (PK): the definition (forms, document) is data; Python adds one rule."""
from pathlib import Path

from portal.plugin_api import StepRefused, hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The PK of DPMPTSP Provinsi Jawa Barat (62/46/SEKRT/2023) and of BKPSDM (90/SOP BKPSDM/2023)."""
    return [HERE / "sop_jabar.toml", HERE / "sop_bkpsdm.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``pk/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_validate_form(definition, step, form_key, data, run):
    """Pihak pertama and pihak kedua of one agreement are two different people."""
    for number, entry in enumerate(data.get("entri", []), start=1) if definition.kode == "pk" else ():
        if entry.get("pihak1_nip") and entry.get("pihak1_nip") == entry.get("pihak2_nip"):
            raise StepRefused(f"Perjanjian {number}: NIP pihak pertama dan pihak kedua tidak boleh sama.")
