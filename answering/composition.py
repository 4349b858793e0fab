"""Writing the answer: quotes grouped by source, each headed with its date and kind; for a
change over time, sources oldest first and a closing line built from the quotes themselves."""

from __future__ import annotations

import calendar
import re
from typing import Callable

from core.kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS
from core.records import DocumentMeta, PageSpan
from core.text import tokens

from .scoring import Candidate
from .types import Citation


def human_date(date: str | None) -> str:
    if not date:
        return ""
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {calendar.month_name[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_name[int(parts[1])]} {parts[0]}"
    return parts[0]


def date_label(meta: DocumentMeta | None, date: str | None) -> str:
    """'9 November YYYY', or 'undated, after April 2018' when only the text's latest date is known."""
    if meta is not None and meta.date_source == "latest mentioned":
        return f"undated, after {human_date(date)}"
    return human_date(date) or "undated"


def source_phrase(cand: Candidate, meta: DocumentMeta | None) -> str:
    chunk = cand.chunk
    label = SOURCE_KINDS.get(chunk.source_kind, "document")
    phrase = f"The {label} “{chunk.title}” ({date_label(meta, chunk.date)})"
    if chunk.source_kind not in PRIMARY_SOURCE_KINDS:
        phrase += ", a secondary source,"
    return phrase + " says"


def quoted(text: str) -> str:
    """Curly quotes around a quote, unless it is itself a quotation already."""
    return text if text[:1] in "“\"" and text[-1:] in "”\"" else f"“{text}”"


def clause(text: str, terms: list[str]) -> str:
    """The clause of a quote that carries most of the question's terms (a verbatim substring)."""
    parts = [p.strip() for p in re.split(r"(?<=[,;:])\s+|\s+(?:although|but|however|while|whereas)\s+", text)]
    parts = [p.rstrip(",;:") for p in parts if len(p.split()) >= 4 and p.rstrip(",;:") in text]
    if not parts:
        return text
    wanted = set(terms)
    return max(parts, key=lambda p: (len(wanted & set(tokens(p))), -parts.index(p)))


def write_answer(
    chosen: list[Candidate],
    timeline: bool,
    terms: list[str],
    question_years: set[str],
    meta_of: Callable[[str], DocumentMeta | None],
    pages_of: Callable[[str], list[PageSpan]],
) -> tuple[list[Citation], str]:
    groups: dict[str, list[Candidate]] = {}
    for cand in chosen:
        groups.setdefault(cand.chunk.doc_id, []).append(cand)
    order = list(groups)
    if timeline:
        order.sort(key=lambda d: (groups[d][0].chunk.date is None, groups[d][0].chunk.date or ""))
    citations: list[Citation] = []
    lines: list[str] = []
    firsts: list[tuple[Candidate, int]] = []
    for doc_id in order:
        members = sorted(groups[doc_id], key=lambda c: c.span.start)
        meta = meta_of(doc_id)
        quotes = []
        spans = pages_of(doc_id)
        for cand in members:
            marker = len(citations) + 1
            pages = tuple(sorted({p.page for p in spans if p.start < cand.span.end and cand.span.start < p.end}))
            pages = pages or cand.chunk.pages
            citations.append(Citation(
                marker=marker, doc_id=doc_id, document=cand.chunk.filename, title=cand.chunk.title,
                date=cand.chunk.date, source_kind=cand.chunk.source_kind, page=pages[0] if pages else None, pages=pages,
                section=cand.chunk.section, quote=cand.text, start=cand.span.start, end=cand.span.end,
                chunk_id=cand.chunk.id,
            ))
            quotes.append(f"{quoted(cand.text)} [{marker}]")
        best = max(members, key=lambda c: c.score)
        firsts.append((best, len(citations) - len(members) + 1 + members.index(best)))
        lines.append(f"{source_phrase(members[0], meta)}: " + " ".join(quotes))
    if timeline:
        lines.append(_closing_line(firsts, terms, question_years, meta_of))
    return citations, "\n\n".join(line for line in lines if line)


def _closing_line(firsts, terms, question_years, meta_of) -> str:
    dated = [(c, m) for c, m in firsts if c.chunk.date]
    if len({c.chunk.date[:4] for c, _ in dated}) >= 2:
        (first, m1), (last, m2) = dated[0], dated[-1]
        return (f"What changed between {date_label(meta_of(first.chunk.doc_id), first.chunk.date)} and "
                f"{date_label(meta_of(last.chunk.doc_id), last.chunk.date)}: then, {quoted(clause(first.text, terms))} "
                f"[{m1}]; later, {quoted(clause(last.text, terms))} [{m2}].")
    covered = {c.chunk.date[:4] for c, _ in dated}
    missing = sorted(y for y in question_years if y not in covered)
    only = firsts[0][0] if firsts else None
    when = date_label(meta_of(only.chunk.doc_id), only.chunk.date) if only else "one date"
    if missing:
        return f"Only sources from {when} speak to this; nothing from {', '.join(missing)} covers it."
    return f"Only sources from {when} speak to this; the other period is not covered."
