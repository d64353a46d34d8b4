"""Refusals raised by the core and by plugins, shown to the user in Indonesian.

They live here (not in the runner) so receipts, documents and plugins can raise them
without importing the runner.
"""
from __future__ import annotations


class RunnerError(Exception):
    """A refused action; ``message`` is Indonesian and shown to the user (HTTP 400)."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(RunnerError):
    """The user may not do this (HTTP 403)."""

    status = 403


class Conflict(RunnerError):
    """Someone else changed the task first (HTTP 409)."""

    status = 409


class StepRefused(RunnerError):
    """A plugin's rule refuses the submitted step (HTTP 400, nothing is saved).

    Raise it from ``portal_validate_form`` with an Indonesian sentence, e.g.
    ``raise StepRefused("Jumlah anggaran melebihi pagu.")``. With ``field`` (the input's
    name as the form posts it: ``"periode_akhir"``, ``"program-2-pagu_1"``) the message is
    also shown beside that input.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


__all__ = ["RunnerError", "NotAllowed", "Conflict", "StepRefused"]
