"""Reading order for pages set in two columns.

pypdf's default extraction follows the content stream; a page whose columns were drawn row by row
(some report templates and newsletters do) comes out with each left line glued to its right neighbour,
"Inspectors found that the front door Children in care see their social". Where the text runs of
a page show two columns side by side, the page is extracted again in pypdf's layout mode (which keeps
the horizontal positions as spaces), the gutter between the columns is found, and the text is rebuilt
in the order a person reads it: within each band of the page set in columns, the left column top to
bottom, then the right; a line running across the gutter (a heading, a full-width paragraph) closes
the band and stays in place.
"""

from __future__ import annotations

import re
from collections import Counter

SEGMENT = re.compile(r"\S+(?: {1,2}\S+)*")  # text broken by runs of three or more spaces
PROSE = 20  # characters: a segment this long on both sides of a gutter is a line of a column, not a table cell


class RunCollector:
    """A pypdf `visitor_text` callback that keeps each text run's place: (y, x, characters, font size), the
    coordinates and the size in points."""

    def __init__(self) -> None:
        self.runs: list[tuple[float, float, int, float]] = []

    def __call__(self, text, cm, tm, font_dict, font_size) -> None:
        if text and text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = ((tm[0] * cm[0]) ** 2 + (tm[1] * cm[1]) ** 2) ** 0.5 or 1.0
            self.runs.append((y, x, len(text.strip()), float(font_size or 10) * scale))


def side_by_side(runs: list[tuple[float, float, int, float]], width: float, rows: int = 3) -> bool:
    """Whether at least `rows` lines of the page hold prose on both sides of a gap in the middle third of the
    page (runs' widths estimated at half an em a character): two columns set side by side. `runs`: from
    `RunCollector`; `width` in points."""
    by_row: dict[int, list[tuple[float, int, float]]] = {}
    for y, x, n, size in runs:
        by_row.setdefault(round(y / 2), []).append((x, n, size))
    count = 0
    for row in by_row.values():
        row.sort()
        for i in range(1, len(row)):
            x, _, size = row[i]
            end = max(px + pn * psize * 0.5 for px, pn, psize in row[:i])
            if width / 3 <= x <= width * 2 / 3 and x - end >= 2 * size:
                if sum(n for _, n, _ in row[:i]) >= PROSE and sum(n for _, n, _ in row[i:]) >= PROSE:
                    count += 1
                break
    return count >= rows


def _gutter(lines: list[str], rows: int = 3) -> int | None:
    """The character column where a second column of text starts on at least `rows` lines of the layout text
    (each side at least `PROSE` characters), else None. The left column must run on as prose does (a line
    continued in lower case on the next, at least twice): a table's cells side by side are no columns."""
    starts: Counter[int] = Counter()
    lefts: list[str] = []
    for line in lines:
        segments = list(SEGMENT.finditer(line))
        if len(segments) == 2 and all(len(s.group(0)) >= PROSE for s in segments):
            starts[segments[1].start()] += 1
            lefts.append(segments[0].group(0))
    runs_on = sum(1 for a, b in zip(lefts, lefts[1:]) if b[:1].islower() and not a.endswith((".", ":", "?", "!")))
    if not starts or runs_on < 2:
        return None
    column, _ = starts.most_common(1)[0]
    near = sum(n for c, n in starts.items() if abs(c - column) <= 3)
    return min(c for c in starts if abs(c - column) <= 3) if near >= rows else None


def reading_order(layout_text: str) -> str | None:
    """`layout_text` (pypdf's layout mode) rebuilt column by column, or None when it shows no gutter."""
    lines = layout_text.split("\n")
    gutter = _gutter(lines)
    if gutter is None:
        return None
    out: list[str] = []
    left: list[str] = []
    right: list[str] = []

    def flush() -> None:
        out.extend(left)
        if left and right:
            out.append("")
        out.extend(right)
        left.clear()
        right.clear()

    for line in lines:
        segments = list(SEGMENT.finditer(line))
        if not segments:
            if left or right:
                left.append("")
                right.append("")
            else:
                out.append("")
            continue
        across = [s for s in segments if s.start() < gutter - 3 and s.end() > gutter + 1]
        if across:  # a heading or paragraph over the whole width closes the band set in columns
            flush()
            out.append(" ".join(s.group(0) for s in segments))
            continue
        before = " ".join(s.group(0) for s in segments if s.start() < gutter - 3)
        after = " ".join(s.group(0) for s in segments if s.start() >= gutter - 3)
        if before:
            left.append(before)
        if after:
            right.append(after)
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n") + "\n"
