"""The extractive answerer: retrieve, score sentences, abstain or compose a cited answer."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from core.errors import ConfigError
from core.kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS
from core.records import Chunk, DocumentMeta, DocumentProfile, Judgement, Span
from core.settings import Settings
from core.text import strip_accents, tokens
from ingest.cleaning import is_word
from ingest.metadata import find_dates
from ingest.profile import profile_of
from retrieval.filters import SearchFilter
from retrieval.hybrid import Hit, HybridRetriever, rrf

from .abstention import (
    FIGURES,
    AbstentionPolicy,
    echoes_the_question,
    counted_thing,
    counts_thing,
    figure_kind,
    names_holder,
    coverage,
    passage_terms,
    question_features,
    topic_terms,
)
from .composition import write_answer
from .constraints import (
    WHICH_POST,
    BodyNames,
    inherit,
    matching_documents,
    nearest_document,
    read_constraints,
    strict_documents,
    topic_words,
    without_forms,
)
from .features import SCOPE, SCOPE_QUESTION, features, generic, relative
from .followups import FOLLOWUP_OPENERS, FollowUpRewriter, relative_period
from .glossary import spelled_out_in, with_other_spellings
from .layout import JUDGEMENT_ASKING, OVERALL, asked_judgement, block_candidates, fact_offsets, sentence_at, to_closing_quote, with_elaboration
from .question_analysis import (
    GENERIC_TERMS,
    is_change_question,
    named_phrases,
    query_terms,
    topic_of_change_question,
    unknown_names,
)
from .ranker import SentenceRanker
from .scoring import (
    Candidate,
    SentenceSimilarity,
    candidates_from,
    has_date,
    near_duplicate,
)
from .timeline import endpoint_documents, interleave_by_document, relative_documents
from .types import ABSTAIN_TEXT, Answer
from .verify import verify_citations

ENDPOINT_FLOOR = 0.5  # an endpoint document of a change is quoted down to this share of the threshold
# a change over time reads this many documents (two passages of each) and may quote two more sentences than
# a plain answer, one period each; measured on the dev libraries' tuning splits (timeline cited 0.70 -> 0.75
# from 5 documents and one extra quote; 7 and three extra added 0.02 on tune and nothing held out)
TIMELINE_DOCUMENTS = 6
CHANGE_EXTRA_QUOTES = 2
# a question about a document's own date: "When was the letter written?", "What date was the report published?"
OWN_DATE = re.compile(r"(?i)\b(?:letter|report|minutes|article|document|statement|release)\b[^?]{0,40}?\b(?:written|"
                      r"sent|published|dated|issued|signed|released|out)\b")
INSPECTION_EVENT = re.compile(r"(?i)\b(?:re-?inspect\w*|inspect\w*|visit\w*|ilacs|jtai|fieldwork)\b")
FIGURE_SHARE = 0.5
MEASURED = re.compile(r"(?i)\b(?:share|proportion|percentage|per cent|rate|numbers?|how many|how much|caseloads?|"
                      r"timeliness|spend\w*|budget|overspend|vacanc\w+|turnover|reliance|agency|"
                      # a measure named by its standard: "assessments within 45 working days", "visits on time"
                      r"within \d+|on time)\b")
# the figures and grades a sentence states, in order (of lower-cased text)
FIGURE = re.compile(r"\d[\d,.]*\d|\d|\b(?:outstanding|good|requires? improvement|adequate|inadequate)\b")
JUDGEMENT_WORDS = "judged judgement overall effectiveness outstanding good requires improvement inadequate"
SIGNED = re.compile(r"\b(?:sign(?:ed|s|ature|atory)?|wrote|author)\b", re.I)
ADDRESSED = re.compile(r"\b(?:addressed|written to|sent to|to whom|recipient)\b", re.I)


def fuse_rankings(first: list[Hit], second: list[Hit], k: int) -> list[Hit]:
    """Two rankings of passages as one (reciprocal rank fusion, `k` as the retriever's), each passage's
    score its fused score; a passage found by both keeps the first ranking's record of how."""
    fused = rrf([[h.chunk.id for h in first], [h.chunk.id for h in second]], k=k)
    by_id = {h.chunk.id: h for h in list(second) + list(first)}
    return [replace(by_id[i], score=fused[i]) for i in sorted(fused, key=lambda i: -fused[i])]


def reranked(hits: list[Hit], read: list[Hit], ranked: list[Candidate], quoted: list[str]) -> list[Hit]:
    """The passages best first by the answer's own judgement: those it quotes (in the order quoted), then
    the other passages it read, by their best sentence's probability, then the rest as retrieved.
    `read`: the passages whose sentences were scored (with any a question's layout added); `ranked`: the
    scored sentences, best first; `quoted`: the chunk ids of the chosen sentences."""
    by_id = {h.chunk.id: h for h in list(hits) + list(read)}
    best: dict[str, float] = {}
    for cand in ranked:
        best.setdefault(cand.chunk.id, cand.score)
    order = list(dict.fromkeys(quoted))
    order += sorted((h.chunk.id for h in read if h.chunk.id not in order), key=lambda i: -best.get(i, 0.0))
    order += [h.chunk.id for h in hits]
    return [by_id[i] for i in dict.fromkeys(order) if i in by_id]


def about_other_bodies(named: set[str], asked: tuple[str, ...]) -> bool:
    """Whether a sentence naming these bodies of the library names none of those asked about ("Westhill
    recruited 20 newly qualified social workers" for a question about Oakvale): the wrong council's evidence.
    A name inside another ("Oakvale" in "Oakvale Children's Trust") is the same body."""
    if not asked or not named:
        return False
    wanted = [a.lower() for a in asked]
    return not any(a in n.lower() or n.lower() in a for a in wanted for n in named)


def off_body(named: set[str], asked: tuple[str, ...], doc_bodies: tuple[str, ...]) -> bool:
    """Whether a sentence is the wrong body's evidence for a question about `asked`: it names only other
    bodies, or it names none and its document is about other bodies only (the attendance list of a
    neighbour's minutes, for "Who is Oakvale's principal social worker?")."""
    if named:
        return about_other_bodies(named, asked)
    return bool(asked and doc_bodies) and about_other_bodies(set(doc_bodies), asked)


class _Library(NamedTuple):
    """What the answerer keeps of the library, per index generation."""

    generation: int
    metas: list[DocumentMeta]
    profiles: dict[str, DocumentProfile]
    body_names: BodyNames  # every body the profiles name, compiled once
    mentions: dict[str, set[str]]  # doc id -> the bodies its text names, filled as asked (ExtractiveAnswerer._mentions)


class ExtractiveAnswerer:
    """One question in, one `Answer` out; every quote is a span of a stored document."""

    _library: "_Library | None" = None

    def __init__(self, index, settings: Settings, policy: AbstentionPolicy | None = None) -> None:
        if settings.max_quotes < 1:
            raise ConfigError("max_quotes must be at least 1")
        self.index = index
        self.settings = settings
        self.retriever = HybridRetriever(index, candidates=settings.candidates, rrf_k=settings.rrf_k)
        self.rewriter = FollowUpRewriter()
        self.similarity = SentenceSimilarity()
        self.ranker = SentenceRanker()
        self.policy = policy or AbstentionPolicy(threshold=self.ranker.threshold,
                                                 answer_threshold=self.ranker.answer_threshold)
        self._lengths: dict[str, int] = {}
        self._pooled_now: dict[str, np.ndarray] = {}  # chunks stored without sentence vectors, pooled here

    def run(self, question: str, history: list[str] | None = None, search_filter=None,
            timeline: bool | None = None, previous: Answer | None = None) -> Answer:
        """`timeline`: None detects a question about change from its wording; True forces one.
        `previous`: the conversation's last answer, whose constraints and cited documents a follow-up keeps."""
        t0 = time.perf_counter()
        question = question.strip()
        if not question:
            raise ConfigError("the question is empty; type a question")
        searched = self.rewriter.run(question, history or [])
        follow_up = bool(history) and self.rewriter.is_follow_up(question)
        change = is_change_question(question) if timeline is None else timeline
        query = topic_of_change_question(searched) if change else searched
        metas, profiles = self.library(search_filter)
        body_names = self._library.body_names
        own = constraints = read_constraints(question, body_names, change=change)
        if previous is not None:  # a conversation keeps its body and period until a question names others
            carried = previous.constraints
            if carried is not None and carried.bodies and not constraints.bodies \
                    and self._names_another_subject(question, carried.bodies):
                carried = replace(carried, bodies=())  # "What did the Westfold report say?" after Oakvale
            constraints = inherit(constraints, carried)
            if follow_up and previous.constraints is not None and constraints.answer_type == "what" \
                    and FOLLOWUP_OPENERS.match(question):
                # "And what about care leavers?" after "What judgement did Oakvale get?" asks for a judgement too
                constraints = replace(constraints, answer_type=previous.constraints.answer_type)
            if follow_up and self.rewriter.names_new_subject(question, constraints.bodies):
                query = question  # "And agency staff?": the conversation gives the scope, the question the topic
        direction = relative_period(question) if follow_up and previous is not None and previous.cited_documents \
            else ""
        if direction:  # "Had that been raised before?": the body stays, the period is set by the last answer
            constraints = replace(constraints, years=(), since=None, until=None, month=None, visit_number=None,
                                  event_period=False, inspection_event=False)
        allowed: list[str] = []
        if not constraints.empty:
            def match(c) -> tuple[list[str], str]:
                # change spans periods: keep the body and the range, not one year
                scope = replace(c, years=(), month=None, visit_number=None, kinds=()) if change else c
                return matching_documents(metas, profiles, scope, mentions=self._mentions,
                                          text_of=self.index.docstore.text)

            allowed, failed = match(constraints)
            period = {"years", "since", "until", "month", "visit_number"}
            if failed and failed != "bodies" and "bodies" not in constraints.inherited \
                    and period & set(constraints.inherited):
                # "And in Westhill?" after a question about Oakvale in June 2031: the new body's own period
                constraints = replace(constraints, years=(), since=None, until=None, month=None, visit_number=None,
                                      event_period=False, inspection_event=False,
                                      inherited=tuple(n for n in constraints.inherited if n not in period))
                allowed, failed = match(constraints)
            if failed and "bodies" in constraints.inherited:
                # the conversation's body has no document of the kind or form this question names: the question
                # is about another subject ("Who signed the scanned letter?" when the scan is of another council)
                retry, retry_failed = match(own)
                if not retry_failed:
                    constraints, allowed, failed = own, retry, ""
            if failed:
                return self._decline_constraint(question, searched, query, constraints, failed, metas, profiles,
                                                search_filter, t0)
            # the constraint words name the documents, not the topic: out of the searched text either way
            query = topic_words(query, constraints)
            if len(allowed) < len(metas):
                search_filter = SearchFilter(doc_ids=tuple(allowed))
        earlier = relative_documents(allowed or [m.doc_id for m in metas], profiles, previous.cited_documents,
                                     direction) if direction else []
        if earlier:  # else the last answer's own documents may say it ("as raised at the last inspection")
            allowed = earlier
            search_filter = SearchFilter(doc_ids=tuple(allowed))
        # "B&Bs" finds "bed and breakfast", "the multi-agency safeguarding hub" finds "the MASH"
        query = with_other_spellings(query, lambda term: bool(tokens(term)) and all(
            self.index.lexical.document_frequency(t) > 0 for t in tokens(term)))  # "B&B" is no searchable term
        if constraints.answer_type == "judgement":  # a judgement is stated in the scale's own words
            query = f"{query} {JUDGEMENT_WORDS}"
        embedder = self.index.embedder
        # the searched text and the question as asked, when they differ, in one model call
        qvecs = [embedder.embed_query(query)] if query == question else list(embedder.embed_documents([query, question]))
        qvec = qvecs[0]
        k = max(self.settings.top_k, 10)
        hits = self.retriever.run(query, k=4 * k if change else k, query_vector=qvec, search_filter=search_filter)
        if follow_up and query != question and len(qvecs) > 1 and not change:
            # a follow-up searched with the conversation's subject is also searched with its own words
            # ("What did the Labour spokesperson make of it?"), and the two rankings fused; not a change
            # ("Was it better by 2033?"), whose own words only compare: its subject is the conversation's
            own = self.retriever.run(topic_words(question, constraints), k=len(hits) or k, search_filter=search_filter,
                                     dense_side=False)  # its own words are names and terms: BM25 finds them
            hits = fuse_rankings(hits, own, self.settings.rrf_k)[:len(hits) or k]
        chunks_read = self.settings.answer_chunks
        lead: list[str] = []
        if change:  # a change spans documents: the earliest and the latest period first, then the best others
            lead = endpoint_documents(hits[:2 * k], profiles, documents=TIMELINE_DOCUMENTS)
            hits = interleave_by_document(hits, lead=lead)[:k]
            chunks_read = max(chunks_read, 2 * len(lead))
        top = hits[:chunks_read]
        top = top + self._layout_passages(top, constraints, question)
        cands = candidates_from(
            [h.chunk for h in top],
            priors=[h.score / top[0].score for h in top] if top else None,
            contexts=self._contexts(top),
        )
        cands = cands + self._shaped_candidates(top, cands, constraints, profiles, metas, question,
                                                change=change, allowed=allowed)
        self._score(cands, qvecs, query)
        strict = set(strict_documents(metas, profiles, constraints)) if not change else set()
        previous_docs = set(previous.cited_documents) if previous is not None else set()
        previous_lead = previous.cited_documents[0] if previous is not None and follow_up and previous.cited_documents \
            else ""
        previous_passages = self._passages_of(previous) if previous is not None and follow_up else set()
        wants = "sign_off" if SIGNED.search(question) else "address" if ADDRESSED.search(question) \
            else "scope" if SCOPE_QUESTION.search(question) else ""
        named = {cand.key: body_names.names(cand.text) for cand in cands}  # the library's bodies each names
        for cand in cands:
            cand.features = features(cand, constraints, strict, previous_docs, self._doc_length(cand.chunk.doc_id),
                                     wants, previous_passages, named[cand.key], previous_lead)
        relative(cands)
        self.ranker.run(cands)
        ranked = sorted(cands, key=lambda c: -c.score)
        terms = query_terms(query)
        unknown = [t for t in terms if self.index.lexical.document_frequency(t) == 0]
        in_library = lambda t: self.index.lexical.document_frequency(t) > 0  # noqa: E731
        # "IRO" is known where the library spells it out ("independent reviewing officer")
        names = unknown_names(without_forms(question), lambda t: in_library(t) or spelled_out_in(t, in_library))
        bodies_of = {d: tuple(b.value for b in profiles[d].bodies) for d in {c.chunk.doc_id for c in ranked}
                     if d in profiles}
        specific = [c for c in ranked if not generic(c, constraints.answer_type, wants)
                    and not off_body(named[c.key], constraints.bodies, bodies_of.get(c.chunk.doc_id, ()))]
        is_body = lambda n: bool(body_names.names(n))  # noqa: E731 - a name that is one of the library's bodies
        if constraints.answer_type == "who":  # "Who took over from Jo Vane?" is not answered by Jo Vane
            specific = [c for c in specific if not echoes_the_question(question, c.text, is_body)]
        present = passage_terms(top)
        qfeatures = question_features(specific, terms, present, self.index.lexical.idf, not constraints.empty)
        about = topic_terms(question, constraints)
        qfeatures["about_coverage"] = coverage(about, present, self.index.lexical.idf) if about else 1.0
        scope = next((c for c in specific if SCOPE.search(c.text)), None) if wants == "scope" else None
        # "When was the 2031 inspection?": the line a document's profile read the inspection's dates from
        dates_line = next((c for c in specific if c.block == "profile" and has_date(c.text)), None) \
            if constraints.answer_type == "when" and INSPECTION_EVENT.search(question) else None
        area = "" if change else self._unjudged_area(allowed or [m.doc_id for m in metas], profiles, constraints,
                                                      question)
        reason = self.policy.decide(question, specific, unknown, terms, names, constraints.answer_type,
                                    self.ranker.answerable(qfeatures), shaped=scope is not None or dates_line is not None, area=area)
        if not reason:
            reason = self._unmentioned(question, allowed or [m.doc_id for m in metas], constraints)
        if not reason:
            reason = self._owner_unnamed(question, specific)
        if not reason and constraints.answer_type == "who":
            reason = self.policy.person_unnamed(question, specific, is_body)
            # "Which MP did the paper quote?" is not declined for naming none (it may be answered by a role, in
            # a follow-up most of all), but the line that names one is still looked for
            unnamed = bool(reason) or (bool(WHICH_POST.match(question))
                                       and not self.policy.holder_named(question, specific, is_body))
            holder = self._holder(question, constraints, search_filter, is_body, profiles) if unnamed else None
            if holder is not None:  # the line that names the holder, found by the role's own words
                specific, reason = [holder] + specific, ""
        if not reason and not change and constraints.years and allowed and not strict & set(allowed):
            # the documents only speak of the year asked about (a figure "for 2031-32" in a later report):
            # then the evidence itself must name it
            reason = self.policy.period_unstated(specific, constraints.years)
        if not reason and qfeatures["about_coverage"] < self.policy.about_coverage:
            reason = f"the passages searched never speak of {' '.join(about)} (the subject the question asks about)"
        if reason:
            answer = Answer(question, searched, ABSTAIN_TEXT, [], True, reranked(hits, top, ranked, []), reason=reason)
            answer.candidates = ranked
            answer.question_features = qfeatures
        else:
            pool = self._judgement_first(self._prefer_primary(specific), constraints, question, profiles)
            pool = self._event_date_first(pool, constraints, question)
            pool = self._own_date_first(pool, constraints, question)
            if scope is not None and scope in pool:  # "What did the visit look at?": what its inspectors looked at
                pool = [scope] + [c for c in pool if c is not scope]
            # the figure of a follow-up ("Was it better by 2033?") is the one its conversation asked about
            measured = next((q for q in (question, searched if follow_up else "") if q and MEASURED.search(q)), "")
            chosen = self.choose(pool, change, lead=lead[:2], measured=measured,
                                 judged=constraints.answer_type == "judgement")
            if change:
                chosen = self._judgements_stated(chosen, pool, profiles, constraints, question)
            if wants in ("sign_off", "address") and chosen and chosen[0].block == wants:
                # "Who signed the letter?" answered by its sign-off: its address lines and addressee are no signers
                chosen = [c for c in chosen if c.block == wants]
            if previous is not None and not change and previous.citations:
                # a follow-up that would repeat the previous answer word for word shows what else there is
                said = {(c.doc_id, c.start, c.end) for c in previous.citations}
                if {c.key for c in chosen} <= said:
                    fresh = [c for c in pool if c.key not in said and c.score >= self.policy.threshold]
                    if fresh:
                        chosen = self.choose(fresh, change)
            citations, text = write_answer(
                self._widen(chosen), change, terms, set(re.findall(r"\b(?:19|20)\d\d\b", question)),
                self.index.docstore.meta, self.index.docstore.pages, constraints.answer_type, question,
                blocks_of=self._blocks,
            )
            citations = verify_citations(citations, self.index.docstore.text)
            answer = Answer(question, searched, text, citations, not citations,
                            reranked(hits, top, ranked, [c.chunk.id for c in chosen]))
            answer.candidates = ranked
            answer.question_features = qfeatures
        answer.scores = {"best": ranked[0].score if ranked else 0.0, "best_dense": ranked[0].dense if ranked else 0.0}
        answer.constraints = constraints
        answer.documents = tuple(allowed) if len(allowed) < len(metas) else ()
        answer.latency_ms = (time.perf_counter() - t0) * 1000
        return answer

    def _shaped_candidates(self, top: list, cands: list[Candidate], constraints, profiles, metas, question: str,
                           documents: int = 2, change: bool = False, allowed: list[str] | None = None,
                           ) -> list[Candidate]:
        """Merged sign-off and address blocks of the passages, and, for a when or which-judgement question,
        the sentences the leading documents' profiles read their dates or judgements from (for a change in
        judgement, those of every document of the period that states one)."""
        if not top:
            return []
        have = {c.key for c in cands}
        rank_of = {h.chunk.id: i for i, h in enumerate(top, start=1)}
        prior_of = {h.chunk.id: h.score / top[0].score for h in top}
        out = [c for c in block_candidates([h.chunk for h in top], rank_of, prior_of) if c.key not in have]
        doc_ids = list(dict.fromkeys(h.chunk.doc_id for h in top))[:documents]
        if constraints.answer_type in ("when", "judgement"):  # the documents of the named period say it first
            period = strict_documents(metas, profiles, constraints)
            if change and constraints.answer_type == "judgement":
                pool = allowed or [m.doc_id for m in metas]
                period = [d for d in pool if profiles[d].judgements and (d in period or not (
                    constraints.since or constraints.until))]
            else:
                period = period[:documents]
            doc_ids = list(dict.fromkeys(period + doc_ids))
        asked = self._asked_judgements(doc_ids, profiles, constraints, question)
        for doc_id in doc_ids:
            offsets = fact_offsets(profiles[doc_id], constraints.answer_type) if doc_id in profiles else []
            if doc_id in asked:  # the area asked about is read whatever its place in the document
                offsets = [asked[doc_id].start] + [o for o in offsets if o != asked[doc_id].start]
            if not offsets:
                continue
            chunks = self.index.chunks(self.index.docstore.chunk_ids(doc_id))
            for off in offsets[:4]:
                chunk = next((c for c in chunks if c.start <= off < c.end), None)
                span = sentence_at(chunk, off) if chunk is not None else None
                if span is None or (doc_id, span.start, span.end) in have:
                    continue
                have.add((doc_id, span.start, span.end))
                text = chunk.text[span.start - chunk.start: span.end - chunk.start]
                cand = Candidate(chunk, span, len(top) + 1, text, prior=min(prior_of.values()))
                cand.block = "profile"
                out.append(cand)
        return out

    @staticmethod
    def _asked_judgements(doc_ids: list[str], profiles, constraints, question: str) -> dict[str, Judgement]:
        """For a which-judgement question: each document's judgement of the area asked about (layout.asked_judgement)."""
        if constraints.answer_type != "judgement":
            return {}
        # "the LSCB" is judged as "The Local Safeguarding Children Board"
        topic = with_other_spellings(topic_words(question, constraints), lambda abbreviation: False)
        found = {d: asked_judgement(profiles[d].judgements, topic) for d in doc_ids if d in profiles}
        return {d: j for d, j in found.items() if j is not None}

    def _unjudged_area(self, doc_ids: list[str], profiles, constraints, question: str) -> str:
        """For a which-judgement question that names an area ("for help and protection") no document it may
        draw on judges in its profile: the area's most telling word (by idf), which the evidence must then
        use beside its grade; "" otherwise (no area named: overall effectiveness; or a profile judges it)."""
        if constraints.answer_type != "judgement" or self._asked_judgements(doc_ids, profiles, constraints, question):
            return ""
        # an area's words are those the library's judgements use for areas ("help", "protection", "leavers"),
        # not a question's words for the inspection itself ("re-inspected", "full", "framework")
        areas = {w for p in profiles.values() for j in p.judgements for w in tokens(j.area)}
        words = (set(tokens(topic_words(question, constraints))) & areas) - JUDGEMENT_ASKING - OVERALL
        words = {w for w in words if not w.isdigit() and w not in GENERIC_TERMS}
        return max(sorted(words), key=self.index.lexical.idf, default="")

    @staticmethod
    def _own_date_first(pool: list[Candidate], constraints, question: str) -> list[Candidate]:
        """"When was the letter written?": the line that states the document's own date ("Date: 09/11/2031", the
        date ingestion read for it) leads, before a sentence that merely holds another date."""
        if constraints.answer_type != "when" or not OWN_DATE.search(question):
            return pool
        line = next((c for c in pool if c.chunk.date and c.chunk.date in {iso for _, iso in find_dates(c.text)}), None)
        return pool if line is None else [line] + [c for c in pool if c is not line]

    @staticmethod
    def _event_date_first(pool: list[Candidate], constraints, question: str) -> list[Candidate]:
        """"When did Ofsted carry out the re-inspection?": the inspection's own document states its dates where
        its profile read them ("Inspection dates: 8 to 19 November 2031"); that line leads, before a sentence
        that merely holds a date."""
        if constraints.answer_type != "when" or not INSPECTION_EVENT.search(question):
            return pool
        line = next((c for c in pool if c.block == "profile" and c.chunk.source_kind in PRIMARY_SOURCE_KINDS), None)
        return pool if line is None else [line] + [c for c in pool if c is not line]

    def _judgement_first(self, pool: list[Candidate], constraints, question: str, profiles) -> list[Candidate]:
        """A which-judgement question leads with the judgement of the area it names, as the best document
        that states one states it ("The experiences and progress of care leavers: good"), before prose that
        merely uses the grade's words; an inspection's own document before minutes or news that report it."""
        kinds = {c.chunk.doc_id: c.chunk.source_kind for c in pool}
        docs = sorted(dict.fromkeys(c.chunk.doc_id for c in pool), key=lambda d: kinds[d] not in PRIMARY_SOURCE_KINDS)
        for doc_id, judgement in self._asked_judgements(docs, profiles, constraints, question).items():
            line = next((c for c in pool if c.chunk.doc_id == doc_id
                         and c.span.start <= judgement.start < c.span.end), None)
            if line is not None:
                return [line] + [c for c in pool if c is not line]
        return pool

    def _judgements_stated(self, chosen: list[Candidate], pool: list[Candidate], profiles, constraints,
                           question: str) -> list[Candidate]:
        """"How did Oakvale's rating change?": each document quoted states its judgement (of the area asked
        about, else overall) where its profile read it ("Children's services in Oakvale are inadequate"), in
        place of the document's best-scoring sentence."""
        stated = self._asked_judgements(list(dict.fromkeys(c.chunk.doc_id for c in chosen)), profiles, constraints,
                                        question)
        out: list[Candidate] = []
        for cand in chosen:
            judgement = stated.pop(cand.chunk.doc_id, None)
            line = next((c for c in pool if c.chunk.doc_id == cand.chunk.doc_id
                         and c.span.start <= judgement.start < c.span.end), None) if judgement else None
            if line is not None and line not in out:
                out.append(line)
            elif cand not in out:
                out.append(cand)
        return out

    def _holder(self, question: str, constraints, search_filter, is_body, profiles) -> Candidate | None:
        """For "Who was the lead inspector?" when the best evidence names nobody in that role: the first sentence,
        in the passages BM25 finds for the question's own words within the documents it may draw on, that names
        a person in the role ("Lead inspector: Jo Vane HMI" stands in a report's head, far from any finding)."""
        # the role's words as the question has them, and spelled out or abbreviated ("DCS")
        hits = self.retriever.run(with_other_spellings(question, lambda abbreviation: False), k=10,
                                  search_filter=search_filter, dense_side=False)
        for rank, hit in enumerate(hits, start=1):
            for cand in candidates_from([hit.chunk], min_words=2):
                profile = profiles.get(cand.chunk.doc_id)
                if names_holder(question, cand.text, is_body) and not off_body(
                        self._library.body_names.names(cand.text), constraints.bodies,
                        tuple(b.value for b in profile.bodies) if profile else ()):
                    cand.rank, cand.score = rank, self.policy.threshold
                    return cand
        return None

    def _layout_passages(self, top: list, constraints, question: str, documents: int = 2) -> list:
        """Who signed a letter stands at its end, whom it is addressed to at its start: for such a question
        the last (or first) passage of each leading document joins the candidates, whatever its words."""
        if constraints.answer_type != "who" or not top:
            return []
        if SIGNED.search(question):
            pick = -1
        elif ADDRESSED.search(question):
            pick = 0
        else:
            return []
        have = {h.chunk.id for h in top}
        out = []
        for doc_id in list(dict.fromkeys(h.chunk.doc_id for h in top))[:documents]:
            ids = self.index.docstore.chunk_ids(doc_id)
            if ids and ids[pick] not in have:
                for chunk in self.index.chunks([ids[pick]]):
                    out.append(Hit(chunk, top[-1].score))
        return out

    def _unmentioned(self, question: str, doc_ids: list[str], constraints) -> str:
        """Why to decline when the question names someone or something ("Amara Quist", "the Bright Start
        team") that no document it may draw on mentions ("" when each is mentioned)."""
        for name in named_phrases(question, lambda n: bool(self._library.body_names.names(n))):
            if not self.index.mentions(name, doc_ids):
                scope = f" about {constraints.describe()}" if not constraints.empty else ""
                return f"no document{scope} mentions {name}"
        return ""

    def _owner_unnamed(self, question: str, best: list[Candidate]) -> str:
        """"What was Farrowdene's last judgement?", where Farrowdene is no document's body and few documents name
        it: a sentence of the best evidence, or the best sentence's document, must name it (folded for case and
        accents), not only a document about another council."""
        for m in re.finditer(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]+)['’]s\b", question.strip()):
            name = m.group(1)
            if self._library.body_names.names(name) or not tokens(name):
                continue
            df = self.index.lexical.document_frequency(tokens(name)[0])
            named = any(strip_accents(name.lower()) in strip_accents(c.text.lower()) for c in best[:self.policy.window])
            if 0 < df <= 2 and best and not named and not self.index.mentions(name, [best[0].chunk.doc_id]):
                return f"the question asks about {name}, and neither the best evidence nor its document names it"
        return ""

    def warm_up(self) -> None:
        """Read the library's profiles, and the bodies each document names, now rather than on a first question
        (about 3 ms a document on this project's 2-core machine)."""
        metas, _ = self.library()
        for m in metas:
            self._mentions(m.doc_id)

    def _mentions(self, doc_id: str) -> set[str]:
        """The library's bodies a document's text names anywhere (computed once per library generation)."""
        cache = self._library.mentions
        if doc_id not in cache:
            cache[doc_id] = self._library.body_names.names(self.index.docstore.text(doc_id) or "")
        return cache[doc_id]

    def _passages_of(self, answer: Answer) -> set[tuple[str, int]]:
        """(doc_id, chunk ordinal) of the passages an answer quoted."""
        ids = [c.chunk_id for c in answer.citations if c.chunk_id]
        return {(ch.doc_id, ch.ordinal) for ch in self.index.chunks(ids)} if ids else set()

    def _names_another_subject(self, question: str, bodies: tuple[str, ...]) -> bool:
        """Whether `question` names a proper noun the library holds that is not one of `bodies` and no English
        word: "Westfold" in "What did the Westfold report say?", a council no document's profile names."""
        folded = {t for b in bodies for t in tokens(b)}
        for word in re.findall(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]{3,})\b", question.strip()):
            token = word.lower()
            if token in folded or is_word(token) or self.index.lexical.document_frequency(token) == 0:
                continue
            return True
        return False

    def _blocks(self, doc_id: str) -> list:
        """A document's blocks (its paragraphs, by section): where a quote of a Word file or web page stands."""
        doc = self.index.docstore.document(doc_id)
        return doc.blocks if doc is not None else []

    def _doc_length(self, doc_id: str) -> int:
        if doc_id not in self._lengths:
            if len(self._lengths) > 5000:
                self._lengths.clear()
            self._lengths[doc_id] = len(self.index.docstore.text(doc_id) or "") or 1
        return self._lengths[doc_id]

    # -- the library's profiles -------------------------------------------------------------
    def library(self, search_filter=None) -> tuple[list[DocumentMeta], dict[str, DocumentProfile]]:
        """The documents a question may draw on (those of `search_filter`, if any) and every document's
        profile; an index written before profiles has them computed from its stored text, once."""
        gen = self.index.docstore.generation()
        if self._library is None or self._library.generation != gen:
            metas = self.index.docstore.documents()
            profiles = {}
            for m in metas:
                if m.profile is not None:
                    profiles[m.doc_id] = m.profile
                else:
                    profiles[m.doc_id] = profile_of(self.index.docstore.text(m.doc_id) or "", m.date, m.source_kind)
            known = [b.value for p in profiles.values() for b in p.bodies] + [
                b for p in profiles.values() for b in p.mentioned_bodies]
            self._library = _Library(gen, metas, profiles, BodyNames(known), {})
        metas, profiles = self._library.metas, self._library.profiles
        if search_filter is not None and not search_filter.empty:
            metas = [m for m in metas if search_filter.matches(m)]
        return metas, profiles

    def _decline_constraint(self, question, searched, query, constraints, failed, metas, profiles, search_filter, t0):
        """No document meets a constraint of the question: say which, name the nearest, show its passages."""
        what = {"bodies": "No document covers", "period": "No document covers", "visit": "No document reports",
                "kind": f"No document reports a {' or '.join(k.replace('_', ' ') for k in constraints.kinds)} of"}[failed]
        nearest = nearest_document(metas, profiles, constraints)
        text = f"{what} {constraints.describe()}."
        if nearest is not None:
            when = nearest.date or "undated"
            text += f" The nearest is the {SOURCE_KINDS.get(nearest.source_kind, 'document')} “{nearest.title}” ({when})."
            search_filter = SearchFilter(doc_ids=(nearest.doc_id,))
        hits = self.retriever.run(query, k=max(self.settings.top_k, 10), search_filter=search_filter)
        answer = Answer(question, searched, text, [], True, hits,
                        reason=f"no document meets the question's {failed} ({constraints.describe()})")
        answer.constraints = constraints
        answer.latency_ms = (time.perf_counter() - t0) * 1000
        return answer

    # -- steps ----------------------------------------------------------------------------
    def _score(self, cands: list[Candidate], qvecs: list[np.ndarray], searched: str) -> None:
        if not cands:
            return
        self._attach_vectors(cands)
        vectors = np.stack([c.vector for c in cands])
        self.similarity.run(cands, vectors, qvecs, query_terms(searched), self.index.lexical.idf)

    def _attach_vectors(self, cands: list[Candidate]) -> None:
        """Each sentence's vector as ingestion stored it; a chunk of an index built before sentence
        vectors were stored is embedded here, once, the same way."""
        ids = list(dict.fromkeys(c.chunk.id for c in cands))
        chunks = {c.chunk.id: c.chunk for c in cands}
        stored = {i: v for i, v in self.index.docstore.sentence_vectors(ids).items()
                  if len(v) == len(chunks[i].sentences)}
        lacking = [chunks[i] for i in ids if i not in stored and i not in self._pooled_now]
        if lacking:
            _, pooled = self.index.embedder.embed_with_spans(
                [c.embedding_text() for c in lacking], [c.embedding_spans() for c in lacking]
            )
            if len(self._pooled_now) > 20000:
                self._pooled_now.clear()
            # rounded as the store keeps them (float16), so an old index answers exactly as a new one
            self._pooled_now.update({c.id: np.asarray(v, dtype=np.float16).astype(np.float32)
                                     for c, v in zip(lacking, pooled)})
        for cand in cands:
            vecs = stored.get(cand.chunk.id)
            if vecs is None:
                vecs = self._pooled_now[cand.chunk.id]
            inside = [i for i, sp in enumerate(cand.chunk.sentences)
                      if cand.span.start <= sp.start and sp.end <= cand.span.end]
            if len(inside) == 1:
                cand.vector = vecs[inside[0]]
            else:  # a merged block of short lines: the mean of its lines' vectors, unit length
                mean = vecs[inside].mean(axis=0) if inside else vecs.mean(axis=0)
                cand.vector = mean / (np.linalg.norm(mean) or 1.0)

    @staticmethod
    def _contexts(hits) -> list[float]:
        """Cosine of the question to each passage as Chroma returned it (0 for a passage found by BM25 alone)."""
        return [h.dense or 0.0 for h in hits]

    def choose(self, ranked: list[Candidate], change: bool, ratio: float | None = None,
               lead: list[str] | None = None, measured: str = "", judged: bool = False) -> list[Candidate]:
        """The best sentence first; then, for a change, the best of each other document that clears the
        threshold; then further sentences scoring at least `ratio` x the best (fitted with the ranker).
        For a change in a figure (`measured`: the question) or in a judgement (`judged`), each document's
        sentence is the one that states a figure or a grade, when it scores at least `FIGURE_SHARE` x the
        document's best."""
        ratio = self.ranker.extra_ratio if ratio is None else ratio
        best = ranked[0]
        chosen: list[Candidate] = [best]
        displaced: list[Candidate] = []  # a document's best sentence that gave way to its figure
        if change:  # a change needs its earliest and latest sources: the best sentence of each document
            for cand in ranked[1:]:
                if cand.chunk.doc_id in {c.chunk.doc_id for c in chosen}:
                    continue
                # an endpoint of the period is read even when its best sentence is weaker than a finding
                floor = ENDPOINT_FLOOR if cand.chunk.doc_id in (lead or ()) else 1.0
                if cand.score >= floor * self.policy.threshold:
                    chosen.append(cand)
            if measured or judged:  # a change in a figure or a judgement: each document's best sentence that
                # states one (of the kind asked for: a share, a sum), if it scores near the document's best
                kind, thing = (figure_kind(measured), counted_thing(measured)) if measured and not judged else (None, "")

                def states(o: Candidate) -> bool:  # of the thing counted, where the question names one
                    if judged:
                        return o.features.get("asks_judgement_has_grade", 0.0) >= 1.0
                    stated = bool(FIGURES[kind].search(o.text)) if kind else bool(o.features.get("has_number"))
                    return stated and (not thing or (thing in tokens(o.text) and counts_thing(o.text, thing, 6)))

                for i, c in enumerate(chosen):
                    if states(c):
                        continue
                    alt = next((o for o in ranked if o.chunk.doc_id == c.chunk.doc_id and states(o)
                                and o.score >= FIGURE_SHARE * c.score), None)
                    if alt is not None:
                        chosen[i] = alt
                        displaced.append(c)
        for cand in ranked[1:]:
            if len(chosen) >= self.settings.max_quotes + (CHANGE_EXTRA_QUOTES if change else 0):
                break
            if cand in chosen or cand in displaced or cand.score < ratio * best.score:
                continue
            if any(near_duplicate(cand, c) for c in chosen):
                continue
            chosen.append(cand)
        return chosen

    def _widen(self, members: list[Candidate]) -> list[Candidate]:
        """Quote a short passage (a bullet, say) whole: its other sentence is often the answer's half; else a
        sentence runs on to the close of a quotation it opens and to the specifics that follow a topic
        sentence (layout.to_closing_quote, layout.with_elaboration)."""
        out: list[Candidate] = []
        limit = self.settings.quote_passage_chars
        for cand in members:
            chunk = cand.chunk
            first, last = chunk.sentences[0], chunk.sentences[-1]
            span = cand.span
            if len(chunk.sentences) > 1 and last.end - first.start <= limit and not cand.block \
                    and "\n\n" not in chunk.text[first.start - chunk.start: last.end - chunk.start]:
                span = Span(first.start, last.end)
            elif not cand.block:
                if cand.span.end >= chunk.sentences[-1].end:  # a speaker's words may open the next passage
                    chunk = self._with_next(chunk)
                span = to_closing_quote(chunk, with_elaboration(chunk, to_closing_quote(chunk, cand.span)))
                if span.end <= cand.chunk.end:
                    chunk = cand.chunk
            if span != cand.span:
                cand = Candidate(chunk, span, cand.rank, chunk.text[span.start - chunk.start: span.end - chunk.start],
                                 dense=cand.dense, lexical=cand.lexical, prior=cand.prior, context=cand.context,
                                 question_dense=cand.question_dense, score=cand.score, focus=cand.focus or cand.span)
            if any(o.chunk.doc_id == cand.chunk.doc_id and o.span.start <= cand.span.start and cand.span.end <= o.span.end
                   for o in out):
                continue  # already inside a quote taken before it
            inner = next((i for i, o in enumerate(out) if o.chunk.doc_id == cand.chunk.doc_id
                          and cand.span.start <= o.span.start and o.span.end <= cand.span.end), None)
            if inner is not None:  # widened, it holds a quote taken before it: one quote in the earlier's place,
                # whose sentence stays the one the answer's lead is read from
                cand.focus = out[inner].focus or out[inner].span
                out[inner] = cand
                continue
            out.append(cand)
        return out

    def _with_next(self, chunk: Chunk) -> Chunk:
        """The passage joined to the next passage of its document and section (as the document's text has
        them), so a quote may run on across the boundary; the passage itself when there is none."""
        ids = self.index.docstore.chunk_ids(chunk.doc_id)
        at = ids.index(chunk.id) if chunk.id in ids else -1
        following = self.index.docstore.chunks(ids[at + 1: at + 2]) if 0 <= at < len(ids) - 1 else []
        text = self.index.docstore.text(chunk.doc_id) if following else None
        if not following or text is None or following[0].section != chunk.section or following[0].start < chunk.end:
            return chunk
        nxt = following[0]
        return replace(chunk, end=nxt.end, text=text[chunk.start:nxt.end], sentences=chunk.sentences + nxt.sentences,
                       pages=tuple(sorted(set(chunk.pages) | set(nxt.pages))))

    def _prefer_primary(self, ranked: list[Candidate]) -> list[Candidate]:
        """When a secondary source repeats what a primary one says, keep the primary's words."""
        keep = []
        for cand in ranked:
            twin = next((c for c in keep if c.chunk.doc_id != cand.chunk.doc_id and self._same(c, cand)), None)
            if twin is None:
                keep.append(cand)
            elif cand.chunk.source_kind in PRIMARY_SOURCE_KINDS and twin.chunk.source_kind not in PRIMARY_SOURCE_KINDS:
                keep[keep.index(twin)] = cand
        return keep

    def _same(self, a: Candidate, b: Candidate) -> bool:
        """Whether two sentences say the same thing: near-identical in meaning or words, and not stating
        different figures or grades in different years ("64% of assessments ..." in 2031 and "84% of
        assessments ..." in 2033 are two findings; a paper rounding a report's figure the same year repeats it)."""
        if FIGURE.findall(a.text.lower()) != FIGURE.findall(b.text.lower()) \
                and (a.chunk.date or "")[:4] != (b.chunk.date or "")[:4]:
            return False
        if a.vector is not None and b.vector is not None and float(a.vector @ b.vector) >= 0.92:
            return True
        return near_duplicate(a, b)
