"""Small SVG drawing helpers for server-side charts (flowcharts, bar charts).

Text is measured with the portal's TTF (the one the PDFs embed) so wrapped lines fit
their cells in the browser and in xhtml2pdf alike; arrowheads are polygons because
svglib (used by xhtml2pdf) ignores ``marker-end``.
"""
from __future__ import annotations

import base64
import re
from functools import lru_cache
from xml.sax.saxutils import escape

__all__ = ["FONT_FAMILY", "FONT_SIZE", "LINE", "INK", "SvgCanvas", "arrowhead", "pentagon", "wrap",
           "text_width", "svg_data_uri", "svg_size"]

FONT_FAMILY = "DejaVu Sans"
FONT_SIZE = 6.5
LINE = 8.0  # line height in user units (points)
INK = "#1f2933"


@lru_cache(maxsize=1)
def _advance_widths() -> tuple[dict[int, int], int]:
    """The advance width of every glyph of the portal's TTF (the one the PDFs embed), in
    thousandths of the font size, and the width of a missing glyph. Read once; the parsed
    font itself (several MB in every worker) is not kept."""
    from reportlab.pdfbase.ttfonts import TTFont

    from portal.pdf import font_files

    face = TTFont("PortalMeasure", font_files()[0]).face
    return dict(face.charWidths), int(face.defaultWidth)


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in points at ``size`` in the portal font (as ReportLab measures it)."""
    return _text_units(text) * size / 1000


@lru_cache(maxsize=8192)
def _text_units(text: str) -> int:
    """``text``'s advance width in thousandths of the font size (wrapping a diagram's labels
    measures the same prefixes on every page view)."""
    widths, missing = _advance_widths()
    return sum(widths.get(ord(ch), missing) for ch in text)


def wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` points (long words are cut)."""
    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if text_width(candidate, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word, size) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and text_width(word[:cut], size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines or [""]


class SvgCanvas:
    """A small SVG writer with the primitives of the chart."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        """Append raw SVG markup (callers escape their text)."""
        self.parts.append(text)

    def line(self, x1, y1, x2, y2, *, stroke=INK, width=0.6, dash: str | None = None) -> None:
        """A straight line, optionally dashed."""
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                 f'stroke-width="{width}"{extra}/>')

    def rect(self, x, y, w, h, *, fill="none", stroke=INK, width=0.6, rx=0.0, dash=None, attrs="") -> None:
        """A rectangle (rounded with ``rx``: a capsule when ``rx`` is half the height)."""
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx:.1f}" ry="{rx:.1f}" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{extra}{attrs}/>')

    def polygon(self, points, *, fill=INK, stroke=INK, width=0.6, attrs="", dash=None) -> None:
        """A closed polygon through ``points``."""
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<polygon points="{pts}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{extra}{attrs}/>')

    def text(self, x, y, value, *, size=FONT_SIZE, anchor="start", bold=False) -> None:
        """One line of escaped text in the portal font."""
        weight = ' font-weight="bold"' if bold else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT_FAMILY}" font-size="{size}" '
                 f'text-anchor="{anchor}" fill="{INK}"{weight}>{escape(value)}</text>')

    def lines(self, x, y, values, *, anchor="start", bold=False, size=FONT_SIZE) -> None:
        """Several lines of text from ``y`` down, one ``LINE`` apart."""
        for i, value in enumerate(values):
            self.text(x, y + (i + 1) * LINE - 1.8, value, anchor=anchor, bold=bold, size=size)

    def arrow(self, points, *, kind: str, source: int, target: int, label: str = "", dash=None,
              bounds: tuple[float, float] | None = None) -> None:
        """A polyline ending in a polygon arrowhead, grouped with its data attributes."""
        self.add(f'<g class="arrow" data-kind="{kind}" data-from="{source}" data-to="{target}">')
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<polyline points="{pts}" fill="none" stroke="{INK}" stroke-width="0.7"{extra}/>')
        (x1, y1), (x2, y2) = points[-2], points[-1]
        self.polygon(arrowhead(x1, y1, x2, y2), attrs=' class="arrowhead"')
        if label:
            self._label(points, label, bounds)
        self.add("</g>")

    def _label(self, points, label: str, bounds: tuple[float, float] | None) -> None:
        """Write a branch label beside the first segment, kept inside the lane ``bounds``."""
        (lx, ly), (nx, ny) = points[0], points[1]
        size = 5.0
        width = text_width(label, size) + 1
        if ny == ly:  # horizontal: under the line, on the side it leaves
            x = lx + 1 if nx > lx else lx - 1 - width
            y = ly + 6
        else:  # vertical: right of the line, just below the symbol
            x, y = lx + 2, ly + 6
        if bounds is not None:
            x = min(max(x, bounds[0] + 1), bounds[1] - 1 - width)
        self.text(x, y, label, size=size, bold=True)

    def render(self, width: float, height: float, title: str) -> str:
        """The finished SVG document with a white framed background and a <title>."""
        body = "\n".join(self.parts)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
                f'viewBox="0 0 {width:.1f} {height:.1f}" role="img" class="sop-flowchart">'
                f"<title>{escape(title)}</title>\n"
                f'<rect x="0" y="0" width="{width:.1f}" height="{height:.1f}" fill="#ffffff" stroke="{INK}" '
                f'stroke-width="0.8"/>\n{body}\n</svg>')


def arrowhead(x1: float, y1: float, x2: float, y2: float, size: float = 4.0) -> list[tuple[float, float]]:
    """Triangle arrowhead at (x2, y2) pointing along the last segment (axis-aligned)."""
    if x1 == x2:
        d = 1 if y2 > y1 else -1
        return [(x2, y2), (x2 - size / 2, y2 - d * size), (x2 + size / 2, y2 - d * size)]
    d = 1 if x2 > x1 else -1
    return [(x2, y2), (x2 - d * size, y2 - size / 2), (x2 - d * size, y2 + size / 2)]


def pentagon(cx: float, y: float, *, pointing: str = "down") -> tuple[list, float]:
    """Points of an off-page connector pentagon pointing down (or up), and its text baseline."""
    w, h = 16.0, 16.0
    if pointing == "down":
        pts = [(cx - w / 2, y), (cx + w / 2, y), (cx + w / 2, y + h * 0.6), (cx, y + h), (cx - w / 2, y + h * 0.6)]
        ty = y + h * 0.5
    else:
        pts = [(cx, y), (cx + w / 2, y + h * 0.4), (cx + w / 2, y + h), (cx - w / 2, y + h), (cx - w / 2, y + h * 0.4)]
        ty = y + h * 0.8
    return pts, ty


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:image/svg+xml;base64,...`` URI (xhtml2pdf draws SVG only this way)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height attributes of an SVG made here."""
    match = re.search(r'width="([\d.]+)" height="([\d.]+)"', svg)
    return (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)
