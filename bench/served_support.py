"""Pieces of the served-app benchmark: a gunicorn process, logging in over HTTP, wrk runs.

Only loopback addresses are used; every wrk run is bounded by its duration.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """``gunicorn APP`` with ``workers`` sync workers on a free loopback port, as a context manager."""

    def __init__(self, app: str, env: dict[str, str], *, workers: int, cwd: Path):
        self.app, self.workers, self.cwd = app, workers, cwd
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()

    def __enter__(self) -> "GunicornServer":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "--workers", str(self.workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", self.app]
        self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=self.log, stderr=self.log)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} stopped:\n{self._log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.app} not ready after {timeout:.0f} s:\n{self._log_text()}")

    def _log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time used so far by the current workers."""
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / CLOCK_TICKS

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker in MB."""
        return [memory["rss"] for memory in self.worker_memory()]

    def worker_memory(self) -> list[dict[str, float]]:
        """Per worker, in MB: ``rss`` and its parts ``anon`` (heap), ``file`` (mapped files, e.g. an
        mmap'ed database) and ``shmem``, from ``/proc/<pid>/status``."""
        found = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            values = {key: int(kib) / 1024 for key, kib in re.findall(r"^(VmRSS|RssAnon|RssFile|RssShmem):\s+(\d+) kB",
                                                                        status, re.M)}
            if "VmRSS" in values:
                found.append({"pid": pid, "rss": values["VmRSS"], "anon": values.get("RssAnon", 0.0),
                              "file": values.get("RssFile", 0.0), "shmem": values.get("RssShmem", 0.0)})
        return found

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def postgres_cpu_seconds() -> float:
    """User + system CPU time used so far by the local PostgreSQL server's processes (all of
    them: the backends serving the workers and the background ones, which stay small)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1].startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def login_cookie(base_url: str, username: str, password: str) -> str:
    """Log in through the login form (with its CSRF token); return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/masuk", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("login form has no csrf_token")
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "username": username,
                                   "password": password}).encode()
    answer = opener.open(f"{base_url}/masuk", data=data, timeout=30)
    if "/masuk" in answer.geturl():
        raise RuntimeError(f"login as {username} failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check_pages(base_url: str, paths: list[str], cookie: str | None) -> None:
    """Every path answers 200 for this cookie (not a redirect to the login page)."""
    for path in paths:
        request = urllib.request.Request(base_url + path, headers={"Cookie": cookie} if cookie else {})
        answer = urllib.request.urlopen(request, timeout=30)
        if answer.status != 200 or "/masuk" in answer.geturl():
            raise RuntimeError(f"{path} answered {answer.status} at {answer.geturl()}")


def find_wrk() -> str | None:
    """The wrk binary, or None."""
    return shutil.which("wrk")


def _script(paths: list[str]) -> str:
    quoted = ", ".join(f'"{p}"' for p in paths)
    return (f"local paths = {{{quoted}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n")


def run_wrk(wrk: str, server: GunicornServer, paths: list[str], cookie: str | None, args) -> dict:
    """Load ``paths`` (cycled) on ``server`` for ``args.duration`` s; req/s, p50/p99 ms, CPU ms per request."""
    check_pages(server.url, paths, cookie)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(paths))
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "-s", script.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    cpu_before, db_before = server.worker_cpu_seconds(), postgres_cpu_seconds()
    try:
        output = subprocess.run(command + [server.url + paths[0]], capture_output=True, text=True,
                                timeout=args.duration + 60, check=True).stdout
    finally:
        os.unlink(script.name)
    cpu, db_cpu = server.worker_cpu_seconds() - cpu_before, postgres_cpu_seconds() - db_before
    result = parse_wrk(output)
    result["cpu_ms_per_request"] = cpu * 1000 / result["requests"] if result["requests"] else 0.0
    result["db_cpu_ms_per_request"] = db_cpu * 1000 / result["requests"] if result["requests"] else 0.0
    return result


def parse_wrk(output: str) -> dict:
    """req/s, total requests, p50/p99 (ms) and error answers from wrk's ``--latency`` output."""
    def latency(pct: str) -> float:
        match = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return float(match.group(1)) * UNITS_MS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {"rps": float(rps.group(1)) if rps else 0.0, "requests": int(total.group(1)) if total else 0,
            "p50_ms": latency("50"), "p99_ms": latency("99"), "errors": errors}
