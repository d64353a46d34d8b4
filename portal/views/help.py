"""Panduan: the short user guide in Bahasa Indonesia (docs/panduan.md), linked from the menu."""
from __future__ import annotations

from functools import lru_cache

import markdown
from flask import Blueprint
from markupsafe import Markup

from portal.resources import resource_dir
from portal.templating import render_page

bp = Blueprint("help", __name__)


@lru_cache(maxsize=1)
def guide_html() -> Markup:
    """docs/panduan.md as HTML (our own file, read once per process)."""
    text = (resource_dir("docs") / "panduan.md").read_text(encoding="utf-8")
    return Markup(markdown.markdown(text, extensions=["sane_lists"]))


@bp.route("/panduan")
def guide():
    """The user guide; open to everyone, also before logging in."""
    return render_page("help/guide.html", guide=guide_html())
