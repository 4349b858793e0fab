"""The project's hybrid search as a LangChain `BaseRetriever`: LangChain's own standard retriever tests
(langchain-tests), and the metadata that places each passage in its document."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from core.settings import Settings
from inspection_qa.langchain_retriever import InspectionRetriever
from inspection_qa.service import QAService
from tests.paths import CORPUS, FIXTURES


@cache
def corpus_service() -> QAService:
    """The corpus and the planted letters in a hashing-embedder index (built once per test run; the standard
    tests construct the retriever from plain parameters, so no pytest fixture can supply it)."""
    folder = Path(tempfile.mkdtemp(prefix="inspection-qa-retriever-"))
    import atexit

    atexit.register(shutil.rmtree, folder, True)
    service = QAService(Settings(data_dir=folder / "data", embedder="hashing"))
    assert not service.ingest([CORPUS, *sorted((FIXTURES / "planted").glob("*.txt"))]).failures
    return service


class TestInspectionRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[InspectionRetriever]:
        return InspectionRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"service": corpus_service(), "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return "What did inspectors find about assessments?"


def test_documents_carry_document_page_offsets_and_score():
    service = corpus_service()
    docs = InspectionRetriever(service=service, k=5).invoke("caseloads and supervision in Oakvale")
    assert len(docs) == 5 and all(isinstance(d, Document) for d in docs)
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    texts = service.document_texts()
    for d in docs:
        m = d.metadata
        assert {"document", "doc_id", "title", "date", "kind", "page", "pages", "section", "start", "end",
                "score", "dense", "lexical"} <= m.keys()
        assert texts[m["document"]][m["start"]:m["end"]] == d.page_content
    pdf = [d for d in InspectionRetriever(service=service, k=10).invoke("assessments") if d.metadata["page"]]
    assert pdf and all(d.metadata["page"] == d.metadata["pages"][0] >= 1 for d in pdf)


def test_a_filter_restricts_the_search():
    service = corpus_service()
    only = service.make_filter(docs=["oakvale-2032-monitoring-visit.txt"])
    docs = InspectionRetriever(service=service, k=3, search_filter=only).invoke("children")
    assert docs and {d.metadata["document"] for d in docs} == {"oakvale-2032-monitoring-visit.txt"}
