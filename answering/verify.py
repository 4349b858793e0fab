"""Every quote is checked to stand verbatim in its stored document before it is shown."""

from __future__ import annotations

import logging

from .types import Citation

log = logging.getLogger(__name__)


def verify_citations(citations: list[Citation], text_of) -> list[Citation]:
    """Keep only citations whose quote is exactly `document_text[start:end]`; log the rest."""
    kept = []
    cache: dict[str, str | None] = {}
    for c in citations:
        if c.doc_id not in cache:
            cache[c.doc_id] = text_of(c.doc_id)
        text = cache[c.doc_id]
        if text is not None and text[c.start:c.end] == c.quote:
            kept.append(c)
        else:
            log.error("dropped a quote that does not stand verbatim in %s at %d-%d", c.document, c.start, c.end)
    return kept
