"""Loaders turn one file into pages of raw text; one loader per format, chosen by suffix."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.errors import UnknownNameError, UnreadableFileError

log = logging.getLogger(__name__)


@dataclass
class RawDocument:
    """What a loader saw: raw text per page (a text file is one page) and embedded metadata."""

    path: Path
    pages: list[str]
    fmt: str  # pdf | text | markdown
    embedded_title: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    page_labels: list[str] = field(default_factory=list)  # as printed, per page, where the file defines them


def _limit_reason(exc: Exception) -> str:
    """A reason for pypdf's LimitReachedError: one of its safety limits stopped a hostile PDF."""
    detail = str(exc)[:120] or "no detail"
    if "decompress" in detail.lower():
        return ("a compressed stream in the PDF unpacks to more than pypdf's safety limit "
                "(a decompression bomb?); too large to read")
    return f"the PDF exceeds a safety limit of the PDF reader; too large or too deeply nested to read ({detail})"


def load_pdf(path: Path) -> RawDocument:
    """Text per page. pypdf's own limits (75 MB per decompressed stream, page-tree depth and
    cycles, array sizes) stop hostile PDFs; the sandbox's time and memory limits stop the rest."""
    import pypdf
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises many kinds here
                ok = 0
            if not ok:
                raise UnreadableFileError(path, "the PDF is encrypted with a password; save an unprotected copy and ingest that")
        pages = []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
        labels: list[str] = []
        try:  # the page numbers a PDF defines (/PageLabels: "i", "ii", "1", ...), as a reader shows them
            if "/PageLabels" in reader.trailer["/Root"]:
                labels = [str(label) for label in reader.page_labels]
        except Exception:  # noqa: BLE001 - a broken label tree leaves the page indexes
            labels = []
        title = None
        try:
            meta = reader.metadata
            title = (meta.title or None) if meta else None
        except Exception:  # noqa: BLE001
            title = None
    except UnreadableFileError:
        raise
    except LimitReachedError as exc:
        raise UnreadableFileError(path, _limit_reason(exc)) from exc
    except MemoryError:
        raise  # the sandbox reports it against its memory limit
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise UnreadableFileError(path, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120] or 'no detail'})") from exc
    except Exception as exc:  # noqa: BLE001 - a broken PDF must never stop a batch
        raise UnreadableFileError(path, f"the PDF could not be parsed ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if not pages:
        raise UnreadableFileError(path, "the PDF has no pages")
    return RawDocument(path=path, pages=pages, fmt="pdf", embedded_title=title,
                       page_labels=labels if len(labels) == len(pages) else [])


BINARY = "binary data, not text; only PDF, plain text and Markdown can be ingested"
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\x1b")


def _looks_binary(head: bytes) -> bool:
    """NUL bytes, or many C0 control bytes (text has almost none), in the first 8 KiB."""
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return controls > max(8, len(head) // 10)


def _read_text(path: Path) -> str:
    """Decoded text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252, else Latin-1."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFileError(path, BINARY) from None
    if _looks_binary(data[:8192]):
        raise UnreadableFileError(path, BINARY)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def load_text(path: Path) -> RawDocument:
    return RawDocument(path=path, pages=[_read_text(path)], fmt="text")


def load_markdown(path: Path) -> RawDocument:
    return RawDocument(path=path, pages=[_read_text(path)], fmt="markdown")


LOADERS: dict[str, Callable[[Path], RawDocument]] = {
    ".pdf": load_pdf,
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
}


# The one list of file types accepted anywhere (ingest, uploads, folders).
ACCEPTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))


def supported_suffixes() -> list[str]:
    return list(ACCEPTED_SUFFIXES)


def loader_for(path: Path) -> Callable[[Path], RawDocument]:
    try:
        return LOADERS[path.suffix.lower()]
    except KeyError:
        raise UnknownNameError("file type", path.suffix or "(none)", supported_suffixes()) from None


def load_file(path: Path) -> RawDocument:
    """Load a file, turning every failure into an `UnreadableFileError` naming file and reason."""
    if not path.exists():
        raise UnreadableFileError(path, "no such file")
    if path.suffix.lower() not in LOADERS:
        raise UnreadableFileError(
            path, f"unsupported file type {path.suffix or '(none)'!r}; supported: {', '.join(supported_suffixes())}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise UnreadableFileError(path, "the file is empty (0 bytes)")
    try:
        raw = LOADERS[path.suffix.lower()](path)
    except PermissionError as exc:
        raise UnreadableFileError(path, "permission denied") from exc
    if not any(p.strip() for p in raw.pages):
        what = "the PDF has no extractable text (a scan? run OCR first)" if raw.fmt == "pdf" else "the file holds no text"
        raise UnreadableFileError(path, what)
    return raw
