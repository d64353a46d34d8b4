"""Local PostgreSQL for tests and benchmarks: find it (starting the cluster if needed),
create and drop throw-away databases. Not used by the running portal."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess

import psycopg

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_problem(admin_dsn: str = ADMIN_DSN) -> str | None:
    """None when PostgreSQL answers (after trying ``pg_ctlcluster ... start`` once), else why not."""
    try:
        psycopg.connect(admin_dsn, connect_timeout=3).close()
        return None
    except psycopg.OperationalError as first:
        clusters = glob.glob("/etc/postgresql/*")
        if not (clusters and shutil.which("pg_ctlcluster")):
            return f"PostgreSQL di 127.0.0.1:5432 tidak menjawab dan tidak dapat dijalankan di sini: {first}".strip()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", os.path.basename(clusters[0]), "main", "start"],
                       capture_output=True, timeout=60)
        try:
            psycopg.connect(admin_dsn, connect_timeout=5).close()
            return None
        except psycopg.OperationalError as second:
            return f"PostgreSQL di 127.0.0.1:5432 tidak menjawab, juga setelah dicoba dijalankan: {second}".strip()


def recreate_database(name: str, admin_dsn: str = ADMIN_DSN, *, drop_only: bool = False) -> None:
    """Drop database ``name`` (disconnecting its sessions) and, unless ``drop_only``, create it empty."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
