"""The cited page itself: a PDF page rendered as an image with the quote's own characters highlighted.

The highlight comes from the citation's offsets, not from searching the quote's words on the page: the
page's span of the clean text (ingestion's `PageSpan`) is aligned character by character with the text
PDFium reads from the same page (`core.text.aligned_characters`, so cleaning's joined hyphens, dropped
bullets and running headers and folded whitespace do not break it), the quote's offsets are carried
through that alignment to PDFium's character indexes, and those characters' boxes are drawn, merged
line by line. A scanned page has no characters to box: its OCR lines, placed on the page at ingest, are
marked instead, each over the part of its width the quote's characters take. Rendering and character boxes:
pypdfium2 (PDFium, BSD/Apache-2.0).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import InspectionQAError, NotFoundError, UnreadableFileError
from core.records import Document
from core.text import aligned_characters

# PDF points (1/72 inch): left, bottom, right, top, origin at the page's bottom left
Box = tuple[float, float, float, float]

FILL = (255, 214, 0, 120)  # translucent yellow: the words stay legible under it
EDGE = (196, 64, 0, 255)  # a dark orange outline that survives printing in grey
SCALE = 2.0  # pixels per PDF point (144 dpi)
CROP_MARGIN = 90.0  # points of the page shown above and below a quote in a cropped view


@dataclass(frozen=True)
class PageHighlight:
    """A quote's part on one page: `page` the 1-based index in the file, `label` the page as printed, `boxes`
    one per line of the quote, in PDF points, and `text` the quote's part as the clean text holds it."""

    page: int
    label: str
    boxes: tuple[Box, ...]
    text: str


def _page_chars(textpage) -> str:
    """The page's characters as PDFium indexes them (one per index, so boxes line up)."""
    import pypdfium2.raw as pdfium_c

    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(textpage.count_chars()))


def ocr_boxes(lines, start: int, end: int) -> tuple[Box, ...]:
    """The parts of a scanned page's OCR lines (`PageSpan.ocr_lines`: start, end, left, bottom, right, top) that
    characters [start, end) of the clean text cover; a line's part is its width in proportion to its characters
    (OCR gives no box per character)."""
    out = []
    for s, e, left, bottom, right, top in lines:
        lo, hi = max(start, s), min(end, e)
        if lo >= hi or e <= s:
            continue
        width = right - left
        out.append((left + width * (lo - s) / (e - s), bottom, left + width * (hi - s) / (e - s), top))
    return tuple(out)


def _lines(boxes: list[Box]) -> tuple[Box, ...]:
    """Character boxes merged into one box per line (characters whose vertical extents overlap by a quarter:
    a comma hangs below the line)."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue  # a space or an invisible character
        for line in lines:
            overlap = min(top, line[3]) - max(bottom, line[1])
            if overlap >= 0.25 * min(top - bottom, line[3] - line[1]) and left <= line[2] + 20 and right >= line[0] - 20:
                line[:] = [min(left, line[0]), min(bottom, line[1]), max(right, line[2]), max(top, line[3])]
                break
        else:
            lines.append([left, bottom, right, top])
    return tuple((a, b, c, d) for a, b, c, d in lines)


def quote_highlights(pdf: Path, doc: Document, start: int, end: int) -> list[PageHighlight]:
    """Where characters [start, end) of `doc`'s clean text are drawn on the PDF `pdf`: one `PageHighlight` per
    page the quote touches, in page order. Raises `UnreadableFileError` when the file cannot be opened."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError) as exc:
        raise UnreadableFileError(pdf, f"PDFium cannot open it ({exc}); re-ingest the file") from exc
    out = []
    try:
        for span in doc.pages:
            lo, hi = max(start, span.start), min(end, span.end)
            if lo >= hi or span.page > len(document):
                continue
            if span.ocr_lines:  # a scan: the lines OCR read, placed on the page image at ingest
                boxes = ocr_boxes(span.ocr_lines, lo, hi)
                out.append(PageHighlight(span.page, span.label or str(span.page), boxes, doc.text[lo:hi]))
                continue
            textpage = document[span.page - 1].get_textpage()
            pairs = aligned_characters(doc.text[span.start:span.end], _page_chars(textpage))
            indexes = {j for i, j in pairs if lo - span.start <= i < hi - span.start}
            boxes = [textpage.get_charbox(i) for i in sorted(indexes)]
            out.append(PageHighlight(span.page, span.label or str(span.page), _lines(boxes), doc.text[lo:hi]))
    finally:
        document.close()
    return out


def render_page(pdf: Path, page: int, boxes: tuple[Box, ...], scale: float = SCALE):
    """The 1-based `page` of `pdf` as a PIL RGB image, `scale` pixels per point, each box filled and outlined."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    document = pdfium.PdfDocument(str(pdf))
    try:
        pdf_page = document[page - 1]
        height = pdf_page.get_height()
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
    finally:
        document.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, bottom, right, top in boxes:
        rect = (left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2)
        draw.rectangle(rect, fill=FILL, outline=EDGE, width=2)
    return Image.alpha_composite(image, overlay).convert("RGB")


class PageRenderer:
    """Renders a citation's page with its quote highlighted, cached as PNG files under `cache_dir`.

    `run(doc, page, start, end)` -> the PNG's path; `page` is the page as shown to the user (its printed
    label, else its 1-based index). Errors: `NotFoundError` (no such page, or a quote not on it),
    `InspectionQAError` (a document with no fixed pages), `UnreadableFileError` (the source file is gone)."""

    def __init__(self, cache_dir: Path, scale: float = SCALE) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, not {scale}")
        self.cache_dir = Path(cache_dir)
        self.scale = scale

    @staticmethod
    def page_index(doc: Document, page: str) -> int:
        """The 1-based index of the page shown as `page` ("iii", "3"): its printed label, else its index."""
        page = str(page).strip()
        for span in doc.pages:
            if span.label and span.label.lower() == page.lower():
                return span.page
        for span in doc.pages:
            if str(span.page) == page and not span.label:
                return span.page
        shown = ", ".join(dict.fromkeys(s.label or str(s.page) for s in doc.pages))
        raise NotFoundError(f"{doc.meta.filename} has no page {page!r}; its pages are {shown}")

    def highlights(self, doc: Document, start: int, end: int) -> list[PageHighlight]:
        """The quote's part on each page it touches (a quote across a page break: two)."""
        if not doc.pages:
            raise InspectionQAError(f"{doc.meta.filename} has no fixed pages (a Word file, web page or text): its "
                                    "quotes are shown in their passage, with their section")
        if not 0 <= start < end <= len(doc.text):
            raise NotFoundError(f"characters {start}-{end} are not in {doc.meta.filename} "
                                f"({len(doc.text)} characters); use the citation's own start and end")
        source = Path(doc.meta.source_path)
        if not source.is_file():
            raise UnreadableFileError(source, "the file this document was ingested from is gone; ingest it again")
        return quote_highlights(source, doc, start, end)

    def run(self, doc: Document, page: str, start: int, end: int, crop: bool = False) -> Path:
        """The PNG of the page (`crop`: only the band of the page around the quote, `CROP_MARGIN` points
        above and below it, full width)."""
        index = self.page_index(doc, page)
        key = hashlib.sha256(f"{doc.meta.sha256}:{index}:{start}:{end}:{self.scale}:{crop}".encode()).hexdigest()[:24]
        target = self.cache_dir / f"{key}.png"
        if target.is_file():
            return target
        parts = [h for h in self.highlights(doc, start, end) if h.page == index]
        if not parts:
            raise NotFoundError(f"characters {start}-{end} of {doc.meta.filename} are not on page {page}")
        image = render_page(Path(doc.meta.source_path), index, parts[0].boxes, self.scale)
        if crop and parts[0].boxes:
            height = image.height / self.scale
            top = max(0.0, height - max(b[3] for b in parts[0].boxes) - CROP_MARGIN)
            bottom = min(height, height - min(b[1] for b in parts[0].boxes) + CROP_MARGIN)
            image = image.crop((0, int(top * self.scale), image.width, int(bottom * self.scale)))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".png.tmp")
        os.close(fd)
        image.save(tmp, format="PNG")
        os.replace(tmp, target)
        return target
