"""The extractive answerer: retrieve, score sentences, abstain or compose a cited answer."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from inspection_qa.errors import ConfigError
from inspection_qa.records import Span
from inspection_qa.settings import Settings
from retrieval.hybrid import HybridRetriever

from .followups import FollowUpRewriter
from .selection import (
    Candidate, SentenceScorer, candidates_from, has_quantity, is_change_question, is_quantity_question,
    near_duplicate, query_terms, unknown_names, answer_type_terms, topic_of_change_question,
)
from .types import ABSTAIN_TEXT, Answer, Citation
from .verify import verify_citations


@dataclass
class AbstentionPolicy:
    """Abstain when the best sentence scores under `threshold`, when a question asking for a
    number finds none near it, or when most of its subject terms occur nowhere in the corpus."""

    threshold: float = 0.30
    unknown_share: float = 0.5
    unknown_margin: float = 0.10

    def decide(self, question: str, best: list[Candidate], unknown: list[str], terms: list[str],
               names: list[str] | None = None) -> str:
        if not best:
            return "nothing retrieved"
        top = best[0].score
        if top < self.threshold:
            return f"best evidence scores {top:.2f}, under the threshold {self.threshold:.2f}"
        if names:
            return f"the documents never mention {', '.join(names)}"
        missing_type = [t for t in answer_type_terms(question) if t in unknown]
        if missing_type:
            return f"the question asks which {missing_type[-1]}, and the documents never mention one"
        if terms and len(unknown) / len(terms) >= self.unknown_share and top < self.threshold + self.unknown_margin:
            return f"the documents never mention {', '.join(unknown)}"
        if is_quantity_question(question) and not has_quantity(best[0].text):
            return "the question asks for a number and the best evidence holds none"
        return ""


class ExtractiveAnswerer:
    """One question in, one `Answer` out; every quote is a span of a stored document."""

    def __init__(self, index, settings: Settings, policy: AbstentionPolicy | None = None) -> None:
        if settings.max_quotes < 1:
            raise ConfigError("max_quotes must be at least 1")
        self.index = index
        self.settings = settings
        self.retriever = HybridRetriever(index, candidates=settings.candidates, rrf_k=settings.rrf_k)
        self.rewriter = FollowUpRewriter()
        self.scorer = SentenceScorer()
        self.policy = policy or AbstentionPolicy(threshold=settings.abstain_threshold)
        self._sentence_cache: dict[tuple[str, int, int], np.ndarray] = {}

    def run(self, question: str, history: list[str] | None = None, search_filter=None) -> Answer:
        t0 = time.perf_counter()
        question = question.strip()
        if not question:
            raise ConfigError("the question is empty; type a question")
        searched = self.rewriter.run(question, history or [])
        change = is_change_question(question)
        query = topic_of_change_question(searched) if change else searched
        embedder = self.index.embedder
        qvec = embedder.embed_query(query)
        qvecs = [qvec] if query == question else [qvec, embedder.embed_query(question)]
        k = max(self.settings.top_k, 10)
        hits = self.retriever.run(query, k=2 * k if change else k, query_vector=qvec, search_filter=search_filter)
        if change:  # a change spans documents: let each of the leading documents put its best passages up front
            hits = interleave_by_document(hits)[:k]
        top = hits[: self.settings.answer_chunks]
        cands = candidates_from(
            [h.chunk for h in top],
            priors=[h.score / top[0].score for h in top] if top else None,
            contexts=self._contexts(top, qvec),
        )
        self._score(cands, qvecs, query)
        ranked = sorted(cands, key=lambda c: -c.score)
        terms = query_terms(query)
        self.index.refresh()
        unknown = [t for t in terms if self.index.lexical.document_frequency(t) == 0]
        names = unknown_names(question, lambda t: self.index.lexical.document_frequency(t) > 0)
        reason = self.policy.decide(question, ranked, unknown, terms, names)
        if reason:
            answer = Answer(question, searched, ABSTAIN_TEXT, [], True, hits, reason=reason)
            answer.candidates = ranked
        else:
            chosen = self._choose(ranked, change)
            citations, text = self._compose(chosen, timeline=change)
            citations = verify_citations(citations, self.index.docstore.text)
            answer = Answer(question, searched, text, citations, not citations, hits)
            answer.candidates = ranked
        answer.scores = {"best": ranked[0].score if ranked else 0.0, "best_dense": ranked[0].dense if ranked else 0.0}
        answer.latency_ms = (time.perf_counter() - t0) * 1000
        return answer

    # -- steps ----------------------------------------------------------------------------
    def _score(self, cands: list[Candidate], qvecs: list[np.ndarray], searched: str) -> None:
        if not cands:
            return
        missing = [c for c in cands if (c.chunk.id, c.span.start, c.span.end) not in self._sentence_cache]
        if missing:
            vecs = self.index.embedder.embed_documents([m.text for m in missing])
            for m, v in zip(missing, vecs):
                self._sentence_cache[(m.chunk.id, m.span.start, m.span.end)] = v
        vectors = np.stack([self._sentence_cache[(c.chunk.id, c.span.start, c.span.end)] for c in cands])
        self.scorer.run(cands, vectors, qvecs, query_terms(searched), self.index.lexical.idf)

    def _contexts(self, hits, qvec: np.ndarray) -> list[float]:
        """Cosine of the question to each passage (from Chroma's answer, else recomputed)."""
        out = []
        for h in hits:
            if h.dense is None:
                h.dense = float(self.index.embedder.embed_documents([h.chunk.embedding_text()])[0] @ qvec)
            out.append(h.dense)
        return out

    def _choose(self, ranked: list[Candidate], change: bool, margin: float = 0.20) -> list[Candidate]:
        best = ranked[0]
        chosen: list[Candidate] = [best]
        if change:  # a change needs its earliest and latest sources: the best sentence of each document
            for cand in ranked[1:]:
                if cand.chunk.doc_id not in {c.chunk.doc_id for c in chosen} and cand.score >= self.policy.threshold:
                    chosen.append(cand)
        for cand in ranked[1:]:
            if len(chosen) >= self.settings.max_quotes + (1 if change else 0):
                break
            if cand in chosen or cand.score < best.score - margin:
                continue
            if any(near_duplicate(cand, c) for c in chosen):
                continue
            chosen.append(cand)
        return chosen

    def _widen(self, members: list[Candidate]) -> list[Candidate]:
        """Quote a short passage (a bullet, say) whole: its other sentence is often the answer's half."""
        out: list[Candidate] = []
        limit = self.settings.quote_passage_chars
        for cand in members:
            chunk = cand.chunk
            first, last = chunk.sentences[0], chunk.sentences[-1]
            if len(chunk.sentences) > 1 and last.end - first.start <= limit:
                text = chunk.text[first.start - chunk.start: last.end - chunk.start]
                cand = Candidate(chunk, Span(first.start, last.end), cand.rank, text, cand.dense, cand.lexical,
                                 cand.prior, cand.context, cand.score)
            if out and out[-1].chunk.doc_id == cand.chunk.doc_id and cand.span.start < out[-1].span.end:
                if cand.span.end <= out[-1].span.end:
                    continue  # already inside the quote before it
            out.append(cand)
        return out

    def _compose(self, chosen: list[Candidate], timeline: bool) -> tuple[list[Citation], str]:
        groups: dict[str, list[Candidate]] = {}
        for cand in chosen:
            groups.setdefault(cand.chunk.doc_id, []).append(cand)
        order = list(groups)
        if timeline:
            order.sort(key=lambda d: (groups[d][0].chunk.date is None, groups[d][0].chunk.date or ""))
        citations: list[Citation] = []
        lines: list[str] = []
        for doc_id in order:
            members = sorted(groups[doc_id], key=lambda c: c.span.start)
            chunk = members[0].chunk
            quotes = []
            for cand in self._widen(members):
                marker = len(citations) + 1
                pages = tuple(p for p in cand.chunk.pages) if cand.chunk.pages else ()
                page_list = _pages_of(cand, self.index.docstore.pages(doc_id)) or pages
                citations.append(Citation(
                    marker=marker, doc_id=doc_id, document=cand.chunk.filename, title=cand.chunk.title,
                    date=cand.chunk.date, kind=cand.chunk.kind, page=page_list[0] if page_list else None,
                    pages=page_list, section=cand.chunk.section, quote=cand.text, start=cand.span.start,
                    end=cand.span.end, chunk_id=cand.chunk.id,
                ))
                quotes.append(f"“{cand.text}” [{marker}]")
            lines.append(f"{_source_phrase(chunk)}: " + " ".join(quotes))
        return citations, "\n\n".join(lines)


def interleave_by_document(hits: list, documents: int = 3) -> list:
    """Round-robin over the leading documents' hits, best first within each; the rest after."""
    groups: dict[str, list] = {}
    for h in hits:
        groups.setdefault(h.chunk.doc_id, []).append(h)
    lead = list(groups)[:documents]
    out = []
    for i in range(max((len(groups[d]) for d in lead), default=0)):
        out.extend(groups[d][i] for d in lead if i < len(groups[d]))
    out.extend(h for h in hits if h.chunk.doc_id not in lead)
    return out


def _pages_of(cand: Candidate, pages) -> tuple[int, ...]:
    return tuple(sorted({p.page for p in pages if p.start < cand.span.end and cand.span.start < p.end}))


def _source_phrase(chunk) -> str:
    from inspection_qa.records import KINDS, PRIMARY_KINDS

    label = KINDS.get(chunk.kind, "document")
    when = _human_date(chunk.date)
    phrase = f"The {label} “{chunk.title}”" + (f" ({when})" if when else " (undated)")
    if chunk.kind not in PRIMARY_KINDS:
        phrase += ", a secondary source,"
    return phrase + " says"


def _human_date(date: str | None) -> str:
    if not date:
        return ""
    import calendar

    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {calendar.month_name[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_name[int(parts[1])]} {parts[0]}"
    return parts[0]
