"""The numbers printed on a PDF's pages, read from their running headers and footers.

Used where the file defines no /PageLabels (pypdf's `PdfReader.page_labels` gives those): a report whose
cover and contents are unnumbered, or numbered in roman, prints "Page 3" or "3" in the footer of its fourth
or sixth page. A citation must give the number the reader sees, not the index in the file.
"""

from __future__ import annotations

import re
from collections import Counter

# a number standing alone, or as "Page 3", "3 of 40", "- 3 -", at the edge of a header or footer line
_ALONE = re.compile(r"^(?:page\s+)?[-–—]?\s*(\d{1,4}|[ivxlc]{1,7})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_OPENS = re.compile(r"^(\d{1,4}|[ivxlc]{1,7})\s+\S")  # "24 1.6 Paths and knots": a header opening with its number
_CLOSES = re.compile(r"\S\s+(?:page\s+)?(\d{1,4}|[ivxlc]{1,7})$", re.I)  # "Findings 17", "Report page 3"
_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(token: str) -> int | None:
    """The value of a lower- or upper-case roman numeral up to 399 ("iv" -> 4), else None."""
    if not _ROMAN.match(token):
        return None
    values = [_ROMAN_VALUES[ch] for ch in token.lower()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _edge_numbers(text: str, edge: int = 2) -> set[tuple[str, int, str]]:
    """(style, value, token as printed) for each number at the edge of the page's first or last `edge` lines;
    style is "arabic" or "roman"."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    found: set[tuple[str, int, str]] = set()
    for line in lines[:edge] + lines[-edge:]:
        if len(line.split()) > 14:
            continue
        for pattern in (_ALONE, _OPENS, _CLOSES):
            m = pattern.search(line)
            if not m:
                continue
            token = m.group(1)
            if token.isdigit():
                found.add(("arabic", int(token), token))
            elif (value := roman_value(token)) is not None and pattern is _ALONE:
                found.add(("roman", value, token))  # a roman numeral only standing alone: "I" opens sentences
    return found


def printed_page_numbers(pages: list[str], min_pages: int = 3, share: float = 0.5) -> list[str]:
    """Each page's number as printed, "" where none is; [] when the pages print no consistent numbering.

    `pages`: each page's extracted text, in file order. A numbering is consistent when, for one offset d,
    at least `min_pages` pages and `share` of the pages carry the number (index + d) at the edge of a header
    or footer; pages within the numbered run that print nothing (a full-page table) get index + d too.
    Front matter numbered in roman gets its own offset the same way, on two pages or more. Where the printed numbers equal the
    page indexes throughout, the result is [] (the index is the number)."""
    n = len(pages)
    if n < min_pages:
        return []
    per_page = [_edge_numbers(text) for text in pages]
    labels = [""] * n
    for style in ("arabic", "roman"):
        offsets: Counter[int] = Counter()
        for index, found in enumerate(per_page, start=1):
            offsets.update({value - index for s, value, _ in found if s == style})
        if not offsets:
            continue
        offset, count = offsets.most_common(1)[0]
        need = 2 if style == "roman" else max(min_pages, int(n * share))  # front matter is often two pages
        if count < need:
            continue
        matched = [index for index, found in enumerate(per_page, start=1)
                   if any(s == style and value - index == offset for s, value, _ in found)]
        first, last = matched[0], (n if style == "arabic" else matched[-1])
        for index in range(first, last + 1):
            if labels[index - 1]:
                continue
            token = next((t for s, value, t in per_page[index - 1] if s == style and value - index == offset), None)
            labels[index - 1] = token.lower() if token and style == "roman" else token or (
                str(index + offset) if style == "arabic" else "")
    if all(label in ("", str(index)) for index, label in enumerate(labels, start=1)):
        return []
    return labels
