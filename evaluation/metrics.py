"""Metrics computed from eval records alone, so anyone can re-score a results file.

Containment compares text after folding whitespace, case, curly quotes and bullet glyphs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import numpy as np

from retrieval.text import fold


def contains(haystack: str, needle: str) -> bool:
    return fold(needle) in fold(haystack)


def evidence_rank(record: dict, evidence: str) -> int | None:
    for rank, passage in enumerate(record.get("retrieved", []), start=1):
        if contains(passage.get("text", ""), evidence):
            return rank
    return None


def question_scores(record: dict, question: dict, doc_texts: dict[str, str] | None = None) -> dict[str, Any]:
    """Per-question facts that the aggregate metrics are built from."""
    evidence = question.get("evidence", []) if question.get("answerable", True) else []
    ranks = [evidence_rank(record, e) for e in evidence]
    quotes = [c.get("quote", "") for c in record.get("citations", [])]
    cited = [any(contains(q, e) for q in quotes) for e in evidence]
    valid = None
    if doc_texts is not None:
        valid = [doc_texts.get(c.get("document"), "")[c.get("start", 0):c.get("end", 0)] == c.get("quote")
                 and c.get("quote", "") in doc_texts.get(c.get("document"), "") for c in record.get("citations", [])]
    return {"ranks": ranks, "cited": cited, "valid": valid}


def summarise(records: list[dict], questions: list[dict], doc_texts: dict[str, str] | None = None) -> dict[str, Any]:
    """Evidence hit@1/5/10, MRR, evidence cited, citation validity, abstention, latency."""
    by_id = {q["id"]: q for q in questions}
    ranks: list[int | None] = []
    cited: list[bool] = []
    valid: list[bool] = []
    abst_unans: list[bool] = []
    abst_ans: list[bool] = []
    latencies: list[float] = []
    for rec in records:
        q = by_id.get(rec["id"])
        if q is None:
            continue
        s = question_scores(rec, q, doc_texts)
        if q.get("answerable", True):
            ranks.extend(s["ranks"])
            cited.extend(s["cited"])
            abst_ans.append(bool(rec.get("abstained")))
        else:
            abst_unans.append(bool(rec.get("abstained")))
        if s["valid"] is not None:
            valid.extend(s["valid"])
        latencies.append(float(rec.get("latency_ms", 0.0)))

    def hit(k: int) -> float | None:
        return _mean([r is not None and r <= k for r in ranks])

    return {
        "questions": len(records),
        "evidence": len(ranks),
        "hit@1": hit(1), "hit@5": hit(5), "hit@10": hit(10),
        "mrr": _mean([1.0 / r if r else 0.0 for r in ranks]),
        "cited": _mean(cited),
        "validity": _mean(valid),
        "abstention": _mean(abst_unans),
        "false_abstention": _mean(abst_ans),
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
        "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies else None,
    }


def _mean(values: Iterable[bool | float]) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def format_summary(summary: dict[str, Any]) -> str:
    lines = []
    for key, value in summary.items():
        if value is None:
            shown = "n/a"
        elif isinstance(value, float):
            shown = f"{value:.3f}" if not key.endswith("_ms") else f"{value:.1f}"
        else:
            shown = str(value)
        lines.append(f"{key:>18}  {shown}")
    return "\n".join(lines)


def by_kind(records: list[dict], questions: list[dict], kind_of, doc_texts=None) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    qmap = {q["id"]: q for q in questions}
    for rec in records:
        if rec["id"] in qmap:
            groups[kind_of(qmap[rec["id"]])].append(rec)
    return {k: summarise(v, questions, doc_texts) for k, v in groups.items()}
