"""Settings from environment variables. SQLite in ``instance/`` by default."""
from __future__ import annotations

import os
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "ya")


def load_config(instance_path: str) -> dict:
    """Build the app configuration from the environment (see README for the variables)."""
    instance = Path(instance_path)
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        secret_file = instance / "secret_key"
        if not secret_file.exists():
            instance.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(os.urandom(32).hex())
        secret = secret_file.read_text().strip()
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        "DB_PING_IDLE_SECONDS": float(os.environ.get("DB_PING_IDLE_SECONDS", "10")),
        "PORTAL_PLUGINS_DIR": os.environ.get("PORTAL_PLUGINS_DIR", str(instance / "plugins")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance / "uploads")),
        "MAX_UPLOAD_MB": int(os.environ.get("MAX_UPLOAD_MB", "20")),
        "MAX_UNPACKED_MB": int(os.environ.get("MAX_UNPACKED_MB", "200")),
        "TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Jakarta"),
        "WORK_HOURS": os.environ.get("WORK_HOURS", "07:30-16:00"),
        "CUTI_BERSAMA": os.environ.get("CUTI_BERSAMA", ""),
        "AGENCY_NAME": os.environ.get("AGENCY_NAME", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
        "WTF_CSRF_TIME_LIMIT": None,
        "ARCHIVE_PAGE_SIZE": 20,
        "RUNS_PAGE_SIZE": 25,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip(),
        **_capaian(),
    }


def _capaian() -> dict:
    """% capaian settings: the rule for indicators where lower is better and the status
    colour thresholds (README, "Settings")."""
    rule = os.environ.get("CAPAIAN_RUMUS_TURUN", "rasio").strip().lower()
    if rule not in ("rasio", "selisih"):
        raise ValueError(f'CAPAIAN_RUMUS_TURUN "{rule}" tidak dikenal: pakai "rasio" (target/realisasi) '
                         'atau "selisih" ((2 x target - realisasi)/target)')
    green = float(os.environ.get("CAPAIAN_BATAS_HIJAU", "100"))
    yellow = float(os.environ.get("CAPAIAN_BATAS_KUNING", "75"))
    if yellow > green:
        raise ValueError("CAPAIAN_BATAS_KUNING tidak boleh lebih besar dari CAPAIAN_BATAS_HIJAU")
    return {"CAPAIAN_RUMUS_TURUN": rule, "CAPAIAN_BATAS_HIJAU": green, "CAPAIAN_BATAS_KUNING": yellow}
