"""Vectors for large synthetic indexes without embedding every chunk.

A synthetic chunk is made of perturbed sentences of the real corpus (bench/corpus.py). Its
vector here is the normalised mean of the real embeddings of the pool sentences it was made
from (found by a key that undoes the perturbations: numbers, months, places and synonyms
dropped, the first words kept) and of its section heading, plus a little Gaussian noise, so
dense and BM25 retrieval agree about a chunk much as they do on real text. A chunk with no
recognised sentence reuses a vector of the embedded base set, with noise.

The cosine of these composed vectors to the real embeddings of the base set is reported by the
bench, so the approximation can be judged.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .corpus import LETTER_HEADINGS, MONTHS, PLACES, REPORT_HEADINGS, SYNONYMS, Pool

KEY_WORDS = 6
_REVERSE = sorted(((alt.lower(), canon) for canon, alts in SYNONYMS.items() for alt in alts), key=lambda p: -len(p[0]))
_PLACES = re.compile(r"\b(" + "|".join(p.lower() for p in PLACES) + r")\b")
_MONTHS = re.compile(r"\b(" + "|".join(m.lower() for m in MONTHS) + r")\b")


def sentence_key(sentence: str) -> str:
    s = sentence.lower()
    for alt, canon in _REVERSE:
        if alt in s:
            s = s.replace(alt, canon)
    s = _MONTHS.sub(" ", _PLACES.sub(" ", s))
    words = re.findall(r"[a-z]+", s)
    return " ".join(words[:KEY_WORDS])


def heading_texts(pool: Pool) -> list[str]:
    return sorted(set(LETTER_HEADINGS + REPORT_HEADINGS + pool.headings))


def build_table(embedder, pool: Pool) -> dict:
    """The real embeddings the composed vectors are made from (a few hundred short texts)."""
    sentences = list(pool.sentences)
    headings = heading_texts(pool)
    vecs = embedder.embed_documents(sentences + headings)
    return {"sentence_keys": [sentence_key(s) for s in sentences], "sentence_vectors": vecs[: len(sentences)],
            "headings": headings, "heading_vectors": vecs[len(sentences):]}


def save_table(table: dict, path: Path) -> None:
    np.savez(path, sentence_keys=np.array(table["sentence_keys"]), sentence_vectors=table["sentence_vectors"],
             headings=np.array(table["headings"]), heading_vectors=table["heading_vectors"])


def load_table(path: Path) -> dict:
    data = np.load(path)
    return {"sentence_keys": [str(k) for k in data["sentence_keys"]], "sentence_vectors": data["sentence_vectors"],
            "headings": [str(h) for h in data["headings"]], "heading_vectors": data["heading_vectors"]}


class Composer:
    def __init__(self, table: dict, base: np.ndarray, noise: float, seed: int) -> None:
        self.by_key: dict[str, np.ndarray] = {}
        for k, v in zip(table["sentence_keys"], table["sentence_vectors"]):
            self.by_key.setdefault(k, v)
        self.by_heading = dict(zip(table["headings"], table["heading_vectors"]))
        self.base = base
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.matched = 0
        self.fallback = 0

    def vector(self, chunk, i: int) -> np.ndarray:
        parts = []
        for span in chunk.sentences:
            text = chunk.text[span.start - chunk.start: span.end - chunk.start]
            v = self.by_key.get(sentence_key(text))
            if v is not None:
                parts.append(v)
        if parts and chunk.section in self.by_heading:
            parts.append(self.by_heading[chunk.section])
        if parts:
            self.matched += 1
            v = np.mean(parts, axis=0)
        else:
            self.fallback += 1
            v = self.base[i % len(self.base)].copy()
        v = v / np.linalg.norm(v) + self.rng.normal(0.0, self.noise, size=v.shape)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def sentence_vectors(self, chunk, chunk_vector: np.ndarray) -> np.ndarray:
        """Stand-ins for the pooled sentence vectors ingestion stores: the real embedding of the
        pool sentence each was made from, else the chunk's own vector."""
        rows = []
        for span in chunk.sentences:
            v = self.by_key.get(sentence_key(chunk.text[span.start - chunk.start: span.end - chunk.start]))
            rows.append(chunk_vector if v is None else v)
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)

    def vectors(self, chunks: list, start: int = 0) -> np.ndarray:
        if not chunks:
            return np.zeros((0, self.base.shape[1]), dtype=np.float32)
        return np.stack([self.vector(c, start + i) for i, c in enumerate(chunks)])
