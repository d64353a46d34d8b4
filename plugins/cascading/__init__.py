"""Cascading (pohon kinerja): the definition, forms and documents are data; Python adds
the tree diagram to the run page."""
from pathlib import Path

from portal.plugin_api import Panel, hookimpl

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The Cascading SOP of DPMPTSP Provinsi Jawa Barat (62/45/SEKRT/2023)."""
    return [HERE / "sop_jabar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``cascading/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_run_panels(run, user):
    """The run's current pohon kinerja drawn as a diagram (units' branches merged)."""
    if run.sop_kode == "cascading":
        return [Panel("Pohon kinerja (diagram)", "cascading/panel_pohon.html", {"run": run})]
    return []
