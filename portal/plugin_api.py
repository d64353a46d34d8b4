"""The public API a plugin may import. Plugins import from here and nowhere else in
the core, so the core's internals can change without breaking them.

- ``hookimpl``: decorator for the hooks of ``portal.hookspecs`` (see docs/plugins.md);
- ``StepRefused``: raise it from ``portal_validate_form`` to refuse a submission;
- ``records.latest(kode, form, tahun, unit=None)``: the latest finished data of another SOP's form;
- ``CustomForm`` / ``OutputDocument``: hand-written forms and documents, for what the
  declarative ``[[formulir]]`` / ``[[dokumen]]`` cannot express.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from portal import records
from portal.errors import StepRefused
from portal.hookspecs import hookimpl
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


__all__ = ["hookimpl", "SopDefinition", "Step", "CustomForm", "OutputDocument", "ParseResult", "StepRefused", "records"]
