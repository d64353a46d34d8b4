"""The public API a plugin may import. Plugins import from here and nowhere else in
the core, so the core's internals can change without breaking them.

- ``hookimpl``: decorator for the hooks of ``portal.hookspecs`` (see docs/plugins.md);
- ``StepRefused``: raise it from ``portal_validate_form`` to refuse a submission;
- ``records.latest(kode, form, tahun, unit=None)``: the latest finished data of another SOP's form;
  ``records.covering(kode, form, tahun)``: the latest whose periode_awal..periode_akhir covers tahun;
  ``records.periods(kode, form)``: the (first, last) years of every finished record;
- ``CustomForm`` / ``OutputDocument``: hand-written forms and documents, for what the
  declarative ``[[formulir]]`` / ``[[dokumen]]`` cannot express.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flask import abort
from flask_login import current_user, login_required

from portal import records
from portal.access import can_act, can_view_run
from portal.errors import StepRefused
from portal.hookspecs import hookimpl
from portal.notify.channels import NotificationChannel, OutgoingMessage  # noqa: F401  (issue 10)
from portal.sop import SopDefinition, Step

ParseResult = tuple[dict[str, Any], list[str]]


@dataclass(frozen=True)
class CustomForm:
    """A step's structured form.

    ``template`` renders the inputs (it gets ``data``: what was entered before, and
    ``errors``); ``parse`` turns the submitted form into ``(data, errors)``, with errors
    as Indonesian sentences; ``summary_template`` shows saved data on the run page.
    """

    template: str
    parse: Callable[[Mapping[str, Any]], ParseResult]
    summary_template: str | None = None


@dataclass(frozen=True)
class OutputDocument:
    """An output document rendered as HTML for the PDF printer."""

    filename: str
    title: str
    html: str


@dataclass(frozen=True)
class Panel:
    """A panel on the run page or the Dasbor: ``template`` (a plugin template) rendered
    with ``context`` inside a card titled ``title``."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


def load_run(run_id: int):
    """The run ``run_id`` when the current user may see it; 404 otherwise (for plugin views)."""
    from portal.extensions import db
    from portal.models import Run

    run = db.session.get(Run, run_id)
    if run is None or not can_view_run(current_user, run):
        abort(404)
    return run


def admin_required(view):
    """Decorator: only admins (others get 403)."""
    from portal.views.helpers import admin_required as core_admin_required

    return core_admin_required(view)


def render_page(template_name: str, **context):
    """Render a page of the portal's layout (a plugin template extending ``base.html``);
    an HTMX request targeting a block gets only that block."""
    from portal.templating import render_page as core_render_page

    return core_render_page(template_name, **context)


__all__ = ["hookimpl", "SopDefinition", "Step", "CustomForm", "OutputDocument", "ParseResult", "StepRefused", "records",
           "Panel", "load_run", "login_required", "current_user", "can_act", "can_view_run", "admin_required",
           "render_page"]
