"""The one entry point the CLI and the app share: an index, an ingestor and an answerer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from answering.answerer import ExtractiveAnswerer
from answering.types import Answer
from core.errors import NotFoundError
from core.protocols import Embedder
from core.settings import Settings
from ingest.pipeline import FileOutcome, Ingestor, IngestReport
from retrieval.filters import SearchFilter
from retrieval.index import Index

from .audit import AuditLog

LOCAL_USER = "local"


class QAService:
    """Everything a front end needs; heavy parts (the model) load on first use."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, user: str = LOCAL_USER) -> None:
        self.settings = settings
        self.index = Index(settings, embedder=embedder)
        self._answerer: ExtractiveAnswerer | None = None
        # every question is recorded when settings.audit_log names a file; `user` is the default asker
        self.audit = AuditLog(settings.audit_log) if settings.audit_log else None
        self.user = user

    @property
    def answerer(self) -> ExtractiveAnswerer:
        if self._answerer is None:
            self._answerer = ExtractiveAnswerer(self.index, self.settings)
        return self._answerer

    def ingest(self, paths: Iterable[Path], on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
        return Ingestor(self.index).run(paths, on_file=on_file)

    def remove(self, name: str):
        with self.index.write_lock():
            meta = self.index.remove_document(name)
            self.index.rebuild_lexical()
        return meta

    def ask(self, question: str, history: list[str] | None = None, search_filter: SearchFilter | None = None,
            timeline: bool | None = None, user: str | None = None) -> Answer:
        if self.index.docstore.counts()["documents"] == 0:
            raise NotFoundError(f"the index in {self.settings.data_dir} is empty; run `inspection-qa ingest corpus/` first")
        self.index.check_model()
        if search_filter is not None and not search_filter.empty:
            self.check_filter(search_filter)
        answer = self.answerer.run(question, history=history, search_filter=search_filter, timeline=timeline)
        if self.audit is not None:
            self.audit.record(answer, user or self.user, self.document_hashes(answer), search_filter=search_filter)
        return answer

    def document_hashes(self, answer: Answer) -> dict[str, str]:
        """doc_id -> SHA-256 of the file each cited document was ingested from."""
        hashes = {}
        for doc_id in {c.doc_id for c in answer.citations}:
            meta = self.index.docstore.meta(doc_id)
            if meta is not None:
                hashes[doc_id] = meta.sha256
        return hashes

    def make_filter(self, docs=(), kinds=(), since: str | None = None, until: str | None = None) -> SearchFilter | None:
        """A filter from user input; document names may be ids or file names."""
        ids = tuple(self.index.resolve(d).doc_id for d in docs)
        f = SearchFilter(doc_ids=ids, kinds=tuple(kinds), since=since, until=until)
        return None if f.empty else f

    def check_filter(self, search_filter: SearchFilter) -> None:
        if not self.index.matching_documents(search_filter):
            raise NotFoundError(
                f"no ingested document matches the filter ({search_filter.describe()}); "
                "`inspection-qa status` lists the documents with their kinds and dates"
            )

    def warm_up(self) -> None:
        """Load the model and the indexes now, so the first question's latency is a question's."""
        self.index.refresh()
        self.index.embedder.embed_query("warm up")

    def conversation(self, search_filter: SearchFilter | None = None, timeline: bool | None = None,
                     user: str | None = None) -> "Conversation":
        return Conversation(self, search_filter=search_filter, timeline=timeline, user=user)

    def status(self) -> dict:
        return self.index.status()


@dataclass
class Conversation:
    """A chat: each question is searched in the light of the earlier ones."""

    service: QAService
    search_filter: SearchFilter | None = None
    turns: list[Answer] = field(default_factory=list)

    timeline: bool | None = None
    user: str | None = None  # who asks (the audit trail's user); None: the service's default

    def ask(self, question: str) -> Answer:
        history = [t.searched_question for t in self.turns]
        answer = self.service.ask(question, history=history, search_filter=self.search_filter, timeline=self.timeline,
                                  user=self.user)
        self.turns.append(answer)
        return answer
