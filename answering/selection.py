"""Scoring the sentences of retrieved passages against the question, and choosing quotes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from core.records import Chunk, Span
from core.text import STOPWORDS, fold, tokens

GENERIC_TERMS = frozenset(tokens(
    "inspector inspectors inspection inspections ofsted report reports letter letters say said find found finding "
    "findings birmingham council children child service services social work workers worker trust city local "
    "authority 2011 2019 what how did does do was were is are describe mention note there their about"
))
NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|dozen|half|third|quarter|twice|once|percent|per cent)\b", re.I
)
QUANTITY_QUESTION = re.compile(
    r"\b(how many|how much|what (?:number|percentage|proportion|share|figure|amount)|number of|what (?:was|is) the "
    r"(?:number|percentage|average|total|rate))\b", re.I
)
CHANGE_QUESTION = re.compile(
    r"\b(chang\w*|improv\w*|progress\w*|compar\w*|since|over time|trend\w*|now|still|anymore|any more|then and now|"
    r"differ\w*|develop\w* since|evolv\w*|shift\w*|better|worse|reduc\w*|increas\w*|declin\w*|from 20\d\d|"
    r"between 20\d\d)\b", re.I
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
    score: float = 0.0
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # pooled from its passage

    @functools.cached_property
    def folded(self) -> str:
        """Its text as evaluation compares text; compared pairwise, so folded once."""
        return fold(self.text)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.chunk.doc_id, self.span.start, self.span.end)


def candidates_from(chunks: list[Chunk], min_words: int = 4, priors: list[float] | None = None,
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
    """A number that is not a date or a bare year: '20%', 'section 47', 'three'."""
    text = DATES.sub(" ", text)
    for m in re.finditer(r"\d+(?:[.,]\d+)?%?", text):
        token = m.group(0)
        if re.fullmatch(r"(19|20)\d\d", token):
            continue
        return True
    return bool(NUMBER_WORDS.search(text))


def unknown_names(question: str, known) -> list[str]:
    """Capitalised words after the first that the corpus never uses: a named body it does not cover."""
    words = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]+(?:'s|’s)?)", question.strip())
    out = []
    for w in words:
        base = re.sub(r"('s|’s)$", "", w)
        toks = tokens(base)
        if toks and all(not known(t) for t in toks):
            out.append(base)
    return out


AUXILIARIES = frozenset(
    "is was are were did does do has have had can could will would should may might must".split()
)
QUANTITY_NOUNS = frozenset(tokens("percentage proportion number share amount figure rate total average"))
WHICH_WHAT = re.compile(r"^\s*(?:which|what)\s+(?:kind|type|sort)?\s*(?:of\s+)?(.*)$", re.I)


def answer_type_terms(question: str) -> list[str]:
    """The noun phrase a 'which/what X ...' question asks for: 'Which charity criticised' -> charity."""
    m = WHICH_WHAT.match(question)
    if not m:
        return []
    words = []
    for raw in re.findall(r"[A-Za-z’']+", m.group(1))[:5]:
        w = raw.lower()
        if w in AUXILIARIES or (w.endswith("ed") and words):
            break
        words.append(w)
    if not words or words[0] in STOPWORDS or tokens(words[0]) and tokens(words[0])[0] in QUANTITY_NOUNS:
        return []  # 'what about ...', 'what percentage of ...': no named kind of thing asked for
    return [t for t in tokens(" ".join(words)) if t not in GENERIC_TERMS and t not in QUANTITY_NOUNS]


CHANGE_WORDS = re.compile(
    r"\b(how (?:has|have|did|does|do) |has |have |changed?|changes|changing|improved?|improving|progress(?:ed)?|"
    r"compared? (?:with|to)|comparison|over time|since|between|from|then|now|still|any more|anymore|"
    r"(?:19|20)\d\d|the \d{4} (?:inspection|letter|report)|inspections?|ofsted|letters?|reports?|"
    r"better|worse|differ(?:ent|ence)?|evolved?|developed since|and)\b",
    re.I,
)


def topic_of_change_question(question: str) -> str:
    """'How has reliance on agency staff changed since 2011?' -> 'reliance on agency staff':
    the words that ask about change and the dates would otherwise match every dated passage."""
    topic = CHANGE_WORDS.sub(" ", question)
    topic = re.sub(r"[?!.,]", " ", topic)
    topic = re.sub(r"\s+", " ", topic).strip()
    return topic if len(tokens(topic)) >= 1 else question


WHEN_QUESTION = re.compile(r"^\s*(?:when\b|(?:on |in )?what (?:date|year|month|day)\b|by when\b)", re.I)
HAS_DATE = re.compile(rf"\b(?:(?:19|20)\d\d|{_MONTHS})\b", re.I)


def is_when_question(question: str) -> bool:
    return bool(WHEN_QUESTION.match(question))


def has_date(text: str) -> bool:
    return bool(HAS_DATE.search(text))


def is_change_question(question: str) -> bool:
    return bool(CHANGE_QUESTION.search(question))


def is_quantity_question(question: str) -> bool:
    return bool(QUANTITY_QUESTION.search(question))


def query_terms(question: str) -> list[str]:
    """Content terms that carry the question's subject (not generic words of the domain)."""
    return [t for t in dict.fromkeys(tokens(question)) if t not in GENERIC_TERMS]


class SentenceScorer:
    """score = a * cosine(question, sentence) + b * idf-weighted share of query terms present
    + c * the retrieval score of the sentence's passage (relative to the best passage)."""

    def __init__(self, dense_weight: float = 0.5, lexical_weight: float = 0.25, prior_weight: float = 0.3,
                 context_weight: float = 0.0) -> None:
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.prior_weight = prior_weight
        self.context_weight = context_weight

    def run(self, candidates: list[Candidate], vectors: np.ndarray, query_vectors: list[np.ndarray],
            terms: list[str], idf) -> None:
        if not candidates:
            return
        sims = np.mean([vectors @ q for q in query_vectors], axis=0)
        weights = {t: idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        for cand, sim in zip(candidates, sims):
            present = set(tokens(cand.text + " " + cand.chunk.section))
            cand.dense = float(sim)
            cand.lexical = sum(w for t, w in weights.items() if t in present) / total if terms else 0.0
            cand.score = (self.dense_weight * cand.dense + self.lexical_weight * cand.lexical
                          + self.prior_weight * cand.prior + self.context_weight * cand.context)


def near_duplicate(a: Candidate, b: Candidate) -> bool:
    fa, fb = a.folded, b.folded
    return fa == fb or fa in fb or fb in fa
