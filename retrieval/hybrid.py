"""Hybrid search: dense and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError
from core.records import Chunk


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused RRF score
    dense: float | None = None  # cosine similarity, when the dense side found it
    lexical: float | None = None  # BM25 score, when the lexical side found it
    dense_rank: int | None = None
    lexical_rank: int | None = None


def rrf(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the rankings that hold an id."""
    if k < 1:
        raise ConfigError(f"rrf k={k} must be positive")
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return scores


class HybridRetriever:
    """Runs both sides over an `Index` and fuses them; the index supplies the chunk records."""

    def __init__(self, index, candidates: int = 40, rrf_k: int = 60) -> None:
        if candidates < 1:
            raise ConfigError(f"candidates={candidates} must be positive")
        self.index = index
        self.candidates = candidates
        self.rrf_k = rrf_k

    def run(self, query: str, k: int, query_vector: np.ndarray | None = None, search_filter=None,
            dense_side: bool = True) -> list[Hit]:
        """The `k` best passages by reciprocal rank fusion of the dense and BM25 rankings (BM25 alone when
        `dense_side` is False)."""
        if k < 1:
            raise ConfigError(f"k={k} must be positive")
        n = max(self.candidates, k)
        dense, lexical = self.index.search_sides(query, n, query_vector=query_vector, search_filter=search_filter,
                                                 dense_side=dense_side)
        # only chunks of complete documents take part: a document another process is writing has vectors
        # already, and must not shift the ranks of the others
        chunks = {c.id: c for c in self.index.chunks(list(dict.fromkeys(
            [i for i, _ in dense] + [i for i, _ in lexical])))}
        dense = [(i, s) for i, s in dense if i in chunks]
        lexical = [(i, s) for i, s in lexical if i in chunks]
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k=self.rrf_k)
        order = sorted(fused, key=lambda i: -fused[i])
        dense_map = {i: (r, s) for r, (i, s) in enumerate(dense, start=1)}
        lex_map = {i: (r, s) for r, (i, s) in enumerate(lexical, start=1)}
        hits: list[Hit] = []
        for cid in order:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            d = dense_map.get(cid)
            lx = lex_map.get(cid)
            hits.append(Hit(chunk, fused[cid], d[1] if d else None, lx[1] if lx else None, d[0] if d else None, lx[0] if lx else None))
            if len(hits) >= k:
                break
        return hits
