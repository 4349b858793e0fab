"""The provenance spine: records that carry text and its origin from ingestion to citation.

A quote shown to a user is always `Document.text[start:end]`; its page comes from the page
spans kept while cleaning. Nothing downstream re-derives positions by searching text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of a document's clean text."""

    start: int
    end: int


CharRange = tuple[int, int]  # characters [start, end) of some other string (e.g. a chunk's embedded text)


@dataclass(frozen=True)
class PageSpan:
    """Characters [start, end) of the clean text came from page `page` (1-based index in the file); `label` is
    the page's number as printed (the PDF's /PageLabels: "iii", "3"), "" where that is the index itself."""

    page: int
    start: int
    end: int
    label: str = ""
    ocr: bool = False  # the page had no text layer: its text was read from its image by OCR
    doubtful: tuple[CharRange, ...] = ()  # words OCR read with low confidence, as [start, end) of the clean text
    # a scan's lines as OCR read them: (start, end) of the clean text and (left, bottom, right, top) on the page,
    # in PDF points, so that a quote can be marked on the page image
    ocr_lines: tuple[tuple[int, int, float, float, float, float], ...] = ()

    def to_row(self) -> list:
        """The compact JSON row the document stores keep: [page, start, end(, label(, ocr(, doubtful(, lines))))]."""
        row: list = [self.page, self.start, self.end]
        if self.label or self.ocr:
            row.append(self.label)
        if self.ocr:
            row.append(True)
        if self.doubtful or self.ocr_lines:
            row.append([list(r) for r in self.doubtful])
        if self.ocr_lines:
            row.append([[a, b, round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]
                        for a, b, x0, y0, x1, y1 in self.ocr_lines])
        return row

    @classmethod
    def from_row(cls, row: list) -> "PageSpan":
        """The inverse of `to_row`."""
        span = cls(*row[:5])
        if len(row) > 5:
            span = replace(span, doubtful=tuple((a, b) for a, b in row[5]))
        if len(row) > 6:
            span = replace(span, ocr_lines=tuple(tuple(line) for line in row[6]))
        return span


@dataclass(frozen=True)
class Block:
    """A structural unit of the clean text: heading, paragraph or bullet."""

    block_kind: str
    start: int
    end: int
    section: str


@dataclass(frozen=True)
class Fact:
    """A fact found in a document's clean text, with the characters [start, end) it was read from."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Judgement:
    """A judgement a document states: its area ("Overall effectiveness"), grade (lower case) and span."""

    area: str
    grade: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentProfile:
    """What a document is about, found at ingest (ingest/profile.py); a sidecar may override any field.

    `bodies`: the councils, trusts or partnerships it is about, most mentioned first; `published`: its own
    date (ISO, partial allowed); `reported`: dates of the inspection or visit it reports; `kind`: a source
    kind; `visit_number`: "3" for a third monitoring visit; `judgements`: the grades it states.
    """

    bodies: tuple[Fact, ...] = ()
    published: str | None = None
    reported: tuple[Fact, ...] = ()
    kind: str | None = None
    kind_span: tuple[int, int] | None = None
    visit_number: Fact | None = None
    judgements: tuple[Judgement, ...] = ()
    mentioned_years: tuple[str, ...] = ()  # every year the text names (a figure "in 2031-32" may be asked for)
    mentioned_bodies: tuple[str, ...] = ()  # every body the text names, the main ones and those named in passing
    # the dates of every inspection or visit the text speaks of, its own and earlier ones ("the focused visit in
    # November 2031"), ISO: a question about an event no document reports may be answered from one that recalls it
    mentioned_events: tuple[str, ...] = ()
    # pages (1-based, as cited) whose extraction lost characters: glyphs the PDF's fonts map to nothing (NUL),
    # to the replacement character, or to private-use code points inside a line (ingest/cleaning.damaged_pages)
    damaged_pages: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # pages with no text layer, read by OCR: a scan

    def body_names(self) -> list[str]:
        return [b.value for b in self.bodies]

    def event_dates(self) -> list[str]:
        """The dates that place the document in time: what it reports, else when it was published."""
        dates = [f.value for f in self.reported]
        return dates or ([self.published] if self.published else [])

    def years(self) -> set[str]:
        """Years the document belongs to: of what it reports and of its publication."""
        out = {d[:4] for d in self.event_dates()}
        if self.published:
            out.add(self.published[:4])
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "DocumentProfile":
        if not data:
            return cls()
        return cls(
            bodies=tuple(Fact(**b) for b in data.get("bodies", ())),
            published=data.get("published"),
            reported=tuple(Fact(**f) for f in data.get("reported", ())),
            kind=data.get("kind"),
            kind_span=tuple(data["kind_span"]) if data.get("kind_span") else None,
            visit_number=Fact(**data["visit_number"]) if data.get("visit_number") else None,
            judgements=tuple(Judgement(**j) for j in data.get("judgements", ())),
            mentioned_years=tuple(data.get("mentioned_years", ())),
            mentioned_bodies=tuple(data.get("mentioned_bodies", ())),
            mentioned_events=tuple(data.get("mentioned_events", ())),
            damaged_pages=tuple(data.get("damaged_pages", ())),
            ocr_pages=tuple(data.get("ocr_pages", ())),
        )


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    filename: str
    title: str
    date: str | None
    source_kind: str
    publisher: str | None
    sha256: str
    source_path: str
    # sidecar | embedded (a web page's metadata) | text | latest mentioned | ambiguous (read two ways: unset) | none
    date_source: str = "none"
    profile: DocumentProfile | None = None  # None: an index written before profiles (computed on load)

    @property
    def shown_date(self) -> str:
        """The date as lists show it: ISO, "date ambiguous" or "undated"."""
        return self.date or ("date ambiguous" if self.date_source == "ambiguous" else "undated")

    @property
    def kind_label(self) -> str:
        return SOURCE_KINDS.get(self.source_kind, self.source_kind)

    @property
    def is_primary(self) -> bool:
        return self.source_kind in PRIMARY_SOURCE_KINDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    meta: DocumentMeta
    text: str
    pages: list[PageSpan] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def pages_for(self, start: int, end: int) -> tuple[int, ...]:
        """Pages a character range touches; a quote over a page break names both."""
        return pages_for(self.pages, start, end)


def pages_for(pages: list[PageSpan], start: int, end: int) -> tuple[int, ...]:
    found = [p.page for p in pages if p.start < end and start < p.end]
    return tuple(sorted(set(found)))


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: whole sentences within one section, with full provenance."""

    id: str
    doc_id: str
    filename: str
    title: str
    date: str | None
    source_kind: str
    start: int
    end: int
    pages: tuple[int, ...]
    section: str
    sentences: tuple[Span, ...]
    text: str
    ordinal: int = 0

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages else None

    def embedding_text(self) -> str:
        """What the dense side embeds: the section heading gives a bullet its context."""
        return f"{self.section}: {self.text}" if self.section else self.text

    def embedding_spans(self) -> list[tuple[int, int]]:
        """Its sentences as character ranges of `embedding_text()`: where their vectors are pooled from."""
        shift = len(self.embedding_text()) - len(self.text) - self.start
        return [(s.start + shift, s.end + shift) for s in self.sentences]
