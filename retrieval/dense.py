"""The dense side: a Chroma collection that stores vectors the project computed.

Chroma never embeds here: every add and query passes vectors, the collection is created with
no embedding function, and the model that made the vectors is recorded in its metadata.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import ConfigError, CorruptIndexError, ModelMismatchError
from core.records import Chunk

log = logging.getLogger(__name__)
COLLECTION = "inspection-qa-chunks"


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Flat metadata for Chroma `where` filters (no None values allowed there)."""
    date = chunk.date or ""
    digits = (date.replace("-", "") + "0000")[:8] if date else ""
    return {
        "doc_id": chunk.doc_id,
        "kind": chunk.source_kind,
        "date": date,
        "date_num": int(digits) if digits else -1,
        "page": chunk.page or 0,
    }


class ChromaDenseStore:
    """A persistent Chroma collection under `path`, or one on a Chroma server at `url`."""

    def __init__(self, path: Path | None = None, url: str | None = None, collection: str = COLLECTION) -> None:
        if (path is None) == (url is None):
            raise ConfigError("the dense store needs exactly one of a data folder or a Chroma server URL")
        self.path = Path(path) if path is not None else None
        self.url = url
        self.collection_name = collection
        self._client = None
        self._collection = None

    # -- connection ------------------------------------------------------------------------
    def _client_(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if self.url:
                from urllib.parse import urlparse

                parsed = urlparse(self.url)
                if not parsed.hostname or parsed.scheme not in ("http", "https"):
                    raise ConfigError(f"Chroma URL {self.url!r} must look like http://HOST:PORT")
                try:
                    self._client = chromadb.HttpClient(
                        host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                        ssl=parsed.scheme == "https", settings=chroma_settings,
                    )
                    self._client.heartbeat()
                except Exception as exc:  # noqa: BLE001 - connection errors come in many types
                    self._client = None
                    raise ConfigError(
                        f"cannot reach the Chroma server at {self.url} ({type(exc).__name__}); "
                        "start one with `chroma run --path DIR --host 127.0.0.1 --port PORT`"
                    ) from None
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                try:
                    self._client = chromadb.PersistentClient(path=str(self.path), settings=chroma_settings)
                except Exception as exc:  # noqa: BLE001
                    raise CorruptIndexError(f"{self.path}: the Chroma store cannot be opened ({exc})") from exc
        return self._client

    def client(self):
        """The Chroma client (shared with the server-side document store)."""
        return self._client_()

    def collection(self, model: str | None = None, create: bool = True):
        """The collection; created for `model` if missing; a different model is an error."""
        if self._collection is None:
            client = self._client_()
            if create:
                self._collection = client.get_or_create_collection(
                    self.collection_name,
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"embedding_model": model or "unknown"},
                )
            else:
                try:
                    self._collection = client.get_collection(self.collection_name, embedding_function=None)
                except Exception:  # noqa: BLE001 - missing collection: nothing ingested yet
                    return None
        stored = (self._collection.metadata or {}).get("embedding_model")
        if model and stored and stored != "unknown" and stored != model:
            stored_backend, _, stored_name = stored.rpartition("/")
            if stored_name == model.rpartition("/")[2] and stored_backend:
                # same model, another backend (e.g. onnx-int8 vs sentence-transformers): vectors differ
                fix = f"set INSPECTION_QA_EMBEDDER={stored_backend}"
            else:
                fix = f"use --model {stored_name}"
            raise ModelMismatchError(
                f"the index was built with {stored!r} but the embedding model asked for is {model!r}; "
                f"{fix} or ingest into another --data-dir"
            )
        return self._collection

    def stored_model(self) -> str | None:
        col = self.collection(create=False)
        return (col.metadata or {}).get("embedding_model") if col is not None else None

    def reopen(self, force: bool = False) -> None:
        """Forget cached handles so another process's writes become visible. With `force`, also when this
        store has opened nothing yet: chromadb shares one client system per folder within a process, and
        an index opened after another process wrote must not inherit an older one's stale view."""
        self._collection = None
        if self.path is not None and (self._client is not None or force):
            try:
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
            except Exception:  # noqa: BLE001
                pass
            self._client = None

    # -- writes ----------------------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, model: str) -> None:
        col = self.collection(model)
        batch = max(1, min(5000, self._client_().get_max_batch_size()))
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            col.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i:i + batch],
                metadatas=[chunk_metadata(c) for c in part],
            )

    def delete_ids(self, ids: list[str]) -> None:
        col = self.collection(create=False)
        if col is None or not ids:
            return
        for i in range(0, len(ids), 5000):
            col.delete(ids=ids[i:i + 5000])

    def delete_doc(self, doc_id: str) -> None:
        col = self.collection(create=False)
        if col is not None:
            col.delete(where={"doc_id": doc_id})

    # -- reads -----------------------------------------------------------------------------
    def count(self) -> int:
        col = self.collection(create=False)
        return col.count() if col is not None else 0

    def all_ids(self) -> list[str]:
        col = self.collection(create=False)
        if col is None:
            return []
        ids: list[str] = []
        offset = 0
        while True:
            got = col.get(include=[], limit=10000, offset=offset)["ids"]
            ids.extend(got)
            if len(got) < 10000:
                return ids
            offset += len(got)

    def vectors(self, ids: list[str], model: str | None = None) -> dict[str, np.ndarray]:
        """The stored vectors of these chunk ids (float32, as added); ids the collection lacks are absent."""
        col = self.collection(model, create=False)
        if col is None or not ids:
            return {}
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), 5000):
            got = col.get(ids=ids[i:i + 5000], include=["embeddings"])
            out.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
        return out

    def query(self, vector: np.ndarray, n: int, where: dict | None = None, model: str | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        col = self.collection(model, create=False)
        if col is None:
            return []
        # no count() first: Chroma returns what it holds when that is fewer than n (one round trip less)
        res = col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n, where=where or None,
            include=["distances"],
        )
        ids = res["ids"][0]
        dists = res["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists)]
