"""The provenance spine: records that carry text and its origin from ingestion to citation.

A quote shown to a user is always `Document.text[start:end]`; its page comes from the page
spans kept while cleaning. Nothing downstream re-derives positions by searching text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
    """Characters [start, end) of the clean text came from page `page` (1-based)."""

    page: int
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """A structural unit of the clean text: heading, paragraph or bullet."""

    block_kind: str
    start: int
    end: int
    section: str


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
    date_source: str = "none"  # sidecar | text | none

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
