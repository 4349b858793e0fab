"""Sentence segmentation with character offsets, so any quote is `text[start:end]`."""

from __future__ import annotations

import re

from core.records import Span

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "no", "nos", "vs", "etc", "e.g", "i.e", "cllr", "prof", "rev", "hon",
    "fig", "para", "paras", "ref", "approx", "inc", "ltd", "co", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "cf", "al", "op", "p", "pp", "sec", "s", "ss",
}
BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of `text[start:end]` as absolute spans, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    segment = text[start:end]
    spans: list[Span] = []
    cursor = 0
    for m in BOUNDARY.finditer(segment):
        before = segment[max(cursor, m.start() - 63):m.start() + 1]  # bounded look-back: linear time
        word = re.search(r"([A-Za-z][A-Za-z.]*)\.$", before.rstrip("!?"))
        if word and m.group(0).startswith("."):
            token = word.group(1).lower().rstrip(".")
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        stop = m.end()
        _add(spans, segment, cursor, stop, start)
        cursor = stop
    _add(spans, segment, cursor, len(segment), start)
    return spans


def _add(spans: list[Span], segment: str, s: int, e: int, offset: int) -> None:
    piece = segment[s:e]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    if piece.strip():
        spans.append(Span(offset + s + lead, offset + e - trail))
