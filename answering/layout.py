"""Candidates that the shape of a document gives, beyond the sentences of the best passages.

A letter's sign-off ("Yours sincerely", a name, a role) and its address block (the lines above
"Dear ...") are runs of short lines, not sentences: merged, they become one quotable candidate. For
a question asking when, the document's date lines and the lines its profile read the reported dates
from; for a question asking which judgement, the lines its profile read judgements from. Every
candidate is still a span of the stored text.
"""

from __future__ import annotations

import re

from core.records import Chunk, DocumentProfile, Span

from .scoring import Candidate

SIGN_OFF = re.compile(r"^\s*(?:Yours (?:sincerely|faithfully)|Kind regards|Best wishes|With best wishes)\b", re.I)
SALUTATION = re.compile(r"^\s*Dear\b")
COPY_LINE = re.compile(r"^\s*(?:Copy|Copies|cc|Enc|Encl)\b", re.I)
ROLE = re.compile(r"\b(?:Inspector|Director|Chief|Head|Manager|Officer|Executive|Chair|Lead|Commissioner|HMI)\b")
SHORT = 14  # words: a line of an address or a signature


def _words(chunk: Chunk, span: Span) -> int:
    return len(chunk.text[span.start - chunk.start: span.end - chunk.start].split())


def merged_blocks(chunk: Chunk) -> list[tuple[Span, str]]:
    """(span, "sign_off" | "address") for each run of short lines that makes a signature or an address."""
    out = []
    sents = list(chunk.sentences)
    for i, span in enumerate(sents):
        text = chunk.text[span.start - chunk.start: span.end - chunk.start]
        if SIGN_OFF.match(text):
            j = i
            while j + 1 < len(sents) and j - i < 3 and _words(chunk, sents[j + 1]) <= SHORT:
                nxt = chunk.text[sents[j + 1].start - chunk.start: sents[j + 1].end - chunk.start]
                if COPY_LINE.match(nxt):
                    break
                j += 1
                if ROLE.search(nxt):
                    break  # the signatory's role ends the signature
            if j > i:
                out.append((Span(span.start, sents[j].end), "sign_off"))
        if SALUTATION.match(text) and i > 0:
            j = i
            while j - 1 >= 0 and i - j < 7 and _words(chunk, sents[j - 1]) <= SHORT:
                j -= 1
            if j < i - 1 or (j == i - 1 and _words(chunk, sents[j]) >= 2):
                out.append((Span(sents[j].start, sents[i - 1].end), "address"))
    return out


def block_candidates(chunks: list[Chunk], rank_of: dict[str, int], prior_of: dict[str, float]) -> list[Candidate]:
    """Merged sign-off and address blocks of these chunks, as candidates tagged with `block`."""
    out = []
    for chunk in chunks:
        for span, kind in merged_blocks(chunk):
            text = chunk.text[span.start - chunk.start: span.end - chunk.start]
            cand = Candidate(chunk, span, rank_of.get(chunk.id, len(rank_of) + 1), text, prior=prior_of.get(chunk.id, 0.0))
            cand.block = kind
            out.append(cand)
    return out


def sentence_at(chunk: Chunk, offset: int) -> Span | None:
    return next((s for s in chunk.sentences if s.start <= offset < s.end), None)


def fact_offsets(profile: DocumentProfile, answer_type: str) -> list[int]:
    """Where the profile read what a when or which-judgement question asks for."""
    if answer_type == "when":
        return [f.start for f in profile.reported if f.start >= 0]
    if answer_type == "judgement":
        return [j.start for j in profile.judgements]
    return []
