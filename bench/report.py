"""Printing the results: a table per backend and size, the costliest SQL, and the verdicts."""
from __future__ import annotations

import os
import re

P95_TARGET_MS = 10.0  # issue 12: in-process p95 of the starred pages at TARGET_SIZE runs
TARGET_SIZE = 100_000
ARCHIVE_P95_TARGET_MS = 25.0  # issue 12: archive search p95 at ARCHIVE_TARGET_DOCS archived documents
ARCHIVE_TARGET_DOCS = 100_000
ARCHIVE_OPS = ("archive_q", "archive_q_tahun")
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _queries(result: dict) -> str:
    if result["queries"] is None:
        return "-"
    low, high = result["queries_min"], result["queries_max"]
    return str(result["queries"]) if low == high else f"{result['queries']} ({low}-{high})"


def table(backend: str, size: int, generated: dict, results: dict) -> str:
    """The table of one backend and size: operation, n, p50, p95, queries per request."""
    counts = generated["counts"]
    lines = [
        "",
        f"=== {BACKEND_NAMES.get(backend, backend)} · {size:,} runs ===",
        f"data: {counts['run']:,} runs, {counts['task']:,} tasks, {counts['event']:,} audit events, "
        f"{counts['attachment']:,} attachments, {counts['receipt']:,} receipts, {counts['archived']:,} archived "
        f"documents; generated in {generated['seconds_total']:.1f} s "
        f"(simulate {generated['seconds_simulate']:.1f} s, insert {generated['seconds_insert']:.1f} s)",
        f"{'operation':<46} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'CPU p95':>8}  queries/request",
        "-" * 93,
    ]
    for key, result in results.items():
        if key.startswith("_"):
            continue
        mark = "*" if result["target"] else " "
        lines.append(f"{mark}{result['label']:<45} {result['n']:>4} {_fmt(result['p50_ms']):>8} "
                     f"{_fmt(result['p95_ms']):>8} {_fmt(result.get('cpu_p95_ms')):>8}  {_queries(result)}")
        for error in result["errors"][:2]:
            lines.append(f"    !! ERROR {error}")
        if result.get("note", "").startswith("only"):
            lines.append(f"    note: {result['note']}")
    lines.append(f"(* = p95 <= {P95_TARGET_MS:.0f} ms applies at {TARGET_SIZE:,} runs; archive search p95 <= "
                 f"{ARCHIVE_P95_TARGET_MS:.0f} ms at {ARCHIVE_TARGET_DOCS:,} archived documents (--archive-docs); "
                 "queries: median, with (min-max) when they vary)")
    load = results.get("_meta", {}).get("load_average")
    if load:
        busy = max(load) > 1.5
        lines.append(f"load average before/after measuring: {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores"
                     + (" — other processes were busy: timings are inflated" if busy else ""))
    reference = results.get("_meta", {}).get("reference_cpu_ms")
    if reference:
        lines.append(f"machine speed: the ceiling page (bench/ceiling_app.py) took {reference[0]:.3f} / {reference[1]:.3f} ms "
                     "CPU in process before/after measuring (p50); compare runs by a page's CPU time over it")
    return "\n".join(lines)


def _short_sql(statement: str, width: int = 150) -> str:
    flat = re.sub(r"\s+", " ", statement).strip()
    flat = re.sub(r"SELECT .{60,}? FROM", "SELECT … FROM", flat, count=1)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def costliest_sql(results: dict, limit: int = 2) -> str:
    """Per operation, the statements that took the most database time per request."""
    lines = ["costliest SQL per operation (ms per request, calls per request):"]
    for key, result in results.items():
        if key.startswith("_") or not result["top_sql"]:
            continue
        lines.append(f"  {result['label']}")
        for entry in result["top_sql"][:limit]:
            lines.append(f"    {entry['ms_per_request']:7.2f} ms  x{entry['calls_per_request']:<5} {_short_sql(entry['sql'])}")
    return "\n".join(lines)


def plans(results: dict) -> str:
    """EXPLAIN output of the costliest SELECTs (largest size only)."""
    lines = []
    for key, result in results.items():
        for entry in (result.get("explain") or []) if not key.startswith("_") else []:
            lines.append(f"-- {result['label']}: {entry['ms_per_request']:.2f} ms/request")
            lines.append(f"-- {_short_sql(entry['sql'], 400)}")
            lines.extend("   " + line for line in entry["plan"].splitlines())
    return "\n".join(["EXPLAIN of the costliest statements:"] + lines) if lines else ""


def verdicts(backend: str, sizes: dict[int, dict]) -> list[dict]:
    """PASS/FAIL per target: p95 at the largest size for the starred pages; equal query counts across sizes."""
    found = []
    name = BACKEND_NAMES.get(backend, backend)
    if not sizes:
        return found
    largest = max(sizes)
    note = "" if largest == TARGET_SIZE else f" (target is defined at {TARGET_SIZE:,} runs; largest measured here)"
    for key, result in sizes[largest]["results"].items():
        if key.startswith("_") or not result["target"]:
            continue
        p95 = result["p95_ms"]
        passed = p95 is not None and p95 <= P95_TARGET_MS and not result["errors"]
        text = (f"{name}: {result['label']} p95 at {largest:,} runs = {_fmt(p95)} ms "
                f"{'≤' if passed else '>'} {P95_TARGET_MS:.0f} ms{note}")
        if result["errors"]:
            text += f" — errors: {result['errors'][0]}"
        found.append({"backend": backend, "op": key, "kind": "p95", "passed": passed, "text": text})
        cpu = result.get("cpu_p95_ms")
        if cpu is not None:  # the same requests' CPU time: what the page costs when the cores are shared
            cpu_passed = cpu <= P95_TARGET_MS and not result["errors"]
            found.append({"backend": backend, "op": key, "kind": "cpu_p95", "passed": cpu_passed,
                          "text": f"{name}: {result['label']} CPU-time p95 at {largest:,} runs = {_fmt(cpu)} ms "
                                  f"{'≤' if cpu_passed else '>'} {P95_TARGET_MS:.0f} ms{note}"})
    found += archive_verdicts(name, backend, sizes[largest]["results"])
    if len(sizes) < 2:
        return found
    ordered = sorted(sizes)
    for key, result in sizes[largest]["results"].items():
        if key.startswith("_"):
            continue
        per_size = [sizes[s]["results"].get(key) for s in ordered]
        shown = [f"{s:,}: {_queries(r) if r else '-'}" for s, r in zip(ordered, per_size)]
        measured = all(r and r["queries"] is not None for r in per_size)
        same = measured and len({(r["queries"], r["queries_min"], r["queries_max"]) for r in per_size}) == 1
        text = f"{name}: {result['label']} query count same at all sizes — {'; '.join(shown)}"
        found.append({"backend": backend, "op": key, "kind": "queries", "passed": same, "text": text})
    return found


def archive_verdicts(name: str, backend: str, results: dict) -> list[dict]:
    """Archive search p95 against its target, judged only when the archive held enough documents."""
    found = []
    docs = (results.get("_meta") or {}).get("archived_documents") or 0
    for key in ARCHIVE_OPS:
        result = results.get(key)
        if not result:
            continue
        p95 = result["p95_ms"]
        if docs < ARCHIVE_TARGET_DOCS:
            text = (f"{name}: {result['label']} p95 = {_fmt(p95)} ms at {docs:,} archived documents — target "
                    f"{ARCHIVE_P95_TARGET_MS:.0f} ms is defined at {ARCHIVE_TARGET_DOCS:,} (run with "
                    f"--archive-docs {ARCHIVE_TARGET_DOCS}); not judged")
            found.append({"backend": backend, "op": key, "kind": "archive_p95", "passed": True, "text": text,
                          "judged": False})
            continue
        passed = p95 is not None and p95 <= ARCHIVE_P95_TARGET_MS and not result["errors"]
        text = (f"{name}: {result['label']} p95 at {docs:,} archived documents = {_fmt(p95)} ms "
                f"{'≤' if passed else '>'} {ARCHIVE_P95_TARGET_MS:.0f} ms")
        found.append({"backend": backend, "op": key, "kind": "archive_p95", "passed": passed, "text": text})
    return found


def verdict_lines(found: list[dict]) -> str:
    """PASS lines plainly, FAIL lines loudly."""
    lines = []
    for v in found:
        if v.get("judged") is False:
            lines.append(f"  ----  {v['text']}")
            continue
        lines.append(f"  PASS  {v['text']}" if v["passed"] else f"!!FAIL  {v['text']}")
    failed = sum(1 for v in found if not v["passed"])
    if failed:
        lines += ["", "#" * 72, f"###  {failed} FAIL(S): see the lines marked !!FAIL above", "#" * 72]
    else:
        lines.append("  all targets PASS")
    return "\n".join(lines)
