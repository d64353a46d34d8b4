"""The public API a plugin may import. Plugins import from here and nowhere else in
the core, so the core's internals can change without breaking them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

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


__all__ = ["hookimpl", "SopDefinition", "Step", "CustomForm", "OutputDocument", "ParseResult"]
