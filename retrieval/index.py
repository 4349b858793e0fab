"""The index: document store, Chroma and BM25 kept in step, behind one write lock.

Writers (ingest, remove) take a file lock on the data folder, so two processes never
interleave; a document becomes visible only once every store holds it (its `complete` flag is
set last). Readers never lock: they notice a new generation and reload what changed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Iterator

import numpy as np

from core.errors import IndexBusyError, NotFoundError
from core.protocols import Embedder
from core.records import Chunk, Document, DocumentMeta
from core.settings import Settings
from core.text import fold, strip_accents

from . import crashpoints
from .dense import ChromaDenseStore
from .docstore import DocStore
from .docstore_chroma import ChromaDocStore
from .embedders import make_embedder
from .filters import SearchFilter
from .lexical import BM25Index

log = logging.getLogger(__name__)

# A filter keeping at most this many chunks is searched exactly, over the vectors of its documents held in
# memory (Chroma's metadata filter costs several times an unfiltered query); above it, the index is searched
# wider without the filter and the allowed chunks kept, with the filter as the fallback when too few remain.
WIDE_FILTER_CHUNKS = 2000
HELD_VECTORS = 50000  # chunk vectors held for exact filtered search, at most (about 77 MB at 384 dimensions)
HELD_CHUNKS = 20000  # chunk records held between questions, at most (a chunk is immutable: its id is its content)


class Index:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.chroma_url:  # a shared server: documents and vectors live there, BM25 is rebuilt locally
            self.dense = ChromaDenseStore(url=settings.chroma_url)
            self.docstore = ChromaDocStore(self.dense.client)
        else:
            self.dense = ChromaDenseStore(path=self.data_dir / "chroma")
            self.docstore = DocStore(self.data_dir / "documents.sqlite3")
        self.lexical = BM25Index(self.data_dir / "bm25")
        self._embedder = embedder
        self._seen_generation = -1
        self._refresh_lock = threading.Lock()
        self._status: dict | None = None
        self._documents_cache: tuple[int, list[DocumentMeta]] = (-1, [])
        self._chunk_ids_cache: tuple[int, dict[str, list[str]]] = (-1, {})
        self._chunk_cache: tuple[int, dict[str, Chunk]] = (-1, {})
        self._vectors_lock = threading.Lock()
        self._doc_vectors: tuple[int, dict[str, tuple[list[str], np.ndarray]]] = (-1, {})

    # -- parts -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
        return self._embedder

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.data_dir / "write.lock"))
        try:
            lock.acquire(timeout=self.settings.lock_timeout_s)
        except Timeout:
            raise IndexBusyError(
                f"another process is writing to {self.data_dir} (waited {self.settings.lock_timeout_s:.0f} s); "
                "try again when it has finished"
            ) from None
        try:
            self.dense.reopen()
            yield
        finally:
            lock.release()

    # -- writes (call inside write_lock) ---------------------------------------------------
    def crash_point(self, name: str) -> None:
        crashpoints.reached(name)

    def document_meta(self, doc_id: str) -> DocumentMeta | None:
        return self.docstore.meta(doc_id)

    def find_by_sha(self, sha256: str) -> DocumentMeta | None:
        return self.docstore.find_by_sha(sha256)

    def repair(self) -> list[str]:
        """Drop documents a killed writer left half-written, and vectors no document owns;
        bring BM25 in step with the document store."""
        broken = self.docstore.incomplete()
        lagging = self.lexical.stored_generation() != self.docstore.generation()
        for doc_id in broken:
            self.docstore.delete(doc_id)
        if broken or lagging:
            orphans = sorted(set(self.dense.all_ids()) - self.docstore.complete_chunk_ids())
            self.dense.delete_ids(orphans)
            self.rebuild_lexical()
        return broken

    def add_documents(self, batch: list[tuple[Document, list[Chunk], np.ndarray, list[np.ndarray] | None]]) -> None:
        """Replace any earlier version of each document with this one, in every store.

        Order matters for crash safety: the document store first (not yet complete, so readers
        skip them), then Chroma (one write for the whole batch), then the flags that make each
        visible; stale vectors go last. A crash leaves whole documents or none (`repair`)."""
        old_ids: set[str] = set()
        for doc, chunks, _, sentence_vectors in batch:
            old_ids.update(self.docstore.chunk_ids(doc.meta.doc_id))
            self.docstore.put(doc, chunks, sentence_vectors)
        self.crash_point("after-docstore")
        all_chunks = [c for _, chunks, _, _ in batch for c in chunks]
        if all_chunks:
            self.dense.add(all_chunks, np.concatenate([v for _, _, v, _ in batch]), self.embedder.name)
        self.crash_point("after-dense")
        for doc, _, _, _ in batch:
            self.docstore.mark_complete(doc.meta.doc_id)
        self.crash_point("after-complete")
        self.dense.delete_ids(sorted(old_ids - {c.id for c in all_chunks}))

    def remove_document(self, doc_id: str) -> DocumentMeta:
        meta = self.resolve(doc_id)
        ids = self.docstore.chunk_ids(meta.doc_id)
        self.docstore.delete(meta.doc_id)  # absent for readers from here on
        self.crash_point("after-remove-docstore")
        self.dense.delete_ids(ids)
        return meta

    def rebuild_lexical(self) -> None:
        ids, texts = [], []
        for chunk in self.docstore.iter_chunks():
            ids.append(chunk.id)
            texts.append(chunk.embedding_text())
        self.lexical.build(ids, texts, self.docstore.generation())

    # -- reads -----------------------------------------------------------------------------
    def resolve(self, name: str) -> DocumentMeta:
        """A document by id or file name."""
        meta = self.docstore.meta(name)
        if meta is None:
            matches = [m for m in self.docstore.documents() if name in (m.filename, Path(m.source_path).name)]
            if len(matches) == 1:
                meta = matches[0]
        if meta is None:
            known = ", ".join(m.doc_id for m in self.docstore.documents()) or "none yet"
            raise NotFoundError(f"no document {name!r} in the index; known documents: {known}")
        return meta

    def refresh(self) -> None:
        """Reload the lexical index and reopen Chroma if another process changed the index."""
        gen = self.docstore.generation()
        if gen == self._seen_generation:
            return
        with self._refresh_lock:
            if gen == self._seen_generation:
                return
            # the first refresh too: another index of this process may hold a stale view of the folder
            self.dense.reopen(force=self._seen_generation == -1)
            if self.lexical.stored_generation() == gen:
                self.lexical.load()
            else:  # a writer died before saving BM25, or is saving it now: index what is stored
                log.info("the saved lexical index lags the document store; indexing in memory")
                chunks = list(self.docstore.iter_chunks())
                self.lexical.build_in_memory([c.id for c in chunks], [c.embedding_text() for c in chunks], gen)
            self._seen_generation = gen

    def check_model(self) -> None:
        """Querying with another model than the one that built the index is an error."""
        self.dense.collection(self.embedder.name, create=False)

    def search_sides(
        self, query: str, n: int, query_vector: np.ndarray | None = None, search_filter: SearchFilter | None = None,
        dense_side: bool = True,
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The `n` best chunk ids with scores from the dense side (cosine) and the lexical side (BM25), within
        `search_filter`; `dense_side=False` searches BM25 alone (the dense list comes back empty)."""
        self.refresh()
        where, allowed = None, None
        if search_filter is not None and not search_filter.empty:
            docs = self.matching_documents(search_filter)
            if not docs:
                return [], []
            ids = [m.doc_id for m in docs]
            where = search_filter.chroma_where(ids)
            allowed = self._chunk_ids_of(ids)
        if not dense_side:
            return [], self.lexical.search(query, n, allowed=allowed)
        vec = query_vector if query_vector is not None else self.embedder.embed_query(query)
        dense = None
        if where is not None and len(allowed) <= WIDE_FILTER_CHUNKS:
            dense = self._exact_dense(vec, ids, n)
        elif where is not None:
            # a filter that keeps much of a large index: a metadata filter over many ids is slow in Chroma,
            # so search wider and keep the allowed chunks, falling back to the filter when too few remain
            wide = self.dense.query(vec, n * 4, where=None, model=self.embedder.name)
            kept = [(i, score) for i, score in wide if i in allowed]
            if len(kept) >= n:
                dense = kept[:n]
        if dense is None:
            dense = self.dense.query(vec, n, where=where, model=self.embedder.name)
        lexical = self.lexical.search(query, n, allowed=allowed)
        return dense, lexical

    def warm_up(self) -> None:
        """Load the model and the lexical index; hold every chunk vector for exact filtered search when
        the index has at most `HELD_VECTORS` chunks (else they are fetched per document on first use)."""
        self.refresh()
        self.embedder.embed_query("warm up")
        docs = [m.doc_id for m in self.documents()]
        if len(self._chunk_ids_of(docs)) <= HELD_VECTORS:
            self._held_vectors(docs)

    def _held_vectors(self, doc_ids: list[str]) -> list[tuple[list[str], np.ndarray]] | None:
        """Per document, in order: (its chunk ids, their vectors as rows), fetched from Chroma once per document
        and generation and held (under a lock: the app asks from several threads); None when Chroma lacks
        some vector (being written, or lost: Chroma's own filter answers then)."""
        with self._vectors_lock:
            gen = self.docstore.generation()
            if self._doc_vectors[0] != gen:
                self._doc_vectors = (gen, {})
            held = self._doc_vectors[1]
            missing = [d for d in doc_ids if d not in held]
            if missing:
                if sum(len(ids) for ids, _ in held.values()) > HELD_VECTORS:
                    held.clear()
                wanted = {d: sorted(self._chunk_ids_of([d])) for d in missing}
                got = self.dense.vectors([i for ids in wanted.values() for i in ids], self.embedder.name)
                for d, ids in wanted.items():
                    if not all(i in got for i in ids):
                        return None
                    held[d] = (ids, np.stack([got[i] for i in ids]) if ids else np.zeros((0, 0), dtype=np.float32))
            return [held[d] for d in doc_ids]

    def _exact_dense(self, vec: np.ndarray, doc_ids: list[str], n: int) -> list[tuple[str, float]] | None:
        """The `n` chunks of these documents nearest `vec` by cosine, computed exactly over their held
        vectors; None when they cannot be held."""
        held = self._held_vectors(doc_ids)
        if held is None:
            return None
        parts = [part for part in held if part[0]]
        if not parts:
            return []
        ids = [i for part_ids, _ in parts for i in part_ids]
        matrix = np.concatenate([m for _, m in parts])
        q = np.asarray(vec, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(q) or 1.0)
        sims = matrix @ q / np.where(norms == 0, 1.0, norms)
        top = np.argsort(-sims, kind="stable")[:n]
        return [(ids[i], float(sims[i])) for i in top]

    def mentions(self, phrase: str, doc_ids: list[str], n: int = 50) -> bool:
        """Whether a passage of these documents contains `phrase`, compared folded (case, accents, curly
        quotes, whitespace); the passages read are the `n` that BM25 ranks best for the phrase's words."""
        key = strip_accents(fold(phrase))
        hits = self.lexical.search(phrase, n, allowed=self._chunk_ids_of(doc_ids))
        return any(key in strip_accents(fold(c.text)) for c in self.chunks([i for i, _ in hits]))

    def _chunk_ids_of(self, doc_ids: list[str]) -> set[str]:
        """The chunk ids of these documents, from a per-generation cache of each document's ids."""
        gen = self.docstore.generation()
        if self._chunk_ids_cache[0] != gen:
            self._chunk_ids_cache = (gen, {})
        cache = self._chunk_ids_cache[1]
        out: set[str] = set()
        for d in doc_ids:
            if d not in cache:
                cache[d] = self.docstore.chunk_ids(d)
            out.update(cache[d])
        return out

    def documents(self) -> list[DocumentMeta]:
        """The complete documents, read once per generation."""
        gen = self.docstore.generation()
        if self._documents_cache[0] != gen:
            self._documents_cache = (gen, self.docstore.documents())
        return self._documents_cache[1]

    def matching_documents(self, search_filter: SearchFilter) -> list[DocumentMeta]:
        return [m for m in self.documents() if search_filter.matches(m)]

    def chunks(self, ids: list[str]) -> list[Chunk]:
        """Chunks by id, in the order asked, as `DocStore.chunks`; held in memory for the generation."""
        gen = self.docstore.generation()
        if self._chunk_cache[0] != gen:
            self._chunk_cache = (gen, {})
        held = self._chunk_cache[1]
        found = {i: c for i in ids if (c := held.get(i)) is not None}
        missing = [i for i in ids if i not in found]
        if missing:
            fetched = {c.id: c for c in self.docstore.chunks(missing)}
            if len(held) + len(fetched) > HELD_CHUNKS:
                held.clear()
            held.update(fetched)  # another thread may clear it meanwhile: the answer uses its own copies
            found.update(fetched)
        return [found[i] for i in ids if i in found]

    def status(self) -> dict:
        """Counts for the CLI and the app's sidebar; computed once per generation, as listing
        every vector id costs O(chunks)."""
        self.refresh()
        gen = self.docstore.generation()
        cached = self._status
        if cached is not None and cached["generation"] == gen:
            return dict(cached)
        counts = self.docstore.counts()
        self._status = {
            "data_dir": str(self.data_dir),
            "documents": counts["documents"],
            "chunks": counts["chunks"],
            "dense_chunks": len(set(self.dense.all_ids()) & self.docstore.complete_chunk_ids()),
            "dense_entries": self.dense.count(),
            "lexical_chunks": len(self.lexical.ids),
            "model": self.dense.stored_model() or self.embedder.name,
            "generation": gen,
        }
        return dict(self._status)
