"""Content-addressed storage for attachments uploaded to SOP steps.

Files live outside the web root under ``<root>/<sha256[:2]>/<sha256>``. Every
upload is checked by extension AND by content, size-limited while streaming,
and written atomically; a refused upload leaves nothing on disk.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype

from portal.formatting import format_size
from portal.upload_checks import pdf_active_content, zip_unpacked_size

_MIMES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_EXTENSIONS: frozenset[str] = frozenset(_MIMES)
_ALLOWED_LABEL = "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_OOXML_PART = {"docx": "word/", "xlsx": "xl/"}
_CHUNK = 64 * 1024
_HEAD = 8192
_SHA_RE = re.compile(r"[0-9a-f]{64}")
_WIN_RESERVED = re.compile(r'[<>:"|?*]')
_MAX_NAME = 200


class UploadRejected(ValueError):
    """An upload was refused; ``message`` is an Indonesian sentence for the user.

    ``reason`` is a stable machine code: ``extension``, ``content``, ``size``
    or ``empty``.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass
class _Staged:
    """A validated upload waiting in its temporary ``.part`` file."""

    tmp: Path
    digest: str
    size: int
    ext: str
    display: str


@dataclass(frozen=True)
class StoredFile:
    """Metadata of a stored attachment; ``filename`` is the sanitised original name."""

    sha256: str
    size: int
    mime: str
    extension: str
    filename: str


def mime_for_extension(ext: str) -> str:
    """Return the canonical MIME type to send on download for ``ext``.

    Case-insensitive, a leading dot is ignored; unknown extensions get
    ``application/octet-stream``.
    """
    return _MIMES.get(ext.lower().lstrip("."), "application/octet-stream")


def sanitize_filename(filename: str) -> str:
    """Return a readable, display-safe version of a user-supplied filename.

    Keeps non-ASCII letters, but drops directory parts, control/format
    characters (e.g. bidi overrides), characters Windows forbids, and
    leading/trailing dots and spaces. Never used as a name on disk.
    """
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    name = _WIN_RESERVED.sub("_", " ".join(name.split())).strip(" .")
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: _MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:_MAX_NAME].rstrip(" .")
    return name or "berkas"


def _label(ext: str) -> str:
    """Uppercase type label used in messages (JPEG is shown as JPG)."""
    return "JPG" if ext in ("jpg", "jpeg") else ext.upper()


def _content_matches(ext: str, head: bytes, path: Path) -> bool:
    """Check that the file's content belongs to the family of ``ext`` (signature and structure)."""
    if ext == "pdf":
        return head.startswith(b"%PDF-") and filetype.get_type(ext="pdf").match(head)
    if ext in ("jpg", "jpeg", "png"):
        return bool(filetype.get_type(ext="jpg" if ext == "jpeg" else ext).match(head))
    if ext in ("doc", "xls"):
        return head.startswith(_OLE2_MAGIC)
    if not head.startswith(_ZIP_MAGIC):  # refuses self-extracting exe + zip
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if ext in _OOXML_PART:
                names = {i.filename for i in infos}
                return "[Content_Types].xml" in names and any(
                    n.startswith(_OOXML_PART[ext]) for n in names)
            first = infos[0] if infos else None
            if (first is None or first.filename != "mimetype" or first.file_size > 100
                    or head[30:38] != b"mimetype"):  # first local header, too
                return False
            return zf.read(first) == _MIMES[ext].encode("ascii")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
            RuntimeError, NotImplementedError, ValueError):
        return False


class FileStore:
    """Content-addressed, atomically written store for uploaded attachments."""

    def __init__(self, root: str | os.PathLike, max_bytes: int = 20 * 1024 * 1024,
                 max_unpacked_bytes: int = 200 * 1024 * 1024) -> None:
        """Create (if needed) the store at ``root``, which must be outside the web root."""
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.max_unpacked_bytes = int(max_unpacked_bytes)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        """Return the on-disk path for a digest; ValueError unless it is 64 hex chars."""
        if not isinstance(sha256, str) or not _SHA_RE.fullmatch(sha256.lower()):
            raise ValueError("sha256 harus berupa 64 karakter heksadesimal")
        digest = sha256.lower()
        return self.root / digest[:2] / digest

    def exists(self, sha256: str) -> bool:
        """Return True if a file with this digest is stored (ValueError on a bad digest)."""
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open the stored file for binary reading; FileNotFoundError if absent."""
        return open(self.path_for(sha256), "rb")

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored file; False if it is missing or its content changed."""
        path = self.path_for(sha256)
        try:
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except FileNotFoundError:
            return False
        return digest == sha256.lower()

    def save_bytes(self, data: bytes, filename: str) -> StoredFile:
        """Store in-memory bytes (e.g. a generated PDF) with the same checks as ``save``."""
        return self.save(io.BytesIO(data), filename)

    def save(self, stream: BinaryIO, filename: str) -> StoredFile:
        """Validate and store one upload stream; raise UploadRejected if refused."""
        return self.save_all([(stream, filename)])[0]

    def save_all(self, uploads: list[tuple[BinaryIO, str]]) -> list[StoredFile]:
        """Validate every upload first, then store them all; one refused file stores none.

        Order of checks per file: extension allow-list (before reading), size limit
        (while streaming, reading at most ``max_bytes + 1`` bytes), emptiness, content
        family, then the deeper checks (zip bomb, active PDF content). Identical content
        is stored only once.
        """
        staged: list[_Staged] = []
        try:
            for stream, filename in uploads:
                staged.append(self._stage(stream, filename))
            return [self._commit(item) for item in staged]
        finally:
            for item in staged:
                item.tmp.unlink(missing_ok=True)

    def remove_stale_parts(self, older_than_seconds: float = 3600, now: float | None = None) -> int:
        """Delete temporary ``.part`` files left by a killed worker (older than an hour); returns how many."""
        limit = (now if now is not None else time.time()) - older_than_seconds
        removed = 0
        for path in self.root.glob(".upload-*.part"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _stage(self, stream: BinaryIO, filename: str) -> _Staged:
        """Stream an upload into a temporary file and check it; the caller removes the file."""
        display = sanitize_filename(filename)
        ext = display.rpartition(".")[2].lower() if "." in display else ""
        if ext not in ALLOWED_EXTENSIONS:
            raise UploadRejected(
                f'Berkas "{display}" ditolak: jenis berkas tidak diizinkan. '
                f"Yang diizinkan: {_ALLOWED_LABEL}.", "extension")
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=self.root)
        tmp = Path(tmp_name)
        try:
            hasher, size, head = hashlib.sha256(), 0, b""
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(min(_CHUNK, self.max_bytes + 1 - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise UploadRejected(
                            f'Berkas "{display}" ditolak: ukurannya melebihi batas '
                            f"{format_size(self.max_bytes)}.", "size")
                    if len(head) < _HEAD:
                        head += chunk[: _HEAD - len(head)]
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise UploadRejected(f'Berkas "{display}" kosong dan tidak dapat diunggah.', "empty")
            if not _content_matches(ext, head, tmp):
                raise UploadRejected(
                    f'Berkas "{display}" ditolak: isinya bukan {_label(ext)} yang sah.',
                    "content")
            self._deep_check(ext, tmp, display)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return _Staged(tmp, hasher.hexdigest(), size, "jpg" if ext == "jpeg" else ext, display)

    def _deep_check(self, ext: str, tmp: Path, display: str) -> None:
        """Refuse zip bombs (declared unpacked size) and PDFs with JavaScript or /Launch actions."""
        if ext in ("docx", "xlsx", "odt", "ods"):
            unpacked = zip_unpacked_size(tmp)
            if unpacked > self.max_unpacked_bytes:
                raise UploadRejected(
                    f'Berkas "{display}" ditolak: isinya bila dibuka berukuran {format_size(unpacked)}, '
                    f"melebihi batas {format_size(self.max_unpacked_bytes)}.", "content")
        if ext == "pdf":
            active = pdf_active_content(tmp)
            if active:
                raise UploadRejected(
                    f'Berkas "{display}" ditolak: PDF ini berisi {active} yang dapat menjalankan program. '
                    "Simpan ulang sebagai PDF biasa (Cetak → Simpan sebagai PDF) lalu unggah lagi.", "content")

    def _commit(self, item: _Staged) -> StoredFile:
        """Move a staged upload into place (or drop it when identical content is stored)."""
        target = self.path_for(item.digest)
        if not (target.is_file() and self.verify(item.digest)):
            target.parent.mkdir(exist_ok=True)
            os.replace(item.tmp, target)
            _fsync_dir(target.parent)
        return StoredFile(item.digest, item.size, mime_for_extension(item.ext), item.ext, item.display)


def _fsync_dir(path: Path) -> None:
    """Best-effort fsync of a directory so the rename is durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
