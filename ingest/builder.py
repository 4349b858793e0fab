"""One file -> one `Document`: load, clean, describe (metadata from the sidecar or the text).

This is what runs inside the parsing sandbox (`ingest.sandbox`), so it imports only what a
parse needs: loaders, cleaning, metadata and sidecars, never the stores.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

from core.errors import UnreadableFileError
from core.records import Document, DocumentMeta, Fact, PageSpan
from core.text import aligned_characters

from .cleaning import TextCleaner, damaged_pages
from .loaders import load_file
from .metadata import (
    ambiguous_date_line,
    date_from_text,
    kind_from_text,
    latest_mentioned_date,
    title_from_text,
)
from .page_numbers import printed_page_numbers
from .profile import profile_of
from .sidecars import read_sidecar


def doc_id_for(path: Path, folders: int = 0) -> str:
    """A stable id from the file name, so a changed file replaces its earlier version; with `folders`, the
    names of that many folders above it too ("2033/letter.txt"), for a file whose name another file holds
    (ingest.pipeline.Ingestor assigns ids so that none collides)."""
    parts = [*path.parent.parts[len(path.parent.parts) - folders:], path.name] if folders else [path.name]
    cleaned = [re.sub(r"[^a-z0-9._-]+", "-", part.lower()).strip("-") for part in parts if part not in ("/", "")]
    return "/".join(p for p in cleaned if p) or "document"


def content_hash(path: Path) -> str:
    """The file's bytes: two files with equal bytes are one document, whatever their sidecars say."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class DocumentBuilder:
    """Loads, cleans and describes one file; the result carries its clean text and provenance.

    `Ingestor` runs it inside a `SandboxedParser` worker process,
    under the time and memory limits of the settings.
    """

    def run(self, path: Path) -> Document:
        raw = load_file(path)
        sha = content_hash(path)
        sidecar = read_sidecar(path)
        cleaner = TextCleaner(markdown=raw.fmt == "markdown", wrapped=True if raw.fmt == "pdf" else None)
        # the numbers printed on the pages: the file's /PageLabels, else those its headers and footers show
        labels = raw.page_labels or (printed_page_numbers(raw.pages) if raw.fmt == "pdf" else [])
        clean = cleaner.run(raw.pages, labels=labels or None)
        if not clean.text.strip() or not any(ch.isalpha() for ch in clean.text):
            raise UnreadableFileError(path, "no extractable text after cleaning (a scan whose pages OCR could not read either)")
        date, date_source = sidecar.date, "sidecar"
        if date is None and raw.extra.get("published"):  # a web page's own published date (its metadata)
            date, date_source = raw.extra["published"], "embedded"
        if date is None:
            date = date_from_text(clean.text)
            date_source = "text" if date else "none"
        if date is None and ambiguous_date_line(clean.text):
            date_source = "ambiguous"  # reported at ingest (`date_warning`), never guessed
        elif date is None:
            date = latest_mentioned_date(clean.text)
            date_source = "latest mentioned" if date else "none"
        source_kind = sidecar.kind or kind_from_text(clean.text, path.name)
        profile = replace(profile_of(clean.text, published=date, kind=source_kind), damaged_pages=damaged_pages(raw.pages),
                          ocr_pages=tuple(raw.ocr_pages))
        # a sidecar's facts win; they carry no span of the text (-1, -1)
        if sidecar.bodies:
            profile = replace(profile, bodies=tuple(Fact(b, -1, -1) for b in sidecar.bodies))
        if sidecar.reported:
            profile = replace(profile, reported=(Fact(sidecar.reported, -1, -1),))
        meta = DocumentMeta(
            doc_id=doc_id_for(path),
            filename=path.name,
            title=sidecar.title or title_from_text(clean.text, raw.embedded_title, path.name),
            date=date,
            source_kind=source_kind,
            publisher=sidecar.publisher,
            sha256=sha,
            source_path=str(path.resolve()),
            date_source=date_source,
            profile=profile,
        )
        pages = clean.pages if raw.paged else []  # a Word file or a web page has no page to cite: its sections
        if raw.ocr_pages:  # pages read from their images, the words OCR was unsure of, where its lines stand
            pages = [replace(p, ocr=True, doubtful=doubtful_ranges(clean.text, p, raw.ocr_doubts.get(p.page, [])),
                             ocr_lines=placed_lines(clean.text, p, raw.ocr_boxes.get(p.page, [])))
                     if p.page in raw.ocr_pages else p for p in pages]
        if labels:  # where they are not the indexes
            pages = [replace(p, label=labels[p.page - 1]) if labels[p.page - 1] != str(p.page) else p for p in pages]
        return Document(meta=meta, text=clean.text, pages=pages, blocks=clean.blocks)


def doubtful_ranges(text: str, span: PageSpan, doubts: list[tuple[str, int]]) -> tuple[tuple[int, int], ...]:
    """Where in the clean `text` the page's low-confidence OCR words are: each (word, occurrence) found as that
    occurrence of the whole word within the page's span; a word cleaning changed (joined at a hyphen) is skipped."""
    found = []
    for word, occurrence in doubts:
        hits = list(re.finditer(rf"(?<!\S){re.escape(word)}(?!\S)", text[span.start:span.end]))
        if occurrence < len(hits):
            found.append((span.start + hits[occurrence].start(), span.start + hits[occurrence].end()))
    return tuple(sorted(found))


def placed_lines(text: str, span: PageSpan, lines: list[tuple[str, tuple[float, float, float, float]]]
                 ) -> tuple[tuple[int, int, float, float, float, float], ...]:
    """Each OCR line of the page as (start, end) of the clean `text` and its box on the page: the page's clean
    text aligned with its OCR lines character by character (`aligned_characters`); a line cleaning dropped
    (a running header) has no characters there and is left out."""
    if not lines:
        return ()
    raw = "\n".join(line for line, _ in lines)
    line_of: list[int] = []  # the line each character of `raw` (its newline included) belongs to
    for n, (line, _) in enumerate(lines):
        line_of.extend([n] * (len(line) + 1))
    spans: dict[int, list[int]] = {}
    for i, j in aligned_characters(text[span.start:span.end], raw):
        spans.setdefault(line_of[j], []).append(span.start + i)
    return tuple((min(at), max(at) + 1, *lines[n][1]) for n, at in sorted(spans.items()))


def build_document(path: Path) -> Document:
    """`DocumentBuilder().run(path)`: the default parse of `SandboxedParser`."""
    return DocumentBuilder().run(Path(path))
