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
    # "a" is second in both rankings; "x" and "y" each top one ranking and are missing from the other
    scores = rrf([["x", "a", "c"], ["y", "a", "d"]], k=60)
    assert sorted(scores, key=scores.get, reverse=True)[0] == "a"
    assert scores["a"] == pytest.approx(2 / 62)
    assert scores["x"] == scores["y"] == pytest.approx(1 / 61)
    assert scores["c"] == scores["d"] == pytest.approx(1 / 63)
    assert set(scores) == {"a", "c", "d", "x", "y"}


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
    looked_for, missed = [], []
    for line in EXAMPLE_QUESTIONS.read_text().splitlines():
        q = json.loads(line)
        if not q.get("answerable", True):
            continue
        history = q.get("history", [])
        searched = corpus_service.answerer.rewriter.run(q["question"], history)
        hits = corpus_service.answerer.retriever.run(searched, k=5)
        for ev in q["evidence"]:
            looked_for.append(q["id"])
            if not any(contains(h.chunk.text, ev) for h in hits):
                missed.append((q["id"], ev))
    assert len(looked_for) == 9 and missed == []  # every evidence string of the nine, in the top 5


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


def test_filtered_dense_search_is_exact_and_follows_new_documents(hashing_service, tmp_path):
    """A filter on a few documents is searched over their vectors in memory; it must agree with Chroma's own
    filtered query, and a document added later must be searched too (the held vectors are per generation)."""
    from retrieval.filters import SearchFilter

    folder = tmp_path / "docs"
    folder.mkdir()
    topics = ["caseloads of social workers", "agency staff and vacancies", "assessments of children in need",
              "the quality of supervision", "care leavers and their housing"]
    for n, topic in enumerate(topics):
        lines = [f"Paragraph {k} of report {n} is about {topic}, seen in visit {k}." for k in range(12)]
        (folder / f"report-{n}.txt").write_text(f"Report {n}\n\n" + "\n\n".join(lines) + "\n")
    hashing_service.ingest([folder])
    index = hashing_service.index
    by_name = {m.filename: m.doc_id for m in index.documents()}
    docs = [by_name["report-0.txt"], by_name["report-1.txt"]]
    vec = index.embedder.embed_query("agency staff vacancies")
    dense, _ = index.search_sides("agency staff vacancies", 8, query_vector=vec, search_filter=SearchFilter(doc_ids=tuple(docs)))
    chroma = index.dense.query(vec, 8, where={"doc_id": {"$in": docs}}, model=index.embedder.name)
    assert [i for i, _ in dense] == [i for i, _ in chroma]
    assert np.allclose([s for _, s in dense], [s for _, s in chroma], atol=1e-4)

    (folder / "report-0.txt").write_text("Report 0\n\nAgency staff vacancies fell in the second visit.\n")
    (folder / "report-9.txt").write_text("Report 9\n\nAgency staff were fewer by the third visit.\n")
    hashing_service.ingest([folder])
    new = next(m.doc_id for m in index.documents() if m.filename == "report-9.txt")
    dense, _ = index.search_sides("agency staff vacancies", 8, query_vector=vec,
                                  search_filter=SearchFilter(doc_ids=(docs[0], new)))
    current = set(index.docstore.chunk_ids(docs[0])) | set(index.docstore.chunk_ids(new))
    assert dense and {i for i, _ in dense} == current
