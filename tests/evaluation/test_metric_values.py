"""Every number `score()` reports, worked by hand on a tiny run (no model, no index).

The run: one document, five questions, one eval record each. Each expected value is derived in the
comment beside it, from the per-question facts in the table below, so a change to any metric's rule
shows up here as a wrong number rather than as a vaguely different report.

    id  kind (derived)    answerable abstained evidence ranks cited   quotes valid quotes precise latency ref sim
    s1  single document   yes        no        [2]            [T]     [T]          [T]            100     0.8
    c1  change over time  yes        no        [1, 7]         [T, F]  [T, T]       [T, F]         200     0.5
    f1  follow-up         yes        yes       [None]         [F]     []           []             300     -
    u1  unanswerable      no         yes       []             []      []           []             400     -
    u2  unanswerable      no         no        []             []      [F]          []             1000    -
"""

from __future__ import annotations

import pytest

from evaluation.metrics import METRICS, QuestionResult, score, score_record

DOC = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota. Kappa lambda mu."
DOCS = {"d.txt": DOC}
SUMMARY_KEYS = {"questions", "evidence", "hit@1", "hit@5", "hit@10", "hit@2000c", "mrr", "cited", "validity", "precision",
                "abstention", "false_abstention", "reference_similarity", "latency_p50_ms", "latency_p95_ms", "passed"}


def _cite(quote: str, start: int | None = None, document: str = "d.txt") -> dict:
    """A citation of `quote`, at its true offsets in DOC unless `start` says otherwise."""
    start = DOC.index(quote) if start is None else start
    return {"marker": 1, "document": document, "quote": quote, "start": start, "end": start + len(quote)}


def _record(qid: str, retrieved: list[str], citations: list[dict], abstained: bool = False,
            latency: float = 10.0, **extra) -> dict:
    return {"id": qid, "question": qid, "answer": "a", "abstained": abstained, "citations": citations,
            "retrieved": [{"chunk_id": str(i), "document": "d.txt", "page": 1, "text": t, "score": 1.0}
                          for i, t in enumerate(retrieved)],
            "latency_ms": latency, **extra}


QUESTIONS = [
    {"id": "s1", "question": "Alpha?", "evidence": ["alpha beta"]},  # case folds: "Alpha beta" matches
    {"id": "c1", "question": "Delta and kappa?", "evidence": ["delta epsilon", "kappa lambda"]},
    {"id": "f1", "question": "And eta?", "history": ["Alpha?"], "evidence": ["eta theta"]},
    {"id": "u1", "question": "Omega?", "evidence": [], "answerable": False},
    {"id": "u2", "question": "Psi?", "evidence": [], "answerable": False},
]

FILLER = ["nothing here"]

RECORDS = [
    # s1: "alpha beta" first stands in passage 2; one quote, verbatim at its offsets, containing it.
    _record("s1", ["x", "Alpha beta gamma."], [_cite("Alpha beta gamma.")], latency=100.0,
            reference_similarity=0.8),
    # c1: "delta epsilon" in passage 1, "kappa lambda" in passage 7. Two valid quotes: the first contains
    # "delta epsilon"; the second ("Eta theta iota.") neither contains nor is contained in an evidence
    # string, nor shares a run of min(30, len(evidence)) characters with one, so it is imprecise.
    # "kappa lambda" is in no quote: not cited.
    _record("c1", ["Delta epsilon zeta."] + FILLER * 5 + ["Kappa lambda mu."],
            [_cite("Delta epsilon zeta."), _cite("Eta theta iota.")], latency=200.0, reference_similarity=0.5),
    # f1: declined; "eta theta" is in none of the retrieved passages.
    _record("f1", FILLER * 10, [], abstained=True, latency=300.0),
    # u1: correctly declined.
    _record("u1", FILLER, [], abstained=True, latency=400.0),
    # u2: answered an unanswerable question, quoting text that is not in DOC at offsets 0-9.
    _record("u2", FILLER, [_cite("Mu nu xi.", start=0)], latency=1000.0),
]


@pytest.fixture(scope="module")
def result():
    return score(RECORDS, QUESTIONS, DOCS)


def _assert_values(actual: dict, expected: dict) -> None:
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if value is None or isinstance(value, int):
            assert actual[key] == value and type(actual[key]) is type(value), key
        else:
            assert actual[key] == pytest.approx(value, abs=1e-12), key


def test_summary_keys_are_the_reported_metrics_plus_counts(result):
    assert set(result.summary) == SUMMARY_KEYS
    assert set(METRICS) == SUMMARY_KEYS - {"questions", "evidence", "passed"}  # every METRICS row is checked below


def test_per_question_facts(result):
    """The table in the module docstring, read back from the scored questions."""
    by_id = {q.id: q for q in result.questions}
    facts = {qid: (q.kind, q.ranks, q.cited, q.valid, q.precise, q.passed) for qid, q in by_id.items()}
    assert facts == {
        "s1": ("single document", [2], [True], [True], [True], True),
        "c1": ("change over time", [1, 7], [True, False], [True, True], [True, False], False),
        "f1": ("follow-up", [None], [False], [], [], False),
        "u1": ("unanswerable", [], [], [], [], True),
        "u2": ("unanswerable", [], [], [False], [], False),
    }
    assert by_id["c1"].missed_evidence == ["kappa lambda"]


def test_summary_values(result):
    _assert_values(result.summary, {
        "questions": 5,                  # five records, all matched to a question
        "evidence": 4,                   # evidence strings of answerable questions: s1 1 + c1 2 + f1 1
        "hit@1": 0.25,                   # ranks [2, 1, 7, None]: 1 of 4 at rank <= 1 -> 0.25
        "hit@5": 0.5,                    # 2 of 4 at rank <= 5 (ranks 2 and 1) -> 0.5
        "hit@10": 0.75,                  # 3 of 4 at rank <= 10 (2, 1, 7) -> 0.75
        "hit@2000c": 0.75,               # every retrieved text is short: the same 3 of 4 lie in the first 2,000
        "mrr": (1 / 2 + 1 / 1 + 1 / 7 + 0) / 4,  # (0.5 + 1 + 0.142857 + 0) / 4 = 0.410714
        "cited": 0.5,                    # cited [T] + [T, F] + [F]: 2 of 4 evidence strings -> 0.5
        "validity": 0.75,                # all citations, unanswerable included: s1 T, c1 T T, u2 F -> 3 of 4
        "precision": 2 / 3,              # citations of answerable questions: s1 T, c1 T F -> 2 of 3 = 0.667
        "abstention": 0.5,               # unanswerable u1 declined, u2 answered -> 1 of 2
        "false_abstention": 1 / 3,       # answerable s1 no, c1 no, f1 declined -> 1 of 3 = 0.333
        "reference_similarity": 0.65,    # mean of the records that carry one: (0.8 + 0.5) / 2
        "latency_p50_ms": 300.0,         # sorted [100, 200, 300, 400, 1000]: the middle one
        "latency_p95_ms": 880.0,         # numpy linear: position 0.95 * (5 - 1) = 3.8 -> 400 + 0.8 * (1000 - 400)
        "passed": 0.4,                   # s1 and u1 pass, c1 f1 u2 fail -> 2 of 5
    })


def test_by_kind_values(result):
    assert list(result.by_kind) == ["single document", "change over time", "follow-up", "unanswerable"]
    _assert_values(result.by_kind["single document"], {  # s1 alone
        "questions": 1, "evidence": 1,
        "hit@1": 0.0,                    # rank 2 > 1
        "hit@5": 1.0, "hit@10": 1.0,     # rank 2 <= 5, <= 10
        "hit@2000c": 1.0,                # passage 2 starts at character 3
        "mrr": 0.5,                      # 1 / 2
        "cited": 1.0,                    # 1 of 1
        "validity": 1.0,                 # 1 of 1 quotes verbatim
        "precision": 1.0,                # 1 of 1 quotes overlap the evidence
        "abstention": None,              # no unanswerable question in this kind
        "false_abstention": 0.0,         # answered
        "reference_similarity": 0.8,     # its own
        "latency_p50_ms": 100.0, "latency_p95_ms": 100.0,  # one value: every percentile is it
        "passed": 1.0,                   # 1 of 1
    })
    _assert_values(result.by_kind["change over time"], {  # c1 alone
        "questions": 1, "evidence": 2,
        "hit@1": 0.5,                    # ranks [1, 7]: 1 of 2 at rank 1
        "hit@5": 0.5,                    # 1 of 2 within 5
        "hit@10": 1.0,                   # both within 10
        "hit@2000c": 1.0,                # seven short passages: 109 characters in all
        "mrr": (1 / 1 + 1 / 7) / 2,      # (1 + 0.142857) / 2 = 0.571429
        "cited": 0.5,                    # "delta epsilon" cited, "kappa lambda" not
        "validity": 1.0,                 # both quotes verbatim at their offsets
        "precision": 0.5,                # "Eta theta iota." overlaps no evidence: 1 of 2
        "abstention": None,
        "false_abstention": 0.0,
        "reference_similarity": 0.5,
        "latency_p50_ms": 200.0, "latency_p95_ms": 200.0,
        "passed": 0.0,                   # one evidence string missed
    })
    _assert_values(result.by_kind["follow-up"], {  # f1 alone, declined
        "questions": 1, "evidence": 1,
        "hit@1": 0.0, "hit@5": 0.0, "hit@10": 0.0,  # "eta theta" retrieved nowhere
        "hit@2000c": 0.0,
        "mrr": 0.0,                      # rank None counts 0
        "cited": 0.0,                    # no quote
        "validity": None,                # no citation to check
        "precision": None,               # no citation
        "abstention": None,
        "false_abstention": 1.0,         # answerable and declined
        "reference_similarity": None,    # the record carries none
        "latency_p50_ms": 300.0, "latency_p95_ms": 300.0,
        "passed": 0.0,
    })
    _assert_values(result.by_kind["unanswerable"], {  # u1 (declined), u2 (answered, invalid quote)
        "questions": 2,
        "evidence": 0,                   # unanswerable questions carry no evidence to score
        "hit@1": None, "hit@5": None, "hit@10": None, "hit@2000c": None, "mrr": None, "cited": None,  # nothing to retrieve or cite
        "validity": 0.0,                 # u2's one quote is not verbatim: 0 of 1
        "precision": None,               # precision is over answerable questions only
        "abstention": 0.5,               # u1 declined, u2 did not: 1 of 2
        "false_abstention": None,        # no answerable question in this kind
        "reference_similarity": None,
        "latency_p50_ms": 700.0,         # [400, 1000]: 400 + 0.5 * 600
        "latency_p95_ms": 970.0,         # 400 + 0.95 * 600
        "passed": 0.5,                   # u1 passes, u2 fails
    })


def test_without_document_texts_validity_is_unknown():
    """No document texts: no quote can be checked, so validity is n/a (not 0) and does not fail anyone."""
    result = score(RECORDS, QUESTIONS, None)
    assert result.summary["validity"] is None                # no citation was checked
    assert [q.valid for q in result.questions] == [[], [], [], [], []]
    assert result.summary["passed"] == pytest.approx(0.4)    # s1, u1 pass; c1 (uncited), f1, u2 (answered) fail
    assert {q.id for q in result.questions if q.passed} == {"s1", "u1"}
    assert result.summary["questions"] == 5


# -- QuestionResult.passed, one case per rule ---------------------------------------------------

def _one(question: dict, record: dict, docs: dict | None = DOCS) -> QuestionResult:
    return score_record(record, {"question": "q", **question}, docs)


ANSWERABLE = {"id": "a", "evidence": ["alpha beta", "delta epsilon"]}
BOTH = [_cite("Alpha beta gamma."), _cite("Delta epsilon zeta.")]


@pytest.mark.parametrize("question, record, docs, passed", [
    # Unanswerable: passes exactly when declined.
    pytest.param({"id": "u", "evidence": [], "answerable": False}, _record("u", [], [], abstained=True), DOCS, True,
                 id="unanswerable-declined-passes"),
    pytest.param({"id": "u", "evidence": [], "answerable": False}, _record("u", [], []), DOCS, False,
                 id="unanswerable-answered-fails"),
    pytest.param({"id": "u", "evidence": [], "answerable": False},
                 _record("u", [], [_cite("Mu nu xi.", start=0)], abstained=True), DOCS, True,
                 id="unanswerable-declined-passes-even-with-an-invalid-quote"),
    # Answerable: answered, every evidence string cited, every quote valid.
    pytest.param(ANSWERABLE, _record("a", [DOC], BOTH), DOCS, True, id="answerable-all-cited-all-valid-passes"),
    pytest.param(ANSWERABLE, _record("a", [], BOTH, abstained=True), DOCS, False,
                 id="answerable-declined-fails-even-with-the-quotes"),
    pytest.param(ANSWERABLE, _record("a", [], BOTH[:1]), DOCS, False, id="answerable-one-evidence-uncited-fails"),
    pytest.param(ANSWERABLE, _record("a", [], [_cite("Alpha beta gamma.", start=1), BOTH[1]]), DOCS, False,
                 id="answerable-quote-off-its-offsets-fails"),
    pytest.param(ANSWERABLE, _record("a", [], [*BOTH, _cite("Mu nu xi.", start=0)]), DOCS, False,
                 id="answerable-extra-invalid-quote-fails"),
    pytest.param(ANSWERABLE, _record("a", [], [*BOTH, _cite("Kappa lambda mu.")]), DOCS, True,
                 id="answerable-extra-imprecise-but-valid-quote-passes"),
    pytest.param(ANSWERABLE, _record("a", FILLER * 10, BOTH), DOCS, True,
                 id="answerable-evidence-never-retrieved-still-passes"),  # retrieval is not part of passing
    pytest.param(ANSWERABLE, _record("a", [], BOTH), None, True, id="answerable-no-doc-texts-validity-not-checked"),
    pytest.param({"id": "a", "evidence": []}, _record("a", [], []), DOCS, True,
                 id="answerable-without-evidence-passes-when-answered"),
])
def test_passed_rules(question, record, docs, passed):
    assert _one(question, record, docs).passed is passed


def test_first_2000_characters_counts_only_what_a_fixed_budget_reads():
    """Evidence in passage 2 counts when the passages before it leave room, not when a long first passage
    fills the 2,000 characters; evidence cut by the boundary does not count."""
    question = {"id": "q", "question": "Alpha?", "evidence": ["alpha beta"]}
    short = _record("q", ["x" * 100, "Alpha beta gamma."], [])
    long = _record("q", ["x" * 2000, "Alpha beta gamma."], [])
    cut = _record("q", ["x" * 1990, "Alpha beta gamma."], [])  # 1990 + 2 separator chars: "alpha b" fits, not all
    assert score([short], [question]).summary["hit@2000c"] == 1.0
    assert score([long], [question]).summary["hit@2000c"] == 0.0
    assert score([cut], [question]).summary["hit@2000c"] == 0.0
    assert score([long], [question]).summary["hit@5"] == 1.0  # rank 2 all the same
