"""Loaders turn one file into pages of raw text; one loader per format, chosen by suffix."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from core.errors import UnknownNameError, UnreadableFileError

from .columns import RunCollector, reading_order, side_by_side

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
    ocr_pages: list[int] = field(default_factory=list)  # 1-based: pages with no text layer, read by OCR
    # per OCR'd page: the words read with low confidence, as (word, its occurrence number on the page)
    ocr_doubts: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    # per OCR'd page: (line text, its box in PDF points) for each line read, where the image fills the page
    ocr_boxes: dict[int, list[tuple[str, tuple[float, float, float, float]]]] = field(default_factory=dict)
    paged: bool = True  # False for a Word file or a web page: no fixed pages, a citation's place is its section


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
        pages, ocr_pages, doubts, ocr_boxes = [], [], {}, {}
        for number, page in enumerate(reader.pages, start=1):
            runs = RunCollector()
            text = page.extract_text(visitor_text=runs) or ""
            if side_by_side(runs.runs, float(page.mediabox.width)):  # two columns: read one, then the other
                text = reading_order(page.extract_text(extraction_mode="layout") or "") or text
            if len(text.strip()) < MIN_TEXT_LAYER:  # a scanned page: its words are in its images
                read = ocr_page(page)
                if read.text.strip():
                    text = read.text
                    ocr_pages.append(number)
                    if read.doubts:
                        doubts[number] = read.doubts
                    if read.boxes:
                        ocr_boxes[number] = list(zip(read.text.split("\n"), read.boxes))
            pages.append(text)
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
                       page_labels=labels if len(labels) == len(pages) else [], ocr_pages=ocr_pages,
                       ocr_doubts=doubts, ocr_boxes=ocr_boxes)


MIN_TEXT_LAYER = 10  # characters: a page with fewer has no text layer worth the name (a scan)


# Below this recognition score (rapidocr's per-word confidence, 0-1) a word is marked for checking against the page.
# Its scores sit near 1 even for misread words, so only clear doubts fall under it.
OCR_DOUBT = 0.9


@dataclass
class OcrPage:
    """A page's text read by OCR, line by line in reading order, and the words read with low confidence."""

    text: str = ""
    doubts: list[tuple[str, int]] = field(default_factory=list)  # (word, its occurrence number in `text`, from 0)
    # each line's box on the page, in PDF points (left, bottom, right, top), in the order of `text`'s lines;
    # empty when the page's image does not fill it (its place on the page is then unknown)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


def ocr_page(page) -> OcrPage:
    """The text of a page's images, read by OCR (rapidocr: PaddleOCR's models on onnxruntime, shipped in its
    wheel, so nothing is fetched); an empty `OcrPage` when the page has no image or OCR is not installed (the
    loader then reports no extractable text)."""
    try:
        images = list(page.images)
    except Exception:  # noqa: BLE001 - an image pypdf cannot decode is no text
        return OcrPage()
    if not images:
        return OcrPage()
    engine = _ocr_engine()
    if engine is None:
        return OcrPage()
    import numpy as np

    lines: list[tuple[str, list[tuple[str, float]]]] = []
    boxes: list[tuple[float, float, float, float]] = []
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    for image in images:
        try:
            picture = image.image.convert("RGB")
        except Exception:  # noqa: BLE001 - an undecodable image holds no words we can read
            continue
        result = engine(np.asarray(picture), return_word_box=True)
        lines.extend(ocr_lines(result))
        # a scan's page is its image: pixels scale to points (the image's aspect ratio is the page's)
        w, h = picture.size
        if len(images) == 1 and abs(w / h - width / height) < 0.02:
            boxes = [(x0 * width / w, height - y1 * height / h, x1 * width / w, height - y0 * height / h)
                     for x0, y0, x1, y1 in ocr_line_boxes(result)]
    page_text = ocr_page_text(lines)
    page_text.boxes = boxes if len(boxes) == len(lines) else []
    return page_text


def ocr_lines(result) -> list[tuple[str, list[tuple[str, float]]]]:
    """rapidocr's output as (line, [(word, score)]) in reading order: top to bottom, then left to right."""
    texts = getattr(result, "txts", None) or ()
    order = _reading_order(result)
    if not order:
        return []
    scores = getattr(result, "scores", None) or [1.0] * len(texts)
    words = getattr(result, "word_results", None) or ()
    out = []
    for i in order:
        line_words = [(w[0], float(w[1])) for w in words[i]] if i < len(words) and words[i] else \
            [(w, float(scores[i])) for w in texts[i].split()]
        out.append((texts[i], line_words))
    return out


def ocr_line_boxes(result) -> list[tuple[float, float, float, float]]:
    """Each line's box in the image's pixels (left, top, right, bottom), in the reading order of `ocr_lines`."""
    boxes = getattr(result, "boxes", None)
    return [(float(min(p[0] for p in boxes[i])), float(min(p[1] for p in boxes[i])),
             float(max(p[0] for p in boxes[i])), float(max(p[1] for p in boxes[i]))) for i in _reading_order(result)]


def _reading_order(result) -> list[int]:
    """rapidocr's lines top to bottom, then left to right: the order a person reads them."""
    boxes = getattr(result, "boxes", None)
    texts = getattr(result, "txts", None) or ()
    if boxes is None or not len(texts):
        return []
    return sorted(range(len(texts)), key=lambda i: (round(float(min(p[1] for p in boxes[i])) / 12),
                                                    float(min(p[0] for p in boxes[i]))))


def ocr_page_text(lines: list[tuple[str, list[tuple[str, float]]]], doubt: float = OCR_DOUBT) -> OcrPage:
    """The page's text from its OCR lines, with each word scored under `doubt` named by its occurrence."""
    text = "\n".join(line for line, _ in lines)
    doubts: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    for _, words in lines:
        for word, score in words:
            word = word.strip()
            if not word:
                continue
            occurrence = seen.get(word, 0)
            seen[word] = occurrence + 1
            if score < doubt:
                doubts.append((word, occurrence))
    return OcrPage(text, doubts)


@lru_cache(maxsize=1)
def _ocr_engine():
    """The OCR engine, loaded once per process (~0.5 s); None when rapidocr is not installed."""
    try:
        from rapidocr import RapidOCR
    except ImportError:
        log.warning("a scanned page has no text layer and rapidocr is not installed: run `make install`")
        return None
    # one thread each: the parse runs in a sandboxed worker under an address-space limit
    return RapidOCR(params={"Global.log_level": "warning", "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                            "EngineConfig.onnxruntime.inter_op_num_threads": 1})


BINARY = "binary data, not text; only PDF, Word (.docx), web pages, plain text and Markdown can be ingested"
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


def load_docx(path: Path) -> RawDocument:
    """A Word file as Markdown, in reading order (python-docx): headings ("Heading 2" -> "##") become sections,
    list paragraphs bullets, and each table row one quotable line with its column headings ("| Area: Help and
    protection | Grade: Good |"). Word has no fixed pages: the whole file is one page."""
    import zipfile

    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise UnreadableFileError(path, "reading Word files needs python-docx; run `make install`") from exc
    try:
        document = docx.Document(str(path))
        blocks = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_table_rows([[cell.text for cell in row.cells] for row in item.rows]))
                continue
            text = " ".join(item.text.split())
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            level = re.match(r"(?i)heading\s*(\d)", style)
            if level or style.lower() == "title":
                blocks.append("#" * (int(level.group(1)) if level else 1) + " " + text)
            elif "list" in style.lower() or item._p.pPr is not None and item._p.pPr.numPr is not None:
                blocks.append("- " + text)
            else:
                blocks.append(text)
        # the file's own title, else its first top-level heading (a "Title" or "Heading 1" paragraph)
        title = document.core_properties.title or next((b[2:] for b in blocks if b.startswith("# ")), None)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFileError(path, f"not a readable Word file ({type(exc).__name__}); save it again as .docx") from exc
    if not blocks:
        raise UnreadableFileError(path, "the Word file holds no text")
    return RawDocument(path=path, pages=["\n\n".join(blocks)], fmt="markdown", embedded_title=title, paged=False)


def _table_rows(rows: list[list[str]]) -> list[str]:
    """Each row of a table under its column headings (the first row), as one line of its own."""
    rows = [[" ".join(cell.split()) for cell in row] for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    head, body = rows[0], rows[1:]
    if not body:
        return ["| " + " | ".join(head) + " |"]
    return ["| " + " | ".join(f"{h}: {v}" if h and h != v else v for h, v in zip(head, row)) + " |" for row in body]


def load_html(path: Path) -> RawDocument:
    """A saved web page's article text as Markdown (trafilatura: navigation, cookie banners, scripts and footers
    dropped; headings kept as sections; tables row by row with their headings; the byline, "By A, B", under the
    heading), with the page's title and its published date (htmldate, from the page's metadata)."""
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise UnreadableFileError(path, "reading web pages needs trafilatura; run `make install`") from exc
    html = _read_text(path)
    try:
        text = trafilatura.extract(html, output_format="markdown", include_tables=True, include_comments=False,
                                   include_formatting=True, favor_precision=True)
        meta = trafilatura.extract_metadata(html)
    except Exception as exc:  # noqa: BLE001 - a broken page must never stop a batch
        raise UnreadableFileError(path, f"the web page could not be parsed ({type(exc).__name__})") from exc
    if not text or not text.strip():
        raise UnreadableFileError(path, "no article text found in the web page")
    text = _markdown_tables_as_rows(text)
    if meta is not None and meta.author:  # the byline, which the article's extraction leaves out: who wrote it
        byline = "By " + ", ".join(a.strip() for a in meta.author.split(";") if a.strip())
        heading = re.match(r"#[^\n]*\n+", text)
        at = heading.end() if heading else 0
        text = text[:at] + byline + "\n\n" + text[at:]
    extra = {"published": meta.date} if meta is not None and meta.date else {}
    return RawDocument(path=path, pages=[text], fmt="markdown", embedded_title=(meta.title if meta else None) or None,
                       extra=extra, paged=False)


def _markdown_tables_as_rows(text: str) -> str:
    """Markdown tables ("| Area | Grade |", "|---|---|", "| Help | Good |") rewritten row by row under their
    headings, as `_table_rows` writes a Word table's."""
    out, table = [], []

    def flush() -> None:
        if table:
            cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table
                     if not re.fullmatch(r"\|?[\s:|-]+\|?", line.strip())]
            out.extend(_table_rows(cells))
            table.clear()

    for line in text.split("\n"):
        if line.strip().startswith("|"):
            table.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


LOADERS: dict[str, Callable[[Path], RawDocument]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
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
