"""The served-app benchmark's pieces: wrk output parsing, the ceiling app, a real gunicorn + wrk run.

No timing is asserted: only that the pieces measure what they say (requests counted, the
ceiling page really reads 50 rows, worker CPU and RSS read from /proc).
"""
from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ``bench`` is not an installed package

from bench.ceiling_app import PAGE_ROWS, build_database, create_app  # noqa: E402
from bench.served import summarise, verdicts  # noqa: E402
from bench.served_support import GunicornServer, parse_wrk, run_wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/tugas
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.01ms    3.20ms  61.00ms   80.00%
    Req/Sec   600.00     50.00   700.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   12.00ms
     90%   15.00ms
     99%    1.20s
  11990 requests in 10.00s, 50.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1199.00
Transfer/sec:      5.00MB
"""


def test_parse_wrk_reads_rate_percentiles_in_every_unit_and_errors():
    result = parse_wrk(WRK_OUTPUT)
    assert result["rps"] == 1199.0
    assert result["requests"] == 11990
    assert result["p50_ms"] == pytest.approx(0.85)
    assert result["p99_ms"] == pytest.approx(1200.0)
    assert result["errors"] == 4 + 1 + 2


def test_parse_wrk_without_latency_gives_nan_not_zero():
    result = parse_wrk("  10 requests in 1.00s, 1KB read\nRequests/sec: 10.00\n")
    assert result["requests"] == 10 and result["errors"] == 0
    assert math.isnan(result["p50_ms"])


def test_ceiling_page_renders_fifty_rows_of_the_table(tmp_path):
    database = build_database(tmp_path / "ceiling.db", rows=4000)
    client = create_app(str(database)).test_client()
    html = client.get("/").get_data(as_text=True)
    assert html.count("<tr><td>") == PAGE_ROWS
    assert "Dokumen kinerja nomor" in html


def test_ceiling_page_compiles_its_template_once(tmp_path, monkeypatch):
    """The ceiling is the least a Flask page costs: its template is compiled once, as a page's template
    is, not on every request (compiling cost three times the rest and made every share look better)."""
    from jinja2 import Environment

    compiled = []
    original = Environment.compile
    monkeypatch.setattr(Environment, "compile", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    client = create_app(str(build_database(tmp_path / "ceiling.db", rows=500))).test_client()
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert len(compiled) == 1


def test_share_of_ceiling_is_per_round_and_verdicts_follow_targets():
    def page(rps):
        return {"rps": rps, "p50_ms": 1.0, "p99_ms": 2.0, "cpu_ms_per_request": 1.0, "errors": 0}

    measured = {"labels": {"inbox": "Tugas Saya", "run_page": "Run page"}, "worker_rss_mb": [90.0, 130.0],
                "rounds": [{"ceiling": page(1000), "inbox": page(600), "run_page": page(400)},
                           {"ceiling": page(500), "inbox": page(300), "run_page": page(200)}]}
    summary = summarise(measured)
    assert summary["inbox"]["share"] == pytest.approx(0.6)
    assert summary["run_page"]["share"] == pytest.approx(0.4)
    found = {v["what"]: v["ok"] for v in verdicts("sqlite", measured, summary)}
    assert found["Tugas Saya >= 0.5 x ceiling"] is True
    assert found["Run page >= 0.5 x ceiling"] is False
    assert found["worker RSS <= 120 MB"] is False


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (bash scripts/system-deps.sh)")
def test_gunicorn_and_wrk_measure_the_ceiling_app(tmp_path):
    database = build_database(tmp_path / "ceiling.db", rows=2000)
    args = SimpleNamespace(threads=1, connections=2, duration=1)
    with GunicornServer("bench.ceiling_app:create_app()", {"CEILING_DB": str(database)}, workers=1,
                        cwd=ROOT) as server:
        result = run_wrk(shutil.which("wrk"), server, ["/", "/"], None, args)
        rss = server.worker_rss_mb()
    assert result["requests"] > 0 and result["errors"] == 0
    assert result["rps"] > 0 and result["p50_ms"] > 0
    assert result["cpu_ms_per_request"] > 0
    assert len(rss) == 1 and rss[0] > 10


def test_postgres_cpu_is_read_from_the_server_processes(postgres_url):
    from sqlalchemy import create_engine, text

    from bench.served_support import postgres_cpu_seconds

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            before = postgres_cpu_seconds()
            conn.execute(text("SELECT count(*) FROM generate_series(1, 3000000) AS g(n) WHERE n % 7 = 3"))
            after = postgres_cpu_seconds()
    finally:
        engine.dispose()
    assert after - before >= 0.05  # the backend's own work, counted in its /proc/<pid>/stat
