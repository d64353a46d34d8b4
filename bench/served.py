"""``python -m bench.served``: the portal under gunicorn beside a minimal Flask page (the ceiling).

For each backend it generates ``--size`` runs (``bench.generate``), starts the portal under
gunicorn (``--workers`` sync workers) on that data and the ceiling app (``bench.ceiling_app``)
under the same settings, logs in as the bench user, and loads every page with wrk
(``--threads``/``--connections``/``--duration``), interleaving the pages and the ceiling over
``--rounds`` rounds so that the machine's other load hits both alike. It prints req/s, p50/p99
latency, worker CPU per request and the share of the ceiling measured in the same round, the
workers' RSS, and PASS/FAIL verdicts. Results also go to ``bench/out/served.json``.
Always exits 0: it is a report.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import report
from bench.backends import BACKENDS, bench_database, dispose, make_app, postgres_unavailable
from bench.ceiling_app import build_database
from bench.generate import DEFAULT_SEED, generate
from bench.ops import ARCHIVE_QUERIES, BENCH_USER, _sample_runs, _sample_tasks
from bench.served_support import GunicornServer, find_wrk, login_cookie, run_wrk

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out" / "served.json"
SHARE_TARGET = 0.5
RSS_TARGET_MB = 120
TARGET_PAGES = ("inbox", "run_page")
PASSWORD = "sakip2026"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; every one has a default."""
    parser = argparse.ArgumentParser(prog="python -m bench.served", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000, help="generated runs (default 20000)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql (default both)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page and round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON results (default {OUT})")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if any(b not in BACKENDS for b in args.backends) or args.size < 1 or args.rounds < 1:
        parser.error("unknown backend, or size/rounds below 1")
    return args


def page_paths(app, generated: dict) -> dict[str, tuple[str, list[str]]]:
    """The measured pages: key -> (label, the paths wrk cycles through)."""
    samples = _sample_runs(app, generated, BENCH_USER)
    tasks = _sample_tasks(app, samples)
    return {
        # no verdict: about the least a logged-in portal request costs (session cookie, Flask-Login,
        # the user's statement with both badge counts, the menu's context, a one-line template)
        "floor": ("Badge fragment  GET /tugas/jumlah", ["/tugas/jumlah"]),
        "inbox": ("Tugas Saya  GET /tugas", ["/tugas"]),
        "run_page": ("Run page  GET /pelaksanaan/<id>", [f"/pelaksanaan/{rid}" for rid in samples]),
        "step_page": ("Step page  GET /tugas/<id>", [f"/tugas/{tid}" for tid in tasks]),
        "archive_q": ("Arsip search  GET /arsip?q=", [f"/arsip?q={q.replace(' ', '+')}" for q in ARCHIVE_QUERIES]),
    }


def measure_backend(backend: str, args, ceiling: GunicornServer, wrk: str, now) -> dict:
    """Generate the data on ``backend``, serve it, and load every page ``args.rounds`` times."""
    print(f"\n--- {report.BACKEND_NAMES[backend]}: generating {args.size:,} runs ---", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"served-{backend}-") as tmp:
        workdir = Path(tmp)
        with bench_database(backend, workdir) as url:
            app = make_app(url, workdir)
            try:
                generated = generate(app, args.size, seed=args.seed, now=now)
                pages = page_paths(app, generated)
            finally:
                dispose(app)
            env = {"DATABASE_URL": url, "UPLOAD_DIR": str(workdir / "uploads"), "SECRET_KEY": "served-bench",
                   "PORTAL_PLUGINS_DIR": str(workdir / "plugins")}
            with GunicornServer("wsgi:app", env, workers=args.workers, cwd=ROOT) as portal:
                cookie = login_cookie(portal.url, BENCH_USER, PASSWORD)
                rounds = []
                for number in range(1, args.rounds + 1):
                    print(f"--- {report.BACKEND_NAMES[backend]}: round {number}/{args.rounds} ---", flush=True)
                    result = {"ceiling": run_wrk(wrk, ceiling, ["/"], None, args)}
                    for key, (_label, paths) in pages.items():
                        result[key] = run_wrk(wrk, portal, paths, cookie, args)
                    rounds.append(result)
                memory = portal.worker_memory()
    return {"generated": {"runs": args.size, **generated["counts"]},
            "labels": {k: v[0] for k, v in pages.items()}, "rounds": rounds,
            "worker_rss_mb": [m["rss"] for m in memory], "worker_memory": memory}


def summarise(measured: dict) -> dict[str, dict]:
    """Per page: the median over rounds of req/s, p50, p99, CPU per request and share of the ceiling."""
    keys = ["ceiling", *measured["labels"]]
    summary = {}
    for key in keys:
        runs = [r[key] for r in measured["rounds"]]
        shares = [r[key]["rps"] / r["ceiling"]["rps"] for r in measured["rounds"] if r["ceiling"]["rps"]]
        summary[key] = {
            "rps": statistics.median(x["rps"] for x in runs),
            "p50_ms": statistics.median(x["p50_ms"] for x in runs),
            "p99_ms": statistics.median(x["p99_ms"] for x in runs),
            "cpu_ms": statistics.median(x["cpu_ms_per_request"] for x in runs),
            "db_cpu_ms": statistics.median(x.get("db_cpu_ms_per_request", 0.0) for x in runs),
            "errors": sum(x["errors"] for x in runs),
            "share": statistics.median(shares) if shares else 0.0,
        }
    return summary


def print_table(backend: str, measured: dict, summary: dict) -> None:
    """The result table of one backend."""
    labels = {"ceiling": "Ceiling: minimal Flask DB page", **measured["labels"]}
    print(f"\n{report.BACKEND_NAMES[backend]}, {measured['generated'].get('runs', '?'):,} runs "
          f"(median of {len(measured['rounds'])} rounds)")
    db_column = backend == "postgresql"
    print(f"  {'page':<38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11}"
          + (f" {'PG CPU ms/req':>14}" if db_column else "") + f" {'share':>6} {'errors':>7}")
    for key, row in summary.items():
        db_cpu = (f" {row['db_cpu_ms']:>14.1f}" if key != "ceiling" else f" {'-':>14}") if db_column else ""
        print(f"  {labels[key]:<38} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
              f"{row['cpu_ms']:>11.1f}{db_cpu} {row['share']:>6.2f} {row['errors']:>7}")
    print(f"  worker RSS after the load, per worker (target <= {RSS_TARGET_MB} MB each):")
    for m in measured.get("worker_memory") or [{"pid": "?", "rss": v} for v in measured["worker_rss_mb"]]:
        parts = (f" = anon {m['anon']:.0f} + file {m['file']:.0f} + shmem {m['shmem']:.0f}" if "anon" in m else "")
        verdict = "PASS" if m["rss"] <= RSS_TARGET_MB else "!!FAIL"
        print(f"    worker {m['pid']}: RSS {m['rss']:.0f} MB{parts}  {verdict}")
    print("  (req/s are noisy: other processes share the cores; judge by the share of the ceiling measured\n"
          "   in the same round and by worker CPU per request" + ("; on PostgreSQL the database server's CPU\n"
          "   per request, on the same two cores, is what the SQLite ceiling does not pay)" if db_column else ")"))


def verdicts(backend: str, measured: dict, summary: dict) -> list[dict]:
    """PASS/FAIL per target: share of the ceiling for the target pages, worker RSS, no errors."""
    found = []
    for key in TARGET_PAGES:
        share = summary[key]["share"]
        found.append({"backend": backend, "what": f"{measured['labels'][key]} >= {SHARE_TARGET} x ceiling",
                      "value": round(share, 2), "ok": share >= SHARE_TARGET})
    rss = max(measured["worker_rss_mb"] or [0])
    found.append({"backend": backend, "what": f"worker RSS <= {RSS_TARGET_MB} MB", "value": round(rss, 1),
                  "ok": rss <= RSS_TARGET_MB})
    errors = sum(row["errors"] for row in summary.values())
    found.append({"backend": backend, "what": "no error answers", "value": errors, "ok": errors == 0})
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the served-app benchmark; always returns 0 (FAILs are printed, not raised)."""
    args = parse_args(argv)
    wrk = find_wrk()
    if wrk is None:
        print("!!! wrk tidak ditemukan: jalankan `bash scripts/system-deps.sh` (apt-get install wrk).")
        return 0
    from portal.models import utcnow

    now = utcnow()
    began = time.perf_counter()
    output = {"started_at": now.isoformat(), "args": {k: v for k, v in vars(args).items() if k != "out"},
              "machine": {"cores": os.cpu_count(), "load_average": os.getloadavg()}, "backends": {},
              "verdicts": []}
    with tempfile.TemporaryDirectory(prefix="served-ceiling-") as tmp:
        ceiling_db = build_database(Path(tmp) / "ceiling.db")
        with GunicornServer("bench.ceiling_app:create_app()", {"CEILING_DB": str(ceiling_db)},
                            workers=args.workers, cwd=ROOT) as ceiling:
            for backend in args.backends:
                reason = postgres_unavailable() if backend == "postgresql" else None
                if reason:
                    print(f"\n!!! PostgreSQL part SKIPPED: {reason}\n", flush=True)
                    output["backends"][backend] = {"skipped": reason}
                    continue
                measured = measure_backend(backend, args, ceiling, wrk, now)
                summary = summarise(measured)
                print_table(backend, measured, summary)
                output["backends"][backend] = {"skipped": None, **measured, "summary": summary}
                output["verdicts"] += verdicts(backend, measured, summary)
    print("\n=== VERDICTS (served) ===")
    for v in output["verdicts"]:
        mark = "PASS" if v["ok"] else "!!FAIL"
        print(f"  {mark:<6} {report.BACKEND_NAMES[v['backend']]}: {v['what']}  ({v['value']})")
    output["machine"]["load_average_after"] = os.getloadavg()
    output["seconds"] = round(time.perf_counter() - began, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output, indent=2, default=str, ensure_ascii=False))
    print(f"\nresults written to {args.out} (total {output['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
