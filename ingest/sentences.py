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
# a row of a Markdown or plain-text table ("| Leadership | Good |") is a unit of its own; a rule row
# ("| --- | :-: |") is no sentence at all
TABLE_ROW = re.compile(r"(?m)^[ \t]*\|.*\|[ \t]*$")
RULE_ROW = re.compile(r"^[\s|:\-+=]*$")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of `text[start:end]` as absolute spans, trimmed of surrounding whitespace; each table
    row is one span, and rule rows are dropped."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for m in TABLE_ROW.finditer(text, start, end):
        spans.extend(_prose_sentences(text, cursor, m.start()))
        if not RULE_ROW.match(m.group(0)):
            _add(spans, text[m.start():m.end()], 0, m.end() - m.start(), m.start())
        cursor = m.end()
    spans.extend(_prose_sentences(text, cursor, end))
    return spans


def _prose_sentences(text: str, start: int, end: int) -> list[Span]:
    if end <= start:
        return []
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
