"""The machine's speed at the moment of measuring: the ceiling page's CPU time, in process.

This machine's speed moves by up to 1.6 times within hours (CPU time included), so a page's
milliseconds from two runs cannot be compared as they are. ``bench.run`` measures the minimal
Flask DB page of ``bench.ceiling_app`` with the test client right before and right after each
table's pages and prints it beside them: a page's CPU time over this figure compares across runs.
"""
from __future__ import annotations

import atexit
import shutil
import statistics
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from bench.ceiling_app import build_database, create_app


@lru_cache(maxsize=1)
def _client():
    """A test client of the ceiling app on its 200,000-row table, built once per process."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-reference-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return create_app(str(build_database(workdir / "ceiling.db"))).test_client()


def reference_cpu_ms(requests: int = 300, warmup: int = 30) -> float:
    """The median CPU time, in ms, of one request to the ceiling page (test client, no HTTP)."""
    client = _client()
    for _ in range(warmup):
        client.get("/")
    timings = []
    for _ in range(requests):
        started = time.process_time()
        response = client.get("/")
        timings.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the ceiling page answered HTTP {response.status_code}")
    return round(statistics.median(timings), 3)
