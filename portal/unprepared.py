"""Statements PostgreSQL must plan for their values every time (the archive search).

psycopg prepares a statement on the server after its fifth execution, and PostgreSQL may then
keep one generic plan for every value. That is what Tugas Saya wants (its plan-deciding values
are written into the SQL, see ``access._inline``), but not a text search: how many documents
hold "kinerja" or "0042" decides between walking the newest documents and asking the trigram
index, and a generic plan chosen for one word took 40-190 ms for another (0.7-3 ms planned for
it). A statement run with the execution option ``UNPREPARED`` is sent unprepared, so the server
plans it with its values; parameters stay parameters (nothing of the user's text enters the SQL).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

UNPREPARED = "portal_unprepared"


def install(engine: Engine) -> None:
    """Send statements carrying ``UNPREPARED`` without server-side preparation (psycopg only)."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_execute")
    def _execute_unprepared(cursor, statement, parameters, context) -> bool | None:
        if not context.execution_options.get(UNPREPARED):
            return None  # the dialect executes it as usual
        cursor.execute(statement, parameters, prepare=False)
        return True


def options() -> dict:
    """The execution options of a statement to plan with its values every time."""
    return {UNPREPARED: True}
