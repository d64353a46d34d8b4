"""Tests for portal.storage: content-checked, content-addressed attachment store."""
import hashlib
import io
import os
import stat
import zipfile

import pytest

from portal import storage
from portal.storage import (ALLOWED_EXTENSIONS, FileStore, StoredFile, UploadRejected,
                            mime_for_extension, sanitize_filename)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + b"\x00" * 20
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 20 + b"\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def _zip(members, first_stored=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if (first_stored and i == 0) else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=kind)
    return buf.getvalue()


def _ooxml(part):
    return _zip([("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>"),
                 (part, "<doc/>")])


def _odf(kind):
    return _zip([("mimetype", f"application/vnd.oasis.opendocument.{kind}"),
                 ("content.xml", "<office:document-content/>"),
                 ("META-INF/manifest.xml", "<manifest/>")], first_stored=True)


DOCX, XLSX = _ooxml("word/document.xml"), _ooxml("xl/workbook.xml")
ODT, ODS = _odf("text"), _odf("spreadsheet")
PLAIN_ZIP = _zip([("readme.txt", "hello")])

VALID = {"pdf": PDF, "doc": OLE2, "docx": DOCX, "xls": OLE2, "xlsx": XLSX, "odt": ODT,
         "ods": ODS, "jpg": JPG, "jpeg": JPG, "png": PNG}


def all_files(root):
    """Every file below root, as relative POSIX paths."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return sorted(found)


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


class ExplodingStream:
    """A stream that must never be read."""

    def read(self, n=-1):
        raise AssertionError("stream should not have been read")


class EndlessStream:
    """Yields bytes forever and counts how many were handed out."""

    def __init__(self, prefix=PDF):
        self.prefix, self.served = prefix, 0

    def read(self, n=-1):
        assert n > 0, "an unbounded read() would exhaust memory"
        chunk = (self.prefix + b"A" * n)[:n] if self.served == 0 else b"A" * n
        self.served += len(chunk)
        return chunk


def test_allowed_extensions_exact():
    assert ALLOWED_EXTENSIONS == frozenset(VALID)


@pytest.mark.parametrize("ext", sorted(VALID))
def test_each_allowed_type_accepted(store, ext):
    data = VALID[ext]
    result = store.save(io.BytesIO(data), f"Lampiran SOP.{ext.upper()}")
    digest = hashlib.sha256(data).hexdigest()
    canonical = "jpg" if ext == "jpeg" else ext
    assert result == StoredFile(digest, len(data), mime_for_extension(ext), canonical,
                                f"Lampiran SOP.{ext.upper()}")
    path = store.path_for(digest)
    assert path == store.root / digest[:2] / digest
    assert path.read_bytes() == data
    assert store.exists(digest) and store.verify(digest)
    with store.open(digest) as fh:
        assert fh.read() == data
    assert all_files(store.root) == [f"{digest[:2]}/{digest}"]


@pytest.mark.parametrize("name,data,label", [
    ("a.pdf", HTML, "PDF"), ("a.pdf", EXE, "PDF"), ("a.pdf", PLAIN_ZIP, "PDF"),
    ("a.pdf", b"%PDF", "PDF"), ("a.pdf", b"\xef\xbb\xbf%PDF-1.4\n", "PDF"),
    ("a.doc", PDF, "DOC"), ("a.xls", DOCX, "XLS"), ("a.docx", XLSX, "DOCX"),
    ("a.xlsx", DOCX, "XLSX"), ("a.docx", ODT, "DOCX"), ("a.docx", PLAIN_ZIP, "DOCX"),
    ("a.docx", EXE + DOCX, "DOCX"), ("a.odt", ODS, "ODT"), ("a.ods", ODT, "ODS"),
    ("a.odt", DOCX, "ODT"), ("a.odt", _zip([("content.xml", "x"), ("mimetype",
     "application/vnd.oasis.opendocument.text")]), "ODT"), ("a.odt", b"PK\x03\x04junk", "ODT"),
    ("a.jpg", PNG, "JPG"), ("a.jpeg", HTML, "JPG"), ("a.png", JPG, "PNG"), ("a.png", OLE2, "PNG"),
])
def test_wrong_content_refused(store, name, data, label):
    with pytest.raises(UploadRejected) as err:
        store.save(io.BytesIO(data), name)
    assert err.value.message == f'Berkas "{name}" ditolak: isinya bukan {label} yang sah.'
    assert str(err.value) == err.value.message and err.value.reason == "content"
    assert isinstance(err.value, ValueError)
    assert all_files(store.root) == []
    assert not store.exists(hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("name", ["x.exe", "laporan.pdf.exe", "skrip.html", "arsip.zip",
                                  "tanpa_ekstensi", "pdf", "gambar.gif", ".pdf"])
def test_disallowed_extension_refused_before_reading(store, name):
    with pytest.raises(UploadRejected) as err:
        store.save(ExplodingStream(), name)
    assert err.value.reason == "extension"
    assert err.value.message.endswith(
        "ditolak: jenis berkas tidak diizinkan. "
        "Yang diizinkan: PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG.")
    assert all_files(store.root) == []


def test_disallowed_extension_message_exact(store):
    with pytest.raises(UploadRejected) as err:
        store.save(io.BytesIO(EXE), "x.exe")
    assert err.value.message == ('Berkas "x.exe" ditolak: jenis berkas tidak diizinkan. '
                                 "Yang diizinkan: PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG.")


def test_default_limit_refused_mid_stream(store):
    stream = EndlessStream()
    with pytest.raises(UploadRejected) as err:
        store.save(stream, "b.pdf")
    assert err.value.message == 'Berkas "b.pdf" ditolak: ukurannya melebihi batas 20 MB.'
    assert err.value.reason == "size"
    assert stream.served == 20 * 1024 * 1024 + 1  # stopped right after passing the limit
    assert all_files(store.root) == []


def test_custom_limit_boundary(tmp_path):
    small = FileStore(tmp_path / "s", max_bytes=len(PDF))
    assert small.save_bytes(PDF, "pas.pdf").size == len(PDF)
    tight = FileStore(tmp_path / "t", max_bytes=len(PDF) - 1)
    with pytest.raises(UploadRejected, match="melebihi batas") as err:
        tight.save_bytes(PDF, "lebih.pdf")
    assert err.value.reason == "size"
    assert all_files(tight.root) == []
    stream = EndlessStream()
    with pytest.raises(UploadRejected):
        FileStore(tmp_path / "u", max_bytes=1536 * 1024).save(stream, "c.pdf")
    assert stream.served == 1536 * 1024 + 1
    with pytest.raises(ValueError):
        FileStore(tmp_path / "v", max_bytes=0)


def test_limit_message_formats(tmp_path):
    with pytest.raises(UploadRejected) as err:
        FileStore(tmp_path / "a", max_bytes=1536 * 1024).save(EndlessStream(), "c.pdf")
    assert err.value.message == 'Berkas "c.pdf" ditolak: ukurannya melebihi batas 1,5 MB.'
    with pytest.raises(UploadRejected) as err:
        FileStore(tmp_path / "b", max_bytes=10).save_bytes(PDF, "d.pdf")
    assert err.value.message == 'Berkas "d.pdf" ditolak: ukurannya melebihi batas 10 byte.'


def test_empty_file_refused(store):
    with pytest.raises(UploadRejected) as err:
        store.save(io.BytesIO(b""), "kosong.pdf")
    assert err.value.message == 'Berkas "kosong.pdf" kosong dan tidak dapat diunggah.'
    assert err.value.reason == "empty"
    assert all_files(store.root) == []


def test_successful_writes_leave_no_temp_files(store):
    for ext, data in VALID.items():
        store.save_bytes(data, f"f.{ext}")
    digests = {hashlib.sha256(d).hexdigest() for d in VALID.values()}
    assert all_files(store.root) == sorted(f"{d[:2]}/{d}" for d in digests)


def test_failure_during_rename_leaves_nothing(store, monkeypatch):
    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(storage.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store.save_bytes(PDF, "a.pdf")
    assert all_files(store.root) == []


def test_temp_file_is_fsynced_then_renamed(store, monkeypatch):
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", stat.S_ISREG(os.fstat(fd).st_mode)))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.dirname(src) == str(store.root)))
        real_replace(src, dst)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    monkeypatch.setattr(storage.os, "replace", replace)
    store.save_bytes(PDF, "a.pdf")
    assert events.index(("fsync", True)) < events.index(("replace", True))


def test_stream_error_leaves_nothing(store):
    class Broken:
        calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 1:
                raise IOError("connection reset")
            return PDF

    with pytest.raises(IOError, match="connection reset"):
        store.save(Broken(), "a.pdf")
    assert all_files(store.root) == []


def test_dedupe_keeps_one_file(store):
    first = store.save_bytes(PDF, "Surat Keputusan.pdf")
    inode = os.stat(store.path_for(first.sha256)).st_ino
    second = store.save(io.BytesIO(PDF), "salinan.pdf")
    assert first.sha256 == second.sha256
    assert (first.filename, second.filename) == ("Surat Keputusan.pdf", "salinan.pdf")
    assert all_files(store.root) == [f"{first.sha256[:2]}/{first.sha256}"]
    assert os.stat(store.path_for(first.sha256)).st_ino == inode  # not rewritten


def test_resaving_repairs_tampered_copy(store):
    stored = store.save_bytes(PDF, "a.pdf")
    store.path_for(stored.sha256).write_bytes(b"%PDF-rusak")
    assert not store.verify(stored.sha256)
    store.save_bytes(PDF, "a.pdf")
    assert store.verify(stored.sha256)
    assert all_files(store.root) == [f"{stored.sha256[:2]}/{stored.sha256}"]


@pytest.mark.parametrize("bad", [
    "../../etc/passwd", "../" + "a" * 61, "a" * 63, "a" * 65, "g" * 64, "a" * 64 + "\n",
    "aa/" + "a" * 61, "/" + "a" * 63, "", "..", "a" * 62 + "/.", None, 123,
])
def test_path_for_rejects_bad_digests(store, bad):
    with pytest.raises(ValueError):
        store.path_for(bad)
    with pytest.raises(ValueError):
        store.open(bad)
    with pytest.raises(ValueError):
        store.exists(bad)
    with pytest.raises(ValueError):
        store.verify(bad)


def test_path_for_layout_and_case(store):
    digest = hashlib.sha256(b"x").hexdigest()
    assert store.path_for(digest.upper()) == store.root / digest[:2] / digest
    assert store.path_for(digest).resolve().is_relative_to(store.root.resolve())


def test_verify_detects_tampering_and_missing(store):
    stored = store.save_bytes(PNG, "grafik.png")
    assert store.verify(stored.sha256)
    path = store.path_for(stored.sha256)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    assert not store.verify(stored.sha256)
    path.unlink()
    assert not store.verify(stored.sha256)
    assert not store.exists(stored.sha256)
    with pytest.raises(FileNotFoundError):
        store.open(stored.sha256)


def test_save_bytes_same_checks(store):
    assert store.save_bytes(PDF, "tanda_terima.pdf").mime == "application/pdf"
    with pytest.raises(UploadRejected):
        store.save_bytes(HTML, "tanda_terima.pdf")
    with pytest.raises(UploadRejected):
        store.save_bytes(b"", "tanda_terima.pdf")


@pytest.mark.parametrize("raw,expected", [
    ("C:\\Users\\budi\\Laporan Kinerja 2024.pdf", "Laporan Kinerja 2024.pdf"),
    ("../../etc/Rencana Strategis – Dinas Pendidikan.pdf",
     "Rencana Strategis – Dinas Pendidikan.pdf"),
    ("Évaluasi Ōkubo ñ 東京.docx", "Évaluasi Ōkubo ñ 東京.docx"),
    ("lap\x00or\x1ban\x7f.pdf", "laporan.pdf"),
    ("gambar\u202egnp.exe", "gambargnp.exe"),
    ("  ..rahasia.pdf. ", "rahasia.pdf"),
    ("a:b<c>d?.pdf", "a_b_c_d_.pdf"),
    ("baris\nbaru\t.pdf", "baris baru .pdf"),
    ("", "berkas"), ("../..", "berkas"), ("/", "berkas"),
])
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_sanitize_long_name_keeps_extension():
    name = sanitize_filename("x" * 500 + ".xlsx")
    assert len(name) == 200 and name.endswith(".xlsx")


def test_stored_filename_is_sanitised_and_not_used_on_disk(store):
    stored = store.save_bytes(PDF, "..\\..\\Laporan\x07 Akhir.pdf")
    assert stored.filename == "Laporan Akhir.pdf"
    assert all_files(store.root) == [f"{stored.sha256[:2]}/{stored.sha256}"]
    with pytest.raises(UploadRejected) as err:
        store.save_bytes(HTML, "../../x\x1b.pdf")
    assert err.value.message == 'Berkas "x.pdf" ditolak: isinya bukan PDF yang sah.'


@pytest.mark.parametrize("ext,mime", [
    ("pdf", "application/pdf"), (".PDF", "application/pdf"), ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xls", "application/vnd.ms-excel"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("jpg", "image/jpeg"), ("JPEG", "image/jpeg"), ("png", "image/png"),
    ("exe", "application/octet-stream"), ("", "application/octet-stream"),
])
def test_mime_for_extension(ext, mime):
    assert mime_for_extension(ext) == mime
