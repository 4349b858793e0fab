"""`QAService`: the one door through which the CLI and every page of the app reach the library.

Front ends hold widgets and flags only: everything they show or change (documents and their
text, status, warm-up, ingestion and uploads, questions and conversations, evaluation runs) is a
method here. They never touch the index, its stores or the embedder.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from answering.answerer import ExtractiveAnswerer
from answering.types import Answer
from core.errors import InspectionQAError, NotFoundError, UnreadableFileError
from core.records import DocumentMeta
from core.settings import Settings
from evaluation.questions import Question
from evaluation.runner import EvaluationRun, EvaluationRunner, Progress
from generation.written import WrittenAnswerer, WrittenStream
from ingest.pipeline import FileOutcome, IngestReport, Ingestor, collect_files
from retrieval.filters import SearchFilter
from retrieval.hybrid import Hit, HybridRetriever
from retrieval.index import Index

from .audit import AuditLog
from .conversations import ConversationStore, ConversationSummary, conversations_dir
from .examples import example_questions
from .page_view import PageHighlight, PageRenderer
from .uploads import discard_upload, in_folder, save_upload, uploads_dir

LOCAL_USER = "local"
PASSAGES_SHOWN = 5  # the nearest passages whose printed page labels an answer carries (front ends show 3)

log = logging.getLogger(__name__)


@dataclass
class UploadOutcome:
    """What became of one uploaded file."""

    upload: str  # the name it was uploaded under
    saved: str  # the name it was saved under ("" if never saved)
    status: str  # added | replaced | unchanged | duplicate | failed
    chunks: int = 0
    reason: str = ""
    warning: str = ""  # added, with something to check ("page 2 has damaged text ...")


class QAService:
    """Everything a front end needs; heavy parts (the model) load on first use (or `warm_up()`)."""

    def __init__(self, settings: Settings, embedder=None, user: str = LOCAL_USER) -> None:
        """`embedder`: an `core.protocols.Embedder` to use instead of the one `settings.embedder` names."""
        self.settings = settings
        self.index = Index(settings, embedder=embedder)
        self._answerer: ExtractiveAnswerer | None = None
        self._written: dict[tuple[str, str], WrittenAnswerer] = {}  # (llm, base URL) -> its written answerer
        # every question is recorded when settings.audit_log names a file; `user` is the default asker
        self.audit = AuditLog(settings.audit_log) if settings.audit_log else None
        self.user = user
        self.conversation_store = ConversationStore(conversations_dir(settings.data_dir))
        self._warming: threading.Thread | None = None
        self._examples: tuple[int, list[str]] | None = None  # (docstore generation, questions)

    @property
    def answerer(self) -> ExtractiveAnswerer:
        if self._answerer is None:
            self._answerer = ExtractiveAnswerer(self.index, self.settings)
        return self._answerer

    # -- documents -------------------------------------------------------------------------
    def refresh(self) -> None:
        """See what other processes (the CLI, another app instance) have ingested or removed since."""
        self.index.refresh()

    def documents(self) -> list[DocumentMeta]:
        """The ingested documents (complete ones only), in the store's order."""
        return self.index.docstore.documents()

    def profiles(self) -> dict:
        """doc_id -> DocumentProfile (bodies, dates, kind, visit number, judgements, each with its span);
        documents of an index written before profiles have theirs computed from the stored text."""
        return self.answerer.library()[1]

    def document_text(self, doc_id: str) -> str | None:
        """The stored clean text of a document (what quotes are cut from), or None once removed."""
        return self.index.docstore.text(doc_id)

    def page_image(self, document: str, page: str, start: int, end: int, crop: bool = False) -> Path:
        """A PNG of the cited page with the quote highlighted (cached under the data folder's pages/).
        `document`, `page`, `start`, `end`: the citation's own, as `ask --json` prints them (`page` as shown to
        the user: its printed label, else its index); `crop`: only the band around the quote. Errors as
        `PageRenderer.run`."""
        return self._page_renderer.run(self._document(document), str(page), start, end, crop=crop)

    def quote_highlights(self, document: str, start: int, end: int) -> list[PageHighlight]:
        """The quote's part on each page it touches, with its line boxes (PDF points)."""
        return self._page_renderer.highlights(self._document(document), start, end)

    def has_page_view(self, doc_id: str) -> bool:
        """Whether a document's citations can be shown on their page: a PDF with fixed pages, still on disk."""
        meta = self.index.docstore.meta(doc_id)
        return bool(meta and meta.filename.lower().endswith(".pdf") and Path(meta.source_path).is_file())

    def _document(self, name: str):
        meta = self.index.resolve(name)
        doc = self.index.docstore.document(meta.doc_id)
        if doc is None:
            raise NotFoundError(f"no document {name!r} in the index")
        return doc

    @property
    def _page_renderer(self) -> PageRenderer:
        return PageRenderer(self.settings.data_dir / "pages")

    def document_texts(self) -> dict[str, str]:
        """File name -> stored text of every document: what evaluation checks quotes against."""
        return {m.filename: self.document_text(m.doc_id) or "" for m in self.documents()}

    def status(self) -> dict:
        """Counts (documents, chunks, dense and lexical entries), model and data folder."""
        return self.index.status()

    @property
    def model_name(self) -> str:
        return self.index.embedder.name

    @staticmethod
    def files_to_ingest(paths: Iterable[Path]) -> list[Path]:
        """The files named, and the files under the folders named (recursively), less sidecars and hidden files."""
        return collect_files(paths)

    def ingest(self, paths: Iterable[Path], on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
        return Ingestor(self.index).run(paths, on_file=on_file)

    def remove(self, name: str, delete_upload: bool = False) -> DocumentMeta:
        """Delete a document (id or file name) from every store; with `delete_upload`, a file of the
        uploads folder is deleted with it (files elsewhere are never touched)."""
        with self.index.write_lock():
            meta = self.index.remove_document(name)
            self.index.rebuild_lexical()
        if delete_upload and self.is_upload(meta):
            discard_upload(meta.source_path, uploads_dir(self.settings.data_dir))
        return meta

    def is_upload(self, meta: DocumentMeta) -> bool:
        """True when the document's file lies in the uploads folder (removing it deletes the file)."""
        return in_folder(meta.source_path, uploads_dir(self.settings.data_dir))

    def add_uploads(self, items: list[tuple[str, bytes, dict]],
                    on_file: Callable[[FileOutcome], None] | None = None) -> list[UploadOutcome]:
        """Save each upload (name, bytes, {title, date, kind}) with its sidecar into the uploads folder,
        ingest them, and say what became of each. A failed or duplicate upload is not kept."""
        folder = uploads_dir(self.settings.data_dir)
        documents = self.documents()
        saved: list[tuple[str, Path, bool]] = []  # (upload name, saved path, a file of that name was there before)
        failed: list[UploadOutcome] = []
        for name, data, meta in items:
            try:
                before = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
                path = save_upload(folder, name, data, documents, self.settings.max_upload_mb, **meta)
                saved.append((name, path, path.name in before))
            except UnreadableFileError as exc:
                failed.append(UploadOutcome(name, "", "failed", reason=exc.reason))
            except OSError as exc:
                failed.append(UploadOutcome(name, "", "failed", reason=f"cannot be saved ({exc.strerror or exc})"))
        if not saved:
            return failed
        by_path = {str(p): (n, existed) for n, p, existed in saved}
        try:
            report = self.ingest([p for _, p, _ in saved], on_file=on_file)
        except InspectionQAError as exc:
            for _, p, existed in saved:
                if not existed:
                    discard_upload(p, folder)
            return failed + [UploadOutcome(n, "", "failed", reason=str(exc)) for n, _, _ in saved]
        rows: dict[str, UploadOutcome] = {}
        for o in report.outcomes:
            upload, existed = by_path.get(o.path, (Path(o.path).name, True))
            if o.status in ("failed", "duplicate") and not existed:
                discard_upload(o.path, folder)  # keep the folder to what the index holds
            rows[o.path] = UploadOutcome(upload, Path(o.path).name, o.status, o.chunks, o.reason, o.warning)
        return failed + list(rows.values())

    # -- questions -------------------------------------------------------------------------
    def ask(self, question: str, history: list[str] | None = None, search_filter: SearchFilter | None = None,
            timeline: bool | None = None, user: str | None = None, previous: Answer | None = None,
            llm: str | None = None, llm_base_url: str | None = None) -> Answer:
        """Answer `question`; `history` (earlier questions, oldest first) and `previous` (the last answer the
        user saw) let a follow-up keep the conversation's subject, body, period and documents.

        `llm` (PROVIDER:MODEL; None: `settings.llm`; "": none) writes the answer in words on top of the quotes,
        every sentence checked against them (generation/); a model that fails leaves the extractive answer with
        a `notice`. `llm_base_url`: its server (None: `settings.llm_base_url`)."""
        answer = self._extractive(question, history, search_filter, timeline, previous)
        written = self.written_answerer(llm, llm_base_url)
        if written is not None:
            answer = written.run(answer)
        self._record(answer, user, search_filter)
        return answer

    def ask_streaming(self, question: str, history: list[str] | None = None,
                      search_filter: SearchFilter | None = None, timeline: bool | None = None,
                      user: str | None = None, previous: Answer | None = None, llm: str | None = None,
                      llm_base_url: str | None = None,
                      on_done: Callable[[Answer], None] | None = None) -> WrittenStream:
        """As `ask`, with the model's words as they come: iterate the stream for them (nothing when no model is
        asked: `live` False), then read `.answer`, the checked answer. It is recorded (audit trail) and handed to
        `on_done` once complete."""
        answer = self._extractive(question, history, search_filter, timeline, previous)

        def done(final: Answer) -> None:
            self._record(final, user, search_filter)
            if on_done is not None:
                on_done(final)

        return WrittenStream(self.written_answerer(llm, llm_base_url), answer, on_done=done)

    def written_answerer(self, llm: str | None = None, llm_base_url: str | None = None) -> WrittenAnswerer | None:
        """The written answerer for `llm` at `llm_base_url` (None: the settings'), one per pair; None when no model
        is set. Raises `ConfigError` for a malformed PROVIDER:MODEL, `UnknownNameError` for an unknown provider."""
        llm = (self.settings.llm if llm is None else llm).strip()
        base_url = (self.settings.llm_base_url if llm_base_url is None else llm_base_url).strip()
        if not llm:
            return None
        key = (llm, base_url)
        if key not in self._written:
            settings = self.settings.replace(llm=llm, llm_base_url=base_url)
            self._written[key] = WrittenAnswerer(settings, embedder=self.index.embedder)
        return self._written[key]

    def _extractive(self, question: str, history: list[str] | None, search_filter: SearchFilter | None,
                    timeline: bool | None, previous: Answer | None) -> Answer:
        self.wait_warm()  # a question asked while the model loads in the background waits for it, not loads it twice
        if not self.index.documents():
            raise NotFoundError(f"the index in {self.settings.data_dir} is empty; run `inspection-qa ingest corpus/` first")
        self.index.check_model()
        if search_filter is not None and not search_filter.empty:
            self.check_filter(search_filter)
        answer = self.answerer.run(question, history=history, search_filter=search_filter, timeline=timeline,
                                   previous=previous)
        for doc_id in dict.fromkeys(h.chunk.doc_id for h in answer.retrieved[:PASSAGES_SHOWN]):
            labels = {p.page: p.label for p in self.index.docstore.pages(doc_id) if p.label}
            if labels:
                answer.page_labels[doc_id] = labels
        return answer

    def _record(self, answer: Answer, user: str | None, search_filter: SearchFilter | None) -> None:
        if self.audit is not None:
            self.audit.record(answer, user or self.user, self.document_hashes(answer), search_filter=search_filter)

    def search(self, query: str, k: int | None = None, search_filter: SearchFilter | None = None) -> list[Hit]:
        """The `k` (default `settings.top_k`) best passages for `query` by the hybrid search (dense and BM25,
        fused by reciprocal rank), best first; the passages a question's answer is chosen from, without the
        answerer's reading of the question. Raises `NotFoundError` when the index is empty."""
        if not self.index.documents():
            raise NotFoundError(f"the index in {self.settings.data_dir} is empty; run `inspection-qa ingest corpus/` first")
        self.index.check_model()
        retriever = HybridRetriever(self.index, candidates=self.settings.candidates, rrf_k=self.settings.rrf_k)
        return retriever.run(query, k or self.settings.top_k, search_filter=search_filter)

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
        self.index.warm_up()
        self.answerer.warm_up()
        written = self.written_answerer()
        if written is not None:
            written.warm_up()

    def start_warm_up(self) -> None:
        """`warm_up()` in a background thread (the app calls this as it opens the service), so the model
        loads while the page is read; a question asked meanwhile waits for it (`wait_warm`)."""
        if self._warming is None:
            # the stores are opened here, in the caller's thread: Chroma's client is shared process-wide and is
            # not to be opened from two threads at once (the page's own calls would race the thread's)
            self.index.refresh()
            self.index.status()  # opens Chroma's client and collection, which open lazily
            self._warming = threading.Thread(target=self._warm_quietly, name="inspection-qa-warm-up", daemon=True)
            self._warming.start()

    def _warm_quietly(self) -> None:
        try:
            self.warm_up()
        except Exception as exc:  # the first question meets (and shows) the same error
            log.warning("background warm-up failed: %s: %s", type(exc).__name__, exc)

    @property
    def warming(self) -> bool:
        """True while a background warm-up is loading the model and indexes."""
        return self._warming is not None and self._warming.is_alive()

    def wait_warm(self, timeout: float | None = None) -> None:
        thread = self._warming
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def example_questions(self, n: int = 3) -> list[str]:
        """Up to `n` questions made from what the ingested documents are about (their kinds, dates, bodies,
        judgements and section headings), for an empty chat; computed once per change of the library."""
        gen = self.index.docstore.generation()
        if self._examples is None or self._examples[0] != gen:
            documents = self.documents()
            profiles = self.profiles() if documents else {}
            store = self.index.docstore
            headings = {m.doc_id: [c.section for c in store.chunks(store.chunk_ids(m.doc_id))] for m in documents}
            self._examples = (gen, example_questions(documents, profiles, headings, n))
        return list(self._examples[1][:n])

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """`(len(texts), dim)` float32 unit vectors from the index's embedder (evaluation's similarity)."""
        return self.index.embedder.embed_documents(texts)

    def conversation(self, search_filter: SearchFilter | None = None, timeline: bool | None = None,
                     user: str | None = None, llm: str | None = None,
                     llm_base_url: str | None = None) -> "Conversation":
        """A chat; `llm`/`llm_base_url` as for `ask` (None: the settings')."""
        return Conversation(self, search_filter=search_filter, timeline=timeline, user=user, llm=llm,
                            llm_base_url=llm_base_url)

    # -- kept conversations (one JSON file each under the data folder, per user) -----------------
    def saved_conversations(self, user: str | None = None) -> list[ConversationSummary]:
        """The user's kept conversations, the latest first; unreadable files are skipped with a WARNING."""
        return self.conversation_store.list(user or self.user)

    def save_conversation(self, conversation: "Conversation") -> str:
        """Keep `conversation` (its answers with their citations) for its user; sets and returns its id."""
        conversation.id = self.conversation_store.save(conversation.user or self.user, conversation.turns,
                                                  conversation_id=conversation.id)
        return conversation.id

    def open_conversation(self, conversation_id: str, user: str | None = None) -> "Conversation":
        """A kept conversation of `user`, ready for follow-ups (its turns hold the earlier answers);
        NotFoundError if it is not theirs, gone or unreadable."""
        saved = self.conversation_store.load(user or self.user, conversation_id)
        return Conversation(self, turns=saved.turns, user=user, id=saved.id)

    def rename_conversation(self, conversation_id: str, title: str, user: str | None = None) -> ConversationSummary:
        return self.conversation_store.rename(user or self.user, conversation_id, title)

    def delete_conversation(self, conversation_id: str, user: str | None = None) -> None:
        self.conversation_store.delete(user or self.user, conversation_id)

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, questions: list[Question], output: Path | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 search_filter: SearchFilter | None = None) -> EvaluationRun:
        """Answer a question set (one conversation per question), appending records to `output` as they come."""
        return EvaluationRunner(self, search_filter=search_filter).run(questions, output=output, on_progress=on_progress)


@dataclass
class Conversation:
    """A chat: each question is searched in the light of the earlier ones."""

    service: QAService
    search_filter: SearchFilter | None = None
    turns: list[Answer] = field(default_factory=list)

    timeline: bool | None = None
    user: str | None = None  # who asks (the audit trail's user); None: the service's default
    id: str | None = None  # its kept file's id once saved (`QAService.save_conversation`)
    llm: str | None = None  # the language model that writes answers (PROVIDER:MODEL); None: the settings', "": none
    llm_base_url: str | None = None  # its server; None: the settings'

    def ask(self, question: str) -> Answer:
        answer = self.service.ask(question, **self._context())
        self.turns.append(answer)
        return answer

    def ask_streaming(self, question: str) -> WrittenStream:
        """As `ask`, streaming the model's words (`QAService.ask_streaming`); the checked answer joins the
        conversation once the stream is complete."""
        return self.service.ask_streaming(question, on_done=self.turns.append, **self._context())

    def _context(self) -> dict:
        return {"history": [t.searched_question for t in self.turns], "search_filter": self.search_filter,
                "timeline": self.timeline, "user": self.user, "previous": self.turns[-1] if self.turns else None,
                "llm": self.llm, "llm_base_url": self.llm_base_url}
