import json

import numpy as np
import pytest

from core.errors import ModelMismatchError, UnknownNameError
from core.settings import Settings
from evaluation.metrics import contains
from retrieval.embedders import HashingEmbedder, make_embedder
from retrieval.hybrid import rrf
from tests.paths import EXAMPLE_QUESTIONS


def test_rrf_rewards_agreement():
    scores = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert max(scores, key=scores.get) in ("a", "b")
    assert scores["d"] < scores["c"] or scores["d"] == pytest.approx(scores["c"], rel=0.1)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)


def test_unknown_embedder_lists_valid_names():
    with pytest.raises(UnknownNameError, match="sentence-transformers"):
        make_embedder(Settings(embedder="nope"))


def test_hashing_embedder_is_deterministic_and_unit_length():
    e = HashingEmbedder()
    a, b = e.embed_documents(["agency staff", "agency staff"])
    assert np.allclose(a, b) and np.isclose(np.linalg.norm(a), 1.0)


@pytest.mark.slow
def test_real_model_vectors(real_embedder):
    v = real_embedder.embed_documents(["Supervision is held regularly.", "Supervision happens often."])
    assert v.shape == (2, 384)
    assert float(v[0] @ v[1]) > 0.6


@pytest.mark.slow
def test_example_evidence_is_retrieved_in_top_5(corpus_service):
    hits_at_5 = []
    for line in EXAMPLE_QUESTIONS.read_text().splitlines():
        q = json.loads(line)
        if not q.get("answerable", True):
            continue
        history = q.get("history", [])
        searched = corpus_service.answerer.rewriter.run(q["question"], history)
        hits = corpus_service.answerer.retriever.run(searched, k=5)
        for ev in q["evidence"]:
            hits_at_5.append(any(contains(h.chunk.text, ev) for h in hits))
    assert np.mean(hits_at_5) >= 0.95


@pytest.mark.slow
def test_querying_with_another_model_is_an_error(corpus_service):
    from inspection_qa.service import QAService

    other = QAService(corpus_service.settings, embedder=HashingEmbedder())
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        other.ask("What did inspectors find about assessments?")


@pytest.mark.slow
def test_filters_apply_to_both_sides(corpus_service):
    from retrieval.filters import SearchFilter

    hits = corpus_service.answerer.retriever.run("agency staff", k=10, search_filter=SearchFilter(since="2015"))
    assert hits and all(h.chunk.date.startswith("2019") for h in hits)
    hits = corpus_service.answerer.retriever.run("agency staff", k=10, search_filter=SearchFilter(until="2012"))
    assert hits and all(h.chunk.date.startswith("2011") for h in hits)
