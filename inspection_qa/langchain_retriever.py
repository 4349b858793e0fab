"""The project's hybrid search (dense and BM25, fused by reciprocal rank) as a LangChain `BaseRetriever`.

    from inspection_qa.langchain_retriever import InspectionRetriever
    retriever = InspectionRetriever.from_data_dir(".data", k=4)
    docs = retriever.invoke("What did inspectors find about assessments?")

Each `Document`'s `page_content` is a passage's text; its `metadata` says where it stands: `document` (file
name), `doc_id`, `title`, `date`, `kind`, `page` (the first, 1-based in the file; None for a Word file or web
page), `pages`, `section`, `start` and `end` (character offsets of the passage in the document's stored text,
which `document_text` returns), `score` (the fused RRF score, higher is better) and the two sides' `dense`
(cosine) and `lexical` (BM25) scores, None where that side did not find it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from core.settings import Settings
from retrieval.hybrid import Hit

from .environment import apply_offline_defaults, settings_from_environment
from .service import QAService


def to_document(hit: Hit) -> Document:
    c = hit.chunk
    return Document(page_content=c.text, id=c.id, metadata={
        "document": c.filename, "doc_id": c.doc_id, "title": c.title, "date": c.date, "kind": c.source_kind,
        "page": c.page, "pages": list(c.pages), "section": c.section, "start": c.start, "end": c.end,
        "chunk_id": c.id, "score": float(hit.score), "dense": hit.dense, "lexical": hit.lexical,
    })


class InspectionRetriever(BaseRetriever):
    """LangChain retriever over an ingested index. `service`: a `QAService`; `k`: passages returned (a call's
    `k=` overrides it); `search_filter`: a `retrieval.filters.SearchFilter` (`QAService.make_filter`), or None.
    Raises `NotFoundError` when the index is empty, `ModelMismatchError` when it was built with another model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    service: Any = Field(description="The QAService whose index is searched")
    k: int = Field(default=4, ge=1, le=100)
    search_filter: Any = None

    @classmethod
    def from_data_dir(cls, data_dir: str | Path | None = None, settings: Settings | None = None,
                      **kwargs: Any) -> "InspectionRetriever":
        """A retriever over the index in `data_dir` (default: `INSPECTION_QA_DATA_DIR`, else `.data`), with the
        other settings from the environment, as the CLI reads them."""
        apply_offline_defaults()
        if settings is None:
            settings = settings_from_environment(**({"data_dir": Path(data_dir)} if data_dir is not None else {}))
        return cls(service=QAService(settings), **kwargs)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        hits = self.service.search(query, k=k or self.k, search_filter=self.search_filter)
        return [to_document(h) for h in hits]
