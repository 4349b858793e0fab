"""Metrics by question kind: the question set's own `kind` wins; every kind it names is reported."""

from evaluation.metrics import question_kind, score


def record(qid: str, quote: str) -> dict:
    return {"id": qid, "answer": "x [1]", "abstained": False, "retrieved": [],
            "citations": [{"marker": 1, "document": "d.txt", "quote": quote, "start": 0, "end": len(quote)}]}


def test_the_question_sets_kind_wins_over_the_classifier():
    assert question_kind({"question": "How has it changed since 2011?", "evidence": ["a"], "kind": "numeric"}) == "numeric"
    # with no kind field, evaluation classifies from the question set alone
    assert question_kind({"question": "How has it changed since 2011?", "evidence": ["a"]}) == "single document"
    assert question_kind({"question": "q", "evidence": ["a", "b"]}) == "change over time"
    assert question_kind({"question": "q", "evidence": ["a"], "history": ["h"]}) == "follow-up"
    assert question_kind({"question": "q", "answerable": False}) == "unanswerable"


def test_every_named_kind_is_reported_in_order_of_first_use_unanswerable_last():
    questions = [
        {"id": "1", "question": "q", "evidence": ["alpha"], "kind": "who"},
        {"id": "2", "question": "q", "answerable": False, "kind": "unanswerable"},
        {"id": "3", "question": "q", "evidence": ["beta"], "kind": "paraphrase"},
        {"id": "4", "question": "q", "evidence": ["gamma"], "kind": "who"},
    ]
    records = [record("1", "alpha"), record("2", "x"), record("3", "nothing"), record("4", "gamma")]
    result = score(records, questions)
    assert list(result.by_kind) == ["who", "paraphrase", "unanswerable"]
    assert result.by_kind["who"]["questions"] == 2 and result.by_kind["who"]["cited"] == 1.0  # both cited
    assert result.by_kind["paraphrase"]["cited"] == 0.0  # "beta" is in no quote
    assert result.by_kind["unanswerable"]["abstention"] == 0.0  # answered instead of declined
