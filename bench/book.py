"""Measure the SOP book render time (`python -m bench.book`): a 12-SOP book, cold cache.

When fewer than 12 definitions are loaded, extra ones are generated from the loaded
ones (same steps and lanes, another id, nomor and nama), so the book has the size the
issue names. Prints the time of each part and of the whole book; exits 0 (a report).
"""
from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from portal import create_app


def twelve_definitions(registry, count: int = 12) -> list:
    """The loaded definitions, topped up to ``count`` with renamed copies."""
    loaded = registry.sorted_definitions()
    result = list(loaded)
    index = 0
    while len(result) < count and loaded:
        base = loaded[index % len(loaded)]
        index += 1
        result.append(dataclasses.replace(
            base, id=f"{base.id}_salinan{index}", nomor=f"{base.nomor}/B{index}",
            nama=f"{base.nama} (salinan uji {index})"))
    return result[:count]


def main(argv=None) -> int:
    """Render the book, print timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--out", default=None, help="Simpan buku ke berkas ini.")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-book-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.db'}", "UPLOAD_DIR": str(tmp / "u"),
                      "PORTAL_PLUGINS_DIR": str(tmp / "p")})
    from portal import sop_document

    with app.test_request_context():
        definitions = twelve_definitions(app.extensions["portal_plugins"], args.count)
        sop_document._CACHE.clear()
        marks = []
        started = time.perf_counter()
        data = sop_document.render_book(definitions, progress=lambda done, total: marks.append(time.perf_counter()))
        elapsed = time.perf_counter() - started
    from pypdf import PdfReader
    import io

    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"Buku {len(definitions)} SOP: {pages} halaman, {len(data) / 1024:.0f} KiB, {elapsed:.2f} s "
          f"(per SOP rata-rata {(marks[len(definitions) - 1] - started) / len(definitions):.2f} s)")
    print("PASS" if elapsed < 20 else "!!FAIL", "batas 20 s")
    if args.out:
        Path(args.out).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
