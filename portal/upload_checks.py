"""Content checks of uploads beyond the file signature: zip bombs and active PDF content.

Both checks are cheap: the zip check reads only the central directory (declared sizes,
nothing is unpacked) and the PDF check scans the bytes for action names, inflating only
compressed object streams, with a bounded output.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

# PDF names that make a document run code or start programs when opened.
ACTIVE_PDF_NAMES = {"JavaScript": "JavaScript", "JS": "JavaScript", "Launch": "perintah peluncuran (/Launch)"}
_NAME_RE = re.compile(rb"/([A-Za-z0-9#]{2,40})(?=[\s/<>\[\]()%{}]|$)")
_STREAM_RE = re.compile(rb"stream\r?\n.*?endstream", re.S)  # binary content: not PDF syntax
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJSTM_RE = re.compile(rb"/Type\s*/ObjStm[^>]*>>\s*stream\r?\n", re.S)
_MAX_INFLATE = 32 * 1024 * 1024


def _pdf_name(raw: bytes) -> str:
    """A PDF name with its ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``)."""
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _active_names(data: bytes) -> set[str]:
    return {ACTIVE_PDF_NAMES[name] for name in map(_pdf_name, _NAME_RE.findall(data)) if name in ACTIVE_PDF_NAMES}


def pdf_active_content(path: Path) -> str | None:
    """What active content the PDF at ``path`` declares (e.g. ``"JavaScript"``), or None.

    Scans the PDF syntax outside streams (stream contents are binary: a chance "/JS" in
    compressed data is no action) and the inflated compressed object streams (where a
    dictionary with an action can hide); inflation stops at 32 MB.
    """
    data = path.read_bytes()
    found = _active_names(_STREAM_RE.sub(b"stream endstream", data))
    budget = _MAX_INFLATE
    for match in _OBJSTM_RE.finditer(data):
        if budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[match.end():match.end() + budget], budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        found |= _active_names(chunk)
    return ", ".join(sorted(found)) or None


def zip_unpacked_size(path: Path) -> int:
    """The total uncompressed size the zip at ``path`` declares (central directory only, nothing unpacked)."""
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())
