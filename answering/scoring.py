"""Sentence scoring: the candidate sentences of retrieved passages, their features and score."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from core.records import Chunk, Span
from core.text import fold, tokens

NUMBER_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|"
    r"billion|dozen|half|quarter|percent|per cent)\b", re.I
)


@dataclass
class Candidate:
    chunk: Chunk
    span: Span
    rank: int  # rank of its chunk in the fused list
    text: str
    dense: float = 0.0
    lexical: float = 0.0
    prior: float = 0.0  # the fused retrieval score of its chunk, relative to the best chunk
    context: float = 0.0  # cosine of the question to the whole passage: the sentence's context
    question_dense: float = 0.0  # cosine to the question as asked (when the searched text differs)
    score: float = 0.0
    features: dict = field(default_factory=dict, repr=False, compare=False)
    block: str = ""  # "sign_off"/"address": a merged run of short lines; "profile": a line a profile fact came from
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # pooled from its passage
    # a quote widened around the sentence the ranker chose (answerer._widen): that sentence's span
    focus: Span | None = field(default=None, repr=False, compare=False)

    @property
    def focus_text(self) -> str:
        """The chosen sentence's text within a widened quote (the whole text when not widened)."""
        if self.focus is None:
            return self.text
        return self.chunk.text[self.focus.start - self.chunk.start: self.focus.end - self.chunk.start]

    @functools.cached_property
    def folded(self) -> str:
        """Its text as evaluation compares text; compared pairwise, so folded once."""
        return fold(self.text)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.chunk.doc_id, self.span.start, self.span.end)


def candidates_from(chunks: list[Chunk], min_words: int = 2, priors: list[float] | None = None,
                    contexts: list[float] | None = None) -> list[Candidate]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    priors = priors or [1.0] * len(chunks)
    contexts = contexts or [0.0] * len(chunks)
    for rank, (chunk, prior, context) in enumerate(zip(chunks, priors, contexts), start=1):
        for span in chunk.sentences:
            text = chunk.text[span.start - chunk.start: span.end - chunk.start]
            key = (chunk.doc_id, span.start, span.end)
            if key in seen or len(text.split()) < min_words:
                continue
            seen.add(key)
            out.append(Candidate(chunk, span, rank, text, prior=prior, context=context))
    return out

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

DATES = re.compile(
    rf"\b(\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:and|to|-|–)\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{1,2}}\b)",
    re.I,
)


def has_quantity(text: str) -> bool:
    """A number that is not a date, a bare year or a paragraph's number ("7. Reduce reliance on agency
    staff."): '20%', 'section 47', 'three'."""
    text = DATES.sub(" ", re.sub(r"^\s*\(?\d+(?:\.\d+)*[.)]\s+", "", text))
    for m in re.finditer(r"\d+(?:[.,]\d+)?%?", text):
        token = m.group(0)
        if re.fullmatch(r"(19|20)\d\d", token):
            continue
        return True
    return bool(NUMBER_WORDS.search(text))

HAS_DATE = re.compile(rf"\b(?:(?:19|20)\d\d|{_MONTHS})\b", re.I)


def has_date(text: str) -> bool:
    return bool(HAS_DATE.search(text))


class SentenceSimilarity:
    """Sets each candidate's similarity features: `dense` (cosine to the searched text and the question,
    averaged), `question_dense` (to the question as asked) and `lexical` (idf-weighted share of the query
    terms in the sentence or its section heading). The ranker (answering/ranker.py) turns them into a score."""

    def run(self, candidates: list[Candidate], vectors: np.ndarray, query_vectors: list[np.ndarray],
            terms: list[str], idf) -> None:
        if not candidates:
            return
        sims = np.mean([vectors @ q for q in query_vectors], axis=0)
        asked = vectors @ query_vectors[-1]
        weights = {t: idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        for cand, sim, own in zip(candidates, sims, asked):
            present = set(tokens(cand.text + " " + cand.chunk.section))
            cand.dense = float(sim)
            cand.question_dense = float(own)
            cand.lexical = sum(w for t, w in weights.items() if t in present) / total if terms else 0.0


def near_duplicate(a: Candidate, b: Candidate) -> bool:
    fa, fb = a.folded, b.folded
    return fa == fb or fa in fb or fb in fa
