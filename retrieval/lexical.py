"""The lexical side: a BM25 index (bm25s) over the same chunks, persisted beside Chroma."""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

from core.text import tokens

log = logging.getLogger(__name__)


def _bm25s():
    """bm25s, imported on first use; its import sets its own logger to DEBUG, so that is undone each time."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class BM25Index:
    """Built from (chunk id, text) pairs; saved atomically (write aside, then rename)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._retriever = None
        self._ids: list[str] = []
        self._positions: tuple[list[str], dict[str, int]] | None = None  # (the ids it was built from, id -> row)
        self._df: Counter[str] = Counter()
        self.generation = -1

    def build_in_memory(self, ids: list[str], texts: list[str], generation: int) -> None:
        """For a reader that finds the saved index behind the document store (a writer died
        before saving it): search what the document store holds, without writing anything."""
        bm25s = _bm25s()

        corpus = [tokens(t) or ["_empty_"] for t in texts]
        df: Counter[str] = Counter()
        for toks in corpus:
            df.update(set(toks))
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
        self._retriever, self._ids, self._df, self.generation = retriever, list(ids), df, generation

    def build(self, ids: list[str], texts: list[str], generation: int) -> None:
        bm25s = _bm25s()
        tmp = self.path.with_name(self.path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        corpus = [tokens(t) or ["_empty_"] for t in texts]
        df: Counter[str] = Counter()
        for toks in corpus:
            df.update(set(toks))
        if ids:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
            retriever.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "meta.json").write_text(json.dumps({"ids": ids, "df": df, "generation": generation}))
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        tmp.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._retriever = None
        self.generation = -1

    def load(self) -> None:
        bm25s = _bm25s()

        meta_path = self.path / "meta.json"
        if not meta_path.exists():
            self._retriever, self._ids, self._df, self.generation = None, [], Counter(), 0
            return
        meta = json.loads(meta_path.read_text())
        retriever = bm25s.BM25.load(str(self.path / "bm25"), show_progress=False) if meta["ids"] else None
        # one assignment, so a search running in another thread never mixes old ids with a new index
        self._retriever, self._ids, self._df, self.generation = retriever, meta["ids"], Counter(meta["df"]), meta["generation"]

    def stored_generation(self) -> int:
        meta_path = self.path / "meta.json"
        if not meta_path.exists():
            return 0
        return int(json.loads(meta_path.read_text())["generation"])

    @property
    def ids(self) -> list[str]:
        return self._ids

    def idf(self, token: str) -> float:
        n = max(1, len(self._ids))
        return float(np.log(1 + (n - self._df.get(token, 0) + 0.5) / (self._df.get(token, 0) + 0.5)))

    def document_frequency(self, token: str) -> int:
        return self._df.get(token, 0)

    def _row_of(self, ids: list[str]) -> dict[str, int]:
        """Chunk id -> row of the BM25 index, built once per loaded index (a filter's mask costs O(allowed))."""
        if self._positions is None or self._positions[0] is not ids:
            self._positions = (ids, {i: r for r, i in enumerate(ids)})
        return self._positions[1]

    def search(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        retriever, ids, df = self._retriever, self._ids, self._df
        if retriever is None or not ids:
            return []
        q = [t for t in tokens(query) if t in df]
        if not q:
            return []
        mask = None
        if allowed is not None:
            rows = [r for r in map(self._row_of(ids).get, allowed) if r is not None]
            if not rows:
                return []
            mask = np.zeros(len(ids), dtype=np.float32)
            mask[rows] = 1.0
        k = min(n, len(ids))
        docs, scores = retriever.retrieve([q], k=k, show_progress=False, weight_mask=mask)
        out = []
        for idx, score in zip(docs[0], scores[0]):
            if score > 0:
                out.append((ids[int(idx)], float(score)))
        return out
