"""Perjanjian Kinerja (PK): the SOP definition(s), the target table form, the PK document."""
from pathlib import Path

from portal.plugin_api import CustomForm, OutputDocument, hookimpl

from plugins.pk.forms import parse_target_table
from plugins.pk.document import render_pk_document

HERE = Path(__file__).parent


@hookimpl
def portal_sop_definitions():
    """The PK of DPMPTSP Provinsi Jawa Barat (62/46/SEKRT/2023)."""
    return [HERE / "sop_jabar.toml"]


@hookimpl
def portal_template_folder():
    """Templates addressed as ``pk/<name>``."""
    return HERE / "templates"


@hookimpl
def portal_step_form(definition, step):
    """The sasaran / indikator / target table of the drafting step."""
    if definition.kode == "pk" and step.form == "target_pk":
        return CustomForm(template="pk/target_form.html", parse=parse_target_table,
                          summary_template="pk/target_summary.html")
    return None


@hookimpl
def portal_run_documents(definition, run):
    """PK runs can print the Perjanjian Kinerja document once the table is filled."""
    return [("pk", "Dokumen Perjanjian Kinerja")] if definition.kode == "pk" else []


@hookimpl
def portal_render_document(definition, run, kind) -> OutputDocument | None:
    """Render the PK document (pihak pertama/kedua, target table, signature blocks)."""
    if definition.kode != "pk" or kind != "pk":
        return None
    return render_pk_document(definition, run)
