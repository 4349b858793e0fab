"""A run with a language model (`--llm`) adds "supported sentences" and "answers with a withheld sentence" to the
metrics, the Markdown summary and the HTML report; a run without one is scored exactly as before."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from evaluation.compare import compare
from evaluation.gate import failures, parse_bars
from evaluation.metrics import METRICS, WRITTEN_METRICS, format_summary, score
from evaluation.report import render_html, render_markdown

DOC = "Caseloads are manageable. Supervision is regular and reflective."
QUESTIONS = [{"id": f"q{i}", "question": f"Question {i}?", "evidence": ["Caseloads are manageable."]} for i in range(3)]


def record(qid: str, sentences: list[tuple[str, bool]] | None, generated: bool) -> dict:
    rec = {"id": qid, "question": "Q", "answer": "Caseloads are manageable [1].", "abstained": False,
           "citations": [{"marker": 1, "document": "l.txt", "quote": "Caseloads are manageable.", "start": 0, "end": 25}],
           "retrieved": [{"text": DOC}], "latency_ms": 5.0}
    if sentences is not None:
        rec.update(generated=generated, model="openai:scripted",
                   sentences=[{"text": t, "markers": [1], "supported": ok, "reason": "carried by [1]" if ok else
                               "states 40, which the cited quotations do not"} for t, ok in sentences])
    return rec


WRITTEN = [
    record("q0", [("Caseloads are manageable [1].", True), ("Caseloads fell by 40 [1].", False)], True),
    record("q1", [("Supervision is regular [1].", True)], True),
    record("q2", [("Caseloads fell by 40 [1].", False)], False),  # nothing survived: the quotes were shown
]


def test_the_written_metrics_count_sentences_and_answers():
    summary = score(WRITTEN, QUESTIONS, {"l.txt": DOC}).summary
    assert summary["supported_sentences"] == pytest.approx(2 / 4)
    assert summary["withheld_answers"] == pytest.approx(2 / 3)
    assert "supported_sentences" in format_summary(summary)


def test_without_a_model_the_summary_is_unchanged():
    plain = [record(f"q{i}", None, False) for i in range(3)]
    summary = score(plain, QUESTIONS, {"l.txt": DOC}).summary
    assert not set(WRITTEN_METRICS) & set(summary)
    # the same records with sentences score the same on every other metric
    written = score(WRITTEN, QUESTIONS, {"l.txt": DOC}).summary
    assert {k: written[k] for k in summary if "latency" not in k} == {k: summary[k] for k in summary if "latency" not in k}


def test_report_and_summary_show_them_with_withheld_sentences():
    result = score(WRITTEN, QUESTIONS, {"l.txt": DOC})
    html = render_html(result)
    assert 'data-metric="supported_sentences"' in html and 'data-metric="withheld_answers"' in html
    assert "withheld: not supported by the documents" in html and "states 40, which the cited quotations do not" in html
    assert "written by openai:scripted: 1 of 2 sentences supported" in html
    md = render_markdown(result, compare(result, result))
    assert "`supported_sentences`" in md and "`withheld_answers`" in md
    plain = render_html(score([record("q0", None, False)], QUESTIONS, {"l.txt": DOC}))
    assert "supported_sentences" not in plain


def test_bars_may_hold_a_run_to_them():
    bars = parse_bars("supported_sentences=0.9,withheld_answers=0.1")
    summary = score(WRITTEN, QUESTIONS, {"l.txt": DOC}).summary
    missed = failures(summary, bars)
    assert len(missed) == 2 and "above its ceiling" in missed[1]
    with pytest.raises(ConfigError, match="supported_sentences"):
        parse_bars("nope=1")
    assert set(METRICS).isdisjoint(WRITTEN_METRICS)
