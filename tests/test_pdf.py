"""Tests for portal.pdf (xhtml2pdf rendering, resource lock-down, QR codes)."""

import base64
import io
import logging
import socket
import struct
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal import pdf as pdfmod
from portal.pdf import PdfRenderError, font_css, qr_png_data_uri, render_pdf

INDONESIAN = "Perjanjian Kinerja — Rp 1.234.567"
#: PostScript names ReportLab embeds (subset-prefixed) for each font file pair.
PS_NAMES = {"DejaVuSans.ttf": ("DejaVuSans", "DejaVuSans-Bold"),
            "Vera.ttf": ("BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold")}
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def page(body, extra_css=""):
    """Wrap body in a document using the portal font."""
    return (
        f"<html><head><meta charset='utf-8'><style>{font_css()}"
        f" body {{ font-family: 'DejaVu Sans'; font-size: 11pt; }} {extra_css}</style></head>"
        f"<body>{body}</body></html>"
    )


def reader(data):
    """Parse PDF bytes with pypdf."""
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def embedded_fonts(pdf):
    """BaseFont names (subset prefix stripped) of fonts embedding a TrueType program (FontFile2)."""
    names = set()
    for pg in pdf.pages:
        for font in pg["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def image_xobjects(pdf):
    """Count image XObjects over all pages."""
    count = 0
    for pg in pdf.pages:
        for xobj in pg["/Resources"].get("/XObject", {}).values():
            count += xobj.get_object().get("/Subtype") == "/Image"
    return count


@pytest.fixture
def no_network(monkeypatch):
    """Record (and block) any DNS lookup or socket connect."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def static_dir(tmp_path):
    """A static folder holding img/logo.png, with a secret file next to it."""
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "logo.png").write_bytes(PNG_1PX)
    (tmp_path / "secret.png").write_bytes(PNG_1PX)
    return static


def test_font_css_declares_existing_regular_and_bold():
    css = font_css()
    regular, bold = pdfmod.font_files()
    assert css.count("@font-face") == 2 and "'DejaVu Sans'" in css
    assert regular in css and bold in css and "font-weight: bold" in css
    assert Path(regular).is_file() and Path(bold).is_file()


def test_indonesian_text_roundtrips_with_embedded_font():
    data = render_pdf(page(f"<h1>{INDONESIAN}</h1><p>Kepala Dinas “menyetujui” ± ≤ é</p>"))
    pdf = reader(data)
    text = pdf.pages[0].extract_text()
    assert INDONESIAN in text
    assert "“menyetujui” ± ≤ é" in text
    regular, bold = PS_NAMES[Path(pdfmod.font_files()[0]).name]
    assert {regular, bold} <= embedded_fonts(pdf)


def test_vera_fallback_when_dejavu_missing(monkeypatch):
    monkeypatch.setattr(pdfmod, "_FONT_CANDIDATES", pdfmod._FONT_CANDIDATES[1:])
    assert "Vera.ttf" in font_css() and "VeraBd.ttf" in font_css()
    pdf = reader(render_pdf(page(f"<p>{INDONESIAN} <b>Tebal</b></p>")))
    assert INDONESIAN in pdf.pages[0].extract_text()
    assert {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold"} <= embedded_fonts(pdf)


def test_qr_data_uri_is_png_and_renders_as_image():
    uri = qr_png_data_uri("https://sop.example.go.id/dokumen/42", scale=3)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    png = base64.b64decode(uri[len(prefix):])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width % 3 == 0 and width >= 21 * 3
    assert image_xobjects(reader(render_pdf(page("<p>Halo</p>")))) == 0
    assert image_xobjects(reader(render_pdf(page(f"<img src='{uri}'>")))) == 1


def test_static_image_inside_folder_renders(static_dir):
    data = render_pdf(page("<img src='/static/img/logo.png' width='20' height='20'>"),
                      static_folder=str(static_dir))
    assert image_xobjects(reader(data)) == 1


def test_missing_static_file_raises(static_dir):
    with pytest.raises(PdfRenderError, match="missing.png"):
        render_pdf(page("<img src='/static/img/missing.png'>"), static_folder=str(static_dir))


def test_static_without_static_folder_raises():
    with pytest.raises(PdfRenderError, match="logo.png"):
        render_pdf(page("<img src='/static/img/logo.png'>"))


@pytest.mark.parametrize("src", [
    "http://example.com/x.png",
    "https://127.0.0.1/x.png",
    "file:///etc/passwd",
    "/static/../../etc/passwd",
    "/static/%2e%2e/secret.png",
    "/static/../secret.png",
    "/etc/passwd",
    "img/logo.png",
])
def test_disallowed_links_are_refused_without_network(src, static_dir, no_network):
    with pytest.raises(PdfRenderError, match="not allowed|not found or outside"):
        render_pdf(page(f"<p>x</p><img src='{src}'>"), static_folder=str(static_dir))
    assert no_network == []


def test_remote_stylesheet_refused(no_network):
    html = page("<p>x</p>").replace("<style>", "<link rel='stylesheet' href='http://example.com/a.css'><style>")
    with pytest.raises(PdfRenderError, match="example.com"):
        render_pdf(html)
    assert no_network == []


def test_unknown_font_family_warning_raises():
    with pytest.raises(PdfRenderError, match="(?i)font"):
        render_pdf("<p style='font-family: NoSuchFont'>x</p>")


def test_thead_repeats_on_every_page_with_footer_page_numbers():
    rows = "".join(f"<tr><td>{i}</td><td>Kegiatan {i} — Rp 1.000</td></tr>" for i in range(150))
    css = ("@page { margin: 2cm 2cm 3cm 2cm; @frame footer { -pdf-frame-content: footer;"
           " bottom: 1cm; margin-left: 2cm; margin-right: 2cm; height: 1cm; } }")
    html = page("<table><thead><tr><th>Nomor Urut</th><th>Uraian Kegiatan</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
                "<div id='footer'>Halaman <pdf:pagenumber/> dari <pdf:pagecount/></div>", css)
    pdf = reader(render_pdf(html))
    total = len(pdf.pages)
    assert total >= 2
    for number, pg in enumerate(pdf.pages, start=1):
        text = pg.extract_text()
        assert "Nomor Urut" in text and "Uraian Kegiatan" in text
        assert f"Halaman {number} dari {total}" in text


def test_landscape_a4_is_wider_than_tall():
    portrait = reader(render_pdf(page("<p>Tegak</p>", "@page { size: a4; }"))).pages[0].mediabox
    landscape = reader(render_pdf(page("<p>Mendatar</p>", "@page { size: a4 landscape; }"))).pages[0].mediabox
    assert float(portrait.height) > float(portrait.width)
    assert float(landscape.width) > float(landscape.height)
    assert round(float(landscape.width)) == 842 and round(float(landscape.height)) == 595


def test_log_capture_ignores_other_threads():
    capture = pdfmod._ThreadLogCapture(threading.get_ident())
    logger = logging.getLogger("xhtml2pdf.test")
    logger.addHandler(capture)
    try:
        worker = threading.Thread(target=logger.warning, args=("from another request",))
        worker.start()
        worker.join()
        assert capture.messages == []
        logger.warning("from this request")
    finally:
        logger.removeHandler(capture)
    assert capture.messages == ["WARNING: from this request"]


def test_handler_removed_after_render():
    before = list(logging.getLogger("xhtml2pdf").handlers)
    render_pdf(page("<p>Halo</p>"))
    with pytest.raises(PdfRenderError):
        render_pdf(page("<img src='http://example.com/x.png'>"))
    assert logging.getLogger("xhtml2pdf").handlers == before
