"""The plugin contract of SOP Portal.

Each hook is a bare, documented function; plugins implement them with
``@hookimpl`` from ``portal.plugin_api``. Hooks are grouped by phase: what a plugin
provides at start-up, what it adds to a step, and what it hears about afterwards.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    from portal.plugin_api import CustomForm, OutputDocument, Panel
    from portal.sop import SopDefinition, Step

PROJECT = "portal"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- start-up: what a plugin provides -------------------------------------------------

@hookspec
def portal_sop_definitions() -> list[str | Path]:
    """Return the paths of this plugin's SOP definition files (``sop.toml``, or one per
    agency version). The core loads and validates them; an invalid file is reported on
    the admin "Plugin" page with its file, step and field, and the rest keeps working."""


@hookspec
def portal_template_folder() -> str | Path | None:
    """Return the plugin's template folder. Its templates are addressed as
    ``<plugin name>/<template>`` (a prefix loader), so plugins never collide."""


@hookspec
def portal_static_folder() -> str | Path | None:
    """Return the plugin's static folder, served under ``/plugin-static/<plugin name>/``."""


@hookspec
def portal_menu_links(user: Any) -> list[tuple[str, str]]:
    """Return extra navigation links ``(label, url)`` for ``user`` (may be empty)."""


@hookspec
def portal_blueprints() -> list[Any]:
    """Return Flask blueprints of this plugin. Each is mounted under ``/p/<plugin>/``;
    protect its views with the access helpers of ``portal.plugin_api``
    (``login_required``, ``load_run``, ``admin_required``)."""


@hookspec
def portal_dashboard_panels(user: Any) -> list["Panel"]:
    """Return panels (``Panel(title, template, context)``) for ``user``'s Dasbor page."""


@hookspec
def portal_run_panels(run: Any, user: Any) -> list["Panel"]:
    """Return panels shown on the page of ``run`` to ``user`` (below the run summary)."""


# --- a step: custom forms and documents -----------------------------------------------

@hookspec(firstresult=True)
def portal_step_form(definition: "SopDefinition", step: "Step") -> "CustomForm | None":
    """Return the custom form of ``step`` when this plugin provides it (usually keyed by
    ``step.form``), else None. The first plugin that answers wins."""


@hookspec(firstresult=True)
def portal_render_document(definition: "SopDefinition", run: Any, kind: str) -> "OutputDocument | None":
    """Render an output document of ``run`` (``kind`` names it, e.g. ``"pk"``) as HTML
    for the PDF printer, or return None when this plugin does not make that document."""


@hookspec
def portal_run_documents(definition: "SopDefinition", run: Any) -> list[tuple[str, str]]:
    """Return ``(kind, label)`` pairs of the output documents this plugin can print for
    ``run`` (shown as "Cetak PDF" buttons on the run page)."""


@hookspec
def portal_validate_form(definition: "SopDefinition", step: "Step", form_key: str, data: dict, run: Any) -> None:
    """Check rules across fields of a declared form after its fields are valid.

    Called when a step with ``formulir = form_key`` is submitted, with the typed
    ``data`` (numbers as numbers). Raise ``StepRefused("...")`` (from
    ``portal.plugin_api``) to refuse: the page answers 400 with the message beside the
    form and nothing is saved; ``StepRefused("...", field="periode_akhir")`` also shows
    it beside that input. Return None to accept."""


# --- afterwards: what a plugin hears -------------------------------------------------

@hookspec
def portal_step_completed(definition: "SopDefinition", run: Any, task: Any, outcome: str, user: Any,
                          details: dict) -> None:
    """Called inside the completing transaction after ``task`` ends with ``outcome``
    ("selesai", "setuju", "kembali", "tolak", "lewati"), before the run moves on.
    ``details`` holds ``receiver_id`` (hand-over) and ``now``. Raising aborts the
    completion (``StepRefused`` shows its message). The core's own implementation issues
    the tanda terima of a hand-over step."""


@hookspec
def portal_run_finished(definition: "SopDefinition", run: Any) -> None:
    """Called inside the transaction that completes the last step of ``run``. The core's
    own implementation runs first: it writes the shared records, stores the declared
    documents and archives the run, so plugins can read ``records.latest(...)``."""


# --- notifications (issue 10) ---------------------------------------------------------

@hookspec
def portal_notification_channels() -> list:
    """Return extra delivery channels (``portal.plugin_api.NotificationChannel`` objects,
    e.g. a WhatsApp or Telegram gateway). Each gets its own outbox rows, retries and a
    per-kind on/off choice for users; email and the in-app bell are built in."""
