"""Chunking that follows structure: whole sentences, bullets kept whole, within one section."""

from __future__ import annotations

import hashlib

from core.errors import ConfigError
from core.records import Block, Chunk, Document, Span

from .sentences import split_sentences


def chunk_id(doc_id: str, sha256: str, start: int, end: int) -> str:
    """Derived from content and position, so re-ingesting the same file yields the same ids."""
    return hashlib.sha1(f"{doc_id}\x00{sha256}\x00{start}\x00{end}".encode()).hexdigest()[:24]


class Chunker:
    """Packs short paragraphs of one section together and splits long ones at sentence ends."""

    def __init__(self, target_chars: int = 600, max_chars: int = 1000, pack_bullets: bool = False) -> None:
        if target_chars < 50 or max_chars < target_chars:
            raise ConfigError(f"chunk sizes target={target_chars}, max={max_chars}: need 50 <= target <= max")
        self.target_chars = target_chars
        self.max_chars = max_chars
        self.pack_bullets = pack_bullets

    def run(self, doc: Document) -> list[Chunk]:
        groups: list[tuple[int, int, str, list[Span]]] = []  # (start, end, section, sentences)
        pending_heading: Block | None = None
        buffer: list[tuple[Block, list[Span]]] = []

        def flush() -> None:
            if buffer:
                start = buffer[0][0].start
                groups.append((start, buffer[-1][0].end, buffer[0][0].section, [s for _, ss in buffer for s in ss]))
                buffer.clear()

        for block in doc.blocks:
            if block.block_kind == "heading":
                flush()
                pending_heading = block
                continue
            sentences = split_sentences(doc.text, block.start, block.end)
            head_start = pending_heading.start if pending_heading and pending_heading.section == block.section else None
            pending_heading = None
            size = block.end - block.start
            if (block.block_kind == "bullet" and not self.pack_bullets) or size > self.target_chars:
                flush()
                for start, end, sents in self._split(block, sentences):
                    if head_start is not None:
                        start, head_start = head_start, None
                    groups.append((start, end, block.section, sents))
                continue
            if buffer and (
                buffer[0][0].section != block.section
                or block.end - buffer[0][0].start > self.target_chars
                or (buffer[0][0].block_kind == "bullet") != (block.block_kind == "bullet")
            ):
                flush()
            if head_start is not None and not buffer:
                block = Block(block.block_kind, head_start, block.end, block.section)
            buffer.append((block, sentences))
        flush()

        meta = doc.meta
        chunks = []
        for ordinal, (start, end, section, sents) in enumerate(groups):
            chunks.append(
                Chunk(
                    id=chunk_id(meta.doc_id, meta.sha256, start, end),
                    doc_id=meta.doc_id,
                    filename=meta.filename,
                    title=meta.title,
                    date=meta.date,
                    source_kind=meta.source_kind,
                    start=start,
                    end=end,
                    pages=doc.pages_for(start, end),
                    section=section,
                    sentences=tuple(sents),
                    text=doc.text[start:end],
                    ordinal=ordinal,
                )
            )
        return chunks

    def _split(self, block: Block, sentences: list[Span]) -> list[tuple[int, int, list[Span]]]:
        """A whole block if it fits, else windows of sentences with one sentence of overlap."""
        if block.end - block.start <= self.max_chars or len(sentences) <= 1:
            return [(block.start, block.end, sentences)]
        windows: list[tuple[int, int, list[Span]]] = []
        i = 0
        while i < len(sentences):
            j = i + 1
            while j < len(sentences) and sentences[j].end - sentences[i].start <= self.target_chars:
                j += 1
            window = sentences[i:j]
            windows.append((window[0].start, window[-1].end, window))
            if j >= len(sentences):
                break
            i = j - 1 if j - 1 > i else j  # one sentence of overlap, always moving forward
        return windows
