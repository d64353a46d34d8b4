"""``python -m bench.run``: generate data, measure the pages, print tables and verdicts.

For each backend (SQLite in a temporary file; PostgreSQL ``sop_portal_bench`` on
127.0.0.1, skipped with the reason when it does not answer) and each size, it generates
the data, measures every operation, prints a table, and at the end prints PASS/FAIL per
target. Results go to ``bench/out/results.json``. Exits 0 even on FAIL: it is a report.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import report
from bench.backends import BACKENDS, bench_database, dispose, make_app, postgres_unavailable
from bench.generate import DEFAULT_SEED, generate, top_up_archive
from bench.measure import measure
from bench.reference import reference_cpu_ms

OUT = Path(__file__).resolve().parent / "out" / "results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; every one has a default, so no argument is needed."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000",
                        help="run counts, comma-separated (default 1000,100000: the targets' sizes)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql (default both)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per operation (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per operation (default 20)")
    parser.add_argument("--extra-users", type=int, default=200, help="users besides the demo ones (default 200)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON results (default {OUT})")
    parser.add_argument("--archive-docs", type=int, default=0,
                        help="copy archived documents until the archive holds this many (default: none)")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN of the costliest statements")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database of the last size")
    parser.add_argument("--gc-freeze", action=argparse.BooleanOptionalAction, default=True,
                        help="gc.freeze() before measuring, as wsgi.py does for the served app (default: on)")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in args.backends if b not in BACKENDS]
    if unknown or not args.sizes or min(args.sizes) < 1:
        parser.error(f"unknown backend(s) {unknown}" if unknown else "sizes must be positive numbers")
    return args


def run_backend(backend: str, args, now: datetime) -> dict[int, dict]:
    """Generate and measure every size on ``backend``; returns {size: {"generated", "results"}}."""
    sizes = {}
    for size in args.sizes:
        print(f"\n--- {report.BACKEND_NAMES[backend]}: generating {size:,} runs ---", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as tmp:
            workdir = Path(tmp)
            keep = args.keep_db and size == args.sizes[-1]
            with bench_database(backend, workdir, keep=keep) as url:
                app = make_app(url, workdir)
                try:
                    generated = generate(app, size, seed=args.seed, extra_users=args.extra_users, now=now)
                    if args.archive_docs:
                        copies = top_up_archive(app, args.archive_docs)
                        generated["counts"]["archived"] += copies
                        generated["archive_copies"] = copies
                    print(f"--- {report.BACKEND_NAMES[backend]}: measuring {size:,} runs "
                          f"({args.warmup} warm-up + {args.requests} requests per operation) ---", flush=True)
                    if args.gc_freeze:
                        gc.collect()
                        gc.freeze()
                    load_before = os.getloadavg()[0]
                    reference_before = reference_cpu_ms()
                    results = measure(app, generated, requests=args.requests, warmup=args.warmup,
                                      with_explain=not args.no_explain and size == args.sizes[-1])
                    results["_meta"]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                    results["_meta"]["reference_cpu_ms"] = [reference_before, reference_cpu_ms()]
                finally:
                    if args.gc_freeze:
                        gc.unfreeze()
                    dispose(app)
        sizes[size] = {"generated": generated, "results": results}
        print(report.table(backend, size, generated, results))
        print(report.costliest_sql(results))
        if size == args.sizes[-1] and not args.no_explain:
            print(report.plans(results))
        sys.stdout.flush()
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; always returns 0 (FAILs are printed, not raised)."""
    args = parse_args(argv)
    from portal.models import utcnow

    now = utcnow()
    began = time.perf_counter()
    output = {"started_at": now.isoformat(), "args": {"sizes": args.sizes, "backends": args.backends,
                                                       "requests": args.requests, "warmup": args.warmup,
                                                       "extra_users": args.extra_users, "seed": args.seed,
                                                       "archive_docs": args.archive_docs,
                                                       "gc_freeze": args.gc_freeze},
              "p95_target_ms": report.P95_TARGET_MS, "backends": {}, "verdicts": []}
    found = []
    for backend in args.backends:
        if backend == "postgresql":
            reason = postgres_unavailable()
            if reason:
                print(f"\n!!! PostgreSQL part SKIPPED: {reason}\n", flush=True)
                output["backends"][backend] = {"skipped": reason}
                continue
        sizes = run_backend(backend, args, now)
        output["backends"][backend] = {"skipped": None, "sizes": {str(s): v for s, v in sizes.items()}}
        found += report.verdicts(backend, sizes)
    print("\n=== VERDICTS ===")
    for backend, data in output["backends"].items():
        if data.get("skipped"):
            print(f"  SKIP  {report.BACKEND_NAMES[backend]}: {data['skipped']}")
    print(report.verdict_lines(found))
    print(f"(machine: {os.cpu_count()} cores shared with other work; p95 is wall time in one process, so it "
          "rises with the load average shown in each table)")
    output["verdicts"] = found
    output["seconds"] = round(time.perf_counter() - began, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output, indent=2, default=_json_default, ensure_ascii=False))
    print(f"\nresults written to {args.out} (total {output['seconds']:.0f} s)")
    return 0


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
