"""Metrics computed from eval records alone, so anyone can re-score a results file.

Containment compares text after folding whitespace, case, curly quotes and bullet glyphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any, Iterable

import numpy as np

from core.text import fold

# name -> one-line definition (the README's table is generated from the same words)
METRICS: dict[str, str] = {
    "hit@1": "share of evidence strings contained in the first retrieved passage",
    "hit@5": "share of evidence strings contained in one of the first 5 retrieved passages",
    "hit@10": "share of evidence strings contained in one of the first 10 retrieved passages",
    "hit@2000c": "share of evidence strings contained in the first 2,000 characters of the retrieved passages, "
                 "read in order (their texts joined by a blank line)",
    "mrr": "mean over evidence strings of 1/rank of the first retrieved passage containing it (0 if none)",
    "cited": "share of evidence strings of answerable questions contained in a cited quote",
    "validity": "share of citations whose quote stands verbatim at its offsets in its document",
    "precision": "share of citations (answerable questions) whose quote overlaps some evidence of the question",
    "abstention": "share of unanswerable questions the tool declined to answer",
    "false_abstention": "share of answerable questions the tool declined to answer",
    "reference_similarity": "mean cosine (embedding model) of the answer to the reference answer, where one is given",
    "latency_p50_ms": "median wall time per question, retrieval included, model warm",
    "latency_p95_ms": "95th percentile of the same",
}
# a run with a language model (`--llm`) adds these, from the records' `sentences` (absent from a run without one)
WRITTEN_METRICS: dict[str, str] = {
    "supported_sentences": "share of the sentences the language model wrote that the check found carried by the "
                           "quotes they cite (only those are shown)",
    "withheld_answers": "share of the answers the language model wrote with at least one sentence withheld",
}
LOWER_IS_BETTER = frozenset({"false_abstention", "latency_p50_ms", "latency_p95_ms", "withheld_answers"})


def metric_definitions(summary: dict[str, Any]) -> dict[str, str]:
    """`METRICS`, and `WRITTEN_METRICS` where the run measured them: the rows a report shows, in order."""
    return {**METRICS, **{k: v for k, v in WRITTEN_METRICS.items() if k in summary}}


def contains(haystack: str, needle: str) -> bool:
    return fold(needle) in fold(haystack)


def overlaps(quote: str, evidence: str, min_chars: int = 30) -> bool:
    """Containment either way, or a shared run of at least `min_chars` folded characters."""
    a, b = fold(quote), fold(evidence)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= min(min_chars, len(b))


CONTEXT_CHARS = 2000


def in_first_chars(record: dict, evidence: str, chars: int = CONTEXT_CHARS) -> bool:
    """Whether `evidence` lies within the first `chars` characters of the retrieved passages' texts,
    joined in order by a blank line (what a reader with a fixed context budget would see)."""
    context = "\n\n".join(p.get("text", "") for p in record.get("retrieved", []))[:chars]
    return contains(context, evidence)


def evidence_rank(record: dict, evidence: str) -> int | None:
    for rank, passage in enumerate(record.get("retrieved", []), start=1):
        if contains(passage.get("text", ""), evidence):
            return rank
    return None


@dataclass
class QuestionResult:
    """One question's outcome, with everything the report shows."""

    id: str
    question: str
    kind: str
    answerable: bool
    abstained: bool
    answer: str
    searched_question: str
    citations: list[dict]
    evidence: list[str]
    ranks: list[int | None]
    cited: list[bool]
    in_context: list[bool]
    valid: list[bool]
    precise: list[bool]
    latency_ms: float
    reference_similarity: float | None = None
    model: str | None = None  # the language model that wrote the answer (--llm), None without one
    generated: bool = False  # the answer shown is the model's checked sentences
    sentences: list[dict] = field(default_factory=list)  # every sentence it wrote: text, markers, supported, reason

    @property
    def missed_evidence(self) -> list[str]:
        return [e for e, c in zip(self.evidence, self.cited) if not c]

    @property
    def passed(self) -> bool:
        """Unanswerable: declined. Answerable: answered, every evidence string cited, every quote valid."""
        if not self.answerable:
            return self.abstained
        return not self.abstained and all(self.cited) and all(self.valid)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["missed_evidence"] = self.missed_evidence
        d["passed"] = self.passed
        return d


def question_kind(question: dict) -> str:
    """The question's kind, for breakdowns: the question set's own `kind` field when it has one;
    else, from the question set alone (never from the answerer's analysis, which is what is measured):
    unanswerable, follow-up (it has a history), change over time (evidence from more than one
    passage), or single document."""
    given = str(question.get("kind") or "").strip()
    if given:
        return given
    if not question.get("answerable", True):
        return "unanswerable"
    if question.get("history"):
        return "follow-up"
    if len(question.get("evidence", [])) > 1:
        return "change over time"
    return "single document"


def score_record(record: dict, question: dict, doc_texts: dict[str, str] | None) -> QuestionResult:
    answerable = question.get("answerable", True)
    evidence = list(question.get("evidence", [])) if answerable else []
    citations = record.get("citations", [])
    quotes = [c.get("quote", "") for c in citations]
    valid = []
    for c in citations:
        text = (doc_texts or {}).get(c.get("document"))
        if doc_texts is None:
            continue
        valid.append(text is not None and text[c.get("start", 0):c.get("end", 0)] == c.get("quote"))
    return QuestionResult(
        id=record["id"], question=question.get("question", record.get("question", "")), kind=question_kind(question),
        answerable=answerable, abstained=bool(record.get("abstained")), answer=record.get("answer", ""),
        searched_question=record.get("searched_question", record.get("question", "")), citations=citations,
        evidence=evidence, ranks=[evidence_rank(record, e) for e in evidence],
        cited=[any(contains(q, e) for q in quotes) for e in evidence], valid=valid,
        in_context=[in_first_chars(record, e) for e in evidence],
        precise=[any(overlaps(q, e) for e in evidence) for q in quotes] if evidence else [],
        latency_ms=float(record.get("latency_ms", 0.0)), reference_similarity=record.get("reference_similarity"),
        model=record.get("model"), generated=bool(record.get("generated")), sentences=list(record.get("sentences") or []),
    )


def aggregate(results: list[QuestionResult]) -> dict[str, Any]:
    ranks = [r for q in results if q.answerable for r in q.ranks]
    latencies = [q.latency_ms for q in results]
    sims = [q.reference_similarity for q in results if q.reference_similarity is not None]

    def hit(k: int) -> float | None:
        return _mean([r is not None and r <= k for r in ranks])

    written = [q for q in results if q.model and q.sentences]
    extra = {} if not any(q.model for q in results) else {
        "supported_sentences": _mean([bool(s.get("supported")) for q in written for s in q.sentences]),
        "withheld_answers": _mean([any(not s.get("supported") for s in q.sentences) for q in written]),
    }
    return {
        "questions": len(results),
        "evidence": len(ranks),
        "hit@1": hit(1), "hit@5": hit(5), "hit@10": hit(10),
        "hit@2000c": _mean([c for q in results if q.answerable for c in q.in_context]),
        "mrr": _mean([1.0 / r if r else 0.0 for r in ranks]),
        "cited": _mean([c for q in results if q.answerable for c in q.cited]),
        "validity": _mean([v for q in results for v in q.valid]),
        "precision": _mean([p for q in results if q.answerable for p in q.precise]),
        "abstention": _mean([q.abstained for q in results if not q.answerable]),
        "false_abstention": _mean([q.abstained for q in results if q.answerable]),
        "reference_similarity": _mean(sims),
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
        "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies else None,
        "passed": _mean([q.passed for q in results]),
        **extra,
    }


@dataclass
class EvalResult:
    summary: dict[str, Any]
    by_kind: dict[str, dict[str, Any]]
    questions: list[QuestionResult]
    warnings: list[str] = field(default_factory=list)


def score(records: list[dict], questions: list[dict], doc_texts: dict[str, str] | None = None,
          warnings: list[str] | None = None) -> EvalResult:
    by_id = {q["id"]: q for q in questions}
    results = [score_record(r, by_id[r["id"]], doc_texts) for r in records if r["id"] in by_id]
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for q in results:
        groups[q.kind].append(q)
    # the classifier's own kinds in their order, then every kind a question set names, in order of first use,
    # unanswerable last (docs/FORMAT.md: any value is accepted, and metrics are reported per kind)
    known = ["single document", "change over time", "follow-up"]
    order = [k for k in known if k in groups] + [k for k in groups if k not in known and k != "unanswerable"]
    by_kind = {k: aggregate(groups[k]) for k in order + (["unanswerable"] if "unanswerable" in groups else [])}
    return EvalResult(aggregate(results), by_kind, results, list(warnings or []))


def summarise(records: list[dict], questions: list[dict], doc_texts: dict[str, str] | None = None) -> dict[str, Any]:
    """The aggregate metrics of a run (see `METRICS`)."""
    return score(records, questions, doc_texts).summary


def _mean(values: Iterable[bool | float]) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def format_value(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"
    return str(value)


def format_summary(summary: dict[str, Any]) -> str:
    return "\n".join(f"{key:>22}  {format_value(key, value)}" for key, value in summary.items())


def format_by_kind(by_kind: dict[str, dict[str, Any]],
                   keys: tuple[str, ...] = ("questions", "hit@5", "hit@2000c", "cited", "abstention", "false_abstention")) -> str:
    lines = [f"{'kind':<18}" + "".join(f"{k:>18}" for k in keys)]
    for kind, s in by_kind.items():
        lines.append(f"{kind:<18}" + "".join(f"{format_value(k, s.get(k)):>18}" for k in keys))
    return "\n".join(lines)
