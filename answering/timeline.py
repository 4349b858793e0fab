"""Change over time: which documents lead a timeline, and the order their passages are read in."""

from __future__ import annotations


def when_of(doc_id: str, profiles: dict) -> str:
    """The earliest date a document reports (ISO, "YYYY", "YYYY-MM" or "YYYY-MM-DD"); "9999" when it has none."""
    p = profiles.get(doc_id)
    dates = p.event_dates() if p is not None else []
    return min(dates) if dates else "9999"


def _earlier(a: str, b: str) -> bool:
    """Whether date `a` is in an earlier month than `b` (a news report and the inspection it reports share
    a month, not always a day), compared at the coarser of their precisions."""
    n = min(len(a), len(b), 7)
    return a[:n] < b[:n]


def relative_documents(doc_ids: list[str], profiles: dict, pivots: tuple[str, ...], relative: str) -> list[str]:
    """Of `doc_ids`, those whose events fall in a month before (`relative` "before") the earliest of the
    documents `pivots`, or after ("after") the latest, nearest to them first; undated documents are left out."""
    when = {d: when_of(d, profiles) for d in [*doc_ids, *pivots]}
    dates = [when[p] for p in pivots if when[p] != "9999"]
    if not dates:
        return []
    if relative == "before":
        keep = [d for d in doc_ids if d not in pivots and _earlier(when[d], min(dates))]
        return sorted(keep, key=when.get, reverse=True)
    keep = [d for d in doc_ids if d not in pivots and when[d] != "9999" and _earlier(max(dates), when[d])]
    return sorted(keep, key=when.get)


def endpoint_documents(hits: list, profiles: dict, documents: int = 3) -> list[str]:
    """For a change over time: of the documents among `hits`, the one whose events are earliest, the one
    whose are latest, then the best-ranked others, `documents` in all."""
    ranked = list(dict.fromkeys(h.chunk.doc_id for h in hits))
    if not ranked:
        return []

    dated = sorted(ranked, key=lambda d: when_of(d, profiles))
    lead = list(dict.fromkeys([dated[0], dated[-1]]))
    return (lead + [d for d in ranked if d not in lead])[:documents]


def interleave_by_document(hits: list, documents: int = 3, lead: list[str] | None = None) -> list:
    """Round-robin over the leading documents' hits (the first `documents` by rank, or `lead`), best
    first within each; the rest after."""
    groups: dict[str, list] = {}
    for h in hits:
        groups.setdefault(h.chunk.doc_id, []).append(h)
    lead = [d for d in (lead or list(groups)[:documents]) if d in groups]
    out = []
    for i in range(max((len(groups[d]) for d in lead), default=0)):
        out.extend(groups[d][i] for d in lead if i < len(groups[d]))
    out.extend(h for h in hits if h.chunk.doc_id not in lead)
    return out
