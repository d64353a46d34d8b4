"""PDF rendering for portal documents (SOP, Perjanjian Kinerja, ...) with xhtml2pdf.

Rendering is locked down: a document may only read ``/static/...`` files inside
the given static folder, ``data:`` URIs and the font files named by
:func:`font_css`. Remote URLs, ``file://`` and path traversal are refused, and
any warning or error xhtml2pdf logs while rendering raises :class:`PdfRenderError`
(xhtml2pdf itself reports a missing image or font as success).

Templates put ``font_css()`` into their ``<style>`` and use
``font-family: 'DejaVu Sans'`` (:data:`FONT_FAMILY`). That family name is kept
even when the DejaVu files are absent and ReportLab's bundled Vera fonts stand in.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import reportlab
import segno

__all__ = ["FONT_FAMILY", "PdfRenderError", "font_css", "font_files", "qr_png_data_uri", "render_pdf"]

#: CSS font-family declared by :func:`font_css`.
FONT_FAMILY = "DejaVu Sans"

_DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_VERA_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
#: (regular, bold) candidates, first complete pair wins.
_FONT_CANDIDATES = (
    (_DEJAVU_DIR / "DejaVuSans.ttf", _DEJAVU_DIR / "DejaVuSans-Bold.ttf"),
    (_VERA_DIR / "Vera.ttf", _VERA_DIR / "VeraBd.ttf"),
)
_STATIC_PREFIX = "/static/"
#: What the link callback hands back for a refused link: a scheme the resource
#: policy refuses outright, so nothing is fetched or read.
_REFUSED_URI = "refused:"


class PdfRenderError(Exception):
    """Rendering failed or xhtml2pdf logged a warning/error; message says what."""


def font_files() -> tuple[str, str]:
    """Return absolute paths (regular, bold) of the TTF files used by :func:`font_css`."""
    for regular, bold in _FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return str(regular), str(bold)
    raise PdfRenderError("no usable TTF font found (DejaVu Sans or ReportLab Vera)")


def font_css() -> str:
    """Return @font-face CSS declaring family 'DejaVu Sans' (normal + bold).

    The files are /usr/share/fonts/truetype/dejavu/DejaVuSans{,-Bold}.ttf when
    present, else ReportLab's bundled Vera.ttf / VeraBd.ttf (declared under the
    same family name). Templates put this in their <style> and use
    ``font-family: 'DejaVu Sans'``.
    """
    regular, bold = font_files()
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url(\"{regular}\"); }}\n"
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url(\"{bold}\"); font-weight: bold; }}\n"
    )


class _ThreadLogCapture(logging.Handler):
    """Collect WARNING+ records emitted by one thread only."""

    def __init__(self, thread_id: int) -> None:
        super().__init__(logging.WARNING)
        self.thread_id = thread_id
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id:
            return
        try:
            msg = record.getMessage()
        except Exception:  # a malformed log call still counts as a problem
            msg = str(record.msg)
        self.messages.append(f"{record.levelname}: {msg.splitlines()[0] if msg else ''}")


def _link_callback(static_root: Path | None, fonts: set[str], refused: list[str]):
    """Build an xhtml2pdf link_callback allowing static files, data: URIs and fonts."""
    def callback(uri, rel):
        uri = str(uri)
        if uri.startswith("data:") or uri in fonts:
            return uri
        parts = urlsplit(uri)
        if static_root is not None and not parts.scheme and not parts.netloc \
                and parts.path.startswith(_STATIC_PREFIX):
            target = (static_root / unquote(parts.path[len(_STATIC_PREFIX):])).resolve()
            if target.is_relative_to(static_root) and target.is_file():
                return str(target)
            refused.append(f"static file not found or outside static folder: {uri[:200]}")
        else:
            refused.append(f"link not allowed: {uri[:200]}")
        return _REFUSED_URI

    return callback


def render_pdf(html: str, *, static_folder: str | None = None) -> bytes:
    """Render HTML to PDF bytes with xhtml2pdf.

    Links ``/static/<path>`` resolve inside ``static_folder`` only; ``data:``
    URIs and the font files of :func:`font_css` are allowed; everything else
    (remote URLs, ``file://``, other paths, traversal) is refused. A refused
    link, any xhtml2pdf warning or error logged by this thread during the call,
    or a non-zero warning/error count in xhtml2pdf's result (in case the
    application silenced its logger) raises :class:`PdfRenderError`.
    """
    from xhtml2pdf import pisa  # imported on first use: ~28 MB per worker that never renders a PDF
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    fonts = set(font_files())
    refused: list[str] = []
    static_root = Path(static_folder).resolve() if static_folder else None
    policy = ResourceAccessPolicy.server(
        base_dir=static_root,
        extra_roots=tuple(Path(f) for f in fonts),
        allow_remote=False,
        allowed_hosts=frozenset(),
    )
    capture = _ThreadLogCapture(threading.get_ident())
    logger = logging.getLogger("xhtml2pdf")
    logger.addHandler(capture)
    out = io.BytesIO()
    try:
        result = pisa.CreatePDF(
            html,
            dest=out,
            encoding="utf-8",
            link_callback=_link_callback(static_root, fonts, refused),
            resource_policy=policy,
        )
    except Exception as exc:
        raise PdfRenderError(f"xhtml2pdf failed: {type(exc).__name__}: {exc}") from exc
    finally:
        logger.removeHandler(capture)
    # A refused link is the root cause of the warnings it triggers; report it alone.
    problems = refused or capture.messages
    if not problems and (result.err or result.warn):  # logger silenced by app config
        problems = [f"xhtml2pdf reported {result.err} error(s), {result.warn} warning(s)"]
    if problems:
        raise PdfRenderError("; ".join(dict.fromkeys(problems)))
    data = out.getvalue()
    if not data.startswith(b"%PDF"):
        raise PdfRenderError("xhtml2pdf produced no PDF output")
    return data


def qr_png_data_uri(text: str, *, scale: int = 4) -> str:
    """Return a QR code (segno, error level M) as a data:image/png;base64 URI for <img src>."""
    return segno.make(text, error="m", boost_error=False).png_data_uri(scale=scale)
