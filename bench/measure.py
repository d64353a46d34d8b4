"""Timed requests with the Flask test client; SQL statements counted (and timed) per request.

No application context is held open between requests, so every request gets its own
database session exactly as in production (nothing is cached across requests).
"""
from __future__ import annotations

import gc
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import ArchivedDocument

MAX_ERRORS = 3


class QueryRecorder:
    """Counts statements sent to the database (``before_cursor_execute``) and times each one."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.statements: list[tuple[str, object, float]] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = self._started.pop() if self._started else time.perf_counter()
        self.statements.append((statement, parameters, (time.perf_counter() - started) * 1000))

    def reset(self) -> None:
        """Start counting a new request."""
        self.count = 0
        self.statements = []
        self._started = []

    def close(self) -> None:
        """Stop listening."""
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass
class Request:
    """One request of an operation."""

    method: str
    path: str
    data: dict | None = None


@dataclass
class Operation:
    """A measured operation: who asks, what (``next_request``), and what answer is right."""

    key: str
    label: str
    user: str
    next_request: Callable[[], Request | None]
    expect: int = 200
    target: bool = False  # subject to the p95 latency target
    after: Callable[[Request, object], None] | None = None
    note: str = ""
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


def login(app: Flask, username: str, password: str):
    """A test client logged in as ``username`` (the real login form)."""
    client = app.test_client()
    response = client.post("/masuk", data={"username": username, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} failed: HTTP {response.status_code}")
    return client


def run_operation(op: Operation, client, recorder: QueryRecorder, requests: int, warmup: int) -> dict:
    """Send ``warmup`` + ``requests`` requests; return latencies, query counts and the costliest SQL."""
    timings, cpu_timings, queries, statuses = [], [], [], Counter()
    sql: dict[str, dict] = {}
    example = ""
    for i in range(warmup + requests):
        request = op.next_request()
        if request is None:
            op.note = op.note or f"only {max(i - warmup, 0)} requests: no more fresh tasks"
            break
        example = example or f"{request.method} {request.path}"
        recorder.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            response = client.open(request.path, method=request.method, data=request.data)
        except Exception as exc:  # a broken page is reported, not fatal for the whole bench
            op.errors.append(f"{request.method} {request.path}: {type(exc).__name__}: {exc}"[:500])
            if len(op.errors) >= MAX_ERRORS:
                break
            continue
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
        if response.status_code != op.expect:
            op.errors.append(f"{request.method} {request.path}: HTTP {response.status_code} (expected {op.expect})")
            if len(op.errors) >= MAX_ERRORS:
                break
        if op.after:
            op.after(request, response)
        if i < warmup:
            continue
        statuses[response.status_code] += 1
        timings.append(elapsed)
        cpu_timings.append(cpu)
        queries.append(recorder.count)
        for statement, params, ms in recorder.statements:
            entry = sql.setdefault(statement, {"calls": 0, "ms": 0.0, "max_ms": 0.0, "params": params})
            entry["calls"] += 1
            entry["ms"] += ms
            if ms >= entry["max_ms"]:
                entry.update(max_ms=ms, params=params)
    n = len(timings)
    top = sorted(sql.items(), key=lambda kv: -kv[1]["ms"])[:4]
    return {
        "label": op.label, "user": op.user, "example": example, "target": op.target, "n": n,
        "p50_ms": round(percentile(timings, 50), 2) if n else None,
        "p95_ms": round(percentile(timings, 95), 2) if n else None,
        "mean_ms": round(statistics.fmean(timings), 2) if n else None,
        "cpu_p50_ms": round(percentile(cpu_timings, 50), 2) if n else None,
        "cpu_p95_ms": round(percentile(cpu_timings, 95), 2) if n else None,
        "max_ms": round(max(timings), 2) if n else None,
        "queries": int(statistics.median(queries)) if n else None,
        "queries_min": min(queries) if n else None, "queries_max": max(queries) if n else None,
        "statuses": {str(k): v for k, v in statuses.items()}, "errors": op.errors, "note": op.note,
        "top_sql": [{"sql": s, "calls_per_request": round(e["calls"] / n, 2), "ms_per_request": round(e["ms"] / n, 3),
                     "max_ms": round(e["max_ms"], 3), "params": e["params"]} for s, e in top] if n else [],
    }


def explain(app: Flask, statement: str, params) -> str:
    """The plan of one captured SELECT: EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE (PostgreSQL)."""
    with app.app_context():
        dialect = db.engine.dialect.name
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, params if params is not None else ()).fetchall()
            conn.rollback()
    if dialect == "sqlite":
        return "\n".join(f"{'  ' * (1 if parent else 0)}{detail}" for _, parent, _, detail in rows)
    return "\n".join(row[0] for row in rows)


def measure(app: Flask, summary: dict, *, requests: int = 200, warmup: int = 20, with_explain: bool = False,
            log=print) -> dict:
    """Measure every operation; returns {op key: result}. Clients log in as demo users."""
    from bench.ops import build_ops
    from portal.demo import ADMIN_PASSWORD, DEMO_PASSWORD

    clients = {"perencana": login(app, "perencana", DEMO_PASSWORD), "admin": login(app, "admin", ADMIN_PASSWORD)}
    with app.app_context():
        engine = db.engine
        archived = db.session.scalar(select(func.count(ArchivedDocument.id)))
    recorder = QueryRecorder(engine)
    results = {}
    try:
        for op in build_ops(app, summary):
            gc.collect()  # garbage of the previous operation is not this one's cost
            op_result = run_operation(op, clients[op.user], recorder, requests, warmup)
            if with_explain:
                op_result["explain"] = _explain_top(app, op_result)
            results[op.key] = op_result
            status = "ERROR" if op_result["errors"] and not op_result["n"] else "ok"
            log(f"  {op.label:<44} n={op_result['n']:<4} p50={op_result['p50_ms']} ms  p95={op_result['p95_ms']} ms  "
                f"queries={op_result['queries']}  {status}")
            for error in op_result["errors"][:1]:
                log(f"    ! {error}")
    finally:
        recorder.close()
    results["_meta"] = {"archived_documents": archived}
    return results


def _explain_top(app: Flask, result: dict) -> list[dict]:
    plans = []
    for entry in result["top_sql"][:2]:
        statement = entry["sql"]
        if not statement.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in statement.upper():
            continue
        try:
            plan = explain(app, statement, entry["params"])
        except Exception as exc:
            plan = f"(EXPLAIN failed: {type(exc).__name__}: {exc})"
        plans.append({"sql": statement, "ms_per_request": entry["ms_per_request"], "plan": plan})
    return plans
