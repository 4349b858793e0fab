"""The document store kept on a Chroma server, so several app instances share one index.

Each document is one record of a `documents` collection: the clean text as its document, its
metadata, pages, blocks and chunk records as metadata (JSON). A `__state__` record holds the
generation. Readers keep an in-memory copy, reloaded when the generation moves on.

Writers are serialised by the data folder's file lock, which holds on one machine: run ingestion
from one place at a time (the README's "running for a team" says so).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Iterator

import numpy as np

from core.records import Block, Chunk, Document, DocumentMeta, DocumentProfile, PageSpan, Span

from .docstore import decode_vectors, encode_vectors

COLLECTION = "inspection-qa-documents"
STATE_ID = "__state__"
_DUMMY = [1.0]  # Chroma wants a vector per record; these records are looked up by id, never searched
# stored key -> DocumentMeta attribute (the server keeps the key "kind" of earlier versions)
_META_FIELDS = {"filename": "filename", "title": "title", "date": "date", "kind": "source_kind",
                "publisher": "publisher", "sha256": "sha256", "source_path": "source_path", "date_source": "date_source"}


class ChromaDocStore:
    """The `DocStore` interface on a Chroma server (see retrieval/docstore.py for the contract)."""

    def __init__(self, client_factory, collection: str = COLLECTION) -> None:
        self._client_factory = client_factory
        self.collection_name = collection
        self._col = None
        self._sentences = None
        self._lock = threading.Lock()
        self._generation = -1
        self._docs: dict[str, dict] = {}

    # -- connection and cache ------------------------------------------------------------------
    def _collection(self):
        if self._col is None:
            self._col = self._client_factory().get_or_create_collection(
                self.collection_name, embedding_function=None, metadata={"role": "inspection-qa documents"}
            )
        return self._col

    def _sentence_collection(self):
        if self._sentences is None:
            self._sentences = self._client_factory().get_or_create_collection(
                f"{self.collection_name}-sentences",  # per chunk, its sentences' vectors (float16, base64)
                embedding_function=None, metadata={"role": "inspection-qa sentence vectors"},
            )
        return self._sentences

    def generation(self) -> int:
        got = self._collection().get(ids=[STATE_ID], include=["metadatas"])
        return int(got["metadatas"][0]["generation"]) if got["ids"] else 0

    def _fresh(self) -> dict[str, dict]:
        gen = self.generation()
        if gen != self._generation:
            with self._lock:
                docs: dict[str, dict] = {}
                offset = 0
                while True:
                    got = self._collection().get(include=["documents", "metadatas"], limit=200, offset=offset)
                    for rid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                        if rid != STATE_ID:
                            docs[rid] = {"text": text, **meta}
                    if len(got["ids"]) < 200:
                        break
                    offset += len(got["ids"])
                self._docs, self._generation = docs, gen
        return self._docs

    def close(self) -> None:
        self._col = None
        self._sentences = None

    # -- writes ----------------------------------------------------------------------------------
    def _bump(self) -> None:
        self._collection().upsert(ids=[STATE_ID], embeddings=[_DUMMY], documents=[""],
                                  metadatas=[{"generation": self.generation() + 1}])

    def bump_generation(self) -> int:
        self._bump()
        return self.generation()

    def put(self, doc: Document, chunks: list[Chunk], sentence_vectors: list[np.ndarray] | None = None) -> None:
        m = doc.meta
        self._sentence_collection().delete(where={"doc_id": m.doc_id})
        if sentence_vectors is not None:
            rows = [(c.id, v) for c, v in zip(chunks, sentence_vectors) if len(v)]
            batch = max(1, min(1000, self._client_factory().get_max_batch_size()))
            for i in range(0, len(rows), batch):
                part = rows[i:i + batch]
                self._sentence_collection().upsert(
                    ids=[cid for cid, _ in part], embeddings=[_DUMMY] * len(part), documents=[""] * len(part),
                    metadatas=[{"doc_id": m.doc_id, "dim": int(v.shape[1]),
                                "data": base64.b64encode(encode_vectors(v)).decode("ascii")}
                               for _, v in part],
                )
        meta = {key: (getattr(m, attr) or "") for key, attr in _META_FIELDS.items()}
        meta.update(
            doc_id=m.doc_id, complete=0, ingested_at=time.time(), n_chunks=len(chunks),
            pages=json.dumps([p.to_row() for p in doc.pages]),
            blocks=json.dumps([[b.block_kind, b.start, b.end, b.section] for b in doc.blocks]),
            chunks=json.dumps([[c.id, c.ordinal, c.start, c.end, list(c.pages), c.section,
                                [[s.start, s.end] for s in c.sentences]] for c in chunks]),
            profile=json.dumps(m.profile.to_dict()) if m.profile is not None else "",
        )
        self._collection().upsert(ids=[m.doc_id], embeddings=[_DUMMY], documents=[doc.text], metadatas=[meta])
        self._bump()

    def mark_complete(self, doc_id: str) -> None:
        self._collection().update(ids=[doc_id], metadatas=[{"complete": 1}])
        self._bump()

    def delete(self, doc_id: str) -> None:
        self._collection().delete(ids=[doc_id])
        self._sentence_collection().delete(where={"doc_id": doc_id})
        self._bump()

    # -- reads -----------------------------------------------------------------------------------
    def _meta(self, rec: dict) -> DocumentMeta:
        return DocumentMeta(
            doc_id=rec["doc_id"], filename=rec["filename"], title=rec["title"], date=rec["date"] or None,
            source_kind=rec["kind"], publisher=rec["publisher"] or None, sha256=rec["sha256"],
            source_path=rec["source_path"], date_source=rec["date_source"],
            profile=DocumentProfile.from_dict(json.loads(rec["profile"])) if rec.get("profile") else None,
        )

    def meta(self, doc_id: str, include_incomplete: bool = False) -> DocumentMeta | None:
        rec = self._fresh().get(doc_id)
        if rec is None or (not rec["complete"] and not include_incomplete):
            return None
        return self._meta(rec)

    def documents(self, include_incomplete: bool = False) -> list[DocumentMeta]:
        metas = [self._meta(r) for r in self._fresh().values() if r["complete"] or include_incomplete]
        return sorted(metas, key=lambda m: (m.date is None, m.date or "", m.filename))

    def incomplete(self) -> list[str]:
        return [d for d, r in self._fresh().items() if not r["complete"]]

    def find_by_sha(self, sha256: str) -> DocumentMeta | None:
        return next((self._meta(r) for r in self._fresh().values() if r["complete"] and r["sha256"] == sha256), None)

    def document(self, doc_id: str) -> Document | None:
        rec = self._fresh().get(doc_id)
        if rec is None or not rec["complete"]:
            return None
        return Document(meta=self._meta(rec), text=rec["text"], pages=self._pages(rec),
                        blocks=[Block(*b) for b in json.loads(rec["blocks"])])

    def text(self, doc_id: str) -> str | None:
        rec = self._fresh().get(doc_id)
        return rec["text"] if rec is not None and rec["complete"] else None

    @staticmethod
    def _pages(rec: dict) -> list[PageSpan]:
        return [PageSpan.from_row(p) for p in json.loads(rec["pages"])]

    def pages(self, doc_id: str) -> list[PageSpan]:
        rec = self._fresh().get(doc_id)
        return self._pages(rec) if rec is not None else []

    def _chunks_of(self, rec: dict) -> list[Chunk]:
        out = []
        for cid, ordinal, start, end, pages, section, sentences in json.loads(rec["chunks"]):
            out.append(Chunk(
                id=cid, doc_id=rec["doc_id"], filename=rec["filename"], title=rec["title"], date=rec["date"] or None,
                source_kind=rec["kind"], start=start, end=end, pages=tuple(pages), section=section,
                sentences=tuple(Span(s, e) for s, e in sentences), text=rec["text"][start:end], ordinal=ordinal,
            ))
        return out

    def chunks(self, ids: list[str]) -> list[Chunk]:
        wanted = set(ids)
        found = {c.id: c for rec in self._fresh().values() if rec["complete"]
                 for c in self._chunks_of(rec) if c.id in wanted}
        return [found[i] for i in ids if i in found]

    def iter_chunks(self, include_incomplete: bool = False) -> Iterator[Chunk]:
        for doc_id in sorted(self._fresh()):
            rec = self._docs[doc_id]
            if rec["complete"] or include_incomplete:
                yield from self._chunks_of(rec)

    def chunk_ids(self, doc_id: str) -> list[str]:
        rec = self._fresh().get(doc_id)
        return [c[0] for c in json.loads(rec["chunks"])] if rec is not None else []

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        got = self._sentence_collection().get(ids=list(chunk_ids), include=["metadatas"])
        return {
            cid: decode_vectors(base64.b64decode(meta["data"]), int(meta["dim"]))
            for cid, meta in zip(got["ids"], got["metadatas"])
        }

    def complete_chunk_ids(self) -> set[str]:
        return {c[0] for r in self._fresh().values() if r["complete"] for c in json.loads(r["chunks"])}

    def counts(self) -> dict[str, int]:
        complete = [r for r in self._fresh().values() if r["complete"]]
        return {"documents": len(complete), "chunks": sum(int(r["n_chunks"]) for r in complete)}
