"""The source SOP documents (``../shared/seeds`` beside the repository), read by the
tests that compare a plugin's definition with the seed it transcribes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

SEEDS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def seed_text(number: int) -> str:
    """The text of seed ``number`` (000-004); skips the test, saying why, when the seeds are not beside the repository."""
    matches = sorted(SEEDS_DIR.glob(f"{number:03d}_*.txt"))
    if not matches:
        pytest.skip(f"seed {number:03d} tidak ditemukan di {SEEDS_DIR} (../shared harus berada di samping repositori)")
    return matches[0].read_text(encoding="utf-8")


def squash(text: str) -> str:
    """``text`` with every run of whitespace made one space, for comparing a definition's
    strings with the seed's line-broken table cells."""
    return re.sub(r"\s+", " ", text).strip()
