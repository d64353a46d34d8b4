"""``python -m bench.profile``: where one page's time goes, in process (cProfile), on generated data.

Generates ``--size`` runs on SQLite, logs in as the bench user and requests ``--page`` (inbox, run_page,
step_page or archive_q) ``--requests`` times under cProfile; prints the functions with the most own time
and the most calls per request (e.g. ``url_for`` and Jinja calls per request). For a served worker use
py-spy (``py-spy record -p <worker pid>``) while ``python -m bench.served`` loads the page.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from bench.backends import bench_database, dispose, make_app
from bench.generate import DEFAULT_SEED, generate
from bench.measure import login
from bench.ops import ARCHIVE_QUERIES, BENCH_USER, _sample_runs, _sample_tasks


def paths_for(app, generated: dict, page: str) -> list[str]:
    """The paths one page cycles through (as in ``bench.served``)."""
    samples = _sample_runs(app, generated, BENCH_USER)
    return {"inbox": ["/tugas"], "run_page": [f"/pelaksanaan/{rid}" for rid in samples],
            "step_page": [f"/tugas/{tid}" for tid in _sample_tasks(app, samples)],
            "archive_q": [f"/arsip?q={q.replace(' ', '+')}" for q in ARCHIVE_QUERIES]}[page]


def main(argv: list[str] | None = None) -> int:
    """Profile the page and print the top functions by own time and by calls per request."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--page", default="inbox", choices=["inbox", "run_page", "step_page", "archive_q"])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        with bench_database("sqlite", Path(tmp)) as url:
            app = make_app(url, Path(tmp))
            try:
                generated = generate(app, args.size, seed=DEFAULT_SEED, log=lambda *a: None)
                paths = paths_for(app, generated, args.page)
                from portal.demo import DEMO_PASSWORD

                client = login(app, BENCH_USER, DEMO_PASSWORD)
                for path in paths * 3:  # warm-up: templates compiled, caches filled
                    client.get(path)
                timings = []
                for i in range(args.requests):  # unprofiled, for the real time per request
                    started = time.process_time()
                    client.get(paths[i % len(paths)])
                    timings.append((time.process_time() - started) * 1000)
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(args.requests):
                    assert client.get(paths[i % len(paths)]).status_code == 200
                profiler.disable()
            finally:
                dispose(app)
    stats = pstats.Stats(profiler)

    print(f"{args.page}: {args.requests} requests of {len(paths)} path(s) at {args.size:,} runs; without the "
          f"profiler, CPU time p50 {statistics.median(timings):.2f} ms, mean {statistics.fmean(timings):.2f} ms per request "
          f"(test client, no HTTP)")
    rows = [(key, cc, nc, tt, ct) for key, (cc, nc, tt, ct, _callers) in stats.stats.items()]
    print(f"\n{'own ms/req':>10} {'calls/req':>10}  function (by own time)")
    for (file, line, name), _cc, nc, tt, _ct in sorted(rows, key=lambda r: -r[3])[:args.top]:
        print(f"{tt * 1000 / args.requests:>10.3f} {nc / args.requests:>10.1f}  {name}  {file.split('site-packages/')[-1]}:{line}")
    print(f"\n{'cum ms/req':>10} {'calls/req':>10}  the portal's own functions (by cumulative time)")
    own = [r for r in rows if "/portal/" in r[0][0] or "/plugins/" in r[0][0] or "/templates/" in r[0][0]]
    for (file, line, name), _cc, nc, _tt, ct in sorted(own, key=lambda r: -r[4])[:args.top]:
        print(f"{ct * 1000 / args.requests:>10.3f} {nc / args.requests:>10.1f}  {name}  {file.split('i11-12/')[-1]}:{line}")
    print(f"\n{'cum ms/req':>10} {'calls/req':>10}  function (named, by calls)")
    for name in ("url_for", "render_template", "render_block", "format_datetime", "execute", "_instance"):
        for (file, line, fname), _cc, nc, _tt, ct in rows:
            if fname == name:
                print(f"{ct * 1000 / args.requests:>10.3f} {nc / args.requests:>10.1f}  {fname}  "
                      f"{file.split('site-packages/')[-1]}:{line}")

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
