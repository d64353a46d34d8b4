"""The Perjanjian Kinerja document, built from the run's target table."""
from __future__ import annotations

from flask import render_template

from portal.plugin_api import OutputDocument


def latest_form_data(run, form_key: str) -> dict:
    """The form data of the latest completed task whose step uses ``form_key``."""
    steps = {s.no for s in run.sop.steps if s.form == form_key}
    done = [t for t in run.tasks if t.step_no in steps and t.form_data]
    return done[-1].form_data if done else {}


def render_pk_document(definition, run) -> OutputDocument:
    """HTML of the PK document for the PDF printer."""
    data = latest_form_data(run, "target_pk")
    html = render_template("pk/pk_document.html", definition=definition, run=run, rows=data.get("rows", []))
    return OutputDocument(filename=f"perjanjian-kinerja-{run.tahun}-{run.id}.pdf",
                          title="Dokumen Perjanjian Kinerja", html=html)
