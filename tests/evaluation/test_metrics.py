import pytest

from core.errors import QuestionSetError
from evaluation.metrics import summarise
from evaluation.questions import load_questions


def _record(qid, retrieved, quotes, abstained=False, latency=10.0):
    return {
        "id": qid, "question": "q", "answer": "a", "abstained": abstained,
        "citations": [{"marker": i + 1, "document": "d.txt", "quote": q, "start": s, "end": s + len(q)}
                      for i, (q, s) in enumerate(quotes)],
        "retrieved": [{"chunk_id": str(i), "document": "d.txt", "page": 1, "text": t, "score": 1.0}
                      for i, t in enumerate(retrieved)],
        "latency_ms": latency,
    }


def test_metrics_from_records():
    doc = "Alpha beta gamma. Delta “epsilon” zeta."
    questions = [
        {"id": "a", "evidence": ["delta \"epsilon\""], "answerable": True},
        {"id": "b", "evidence": ["alpha beta"], "answerable": True},
        {"id": "u", "evidence": [], "answerable": False},
    ]
    records = [
        _record("a", ["x", "Delta “epsilon” zeta."], [("Delta “epsilon” zeta.", 18)]),
        _record("b", ["nothing"] * 10, [("Alpha beta gamma!", 0)]),
        _record("u", ["x"], [], abstained=True, latency=30.0),
    ]
    s = summarise(records, questions, {"d.txt": doc})
    assert s["hit@1"] == 0.0 and s["hit@5"] == 0.5 and s["mrr"] == pytest.approx(0.25)
    assert s["cited"] == 1.0  # containment folds case; the second quote still contains "alpha beta"
    assert s["validity"] == 0.5  # the second quote is not verbatim
    assert s["abstention"] == 1.0 and s["false_abstention"] == 0.0


def test_malformed_question_set_names_line_and_field(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "1", "question": "ok?", "evidence": []}\n{"id": "2", "question": "", "evidence": []}\n')
    with pytest.raises(QuestionSetError, match=r"q.jsonl:2: field 'question'"):
        load_questions(bad)
    bad.write_text('{"id": "1", "question": "ok?", "evidence": "not a list"}\n')
    with pytest.raises(QuestionSetError, match=r":1: field 'evidence'"):
        load_questions(bad)


def test_dev_set_is_well_formed():
    from tests.paths import ROOT

    qs = load_questions(ROOT / "questions" / "dev.jsonl")
    assert len(qs) >= 40
    kinds = {q.question_kind for q in qs}
    assert kinds == {"single document", "change over time", "follow-up", "unanswerable"}
