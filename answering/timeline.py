"""Change over time: which documents lead a timeline, and the order their passages are read in."""

from __future__ import annotations


def endpoint_documents(hits: list, profiles: dict, documents: int = 3) -> list[str]:
    """For a change over time: of the documents among `hits`, the one whose events are earliest, the one
    whose are latest, then the best-ranked others, `documents` in all."""
    ranked = list(dict.fromkeys(h.chunk.doc_id for h in hits))
    if not ranked:
        return []

    def when(doc_id: str) -> str:
        p = profiles.get(doc_id)
        dates = p.event_dates() if p is not None else []
        return min(dates) if dates else "9999"

    dated = sorted(ranked, key=when)
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
