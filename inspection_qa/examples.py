"""Example questions for an empty chat, made from what the ingested documents are about.

Nothing here names a body, a topic or a year: every example is built from the library itself (each
document's kind, date and profile, and the section headings its passages fall under), so a library of
other documents gets examples of its own. Three kinds, one of each where the library allows:

* a section heading as a topic: "What did the inspection letter say about areas for development?";
* a body and the year of a document: "What did the 2031 inspection letter say about X?";
* a judgement a document states: "What judgement did X receive for overall effectiveness?"
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

from core.kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS
from core.records import DocumentMeta, DocumentProfile

HEADING_WORDS = (2, 7)  # a heading of this many words reads as a topic; longer ones are sentences
MAX_DOCUMENTS = 30  # the newest documents looked at (primary sources first)


def topic_phrase(heading: str) -> str | None:
    """A section heading as a topic inside a sentence ("Areas for development" -> "areas for development",
    "REGULAR VISITS" -> "regular visits"); None for a heading that does not read as one."""
    words = heading.strip().rstrip(":.").split()
    if not HEADING_WORDS[0] <= len(words) <= HEADING_WORDS[1]:
        return None
    if not all(any(ch.isalpha() for ch in w) for w in words) or any(ch.isdigit() for ch in heading):
        return None
    text = " ".join(words)
    if text.isupper():
        return text.lower()
    if all(w.islower() for w in words[1:] if w.isalpha()):  # sentence case: the first capital is the sentence's
        return text[0].lower() + text[1:]
    return None  # Title Case mixes names with words; left out rather than guessed


def year_of(meta: DocumentMeta, profile: DocumentProfile) -> str | None:
    """The document's year: of its own date, else of what it reports."""
    for date in (meta.date, *profile.event_dates()):
        if date and len(date) >= 4 and date[:4].isdigit():
            return date[:4]
    return None


def _order(documents: Iterable[DocumentMeta]) -> list[DocumentMeta]:
    """Primary sources first, the newest first within each."""
    by_date = sorted(documents, key=lambda m: m.date or "", reverse=True)
    return sorted(by_date, key=lambda m: m.source_kind not in PRIMARY_SOURCE_KINDS)[:MAX_DOCUMENTS]


def example_questions(documents: list[DocumentMeta], profiles: Mapping[str, DocumentProfile],
                      headings: Mapping[str, list[str]], n: int = 3) -> list[str]:
    """Up to `n` distinct questions about the library; `headings`: doc_id -> the section heading of each of
    its passages (repeats count: the heading most passages fall under is the document's main topic)."""
    ordered = _order(documents)
    topics, dated, judged = [], [], []
    for meta in ordered:
        label = SOURCE_KINDS.get(meta.source_kind, "document")
        profile = profiles.get(meta.doc_id) or DocumentProfile()
        counts = Counter(h for h in headings.get(meta.doc_id, []) if h)
        for heading, _ in counts.most_common():
            phrase = topic_phrase(heading)
            if phrase and meta.title.lower() != heading.lower():
                topics.append(f"What did the {label} say about {phrase}?")
        body = profile.bodies[0].value if profile.bodies else None
        year = year_of(meta, profile)
        if body and year:
            dated.append(f"What did the {year} {label} say about {body}?")
        for j in profile.judgements:
            if body and j.area:
                judged.append(f"What judgement did {body} receive for {j.area.lower()}?")
    chosen: list[str] = []
    # one of each kind first, then more of each in turn
    pools = [topics, dated, judged]
    while len(chosen) < n and any(pools):
        for pool in pools:
            while pool:
                question = pool.pop(0)
                if question not in chosen:
                    chosen.append(question)
                    break
            if len(chosen) >= n:
                break
    return chosen
