"""Sentence vectors from a passage's own forward pass ("late chunking").

A passage is embedded once; the vector of each of its sentences is the mean of the passage's
token embeddings over that sentence's characters. The sentence is read in its context (heading,
neighbouring sentences), and nothing is embedded at question time.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from core.records import CharRange  # characters [start, end) of the embedded text


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def pool_spans(tokens: np.ndarray, offsets: np.ndarray, spans: Sequence[CharRange]) -> tuple[np.ndarray, list[int]]:
    """Unit-length mean of the token embeddings whose characters overlap each span.

    `tokens` (T, D) and `offsets` (T, 2) are one text's tokens; special and padding tokens have
    empty offsets and never count. Returns the (len(spans), D) vectors and the indexes of spans
    no token covers (past the model's truncation): their rows are zero, for the caller to fill.
    """
    out = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    missing: list[int] = []
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts
    for i, (a, b) in enumerate(spans):
        sel = real & (starts < b) & (ends > a)
        if not sel.any():
            missing.append(i)
            continue
        out[i] = tokens[sel].mean(axis=0)
    if len(spans):
        out = normalise(out)
        out[missing] = 0.0
    return out, missing


def fill_missing(embed_documents, texts: Sequence[str], spans: Sequence[Sequence[CharRange]],
                 pooled: list[np.ndarray], missing: list[tuple[int, int]]) -> None:
    """Embed on their own the sentences that fell past the truncation of their passage."""
    if not missing:
        return
    vecs = embed_documents([texts[t][spans[t][s][0]:spans[t][s][1]] for t, s in missing])
    for (t, s), v in zip(missing, vecs):
        pooled[t][s] = v
