"""Where the core's templates, migrations and docs are, in a source checkout and in an installed wheel.

The repository keeps ``templates/``, ``migrations/`` and ``docs/`` at the top level; the wheel
ships them as ``portal/templates``, ``portal/migrations`` and ``portal/docs`` (see pyproject.toml).
Both are found through ``importlib.resources``; a plain checkout that is not installed falls back
to the top-level folders.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def resource_dir(name: str) -> Path:
    """The folder ``name`` (``templates``, ``migrations`` or ``docs``) as a real directory path.

    Installed from a wheel it is ``portal/<name>`` inside the package; in a checkout (plain or
    editable install) it is the top-level folder of the repository.
    """
    packaged = Path(str(resources.files("portal") / name))
    return packaged if packaged.is_dir() else ROOT / name
